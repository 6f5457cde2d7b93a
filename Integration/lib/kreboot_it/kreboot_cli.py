"""Driving kreboot in the guest: its plan (`--dry-run --json`) and a real reboot observed from the
host (new kernel's command line, images checked while the VM is paused, the new boot's markers)."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass

from .checks import expect
from .ext4 import needs_recovery
from .failure import ScenarioFailure
from .guest import BOOT_TIMEOUT, KERNEL_COMMAND_LINE, BootInfo, CommandResult, Guest

# The steps the guest's plan must have: everything but / is on the data disk; the persistent journal is on /,
# so journald moves to /run right before / is made read-only.
EXPECTED_STEPS = [
    ("load", None),
    ("isolate", "rescue.target"),
    ("unmount", "/data"),
    ("moveJournal", "/var/log/journal"),
    ("remountReadOnly", "/"),
    ("sync", None),
    ("exec", None),
]
OUTPUT_MARKER = "KREBOOT-IT OUT "


def step_key(step: dict) -> tuple[str, str | None]:
    """(action, unit or path) of one plan step."""
    return step.get("action"), step.get("unit") or step.get("path")


def failing_checks(plan: dict) -> str:
    """The plan's failing checks as `id: message; …`."""
    return "; ".join(f"{c.get('id')}: {c.get('message')}" for c in plan.get("checks", []) if c.get("status") == "fail")


def dry_run_plan(guest: Guest, arguments: str = "") -> tuple[dict, CommandResult]:
    """`kreboot --dry-run --json ARGUMENTS` in the guest: the parsed plan (must exit 0 and be ok)."""
    result = guest.run(f"kreboot --dry-run --json {arguments}".strip())
    try:
        plan = json.loads(result.stdout)
    except json.JSONDecodeError:
        raise ScenarioFailure(f"`{result.command}` exited {result.rc}, stdout is not JSON: "
                              f"{(result.stdout.strip() or result.stderr.strip())[:200]!r}")
    if result.rc != 0 or plan.get("ok") is not True:
        raise ScenarioFailure(f"`{result.command}` exited {result.rc}, ok={plan.get('ok')}; failing checks: "
                              f"{failing_checks(plan) or 'none'}")
    expect(plan.get("schemaVersion") == 1, f"schemaVersion is {plan.get('schemaVersion')!r}, expected 1")
    return plan, result


def expect_guest_plan(guest: Guest, plan: dict, release: str, expected_steps=None) -> None:
    """The plan reboots into `release` (its /boot/vmlinuz-RELEASE) with the guest's expected steps
    (EXPECTED_STEPS unless given)."""
    expected_steps = expected_steps or EXPECTED_STEPS
    expect(plan.get("mode") == "reboot", f"mode is {plan.get('mode')!r}, expected reboot")
    steps = [step_key(step) for step in plan.get("steps", [])]
    expect(steps == expected_steps, f"steps are {steps}, expected {expected_steps}")
    unmount = next(step for step in plan["steps"] if step.get("action") == "unmount")
    data_source = guest.run("findmnt -n -o SOURCE --mountpoint /data").stdout.strip()
    expect(unmount.get("source") == data_source,
           f"unmount /data source is {unmount.get('source')!r}, /data is mounted from {data_source!r}")
    target = plan.get("target") or {}
    expected_kernel = f"/boot/vmlinuz-{release}"
    kernel = target.get("kernel", "")
    resolved = guest.run(f"readlink -f {kernel!r}").stdout.strip() if kernel else ""
    expect(resolved == expected_kernel, f"target.kernel is {kernel!r}, expected {expected_kernel}")
    expect(target.get("release") in (None, release), f"target.release is {target.get('release')!r}, expected {release}")


PROGRESS_LINE = re.compile(r"^\[\s*(\d+)/(\d+)\] (.*?) (?:\.\.\.|done in (\d+(?:\.\d+)?) s)")


@dataclass(frozen=True)
class ProgressStep:
    """One step as kreboot's progress reported it: `[3/6] unmount /data (…) done in 0.21 s`."""

    index: int  # 1-based
    total: int
    summary: str
    seconds: float | None  # None while only started (exec never finishes)


