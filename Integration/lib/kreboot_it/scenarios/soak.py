"""soak: N consecutive kreboot reboots in one guest run (KREBOOT_IT_SOAK, default 5): every
transition clean (images checked at each new kernel), no write lost."""

import os

from ..checks import expect
from ..context import ScenarioContext
from . import scenario
from .reboot import reboot_with_data


@scenario("soak")
def soak(ctx: ScenarioContext) -> None:
    count = int(os.environ.get("KREBOOT_IT_SOAK", "5"))
    with ctx.boot() as guest:
        boot = guest.wait_boot()
        for index in range(1, count + 1):
            boot = reboot_with_data(ctx, guest, boot, "", ctx.cached.kernel61, f"soak-{index}").second
        listing = guest.run("ls /data", check=True).stdout.split()
        missing = [f"soak-{i}.txt" for i in range(1, count + 1) if f"soak-{i}.txt" not in listing]
        expect(not missing, f"lost after {count} reboots: {missing}")
