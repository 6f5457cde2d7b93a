"""Integration/bench: seconds from the reboot command to the new boot's READY marker, per path.

Paths, interleaved in ONE guest (round r runs reboot r of each selected path in turn, after
--warmup untimed kreboot reboots), nokaslr everywhere (pitfall 9):
  bare            `kexec -s -l` + `kexec -e`, no quiesce at all: the floor
  kreboot         `kreboot --yes`
  systemctlKexec  `kexec -s -l` + `systemctl kexec` (systemd's own quiesce)
  firmware        `systemctl reboot` through SeaBIOS and GRUB
With `--guest server` a PostgreSQL client writes committed rows through every reboot, and each path
also reports the client-visible gap (last commit before the new kernel -> first commit after).
The guest is the grub-flavored one (booted by SeaBIOS and GRUB, grub.cfg by grub-mkconfig) and
every path boots the same kernel with the same command line: GRUB's default entry (`--guest kernel`:
the -kernel guest and its 6.1 entry, where the firmware path goes through SeaBIOS and -kernel).
The time runs from the host sending the command to the host seeing the new boot's READY marker
(`systemctl is-system-running --wait` returned), so the load is inside it for every kexec path.
A path that fails is recorded with its error and not run again; the others go on while the guest
is usable.

kdump (on by default, `--no-kdump` skips it; also a name for --paths): a separate -kernel guest
with 2 GiB and crashkernel=256M runs `kreboot --test-kdump --yes`: seconds to the dump saved (the
capture boot's `saved … in …` line) and to the READY of the boot after the capture, and the dump's
size against the RAM.

kdumpPeer (`--guest server --kdump-peer`, outside CI): kreboot's kdump against Debian's kdump-tools in one server
guest, per tool the panic to the dump saved and to READY, the dump size and (unless --no-bisect) the smallest
working crashkernel reservation; see bench_kdump_peer.py. Alone unless --paths names reboot paths too.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import uuid
from pathlib import Path

from .bench_kdump_peer import format_table, measure_kdump_peer
from .bench_reboots import PATHS, measure_interleaved, memory_mb
from .context import ScenarioContext
from .failure import ScenarioFailure
from .images import ensure_cached_guest
from .kdump_test import MEMORY_MIB, boot_kdump_guest, configure_kdump, newest_guest_dump, run_kdump_test
from .runner import ensure_kreboot

KDUMP = "kdump"
# Ratio targets (kreboot / path, medians) per guest, as the issues set them: the lab guests (issue 5), the uefi
# guest (issue 14: the firmware path through OVMF, shim and GRUB), the server guest (issue 13) and the arm64 guest
# (issue 18, where every kexec path loads through kexec_load).
TARGETS_BY_GUEST = {
    "grub": {"vsBare": 1.10, "vsSystemctlKexec": 0.90, "vsFirmware": 0.85},
    "kernel": {"vsBare": 1.10, "vsSystemctlKexec": 0.90, "vsFirmware": 0.85},
    "uefi": {"vsBare": 1.10, "vsSystemctlKexec": 0.90, "vsFirmware": 0.60},
    "server": {"vsSystemctlKexec": 1.00, "vsFirmware": 0.70},
    "arm64": {"vsBare": 1.05, "vsSystemctlKexec": 1.02},
}
TARGETS = TARGETS_BY_GUEST["grub"]
# The paths run when --paths is not given: the arm64 guest boots with -kernel (no firmware path worth timing), and
# its kdump test is the arm64-kdump scenario (a self-built kernel).
DEFAULT_PATHS = {"arm64": ("bare", "kreboot", "systemctlKexec")}
DUMP_TARGET_PERCENT = 5.0
FIRMWARE_PATHS = {"grub": "systemctl reboot -> SeaBIOS -> GRUB",
                  "uefi": "systemctl reboot -> OVMF (Secure Boot) -> shim -> GRUB",
                  "server": "systemctl reboot -> SeaBIOS -> GRUB -> initramfs (LVM, LUKS)"}


def measure_kdump(ctx: ScenarioContext) -> dict:
    """`kreboot --test-kdump --yes` in a -kernel guest with crashkernel=: seconds from the command to
    the panic, the capture kernel, the dump saved and the next boot's READY; the dump against RAM."""
    cached = ctx.cached_guest("kernel")
    marker = f"KREBOOT-IT-PANIC-{uuid.uuid4().hex[:12]}"
    with boot_kdump_guest(ctx, KDUMP, cached) as guest:
        guest.wait_boot()
        configure_kdump(guest)
        guest.run(f"echo {marker} > /dev/kmsg", check=True)
        run = run_kdump_test(guest)
        boot = guest.wait_boot(after=run.next_end)
        dump = newest_guest_dump(guest)
        dmesg = dump.get("dmesg")
        in_dmesg = guest.run(f"grep -q {marker} {dmesg}").rc == 0 if dmesg else None
    ram = MEMORY_MIB * 1048576
    size = dump.get("sizeBytes")
    percent = round(100 * size / ram, 2) if size else None
    return {
        "toPanic": round(run.panicked - run.sent, 2),
        "toCaptureKernel": round(run.capture_seen - run.sent, 2),
        "toDumpSaved": round(run.saved - run.sent, 2) if run.saved is not None else None,
        "toReady": round(boot.ready_at - run.sent, 2),
        "savedLine": run.saved_line,
        "vmcore": dump.get("vmcore"),
        "complete": dump.get("complete"),
        "testID": dump.get("testID"),
        "markerInDmesg": in_dmesg,
        "dumpBytes": size,
        "ramBytes": ram,
        "dumpPercentOfRAM": percent,
    }


