"""kdump: a guest with 2 GiB and crashkernel=256M runs `kreboot --test-kdump --yes` after writing
a unique marker to /dev/kmsg. The capture kernel (the same 6.1 kernel, init= kreboot save-dump,
per /etc/default/kdump-tools) saves the dump on the data disk through makedumpfile and reboots.
The host finds the dump on the data image, `kreboot inspect` names release and arch,
`makedumpfile --dump-dmesg` of it holds the marker; in the next boot `kreboot status` reports the
test as succeeded."""

import uuid

from ..context import ScenarioContext
from ..kdump_test import boot_kdump_guest, check_saved_dump, configure_kdump, run_kdump_test
from . import scenario


@scenario("kdump")
def kdump(ctx: ScenarioContext) -> None:
    marker = f"KREBOOT-IT-PANIC-{uuid.uuid4().hex[:12]}"
    with boot_kdump_guest(ctx) as guest:
        guest.wait_boot()
        configure_kdump(guest)
        guest.run(f"echo {marker} > /dev/kmsg", check=True)

        run = run_kdump_test(guest)
        ctx.timing("kreboot --test-kdump -> panic", run.panicked - run.sent)
        ctx.timing("panic -> capture kernel", run.capture_seen - run.panicked)
        if run.saved is not None:
            ctx.timing("kreboot --test-kdump -> dump saved", run.saved - run.sent)
        ctx.timing("capture kernel -> next boot", run.next_seen - run.panicked)
        check_saved_dump(ctx, guest, run, marker, ctx.cached.kernel61, "x86_64")
