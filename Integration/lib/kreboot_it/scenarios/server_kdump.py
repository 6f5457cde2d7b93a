"""kdump on the server guest (issue 15; the steps are in kreboot_it/server_kdump.py). Each scenario starts from a
guest without a reservation: `kreboot calibrate --apply --yes` and a power cycle give it the recommended one.

- server-kdump-service: kreboot-kdump.service enabled before the power cycle, so the boot after it has the
  capture kernel loaded (kreboot's capture initrd, `systemd.unit=kreboot-save-dump.service`); a real panic
  (`echo c > /proc/sysrq-trigger`) → the capture boot (initramfs, LVM) saves vmcore and dmesg to /var/crash on
  the xfs LV and reboots through the firmware; `kreboot dumps` lists the dump, `kreboot inspect` names release
  and arch, the capture kernel is armed again.
- kdump-test-server: `kreboot --test-kdump --yes` with kreboot's own service armed → `kreboot status` says the
  test succeeded, `kreboot dumps` lists the dump with the test's id.
- kdump-beside-kdump-tools: Debian's kdump-tools installed instead (its own initrd and unit; kreboot-kdump
  disabled), then kreboot's .deb as a new user installs it (its drop-in keeps kdump-tools.service through the
  isolate); `/usr/sbin/kreboot --test-kdump --yes` → the dump kdump-tools saved (<stamp>/dump.<stamp> +
  dmesg.<stamp>) is found and `kreboot status` says succeeded.
- server-kdump-all: all three in one guest boot sequence (opt-in; `make test-server`)."""

from __future__ import annotations

import json
import re

from ..checks import expect
from ..context import ScenarioContext
from ..failure import ScenarioFailure
from ..server import Problems
from ..server_kdump import KdumpServerRun
from . import scenario
from .package import built_deb


def step_sysrq_panic(run: KdumpServerRun) -> None:
    """server-kdump-service's panic and what must follow it."""
    ctx, guest = run.ctx, run.guest
    run.expect_kreboot_armed("after the power cycle")
    crash = run.sysrq_crash("sysrq panic")
    expect(crash.saved_line is not None and "/var/crash/" in crash.saved_line,
           f"the capture boot printed no `saved … in /var/crash/…` (got {crash.saved_line!r})")
    dumps = run.dumps()
    expect(dumps, "`kreboot dumps --json` lists no dump after the capture boot")
    dump = dumps[0]
    vmcore, dmesg = dump.get("vmcore") or "", dump.get("dmesg") or ""
    expect(vmcore.startswith("/var/crash/") and vmcore in crash.saved_line,
           f"`kreboot dumps` lists {vmcore!r} first, the capture saved {crash.saved_line!r}")
    expect(dmesg and guest.run(f"grep -c 'sysrq triggered crash' {dmesg}").stdout.strip() not in ("", "0"),
           f"the saved dmesg {dmesg!r} does not show the sysrq crash")
    on_xfs = guest.run(f"findmnt -n -o FSTYPE,SOURCE --target {vmcore}").stdout.split()
    expect(on_xfs[:1] == ["xfs"], f"{vmcore} is not on the xfs /var: {on_xfs}")
    inspect = guest.run(f"kreboot inspect {vmcore} --json", timeout=120)
    expect(inspect.rc == 0, f"kreboot inspect of the dump: {inspect.summary()}")
    info = json.loads(inspect.stdout)
    expect(info.get("kind") == "vmcore", f"inspect: kind {info.get('kind')!r}")
    release = run.boot.release
    expect(info.get("release") == release, f"inspect: release {info.get('release')!r}, expected {release}")
    expect(info.get("arch") == "x86_64", f"inspect: arch {info.get('arch')!r}")
    size = dump.get("sizeBytes", 0)
    ctx.notes.append(f"sysrq dump {size / 1048576:.1f} MiB = {100 * size / (guest.memory_mb * 1048576):.2f} % of RAM, "
                     f"{info.get('format')}")
    run.expect_kreboot_armed("after the capture boot")


