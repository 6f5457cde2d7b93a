"""`kreboot --test-kdump --yes` in a -kernel guest with crashkernel=, followed on the console: the
panic, the capture kernel, its `kreboot save-dump` (init=) saving the dump onto the data disk, and
the boot after it (the capture boot reboots through the firmware: qemu's -kernel again).
Shared by the kdump scenario and Integration/bench."""

from __future__ import annotations

import json
import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from .checks import expect
from .context import ScenarioContext
from .ext4 import copy_out, list_directory
from .failure import ScenarioFailure
from .guest import FIRST_BOOT_PARAMETER, KERNEL_COMMAND_LINE, Guest
from .images import CachedGuest
from .kreboot_cli import OUTPUT_MARKER, kreboot_output

MEMORY_MIB = 2048
CRASHKERNEL = "crashkernel=256M"
KDUMP_CONFIG = """\
KDUMP_COREDIR=/data
KDUMP_DUMPLEVEL=31
KDUMP_COMMANDLINE_APPEND="init=/usr/local/bin/kreboot -- save-dump --mount /dev/nvme0n2"
"""
# What SaveDumpCommand prints once the dump is saved, at the start of a console line: as init= of the capture
# boot straight on the console, `saved /data/<date-time>/vmcore in /data/<date-time>`; under systemd
# (kreboot-save-dump.service, StandardOutput=journal+console) the journal's form `kreboot[PID]: saved … in …`,
# possibly after the kernel's `[  12.345678] ` stamp. Group 1 is the vmcore, group 2 its directory.
SAVED_LINE = r"(?:^|\n)[ \t\r]*(?:\[[ \d.]+\] )?(?:kreboot\[\d+\]: )?saved (\S+) in (\S+)"


def boot_kdump_guest(ctx: ScenarioContext, label: str = "guest", cached: CachedGuest | None = None,
                     kernel: Path | None = None, crashkernel: str = CRASHKERNEL) -> Guest:
    """An unstarted -kernel guest (`cached`, default the context's) with MEMORY_MIB and `crashkernel`
    (default CRASHKERNEL); `kernel` is qemu's -kernel image instead of the cached guest's (arm64-kdump: a
    kernel built with kexec_file_load)."""
    cached = cached or ctx.cached
    append = f"{cached.command_line} {FIRST_BOOT_PARAMETER} {crashkernel}"
    return ctx.boot(label, cached=cached, memory_mb=MEMORY_MIB, append=append, kernel=kernel)


def configure_kdump(guest: Guest) -> None:
    """Write the guest's /etc/default/kdump-tools: dumps onto the data disk by `kreboot save-dump`."""
    guest.run(f"cat > /etc/default/kdump-tools <<'EOF'\n{KDUMP_CONFIG}EOF", check=True)


@dataclass(frozen=True)
class KdumpTestRun:
    """A `kreboot --test-kdump --yes` as the host saw it (times are time.monotonic())."""

    sent: float  # the command was sent
    panicked: float  # `Kernel panic - not syncing` seen
    capture_seen: float  # the capture kernel's `Command line:` echo seen
    capture_end: int  # console offset just after that echo
    saved: float | None  # SaveDumpCommand's `saved … in …` seen (None: not on the console)
    saved_line: str | None
    next_seen: float  # the command line echo of the boot after the capture seen
    next_start: int  # console offset of that echo
    next_end: int  # console offset just after it


def run_kdump_test(guest: Guest, timeout: float = 120, next_boot: str | None = None,
                   later_timeout: float = 300) -> KdumpTestRun:
    """Run `kreboot --test-kdump --yes` (output relayed to the console) and wait until the boot after
    the capture boot has started: its kernel's command line echo, by default qemu's -append again
    (`next_boot`: another regex for that echo, e.g. a firmware boot's; `later_timeout` for each wait after
    the capture kernel)."""
    after = guest.console_offset()
    relay = f"while IFS= read -r l; do echo \"{OUTPUT_MARKER}$l\" > /dev/kmsg; done"
    launched = guest.launch(f"kreboot --test-kdump --yes 2>&1 | {relay}; exit ${{PIPESTATUS[0]}}")
    deadline = launched.sent + timeout
    while not re.search(r"Kernel panic - not syncing", guest.console()[after:]):
        result = guest.finished(launched)
        if result is not None:
            output = kreboot_output(guest, after).replace("\n", " | ")
            raise ScenarioFailure(f"`kreboot --test-kdump --yes` returned {result.rc}: {output[-400:]}")
        if time.monotonic() > deadline:
            raise ScenarioFailure(f"no panic within {timeout:.0f} s of `kreboot --test-kdump --yes`")
        time.sleep(0.05)
    panicked = time.monotonic()
    capture = guest.wait_console(rf"{KERNEL_COMMAND_LINE}[^\r\n]*", 60, after, "the capture kernel", fatal=False)
    capture_seen = time.monotonic()
    # Not the capture kernel's own later echo (x86 prints `Kernel command line:` after `Command line:`, and the
    # capture kernel's line carries the running one's parameters): it has elfcorehdr= or save-dump.
    next_boot = next_boot or (rf"{KERNEL_COMMAND_LINE}(?![^\r\n]*(?:elfcorehdr=|save-dump))[^\r\n]*"
                              rf"{re.escape(FIRST_BOOT_PARAMETER)}[^\r\n]*")
    saved = saved_line = None
    try:
        first = guest.wait_console(rf"(?P<saved>{SAVED_LINE})|(?P<next>{next_boot})", later_timeout, capture.end(),
                                   "the dump saved or the boot after the capture")
        if first.group("saved"):
            saved, saved_line = time.monotonic(), first.group("saved").strip()
            again = guest.wait_console(next_boot, later_timeout, first.end(), "the boot after the capture")
        else:
            again = first
    except ScenarioFailure as failure:
        said = re.findall(r"^kreboot[^\r\n]*", guest.console()[capture.end():], re.M)
        raise ScenarioFailure(f"capture boot: {failure}; kreboot said: {' | '.join(said[-4:]) or 'nothing'}")
    return KdumpTestRun(launched.sent, panicked, capture_seen, capture.end(), saved, saved_line,
                        time.monotonic(), again.start(), again.end())


