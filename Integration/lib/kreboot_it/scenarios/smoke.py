"""smoke: the guest boots the 6.1 kernel, the agent answers, /data is mounted rw, kreboot runs."""

from ..checks import expect, expect_mounted
from ..context import ScenarioContext
from . import scenario


@scenario("smoke")
def smoke(ctx: ScenarioContext) -> None:
    with ctx.boot() as guest:
        boot = guest.wait_boot()
        ctx.timing("qemu start -> BOOT marker", boot.booted_at - guest.started_at)
        ctx.timing("qemu start -> READY marker", boot.ready_at - guest.started_at)
        expect(boot.release == ctx.cached.kernel61, f"booted {boot.release}, expected {ctx.cached.kernel61}")
        expect(boot.cmdline == guest.command_line, f"unexpected /proc/cmdline: {boot.cmdline}")
        if boot.state != "running":
            failed = guest.run("systemctl --failed --no-legend --plain").stdout.strip().replace("\n", "; ")
            expect(False, f"system is {boot.state}, failed units: {failed}")
        expect_mounted(guest, "/", ctx.cached.root_uuid, "rw")
        expect_mounted(guest, "/data", ctx.cached.data_uuid, "rw")
        guest.run("echo smoke > /data/smoke.txt && cat /data/smoke.txt && rm /data/smoke.txt", check=True)
        guest.run("kreboot --help", check=True)
