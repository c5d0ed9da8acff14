#!/usr/bin/env bash
# Installs R and its survival and cmprsk packages from Debian for the benchmarks that compare with R
# (R is never needed to build, run or test StudyFlow). Safe to run repeatedly.
set -euo pipefail
if command -v Rscript >/dev/null 2>&1 && Rscript -e 'library(survival); library(cmprsk)' >/dev/null 2>&1; then
    exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "bench: installing r-base-core r-cran-survival r-cran-cmprsk" >&2
$SUDO apt-get update -qq -o DPkg::Lock::Timeout=900
$SUDO apt-get install -y -qq -o DPkg::Lock::Timeout=900 --no-install-recommends r-base-core r-cran-survival r-cran-cmprsk
