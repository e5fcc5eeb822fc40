#!/bin/sh
# Debian packages the platform uses beyond Python wheels: tesseract-ocr (the OCR fallback engine) and, for
# `make screenshots`, chromium. Installs what is missing when run as root on Debian/Ubuntu; otherwise it
# names the command to run. Usage: scripts/system-packages.sh [--require] COMMAND=PACKAGE...
#   scripts/system-packages.sh --require tesseract=tesseract-ocr
require=0
if [ "$1" = "--require" ]; then require=1; shift; fi
missing=""
for pair in "$@"; do
    cmd=${pair%%=*}; pkg=${pair#*=}
    command -v "$cmd" >/dev/null 2>&1 || missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian packages:$missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    if apt-get install -y --no-install-recommends $missing >/tmp/hybrid-apt.log 2>&1 \
        || { apt-get update >>/tmp/hybrid-apt.log 2>&1 && \
             apt-get install -y --no-install-recommends $missing >>/tmp/hybrid-apt.log 2>&1; }; then
        exit 0
    fi
    echo "apt-get could not install$missing (log: /tmp/hybrid-apt.log)" >&2
fi
echo "missing system packages:$missing. Fix: sudo apt-get install$missing" >&2
[ "$require" = "1" ] && exit 1
exit 0
