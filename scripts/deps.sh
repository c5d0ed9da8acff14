#!/usr/bin/env bash
# Installs the Debian packages StudyFlow's build, tests and example study need, when missing.
# Safe to run repeatedly; run as root (or with sudo) on Debian/Ubuntu.
set -euo pipefail

need=()
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
command -v awk >/dev/null 2>&1 || need+=(gawk)
command -v python3 >/dev/null 2>&1 || need+=(python3)
# git and ssh-keygen: signed runs (`sign: true`) and the tests that check them with the real tools.
command -v git >/dev/null 2>&1 || need+=(git)
command -v ssh-keygen >/dev/null 2>&1 || need+=(openssh-client)
# libgit2 for StudyProvenance (CLibGit2 finds it through pkg-config, so that is needed too).
if ! command -v pkg-config >/dev/null 2>&1 || ! pkg-config --exists libgit2; then
    need+=(libgit2-dev)
fi

if [ ${#need[@]} -eq 0 ]; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "deps: missing ${need[*]} and no apt-get here; install them with your package manager" >&2
    exit 1
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "deps: installing ${need[*]}" >&2
$SUDO apt-get update -qq -o DPkg::Lock::Timeout=900
$SUDO apt-get install -y -qq -o DPkg::Lock::Timeout=900 --no-install-recommends "${need[@]}"
