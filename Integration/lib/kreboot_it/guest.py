"""One qemu guest: start it, watch its console, talk to its agent, stop it.

The guest's first serial port (ttyS0, the console) is written to console.log; the second
(ttyS1) is a unix socket to the agent (Integration/guest/usr/local/sbin/kreboot-it-agent).
"""

from __future__ import annotations

import base64
import codecs
import contextlib
import json
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .failure import ScenarioFailure
from .images import CachedGuest, RunImages

QEMU = "qemu-system-x86_64"
# x86 guests get RDRAND (qemu's default CPU model plus the one flag; TCG emulates it), so the kernel's crng is
# ready at 0.1 s, before the second CPU is up. Without it the crng became ready in userspace (~6 s) and the
# static key that flips then was patched while udev workers ran getrandom(): once in a CI run both vCPUs of a
# qemu 7.2 TCG guest spun at that patch site ("soft lockup - CPU#0 stuck for 130s" in __x64_sys_getrandom)
# and the boot never came READY.
QEMU_X86_CPU = ["-cpu", "qemu64,+rdrand"]
# The arm64 guest (issue 18): qemu's virt machine; `pauth-impdef=on` halves boot time under TCG and a 64 MiB
# translation cache keeps a kexec'd kernel from running 3-7x slower (GUEST-FACTS "arm64"). `dtb-randomness=off`: no
# kaslr-seed in /chosen, which a kernel booted with nokaslr leaves unwiped, and kexec-tools then refuses to load
# ("setup_2nd_dtb: kaslr-seed is not wiped to 0").
QEMU_AARCH64 = ["qemu-system-aarch64", "-machine", "virt,dtb-randomness=off", "-cpu", "max,pauth-impdef=on",
                "-accel", "tcg,tb-size=64"]
# qemu's -accel for the x86 flavors whose kernels unpack an initramfs (see Guest's `accel`).
INITRAMFS_ACCEL = "tcg,tb-size=64"
INITRAMFS_FLAVORS = ("uefi", "server")
POLL_SECONDS = 0.05
BOOT_TIMEOUT = 150.0
OVMF_DIR = Path("/usr/share/OVMF")
# OVMF (Debian's ovmf) per `uefi` mode: the read-only code and the variable store a run copies.
# "secure": Secure Boot on with Microsoft's keys enrolled (needs SMM and the secure pflash);
# "plain": no Secure Boot (setup mode, no keys).
OVMF = {
    "secure": ("OVMF_CODE_4M.secboot.fd", "OVMF_VARS_4M.ms.fd",
               ["-machine", "q35,smm=on", "-global", "driver=cfi.pflash01,property=secure,value=on",
                "-global", "ICH9-LPC.disable_s3=1"]),
    "plain": ("OVMF_CODE_4M.fd", "OVMF_VARS_4M.fd", ["-machine", "q35"]),
}
# Added to qemu's -append (not to the guest's boot entries), so a boot that carries it was started
# by qemu, and a kexec'd kernel without it got its command line from the plan, not reused.
FIRST_BOOT_PARAMETER = "kreboot_it.boot=qemu"
# A kernel's own echo of its command line, early in every boot: `[    0.000000] Command line: …`
# (anchored at the printk timestamp, so relayed program output that says "Command line:" is not it).
# arm64 has no `Command line:` echo; its first is start_kernel's `Kernel command line:` (which x86 prints after
# `Command line:`, so the first match of a boot is still x86's early echo).
KERNEL_COMMAND_LINE = r"\[\s*\d+\.\d+\] (?:Kernel c|C)ommand line: "
FATAL_CONSOLE = re.compile(r"Kernel panic - not syncing[^\r\n]*|BUG: kernel NULL pointer[^\r\n]*")
# A guest kernel that stopped scheduling: named in a timeout's message, not fatal by itself (TCG on a busy host
# can report a short stall and go on).
STALLED_CONSOLE = re.compile(r"BUG: soft lockup[^\r\n]*|rcu: INFO: rcu_\w+ self-detected stall[^\r\n]*")


