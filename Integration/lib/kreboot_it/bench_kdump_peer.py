"""The kdumpPeer section of Integration/bench (`--guest server --kdump-peer`): kreboot's kdump against Debian's
kdump-tools in the same server guest (2 GiB, the reservation `kreboot calibrate --apply` recommends, dumps to
/var/crash on the xfs LV at dump level 31 for both).

Per tool, `runs` real panics (`echo c > /proc/sysrq-trigger`) with that tool's service armed: seconds from the
panic to the dump saved (its saver's console line) and to the READY of the boot after the capture (through
SeaBIOS, GRUB and the initramfs), and the dump's size (`kreboot dumps`, which lists both tools' dumps;
/var/crash is emptied after each and before each probe, so that no save fails for want of space). Then
(unless `bisect` is off) the smallest crashkernel reservation with which the tool still saves a dump, in 32 MiB
steps: each probe shrinks the boot's reservation through /sys/kernel/kexec_crash_size (unloaded first, the tool's
own load after: no boot loader change), panics and waits for the dump; a capture that panics, or saves nothing
within PROBE_TIMEOUT, is a failure (the guest is reset); a size the tool cannot even load into is a failure
without a panic (a power cycle then restores the full reservation: it only shrinks within a boot). kreboot goes first (its
own service), then kreboot-kdump is disabled and kdump-tools installed (kdump_debs) and enabled instead."""

from __future__ import annotations

import re
import statistics
import time

from .checks import expect
from .context import ScenarioContext
from .failure import ScenarioFailure
from .guest import KERNEL_COMMAND_LINE
from .server import BOOT_TIMEOUT
from .server_kdump import FIRMWARE_BOOT, MEMORY_MIB, SAVED, KdumpServerRun

TOOLS = ("kreboot", "kdumpTools")
STEP_MIB = 32
PROBE_TIMEOUT = 420.0
# Load and unload per tool (the tool's own commands).
LOAD = {"kreboot": "kreboot kdump start", "kdumpTools": "kdump-config load"}
UNLOAD = {"kreboot": "kreboot kdump stop", "kdumpTools": "kdump-config unload"}
SAVED_BY = {"kreboot": "kreboot", "kdumpTools": "kdump-tools"}
# Either saver's line for a save that failed (the probe fails at once instead of after PROBE_TIMEOUT).
NOT_SAVED = r"the dump was not saved|kdump-tools: failed to save vmcore"
TARGETS = {"panicToReady": 0.8, "smallestCrashkernel": 1.0, "dumpPercentOfRAM": 5.0}


def newest_dump_bytes(run: KdumpServerRun, tool: str) -> int | None:
    """The size of the newest dump `kreboot dumps` lists as saved by `tool`."""
    for dump in run.dumps():
        saver = "kreboot" if dump.get("savedByKreboot") else dump.get("savedBy")
        if saver == SAVED_BY[tool]:
            return dump.get("sizeBytes")
    return None


def clear_dumps(run: KdumpServerRun) -> None:
    """Removes the dumps both tools saved in /var/crash: the xfs LV holds only a few, and a save that fails for
    want of space (kdump-tools' `cat: write error: No space left on device`) would count as a failed capture."""
    cleared = run.guest.run("rm -rf /var/crash/* && sync && df --output=avail -B1M /var/crash | tail -1")
    expect(cleared.rc == 0, f"clearing /var/crash: {cleared.summary()}")
    run.ctx.notes.append(f"/var/crash cleared: {cleared.stdout.strip()} MiB free")


