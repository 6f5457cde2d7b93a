"""dry-run: `kreboot --dry-run --json` in the guest prints the plan (schemaVersion 1) for the
guest's default entry (the 6.1 kernel) with the steps load, isolate rescue.target, unmount /data,
remountReadOnly /, sync, exec — and changes nothing."""

from ..checks import boot_id, expect, expect_mounted, kexec_loaded
from ..context import ScenarioContext
from ..kreboot_cli import dry_run_plan, expect_guest_plan
from . import scenario


@scenario("dry-run")
def dry_run(ctx: ScenarioContext) -> None:
    with ctx.boot() as guest:
        boot = guest.wait_boot()
        plan, result = dry_run_plan(guest)
        ctx.timing("kreboot --dry-run --json", result.seconds)
        expect_guest_plan(guest, plan, ctx.cached.kernel61)
        # A dry run changes nothing.
        expect(boot_id(guest) == boot.boot_id, "the guest rebooted during the dry run")
        expect(not kexec_loaded(guest), "a kexec kernel is loaded after the dry run")
        expect_mounted(guest, "/data", ctx.cached.data_uuid, "rw")
        expect_mounted(guest, "/", ctx.cached.root_uuid, "rw")
        state = guest.run("systemctl is-active multi-user.target").stdout.strip()
        expect(state == "active", f"multi-user.target is {state} after the dry run")
