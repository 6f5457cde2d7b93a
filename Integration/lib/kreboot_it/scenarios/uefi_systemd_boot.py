"""uefi-systemd-boot and uefi-one-shot: the uefi flavor with systemd-boot at the removable path (Secure Boot
off: Debian 12 ships systemd-boot unsigned), its Boot Loader Spec Type #1 entries on the ESP
(/boot/efi/loader/entries, kernel and initrd on the ESP), loader.conf `default debian-*` and a Type #2 UKI in
EFI/Linux.

uefi-systemd-boot: systemd-boot booted the glob's entry (its token on /proc/cmdline) and `bootctl list` marks it
default; kreboot plans exactly that entry from the ESP and reboots into it (clean file systems and ESP, data kept,
verified), then into the UKI (`--entry` its id): the new boot has the UKI's embedded command line.

uefi-one-shot: `bootctl set-oneshot` another entry: `bootctl list` and kreboot's plan both choose it, with a step
that clears LoaderEntryOneShot after the load. A refused run (a writer on /data, exit 75) rolls back and the
variable is still set; the real run boots the one-shot entry and the variable is gone, as systemd-boot would leave
it; the next plan is the loader.conf default again."""

from __future__ import annotations

import json
import re

from ..checks import expect
from ..context import ScenarioContext
from ..guest import Guest
from ..kreboot_cli import dry_run_plan
from ..uefi import SharedBoots, efi_state, shared_uefi_guest, uefi_guest, uefi_reboot, without_boot_image
from . import scenario
from .refusals import attempt

KIND = "systemd-boot"
LOADER_GUID = "4a67b082-0a4c-41cf-b6c7-440b29bb8c4f"
ONE_SHOT_VARIABLE = f"/sys/firmware/efi/efivars/LoaderEntryOneShot-{LOADER_GUID}"
ENTRIES_DIR = "/boot/efi/loader/entries"


def systemd_boot_guest(ctx: ScenarioContext):
    return shared_uefi_guest(ctx, KIND, secure=False, systemd_boot=True)


def bootctl_default(guest: Guest) -> str:
    """The id of the entry `bootctl list` marks as default (what systemd-boot would boot)."""
    listed = guest.run("bootctl list --no-pager --json=short")
    if listed.rc == 0 and listed.stdout.strip().startswith("["):
        for entry in json.loads(listed.stdout):
            if entry.get("isDefault"):
                return entry.get("id", "")
    text = guest.run("bootctl list --no-pager", check=True).stdout
    for block in re.split(r"\n\s*\n", text):
        if re.search(r"title:.*\(default\)", block):
            ident = re.search(r"^\s*id: (\S+)", block, re.M)
            if ident:
                return ident.group(1)
    return ""


def expect_efi_runtime(guest: Guest, label: str) -> None:
    state = efi_state(guest)
    expect(state.efivars > 0, f"{label}: /sys/firmware/efi/efivars lists nothing (no EFI runtime)")
    expect(state.secure_boot is False, f"{label}: SecureBoot variable {state.secure_boot}, expected off")


def entry_token(command_line: str) -> str:
    match = re.search(r"kreboot_it\.entry=(\S+)", command_line)
    return match.group(1) if match else ""


def expect_bls_plan(plan: dict, entry_file: str, label: str) -> dict:
    target = plan.get("target") or {}
    source = target.get("source") or {}
    expect(source.get("kind") == "bls" and source.get("file") == entry_file,
           f"{label}: plan source is {source}, expected bls {entry_file}")
    expect(target.get("kernel", "").startswith("/boot/efi/"), f"{label}: target.kernel {target.get('kernel')!r} not on the ESP")
    return target


