"""The uefi flavor's guests (issue 14): booted through OVMF from the root disk's ESP — Secure Boot on
(shim → GRUB → the signed kernel) or off with systemd-boot at the removable path — the EFI state a boot
reports, and a kreboot reboot checked from the host as in the lab guest plus the ESP's FAT dirty flag.

TCG OVMF is slow (qemu start → userspace about 45 s under Secure Boot, more on a loaded host), so a
guest that a scenario leaves unchanged can be handed to the next scenario (`SharedBoots`)."""

from __future__ import annotations

import atexit
import re
import uuid
from dataclasses import dataclass

from .checks import expect
from .context import ScenarioContext
from .esp import copy_within_esp, fat_dirty
from .ext4 import read_file
from .guest import BootInfo, Guest
from .images import CachedGuest, inject_file
from .kreboot_cli import RebootOutcome, dry_run_plan, expect_steps_as_planned, kreboot_reboot, progress_steps

UEFI_BOOT_TIMEOUT = 900.0
SECURE_BOOT_VARIABLE = "/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c"
SYSTEMD_BOOT = "/EFI/systemd/systemd-bootx64.efi"
REMOVABLE_PATH = "/EFI/BOOT/BOOTX64.EFI"


_CACHED: dict[str, CachedGuest] = {}


def uefi_guest(ctx: ScenarioContext) -> CachedGuest:
    """The cached uefi guest (built on first use: five to seven minutes here), looked up once per run (the
    cache lock may be held for minutes while another worktree builds its images)."""
    if "uefi" not in _CACHED:
        _CACHED["uefi"] = ctx.cached_guest("uefi")
    return _CACHED["uefi"]


def boot_uefi(ctx: ScenarioContext, label: str, *, secure: bool = True, systemd_boot: bool = False,
              memory_mb: int = 1024, grub_append: str = "") -> Guest:
    """An unstarted uefi guest. Secure Boot on: OVMF with Microsoft's keys → shim → GRUB. `systemd_boot`:
    systemd-boot copied over the removable path in this run's ESP (it is unsigned: Secure Boot must be
    off). `grub_append` is added to every `linux` line of this run's /boot/grub/grub.cfg (crashkernel=)."""
    cached = uefi_guest(ctx)
    expect(not (secure and systemd_boot), "systemd-boot is unsigned: boot it with Secure Boot off")
    guest = ctx.boot(label, cached=cached, uefi="secure" if secure else "plain", memory_mb=memory_mb)
    if systemd_boot:
        copy_within_esp(guest.images.root, esp_offset(cached), SYSTEMD_BOOT, REMOVABLE_PATH)
    if grub_append:
        grub_cfg = read_file(guest.images.root_fs, "/boot/grub/grub.cfg").decode()
        edited = re.sub(r"^(\s*linux\s+\S+.*)$", rf"\1 {grub_append}", grub_cfg, flags=re.M)
        expect(edited != grub_cfg, "grub.cfg has no linux line to append to")
        local = guest.run_dir / "grub.cfg"
        local.write_text(edited)
        inject_file(guest.images.root_fs, local, "/boot/grub/grub.cfg")
    return guest


def esp_offset(cached: CachedGuest) -> int:
    return int(cached.manifest["espOffset"])


@dataclass(frozen=True)
class EfiState:
    """What a boot says about UEFI: Secure Boot, lockdown, and whether the EFI runtime answers."""

    secure_boot: bool | None  # None: the SecureBoot variable is not readable
    lockdown: str  # /sys/kernel/security/lockdown, e.g. "none [integrity] confidentiality"
    efivars: int  # number of variables listed in /sys/firmware/efi/efivars

    @property
    def lockdown_mode(self) -> str:
        match = re.search(r"\[(\w+)\]", self.lockdown)
        return match.group(1) if match else ""


def efi_state(guest: Guest) -> EfiState:
    """Read the running boot's EFI state through the agent."""
    sb = guest.run(f"od -An -tu1 {SECURE_BOOT_VARIABLE}")
    values = sb.stdout.split()
    secure_boot = (values[-1] == "1") if sb.rc == 0 and values else None
    lockdown = guest.run("cat /sys/kernel/security/lockdown").stdout.strip()
    count = guest.run("ls /sys/firmware/efi/efivars | wc -l").stdout.strip()
    return EfiState(secure_boot, lockdown, int(count or 0))


def expect_secure_boot(guest: Guest, label: str) -> EfiState:
    """Secure Boot enabled, lockdown integrity, efivars readable."""
    state = efi_state(guest)
    expect(state.efivars > 0, f"{label}: /sys/firmware/efi/efivars lists nothing (no EFI runtime)")
    expect(state.secure_boot is True, f"{label}: Secure Boot is not enabled (SecureBoot variable {state.secure_boot})")
    expect(state.lockdown_mode == "integrity", f"{label}: lockdown is {state.lockdown!r}, expected [integrity]")
    return state


