"""Integration/bench: seconds from the reboot command to the new boot's READY marker, per path.

Paths, each run N times back to back in one guest (nokaslr everywhere, pitfall 9):
  bare            `kexec -s -l` + `kexec -e`, no quiesce at all: the floor
  kreboot         `kreboot --yes`
  systemctlKexec  `kexec -s -l` + `systemctl kexec` (systemd's own quiesce)
  firmware        `systemctl reboot` through SeaBIOS and GRUB
All paths run on the grub-flavored guest (booted by SeaBIOS and GRUB, grub.cfg by grub-mkconfig)
and boot the same kernel with the same command line: GRUB's default entry (`--guest kernel`: the
-kernel guest and its 6.1 entry, where the firmware path goes through SeaBIOS and -kernel).
The time runs from the host sending the command to the host seeing the new boot's READY marker
(`systemctl is-system-running --wait` returned), so the load is inside it for every kexec path.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from .context import ScenarioContext
from .failure import ScenarioFailure
from .guest import KERNEL_COMMAND_LINE, Guest
from .images import ensure_cached_guest
from .kreboot_cli import OUTPUT_MARKER, progress_steps
from .runner import ensure_kreboot

PATHS = ("bare", "kreboot", "systemctlKexec", "firmware")


def command_for(path: str, kernel: str, command_line: str) -> str:
    """The guest command that reboots along `path`."""
    load = f"kexec -s -l {kernel} --command-line='{command_line}'"
    relay = f"while IFS= read -r l; do echo \"{OUTPUT_MARKER}$l\" > /dev/kmsg; done"
    return {
        "bare": f"{load} && kexec -e",
        "kreboot": f"echo '{OUTPUT_MARKER}T0' > /dev/kmsg; kreboot --yes 2>&1 | {relay}",
        "systemctlKexec": f"{load} && systemctl kexec",
        "firmware": "systemctl reboot",
    }[path]


def percentile(samples: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def step_times(output: str) -> dict[str, float]:
    """Per-step seconds from kreboot's progress lines, keyed by the step's first word
    (load, isolate, unmount, remount, sync; exec never reports done)."""
    steps: dict[str, float] = {}
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


def measure_path(ctx: ScenarioContext, path: str, runs: int) -> dict:
    """Boot one guest and reboot it `runs` times along `path`."""
    grub = ctx.cached.flavor == "grub"
    kernel = ctx.cached.grub_default_kernel if grub else f"/boot/vmlinuz-{ctx.cached.kernel61}"
    to_ready, to_kernel, outputs, phases = [], [], [], []
    with ctx.boot(path, firmware=grub) as guest:
        boot = guest.wait_boot()
        command_line = boot.cmdline if grub else ctx.cached.command_line
        extra: dict = {}
        if path == "kreboot":
            timed = guest.run("s=$(date +%s%N); kreboot --dry-run >/dev/null; e=$(date +%s%N); "
                              "echo $(( (e - s) / 1000000 ))")
            if timed.rc == 0:
                extra["dryRunSeconds"] = int(timed.stdout.strip()) / 1000
        for run in range(runs):
            after = guest.console_offset()
            command = command_for(path, kernel, command_line)
            launched = guest.launch(command)
            deadline = launched.sent + 240
            kernel_seen = None
            while True:
                text = guest.console()
                if kernel_seen is None and re.search(KERNEL_COMMAND_LINE, text[after:]):
                    kernel_seen = time.monotonic()
                ready = re.search(r"KREBOOT-IT READY boot_id=(\S+)", text[after:])
                if ready and ready.group(1) != boot.boot_id:
                    break
                result = guest.finished(launched)
                # systemctl returns once the job is queued; kexec -e and kreboot return only on failure.
                if result is not None and (result.rc != 0 or path in ("bare", "kreboot")):
                    output = "\n".join(re.findall(rf"{OUTPUT_MARKER}([^\r\n]*)", text[after:]))
                    raise ScenarioFailure(f"{path}: `{command}` returned {result.rc} instead of rebooting: "
                                          f"{(output or result.stderr).strip()[-300:]}")
                if time.monotonic() > deadline:
                    raise ScenarioFailure(f"{path}: no new boot within 240 s")
                time.sleep(0.05)
            boot = guest.wait_boot(after=after)
            to_ready.append(boot.ready_at - launched.sent)
            to_kernel.append((kernel_seen or boot.booted_at) - launched.sent)
            outputs.append("\n".join(re.findall(rf"{OUTPUT_MARKER}([^\r\n]*)", guest.console()[after:])))
            phases.append(guest_phases(guest.console()[after:]))
            print(f"  {path} run {run + 1}/{runs}: {to_ready[-1]:.2f} s to READY", file=sys.stderr, flush=True)
    summary = {
        "median": round(statistics.median(to_ready), 2),
        "p95": round(percentile(to_ready, 0.95), 2),
        "min": round(min(to_ready), 2),
        "max": round(max(to_ready), 2),
        "samples": [round(s, 2) for s in to_ready],
        "toNewKernelMedian": round(statistics.median(to_kernel), 2),
    }
    if path == "kreboot":
        summary.update(extra)
        summary["steps"] = step_times(outputs[-1]) if outputs else {}
        summary["guestPhases"] = phases
        summary["lastOutput"] = outputs[-1] if outputs else ""
    return summary


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="Integration/bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="reboots per path (default 3)")
    default_out = Path(__file__).resolve().parents[2] / "out" / "bench.json"
    parser.add_argument("--out", type=Path, default=default_out, help="JSON results (default Integration/out/bench.json)")
    parser.add_argument("--paths", default=",".join(PATHS), help=f"comma-separated subset of {','.join(PATHS)}")
    parser.add_argument("--kreboot", type=Path, metavar="PATH", help="inject this binary instead of the release build")
    parser.add_argument("--guest", choices=("grub", "kernel"), default="grub",
                        help="grub: SeaBIOS+GRUB guest (default); kernel: the -kernel guest")
    args = parser.parse_args(argv)
    paths = [p for p in args.paths.split(",") if p]
    unknown = [p for p in paths if p not in PATHS]
    if unknown:
        parser.error(f"unknown path(s): {', '.join(unknown)}")

    cached = ensure_cached_guest(args.guest)
    kreboot = args.kreboot.resolve() if args.kreboot else ensure_kreboot()
    run_dir = Path(tempfile.mkdtemp(prefix="kreboot-bench-"))
    ctx = ScenarioContext("bench", cached, kreboot, run_dir)
    results: dict[str, dict] = {}
    for path in paths:
        try:
            results[path] = measure_path(ctx, path, args.runs)
        except ScenarioFailure as failure:
            results[path] = {"error": str(failure)}
        for image in (run_dir / path).glob("*.img"):
            image.unlink()

    def ratio(other: str) -> float | None:
        mine, theirs = results.get("kreboot", {}).get("median"), results.get(other, {}).get("median")
        return round(mine / theirs, 3) if mine and theirs else None

    report = {
        "measure": "seconds from the reboot command (sent by the host) to the new boot's READY marker",
        "runs": args.runs,
        "kaslr": "nokaslr",
        "guest": {"accel": "tcg", "smp": 2, "memoryMiB": 1024, "flavor": cached.flavor,
                  "kernel": cached.grub_default_kernel if cached.flavor == "grub" else cached.kernel61},
        "host": {"machine": platform.machine(), "cpus": os.cpu_count(), "loadavg": os.getloadavg()},
        "firmwarePath": "systemctl reboot -> SeaBIOS -> " + ("GRUB" if cached.flavor == "grub" else "qemu -kernel"),
        "paths": results,
        "ratios": {"vsBare": ratio("bare"), "vsSystemctlKexec": ratio("systemctlKexec"), "vsFirmware": ratio("firmware")},
        "targets": {"vsBare": 1.10, "vsSystemctlKexec": 0.90, "vsFirmware": 0.85},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")

    print(f"{'path':<16}{'median':>9}{'p95':>9}{'min':>9}{'max':>9}  (s, command -> new READY, n={args.runs})")
    for path in paths:
        r = results[path]
        if "error" in r:
            print(f"{path:<16}  failed: {r['error']}")
        else:
            print(f"{path:<16}{r['median']:>9.2f}{r['p95']:>9.2f}{r['min']:>9.2f}{r['max']:>9.2f}")
    for key, value in report["ratios"].items():
        target = report["targets"][key]
        verdict = "n/a" if value is None else ("ok" if value <= target else "MISSED")
        print(f"kreboot {key}: {value if value is not None else '-'} (target <= {target}) {verdict}")
    if "dryRunSeconds" in results.get("kreboot", {}):
        print(f"kreboot --dry-run: {results['kreboot']['dryRunSeconds']:.2f} s")
    print(f"results: {args.out}")
    ok = all("error" not in r for r in results.values())
    if ok:
        shutil.rmtree(run_dir, ignore_errors=True)
    else:
        print(f"logs: {run_dir}", file=sys.stderr)
    return 0 if ok else 1
