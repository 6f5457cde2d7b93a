"""Integration/bench's reboot paths, interleaved in one guest: round r runs reboot r of every
selected path in turn (bare, kreboot, systemctlKexec, firmware), so drift of a shared host (other
guests, builds) is spread over all paths instead of landing on one.

Each reboot is timed from the host sending the command to the host seeing the new boot's READY
marker; kreboot's reboots also yield per-step seconds (its progress lines relayed through
/dev/kmsg, the `plan ready in` line, and exec: host-side from its last step's start line to the new
kernel's `Command line:` echo)."""

from __future__ import annotations

import math
import re
import statistics
import sys
import time
from dataclasses import dataclass, field

from .context import ScenarioContext
from .failure import ScenarioFailure
from .guest import KERNEL_COMMAND_LINE, Guest
from .kreboot_cli import OUTPUT_MARKER, progress_steps
from .server import BOOT_TIMEOUT as SERVER_BOOT_TIMEOUT, ConsoleWatcher, commit_gap, \
    start_postgres_client

PATHS = ("bare", "kreboot", "systemctlKexec", "firmware")
STEP_ORDER = ("plan", "load", "isolate", "unmount", "remount", "sync", "exec")
REBOOT_TIMEOUT = 240.0
UEFI_REBOOT_TIMEOUT = 600.0  # OVMF under TCG: a firmware reboot takes a minute or more
SERVER_REBOOT_TIMEOUT = 600.0  # the server guest: initramfs, LVM, LUKS and PostgreSQL under TCG
POSTGRES_RETURN_TIMEOUT = 180.0  # after READY: until the client's first commit in the new boot
ARM64_REBOOT_TIMEOUT = 400.0  # qemu-system-aarch64 TCG on a loaded host: 110 s to READY in arm64-reboot
MEMORY_MIB = {"aarch64": 2048}  # the arm64 scenarios' guest size; x86_64 guests keep the default 1024
RELAY = f"while IFS= read -r l; do echo \"{OUTPUT_MARKER}$l\" > /dev/kmsg; done"
# kreboot's last step starting, relayed: `KREBOOT-IT OUT [6/6] kexec into the new kernel (…) ...`.
LAST_STEP_START = re.compile(rf"{OUTPUT_MARKER}\[\s*(\d+)/\1\] [^\r\n]* \.\.\.")
PLAN_READY = re.compile(r"plan ready in (\d+\.\d+) s")


def command_for(path: str, kernel: str, command_line: str, initrd: str | None = None, syscall: str = "-s") -> str:
    """The guest command that reboots along `path` (`initrd` for a kernel that needs one: the uefi guest;
    `syscall` kexec-tools' -s for kexec_file_load, -c for kexec_load: the arm64 guest's Debian kernel has no
    kexec_file_load, so its bare and systemctlKexec paths load as kreboot does there)."""
    load = f"kexec {syscall} -l {kernel} --command-line='{command_line}'" + (f" --initrd={initrd}" if initrd else "")
    return {
        "bare": f"{load} && kexec -e",
        "kreboot": f"echo '{OUTPUT_MARKER}T0' > /dev/kmsg; kreboot --yes 2>&1 | {RELAY}",
        "systemctlKexec": f"{load} && systemctl kexec",
        "firmware": "systemctl reboot",
    }[path]