def verdict(value: float | None, target: float) -> str:
    """"ok", "MISSED" or "n/a" (not measured)."""
    return "n/a" if value is None else ("ok" if value <= target else "MISSED")


def build_report(args, cached, paths: dict[str, dict], extras: dict, kdump: dict | None) -> dict:
    """The JSON written to --out."""

    def median_ratio(mine: str, other: str) -> float | None:
        a, b = paths.get(mine, {}).get("median"), paths.get(other, {}).get("median")
        return round(a / b, 3) if a and b else None

    ratios = {"vsBare": median_ratio("kreboot", "bare"), "vsSystemctlKexec": median_ratio("kreboot", "systemctlKexec"),
              "vsFirmware": median_ratio("kreboot", "firmware")}
    if "kreboot" in paths:
        paths["kreboot"].update({k: v for k, v in extras.items() if k in ("dryRunSeconds", "dryRunError")})
    targets = TARGETS_BY_GUEST.get(cached.flavor, TARGETS)
    checks = {key: verdict(value, targets[key]) for key, value in ratios.items() if key in targets}
    if kdump is not None:
        checks["dump"] = verdict(kdump.get("dumpPercentOfRAM"), DUMP_TARGET_PERCENT)
    return {
        "measure": "seconds from the reboot command (sent by the host) to the new boot's READY marker",
        "runs": args.runs,
        "warmup": extras.get("warmup", 0),
        "order": "interleaved: round r runs reboot r of each path in turn, in one guest",
        "kaslr": "nokaslr",
        "guest": {"accel": extras.get("accel", "tcg"), "smp": 2, "memoryMiB": memory_mb(cached), "flavor": cached.flavor,
                  "arch": cached.arch,
                  "kernel": extras.get("kernel") or (cached.grub_default_kernel if cached.flavor in ("grub", "uefi")
                                                     else cached.kernel61)},
        "host": {"machine": platform.machine(), "cpus": os.cpu_count(), "loadavg": os.getloadavg()},
        "firmwarePath": FIRMWARE_PATHS.get(cached.flavor, "systemctl reboot -> SeaBIOS -> qemu -kernel"),
        "paths": paths,
        "ratios": ratios,
        # bare / systemctlKexec: what no quiesce at all achieves against systemd's own kexec; the
        # vsSystemctlKexec target is reachable in this guest only if this is at or below it.
        "floor": median_ratio("bare", "systemctlKexec"),
        "targets": {**targets, "dump": DUMP_TARGET_PERCENT},
        "checks": checks,
        **({"stopped": extras["stopped"]} if "stopped" in extras else {}),
        **({KDUMP: kdump} if kdump is not None else {}),
        **({"kdumpPeer": extras["kdumpPeer"]} if "kdumpPeer" in extras else {}),
    }