@dataclass(frozen=True)
class BootInfo:
    """What the agent announced for one boot, and when the host saw it."""

    boot_id: str
    release: str
    cmdline: str
    console_offset: int
    booted_at: float  # time.monotonic() when the BOOT marker was seen
    ready_at: float  # time.monotonic() when the READY marker was seen
    state: str  # `systemctl is-system-running` at READY


@dataclass(frozen=True)
class CommandResult:
    """A guest command's exit status and output."""

    command: str
    rc: int
    stdout: str
    stderr: str
    seconds: float

    def summary(self) -> str:
        """One line for failure reasons: the command, its status and the end of its stderr/stdout."""
        tail = (self.stderr.strip() or self.stdout.strip()).replace("\n", " | ")[-300:]
        return f"`{self.command}` exited {self.rc}: {tail}"


class Guest:
    """A qemu TCG guest booted with -kernel from the cached images' 6.1 kernel, root and data on NVMe."""

    def __init__(self, cached: CachedGuest, images: RunImages, run_dir: Path, *,
                 memory_mb: int = 1024, append: str | None = None, kernel: Path | None = None,
                 firmware: bool = False, extra_disks: tuple[Path, ...] = (), extra_args: tuple[str, ...] = (),
                 uefi: str | None = None, accel: str | None = None):
        """`extra_args` are appended to qemu's arguments (the fleet scenario's user-mode NIC).
        firmware=True boots through SeaBIOS from the root disk (the grub flavor) instead of -kernel;
        uefi="secure" or "plain" (see OVMF) boots through OVMF from the root disk's ESP (the uefi flavor), with
        this run's own copy of the variable store (kept across a power cycle, as NVRAM is).
        `extra_disks` (raw images) become further namespaces of the same NVMe controller, nsid 3, 4, …
        (/dev/nvme0n3, … under 6.1; mount them by UUID, as 6.12 may number namespaces differently).
        `accel` is qemu's -accel value; by default a 64 MiB translation cache for a guest whose kernels unpack an
        initramfs (INITRAMFS_FLAVORS): with qemu's default cache a kexec'd kernel unpacks a 35 MiB
        initramfs in about 66 s instead of 3 s (and OVMF runs slower too: a TCG cost, not the guest's)."""
        self.cached = cached
        self.images = images
        self.run_dir = run_dir
        self.memory_mb = memory_mb
        self.command_line = append if append is not None else f"{cached.command_line} {FIRST_BOOT_PARAMETER}"
        self.kernel = kernel or cached.vmlinuz
        self.uefi = uefi
        self.firmware = firmware or uefi is not None
        self.efi_vars = run_dir / "efi-vars.fd"
        self.extra_disks = tuple(extra_disks)
        self.extra_args = tuple(extra_args)
        self.accel = accel or (INITRAMFS_ACCEL if cached.flavor in INITRAMFS_FLAVORS else "tcg")
        self.console_path = run_dir / "console.log"
        self.socket_path = run_dir / "agent.sock"
        self.qmp_path = run_dir / "qmp.sock"
        self._console_text = ""
        self._console_read = 0
        self._console_decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.process: subprocess.Popen | None = None
        self.started_at = 0.0
        self._socket: socket.socket | None = None
        self._lines: list[str] = []
        self._lines_changed = threading.Condition()
        self._reader: threading.Thread | None = None
        self._next_id = 0

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        """Start qemu and connect to the agent's serial port. A guest started again (a power cycle) begins
        with an empty console."""
        self.console_path.write_bytes(b"")
        self._console_text = ""
        self._console_read = 0
        self._console_decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.socket_path.unlink(missing_ok=True)
        arm64 = self.cached.arch == "aarch64"
        # x86_64: console ttyS0, agent ttyS1. aarch64 (virt): console the PL011 (ttyAMA0), agent a PCI 16550 (ttyS0).
        agent_port = ["-device", "pci-serial,chardev=agent"] if arm64 else ["-serial", "chardev:agent"]
        args = [
            *(QEMU_AARCH64 if arm64 else [QEMU, "-accel", self.accel, *QEMU_X86_CPU]),
            "-smp", "2", "-m", str(self.memory_mb),
            "-nodefaults", "-no-user-config", "-display", "none",
            *([] if self.firmware else ["-kernel", str(self.kernel), "-append", self.command_line]),
            *self._ovmf_args(),
            "-chardev", f"file,id=con,path={self.console_path}", "-serial", "chardev:con",
            "-chardev", f"socket,id=agent,path={self.socket_path},server=on,wait=off",
            *agent_port,
            "-qmp", f"unix:{self.qmp_path},server=on,wait=off",
            "-drive", f"file={self.images.root},format=raw,if=none,id=d0,cache=unsafe",
            "-drive", f"file={self.images.data},format=raw,if=none,id=d1,cache=unsafe",
            "-device", "nvme,id=nvme0,serial=kreboot-it",
            "-device", "nvme-ns,drive=d0,bus=nvme0,nsid=1",
            "-device", "nvme-ns,drive=d1,bus=nvme0,nsid=2",
        ]
        for index, disk in enumerate(self.extra_disks, start=2):
            args += ["-drive", f"file={disk},format=raw,if=none,id=d{index},cache=unsafe",
                     "-device", f"nvme-ns,drive=d{index},bus=nvme0,nsid={index + 1}"]
        args += list(self.extra_args)
        (self.run_dir / "qemu.args").write_text(" ".join(args) + "\n")
        log = open(self.run_dir / "qemu.log", "wb")
        # stdin stays open and silent for the whole run (pitfall 5).
        self.process = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT)
        self.started_at = time.monotonic()
        deadline = self.started_at + 10
        while True:
            try:
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                sock.connect(str(self.socket_path))
                break
            except OSError:
                sock.close()
                self._check_alive()
                if time.monotonic() > deadline:
                    raise ScenarioFailure("qemu did not open the agent socket within 10 s")
                time.sleep(POLL_SECONDS)
        self._socket = sock
        self._reader = threading.Thread(target=self._read_agent, daemon=True)
        self._reader.start()

    def _ovmf_args(self) -> list[str]:
        """The machine and pflash arguments of the `uefi` mode (none without it); copies the variable
        store on the first start."""
        if self.uefi is None:
            return []
        code, variables, machine = OVMF[self.uefi]
        if not self.efi_vars.exists():
            shutil.copyfile(OVMF_DIR / variables, self.efi_vars)
        return [*machine,
                "-drive", f"if=pflash,format=raw,unit=0,readonly=on,file={OVMF_DIR / code}",
                "-drive", f"if=pflash,format=raw,unit=1,file={self.efi_vars}"]

    def stop(self) -> None:
        """Stop qemu now (SIGTERM, then SIGKILL): the images stay exactly as the guest left them."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process and self.process.stdin:
            self.process.stdin.close()
        if self._socket:
            self._socket.close()
            self._socket = None

    def __enter__(self) -> "Guest":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def _check_alive(self) -> None:
        if self.process is not None and self.process.poll() is not None:
            log = (self.run_dir / "qemu.log").read_text(errors="replace").strip().replace("\n", " | ")
            raise ScenarioFailure(f"qemu exited with {self.process.returncode}: {log[-300:]}")

    # -- console -----------------------------------------------------------------------------

    def console(self) -> str:
        """The complete lines the guest printed on its console so far (read incrementally). A line
        qemu is still writing is left out until its newline arrives, so a pattern that ends in
        `[^\r\n]*` or `\S+` never matches half a line (a cut command line or boot id)."""
        with open(self.console_path, "rb") as log:
            log.seek(self._console_read)
            chunk = log.read()
        self._console_read += len(chunk)
        self._console_text += self._console_decoder.decode(chunk)
        return self._console_text[:self._console_text.rfind("\n") + 1]

    def console_offset(self) -> int:
        """The console's current end: pass it as `after` to wait only for what comes later."""
        return len(self.console())

    def wait_console(self, pattern: str, timeout: float, after: int = 0, what: str | None = None,
                     fatal: bool = True) -> re.Match:
        """Wait until `pattern` (a regex) appears on the console after offset `after`; a kernel panic
        there fails the scenario unless `fatal` is False (the kdump test panics on purpose)."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            text = self.console()
            match = regex.search(text, after)
            if match:
                return match
            panic = FATAL_CONSOLE.search(text, after) if fatal else None
            if panic:
                raise ScenarioFailure(f"guest console: {panic.group(0).strip()}")
            self._check_alive()
            if time.monotonic() > deadline:
                stalled = STALLED_CONSOLE.search(text, after)
                because = f" (the guest kernel: {stalled.group(0).strip()})" if stalled else ""
                raise ScenarioFailure(f"timed out after {timeout:.0f} s waiting for {what or pattern!r} on the console"
                                      f"{because}")
            time.sleep(POLL_SECONDS)

    def wait_boot(self, after: int = 0, timeout: float | None = None) -> BootInfo:
        """Wait for the agent's BOOT and READY markers (after offset `after`) and its HELLO on ttyS1. The arm64
        guest (a whole emulated CPU under TCG) gets twice BOOT_TIMEOUT: 130 s to READY on a busy 2-core host."""
        if timeout is None:
            timeout = BOOT_TIMEOUT * (2 if self.cached.arch == "aarch64" else 1)
        started = time.monotonic()
        boot = self.wait_console(r"KREBOOT-IT BOOT boot_id=(\S+) release=(\S+) cmdline=([^\r\n]*)",
                                 timeout, after, "the agent's BOOT marker")
        booted_at = time.monotonic()
        boot_id = boot.group(1)
        remaining = max(1.0, timeout - (booted_at - started))
        ready = self.wait_console(rf"KREBOOT-IT READY boot_id={boot_id} state=(\S*)", remaining,
                                  boot.end(), "the agent's READY marker")
        ready_at = time.monotonic()
        self._wait_agent_line(lambda line: line == f"@@HELLO {boot_id}", 10, "the agent's HELLO")
        return BootInfo(boot_id, boot.group(2), boot.group(3).strip(), boot.start(), booted_at, ready_at,
                        ready.group(1))

    def wait_next_boot(self, after: int, previous_boot_id: str, timeout: float = 240) -> BootInfo:
        """Wait (after console offset `after`) for a boot other than `previous_boot_id` to be READY,
        whatever way it came (kexec, firmware reset)."""
        deadline = time.monotonic() + timeout
        while True:
            ready = re.search(r"KREBOOT-IT READY boot_id=(\S+)", self.console()[after:])
            if ready and ready.group(1) != previous_boot_id:
                return self.wait_boot(after=after)
            self._check_alive()
            if time.monotonic() > deadline:
                raise ScenarioFailure(f"no new boot within {timeout:.0f} s")
            time.sleep(POLL_SECONDS)

    def wait_new_kernel(self, token: str, after: int, timeout: float = 60) -> tuple[float, int]:
        """Wait for a kernel whose `Command line:` echo carries `token` (the kexec'd kernel);
        returns time.monotonic() when it was seen and the console offset just after the echo."""
        match = self.wait_console(rf"{KERNEL_COMMAND_LINE}[^\r\n]*{re.escape(token)}", timeout, after,
                                  f"the new kernel's command line with {token}")
        return time.monotonic(), match.end()

    def new_kernel_mounted(self, after: int) -> bool:
        """True when an ext4 file system was mounted after console offset `after`."""
        return re.search(r"EXT4-fs \([^)]*\): mounted filesystem", self.console()[after:]) is not None

    def expect_no_journal_replay(self, after: int) -> None:
        """Fail if a boot after console offset `after` replayed an ext4 journal (the previous
        shutdown left a file system dirty; pitfall 2)."""
        match = re.search(r"EXT4-fs \(([^)]*)\): recovery complete", self.console()[after:])
        if match:
            raise ScenarioFailure(f"the new boot replayed the journal of {match.group(1)}: it was left dirty")

    # -- QMP ---------------------------------------------------------------------------------

    def _qmp(self, command: str) -> dict:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(30)
            sock.connect(str(self.qmp_path))
            stream = sock.makefile("rwb")
            json.loads(stream.readline())  # greeting
            for execute in ("qmp_capabilities", command):
                stream.write(json.dumps({"execute": execute}).encode() + b"\n")
                stream.flush()
                while True:
                    reply = json.loads(stream.readline())
                    if "return" in reply:
                        break
                    if "error" in reply:
                        raise ScenarioFailure(f"QMP {execute}: {reply['error'].get('desc')}")
            return reply

    @contextlib.contextmanager
    def paused(self):
        """Pause the VM (QMP stop: vCPUs halted, disk writes drained into the image files) so the
        host can read the images, then resume it."""
        self._qmp("stop")
        try:
            yield
        finally:
            self._qmp("cont")

    # -- agent -------------------------------------------------------------------------------

    def _read_agent(self) -> None:
        buffer = b""
        while self._socket is not None:
            try:
                chunk = self._socket.recv(65536)
            except OSError:
                break
            if not chunk:
                break
            buffer += chunk
            *complete, buffer = buffer.split(b"\n")
            with self._lines_changed:
                for raw in complete:
                    line = raw.decode(errors="replace").strip("\r\x00 ")
                    if line.startswith("@@"):
                        self._lines.append(line)
                self._lines_changed.notify_all()

    def _wait_agent_line(self, predicate, timeout: float, what: str) -> str:
        deadline = time.monotonic() + timeout
        with self._lines_changed:
            while True:
                for line in self._lines:
                    if predicate(line):
                        return line
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise ScenarioFailure(f"timed out after {timeout:.0f} s waiting for {what}")
                self._lines_changed.wait(min(remaining, 0.5))
                self._check_alive()

    def _send(self, command: str) -> str:
        if self._socket is None:
            raise ScenarioFailure("the agent is not connected")
        self._next_id += 1
        ident = f"c{self._next_id}"
        encoded = base64.b64encode(command.encode()).decode()
        self._socket.sendall(f"RUN {ident} {encoded}\n".encode())
        return ident

    @staticmethod
    def _parse_result(command: str, line: str, started: float) -> CommandResult:
        fields = line.split(" ")
        rc = int(fields[2])
        stdout = base64.b64decode(fields[3]).decode(errors="replace") if len(fields) > 3 else ""
        stderr = base64.b64decode(fields[4]).decode(errors="replace") if len(fields) > 4 else ""
        return CommandResult(command, rc, stdout, stderr, time.monotonic() - started)

    def run(self, command: str, timeout: float = 60, check: bool = False) -> CommandResult:
        """Run `bash -c command` in the guest (cwd /, stdin /dev/null) and return status and output.
        With check=True a non-zero status fails the scenario."""
        started = time.monotonic()
        ident = self._send(command)
        line = self._wait_agent_line(lambda l: l.startswith(f"@@RESULT {ident} "), timeout,
                                     f"the result of `{command}`")
        result = self._parse_result(command, line, started)
        if check and result.rc != 0:
            raise ScenarioFailure(result.summary())
        return result

    def launch(self, command: str, timeout: float = 30) -> "LaunchedCommand":
        """Start a command that may not return (e.g. a kexec); waits only until the agent has
        started it. Poll it with `finished()`."""
        sent = time.monotonic()
        ident = self._send(command)
        self._wait_agent_line(lambda l: l == f"@@START {ident}", timeout, f"the start of `{command}`")
        return LaunchedCommand(self, ident, command, sent)

    def finished(self, launched: "LaunchedCommand") -> CommandResult | None:
        """The launched command's result if it has returned, else None."""
        prefix = f"@@RESULT {launched.ident} "
        with self._lines_changed:
            line = next((l for l in self._lines if l.startswith(prefix)), None)
        return self._parse_result(launched.command, line, launched.sent) if line else None


@dataclass(frozen=True)
class LaunchedCommand:
    """A command started with Guest.launch(); `sent` is time.monotonic() when it was sent."""

    guest: Guest
    ident: str
    command: str
    sent: float
