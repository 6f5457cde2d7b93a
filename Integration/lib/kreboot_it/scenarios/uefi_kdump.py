"""uefi-kdump: `kreboot --test-kdump --yes` under Secure Boot and lockdown [integrity] (2 GiB, crashkernel=256M added
to this run's grub.cfg). The capture kernel is Debian's signed kernel with its initramfs, loaded with
kexec_file_load (kexec_load is refused under lockdown); it runs `kreboot save-dump` as init= onto the data disk and
reboots through OVMF, shim and GRUB. The host finds <dir>/vmcore on the data image, `makedumpfile --dump-dmesg`
of it holds the marker written just before; the boot after it is still locked down with Secure Boot on, and
`kreboot status` reports the test succeeded."""

from __future__ import annotations

import re
import subprocess
import uuid

from ..checks import expect
from ..context import ScenarioContext
from ..ext4 import copy_out, list_directory
from ..guest import KERNEL_COMMAND_LINE
from ..kdump_test import CRASHKERNEL, MEMORY_MIB, configure_kdump, run_kdump_test
from ..uefi import UEFI_BOOT_TIMEOUT, boot_uefi, expect_secure_boot
from . import scenario

# The boot after the capture comes through the firmware and GRUB: a command line without the capture's init=.
FIRMWARE_BOOT = rf"{KERNEL_COMMAND_LINE}(?![^\r\n]*save-dump)[^\r\n]*{re.escape(CRASHKERNEL)}[^\r\n]*"


@scenario("uefi-kdump")
def uefi_kdump(ctx: ScenarioContext) -> None:
    marker = f"KREBOOT-IT-PANIC-{uuid.uuid4().hex[:12]}"
    with boot_uefi(ctx, "guest", memory_mb=MEMORY_MIB, grub_append=CRASHKERNEL) as guest:
        first = guest.wait_boot(timeout=UEFI_BOOT_TIMEOUT)
        ctx.timing("qemu start -> READY (Secure Boot, 2 GiB)", first.ready_at - guest.started_at)
        expect(CRASHKERNEL in first.cmdline.split(), f"the first boot lacks {CRASHKERNEL}: {first.cmdline!r}")
        expect_secure_boot(guest, "first boot")
        configure_kdump(guest)
        guest.run(f"echo {marker} > /dev/kmsg", check=True)

        run = run_kdump_test(guest, timeout=300, next_boot=FIRMWARE_BOOT, later_timeout=UEFI_BOOT_TIMEOUT)
        ctx.timing("kreboot --test-kdump -> panic", run.panicked - run.sent)
        ctx.timing("panic -> capture kernel", run.capture_seen - run.panicked)
        if run.saved is not None:
            ctx.timing("kreboot --test-kdump -> dump saved", run.saved - run.sent)
        ctx.timing("capture kernel -> next boot's kernel (OVMF, shim, GRUB)", run.next_seen - run.capture_seen)
        with guest.paused():
            dumps = []
            for name, is_directory, _ in list_directory(guest.images.data_fs, "/"):
                if is_directory:
                    dumps += [(name, size) for entry, _, size in list_directory(guest.images.data_fs, f"/{name}")
                              if entry == "vmcore"]
            capture_log = guest.console()[run.capture_end:run.next_start]
            expect(dumps, f"no <dir>/vmcore on the data disk after the capture boot; capture said: "
                          f"{capture_log.strip()[-300:]!r}")
            directory, size = sorted(dumps)[-1]
            local = ctx.run_dir / "vmcore"
            copy_out(guest.images.data_fs, f"/{directory}/vmcore", local)
        ctx.notes.append(f"dump {size / 1048576:.1f} MiB = {100 * size / (MEMORY_MIB * 1048576):.2f} % of RAM")
        dmesg = ctx.run_dir / "dmesg.txt"
        subprocess.run(["makedumpfile", "--dump-dmesg", str(local), str(dmesg)], capture_output=True)
        expect(dmesg.is_file() and marker in dmesg.read_text(errors="replace"),
               f"the dump's dmesg does not hold the marker {marker}")

        guest.wait_boot(after=run.next_end, timeout=UEFI_BOOT_TIMEOUT)
        expect_secure_boot(guest, "the boot after the capture")
        status = guest.run("kreboot status --json")
        expect(status.rc == 0, f"kreboot status after the kdump test: {status.summary()}")
        expect("succeeded" in status.stdout, f"kreboot status does not report the kdump test succeeded: "
                                              f"{status.stdout.strip()[-300:]!r}")
