"""grub: a guest booted by SeaBIOS and GRUB from a partitioned disk whose grub.cfg Debian's
grub-mkconfig wrote (the grub flavor: default entry the newest kernel, 6.12). kreboot plans from
that real grub.cfg — the entry GRUB booted, with its command line — and reboots into it with clean
images and the data kept; then the firmware baseline (`systemctl reboot` through SeaBIOS and GRUB)
is measured on the same disk and must come back through GRUB. Last, an entry added the way admins
do (/boot/grub/custom.cfg, which Debian's grub.cfg sources) and chosen with `grub-reboot`: kreboot
plans it from custom.cfg, boots its command line and clears the one-time choice (next_entry) as GRUB
would, so the next plan is GRUB's default again."""

import base64
import re
import uuid

from ..checks import expect
from ..context import ScenarioContext
from ..kreboot_cli import EXPECTED_STEPS, dry_run_plan
from . import scenario
from .reboot import reboot_with_data, without_boot_image


@scenario("grub")
def grub(ctx: ScenarioContext) -> None:
    cached = ctx.cached_guest("grub")
    default_kernel = cached.grub_default_kernel
    release = default_kernel.removeprefix("/boot/vmlinuz-")
    with ctx.boot("grub", cached=cached, firmware=True) as guest:
        first = guest.wait_boot()
        ctx.timing("qemu start -> READY (SeaBIOS, GRUB)", first.ready_at - guest.started_at)
        expect(first.release == release, f"GRUB booted {first.release}, grub.cfg's default is {release}")
        expect(first.cmdline.startswith(f"BOOT_IMAGE={default_kernel} "), f"not booted by GRUB: {first.cmdline}")

        plan, _ = dry_run_plan(guest)
        source = (plan.get("target") or {}).get("source") or {}
        expect(source.get("kind") == "grub" and source.get("file") == "/boot/grub/grub.cfg",
               f"plan source is {source}, expected grub /boot/grub/grub.cfg")
        planned = (plan.get("target") or {}).get("commandLine", "")
        expect(without_boot_image(planned) == without_boot_image(first.cmdline),
               f"plan command line {planned!r} is not what GRUB booted: {first.cmdline!r}")

        second = reboot_with_data(ctx, guest, first, "", release, "grub-kexec").second

        after = guest.console_offset()
        launched = guest.launch("systemctl reboot")
        third = guest.wait_next_boot(after, second.boot_id)
        ctx.timing("firmware: systemctl reboot -> READY (SeaBIOS, GRUB)", third.ready_at - launched.sent)
        expect(re.search(r"Loading Linux", guest.console()[after:]) is not None,
               "the firmware reboot did not go through GRUB (no `Loading Linux` on the console)")
        expect(third.release == release, f"the firmware reboot booted {third.release}")

        token = f"kreboot_it.custom={uuid.uuid4().hex[:12]}"
        parameters = " ".join(without_boot_image(third.cmdline) + [token])
        entry = (f"menuentry 'kreboot-it custom' --id kreboot-it-custom {{\n"
                 f"  linux /boot/vmlinuz-{cached.kernel61} {parameters}\n}}\n")
        encoded = base64.b64encode(entry.encode()).decode()
        guest.run(f"echo {encoded} | base64 -d > /boot/grub/custom.cfg && grub-reboot kreboot-it-custom", check=True)
        plan, _ = dry_run_plan(guest)
        target = plan.get("target") or {}
        expect((target.get("source") or {}).get("file") == "/boot/grub/custom.cfg",
               f"with grub-reboot kreboot-it-custom the plan's entry is {target.get('source')}, expected custom.cfg's")
        expect(token in target.get("commandLine", "").split(), f"plan command line {target.get('commandLine')!r} lacks {token}")
        # grub-reboot's choice is one-time: kreboot clears next_entry right after the load, as GRUB would.
        steps = EXPECTED_STEPS[:1] + [("clearGrubNextEntry", "/boot/grub/grubenv")] + EXPECTED_STEPS[1:]
        custom = reboot_with_data(ctx, guest, third, "", cached.kernel61, "grub-custom", steps).second
        expect(token in custom.cmdline.split(), f"the custom entry's boot has /proc/cmdline {custom.cmdline!r}")
        left = guest.run("grub-editenv /boot/grub/grubenv list", check=True).stdout.split()
        expect("next_entry=kreboot-it-custom" not in left, f"next_entry still set after the reboot into it: {left}")
        plan, _ = dry_run_plan(guest)
        expect((plan.get("target") or {}).get("kernel") == default_kernel,
               f"after the one-time entry kreboot plans {(plan.get('target') or {}).get('kernel')}, expected {default_kernel}")