def step_kdump_test_kreboot(run: KdumpServerRun) -> None:
    """kdump-test-server: kreboot --test-kdump with kreboot's own capture kernel armed."""
    run.expect_kreboot_armed("before the kdump test")
    crash = run.kdump_test("kdump test (kreboot's service)")
    expect(crash.saved_line is not None, "the capture boot printed no `saved … in …`")
    test = run.expect_test_succeeded("kdump test (kreboot's service)")
    dumps = run.dumps()
    expect(dumps and dumps[0].get("testID") == test.get("id"),
           f"the newest dump {dumps[:1]} does not carry the test id {test.get('id')!r}")
    run.ctx.notes.append(f"kdump test (kreboot): {test.get('message')}")


def step_kdump_test_beside_kdump_tools(run: KdumpServerRun) -> None:
    """kdump-beside-kdump-tools: kdump-tools armed instead, kreboot's .deb installed beside it as a new user would,
    kreboot --test-kdump finds kdump-tools' dump."""
    run.switch_to_kdump_tools()
    run.install_kreboot_deb()
    crash = run.kdump_test("kdump test (kdump-tools)")
    test = run.expect_test_succeeded("kdump test (kdump-tools)")
    # dumpPath is the directory that proved the test (KdumpTestRecord): kdump-tools' /var/crash/<stamp>.
    directory = test.get("dumpPath") or ""
    found = re.fullmatch(r"/var/crash/(\d{12})", directory)
    expect(found is not None, f"the test's dump directory is {directory!r}, not kdump-tools' /var/crash/<stamp>")
    expect(test.get("savedBy") == "kdump-tools", f"the test's dump was saved by {test.get('savedBy')!r}")
    expect(crash.saved_line is not None and directory in crash.saved_line,
           f"kdump-tools' capture said {crash.saved_line!r}, the test found {directory!r}")
    stamp = found.group(1)
    listed = [d for d in run.dumps() if d.get("directory") == directory]
    expect(listed and listed[0].get("savedBy") == "kdump-tools",
           f"`kreboot dumps` does not list kdump-tools' dump in {directory}: {listed[:1]}")
    vmcore, dmesg = listed[0].get("vmcore"), listed[0].get("dmesg")
    expect(vmcore == f"{directory}/dump.{stamp}" and dmesg == f"{directory}/dmesg.{stamp}",
           f"`kreboot dumps` lists {vmcore!r} and {dmesg!r}, not kdump-tools' dump.{stamp} and dmesg.{stamp}")
    marker = run.guest.run(f"grep -c {test.get('id')} {dmesg}").stdout.strip()
    expect(marker not in ("", "0"), f"{dmesg} does not hold the test's marker {test.get('id')}")
    run.ctx.notes.append(f"kdump test (kdump-tools): {test.get('message')}; saver said {crash.saved_line!r}")


def kdump_server_run(ctx: ScenarioContext, steps, enable_kreboot_service: bool = True,
                     kdump_tools: bool = False) -> None:
    """Boot the server guest (2 GiB), reserve (calibrate --apply, power cycle), run each step; fail naming every
    problem (a failed step ends the run: the next ones need the guest it left). With kdump_tools the guest's /boot
    also carries kdump-tools' .debs and kreboot's own (`make deb`)."""
    run = KdumpServerRun(ctx, kdump_tools=kdump_tools, kreboot_deb=built_deb() if kdump_tools else None)
    problems = Problems()
    try:
        run.start()
        run.reserve(enable_kreboot_service)
        for step in steps:
            try:
                step(run)
            except ScenarioFailure as failure:
                problems.raise_if_any(f"{step.__name__}: {failure}")
    finally:
        run.stop()


@scenario("server-kdump-service", default=False)
def server_kdump_service(ctx: ScenarioContext) -> None:
    kdump_server_run(ctx, [step_sysrq_panic])


@scenario("kdump-test-server", default=False)
def kdump_test_server(ctx: ScenarioContext) -> None:
    kdump_server_run(ctx, [step_kdump_test_kreboot])


@scenario("kdump-beside-kdump-tools", default=False)
def kdump_beside_kdump_tools(ctx: ScenarioContext) -> None:
    kdump_server_run(ctx, [step_kdump_test_beside_kdump_tools], enable_kreboot_service=False, kdump_tools=True)


@scenario("server-kdump-all", opt_in=True)
def server_kdump_all(ctx: ScenarioContext) -> None:
    """The three server kdump scenarios in one guest boot sequence (what `make test-server` runs)."""
    kdump_server_run(ctx, [step_sysrq_panic, step_kdump_test_kreboot, step_kdump_test_beside_kdump_tools],
                     kdump_tools=True)
