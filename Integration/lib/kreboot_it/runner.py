"""Integration/run: run the named scenarios (default: all), one line each, then `N passed, N failed`."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

from .context import ScenarioContext
from .failure import ScenarioFailure
from .images import INTEGRATION_DIR, ensure_cached_guest
from .scenarios import NAMED_ONLY, load_all

REPO_DIR = INTEGRATION_DIR.parent
KREBOOT = REPO_DIR / ".build" / "release" / "kreboot"


def ensure_kreboot() -> Path:
    """The release binary, built with `make release` when missing."""
    if not KREBOOT.is_file():
        print(f"{KREBOOT} missing: make release", file=sys.stderr)
        result = subprocess.run(["make", "-C", str(REPO_DIR), "release"], stdout=sys.stderr)
        if result.returncode != 0 or not KREBOOT.is_file():
            raise ScenarioFailure(f"`make release` failed (exit {result.returncode})")
    return KREBOOT


def main(argv: list[str]) -> int:
    scenarios = load_all()
    parser = argparse.ArgumentParser(prog="Integration/run", description=__doc__)
    parser.add_argument("names", nargs="*", metavar="SCENARIO", help=f"default: all but the named-only ones ({', '.join(scenarios)})")
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    parser.add_argument("--keep", action="store_true", help="keep the run directory (images, console logs)")
    parser.add_argument("--kreboot", type=Path, metavar="PATH",
                        help="inject this binary instead of .build/release/kreboot (harness self-tests)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print measured timings on stderr")
    args = parser.parse_args(argv)
    if args.list:
        print("\n".join(scenarios))
        return 0
    unknown = [name for name in args.names if name not in scenarios]
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(unknown)}; known: {', '.join(scenarios)}")
    names = args.names or [name for name in scenarios if name not in NAMED_ONLY]

    run_root = Path(tempfile.mkdtemp(prefix="kreboot-it-"))
    passed = failed = 0
    results = []
    setup_error = None
    try:
        if os.geteuid() != 0:
            raise ScenarioFailure("must run as root (debootstrap, qemu images)")
        kreboot = args.kreboot.resolve() if args.kreboot else ensure_kreboot()
        cached = ensure_cached_guest()
    except ScenarioFailure as error:
        setup_error = f"setup: {error}"

    for name in names:
        started = time.monotonic()
        ctx = None
        try:
            if setup_error:
                raise ScenarioFailure(setup_error)
            ctx = ScenarioContext(name, cached, kreboot, run_root / name)
            scenarios[name](ctx)
            reason = None
        except ScenarioFailure as error:
            reason = str(error)
        except Exception as error:  # a harness bug: report it as this scenario's failure
            (run_root / f"{name}.traceback").write_text(traceback.format_exc())
            reason = f"{type(error).__name__}: {error}"
        seconds = time.monotonic() - started
        if reason is None:
            passed += 1
            print(f"PASS {name} ({seconds:.1f} s)", flush=True)
        else:
            failed += 1
            print(f"FAIL {name}: {reason} ({seconds:.1f} s)", flush=True)
        timings = ctx.timings if ctx else {}
        notes = ctx.notes if ctx else []
        if args.verbose:
            for key, value in timings.items():
                print(f"    {key}: {value:.2f} s", file=sys.stderr)
            for note in notes:
                print(f"    {note}", file=sys.stderr)
        results.append({"scenario": name, "passed": reason is None, "reason": reason,
                        "seconds": round(seconds, 2), "timings": timings, "notes": notes})
        if not args.keep:  # the images are large; the logs stay for failures
            for image in (run_root / name).glob("*/*.img"):
                image.unlink()

    (run_root / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    if failed == 0 and not args.keep:
        shutil.rmtree(run_root, ignore_errors=True)
    else:
        print(f"logs: {run_root}", file=sys.stderr)
    print(f"{passed} passed, {failed} failed", flush=True)
    return 1 if failed else 0
