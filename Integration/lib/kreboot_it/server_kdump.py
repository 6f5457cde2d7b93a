"""kdump on the server guest (issue 15): the steps the server-kdump scenarios and the kdumpPeer bench share.

One `KdumpServerRun` is one server guest (2 GiB: the capture kernel is Debian's generic kernel with kreboot's
capture initrd, the production recipe with MODULES=dep) through a sequence of steps:
- `reserve`: kreboot's units and kdump configuration (dumps to /var/crash, on the xfs LV) installed; `kreboot
  calibrate --apply --yes` writes the recommendation into GRUB (drop-in + update-grub); optionally
  `kreboot-kdump.service` enabled; a power cycle; /proc/iomem then shows a "Crash kernel" of the recommended size.
- `panic`: a panic kreboot does not cause (`sync; echo c > /proc/sysrq-trigger`), followed on the console: the
  capture kernel, its saver, the boot after it (through SeaBIOS and GRUB again).
- `kdump_test`: `kreboot --test-kdump --yes`, followed the same way.
- `switch_to_kdump_tools`: kreboot's service stopped and disabled, Debian's kdump-tools installed from the .debs
  on /boot (kdump_debs; the production initrd is not rebuilt) and its capture kernel loaded by its own service.
- `install_kreboot_deb`: then kreboot as a new user gets it: what `install_kreboot_units` put in by hand removed,
  the .deb of `make deb` installed with dpkg; later steps run the package's /usr/sbin/kreboot."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from pathlib import Path

from .checks import expect
from .context import ScenarioContext
from .failure import ScenarioFailure
from .guest import KERNEL_COMMAND_LINE, BootInfo, Guest
from .images import inject_file
from .kdump_debs import install_kdump_tools, put_on_boot
from .kdump_test import SAVED_LINE
from .kreboot_cli import OUTPUT_MARKER, kreboot_output
from .runner import REPO_DIR
from .server import BOOT_TIMEOUT, boot_server

MEMORY_MIB = 2048
# The capture initrd's build in the first boot with kreboot-kdump.service (mkinitramfs under TCG: 5.5 min
# measured beside a CI run).
CAPTURE_INITRD_BUILD = 900.0
UNITS = ("kreboot-kdump.service", "kreboot-kdump.path", "kreboot-kdump-reload.service", "kreboot-save-dump.service")
KREBOOT_CONFIG = "KDUMP_COREDIR=/var/crash\nKDUMP_DUMPLEVEL=31\n"
# A boot through SeaBIOS and GRUB: BOOT_IMAGE= and no elfcorehdr= (kreboot's capture command line has no
# BOOT_IMAGE=, kdump-tools' keeps it from /proc/cmdline and kexec-tools appends elfcorehdr=).
FIRMWARE_BOOT = rf"{KERNEL_COMMAND_LINE}(?=BOOT_IMAGE=)(?![^\r\n]*elfcorehdr=)[^\r\n]*"
# What each saver prints on the console once the dump is written: kreboot's save-dump (SAVED_LINE: plain, or
# under systemd as `kreboot[PID]: saved … in …`) and kdump-tools' init script (`kdump-tools: saved vmcore in
# /var/crash/<stamp>`).
KDUMP_TOOLS_SAVED = r"saved vmcore in (\S+)"
SAVED = rf"(?:{SAVED_LINE})|(?:{KDUMP_TOOLS_SAVED})"
CAPTURE_TIMEOUT = 600.0
# Where the .deb of `make deb` is written on the run's /boot (install_kreboot_deb), and what the package installs
# for kdump-tools.service (dist/kdump-keep-armed.conf: IgnoreOnIsolate=yes).
DEB_BOOT_PATH = "/kreboot-it/kreboot.deb"
KDUMP_TOOLS_DROPIN = "/lib/systemd/system/kdump-tools.service.d/kreboot.conf"


@dataclass(frozen=True)
class CrashRun:
    """One panic as the host saw it (time.monotonic() values): panic → capture kernel → dump saved → READY."""

    sent: float
    panicked: float
    capture_seen: float
    saved: float | None
    saved_line: str | None
    ready: BootInfo

    @property
    def panic_to_saved(self) -> float | None:
        return None if self.saved is None else self.saved - self.panicked

    @property
    def panic_to_ready(self) -> float:
        return self.ready.ready_at - self.panicked


def iomem_crash_kernel_mib(guest: Guest) -> int:
    """The size of /proc/iomem's "Crash kernel" ranges together, in MiB (0 when none)."""
    total = 0
    for line in guest.run("grep 'Crash kernel' /proc/iomem", check=False).stdout.splitlines():
        start, end = line.split(":", 1)[0].strip().split("-")
        total += int(end, 16) - int(start, 16) + 1
    return total // 1048576