@scenario("uefi-systemd-boot")
def uefi_systemd_boot(ctx: ScenarioContext) -> None:
    cached = uefi_guest(ctx)
    default = cached.manifest["blsDefaultEntry"]
    guest, first, reused = systemd_boot_guest(ctx)
    try:
        expect_efi_runtime(guest, "first boot")
        if not reused:
            expect(entry_token(first.cmdline) == "bls-debian",
                   f"systemd-boot booted {first.cmdline!r}, not loader.conf's glob default (bls-debian)")
        expect(bootctl_default(guest) == default, f"bootctl list's default is {bootctl_default(guest)!r}, expected {default}")
        plan, _ = dry_run_plan(guest)
        target = expect_bls_plan(plan, f"{ENTRIES_DIR}/{default}", "default")
        expect(entry_token(target.get("commandLine", "")) == "bls-debian",
               f"plan command line {target.get('commandLine')!r} is not the default entry's")
        _, outcome = uefi_reboot(ctx, guest, first, "", "sdboot-default")
        expect(entry_token(outcome.second.cmdline) == "bls-debian", f"new boot {outcome.second.cmdline!r}")
        expect_efi_runtime(guest, "after the kexec into the default entry")

        entries = json.loads(guest.run("kreboot entries --json", check=True).stdout).get("entries", [])
        uki = [e for e in entries if cached.manifest["ukiPath"] in (e.get("file", "") + " " + e.get("kernel", ""))]
        expect(len(uki) == 1, f"kreboot entries lists {len(uki)} entries for the UKI {cached.manifest['ukiPath']}: "
                              f"{[(e.get('id'), e.get('file')) for e in entries]}")
        uki_id = uki[0]["id"]
        plan, _ = dry_run_plan(guest, f"--entry {uki_id}")
        planned = (plan.get("target") or {}).get("commandLine", "")
        expect(entry_token(planned) == "uki", f"the UKI's plan has command line {planned!r}, expected its .cmdline")
        _, outcome = uefi_reboot(ctx, guest, outcome.second, f"--entry {uki_id}", "sdboot-uki")
        expect(entry_token(outcome.second.cmdline) == "uki", f"the UKI's boot has /proc/cmdline {outcome.second.cmdline!r}")
        expect_efi_runtime(guest, "after the kexec into the UKI")
        second = outcome.second
    except BaseException:
        guest.stop()
        raise
    SharedBoots.give(KIND, guest, second)


@scenario("uefi-one-shot")
def uefi_one_shot(ctx: ScenarioContext) -> None:
    cached = uefi_guest(ctx)
    release = cached.manifest["kernel"]
    default = cached.manifest["blsDefaultEntry"]
    one_shot = f"a-rescue-{release}.conf"
    guest, first, _ = systemd_boot_guest(ctx)
    try:
        guest.run(f"bootctl set-oneshot {one_shot}", check=True)
        expect(guest.run(f"test -e {ONE_SHOT_VARIABLE}").rc == 0, "bootctl set-oneshot left no LoaderEntryOneShot")
        expect(bootctl_default(guest) == one_shot, f"with the one-shot set bootctl list's default is {bootctl_default(guest)!r}")
        plan, _ = dry_run_plan(guest)
        expect_bls_plan(plan, f"{ENTRIES_DIR}/{one_shot}", "one-shot")
        actions = [s.get("action", "") for s in plan.get("steps", [])]
        clear = [a for a in actions if "oneshot" in a.lower()]
        expect(clear and actions.index(clear[0]) == 1, f"steps {actions}: no step clearing LoaderEntryOneShot right after the load")

        # A refused run after the load rolls back: the one-shot choice is still there.
        guest.run("systemd-run --unit=it-busy-writer -p IgnoreOnIsolate=yes "
                  "bash -c 'exec 3>>/data/busy.txt; exec sleep infinity'", check=True)
        try:
            refused = attempt(guest, "--yes")
        finally:
            guest.run("systemctl stop it-busy-writer")
        expect(refused.rc == 75, f"with a writer on /data kreboot exited {refused.rc}, expected 75: {refused.stderr.strip()[-200:]!r}")
        expect(guest.run(f"test -e {ONE_SHOT_VARIABLE}").rc == 0, "the rollback did not put LoaderEntryOneShot back")
        expect(bootctl_default(guest) == one_shot, f"after the rollback bootctl list's default is {bootctl_default(guest)!r}")

        _, outcome = uefi_reboot(ctx, guest, first, "", "one-shot")
        expect(entry_token(outcome.second.cmdline) == "bls-rescue",
               f"the one-shot boot has /proc/cmdline {outcome.second.cmdline!r}, expected the a-rescue entry's")
        expect(guest.run(f"test -e {ONE_SHOT_VARIABLE}").rc != 0, "LoaderEntryOneShot is still set after booting it")
        expect(bootctl_default(guest) == default, f"after the one-shot bootctl list's default is {bootctl_default(guest)!r}")
        plan, _ = dry_run_plan(guest)
        target = expect_bls_plan(plan, f"{ENTRIES_DIR}/{default}", "after the one-shot")
        expect(without_boot_image(target.get("commandLine", "")) != without_boot_image(outcome.second.cmdline),
               "after the one-shot the plan still boots the one-shot entry's command line")
    finally:
        guest.stop()
