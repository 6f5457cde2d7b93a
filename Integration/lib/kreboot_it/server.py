"""The server guest (flavor `server`, Integration/lib/build-server-guest.sh): booted by SeaBIOS and GRUB with
an initramfs, / on LVM, /var on xfs, /home on btrfs, a LUKS2 volume, two swaps and PostgreSQL 15.

The host can read only /boot (ext4 partition 1, `RunImages.root_fs` for this flavor) and /data (ext4, its own
disk); every other file system is inside LVM or LUKS, so whether it was left clean at the switch is read from
the new boot's kernel messages: a file system left dirty is replayed or recovered when it is mounted again,
and the kernel says so (`recovery_lines`). `unclean_control` proves that check sees a dirty one."""

from __future__ import annotations

import base64
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .checks import expect
from .context import ScenarioContext
from .failure import ScenarioFailure
from .guest import Guest

FLAVOR = "server"
BOOT_TIMEOUT = 480.0
# What is printed when a file system that was not left clean is mounted again: ext4 (also / on LVM and the
# one in LUKS) replays its journal — in the kernel, or in e2fsck run by systemd-fsck before the mount
# ("recovering journal") —, xfs recovers its log, btrfs replays its tree log (fsync'd data).
RECOVERY = re.compile(r"EXT4-fs \([^)]*\): recovery complete[^\r\n]*"
                      r"|[^\s:]+: recovering journal[^\r\n]*"
                      r"|XFS \([^)]*\): (?:Starting|Ending) recovery[^\r\n]*"
                      r"|BTRFS[^\r\n]*(?:start tree-log replay|replaying log)[^\r\n]*")
# What the kernel prints when it mounts each kind, so "no recovery line" is known to cover it.
MOUNTED = {
    "ext4": re.compile(r"EXT4-fs \(dm-\d+\): mounted filesystem"),
    "xfs": re.compile(r"XFS \(dm-\d+\): Mounting V\d+ Filesystem"),
    "btrfs": re.compile(r"BTRFS info \(device dm-\d+\)"),
}
# Where each file system of the guest is mounted and what it is (findmnt's FSTYPE, SOURCE).
LAYOUT = {
    "/": ("ext4", "/dev/mapper/server--vg-root"),
    "/boot": ("ext4", None),
    "/var": ("xfs", "/dev/mapper/server--vg-var"),
    "/home": ("btrfs", "/dev/mapper/server--vg-home[/@home]"),
    "/srv/secret": ("ext4", "/dev/mapper/secret"),
    "/data": ("ext4", None),
}
SWAP_FILE = "/swap.img"
SWAP_LV = "/dev/mapper/server--vg-swap_1"


def recovery_lines(console: str, after: int) -> list[str]:
    """The recovery/replay lines on the console after offset `after` (empty when every file system mounted
    there was clean)."""
    return [match.group(0).strip() for match in RECOVERY.finditer(console, after)]


def boot_recovery_lines(guest: Guest) -> list[str]:
    """The recovery/replay lines in the current boot's journal (kernel messages and systemd-fsck's e2fsck
    output, whatever reached the console), by kind: ext4, xfs, btrfs."""
    journal = guest.run("journalctl -b -o cat --no-pager", timeout=120, check=True).stdout
    return [match.group(0).strip() for match in RECOVERY.finditer(journal)]


def recovery_kind(line: str) -> str:
    """ext4, xfs or btrfs: which kind of file system a recovery line is about."""
    if line.startswith("XFS"):
        return "xfs"
    if line.startswith("BTRFS"):
        return "btrfs"
    return "ext4"


def boot_server(ctx: ScenarioContext, label: str = "server", memory_mb: int = 1024, **options) -> Guest:
    """An unstarted guest of the server flavor (built on first use), booted through SeaBIOS and GRUB."""
    return ctx.boot(label, cached=ctx.cached_guest(FLAVOR), firmware=True, memory_mb=memory_mb, **options)


def expect_layout(guest: Guest) -> None:
    """Every file system, the LUKS mapping and both swaps are where the flavor puts them."""
    mounts = {}
    for line in guest.run("findmnt -rn -o TARGET,FSTYPE,SOURCE", check=True).stdout.splitlines():
        target, fstype, source = (line.split(" ") + ["", ""])[:3]
        mounts[target] = (fstype, source)
    for target, (fstype, source) in LAYOUT.items():
        found = mounts.get(target)
        expect(found is not None and found[0] == fstype and (source is None or found[1] == source),
               f"{target} is {found}, expected {fstype} from {source or 'its partition/disk'}")
    swaps = active_swaps(guest)
    expect(SWAP_FILE in swaps and SWAP_LV in swaps, f"active swaps are {swaps}, expected {SWAP_FILE} and {SWAP_LV}")
    initrd = guest.run("ls /boot/initrd.img-$(uname -r)")
    expect(initrd.rc == 0, f"no initrd for the running kernel: {initrd.summary()}")


