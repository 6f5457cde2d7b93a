"""server-layouts (lab guest, kernel flavor): the two common server layouts that made `kreboot --yes`
refuse every time (issue 13, GUEST-FACTS pitfalls 3 and 13), set up at run time in one boot:

- an active 64 MiB swap file /swap.img on / (in fstab), with pages pushed into it by memory pressure;
- /var/log on its own ext4 file system (a third NVMe namespace, made on the host, in fstab by UUID)
  holding the persistent journal, journald writing there (`journalctl --flush`).

Then `kreboot --dry-run --json --append TOKEN` must plan `swapOff` of /swap.img (kind "file") before
the `remountReadOnly` of /, and `moveJournal` before the first step that touches /var/log; and
`kreboot --yes --append TOKEN` must reboot: the new kernel's command line carries the token, every
image (/, /data, /var/log) has no needs_recovery at the switch, the data written just before (on /,
/data and /var/log) is on the images and read back, the new boot has a new boot id, replays no
journal, has /swap.img active again and /var/log mounted from its disk, and `journalctl -b -1`
shows the real run's `planned` record (and, reported as a separate check, its `quiesced` and
`executed` records). Before that reboot, in the same boot, a rollback: a process holding /data open for
writing (surviving the isolate) makes `kreboot --yes` stop with 75 naming /data, after it turned the
swap off, moved the journal and unmounted /var/log; afterwards the mounts (`findmnt`: target, source,
type, options), the active swaps, the active units and the journal's place are exactly as before and
no kernel is loaded. Every check that can still be made after a failed one is made; the failure names
all of them."""

from __future__ import annotations

import json
import subprocess
import uuid

from ..checks import expect, mount_of
from ..context import ScenarioContext
from ..ext4 import assert_clean, read_file
from ..failure import ScenarioFailure
from ..guest import FIRST_BOOT_PARAMETER, Guest
from ..kreboot_cli import dry_run_plan, expect_steps_as_planned, kreboot_reboot, step_key
from . import scenario
from .reboot import expect_reboot_verified, without_boot_image
from ..checks import kexec_loaded
from .refusals import attempt, guest_state

SWAP_FILE = "/swap.img"
SWAP_MIB = 64
LOG_IMAGE_MIB = 128
TOKEN_FILE = "it-layouts.txt"
PRESSURE_FILE = "/dev/shm/it-swapped"
# kreboot's journal MESSAGE_IDs (Sources/Quiesce/Journal/JournalMessageID.swift; never change).
PLANNED = "9c3c658e39b4401eb1d456ab034b3dd9"
QUIESCED = "0bcacef89eab4f92a0364b8766963a01"
EXECUTED = "e406d64afa5743cbb11b0edbcd3dce89"


def make_log_image(path, fs_uuid: str) -> None:
    """An empty ext4 image for /var/log (sparse), made on the host."""
    subprocess.run(["truncate", "-s", f"{LOG_IMAGE_MIB}M", str(path)], check=True)
    subprocess.run(["mkfs.ext4", "-q", "-F", "-L", "varlog", "-U", fs_uuid, str(path)], check=True)


def set_up_swap_file(ctx: ScenarioContext, guest: Guest) -> None:
    """/swap.img on /, active and in fstab, with pages in it (a tmpfs file written under a cgroup
    memory limit)."""
    guest.run(f"dd if=/dev/zero of={SWAP_FILE} bs=1M count={SWAP_MIB} status=none && chmod 600 {SWAP_FILE} && "
              f"mkswap {SWAP_FILE} >/dev/null && swapon {SWAP_FILE} && "
              f"echo '{SWAP_FILE} none swap sw 0 0' >> /etc/fstab", check=True)
    # 48 MiB written to a tmpfs file by a process whose cgroup may hold only 16 MiB: the kernel must
    # swap the file's pages out (shmem is swap-backed). The file stays, so swapoff has pages to bring back.
    pressure = guest.run(f"systemd-run --quiet --scope -p MemoryMax=16M -p MemorySwapMax=infinity "
                         f"dd if=/dev/zero of={PRESSURE_FILE} bs=1M count=48 status=none", timeout=120)
    expect(pressure.rc == 0, f"memory pressure: {pressure.summary()}")
    ctx.timing("setup: memory pressure", pressure.seconds)
    used = swap_used_kib(guest)
    expect(used is not None, f"{SWAP_FILE} is not active after swapon: {guest.run('cat /proc/swaps').stdout!r}")
    ctx.notes.append(f"{SWAP_FILE}: {used} KiB in swap before the reboot")
    expect(used > 0, f"memory pressure put nothing into {SWAP_FILE}")