def timed_panics(run: KdumpServerRun, tool: str, runs: int) -> dict:
    """`runs` sysrq panics with `tool` armed: medians of panicToSaved and panicToReady, the dump size."""
    saved, ready, sizes = [], [], []
    for index in range(runs):
        loaded = run.guest.run("cat /sys/kernel/kexec_crash_loaded").stdout.strip()
        expect(loaded == "1", f"{tool} run {index + 1}: no capture kernel loaded at boot")
        crash = run.sysrq_crash(f"{tool} #{index + 1}")
        expect(crash.panic_to_saved is not None, f"{tool} run {index + 1}: no saver line on the console")
        saved.append(crash.panic_to_saved)
        ready.append(crash.panic_to_ready)
        size = newest_dump_bytes(run, tool)
        expect(size is not None, f"{tool} run {index + 1}: `kreboot dumps` lists no dump of {SAVED_BY[tool]}")
        sizes.append(size)
        clear_dumps(run)
    return {"runs": runs, "panicToSaved": round(statistics.median(saved), 2),
            "panicToReady": round(statistics.median(ready), 2), "panicToSavedAll": [round(s, 2) for s in saved],
            "panicToReadyAll": [round(s, 2) for s in ready], "dumpBytes": int(statistics.median(sizes)),
            "dumpPercentOfRAM": round(100 * statistics.median(sizes) / (run.guest.memory_mb * 1048576), 2)}


def probe(run: KdumpServerRun, tool: str, mib: int) -> bool:
    """Does `tool` save a dump with a `mib` MiB reservation? (shrunk in this boot; the next has the full one)."""
    guest = run.guest
    clear_dumps(run)
    guest.run(UNLOAD[tool], timeout=120)
    shrink = guest.run(f"echo {mib * 1048576} > /sys/kernel/kexec_crash_size && cat /sys/kernel/kexec_crash_size")
    expect(shrink.rc == 0, f"shrinking the reservation to {mib} MiB: {shrink.summary()}")
    load = guest.run(LOAD[tool], timeout=300)
    loaded = guest.run("cat /sys/kernel/kexec_crash_loaded").stdout.strip() == "1"
    run.ctx.notes.append(f"probe {tool} {mib} MiB: load rc {load.rc}, loaded {loaded}")
    if not loaded:
        # Does not even fit: no panic needed. The reservation only shrinks within a boot (a larger size gives
        # EINVAL), and the bisection's next probe is larger: power-cycle back to the full reservation.
        run.power_cycle(f"probe {tool} {mib} MiB (not loaded)")
        return False
    after = guest.console_offset()
    previous = run.boot.boot_id
    guest.launch("sync; echo c > /proc/sysrq-trigger")
    capture = guest.wait_console(rf"{KERNEL_COMMAND_LINE}[^\r\n]*elfcorehdr=[^\r\n]*", 120, after,
                                 "the capture kernel", fatal=False)
    deadline = time.monotonic() + PROBE_TIMEOUT
    pattern = re.compile(rf"(?P<saved>{SAVED})|(?P<panic>Kernel panic - not syncing|Out of memory|{NOT_SAVED})")
    outcome = None
    while outcome is None and time.monotonic() < deadline:
        match = pattern.search(guest.console(), capture.end())
        if match:
            outcome = bool(match.group("saved"))
        else:
            time.sleep(0.5)
    if not outcome:
        guest._qmp("system_reset")
    # From the firmware boot's command line: kdump-tools' capture boot runs the agent too (BOOT, never READY).
    firmware = guest.wait_console(FIRMWARE_BOOT, BOOT_TIMEOUT + PROBE_TIMEOUT, capture.end(),
                                  "the boot after the probe", fatal=False)
    run.boot = guest.wait_next_boot(firmware.start(), previous, timeout=BOOT_TIMEOUT + PROBE_TIMEOUT)
    run.ctx.notes.append(f"probe {tool} {mib} MiB: {'saved' if outcome else 'FAILED'}")
    return bool(outcome)