def progress_steps(output: str) -> list[ProgressStep]:
    """The steps kreboot reported, in order, one per index (the `done` line wins over `...`)."""
    steps: dict[int, ProgressStep] = {}
    for line in output.splitlines():
        match = PROGRESS_LINE.match(line.strip())
        if match:
            index = int(match.group(1))
            seconds = float(match.group(4)) if match.group(4) else None
            if index not in steps or seconds is not None:
                steps[index] = ProgressStep(index, int(match.group(2)), match.group(3), seconds)
    return [steps[i] for i in sorted(steps)]


def expect_steps_as_planned(plan: dict, output: str) -> None:
    """The real run reported exactly the plan's steps, in order (each naming the plan step's unit or path)."""
    planned = plan.get("steps", [])
    reported = progress_steps(output)
    expect([s.index for s in reported] == list(range(1, len(planned) + 1)),
           f"the run reported steps {[s.index for s in reported]} of {len(planned)} planned: {output[-300:]!r}")
    for step, done in zip(planned, reported):
        name = step.get("unit") or step.get("path")
        expect(name is None or name in done.summary, f"step {done.index} ran {done.summary!r}, planned {step}")


def kreboot_output(guest: Guest, after: int) -> str:
    """What kreboot printed (stdout and stderr, relayed to the console) after offset `after`."""
    lines = re.findall(rf"{OUTPUT_MARKER}([^\r\n]*)", guest.console()[after:])
    return "\n".join(lines)


@dataclass(frozen=True)
class RebootOutcome:
    """A kreboot-driven kexec as the host saw it."""

    first: BootInfo
    second: BootInfo
    new_command_line: str  # the new kernel's `Command line:` echo
    output: str  # kreboot's output (relayed through /dev/kmsg)
    to_new_kernel: float  # seconds from the command to the new kernel's command line echo
    to_ready: float  # seconds from the command to the new boot's READY marker


def kreboot_reboot(guest: Guest, first: BootInfo, arguments: str,
                   data_checks=None, timeout: float = 120, command: str | None = None,
                   hands_over: bool = False, boot_timeout: float = BOOT_TIMEOUT) -> RebootOutcome:
    """Run `kreboot ARGUMENTS` (expected to kexec), wait for the new kernel, pause the VM and check
    both images are clean (and `data_checks(guest)` if given, e.g. debugfs reads), resume, and wait
    for the new boot. kreboot's output goes to the console prefixed with KREBOOT-IT OUT.
    `command` replaces the whole guest command. The command must not return unless kreboot failed;
    with `hands_over` (`--via systemd`, which exits 0 once systemd has the kexec.target job) it may
    return 0 before the new kernel comes."""
    after = guest.console_offset()
    relay = f"while IFS= read -r l; do echo \"{OUTPUT_MARKER}$l\" > /dev/kmsg; done"
    launched = guest.launch(command or f"kreboot {arguments} 2>&1 | {relay}; exit ${{PIPESTATUS[0]}}")
    deadline = launched.sent + timeout
    new_kernel = re.compile(rf"{KERNEL_COMMAND_LINE}([^\r\n]*)")
    while True:
        match = new_kernel.search(guest.console(), after)
        if match:
            break
        result = guest.finished(launched)
        if result is not None and not (hands_over and result.rc == 0):
            output = kreboot_output(guest, after).replace("\n", " | ")
            raise ScenarioFailure(f"`kreboot {arguments}` returned {result.rc} instead of rebooting: {output[-400:]}")
        if time.monotonic() > deadline:
            raise ScenarioFailure(f"no new kernel within {timeout:.0f} s of `kreboot {arguments}`")
        time.sleep(0.05)
    seen = time.monotonic()
    with guest.paused():
        expect(not guest.new_kernel_mounted(match.end()), "the new kernel mounted a disk before the host could check it")
        root_dirty = needs_recovery(guest.images.root_fs)
        data_dirty = needs_recovery(guest.images.data_fs)
        if data_checks:
            data_checks(guest)
    expect(not root_dirty, "root file system is dirty (needs_recovery) when the new kernel started")
    expect(not data_dirty, "data file system is dirty (needs_recovery) when the new kernel started")
    second = guest.wait_boot(after=match.end(), timeout=boot_timeout)
    guest.expect_no_journal_replay(match.end())
    expect(second.boot_id != first.boot_id, "boot id unchanged after the kexec")
    return RebootOutcome(first, second, match.group(1).strip(), kreboot_output(guest, after),
                         seen - launched.sent, second.ready_at - launched.sent)
