"""uefi-*: the uefi flavor (issue 14), booted through OVMF under TCG.

uefi-lockdown-refusal: Secure Boot on (shim → GRUB → Debian's signed kernel), lockdown [integrity]. The same
kernel with its signature removed (`sbattach --remove`) as `--kernel`: exit 69 naming the signature, nothing
stopped or loaded, no kexec syscall reached the kernel (its dmesg has no signature or IMA refusal); as a control,
kexec-tools' `kexec -l` (kexec_load) is refused with EACCES by IMA's Secure Boot policy.

uefi-secure-boot: in the same kind of guest (the refusal's, when it ran just before), the plan comes from the real
EFI layout (the ESP stub hands over to /boot/grub/grub.cfg: GRUB's default entry, its initrd and command line),
`kreboot --yes` loads the signed kernel with kexec_file_load: clean file systems and ESP at the switch, data kept,
the new boot still locked down with Secure Boot enabled and efivars readable; `kreboot status` verified."""

from __future__ import annotations

import re

from ..checks import boot_id, expect, expect_mounted, kexec_loaded
from ..context import ScenarioContext
from ..guest import Guest
from ..kreboot_cli import dry_run_plan
from ..uefi import (SharedBoots, expect_secure_boot, shared_uefi_guest, uefi_guest, uefi_reboot,
                    without_boot_image)
from . import scenario
from .refusals import attempt, guest_state

# What the kernel logs when a kexec syscall is refused for a signature or by IMA (GUEST-FACTS: UEFI and Secure Boot).
KERNEL_REFUSAL = re.compile(r"signature verification failed|impossible to appraise|Lockdown: [^\r\n]*kexec", re.I)


def expect_unchanged_uefi(ctx: ScenarioContext, guest: Guest, before, label: str) -> None:
    cached = uefi_guest(ctx)
    after = guest_state(guest)
    expect(after.boot_id == before.boot_id, f"{label}: the guest rebooted")
    expect_mounted(guest, "/", cached.root_uuid, "rw")
    expect_mounted(guest, "/data", cached.data_uuid, "rw")
    expect_mounted(guest, "/boot/efi", cached.manifest["espUUID"], "rw")
    expect(not kexec_loaded(guest), f"{label}: a kexec kernel is loaded")
    stopped = sorted(before.active_units - after.active_units)
    expect(not stopped, f"{label}: units no longer active: {', '.join(stopped[:6])}")


@scenario("uefi-lockdown-refusal")
def uefi_lockdown_refusal(ctx: ScenarioContext) -> None:
    guest, first, _ = shared_uefi_guest(ctx, "secure")
    try:
        expect_secure_boot(guest, "first boot")
        release = uefi_guest(ctx).manifest["kernel"]
        unsigned = "/root/vmlinuz-unsigned"
        listed = guest.run(f"kreboot inspect {unsigned} --json; kreboot inspect /boot/vmlinuz-{release} --json")
        ctx.notes.append(f"inspect: {listed.stdout.strip()[:400]}")
        before = guest_state(guest)
        guest.run("dmesg -C", check=True)
        result = attempt(guest, f"--kernel {unsigned} --initrd /boot/initrd.img-{release} --yes")
        ctx.timing("kreboot --kernel unsigned -> refused", result.seconds)
        output = (result.stdout + result.stderr).strip()
        expect(result.rc == 69, f"unsigned kernel: exit {result.rc}, expected 69: {output[-300:]!r}")
        expect("signature" in output.lower(), f"unsigned kernel: the message does not name the signature: {output[-300:]!r}")
        expect(unsigned in output, f"unsigned kernel: the message does not name {unsigned}: {output[-300:]!r}")
        expect_unchanged_uefi(ctx, guest, before, "unsigned kernel")
        dmesg = guest.run("dmesg", check=True).stdout
        refused = KERNEL_REFUSAL.search(dmesg)
        expect(refused is None, f"unsigned kernel: a kexec syscall reached the kernel: {refused and refused.group(0)!r}")

        # The control: kexec_load (kexec-tools without -s) is refused by IMA's Secure Boot policy.
        control = guest.run(f"kexec -l /boot/vmlinuz-{release} --initrd=/boot/initrd.img-{release} --reuse-cmdline")
        said = (control.stdout + control.stderr).strip()
        expect(control.rc != 0 and "Permission denied" in said,
               f"control: `kexec -l` exited {control.rc}, expected EACCES (Permission denied): {said[-200:]!r}")
        dmesg = guest.run("dmesg", check=True).stdout
        expect(re.search(r"impossible to appraise", dmesg) is not None,
               "control: the kernel did not log IMA's refusal of kexec_load")
        expect(not kexec_loaded(guest), "control: a kernel is loaded after the refused kexec -l")
        expect(boot_id(guest) == first.boot_id, "the guest rebooted")
    except BaseException:
        guest.stop()
        raise
    SharedBoots.give("secure", guest, first)


@scenario("uefi-secure-boot")
def uefi_secure_boot(ctx: ScenarioContext) -> None:
    cached = uefi_guest(ctx)
    release = cached.manifest["kernel"]
    guest, first, _ = shared_uefi_guest(ctx, "secure")
    try:
        before = expect_secure_boot(guest, "first boot")
        expect(first.release == release, f"the first boot runs {first.release}, expected {release}")
        expect(first.cmdline.startswith(f"BOOT_IMAGE=/boot/vmlinuz-{release} "), f"not booted by GRUB: {first.cmdline}")
        plan, _ = dry_run_plan(guest)
        target = plan.get("target") or {}
        source = target.get("source") or {}
        expect(source.get("kind") == "grub" and source.get("file") == "/boot/grub/grub.cfg",
               f"plan source is {source}, expected grub /boot/grub/grub.cfg (reached from the ESP's stub)")
        expect(target.get("kernel") == f"/boot/vmlinuz-{release}", f"target.kernel is {target.get('kernel')!r}")
        expect(target.get("initrds") == [f"/boot/initrd.img-{release}"], f"target.initrds is {target.get('initrds')!r}")
        expect(without_boot_image(target.get("commandLine", "")) == without_boot_image(first.cmdline),
               f"plan command line {target.get('commandLine')!r} is not what GRUB booted: {first.cmdline!r}")
        checks = " ".join(f"{c.get('id')}: {c.get('message')}" for c in plan.get("checks", []))
        expect("integrity" in checks, f"the plan's checks do not show lockdown integrity: {checks[:400]!r}")
        ctx.notes.append(f"lockdown {before.lockdown!r}, {before.efivars} EFI variables")

        _, outcome = uefi_reboot(ctx, guest, first, "", "uefi-secure-boot")
        second = outcome.second
        expect(second.release == release, f"new boot runs {second.release}, expected {release}")
        after = expect_secure_boot(guest, "after the kexec")
        expect(after.efivars > 0, "efivars unreadable after the kexec")
        loaded = re.search(r"kexec_file|digests match|kexec_load", outcome.output)
        ctx.notes.append(f"kexec path: {loaded.group(0) if loaded else 'not reported'}")
    except BaseException:
        guest.stop()
        raise
    guest.stop()

