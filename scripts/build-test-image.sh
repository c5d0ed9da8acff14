#!/usr/bin/env bash
# Builds the container image of Workflows/examples/containers offline (no registry): a root file
# system of Debian's busybox-static with a marker file, imported into podman. Re-running with
# another --marker moves the tag to an image with other content (a new digest).
# Usage: scripts/build-test-image.sh [--marker TEXT] [--tag localhost/NAME:TAG]
# Needs podman and busybox-static (apt-get install podman runc busybox-static); podman may need
# CONTAINERS_CONF (see scripts/integration/50-containers.sh). Prints the image ID.
set -euo pipefail
marker="studyflow-test-image 1"
tag="localhost/studyflow-test:1"
while [ $# -gt 0 ]; do
    case "$1" in
        --marker) marker="$2"; shift 2 ;;
        --tag) tag="$2"; shift 2 ;;
        *) echo "usage: $0 [--marker TEXT] [--tag localhost/NAME:TAG]" >&2; exit 2 ;;
    esac
done
busybox=$(command -v busybox || true)
[ -n "$busybox" ] && [ -x "$busybox" ] || { echo "busybox not found; install it with 'apt-get install busybox-static'" >&2; exit 1; }
rootfs=$(mktemp -d)
trap 'rm -rf "$rootfs"' EXIT
mkdir -p "$rootfs/bin" "$rootfs/etc" "$rootfs/tmp" "$rootfs/proc" "$rootfs/sys" "$rootfs/dev"
chmod 1777 "$rootfs/tmp"
cp "$busybox" "$rootfs/bin/busybox"
for tool in sh cat echo ls wc awk sed sort head tail tr printf test mkdir rm cp mv env id true false grep cut date sleep; do
    ln -s busybox "$rootfs/bin/$tool"
done
printf '%s\n' "$marker" > "$rootfs/etc/studyflow-marker"
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$rootfs/etc/passwd"
# Fixed times, so the same marker gives the same layer bytes.
find "$rootfs" -exec touch -h -d '2000-01-01 00:00:00' {} +
tar --sort=name --owner=0 --group=0 --numeric-owner -C "$rootfs" -c . | podman import - "$tag" >/dev/null
podman image inspect "$tag" --format '{{.Id}}'
