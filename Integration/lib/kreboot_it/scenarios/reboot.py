"""reboot: `kreboot --yes` with no overrides picks the guest's default entry (6.1), quiesces and
kexecs. When the new kernel echoes its command line the host pauses the VM: both images clean, the
data written just before is on the data image. The new boot has a new boot id, the plan's command
line (not the qemu-given one), replays no journal, reads the data back; `kreboot status` answers.

cross-version: from 6.1 into 6.12 (`--entry` the submenu entry) and back with the default entry.

from-unit: kreboot as the main process of a service (as a timer starts it), which the isolate stops:
the run goes on in its own scope and the reboot is clean and verified."""

import json
import uuid

from ..checks import expect
from ..context import ScenarioContext
from ..ext4 import read_file
from ..guest import FIRST_BOOT_PARAMETER, Guest
from ..kreboot_cli import RebootOutcome, dry_run_plan, expect_guest_plan, expect_steps_as_planned, kreboot_reboot, progress_steps
from . import scenario


def without_boot_image(command_line: str) -> list[str]:
    """A command line's parameters without BOOT_IMAGE= (which GRUB, not the entry, adds)."""
    return [p for p in command_line.split() if not p.startswith("BOOT_IMAGE=")]


def reboot_with_data(ctx: ScenarioContext, guest: Guest, first, arguments: str, release: str,
                     label: str, expected_steps=None) -> RebootOutcome:
    """Plan, write a token to /data, kreboot, and check the transition into `release` end to end
    (the plan's steps EXPECTED_STEPS unless given)."""
    plan, _ = dry_run_plan(guest, arguments)
    expect_guest_plan(guest, plan, release, expected_steps)
    token = f"it-{uuid.uuid4().hex[:12]}"
    name = f"{label}.txt"
    guest.run(f"echo {token} > /data/{name}", check=True)  # no sync: kreboot must flush it

    def data_on_image(paused: Guest) -> None:
        found = read_file(paused.images.data_fs, f"/{name}").decode().strip()
        expect(found == token, f"data image holds {found!r} in /{name}, expected {token!r}")

    outcome = kreboot_reboot(guest, first, f"{arguments} --yes".strip(), data_on_image)
    ctx.timing(f"{label}: kreboot -> new kernel", outcome.to_new_kernel)
    ctx.timing(f"{label}: kreboot -> new boot READY", outcome.to_ready)
    expect_steps_as_planned(plan, outcome.output)
    for step in progress_steps(outcome.output):
        if step.seconds is not None:
            ctx.timing(f"{label}: step {step.summary}", step.seconds)
    second = outcome.second
    expect(second.release == release, f"new boot runs {second.release}, expected {release}")
    expect(FIRST_BOOT_PARAMETER not in second.cmdline.split(), "the new boot reused the running command line")
    planned = (plan.get("target") or {}).get("commandLine", "")
    expect(without_boot_image(second.cmdline) == without_boot_image(planned),
           f"new /proc/cmdline {second.cmdline!r} is not the plan's {planned!r}")
    read_back = guest.run(f"cat /data/{name}", check=True).stdout.strip()
    expect(read_back == token, f"/data/{name} reads {read_back!r} in the new boot, expected {token!r}")
    expect_reboot_verified(guest, label)
    return outcome


def expect_reboot_verified(guest: Guest, label: str) -> None:
    """`kreboot status --json` in the new boot reports the reboot it made verified, twice, and leaves every
    file of /var/lib/kreboot byte-identical; `kreboot status --record` then stores the verdict."""
    sums = "sha256sum /var/lib/kreboot/* 2>/dev/null; ls -la --time-style=full-iso /var/lib/kreboot"
    before = guest.run(sums).stdout
    for _ in range(2):
        status = guest.run("kreboot status --json")
        expect(status.rc == 0, f"{label}: kreboot status in the new boot: {status.summary()}")
        last = json.loads(status.stdout).get("lastReboot") or {}
        expect(last.get("state") == "verified", f"{label}: kreboot status does not report the reboot verified: {last!r}")
    after = guest.run(sums).stdout
    expect(before == after, f"{label}: kreboot status changed /var/lib/kreboot: {before!r} -> {after!r}")
    recorded = guest.run("kreboot status --record >/dev/null && cat /var/lib/kreboot/last-reboot.json")
    expect(recorded.rc == 0 and '"verified"' in recorded.stdout,
           f"{label}: kreboot status --record did not store the verdict: {recorded.summary()}")