def smallest_reservation(saves, working_mib: int) -> int:
    """Bisect in STEP_MIB steps between nothing (fails) and `working_mib` (saves): the smallest size `saves(mib)`
    is true for (assumed monotonic: more memory never breaks the capture)."""
    low, high = 0, working_mib  # low fails, high works
    while high - low > STEP_MIB:
        middle = ((low + high) // 2) // STEP_MIB * STEP_MIB
        if middle <= low:
            middle = low + STEP_MIB
        if saves(middle):
            high = middle
        else:
            low = middle
    return high


def ratio(a, b) -> float | None:
    return round(a / b, 3) if a and b else None


def measure_kdump_peer(ctx: ScenarioContext, runs: int, bisect: bool = True) -> dict:
    """The kdumpPeer section (see the module's docstring)."""
    run = KdumpServerRun(ctx, kdump_tools=True)
    tools: dict[str, dict] = {}
    kernel = None
    try:
        run.start()
        run.reserve(enable_kreboot_service=True)
        reserved = run.recommendation["totalMiB"]
        kernel = run.guest.run("uname -r").stdout.strip() or None
        tools["kreboot"] = timed_panics(run, "kreboot", runs)
        if bisect:
            tools["kreboot"]["smallestCrashkernelMiB"] = smallest_reservation(lambda mib: probe(run, "kreboot", mib), reserved)
        run.switch_to_kdump_tools()
        tools["kdumpTools"] = timed_panics(run, "kdumpTools", runs)
        if bisect:
            tools["kdumpTools"]["smallestCrashkernelMiB"] = smallest_reservation(lambda mib: probe(run, "kdumpTools", mib), reserved)
    except ScenarioFailure as failure:
        tools["error"] = str(failure)
    finally:
        run.stop()
    mine, peer = tools.get("kreboot", {}), tools.get("kdumpTools", {})
    ratios = {"panicToSaved": ratio(mine.get("panicToSaved"), peer.get("panicToSaved")),
              "panicToReady": ratio(mine.get("panicToReady"), peer.get("panicToReady")),
              "dumpSize": ratio(mine.get("dumpBytes"), peer.get("dumpBytes")),
              "smallestCrashkernel": ratio(mine.get("smallestCrashkernelMiB"), peer.get("smallestCrashkernelMiB"))}
    checks = {"panicToReady": verdict(ratios["panicToReady"], TARGETS["panicToReady"]),
              "smallestCrashkernel": verdict(ratios["smallestCrashkernel"], TARGETS["smallestCrashkernel"]),
              "dumpPercentOfRAM": verdict(mine.get("dumpPercentOfRAM"), TARGETS["dumpPercentOfRAM"])}
    return {"measure": "seconds from the panic (seen on the console) to the saver's line and to the READY of the "
                       "boot after the capture; dumps at dump level 31 on /var/crash (xfs LV)",
            "memoryMiB": MEMORY_MIB, "kernel": kernel, "reservedMiB": run.recommendation.get("totalMiB"),
            "crashkernel": run.recommendation.get("parameters"), **tools, "ratios": ratios,
            "targets": TARGETS, "checks": checks}


def verdict(value: float | None, target: float) -> str:
    return "n/a" if value is None else ("ok" if value <= target else "MISSED")


def format_table(section: dict) -> list[str]:
    """The human summary lines of the section."""
    lines = [f"kdumpPeer ({section.get('memoryMiB')} MiB RAM, {section.get('crashkernel')}):",
             f"{'tool':<12}{'panic->saved':>14}{'panic->READY':>14}{'dump MiB':>10}{'% RAM':>8}{'smallest MiB':>14}"]
    for tool in TOOLS:
        r = section.get(tool)
        if not r:
            continue
        lines.append(f"{tool:<12}{r['panicToSaved']:>14.2f}{r['panicToReady']:>14.2f}{r['dumpBytes'] / 1048576:>10.1f}"
                     f"{r['dumpPercentOfRAM']:>8.2f}{str(r.get('smallestCrashkernelMiB', '-')):>14}")
    ratios, checks, targets = section["ratios"], section["checks"], section["targets"]
    lines.append("kreboot/kdump-tools: " + "  ".join(f"{k} {v if v is not None else '-'}" for k, v in ratios.items()))
    lines.append("targets: " + "  ".join(f"{k} <= {targets[k]} {checks[k]}" for k in checks))
    if "error" in section:
        lines.append(f"kdumpPeer stopped: {section['error']}")
    return lines
