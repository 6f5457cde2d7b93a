"""kdump: a guest with 2 GiB and crashkernel=256M runs `kreboot --test-kdump --yes` after writing
a unique marker to /dev/kmsg. The capture kernel (the same 6.1 kernel, init= kreboot save-dump,
per /etc/default/kdump-tools) saves the dump on the data disk through makedumpfile and reboots.
The host finds the dump on the data image, `kreboot inspect` names release and arch,
`makedumpfile --dump-dmesg` of it holds the marker; in the next boot `kreboot status` reports the
test as succeeded."""

import json
import re
import subprocess
import uuid

from ..checks import expect
from ..context import ScenarioContext
from ..ext4 import copy_out, list_directory
from ..kdump_test import MEMORY_MIB, boot_kdump_guest, configure_kdump, run_kdump_test
from . import scenario


@scenario("kdump")
def kdump(ctx: ScenarioContext) -> None:
    marker = f"KREBOOT-IT-PANIC-{uuid.uuid4().hex[:12]}"
    with boot_kdump_guest(ctx) as guest:
        guest.wait_boot()
        configure_kdump(guest)
        guest.run(f"echo {marker} > /dev/kmsg", check=True)

        run = run_kdump_test(guest)
        ctx.timing("kreboot --test-kdump -> panic", run.panicked - run.sent)
        ctx.timing("panic -> capture kernel", run.capture_seen - run.panicked)
        if run.saved is not None:
            ctx.timing("kreboot --test-kdump -> dump saved", run.saved - run.sent)
        ctx.timing("capture kernel -> next boot", run.next_seen - run.panicked)
        capture_log = guest.console()[run.capture_end:run.next_start]
        for line in re.findall(r"[^\r\n]*(?:save-dump|saved|kreboot)[^\r\n]*", capture_log)[-3:]:
            ctx.notes.append(f"capture: {line.strip()}")
        with guest.paused():
            dumps = []
            for name, is_directory, _ in list_directory(guest.images.data_fs, "/"):
                if is_directory:
                    dumps += [(name, size) for entry, _, size in list_directory(guest.images.data_fs, f"/{name}")
                              if entry == "vmcore"]
            expect(dumps, f"no <dir>/vmcore on the data disk after the capture boot; capture said: "
                          f"{capture_log.strip()[-300:]!r}")
            directory, size = sorted(dumps)[-1]
            local = ctx.run_dir / "vmcore"
            copy_out(guest.images.data_fs, f"/{directory}/vmcore", local)
        ctx.notes.append(f"dump {size / 1048576:.1f} MiB = {100 * size / (MEMORY_MIB * 1048576):.2f} % of RAM")

        inspect = subprocess.run([str(ctx.kreboot), "inspect", str(local), "--json"], capture_output=True, text=True)
        expect(inspect.returncode == 0, f"kreboot inspect of the dump exited {inspect.returncode}: {inspect.stderr.strip()[-200:]}")
        info = json.loads(inspect.stdout)
        expect(info.get("kind") == "vmcore", f"inspect: kind {info.get('kind')!r}")
        expect(info.get("release") == ctx.cached.kernel61, f"inspect: release {info.get('release')!r}")
        expect(info.get("arch") == "x86_64", f"inspect: arch {info.get('arch')!r}")
        dmesg = ctx.run_dir / "dmesg.txt"
        subprocess.run(["makedumpfile", "--dump-dmesg", str(local), str(dmesg)], capture_output=True)
        expect(dmesg.is_file() and marker in dmesg.read_text(errors="replace"),
               f"the dump's dmesg does not hold the marker {marker}")

        guest.wait_boot(after=run.next_end)
        status = guest.run("kreboot status --json")
        expect(status.rc == 0, f"kreboot status after the kdump test: {status.summary()}")
        expect("succeeded" in status.stdout, f"kreboot status does not report the kdump test succeeded: "
                                              f"{status.stdout.strip()[-300:]!r}")