@scenario("reboot")
def reboot(ctx: ScenarioContext) -> None:
    with ctx.boot() as guest:
        first = guest.wait_boot()
        reboot_with_data(ctx, guest, first, "", ctx.cached.kernel61, "reboot")


@scenario("from-unit")
def from_unit(ctx: ScenarioContext) -> None:
    with ctx.boot() as guest:
        first = guest.wait_boot()
        token = f"it-{uuid.uuid4().hex[:12]}"
        guest.run(f"echo {token} > /data/from-unit.txt", check=True)

        def data_on_image(paused: Guest) -> None:
            found = read_file(paused.images.data_fs, "/from-unit.txt").decode().strip()
            expect(found == token, f"data image holds {found!r}, expected {token!r}")

        # kreboot is the unit's main process, a direct child of systemd; its output goes to the console.
        unit = ("systemd-run --unit=it-kreboot-from-unit -p StandardOutput=kmsg -p StandardError=kmsg "
                "kreboot --yes && sleep 600")
        outcome = kreboot_reboot(guest, first, "--yes", data_on_image, command=unit)
        ctx.timing("from-unit: kreboot -> new kernel", outcome.to_new_kernel)
        second = outcome.second
        expect(second.release == ctx.cached.kernel61, f"new boot runs {second.release}")
        read_back = guest.run("cat /data/from-unit.txt", check=True).stdout.strip()
        expect(read_back == token, f"/data/from-unit.txt reads {read_back!r} in the new boot")
        expect_reboot_verified(guest, "from-unit")


@scenario("cross-version")
def cross_version(ctx: ScenarioContext) -> None:
    entry_612 = f"gnulinux-{ctx.cached.kernel612}-advanced-{ctx.cached.manifest['rootUUID']}"
    with ctx.boot() as guest:
        first = guest.wait_boot()
        there = reboot_with_data(ctx, guest, first, f"--entry {entry_612}", ctx.cached.kernel612, "to-6.12")
        reboot_with_data(ctx, guest, there.second, "", ctx.cached.kernel61, "back-to-6.1")


@scenario("via-systemd")
def via_systemd(ctx: ScenarioContext) -> None:
    """`kreboot --via systemd --yes`: kreboot loads the planned kernel, systemd's kexec.target quiesces
    and executes it; the images are clean, the data kept, the plan's command line booted, and
    `kreboot status` in the new boot reports the reboot verified. Its dry run lists exactly what that path
    runs: load, then the hand-over to kexec.target."""
    with ctx.boot() as guest:
        first = guest.wait_boot()
        plan, _ = dry_run_plan(guest, "--via systemd")
        steps = [(step.get("action"), step.get("unit")) for step in plan.get("steps", [])]
        expect(steps == [("load", None), ("handOver", "kexec.target")],
               f"--via systemd plans {steps}, expected load then handOver kexec.target")
        expect((plan.get("policy") or {}).get("strategy") == "systemd", f"policy is {plan.get('policy')!r}")
        token = f"it-{uuid.uuid4().hex[:12]}"
        guest.run(f"echo {token} > /data/via-systemd.txt", check=True)

        def data_on_image(paused: Guest) -> None:
            found = read_file(paused.images.data_fs, "/via-systemd.txt").decode().strip()
            expect(found == token, f"data image holds {found!r}, expected {token!r}")

        outcome = kreboot_reboot(guest, first, "--via systemd --yes", data_on_image, hands_over=True)
        ctx.timing("via-systemd: kreboot -> new kernel", outcome.to_new_kernel)
        second = outcome.second
        expect(second.release == ctx.cached.kernel61, f"new boot runs {second.release}")
        planned = (plan.get("target") or {}).get("commandLine", "")
        expect(without_boot_image(second.cmdline) == without_boot_image(planned),
               f"new /proc/cmdline {second.cmdline!r} is not the plan's {planned!r}")
        read_back = guest.run("cat /data/via-systemd.txt", check=True).stdout.strip()
        expect(read_back == token, f"/data/via-systemd.txt reads {read_back!r} in the new boot")
        expect_reboot_verified(guest, "via-systemd")