def percentile(samples: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def step_times(output: str) -> dict[str, float]:
    """Per-step seconds from kreboot's output: `plan` from its `plan ready in X s` line (absent in
    older builds), then each progress step that reported `done in`, keyed by the step's first word
    (load, isolate, unmount, remount, sync; the exec step never reports done)."""
    steps: dict[str, float] = {}
    plan = PLAN_READY.search(output)
    if plan:
        steps["plan"] = float(plan.group(1))
    for step in progress_steps(output):
        if step.seconds is not None:
            key = step.summary.split()[0].lower() if step.summary else str(step.index)
            steps[key] = round(steps.get(key, 0) + step.seconds, 3)
    return steps


def guest_phases(console: str) -> dict[str, float]:
    """From the guest's printk timestamps of kreboot's relayed lines: seconds from the command
    (T0) to the first step's start, and from there to the exec step's start."""
    stamps = {}
    for stamp, text in re.findall(rf"\[\s*(\d+\.\d+)\] {OUTPUT_MARKER}([^\r\n]*)", console):
        if text == "T0":
            stamps.setdefault("t0", float(stamp))
        elif re.match(r"\[\s*1/\d+\] .* \.\.\.$", text):
            stamps.setdefault("first", float(stamp))
        elif re.match(r"\[\s*(\d+)/\1\] .* \.\.\.$", text):
            stamps["exec"] = float(stamp)
    phases = {}
    if "t0" in stamps and "first" in stamps:
        phases["commandToFirstStep"] = round(stamps["first"] - stamps["t0"], 2)
    if "first" in stamps and "exec" in stamps:
        phases["firstStepToExec"] = round(stamps["exec"] - stamps["first"], 2)
    return phases


@dataclass(frozen=True)
class RebootSample:
    """One timed reboot."""

    to_ready: float  # command sent -> new boot's READY
    to_kernel: float  # command sent -> new kernel's command line echo
    boot_id: str  # the new boot's id
    output: str  # what the command printed, relayed through /dev/kmsg (kreboot only)
    steps: dict[str, float]  # kreboot only: plan, load, isolate, unmount, remount, sync, exec
    phases: dict[str, float]  # kreboot only: guest_phases()
    postgres_gap: float | None = None  # server guest: last commit seen before the new kernel -> first after


@dataclass
class PathResults:
    """The samples of one path, and the error that stopped it (it is not run again after one)."""

    path: str
    samples: list[RebootSample] = field(default_factory=list)
    error: str | None = None

    def summary(self) -> dict:
        """The JSON for this path: median/p95/min/max/samples of command -> READY, and `error`."""
        result: dict = {}
        if self.samples:
            to_ready = [s.to_ready for s in self.samples]
            result = {
                "median": round(statistics.median(to_ready), 2),
                "p95": round(percentile(to_ready, 0.95), 2),
                "min": round(min(to_ready), 2),
                "max": round(max(to_ready), 2),
                "samples": [round(s, 2) for s in to_ready],
                "toNewKernelMedian": round(statistics.median(s.to_kernel for s in self.samples), 2),
            }
            gaps = [s.postgres_gap for s in self.samples if s.postgres_gap is not None]
            if gaps:
                result["postgresGapMedian"] = round(statistics.median(gaps), 2)
                result["postgresGaps"] = [round(g, 2) for g in gaps]
        if self.error:
            result["error"] = self.error
        if self.path == "kreboot" and self.samples:
            per_run = [s.steps for s in self.samples]
            keys = [k for k in STEP_ORDER if any(k in s for s in per_run)]
            keys += sorted({k for s in per_run for k in s} - set(keys))
            result["steps"] = {k: round(statistics.median(s[k] for s in per_run if k in s), 3) for k in keys}
            result["stepsPerRun"] = per_run
            result["guestPhases"] = [s.phases for s in self.samples]
            result["lastOutput"] = self.samples[-1].output
        return result


def reboot_once(guest: Guest, path: str, boot_id: str, kernel: str, command_line: str,
                initrd: str | None = None, timeout: float = REBOOT_TIMEOUT, syscall: str = "-s",
                commits: ConsoleWatcher | None = None) -> RebootSample:
    """Reboot the guest (now in boot `boot_id`) along `path` and time it; fails when the command
    returns instead of rebooting or no new boot is READY within `timeout`. With `commits` (the
    PostgreSQL client's announcements) it also waits for the client's first commit in the new boot
    and measures the client-visible gap."""
    after = guest.console_offset()
    command = command_for(path, kernel, command_line, initrd, syscall)
    launched = guest.launch(command)
    deadline = launched.sent + timeout
    kernel_seen = exec_seen = None
    while True:
        text = guest.console()
        now = time.monotonic()
        if path == "kreboot" and exec_seen is None and LAST_STEP_START.search(text, after):
            exec_seen = now
        if kernel_seen is None and re.search(KERNEL_COMMAND_LINE, text[after:]):
            kernel_seen = now
        ready = re.search(r"KREBOOT-IT READY boot_id=(\S+)", text[after:])
        if ready and ready.group(1) != boot_id:
            break
        result = guest.finished(launched)
        # systemctl returns once the job is queued; kexec -e and kreboot return only on failure.
        if result is not None and (result.rc != 0 or path in ("bare", "kreboot")):
            output = "\n".join(re.findall(rf"{OUTPUT_MARKER}([^\r\n]*)", text[after:]))
            raise ScenarioFailure(f"{path}: `{command}` returned {result.rc} instead of rebooting: "
                                  f"{(output or result.stderr).strip()[-300:]}")
        if now > deadline:
            raise ScenarioFailure(f"{path}: no new boot within {timeout:.0f} s")
        time.sleep(0.05)
    boot = guest.wait_boot(after=after, timeout=timeout)
    console = guest.console()[after:]
    output = "\n".join(re.findall(rf"{OUTPUT_MARKER}([^\r\n]*)", console))
    steps, phases = {}, {}
    if path == "kreboot":
        steps = step_times(output)
        if exec_seen is not None and kernel_seen is not None and kernel_seen >= exec_seen:
            steps["exec"] = round(kernel_seen - exec_seen, 2)
        phases = guest_phases(console)
    gap = None
    if commits is not None:
        switched = kernel_seen or boot.booted_at
        deadline = time.monotonic() + POSTGRES_RETURN_TIMEOUT
        while (gap := commit_gap(commits.seen, switched)) is None:
            if time.monotonic() > deadline:
                raise ScenarioFailure(f"{path}: the PostgreSQL client committed nothing within "
                                      f"{POSTGRES_RETURN_TIMEOUT:.0f} s of the new boot's READY")
            time.sleep(0.2)
    return RebootSample(boot.ready_at - launched.sent, (kernel_seen or boot.booted_at) - launched.sent,
                        boot.boot_id, output, steps, phases, gap)


def usable_boot_id(guest: Guest) -> str | None:
    """After a failed reboot: the guest's boot id when it is up and its system running (or degraded),
    else None (stuck in a reboot, in rescue, or qemu gone)."""
    try:
        state = guest.run("systemctl is-system-running --wait", timeout=90).stdout.strip()
        if state not in ("running", "degraded"):
            return None
        return guest.run("cat /proc/sys/kernel/random/boot_id", timeout=10, check=True).stdout.strip()
    except ScenarioFailure:
        return None


def memory_mb(cached) -> int:
    """The bench guest's RAM: as the arm64 scenarios boot the arm64 guest, else qemu's 1 GiB of the lab guest."""
    return MEMORY_MIB.get(cached.arch, 1024)


def measure_interleaved(ctx: ScenarioContext, paths: list[str], runs: int, warmup: int) -> tuple[dict[str, PathResults], dict]:
    """Boot one guest (the context's flavor; grub through SeaBIOS and GRUB) and run `warmup` untimed
    kreboot reboots, then `runs` rounds of one reboot per path. Returns the per-path results and
    extras (dryRunSeconds, warmup: the warm-up reboots run, stopped: why the rounds ended early)."""
    uefi = ctx.cached.flavor == "uefi"
    server = ctx.cached.flavor == "server"
    grub = ctx.cached.flavor == "grub" or uefi or server
    kernel = ctx.cached.grub_default_kernel if grub and not server else f"/boot/vmlinuz-{ctx.cached.kernel61}"
    # The uefi guest: Secure Boot on, OVMF -> shim -> GRUB; its generic kernel needs its initramfs.
    initrd = f"/boot/initrd.img-{ctx.cached.manifest['kernel']}" if uefi else None
    timeout = UEFI_REBOOT_TIMEOUT if uefi else SERVER_REBOOT_TIMEOUT if server else REBOOT_TIMEOUT
    # The arm64 guest: Debian's kernel loads only through kexec_load (purgatory's sha256 under TCG: slow exec).
    arm64 = ctx.cached.arch == "aarch64"
    syscall = "-c" if arm64 else "-s"
    timeout = ARM64_REBOOT_TIMEOUT if arm64 else timeout
    results = {path: PathResults(path) for path in paths}
    extras: dict = {}
    commits = None
    with ctx.boot("reboots", firmware=grub, uefi="secure" if uefi else None, memory_mb=memory_mb(ctx.cached)) as guest:
        boot = guest.wait_boot(timeout=SERVER_BOOT_TIMEOUT if server else timeout)
        command_line = boot.cmdline if grub else ctx.cached.command_line
        boot_id = boot.boot_id
        if server:
            # GRUB's default entry as booted (kernel and initramfs on the separate /boot), and a client
            # writing committed rows through every reboot.
            kernel, initrd = f"/boot/vmlinuz-{boot.release}", f"/boot/initrd.img-{boot.release}"
            extras.update(kernel=boot.release, accel=guest.accel)
            commits = start_postgres_client(guest)
        if "kreboot" in paths:
            timed = guest.run("s=$(date +%s%N); kreboot --dry-run >/dev/null || exit; e=$(date +%s%N); "
                              "echo $(( (e - s) / 1000000 ))")
            if timed.rc == 0:
                extras["dryRunSeconds"] = int(timed.stdout.strip()) / 1000
            else:
                extras["dryRunError"] = timed.summary()
        extras["warmup"] = warmup if "kreboot" in paths else 0
        schedule = [("kreboot", None)] * extras["warmup"]
        schedule += [(path, run) for run in range(runs) for path in paths]
        for path, run in schedule:
            if results[path].error:
                continue
            label = "warmup" if run is None else f"run {run + 1}/{runs}"
            try:
                sample = reboot_once(guest, path, boot_id, kernel, command_line, initrd, timeout, syscall, commits)
            except ScenarioFailure as failure:
                results[path].error = f"{label}: {failure}"
                print(f"  {path} {label}: FAILED: {failure}", file=sys.stderr, flush=True)
                boot_id = usable_boot_id(guest)
                if boot_id is None:
                    extras["stopped"] = f"the guest is not usable after {path} {label} failed"
                    break
                continue
            boot_id = sample.boot_id
            gap = f", PostgreSQL gap {sample.postgres_gap:.1f} s" if sample.postgres_gap is not None else ""
            print(f"  {path} {label}: {sample.to_ready:.2f} s to READY{gap}", file=sys.stderr, flush=True)
            if run is not None:
                results[path].samples.append(sample)
        if commits is not None:
            commits.stop()
    return results, extras
