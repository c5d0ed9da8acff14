#!/usr/bin/env bash
# Renders a report's HTML to a full-page PNG with headless Chromium (Debian's `chromium`, installed
# when missing), with every network path closed, then crops the blank bottom of the tall window so
# the PNG is the page. Prints the PNG's stats (scripts/png-stats.py) as one JSON line.
# usage: scripts/render-report.sh REPORT.html OUT.png [WIDTH] [HEIGHT]
# HEIGHT cuts the page there (the README's screenshot shows the report's opening).
set -euo pipefail
[ -f "${1:-}" ] || { echo "render-report: no such report '${1:-}'; usage: $0 REPORT.html OUT.png [WIDTH] [HEIGHT]" >&2; exit 2; }
html=$(realpath "$1"); png=$2; width=${3:-1000}; height=${4:-16000}
root=$(cd "$(dirname "$0")/.." && pwd)
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    echo "render-report: installing chromium" >&2
    $SUDO apt-get install -y -qq -o DPkg::Lock::Timeout=900 --no-install-recommends chromium >&2
    browser=$(command -v chromium)
fi
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
mkdir -p "$(dirname "$png")"
# A window taller than any report; the white space under the page is cropped afterwards.
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run --user-data-dir="$profile" \
    --disable-background-networking --disable-component-update --disable-sync --disable-extensions \
    --no-proxy-server --host-resolver-rules="MAP * ~NOTFOUND" --force-device-scale-factor=1 \
    --window-size="$width,$height" --screenshot="$png.full.png" "file://$html" >/dev/null 2>"$profile/chromium.log" \
    || { cat "$profile/chromium.log" >&2; exit 1; }
[ -s "$png.full.png" ] || { echo "render-report: chromium wrote no screenshot of $html:" >&2; grep -v dbus "$profile/chromium.log" | tail -3 >&2; exit 1; }
python3 "$root/scripts/png-stats.py" "$png.full.png" "$png"
rm -f "$png.full.png"