def expect_plan_steps_safe(plan: dict) -> list[tuple[str, str | None]]:
    """The plan loads first, executes last, and unmounts /boot/efi (vfat) and /data before / goes read-only."""
    steps = [(s.get("action"), s.get("unit") or s.get("path")) for s in plan.get("steps", [])]
    actions = [a for a, _ in steps]
    expect(actions[:1] == ["load"] and actions[-1:] == ["exec"], f"steps are {steps}: not load … exec")
    expect(("remountReadOnly", "/") in steps, f"steps are {steps}: no remountReadOnly /")
    remount = steps.index(("remountReadOnly", "/"))
    for path in ("/boot/efi", "/data"):
        expect(("unmount", path) in steps and steps.index(("unmount", path)) < remount,
               f"steps are {steps}: no unmount {path} before remountReadOnly /")
    return steps


def without_boot_image(command_line: str) -> list[str]:
    return [p for p in command_line.split() if not p.startswith("BOOT_IMAGE=")]


def uefi_reboot(ctx: ScenarioContext, guest: Guest, first: BootInfo, arguments: str, label: str) -> tuple[dict, RebootOutcome]:
    """Plan (`kreboot --dry-run --json ARGUMENTS`), write a token to /data, `kreboot ARGUMENTS --yes`, and check
    the switch from the host while the VM is paused at the new kernel's command line: root and data without
    needs_recovery, the ESP's FAT not dirty, the token on the data image. Then the new boot: a new boot id, no
    journal replay, the plan's command line, the token read back, `kreboot status` verified."""
    from .scenarios.reboot import expect_reboot_verified

    plan, _ = dry_run_plan(guest, arguments)
    expect_plan_steps_safe(plan)
    token = f"it-{uuid.uuid4().hex[:12]}"
    name = f"{label}.txt"
    guest.run(f"echo {token} > /data/{name}", check=True)  # no sync: kreboot must flush it
    offset = esp_offset(guest.cached)

    def host_checks(paused: Guest) -> None:
        found = read_file(paused.images.data_fs, f"/{name}").decode().strip()
        expect(found == token, f"{label}: data image holds {found!r} in /{name}, expected {token!r}")
        expect(not fat_dirty(paused.images.root, offset), f"{label}: the ESP (vfat) is dirty when the new kernel started")

    outcome = kreboot_reboot(guest, first, f"{arguments} --yes".strip(), host_checks, timeout=600,
                             boot_timeout=UEFI_BOOT_TIMEOUT)
    ctx.timing(f"{label}: kreboot -> new kernel", outcome.to_new_kernel)
    ctx.timing(f"{label}: kreboot -> new boot READY", outcome.to_ready)
    expect_steps_as_planned(plan, outcome.output)
    for step in progress_steps(outcome.output):
        if step.seconds is not None:
            ctx.timing(f"{label}: step {step.summary}", step.seconds)
    planned = (plan.get("target") or {}).get("commandLine", "")
    second = outcome.second
    expect(without_boot_image(second.cmdline) == without_boot_image(planned),
           f"{label}: new /proc/cmdline {second.cmdline!r} is not the plan's {planned!r}")
    read_back = guest.run(f"cat /data/{name}", check=True).stdout.strip()
    expect(read_back == token, f"{label}: /data/{name} reads {read_back!r} in the new boot, expected {token!r}")
    expect_reboot_verified(guest, label)
    return plan, outcome


class SharedBoots:
    """Booted uefi guests handed from one scenario to the next in the same Integration/run (each TCG OVMF
    boot costs a minute). A scenario `take`s a guest of a kind or boots one; when it passes and leaves the
    guest in a state the next may start from, it `give`s it back. Leftovers are stopped at exit."""

    _guests: dict[str, tuple[Guest, BootInfo]] = {}

    @classmethod
    def take(cls, kind: str) -> tuple[Guest, BootInfo] | None:
        entry = cls._guests.pop(kind, None)
        if entry is not None and entry[0].process is not None and entry[0].process.poll() is None:
            return entry
        return None

    @classmethod
    def give(cls, kind: str, guest: Guest, boot: BootInfo) -> None:
        old = cls._guests.pop(kind, None)
        if old is not None and old[0] is not guest:
            old[0].stop()
        cls._guests[kind] = (guest, boot)

    @classmethod
    def stop_all(cls) -> None:
        for guest, _ in cls._guests.values():
            guest.stop()
        cls._guests.clear()


atexit.register(SharedBoots.stop_all)


def shared_uefi_guest(ctx: ScenarioContext, kind: str, **options) -> tuple[Guest, BootInfo, bool]:
    """A running uefi guest of `kind` ("secure" or "systemd-boot"): the one a previous scenario handed over, or
    a new one booted with `options` (boot_uefi's) in a directory outside the scenario's own, so the runner
    does not delete its images while a later scenario uses it. The third value says whether it was reused."""
    shared = SharedBoots.take(kind)
    if shared is not None:
        ctx.notes.append(f"reused the {kind} guest booted by an earlier scenario ({shared[0].run_dir})")
        return shared[0], shared[1], True
    guest = boot_uefi(ctx, f"../shared-{kind}-{uuid.uuid4().hex[:6]}", **options)
    guest.start()
    try:
        first = guest.wait_boot(timeout=UEFI_BOOT_TIMEOUT)
    except BaseException:
        guest.stop()
        raise
    ctx.timing(f"qemu start -> READY ({kind})", first.ready_at - guest.started_at)
    return guest, first, False