def swap_used_kib(guest: Guest) -> int | None:
    """KiB used in /swap.img per /proc/swaps, or None when it is not active."""
    for line in guest.run("cat /proc/swaps", check=True).stdout.splitlines()[1:]:
        fields = line.split()
        if fields and fields[0] == SWAP_FILE:
            return int(fields[3])
    return None


def set_up_var_log(ctx: ScenarioContext, guest: Guest, log_uuid: str) -> None:
    """/var/log moved onto the log disk (in fstab), journald writing its persistent journal there."""
    result = guest.run(
        "set -e; udevadm settle; "
        "journalctl --relinquish-var; "  # journald to /run while /var/log moves
        f"mkdir -p /run/it-newlog; mount UUID={log_uuid} /run/it-newlog; "
        "cp -a /var/log/. /run/it-newlog/; umount /run/it-newlog; rmdir /run/it-newlog; "
        f"echo 'UUID={log_uuid} /var/log ext4 defaults 0 2' >> /etc/fstab; "
        # Through its mount unit, as a boot would (with its fsck), so the units a rollback brings back match.
        "systemctl daemon-reload; systemctl start var-log.mount; "
        "journalctl --flush; "  # back to /var/log/journal, now on the log disk
        "logger -t it-layouts 'journal on the /var/log disk'; journalctl --sync", timeout=120)
    expect(result.rc == 0, f"setting up /var/log: {result.summary()}")
    ctx.timing("setup: /var/log on its own disk", result.seconds)
    mount = mount_of(guest, "/var/log")
    expect(mount is not None and mount[1] == log_uuid, f"/var/log is not mounted from the log disk: {mount}")
    held = guest.run("ls -l /proc/$(pidof systemd-journald)/fd | grep -c ' /var/log/journal/'").stdout.strip()
    expect(held not in ("", "0"), "journald holds no file in /var/log/journal after the flush")
    ctx.notes.append(f"journald holds {held} files under /var/log/journal (log disk)")


def plan_problems(plan: dict) -> list[str]:
    """What is wrong with the plan's order for these layouts (empty when right)."""
    steps = plan.get("steps", [])
    keys = [step_key(step) for step in steps]
    problems = []

    def index(predicate) -> int | None:
        return next((i for i, step in enumerate(steps) if predicate(step)), None)

    if keys[:1] != [("load", None)]:
        problems.append(f"the first step is {keys[:1]}, not load")
    swap_off = index(lambda s: s.get("action") == "swapOff" and s.get("path") == SWAP_FILE)
    remount_root = index(lambda s: s.get("action") == "remountReadOnly" and s.get("path") == "/")
    if swap_off is None:
        problems.append(f"no swapOff step for {SWAP_FILE}")
    else:
        kind = steps[swap_off].get("kind")
        if kind != "file":
            problems.append(f"swapOff {SWAP_FILE} has kind {kind!r}, expected 'file'")
        if remount_root is not None and swap_off > remount_root:
            problems.append(f"swapOff {SWAP_FILE} (step {swap_off + 1}) comes after remountReadOnly / "
                            f"(step {remount_root + 1})")
    if remount_root is None:
        problems.append("no remountReadOnly step for /")
    move_journal = index(lambda s: s.get("action") == "moveJournal")
    var_log = index(lambda s: s.get("path") == "/var/log" and s.get("action") in ("unmount", "remountReadOnly"))
    if var_log is None:
        problems.append("no unmount (or remountReadOnly) step for /var/log")
    if move_journal is None:
        problems.append("no moveJournal step")
    elif var_log is not None and move_journal > var_log:
        problems.append(f"moveJournal (step {move_journal + 1}) comes after {keys[var_log][0]} /var/log "
                        f"(step {var_log + 1})")
    if not problems:
        return []
    return [f"plan: {'; '.join(problems)} (steps: {keys})"]


