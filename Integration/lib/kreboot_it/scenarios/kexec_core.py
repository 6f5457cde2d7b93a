"""kexec-core: kreboot's kexec subcommands on a real kernel, in one boot with a crashkernel
reservation. `inspect` names the guest kernel's format, arch and release; `load` loads the default
entry (/sys/kernel/kexec_loaded is 1 and `status` says what kreboot loaded); `unload` clears it;
`load --crash` fills the crashkernel area (kexec_crash_loaded is 1) and `unload --crash` empties
it; a garbage kernel and an empty file are refused with 65, naming the file, and load nothing."""

from __future__ import annotations

import json

from ..checks import expect, kexec_loaded
from ..context import ScenarioContext
from ..guest import FIRST_BOOT_PARAMETER, Guest
from . import scenario


def crash_loaded(guest: Guest) -> bool:
    return guest.run("cat /sys/kernel/kexec_crash_loaded", check=True).stdout.strip() == "1"


def kreboot_json(guest: Guest, arguments: str) -> dict:
    result = guest.run(f"kreboot {arguments} --json")
    expect(result.rc == 0, f"kreboot {arguments} --json: {result.summary()}")
    return json.loads(result.stdout)


@scenario("kexec-core")
def kexec_core(ctx: ScenarioContext) -> None:
    append = f"{ctx.cached.command_line} {FIRST_BOOT_PARAMETER} crashkernel=256M"
    release = ctx.cached.kernel61
    with ctx.boot(memory_mb=2048, append=append) as guest:
        guest.wait_boot()

        info = kreboot_json(guest, f"inspect /boot/vmlinuz-{release}")
        expect(info.get("format") == "bzImage" and info.get("arch") == "x86_64" and info.get("release") == release,
               f"inspect of the guest kernel: {info!r}")

        load = guest.run("kreboot load")
        expect(load.rc == 0, f"kreboot load: {load.summary()}")
        expect(kexec_loaded(guest), "after kreboot load, /sys/kernel/kexec_loaded is not 1")
        status = kreboot_json(guest, "status")
        loaded = status.get("loaded") or {}
        expect(status.get("kernelLoaded") is True and loaded.get("kernel") == f"/boot/vmlinuz-{release}",
               f"status after load: kernelLoaded {status.get('kernelLoaded')!r}, loaded {loaded!r}")

        unload = guest.run("kreboot unload")
        expect(unload.rc == 0, f"kreboot unload: {unload.summary()}")
        expect(not kexec_loaded(guest), "after kreboot unload, /sys/kernel/kexec_loaded is still 1")

        crash = guest.run("kreboot load --crash")
        expect(crash.rc == 0, f"kreboot load --crash: {crash.summary()}")
        expect(crash_loaded(guest), "after kreboot load --crash, /sys/kernel/kexec_crash_loaded is not 1")
        status = kreboot_json(guest, "status")
        expect(status.get("crashKernelLoaded") is True and status.get("crashLoaded"),
               f"status after load --crash: {status.get('crashKernelLoaded')!r} {status.get('crashLoaded')!r}")
        uncrash = guest.run("kreboot unload --crash")
        expect(uncrash.rc == 0, f"kreboot unload --crash: {uncrash.summary()}")
        expect(not crash_loaded(guest), "after kreboot unload --crash, kexec_crash_loaded is still 1")

        guest.run("head -c 3000000 /dev/urandom > /root/garbage-vmlinuz && : > /root/empty-vmlinuz", check=True)
        garbage = guest.run("kreboot load --kernel /root/garbage-vmlinuz")
        expect(garbage.rc == 65 and "/root/garbage-vmlinuz" in garbage.stderr + garbage.stdout,
               f"load of a garbage kernel: {garbage.summary()}")
        empty = guest.run("kreboot inspect /root/empty-vmlinuz")
        expect(empty.rc == 65 and "/root/empty-vmlinuz" in empty.stderr + empty.stdout,
               f"inspect of an empty file: {empty.summary()}")
        expect(not kexec_loaded(guest) and not crash_loaded(guest), "a refused load left a kernel loaded")