def newest_guest_dump(guest: Guest) -> dict:
    """The newest dump `kreboot dumps --json` lists in the running guest (SavedDump's fields:
    directory, vmcore, dmesg, sizeBytes, testID, …); fails when there is none."""
    result = guest.run("kreboot dumps --json")
    try:
        dumps = json.loads(result.stdout).get("dumps", [])
    except json.JSONDecodeError:
        raise ScenarioFailure(f"`kreboot dumps --json` is not JSON: {result.summary()}")
    if not dumps:
        raise ScenarioFailure(f"`kreboot dumps --json` lists no dump: {result.summary()}")
    return dumps[0]


def capture_log(ctx: ScenarioContext, guest: Guest, run: KdumpTestRun) -> str:
    """The console of the capture boot (from its command line echo to the next boot's), its last lines
    about save-dump noted in the results."""
    log = guest.console()[run.capture_end:run.next_start]
    for line in re.findall(r"[^\r\n]*(?:save-dump|saved|kreboot)[^\r\n]*", log)[-3:]:
        ctx.notes.append(f"capture: {line.strip()}")
    return log


def check_saved_dump(ctx: ScenarioContext, guest: Guest, run: KdumpTestRun, marker: str, release: str, arch: str,
                     host_dmesg: bool = True, boot_timeout: float | None = None) -> None:
    """After `run`: the newest <dir>/vmcore on the guest's data disk (read with the guest paused) is a vmcore
    of `release` and `arch` by the host's `kreboot inspect` (ctx.kreboot), its kernel log holds `marker`, and
    in the boot after the capture `kreboot status` reports the test succeeded. The log: `makedumpfile
    --dump-dmesg` on the host (host_dmesg; Debian's makedumpfile reads only its own architecture's dumps),
    else the dmesg.txt the capture boot's save-dump wrote next to the vmcore. `boot_timeout`: for wait_boot."""
    log = capture_log(ctx, guest, run)
    with guest.paused():
        dumps = []
        for name, is_directory, _ in list_directory(guest.images.data_fs, "/"):
            if is_directory:
                dumps += [(name, size) for entry, _, size in list_directory(guest.images.data_fs, f"/{name}")
                          if entry == "vmcore"]
        expect(dumps, f"no <dir>/vmcore on the data disk after the capture boot; capture said: {log.strip()[-300:]!r}")
        directory, size = sorted(dumps)[-1]
        local = ctx.run_dir / "vmcore"
        copy_out(guest.images.data_fs, f"/{directory}/vmcore", local)
        dmesg = ctx.run_dir / "dmesg.txt"
        if not host_dmesg:
            copy_out(guest.images.data_fs, f"/{directory}/dmesg.txt", dmesg)
    ctx.notes.append(f"dump {size / 1048576:.1f} MiB = {100 * size / (guest.memory_mb * 1048576):.2f} % of RAM")

    inspect = subprocess.run([str(ctx.kreboot), "inspect", str(local), "--json"], capture_output=True, text=True)
    expect(inspect.returncode == 0, f"kreboot inspect of the dump exited {inspect.returncode}: {inspect.stderr.strip()[-200:]}")
    info = json.loads(inspect.stdout)
    expect(info.get("kind") == "vmcore", f"inspect: kind {info.get('kind')!r}")
    expect(info.get("release") == release, f"inspect: release {info.get('release')!r}, expected {release}")
    expect(info.get("arch") == arch, f"inspect: arch {info.get('arch')!r}, expected {arch}")
    if host_dmesg:
        subprocess.run(["makedumpfile", "--dump-dmesg", str(local), str(dmesg)], capture_output=True)
    expect(dmesg.is_file() and marker in dmesg.read_text(errors="replace"),
           f"the dump's dmesg does not hold the marker {marker}")

    guest.wait_boot(after=run.next_end, timeout=boot_timeout)
    status = guest.run("kreboot status --json")
    expect(status.rc == 0, f"kreboot status after the kdump test: {status.summary()}")
    expect("succeeded" in status.stdout, f"kreboot status does not report the kdump test succeeded: "
                                          f"{status.stdout.strip()[-300:]!r}")