def previous_boot_records(guest: Guest) -> list[dict]:
    """kreboot's journal records of the previous boot (`journalctl -b -1 -t kreboot -o json`)."""
    result = guest.run("journalctl -b -1 -t kreboot -o json --no-pager")
    expect(result.rc == 0, f"journal: {result.summary()}")
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def system_picture(guest: Guest) -> dict[str, object]:
    """What a rollback must restore exactly: mounts with their options, active swaps, active units, and
    whether journald writes to /var (its file open there) or to /run."""
    mounts = guest.run("findmnt -rn -o TARGET,SOURCE,FSTYPE,OPTIONS | sort", check=True).stdout.splitlines()
    swaps = guest.run("tail -n +2 /proc/swaps | awk '{print $1, $2}' | sort", check=True).stdout.splitlines()
    journal = guest.run("ls -l /proc/$(pidof systemd-journald)/fd | grep -o '/[a-z/]*log/journal' | sort -u",
                        check=True).stdout.split()
    return {"mounts": mounts, "swaps": swaps, "units": sorted(guest_state(guest).active_units), "journal": journal}


def expect_rolled_back_exactly(guest: Guest) -> None:
    """`kreboot --yes` with /data held busy stops with 75 and leaves the system exactly as it was."""
    guest.run("systemd-run --unit=it-layouts-writer -p IgnoreOnIsolate=yes "
              "bash -c 'exec 3>>/data/held-open.txt; exec sleep infinity'", check=True)
    try:
        before = system_picture(guest)
        result = attempt(guest, "--yes")
        output = (result.stdout + result.stderr).strip()
        expect(result.rc == 75, f"exit {result.rc} with /data held busy, expected 75: {output[-300:]!r}")
        expect("/data" in output, f"the refusal does not name /data: {output[-300:]!r}")
        for done in ("swap off /swap.img", "unmount /var/log"):
            expect(done in output, f"the run did not get as far as `{done}` before the rollback: {output[-400:]!r}")
        after = system_picture(guest)
        for key in before:
            expect(before[key] == after[key], f"{key} differ after the rollback: {before[key]} -> {after[key]}")
        expect(not kexec_loaded(guest), "a kexec kernel is still loaded after the rollback")
    finally:
        guest.run("systemctl stop it-layouts-writer")


