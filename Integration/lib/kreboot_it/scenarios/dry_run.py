"""dry-run: `kreboot --dry-run --json` in the guest prints the plan (schemaVersion 1) for the
guest's default entry and changes nothing."""

import json

from ..checks import boot_id, expect, expect_mounted, kexec_loaded
from ..context import ScenarioContext
from . import scenario

EXPECTED_STEPS = [
    ("load", None),
    ("isolate", "rescue.target"),
    ("unmount", "/data"),
    ("remountReadOnly", "/"),
    ("sync", None),
    ("exec", None),
]


def step_key(step: dict) -> tuple[str, str | None]:
    """(action, unit or path) of one plan step."""
    return step.get("action"), step.get("unit") or step.get("path")


@scenario("dry-run")
def dry_run(ctx: ScenarioContext) -> None:
    with ctx.boot() as guest:
        boot = guest.wait_boot()
        result = guest.run("kreboot --dry-run --json")
        ctx.timing("kreboot --dry-run --json", result.seconds)
        expect(result.rc == 0, result.summary())
        try:
            plan = json.loads(result.stdout)
        except json.JSONDecodeError:
            expect(False, f"stdout is not JSON: {result.stdout.strip()[:200]!r}")
        expect(plan.get("schemaVersion") == 1, f"schemaVersion is {plan.get('schemaVersion')!r}, expected 1")
        expect(plan.get("mode") == "reboot", f"mode is {plan.get('mode')!r}, expected reboot")
        steps = [step_key(step) for step in plan.get("steps", [])]
        expect(steps == EXPECTED_STEPS, f"steps are {steps}, expected {EXPECTED_STEPS}")
        unmount = next(step for step in plan["steps"] if step.get("action") == "unmount")
        expect(unmount.get("source") == "/dev/nvme0n2", f"unmount /data source is {unmount.get('source')!r}")

        target = plan.get("target") or {}
        expected_kernel = f"/boot/vmlinuz-{ctx.cached.kernel61}"
        kernel = target.get("kernel", "")
        resolved = guest.run(f"readlink -f {kernel!r}").stdout.strip() if kernel else ""
        expect(resolved == expected_kernel, f"target.kernel is {kernel!r}, expected {expected_kernel}")
        release = target.get("release")
        expect(release in (None, ctx.cached.kernel61), f"target.release is {release!r}")

        # A dry run changes nothing.
        expect(boot_id(guest) == boot.boot_id, "the guest rebooted during the dry run")
        expect(not kexec_loaded(guest), "a kexec kernel is loaded after the dry run")
        expect_mounted(guest, "/data", "/dev/nvme0n2", "rw")
        expect_mounted(guest, "/", "/dev/nvme0n1", "rw")
        state = guest.run("systemctl is-active multi-user.target").stdout.strip()
        expect(state == "active", f"multi-user.target is {state} after the dry run")