class KdumpServerRun:
    """One server guest (MEMORY_MIB) through kdump steps; `boot` is the running boot."""

    def __init__(self, ctx: ScenarioContext, memory_mb: int = MEMORY_MIB, kdump_tools: bool = False,
                 kreboot_deb: Path | None = None):
        self.ctx = ctx
        self.guest = boot_server(ctx, "server-kdump", memory_mb=memory_mb)
        if kdump_tools:
            put_on_boot(self.guest)
        if kreboot_deb is not None:
            inject_file(self.guest.images.root_fs, kreboot_deb, DEB_BOOT_PATH)
        self.boot: BootInfo | None = None
        self.recommendation: dict = {}
        # The kreboot the steps run: the run's binary (/usr/local/bin), after install_kreboot_deb the package's.
        self.kreboot = "kreboot"

    def start(self) -> BootInfo:
        self.guest.start()
        self.boot = self.guest.wait_boot(timeout=BOOT_TIMEOUT)
        self.ctx.timing("qemu start -> READY (SeaBIOS, GRUB, initramfs, 2 GiB)", self.boot.ready_at - self.guest.started_at)
        installed = self.guest.run("cmp /boot/kreboot-it/kreboot /usr/local/bin/kreboot")
        expect(installed.rc == 0, f"kreboot was not installed from /boot: {installed.summary()}")
        return self.boot

    def stop(self) -> None:
        self.guest.stop()

    # -- setup ------------------------------------------------------------------------------------

    def install_kreboot_units(self) -> None:
        """dist/'s units into /etc/systemd/system and its drop-in for kdump-tools.service and kdump.service into
        /lib/systemd/system (as the package installs them), /usr/sbin/kreboot the run's binary, and the kdump
        configuration (/etc/default/kdump-tools: dumps to /var/crash at dump level 31)."""
        guest = self.guest
        for unit in UNITS:
            text = (REPO_DIR / "dist" / unit).read_text()
            guest.run(f"cat > /etc/systemd/system/{unit} <<'EOF'\n{text}EOF", check=True)
        # What the package installs for the distribution's kdump services (dist/kdump-keep-armed.conf).
        dropin = (REPO_DIR / "dist" / "kdump-keep-armed.conf").read_text()
        for unit in ("kdump-tools.service", "kdump.service"):
            guest.run(f"mkdir -p /lib/systemd/system/{unit}.d && "
                      f"cat > /lib/systemd/system/{unit}.d/kreboot.conf <<'EOF'\n{dropin}EOF", check=True)
        guest.run("ln -sf /usr/local/bin/kreboot /usr/sbin/kreboot && systemctl daemon-reload", check=True)
        guest.run(f"cat > /etc/default/kdump-tools <<'EOF'\n{KREBOOT_CONFIG}EOF", check=True)

    def calibrate_apply(self) -> dict:
        """`kreboot calibrate --apply --yes` on a guest without a reservation; returns calibrate's JSON."""
        guest = self.guest
        expect(iomem_crash_kernel_mib(guest) == 0, "the guest has a crashkernel reservation before calibrate --apply")
        calibrate = guest.run("kreboot calibrate --json", timeout=120)
        expect(calibrate.rc == 0, f"kreboot calibrate --json: {calibrate.summary()}")
        self.recommendation = json.loads(calibrate.stdout)
        parameters = self.recommendation["parameters"]
        applied = guest.run("kreboot calibrate --apply --yes", timeout=300)
        expect(applied.rc == 0, f"kreboot calibrate --apply --yes: {applied.summary()}")
        self.ctx.timing("calibrate --apply --yes (update-grub)", applied.seconds)
        dropin = guest.run("cat /etc/default/grub.d/kreboot.cfg").stdout
        expect(parameters in dropin, f"/etc/default/grub.d/kreboot.cfg lacks {parameters!r}: {dropin.strip()!r}")
        grub = guest.run(f"grep -c -- '{parameters}' /boot/grub/grub.cfg").stdout.strip()
        expect(grub not in ("", "0"), f"update-grub did not put {parameters!r} into /boot/grub/grub.cfg")
        self.ctx.notes.append(f"calibrate: {parameters} (estimate {self.recommendation.get('estimate')})")
        return self.recommendation

    def power_cycle(self, what: str, timeout: float = BOOT_TIMEOUT) -> BootInfo:
        """A clean poweroff, then qemu started again on the same disks (SeaBIOS, GRUB, initramfs)."""
        guest = self.guest
        launched = guest.launch("systemctl poweroff")
        deadline = time.monotonic() + 180
        while guest.process.poll() is None:
            expect(time.monotonic() < deadline, f"{what}: the guest did not power off within 180 s")
            time.sleep(0.5)
        guest.stop()
        guest.start()
        previous = self.boot.boot_id
        self.boot = guest.wait_boot(timeout=timeout)
        expect(self.boot.boot_id != previous, f"{what}: the guest came back with the same boot id")
        self.ctx.timing(f"{what}: power cycle -> READY", time.monotonic() - launched.sent)
        return self.boot

    def reserve(self, enable_kreboot_service: bool = True) -> None:
        """kreboot's units and configuration, calibrate --apply, the service enabled (or not), a power cycle;
        then the reservation is the recommended size."""
        self.install_kreboot_units()
        recommendation = self.calibrate_apply()
        if enable_kreboot_service:
            self.guest.run("systemctl enable kreboot-kdump.service", check=True)
        # With the service: its first start loads the production initrd and enqueues kreboot-kdump-reload.service,
        # which builds kreboot's capture initrd (mkinitramfs under TCG: minutes) and loads again; READY
        # (`systemctl is-system-running --wait`) waits for that job.
        self.power_cycle("reservation", timeout=BOOT_TIMEOUT + (CAPTURE_INITRD_BUILD if enable_kreboot_service else 0))
        if enable_kreboot_service:
            self.expect_capture_initrd_built()
        expected = recommendation["totalMiB"]
        reserved = iomem_crash_kernel_mib(self.guest)
        expect(reserved == expected, f"/proc/iomem reserves {reserved} MiB for the crash kernel, calibrate "
                                     f"recommended {expected} MiB ({recommendation['parameters']})")
        expect(recommendation["parameters"] in self.boot.cmdline.split() or
               all(p in self.boot.cmdline.split() for p in recommendation["parameters"].split()),
               f"the boot after calibrate --apply lacks {recommendation['parameters']!r}: {self.boot.cmdline!r}")
        self.ctx.notes.append(f"reserved {reserved} MiB")

    def expect_capture_initrd_built(self) -> None:
        """kreboot-kdump-reload.service (enqueued by the service's first start) built the capture initrd and
        loaded again: its result and how long it took."""
        guest = self.guest
        unit = "kreboot-kdump-reload.service"
        shown = guest.run(f"for p in Result ExecMainStartTimestampMonotonic ExecMainExitTimestampMonotonic; do "
                          f"systemctl show -P $p {unit}; done; journalctl -b -u {unit} -o cat | tail -4")
        lines = shown.stdout.split("\n")
        expect(len(lines) >= 3 and lines[0] == "success" and lines[2].strip() not in ("", "0"),
               f"kreboot-kdump-reload.service did not build the capture initrd: {shown.stdout.strip()[-600:]!r}")
        self.ctx.timing("kreboot-kdump-reload.service (mkinitramfs MODULES=dep, then the capture kernel loaded again)",
                        (int(lines[2]) - int(lines[1])) / 1e6)

    def expect_kreboot_armed(self, what: str) -> str:
        """kreboot-kdump.service loaded the capture kernel with kreboot's capture initrd (smaller than the production
        one) and the systemd unit."""
        guest = self.guest
        loaded = guest.run("cat /sys/kernel/kexec_crash_loaded").stdout.strip()
        unit = guest.run("systemctl is-active kreboot-kdump.service; journalctl -b -u kreboot-kdump.service -o cat | tail -5")
        expect(loaded == "1", f"{what}: /sys/kernel/kexec_crash_loaded is {loaded!r}; {unit.stdout.strip()[-400:]!r}")
        status = guest.run("kreboot kdump status")
        expect(status.rc == 0 and status.stdout.startswith("capture kernel loaded:"),
               f"{what}: `kreboot kdump status`: {status.summary()}")
        expect("systemd.unit=kreboot-save-dump.service" in status.stdout,
               f"{what}: the capture command line has no systemd.unit=kreboot-save-dump.service: "
               f"{status.stdout.strip()[-500:]!r}")
        expect("initrd" in status.stdout, f"{what}: `kreboot kdump status` names no initrd: {status.stdout.strip()[-500:]!r}")
        # kreboot's own capture initrd (the production recipe with MODULES=dep), built at the service's first start.
        own = "/var/lib/kreboot/capture-initrd/initrd.img-"
        expect(own in status.stdout, f"{what}: the capture kernel was not loaded with kreboot's capture initrd ({own}…): "
                                     f"{status.stdout.strip()[-500:]!r}")
        sizes = guest.run("stat -c %s /var/lib/kreboot/capture-initrd/initrd.img-$(uname -r) /boot/initrd.img-$(uname -r)")
        expect(sizes.rc == 0 and len(sizes.stdout.split()) == 2, f"{what}: the initrds' sizes: {sizes.summary()}")
        capture, production = (int(n) for n in sizes.stdout.split())
        expect(capture < production, f"{what}: kreboot's capture initrd ({capture} bytes) is not smaller than the "
                                     f"production one ({production} bytes)")
        self.ctx.notes.append(f"{what}: capture initrd {capture / 1048576:.1f} MiB, production {production / 1048576:.1f} MiB")
        took = guest.run("systemctl show -P ExecMainStartTimestampMonotonic -P ExecMainExitTimestampMonotonic "
                         "kreboot-kdump.service").stdout.split()
        if len(took) == 2 and all(t.isdigit() for t in took) and int(took[1]) > 0:
            self.ctx.timing(f"{what}: kreboot-kdump.service start", (int(took[1]) - int(took[0])) / 1e6)
        return status.stdout

    # -- crashes ----------------------------------------------------------------------------------

    def follow_crash(self, after: int, sent: float, what: str) -> CrashRun:
        """From console offset `after`: the panic, the capture kernel, the saver's line, the boot after it."""
        guest = self.guest
        guest.wait_console(r"Kernel panic - not syncing", 120, after, f"{what}: the panic", fatal=False)
        panicked = time.monotonic()
        capture = guest.wait_console(rf"{KERNEL_COMMAND_LINE}[^\r\n]*elfcorehdr=[^\r\n]*", 120, after,
                                     f"{what}: the capture kernel", fatal=False)
        capture_seen = time.monotonic()
        self.ctx.timing(f"{what}: panic -> capture kernel", capture_seen - panicked)
        saved = saved_line = None
        try:
            first = guest.wait_console(rf"(?P<saved>{SAVED})|(?P<next>{FIRMWARE_BOOT})", CAPTURE_TIMEOUT, capture.end(),
                                       f"{what}: the dump saved or the boot after the capture", fatal=False)
            if first.group("saved"):
                saved, saved_line = time.monotonic(), first.group("saved").strip()
                # The capture boot's own agent may announce READY after the save: wait for the firmware boot.
                first = guest.wait_console(FIRMWARE_BOOT, CAPTURE_TIMEOUT, first.end(),
                                           f"{what}: the boot after the capture", fatal=False)
            previous = self.boot.boot_id
            self.boot = guest.wait_next_boot(first.start(), previous, timeout=CAPTURE_TIMEOUT)
        except ScenarioFailure as failure:
            log = guest.console()[capture.end():]
            said = re.findall(r"[^\r\n]*(?:kreboot|kdump|save-dump|vmcore)[^\r\n]*", log)
            raise ScenarioFailure(f"{failure}; the capture boot said: {' | '.join(s.strip() for s in said[-6:]) or 'nothing'}")
        run = CrashRun(sent, panicked, capture_seen, saved, saved_line, self.boot)
        if run.panic_to_saved is not None:
            self.ctx.timing(f"{what}: panic -> dump saved", run.panic_to_saved)
            self.ctx.notes.append(f"{what}: {saved_line}")
        self.ctx.timing(f"{what}: panic -> READY again", run.panic_to_ready)
        return run

    def sysrq_crash(self, what: str) -> CrashRun:
        """A panic kreboot does not cause: `sync; echo c > /proc/sysrq-trigger`."""
        after = self.guest.console_offset()
        launched = self.guest.launch("sync; echo c > /proc/sysrq-trigger")
        return self.follow_crash(after, launched.sent, what)

    def kdump_test(self, what: str) -> CrashRun:
        """`kreboot --test-kdump --yes` (its output relayed to the console); fails if it returns instead."""
        guest = self.guest
        after = guest.console_offset()
        relay = f"while IFS= read -r l; do echo \"{OUTPUT_MARKER}$l\" > /dev/kmsg; done"
        launched = guest.launch(f"{self.kreboot} --test-kdump --yes 2>&1 | {relay}; exit ${{PIPESTATUS[0]}}")
        deadline = launched.sent + 300
        while not re.search(r"Kernel panic - not syncing", guest.console()[after:]):
            result = guest.finished(launched)
            if result is not None:
                output = kreboot_output(guest, after).replace("\n", " | ")
                raise ScenarioFailure(f"{what}: `kreboot --test-kdump --yes` returned {result.rc}: {output[-500:]}")
            expect(time.monotonic() < deadline, f"{what}: no panic within 300 s of `kreboot --test-kdump --yes`")
            time.sleep(0.05)
        self.ctx.notes.append(f"{what}: kreboot said: " + kreboot_output(guest, after).replace("\n", " | ")[-400:])
        return self.follow_crash(after, launched.sent, what)

    def dumps(self) -> list[dict]:
        """`kreboot dumps --json`'s dumps, newest first."""
        result = self.guest.run(f"{self.kreboot} dumps --json", timeout=120)
        try:
            return json.loads(result.stdout).get("dumps", [])
        except json.JSONDecodeError:
            raise ScenarioFailure(f"`kreboot dumps --json` is not JSON: {result.summary()}")

    def expect_test_succeeded(self, what: str) -> dict:
        """`kreboot status --json` in the boot after a kdump test says it succeeded; returns its kdumpTest part."""
        status = self.guest.run(f"{self.kreboot} status --json", timeout=120)
        expect(status.rc == 0, f"{what}: kreboot status: {status.summary()}")
        document = json.loads(status.stdout)
        test = document.get("kdumpTest") or {}
        expect(test.get("state") == "succeeded",
               f"{what}: kreboot status does not report the kdump test succeeded: {json.dumps(test)[-500:]}")
        return test

    # -- kdump-tools ------------------------------------------------------------------------------

    def switch_to_kdump_tools(self) -> None:
        """kreboot's service stopped and disabled (capture kernel unloaded), its configuration removed;
        kdump-tools installed (enabled by debconf) and its service started: kdump-tools' capture kernel loaded."""
        guest = self.guest
        guest.run("systemctl disable --now kreboot-kdump.path kreboot-kdump.service", check=True)
        loaded = guest.run("cat /sys/kernel/kexec_crash_loaded").stdout.strip()
        expect(loaded == "0", f"stopping kreboot-kdump.service left a capture kernel loaded ({loaded!r})")
        guest.run("rm -f /etc/default/kdump-tools", check=True)
        seconds, log = install_kdump_tools(guest)
        self.ctx.timing("dpkg -i kdump-tools and its dependencies (update-grub, its initrd made)", seconds)
        expect("Not updating initramfs" in log, f"dpkg -i kdump-tools: the initramfs-tools trigger was not turned "
                                                f"off: {log.strip()[-400:]!r}")
        kdump_initrd = guest.run("ls /var/lib/kdump/initrd.img-$(uname -r)")
        expect(kdump_initrd.rc == 0, f"kdump-tools made no initrd of its own: {kdump_initrd.summary()}")
        started = guest.run("systemctl restart kdump-tools.service", timeout=900)
        self.ctx.timing("kdump-tools.service restart (unload, load: its initrd kept)", started.seconds)
        status = guest.run("kdump-config status; cat /sys/kernel/kexec_crash_loaded", timeout=120)
        expect(started.rc == 0 and status.stdout.strip().endswith("1"),
               f"kdump-tools did not load its capture kernel: {started.summary()} / {status.stdout.strip()[-400:]!r} / "
               f"{guest.run('journalctl -b -u kdump-tools.service -o cat | tail -8').stdout.strip()[-500:]!r}")
        self.ctx.notes.append("kdump-tools: " + " | ".join(status.stdout.strip().splitlines()[-3:]))

    def install_kreboot_deb(self) -> None:
        """kreboot as a new user gets it on a system that already runs kdump-tools: the units, the kdump-tools
        drop-in and /usr/sbin/kreboot that install_kreboot_units put in by hand removed, the .deb (written on /boot
        at DEB_BOOT_PATH) installed with dpkg. Its drop-in is then what keeps kdump-tools.service, and with it the
        capture kernel, through the kdump test's isolate; the later steps run the package's /usr/sbin/kreboot."""
        guest = self.guest
        by_hand = " ".join([f"/etc/systemd/system/{unit}" for unit in UNITS] +
                           [f"/lib/systemd/system/{unit}.d/kreboot.conf" for unit in ("kdump-tools.service", "kdump.service")])
        guest.run(f"rm -f {by_hand} /usr/sbin/kreboot && systemctl daemon-reload", check=True)
        before = guest.run("systemctl show -P IgnoreOnIsolate kdump-tools.service").stdout.strip()
        expect(before == "no", f"kdump-tools.service has IgnoreOnIsolate={before!r} before kreboot's package")
        install = guest.run(f"dpkg -i /boot{DEB_BOOT_PATH}", timeout=300)
        expect(install.rc == 0, f"dpkg -i kreboot.deb beside kdump-tools: {install.summary()}")
        self.ctx.timing("dpkg -i kreboot.deb", install.seconds)
        owner = guest.run(f"dpkg -S {KDUMP_TOOLS_DROPIN}").stdout.strip()
        expect(owner.startswith("kreboot:"), f"{KDUMP_TOOLS_DROPIN} is not the package's: {owner!r}")
        after = guest.run("systemctl show -P IgnoreOnIsolate kdump-tools.service").stdout.strip()
        expect(after == "yes", f"kdump-tools.service has IgnoreOnIsolate={after!r} after dpkg -i kreboot.deb")
        version = guest.run("dpkg-query -W -f '${Version}' kreboot").stdout.strip()
        self.ctx.notes.append(f"kreboot {version} installed from its .deb beside kdump-tools")
        self.kreboot = "/usr/sbin/kreboot"