@scenario("server-layouts")
def server_layouts(ctx: ScenarioContext) -> None:
    token = f"it-{uuid.uuid4().hex[:12]}"
    append = f"kreboot_it.token={token}"
    log_uuid = str(uuid.uuid4())
    log_image = ctx.run_dir / "guest" / "log.img"
    guest = ctx.boot(extra_disks=(log_image,))
    make_log_image(log_image, log_uuid)
    problems: list[str] = []

    def soft(label: str, function) -> None:
        """Run one check; a failure is collected (with `label`) and the scenario goes on."""
        try:
            function()
        except ScenarioFailure as failure:
            problems.append(f"{label}: {failure}")

    def fail_with_problems(last: str | None = None) -> None:
        reasons = problems + ([last] if last else [])
        if reasons:
            raise ScenarioFailure(f"{len(reasons)} problem(s): " + " || ".join(reasons))

    with guest:
        first = guest.wait_boot()
        set_up_swap_file(ctx, guest)
        set_up_var_log(ctx, guest, log_uuid)

        soft("rollback", lambda: expect_rolled_back_exactly(guest))

        plan, dry = dry_run_plan(guest, f"--append {append}")
        ctx.timing("kreboot --dry-run --json", dry.seconds)
        problems.extend(plan_problems(plan))
        planned_line = (plan.get("target") or {}).get("commandLine", "")
        if append not in planned_line.split():
            problems.append(f"plan: target.commandLine {planned_line!r} lacks {append}")

        # Written just before the reboot, not synced: kreboot must flush them.
        guest.run(f"echo {token} > /root/{TOKEN_FILE} && echo {token} > /var/log/{TOKEN_FILE} && "
                  f"echo {token} > /data/{TOKEN_FILE}", check=True)

        def images_at_switch(paused: Guest) -> None:
            assert_clean(str(log_image), "/var/log")
            for label, image, path in (("/", paused.images.root_fs, f"/root/{TOKEN_FILE}"),
                                       ("/data", paused.images.data_fs, f"/{TOKEN_FILE}"),
                                       ("/var/log", str(log_image), f"/{TOKEN_FILE}")):
                found = read_file(image, path).decode().strip()
                expect(found == token, f"the {label} image holds {found!r} in {path}, expected {token!r}")

        try:
            outcome = kreboot_reboot(guest, first, f"--append {append} --yes", images_at_switch)
        except ScenarioFailure as failure:
            fail_with_problems(f"reboot: {failure}")
            raise
        ctx.timing("kreboot -> new kernel", outcome.to_new_kernel)
        ctx.timing("kreboot -> new boot READY", outcome.to_ready)
        ctx.notes.append("kreboot output: " + outcome.output.replace("\n", " | "))
        soft("progress", lambda: expect_steps_as_planned(plan, outcome.output))
        second = outcome.second

        def command_line() -> None:
            expect(append in second.cmdline.split(), f"token missing in /proc/cmdline: {second.cmdline}")
            expect(FIRST_BOOT_PARAMETER not in second.cmdline.split(), "the new boot reused the running command line")
            expect(without_boot_image(second.cmdline) == without_boot_image(planned_line),
                   f"new /proc/cmdline {second.cmdline!r} is not the plan's {planned_line!r}")

        def data_read_back() -> None:
            for path in (f"/root/{TOKEN_FILE}", f"/var/log/{TOKEN_FILE}", f"/data/{TOKEN_FILE}"):
                found = guest.run(f"cat {path}").stdout.strip()
                expect(found == token, f"{path} reads {found!r} in the new boot, expected {token!r}")

        def swap_again() -> None:
            expect(swap_used_kib(guest) is not None, f"{SWAP_FILE} (in fstab) is not active in the new boot")

        def var_log_mounted() -> None:
            mount = mount_of(guest, "/var/log")
            expect(mount is not None and mount[1] == log_uuid and "rw" in mount[2],
                   f"/var/log in the new boot: {mount}, expected the log disk read-write")

        records: list[dict] = []

        def journal_planned() -> None:
            records.extend(previous_boot_records(guest))
            planned = [r for r in records if r.get("MESSAGE_ID") == PLANNED and r.get("DRY_RUN") == "0"
                       and append in (r.get("COMMAND_LINE") or "").split()]
            expect(planned, "journalctl -b -1 has no `planned` record of the real run; kreboot's records there: "
                            f"{[r.get('MESSAGE') for r in records]}")

        def journal_quiesced_executed() -> None:
            ids = {r.get("MESSAGE_ID") for r in records}
            missing = [name for name, ident in (("quiesced", QUIESCED), ("executed", EXECUTED)) if ident not in ids]
            expect(not missing, f"journalctl -b -1 lacks kreboot's {' and '.join(missing)} record(s) "
                                f"(lost with /run at the kexec?); last there: {[r.get('MESSAGE') for r in records][-3:]}")

        soft("command line", command_line)
        soft("data", data_read_back)
        soft("swap", swap_again)
        soft("/var/log", var_log_mounted)
        soft("journal (planned)", journal_planned)
        soft("journal (quiesced, executed)", journal_quiesced_executed)
        soft("status", lambda: expect_reboot_verified(guest, "server-layouts"))
        fail_with_problems()
