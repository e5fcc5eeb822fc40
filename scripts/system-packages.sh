#!/bin/sh
# Installs the Debian packages named (each listed in system-packages.txt beside this script) that are
# missing, when run as root with apt-get; otherwise it names the command that installs them. With
# --require, a package it could not install stops the caller (exit 1) with one line naming it.
# `--list SET` prints the packages of one set (runtime, test, screenshots), for the Makefile.
# Usage: scripts/system-packages.sh [--require] PACKAGE...  |  scripts/system-packages.sh --list SET
#   scripts/system-packages.sh --require $(scripts/system-packages.sh --list test)
set -u
manifest="$(dirname "$0")/system-packages.txt"
usage() { sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[ -r "$manifest" ] || { echo "error: cannot read $manifest (the package list beside $0)" >&2; exit 2; }

entries() {  # the list without comments: PACKAGE PROVIDES SETS...
    grep -v '^[[:space:]]*\(#\|$\)' "$manifest"
}

if [ "${1:-}" = "--list" ]; then
    [ $# -eq 2 ] || usage
    found=$(entries | while read -r package _provides sets; do
        case " $sets " in *" $2 "*) printf '%s ' "$package" ;; esac
    done)
    [ -n "$found" ] || { echo "error: no package in $manifest is used by '$2'" >&2; exit 2; }
    echo $found
    exit 0
fi

require=0
if [ "${1:-}" = "--require" ]; then require=1; shift; fi
{ [ $# -ge 1 ] && [ "$1" != "--help" ] && [ "$1" != "-h" ]; } || usage

provided() {  # a program on PATH, or an absolute path of a file the package installs
    case "$1" in
        /*) [ -e "$1" ] ;;
        *) command -v "$1" >/dev/null 2>&1 ;;
    esac
}

missing=""
for wanted in "$@"; do
    provides=$(entries | while read -r package provides _sets; do
        [ "$package" = "$wanted" ] && echo "$provides"
    done)
    [ -n "$provides" ] || { echo "error: '$wanted' is not in $manifest; add it there first" >&2; exit 2; }
    provided "$provides" || missing="$missing $wanted"
done
[ -z "$missing" ] && exit 0

log=/tmp/hybrid-apt.log
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian packages:$missing (log: $log)" >&2
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
echo "missing Debian packages:$missing ($reason). Fix: sudo apt-get install$missing" >&2
[ "$require" = "1" ] && exit 1
exit 0
