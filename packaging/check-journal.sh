#!/bin/bash
# Checks that `kreboot --dry-run` on the real root leaves its `planned` journal record, without journald
# and without changing the host: in a private mount namespace (unshare -m) a tmpfs hides /run/systemd,
# a stand-in journald (python3) listens on /run/systemd/journal/socket, and the record that
# sd_journal_sendv(3) sends there is checked: MESSAGE_ID=planned, SYSLOG_IDENTIFIER=kreboot, DRY_RUN=1.
# Skips (exit 0, saying so) when not root or without unshare/python3.
# Usage: packaging/check-journal.sh BINARY
set -uo pipefail

binary=$(realpath "${1:?usage: check-journal.sh BINARY}")
planned=9c3c658e39b4401eb1d456ab034b3dd9
if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null || ! command -v python3 >/dev/null \
   || ! unshare -m true 2>/dev/null; then
    echo "check-journal: skipped (needs root, unshare -m and python3)"
    exit 0
fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT
unshare -m --propagation private bash -c '
    set -e
    mkdir -p /run/systemd
    mount -t tmpfs -o size=1m kreboot-check /run/systemd
    mkdir /run/systemd/journal
    python3 -c "
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(\"/run/systemd/journal/socket\")
open(\"/run/systemd/journal/ready\", \"w\").close()
s.settimeout(20)
sys.stdout.buffer.write(s.recv(1 << 20))
" > "$2" &
    for _ in $(seq 100); do [ -e /run/systemd/journal/ready ] && break; sleep 0.05; done
    "$1" --dry-run >/dev/null 2>&1 || true
    wait
' _ "$binary" "$out" || { echo "check-journal: no record arrived from $binary --dry-run" >&2; exit 1; }

problems=0
for field in "MESSAGE_ID=$planned" SYSLOG_IDENTIFIER=kreboot DRY_RUN=1 "MESSAGE=kreboot: planned reboot"; do
    grep -qa "^$field" "$out" || { echo "check-journal: the record lacks $field" >&2; problems=1; }
done
if [ "$problems" != 0 ]; then tr '\0' '?' < "$out" | sed 's/^/  /' >&2; exit 1; fi
echo "check-journal: kreboot --dry-run sent: $(grep -a '^MESSAGE=' "$out")"
