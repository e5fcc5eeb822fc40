#!/bin/sh
# Installs the Debian packages of one set named in system-packages.txt (beside this script) that are
# missing, when run as root with apt-get; otherwise it names the command that installs them. With
# --require, a package it could not install stops the caller (exit 1) with one line naming it.
# Usage: scripts/system-packages.sh [--require] SET     (SET: runtime, test or screenshots)
#   scripts/system-packages.sh --require test
set -u
require=0
if [ "${1:-}" = "--require" ]; then require=1; shift; fi
if [ $# -ne 1 ] || [ "$1" = "--help" ] || [ "$1" = "-h" ]; then
    sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
fi
set_name=$1
manifest="$(dirname "$0")/system-packages.txt"
[ -r "$manifest" ] || { echo "error: cannot read $manifest (the package list beside $0)" >&2; exit 2; }

provided() {  # a program on PATH, or an absolute path of a file the package installs
    case "$1" in
        /*) [ -e "$1" ] ;;
        *) command -v "$1" >/dev/null 2>&1 ;;
    esac
}

wanted=""; missing=""
while read -r package provides sets; do
    case "$package" in ''|'#'*) continue ;; esac
    case " $sets " in *" $set_name "*) ;; *) continue ;; esac
    wanted="$wanted $package"
    provided "$provides" || missing="$missing $package"
done < "$manifest"
[ -n "$wanted" ] || { echo "error: no package in $manifest is used by '$set_name'" >&2; exit 2; }
[ -z "$missing" ] && exit 0

log=/tmp/hybrid-apt.log
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian packages for '$set_name':$missing (log: $log)" >&2
    export DEBIAN_FRONTEND=noninteractive
    started=$(date +%s)
    if apt-get install -y --no-install-recommends $missing >"$log" 2>&1 \
        || { apt-get update >>"$log" 2>&1 && \
             apt-get install -y --no-install-recommends $missing >>"$log" 2>&1; }; then
        echo "installed$missing in $(( $(date +%s) - started )) s" >&2
        exit 0
    fi
    reason="apt-get failed, see $log"
elif [ "$(id -u)" != "0" ]; then
    reason="not root"
else
    reason="no apt-get on this machine"
fi
echo "missing Debian packages for '$set_name':$missing ($reason). Fix: sudo apt-get install$missing" >&2
[ "$require" = "1" ] && exit 1
exit 0