def print_table(report: dict, out: Path) -> None:
    """The human summary on stdout."""
    paths = report["paths"]
    if paths:
        print(f"{'path':<16}{'median':>9}{'p95':>9}{'min':>9}{'max':>9}  (s, command -> new READY, "
              f"n={report['runs']}, interleaved, warmup {report['warmup']})")
    for path, r in paths.items():
        if "median" in r:
            print(f"{path:<16}{r['median']:>9.2f}{r['p95']:>9.2f}{r['min']:>9.2f}{r['max']:>9.2f}")
        if "error" in r:
            print(f"{path:<16}  failed: {r['error']}")
    steps = paths.get("kreboot", {}).get("steps")
    if steps:
        print("kreboot steps (median s): " + "  ".join(f"{k} {v:.2f}" for k, v in steps.items()))
    for key, value in report["ratios"].items():
        if paths:
            target = report["targets"].get(key)
            said = f"(target <= {target}) {report['checks'][key]}" if target is not None else "(no target)"
            print(f"kreboot {key}: {value if value is not None else '-'} {said}")
    floor = report["floor"]
    if floor is not None:
        target = report["targets"]["vsSystemctlKexec"]
        side = "at or below" if floor <= target else "ABOVE"
        print(f"floor: bare/systemctlKexec {floor} (no quiesce at all vs systemd's own kexec: {side} the "
              f"vsSystemctlKexec target {target})")
    gaps = {path: r["postgresGapMedian"] for path, r in paths.items() if "postgresGapMedian" in r}
    if gaps:
        print("PostgreSQL client-visible gap (median s, last commit before -> first after): "
              + "  ".join(f"{path} {gap:.1f}" for path, gap in gaps.items()))
    if "dryRunSeconds" in paths.get("kreboot", {}):
        print(f"kreboot --dry-run: {paths['kreboot']['dryRunSeconds']:.2f} s")
    elif "dryRunError" in paths.get("kreboot", {}):
        print(f"kreboot --dry-run: failed: {paths['kreboot']['dryRunError']}")
    kdump = report.get(KDUMP)
    if kdump and "error" in kdump:
        print(f"kdump: failed: {kdump['error']}")
    elif kdump:
        saved = f"{kdump['toDumpSaved']:.2f} s" if kdump["toDumpSaved"] is not None else "? (no `saved` line)"
        size = kdump["dumpBytes"]
        print(f"kdump: command -> dump saved {saved}, -> READY after the capture {kdump['toReady']:.2f} s; dump "
              f"{(size or 0) / 1048576:.1f} MiB = {kdump['dumpPercentOfRAM']} % of {kdump['ramBytes'] // 1048576} MiB RAM "
              f"(target <= {DUMP_TARGET_PERCENT:g} %) {report['checks']['dump']}")
    if "kdumpPeer" in report:
        print("\n".join(format_table(report["kdumpPeer"])))
    if "stopped" in report:
        print(f"stopped early: {report['stopped']}")
    print(f"results: {out}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="Integration/bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="timed reboots per path (default 3)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed kreboot reboots first (default 1)")
    default_out = Path(__file__).resolve().parents[2] / "out" / "bench.json"
    parser.add_argument("--out", type=Path, default=default_out, help="JSON results (default Integration/out/bench.json)")
    parser.add_argument("--paths", help=f"comma-separated subset of {','.join(PATHS + (KDUMP,))} (default: all)")
    parser.add_argument("--no-kdump", action="store_true", help="skip the kdump measurement")
    parser.add_argument("--kreboot", type=Path, metavar="PATH", help="inject this binary instead of the release build")
    parser.add_argument("--guest", choices=("grub", "kernel", "uefi", "server", "arm64"), default="grub",
                        help="grub: SeaBIOS+GRUB guest (default); kernel: the -kernel guest; "
                             "uefi: OVMF with Secure Boot, shim and GRUB; server: the server guest (initramfs, LVM, "
                             "LUKS, PostgreSQL under a writing client) through SeaBIOS and GRUB; arm64: the aarch64 "
                             "guest (bare, kreboot, systemctlKexec by default); none of the three with the kdump "
                             "measurement")
    parser.add_argument("--kdump-peer", action="store_true",
                        help="with --guest server: the kdumpPeer section, kreboot's kdump against kdump-tools "
                             "(alone unless --paths is given too)")
    parser.add_argument("--keep", action="store_true", help="keep the run's logs (consoles) even when it succeeds")
    parser.add_argument("--no-bisect", action="store_true",
                        help="with --kdump-peer: skip the smallest-crashkernel bisection (several panics per tool)")
    args = parser.parse_args(argv)
    if args.kdump_peer and args.guest != "server":
        parser.error("--kdump-peer needs --guest server")
    if args.kdump_peer and not args.paths:
        args.paths = "none"
    if args.runs < 1 or args.warmup < 0:
        parser.error("--runs must be >= 1 and --warmup >= 0")
    selected = [p for p in args.paths.split(",") if p] if args.paths else [*DEFAULT_PATHS.get(args.guest, PATHS), KDUMP]
    selected = [p for p in selected if p != "none"]
    unknown = [p for p in selected if p not in PATHS + (KDUMP,)]
    if unknown:
        parser.error(f"unknown path(s): {', '.join(unknown)}")
    reboot_paths = [p for p in PATHS if p in selected]  # the canonical order
    run_kdump = KDUMP in selected and not args.no_kdump and args.guest not in ("uefi", "server", "arm64")

    try:
        cached = ensure_cached_guest(args.guest)
        if args.kreboot:
            kreboot = args.kreboot.resolve()
        elif args.guest == "arm64":
            from .scenarios.arm64 import arm64_kreboot  # the aarch64 build (cached by its sources' hash)
            kreboot = arm64_kreboot()
        else:
            kreboot = ensure_kreboot()
    except ScenarioFailure as failure:
        print(f"setup: {failure}", file=sys.stderr)
        return 1
    run_dir = Path(tempfile.mkdtemp(prefix="kreboot-bench-"))
    ctx = ScenarioContext("bench", cached, kreboot, run_dir)
    paths: dict[str, dict] = {}
    extras: dict = {}
    if reboot_paths:
        try:
            results, extras = measure_interleaved(ctx, reboot_paths, args.runs, args.warmup)
            paths = {path: result.summary() for path, result in results.items()}
        except ScenarioFailure as failure:  # the guest did not boot
            paths = {path: {"error": str(failure)} for path in reboot_paths}
        for image in (run_dir / "reboots").glob("*.img"):
            image.unlink()
    kdump = None
    if run_kdump:
        try:
            kdump = measure_kdump(ctx)
        except ScenarioFailure as failure:
            kdump = {"error": str(failure)}
        for image in (run_dir / KDUMP).glob("*.img"):
            image.unlink()

    if args.kdump_peer:
        extras["kdumpPeer"] = measure_kdump_peer(ctx, args.runs, bisect=not args.no_bisect)
        extras.setdefault("kernel", extras["kdumpPeer"].get("kernel"))
        for image in (run_dir / "server-kdump").glob("*.img"):
            image.unlink()
    report = build_report(args, cached, paths, extras, kdump)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print_table(report, args.out)
    ok = all("error" not in r for r in paths.values()) and not (kdump and "error" in kdump) \
        and "error" not in extras.get("kdumpPeer", {})
    if ok and not args.keep:
        shutil.rmtree(run_dir, ignore_errors=True)
    else:
        print(f"logs: {run_dir}", file=sys.stderr)
    return 0 if ok else 1
