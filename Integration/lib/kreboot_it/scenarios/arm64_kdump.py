"""arm64-kdump (issue 18): the whole kdump test on arm64, with a kernel that can capture.

Debian's arm64 kernels have no kexec_file_load, and kexec-tools' classic capture on them is broken (arm64-kdump-refusal).
So the arm64 guest boots (qemu -kernel) the kernel lib/build-arm64-kernel.sh cross-builds from Debian's linux-source-6.1
with KEXEC_FILE and CRASH_DUMP (cached by its recipe), also copied into the guest's /boot as /boot/vmlinuz-<release>:
the kdump test's capture kernel is the running release's. The reservation is what `kreboot calibrate` recommends for
the guest (2 GiB of RAM, aarch64: crashkernel=256M; checked in the guest against calibrate's own answer).

In the guest: the kdump-test plan loads through kexec_file_load (loadPath) and passes `crash-capture`; after a marker in
the kernel log, `kreboot --test-kdump --yes` loads the capture kernel (the kernel puts elfcorehdr in its device tree),
panics; the capture boot runs `kreboot save-dump` as init= (no initramfs) and saves the dump on the data disk, then
reboots through qemu's -kernel. On the host: `kreboot inspect` of the vmcore names aarch64 and the release, the
dmesg.txt save-dump wrote next to it holds the marker; in the next boot `kreboot status` says the test succeeded.
KREBOOT_IT_ARM64_CRASHKERNEL=crashkernel=… tries another reservation (calibrate's figure is then only noted)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

from ..checks import expect
from ..context import ScenarioContext
from ..failure import ScenarioFailure
from ..images import INTEGRATION_DIR, inject_file
from ..kdump_test import boot_kdump_guest, check_saved_dump, configure_kdump, run_kdump_test
from . import scenario
from .arm64 import arm64_context

BUILD_ARM64_KERNEL = INTEGRATION_DIR / "lib" / "build-arm64-kernel.sh"
# What calibrate recommends for the arm64 guest (2 GiB, aarch64: kdump-utils' 256 MiB for 2-4 GiB).
CALIBRATED_CRASHKERNEL = "crashkernel=256M"
# qemu-system-aarch64 TCG on a busy host: boots to READY took 74-131 s in the arm64 scenarios.
ARM64_BOOT_TIMEOUT = 400.0
# The capture kernel's memory as it reports it: `Memory: 153148K/262144K available (…)`.
CAPTURE_MEMORY = re.compile(r"Memory: (\d+)K/(\d+)K available")


@dataclass(frozen=True)
class CaptureKernel:
    """A cache entry of build-arm64-kernel.sh: Image, config, System.map and kernel.json (its release)."""

    directory: Path
    release: str

    @property
    def image(self) -> Path:
        return self.directory / "Image"


def capture_kernel() -> CaptureKernel:
    """The capture-capable arm64 kernel, built by build-arm64-kernel.sh when its cache entry is missing."""
    result = subprocess.run([str(BUILD_ARM64_KERNEL)], stdout=subprocess.PIPE, text=True)
    if result.returncode != 0 or not result.stdout.strip():
        raise ScenarioFailure(f"the arm64 kernel could not be built ({BUILD_ARM64_KERNEL.name} exit {result.returncode})")
    directory = Path(result.stdout.strip().splitlines()[-1])
    return CaptureKernel(directory, json.loads((directory / "kernel.json").read_text())["release"])


def expect_calibrated(ctx: ScenarioContext, guest, crashkernel: str) -> None:
    """`kreboot calibrate --json` in the guest recommends `crashkernel` (unless another was asked for) and calls what is
    reserved sufficient; its figures go into the notes."""
    result = guest.run("kreboot calibrate --json")
    expect(result.rc == 0, f"kreboot calibrate in the guest: {result.summary()}")
    rec = json.loads(result.stdout)
    estimate = rec.get("estimate", {})
    ctx.notes.append(f"calibrate: {rec.get('parameters')} for {rec.get('ramMiB')} MiB {rec.get('arch')} "
                     f"(estimate {estimate.get('estimatedMiB')} MiB: kernel {estimate.get('kernelMiB')}, "
                     f"baseline {estimate.get('baselineMiB')}), reserved {rec.get('reservedMiB')} MiB")
    if crashkernel == CALIBRATED_CRASHKERNEL:
        expect(rec.get("parameters") == crashkernel,
               f"calibrate recommends {rec.get('parameters')!r} in the guest, the scenario reserved {crashkernel}")
        expect(rec.get("sufficient") is True, f"calibrate calls the reservation of {rec.get('reservedMiB')} MiB insufficient")


def expect_file_load_plan(guest) -> None:
    """The kdump-test plan loads the capture kernel through kexec_file_load and passes crash-capture."""
    planned = guest.run("kreboot --dry-run --json --test-kdump")
    expect(planned.rc == 0, f"the kdump-test dry run: {planned.summary()}")
    plan = json.loads(planned.stdout)
    path = plan.get("loadPath") or {}
    expect(path.get("syscall") == "kexec_file_load", f"the plan's loadPath is {path!r}, expected kexec_file_load")
    check = next((c for c in plan.get("checks", []) if c.get("id") == "crash-capture"), {})
    expect(check.get("status") == "pass", f"the crash-capture check is {check!r}, expected pass")


@scenario("arm64-kdump", opt_in=True)
def arm64_kdump(ctx: ScenarioContext) -> None:
    actx = arm64_context(ctx)
    kernel = capture_kernel()
    crashkernel = os.environ.get("KREBOOT_IT_ARM64_CRASHKERNEL", CALIBRATED_CRASHKERNEL)
    marker = f"KREBOOT-IT-PANIC-{uuid.uuid4().hex[:12]}"
    guest = boot_kdump_guest(actx, kernel=kernel.image, crashkernel=crashkernel)
    for name in ("Image", "config", "System.map"):
        target = "vmlinuz" if name == "Image" else name
        inject_file(guest.images.root_fs, kernel.directory / name, f"/boot/{target}-{kernel.release}")
    with guest:
        first = guest.wait_boot(timeout=ARM64_BOOT_TIMEOUT)
        ctx.timing("arm64: qemu start -> READY marker", first.ready_at - guest.started_at)
        expect(first.release == kernel.release, f"booted {first.release}, expected {kernel.release}")
        expect_calibrated(ctx, guest, crashkernel)
        expect_file_load_plan(guest)
        configure_kdump(guest)
        guest.run(f"echo {marker} > /dev/kmsg", check=True)

        run = run_kdump_test(guest, timeout=240, later_timeout=900)
        ctx.timing("kreboot --test-kdump -> panic", run.panicked - run.sent)
        ctx.timing("panic -> capture kernel", run.capture_seen - run.panicked)
        if run.saved is not None:
            ctx.timing("kreboot --test-kdump -> dump saved", run.saved - run.sent)
        ctx.timing("capture kernel -> next boot", run.next_seen - run.panicked)
        memory = CAPTURE_MEMORY.search(guest.console()[run.capture_end:run.next_start])
        if memory:
            available, total = int(memory.group(1)) // 1024, int(memory.group(2)) // 1024
            ctx.notes.append(f"capture kernel ({crashkernel}): {available} of {total} MiB available after its own image")
        # The host's kreboot (ctx's, x86_64) inspects the dump; Debian's makedumpfile on this host reads no aarch64 dump.
        check_saved_dump(ctx, guest, run, marker, kernel.release, "aarch64", host_dmesg=False,
                         boot_timeout=ARM64_BOOT_TIMEOUT)