def active_swaps(guest: Guest) -> list[str]:
    """Active swaps by the names fstab uses (/proc/swaps names the LV /dev/dm-N: resolved to /dev/mapper)."""
    names = []
    for line in guest.run("tail -n +2 /proc/swaps", check=True).stdout.splitlines():
        name = line.split()[0]
        if name.startswith("/dev/dm-"):
            mapper = guest.run(f"cat /sys/block/{name[5:]}/dm/name").stdout.strip()
            name = f"/dev/mapper/{mapper}" if mapper else name
        names.append(name)
    return sorted(names)


@dataclass
class ConsoleWatcher:
    """Host times at which console lines matching `pattern` first appeared, read from qemu's console file by a
    thread of its own (the Guest's own reader is not shared). Used for the PostgreSQL client's commits."""

    path: Path
    pattern: re.Pattern
    seen: list[tuple[float, re.Match]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _offset: int = 0

    def start(self) -> None:
        """Watch what the console gets from now on (lines already there are not seen)."""
        self._offset = self.path.stat().st_size
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        offset = self._offset
        pending = ""
        while not self._stop.is_set():
            with open(self.path, "rb") as console:
                console.seek(offset)
                chunk = console.read()
            offset += len(chunk)
            now = time.monotonic()
            pending += chunk.decode(errors="replace")
            *lines, pending = pending.split("\n")
            for line in lines:
                match = self.pattern.search(line)
                if match:
                    self.seen.append((now, match))
            time.sleep(0.02)



# The PostgreSQL client: numbered rows, one committed transaction each; every commit psql confirmed is announced on
# /dev/kmsg as `KREBOOT-IT PG committed N` (it runs as root for /dev/kmsg; psql as postgres).
PG_CLIENT_SCRIPT = r"""#!/bin/bash
# kreboot integration: numbered rows, one committed transaction each; every commit psql confirmed is
# announced on /dev/kmsg as `KREBOOT-IT PG committed N` (this runs as root for /dev/kmsg; psql as postgres).
pg() { setpriv --reuid=postgres --regid=postgres --init-groups env HOME=/var/lib/postgresql psql -qtAX -d itdb "$@"; }
while :; do
	n=$(pg -c 'select coalesce(max(id), 0) + 1 from it_rows' 2>/dev/null) || { sleep 0.2; continue; }
	while :; do
		printf 'insert into it_rows values (%d, now());\n\\echo committed %d\n' "$n" "$n" || exit 0
		n=$((n + 1))
		sleep 0.05
	done | pg -v ON_ERROR_STOP=1 2>/dev/null | while IFS= read -r line; do echo "KREBOOT-IT PG $line" > /dev/kmsg; done
	sleep 0.2
done
"""
# A unit that survives the isolate (kreboot's quiesce) and starts again in the next boot.
PG_CLIENT_UNIT = """[Unit]
Description=kreboot integration: a PostgreSQL client writing numbered rows
After=postgresql.service
IgnoreOnIsolate=yes

[Service]
WorkingDirectory=/
ExecStart=/usr/local/sbin/it-pg-client
Restart=always
RestartSec=0.2

[Install]
WantedBy=multi-user.target
"""
PG_COMMITTED = re.compile(r"KREBOOT-IT PG committed (\d+)")


def start_postgres_client(guest: Guest) -> ConsoleWatcher:
    """Install and start the PostgreSQL client (PG_CLIENT_SCRIPT as PG_CLIENT_UNIT, table it_rows in database
    itdb); returns the watcher of its commit announcements once it has seen 20."""
    def put(path: str, text: str, mode: str) -> None:
        guest.run(f"echo {base64.b64encode(text.encode()).decode()} | base64 -d > {path} && chmod {mode} {path}",
                  check=True)

    put("/usr/local/sbin/it-pg-client", PG_CLIENT_SCRIPT, "755")
    put("/etc/systemd/system/it-pg-client.service", PG_CLIENT_UNIT, "644")
    guest.run("runuser -u postgres -- createdb itdb && runuser -u postgres -- psql -qX -d itdb "
              "-c 'create table it_rows (id integer primary key, at timestamptz not null)'", check=True)
    watcher = ConsoleWatcher(guest.console_path, PG_COMMITTED)
    watcher.start()
    guest.run("systemctl daemon-reload && systemctl enable --now it-pg-client.service", check=True)
    deadline = time.monotonic() + 60
    while len(watcher.seen) < 20:
        expect(time.monotonic() < deadline, "the PostgreSQL client committed fewer than 20 rows in 60 s")
        time.sleep(0.2)
    return watcher


def commit_gap(seen, switched_at: float | None) -> float | None:
    """Seconds from the last commit seen before the switch to the first one seen after it."""
    if switched_at is None:
        return None
    before = [t for t, _ in seen if t <= switched_at]
    after = [t for t, _ in seen if t > switched_at]
    return (min(after) - max(before)) if before and after else None


class Problems:
    """Checks that go on after one failed: each failure is collected with its label; `raise_if_any` fails the
    scenario naming all of them."""

    def __init__(self) -> None:
        self.reasons: list[str] = []

    def check(self, label: str, function) -> None:
        try:
            function()
        except ScenarioFailure as failure:
            self.reasons.append(f"{label}: {failure}")

    def raise_if_any(self, last: str | None = None) -> None:
        reasons = self.reasons + ([last] if last else [])
        if reasons:
            raise ScenarioFailure(f"{len(reasons)} problem(s): " + " || ".join(reasons))
