"""arm64 (issue 18): the arm64 guest (Debian 12 arm64 under qemu-system-aarch64 TCG, Debian's cloud kernel, which
has no kexec_file_load) and kreboot cross-built for aarch64 (Integration/lib/build-arm64-kreboot.sh).

arm64-reboot: `kreboot --yes` loads through kexec-tools' kexec_load, as the plan says up front (`loadPath`, the
`load-path` check), and kexecs with its own reboot(LINUX_REBOOT_CMD_KEXEC): clean images at the switch, the data
read back, the plan's command line, verified by `kreboot status`.

arm64-kdump-refusal: with crashkernel=256M reserved, `kreboot --test-kdump --yes` and `kreboot load --crash` refuse
(69) naming `_text` (Debian's arm64 kernel lacks it in kallsyms: kexec-tools' capture would be broken); nothing is
loaded, nothing stopped.

arm64-refusals: an x86_64 kernel given with --kernel is another architecture (65); a corrupt Image (65)."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
from pathlib import Path

from ..checks import expect
from ..context import ScenarioContext
from ..failure import ScenarioFailure
from ..guest import FIRST_BOOT_PARAMETER
from ..images import INTEGRATION_DIR, inject_file
from ..kreboot_cli import dry_run_plan
from . import scenario
from .reboot import reboot_with_data
from .refusals import expect_refusal, guest_state

ARM64_MEMORY_MB = 2048
BUILD_ARM64_KREBOOT = INTEGRATION_DIR / "lib" / "build-arm64-kreboot.sh"


def arm64_kreboot() -> Path:
    """The aarch64 kreboot: $KREBOOT_IT_ARM64_KREBOOT, else built by build-arm64-kreboot.sh (its toolchain cached)."""
    given = os.environ.get("KREBOOT_IT_ARM64_KREBOOT")
    if given:
        return Path(given)
    binary = INTEGRATION_DIR.parent / ".build" / "aarch64" / "kreboot"
    result = subprocess.run([str(BUILD_ARM64_KREBOOT), str(binary)])
    if result.returncode != 0:
        raise ScenarioFailure(f"the aarch64 kreboot could not be built ({BUILD_ARM64_KREBOOT.name} exit {result.returncode})")
    return binary


def arm64_context(ctx: ScenarioContext) -> ScenarioContext:
    """The scenario's context with the arm64 guest and the aarch64 kreboot (timings and notes still shared)."""
    return dataclasses.replace(ctx, cached=ctx.cached_guest("arm64"), kreboot=arm64_kreboot())


def expect_kexec_load_plan(plan: dict) -> None:
    """The plan names the kexec_load path up front: loadPath and a load-path warning, the load step first."""
    path = plan.get("loadPath") or {}
    expect(path.get("syscall") == "kexec_load" and path.get("loader") == "kexec-tools",
           f"the plan's loadPath is {path!r}, expected kexec_load by kexec-tools")
    expect(path.get("signature") == "not-checked", f"the plan's loadPath.signature is {path.get('signature')!r}")
    check = next((c for c in plan.get("checks", []) if c.get("id") == "load-path"), {})
    expect(check.get("status") == "warn" and "ENOSYS" in check.get("message", ""),
           f"the load-path check is {check!r}, expected a warning naming ENOSYS")


@scenario("arm64-reboot", opt_in=True)
def arm64_reboot(ctx: ScenarioContext) -> None:
    actx = arm64_context(ctx)
    with actx.boot(memory_mb=ARM64_MEMORY_MB) as guest:
        first = guest.wait_boot()
        ctx.timing("arm64: qemu start -> READY marker", first.ready_at - guest.started_at)
        expect(first.release == actx.cached.kernel61, f"booted {first.release}, expected {actx.cached.kernel61}")
        arch = guest.run("uname -m", check=True).stdout.strip()
        expect(arch == "aarch64", f"uname -m says {arch!r}")
        plan, _ = dry_run_plan(guest)
        expect_kexec_load_plan(plan)
        reboot_with_data(actx, guest, first, "", actx.cached.kernel61, "arm64-reboot")


@scenario("arm64-kdump-refusal", opt_in=True)
def arm64_kdump_refusal(ctx: ScenarioContext) -> None:
    actx = arm64_context(ctx)
    append = f"{actx.cached.command_line} crashkernel=256M {FIRST_BOOT_PARAMETER}"
    with actx.boot(memory_mb=ARM64_MEMORY_MB, append=append) as guest:
        guest.wait_boot()
        reserved = guest.run("cat /sys/kernel/kexec_crash_size", check=True).stdout.strip()
        expect(reserved not in ("", "0"), f"no crashkernel reservation in the guest ({reserved!r})")
        planned = guest.run("kreboot --dry-run --json --test-kdump")
        expect(planned.rc == 69, f"the kdump-test dry run exited {planned.rc}, expected 69: {planned.summary()}")
        plan = json.loads(planned.stdout)
        expect(plan.get("ok") is False, "the kdump-test plan is ok")
        failure = next((c for c in plan.get("checks", []) if c.get("status") == "fail"), {})
        expect(failure.get("id") == "crash-capture" and "_text" in failure.get("message", ""),
               f"the kdump-test plan's first failure is {failure!r}, expected crash-capture naming _text")
        before = guest_state(guest)
        expect_refusal(actx, guest, before, "test-kdump", "--test-kdump --yes", 69, "_text")
        expect_refusal(actx, guest, before, "load --crash", "load --crash", 69, "_text")
        crash_loaded = guest.run("cat /sys/kernel/kexec_crash_loaded", check=True).stdout.strip()
        expect(crash_loaded == "0", f"a capture kernel is loaded after the refusals ({crash_loaded})")


@scenario("arm64-refusals", opt_in=True)
def arm64_refusals(ctx: ScenarioContext) -> None:
    actx = arm64_context(ctx)
    guest = actx.boot(memory_mb=ARM64_MEMORY_MB)
    inject_file(guest.images.root_fs, ctx.cached.vmlinuz, "/root/vmlinuz-x86_64")
    with guest:
        guest.wait_boot()
        before = guest_state(guest)
        expect_refusal(actx, guest, before, "x86_64 kernel", "--kernel /root/vmlinuz-x86_64 --yes", 65,
                       "x86_64 kernel, this machine is aarch64")
        # Random bytes where an Image should be (a header with a random payload would pass the inspection and load
        # through kexec_load, which checks nothing: the guest would jump into garbage).
        guest.run("head -c 4194304 /dev/urandom > /root/Image-corrupt", check=True)
        expect_refusal(actx, guest, before, "corrupt Image", "--kernel /root/Image-corrupt --yes", 65, "/root/Image-corrupt")
