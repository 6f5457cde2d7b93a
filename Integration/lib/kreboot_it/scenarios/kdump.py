"""kdump: a guest with 2 GiB and crashkernel=256M runs `kreboot --test-kdump --yes` after writing
a unique marker to /dev/kmsg. The capture kernel (the same 6.1 kernel, init= kreboot save-dump,
per /etc/default/kdump-tools) saves the dump on the data disk through makedumpfile and reboots.
The host finds the dump on the data image, `kreboot inspect` names release and arch,
`makedumpfile --dump-dmesg` of it holds the marker; in the next boot `kreboot status` reports the
test as succeeded."""

import json
import re
import subprocess
import time
import uuid

from ..checks import expect
from ..context import ScenarioContext
from ..ext4 import copy_out, list_directory
from ..failure import ScenarioFailure
from ..guest import FIRST_BOOT_PARAMETER, KERNEL_COMMAND_LINE
from ..kreboot_cli import OUTPUT_MARKER, kreboot_output
from . import scenario

MEMORY_MIB = 2048
KDUMP_CONFIG = """\
KDUMP_COREDIR=/data
KDUMP_DUMPLEVEL=31
KDUMP_COMMANDLINE_APPEND="init=/usr/local/bin/kreboot -- save-dump --mount /dev/nvme0n2"
"""


@scenario("kdump")
def kdump(ctx: ScenarioContext) -> None:
    marker = f"KREBOOT-IT-PANIC-{uuid.uuid4().hex[:12]}"
    append = f"{ctx.cached.command_line} {FIRST_BOOT_PARAMETER} crashkernel=256M"
    with ctx.boot(memory_mb=MEMORY_MIB, append=append) as guest:
        guest.wait_boot()
        guest.run(f"cat > /etc/default/kdump-tools <<'EOF'\n{KDUMP_CONFIG}EOF", check=True)
        guest.run(f"echo {marker} > /dev/kmsg", check=True)

        after = guest.console_offset()
        relay = f"while IFS= read -r l; do echo \"{OUTPUT_MARKER}$l\" > /dev/kmsg; done"
        launched = guest.launch(f"kreboot --test-kdump --yes 2>&1 | {relay}; exit ${{PIPESTATUS[0]}}")
        deadline = launched.sent + 120
        while not re.search(r"Kernel panic - not syncing", guest.console()[after:]):
            result = guest.finished(launched)
            if result is not None:
                output = kreboot_output(guest, after).replace("\n", " | ")
                raise ScenarioFailure(f"`kreboot --test-kdump --yes` returned {result.rc}: {output[-400:]}")
            if time.monotonic() > deadline:
                raise ScenarioFailure("no panic within 120 s of `kreboot --test-kdump --yes`")
            time.sleep(0.05)
        panicked = time.monotonic()
        ctx.timing("kreboot --test-kdump -> panic", panicked - launched.sent)
        capture = guest.wait_console(rf"{KERNEL_COMMAND_LINE}[^\r\n]*", 60, after, "the capture kernel", fatal=False)
        ctx.timing("panic -> capture kernel", time.monotonic() - panicked)
        # The capture boot saves the dump and reboots through the firmware: qemu's -kernel again.
        try:
            again = guest.wait_console(rf"{KERNEL_COMMAND_LINE}[^\r\n]*{re.escape(FIRST_BOOT_PARAMETER)}[^\r\n]*",
                                       300, capture.end(), "the boot after the capture")
        except ScenarioFailure as failure:
            said = re.findall(r"^kreboot[^\r\n]*", guest.console()[capture.end():], re.M)
            raise ScenarioFailure(f"capture boot: {failure}; kreboot said: {' | '.join(said[-4:]) or 'nothing'}")
        saved = time.monotonic()
        ctx.timing("capture kernel -> next boot", saved - panicked)
        capture_log = guest.console()[capture.end():again.start()]
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

        guest.wait_boot(after=again.end())
        status = guest.run("kreboot status --json")
        expect(status.rc == 0, f"kreboot status after the kdump test: {status.summary()}")
        expect("succeeded" in status.stdout, f"kreboot status does not report the kdump test succeeded: "
                                              f"{status.stdout.strip()[-300:]!r}")
