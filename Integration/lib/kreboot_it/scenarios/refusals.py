"""refusals: kreboot refuses, with its exit code and a message naming the cause, and leaves the
guest as it was (same boot, / and /data still mounted read-write, no unit stopped, nothing
loaded): a corrupt kernel (65), a missing initrd (65), `--test-kdump` without a crashkernel
reservation (69), another user's open session without --force (75), a busy data mount — a process
with a file open for writing on /data — rolled back with the data intact (75), Ctrl-C (SIGINT)
during the load — stopped before the isolate and rolled back (130), and kexec_load_disabled=1
(69, last: it cannot be undone in that boot). All in one boot."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from ..checks import boot_id, expect, expect_mounted, kexec_loaded
from ..context import ScenarioContext
from ..failure import ScenarioFailure
from ..guest import KERNEL_COMMAND_LINE, CommandResult, Guest
from . import scenario


@dataclass(frozen=True)
class GuestState:
    """What a refusal must not change."""

    boot_id: str
    active_units: frozenset[str]


# Units that stop by themselves (systemd-fsckd exits when idle) or that the scenario starts itself.
SELF_STOPPING = re.compile(r"^(systemd-fsckd\.service|it-.*|run-.*\.mount|user.*|session-.*)$")


def guest_state(guest: Guest) -> GuestState:
    units = guest.run("systemctl list-units --type=service,target,mount,socket --state=active "
                      "--no-legend --plain | cut -d' ' -f1", check=True).stdout.split()
    return GuestState(boot_id(guest), frozenset(u for u in units if not SELF_STOPPING.match(u)))


def attempt(guest: Guest, arguments: str, timeout: float = 180, command: str | None = None) -> CommandResult:
    """Run `kreboot ARGUMENTS` (or `command`); fail the scenario if the guest kexecs instead of returning."""
    after = guest.console_offset()
    launched = guest.launch(command or f"kreboot {arguments}")
    deadline = launched.sent + timeout
    while True:
        result = guest.finished(launched)
        if result is not None:
            return result
        if re.search(KERNEL_COMMAND_LINE, guest.console()[after:]):
            raise ScenarioFailure(f"`kreboot {arguments}` rebooted instead of refusing")
        if time.monotonic() > deadline:
            raise ScenarioFailure(f"`kreboot {arguments}` did not return within {timeout:.0f} s")
        time.sleep(0.05)


def expect_refusal(ctx: ScenarioContext, guest: Guest, before: GuestState, label: str, arguments: str,
                   code: int, mentions: str, command: str | None = None) -> CommandResult:
    """kreboot ARGUMENTS (or `command`) exits `code`, its output mentions `mentions` (case-insensitive),
    and the guest is unchanged."""
    result = attempt(guest, arguments, command=command)
    ctx.timing(f"{label}: kreboot {arguments}", result.seconds)
    output = (result.stdout + result.stderr).strip()
    expect(result.rc == code, f"{label}: exit {result.rc}, expected {code}: {output[-200:]!r}")
    expect(mentions.lower() in output.lower(), f"{label}: message does not mention {mentions!r}: {output[-200:]!r}")
    expect_unchanged(ctx, guest, before, label)
    return result


def expect_unchanged(ctx: ScenarioContext, guest: Guest, before: GuestState, label: str) -> None:
    after = guest_state(guest)
    expect(after.boot_id == before.boot_id, f"{label}: the guest rebooted")
    expect_mounted(guest, "/", ctx.cached.root_uuid, "rw")
    expect_mounted(guest, "/data", ctx.cached.data_uuid, "rw")
    expect(not kexec_loaded(guest), f"{label}: a kexec kernel is still loaded")
    stopped = sorted(before.active_units - after.active_units)
    expect(not stopped, f"{label}: units no longer active: {', '.join(stopped[:6])}")


@scenario("refusals")
def refusals(ctx: ScenarioContext) -> None:
    with ctx.boot() as guest:
        guest.wait_boot()
        before = guest_state(guest)
        failures: list[str] = []

        def case(function) -> None:
            try:
                function()
            except ScenarioFailure as failure:
                failures.append(str(failure))

        def corrupt_kernel() -> None:
            guest.run("head -c 4194304 /dev/urandom > /root/corrupt-vmlinuz", check=True)
            expect_refusal(ctx, guest, before, "corrupt kernel", "--kernel /root/corrupt-vmlinuz --yes", 65,
                           "/root/corrupt-vmlinuz")

        def missing_initrd() -> None:
            expect_refusal(ctx, guest, before, "missing initrd", "--initrd /boot/initrd.img-missing --yes", 65,
                           "/boot/initrd.img-missing")

        def no_crashkernel() -> None:
            expect_refusal(ctx, guest, before, "no crashkernel", "--test-kdump --yes", 69, "crashkernel")

        def user_session() -> None:
            guest.run("systemd-run --unit=it-alice-session -p PAMName=login -p User=alice sleep infinity",
                      check=True)
            try:
                sessions = guest.run("loginctl list-sessions --no-legend", check=True).stdout
                expect("alice" in sessions, f"user session: could not open a session for alice: {sessions!r}")
                expect_refusal(ctx, guest, before, "user session", "--yes", 75, "alice")
            finally:
                guest.run("systemctl stop it-alice-session")

        def busy_mount() -> None:
            guest.run("echo busy-data > /data/busy.txt && sync", check=True)
            guest.run("systemd-run --unit=it-busy-writer -p IgnoreOnIsolate=yes "
                      "bash -c 'exec 3>>/data/busy.txt; exec sleep infinity'", check=True)
            try:
                expect_refusal(ctx, guest, before, "busy mount", "--yes", 75, "/data")
                data = guest.run("cat /data/busy.txt", check=True).stdout.strip()
                expect(data == "busy-data", f"busy mount: /data/busy.txt reads {data!r} after the rollback")
            finally:
                guest.run("systemctl stop it-busy-writer")

        def interrupted() -> None:
            # SIGINT as soon as the load step has started: the run stops before the isolate and unloads.
            command = ("kreboot --yes 2>/root/interrupted.out & p=$!; "
                       "for i in $(seq 400); do grep -q '^\\[1/' /root/interrupted.out && break; sleep 0.05; done; "
                       "kill -INT $p; wait $p; rc=$?; cat /root/interrupted.out >&2; exit $rc")
            expect_refusal(ctx, guest, before, "interrupted", "--yes", 130, "interrupted before step 2",
                           command=command)

        def load_disabled() -> None:
            guest.run("sysctl -q -w kernel.kexec_load_disabled=1", check=True)
            expect_refusal(ctx, guest, before, "kexec_load_disabled", "--yes", 69, "kexec_load_disabled")

        cases = (corrupt_kernel, missing_initrd, no_crashkernel, user_session, busy_mount, interrupted, load_disabled)
        for function in cases:
            case(function)
        if failures:
            raise ScenarioFailure(f"{len(failures)} of {len(cases)} refusals wrong: " + "; ".join(failures))
