"""The server scenarios (issue 13), on the server guest (see kreboot_it/server.py): Debian 12 "guided LVM"
with an initramfs, / on LVM (ext4), /boot (ext4), /var (xfs, the persistent journal and PostgreSQL 15),
/home (btrfs subvolume @home), a swap LV and a swap file /swap.img on /, a LUKS2 volume at /srv/secret, /data.

- server-reboot: `kreboot --yes` into the default entry with its initramfs. The plan loads the entry's initrd,
  turns both swaps off, moves the journal before /var is touched. At the switch /boot and /data (the file
  systems the host can read) are clean and hold the data written just before; the new boot replays or
  recovers nothing (ext4 on LVM and in LUKS, xfs, btrfs: no recovery line among its kernel messages, and each
  kind was mounted); every file written just before is read back (on /, /boot, /var, /home, /srv/secret,
  /data); both swaps are on again; `journalctl -b -1` has the run's planned, quiesced and executed records.
  Then the control: files written on every file system and the VM reset with them mounted — the next boot
  must show the recovery lines the check looks for (ext4, xfs, btrfs), so a clean verdict means something.
- server-cross-version: into the other kernel version (6.1, the submenu entry, with its initrd) and back
  (the default entry, 6.12, with its initrd).
- server-swap-file: /swap.img (and the swap LV) active with pages swapped out: planned as swapOff before /
  is made read-only; the reboot goes through; both on again after it.
- server-journal-var: /var (xfs) holds the persistent journal: moveJournal comes before /var is unmounted;
  the reboot goes through and the previous boot's journal has kreboot's records up to the exec.
- server-rollback: a writer holding a file open on /home: `kreboot --yes` stops with 75 naming /home after
  it turned the swaps off and moved the journal; mounts (with options), swaps, active units and the journal's
  place are exactly as before, nothing is loaded.
- server-postgres: a client writes numbered rows, one committed transaction each, while `kreboot --yes`
  runs; every row it saw committed is there after the reboot; PostgreSQL's log says the database was shut
  down cleanly (not "interrupted"); the client-visible gap (last commit before → first commit after) is
  printed.
- server-all: all of the above in one guest run (rollback, the PostgreSQL reboot with every server-reboot check,
  cross-version there and back, the control) — what `make test` runs."""

from __future__ import annotations

import re
import time
import uuid

from ..checks import expect, kexec_loaded
from ..context import ScenarioContext
from ..ext4 import assert_clean, read_file
from ..failure import ScenarioFailure
from ..guest import KERNEL_COMMAND_LINE, FIRST_BOOT_PARAMETER, BootInfo, Guest
from ..kreboot_cli import RebootOutcome, dry_run_plan, expect_steps_as_planned, kreboot_reboot, step_key
from ..server import (BOOT_TIMEOUT, MOUNTED, SWAP_FILE, SWAP_LV, ConsoleWatcher, Problems, active_swaps, boot_recovery_lines,
                      boot_server, commit_gap, expect_layout, recovery_kind, recovery_lines, start_postgres_client)
from . import scenario
from .layouts import EXECUTED, PLANNED, QUIESCED, previous_boot_records, system_picture
from .reboot import expect_reboot_verified, without_boot_image
from .refusals import attempt

# Where the scenarios write a token just before a reboot (not synced: kreboot must get it to the disk).
TOKEN_PATHS = ("/root", "/boot", "/var/tmp", "/home/alice", "/srv/secret", "/data")
PRESSURE_FILE = "/dev/shm/it-swapped"


class ServerRun:
    """One server guest through a sequence of checks; `problems` collects failures that let it go on."""

    def __init__(self, ctx: ScenarioContext, guest: Guest):
        self.ctx = ctx
        self.guest = guest
        self.cached = guest.cached
        self.problems = Problems()
        self.boot: BootInfo | None = None

    # -- first boot -----------------------------------------------------------------------------

    def start(self) -> BootInfo:
        self.guest.start()
        self.boot = self.guest.wait_boot(timeout=BOOT_TIMEOUT)
        self.ctx.timing("qemu start -> READY (SeaBIOS, GRUB, initramfs)", self.boot.ready_at - self.guest.started_at)
        default = self.cached.grub_default_kernel
        expect(self.boot.cmdline.startswith(f"BOOT_IMAGE={default.removeprefix('/boot')} "),
               f"not booted by GRUB's default entry ({default}): {self.boot.cmdline}")
        expect("root=/dev/mapper/server--vg-root" in self.boot.cmdline.split(),
               f"the command line does not name the root LV: {self.boot.cmdline}")
        installed = self.guest.run("cmp /boot/kreboot-it/kreboot /usr/local/bin/kreboot")
        expect(installed.rc == 0, f"kreboot was not installed from /boot: {installed.summary()}")
        expect_layout(self.guest)
        return self.boot

    # -- swap pressure ----------------------------------------------------------------------------

    def push_pages_to_swap(self) -> None:
        """Pages into swap: a tmpfs file written under a 16 MiB cgroup limit (shmem is swap-backed)."""
        pressure = self.guest.run(f"systemd-run --quiet --scope -p MemoryMax=16M -p MemorySwapMax=infinity "
                                  f"dd if=/dev/zero of={PRESSURE_FILE} bs=1M count=48 status=none", timeout=180)
        expect(pressure.rc == 0, f"memory pressure: {pressure.summary()}")
        used = self.guest.run("awk 'NR > 1 { s += $4 } END { print s + 0 }' /proc/swaps", check=True).stdout.strip()
        self.ctx.notes.append(f"{used} KiB in swap before the reboot")
        expect(int(used) > 0, "memory pressure put nothing into swap")

    # -- the rollback -----------------------------------------------------------------------------

    def rollback(self) -> None:
        """A writer on /home (surviving the isolate): 75 naming /home, everything exactly as before."""
        self.guest.run("systemd-run --unit=it-server-writer -p IgnoreOnIsolate=yes "
                       "bash -c 'exec 3>>/home/alice/held-open.txt; exec sleep infinity'", check=True)
        try:
            before = system_picture(self.guest)
            result = attempt(self.guest, "--yes", timeout=300)
            self.ctx.timing("rollback: kreboot --yes -> exit 75", result.seconds)
            output = (result.stdout + result.stderr).strip()
            expect(result.rc == 75, f"exit {result.rc} with /home held busy, expected 75: {output[-400:]!r}")
            expect("/home" in output, f"the refusal does not name /home: {output[-400:]!r}")
            expect(f"swap off {SWAP_FILE}" in output,
                   f"the run did not get as far as turning {SWAP_FILE} off before the rollback: {output[-600:]!r}")
            after = system_picture(self.guest)
            for key in before:
                expect(before[key] == after[key], f"{key} differ after the rollback: "
                                                  f"{sorted(set(before[key]) ^ set(after[key]))}")
            expect(not kexec_loaded(self.guest), "a kexec kernel is still loaded after the rollback")
        finally:
            self.guest.run("systemctl stop it-server-writer")

    # -- a clean reboot ---------------------------------------------------------------------------

    def plan_problems(self, plan: dict, release: str) -> list[str]:
        """What is wrong with a plan for this guest: the kernel and its initrd, both swaps off before / is made
        read-only, the journal moved before /var is touched, every local file system unmounted or read-only."""
        problems = []
        target = plan.get("target") or {}
        kernel = target.get("kernel", "")
        if not kernel.endswith(f"vmlinuz-{release}"):
            problems.append(f"target.kernel {kernel!r}, expected vmlinuz-{release}")
        if target.get("initrds") != [f"/boot/initrd.img-{release}"]:
            problems.append(f"target.initrds {target.get('initrds')}, expected [/boot/initrd.img-{release}]")
        if "root=/dev/mapper/server--vg-root" not in target.get("commandLine", "").split():
            problems.append(f"target.commandLine {target.get('commandLine')!r} lacks root=/dev/mapper/server--vg-root")
        steps = plan.get("steps", [])
        keys = [step_key(step) for step in steps]

        def index(action, path=None):
            return next((i for i, s in enumerate(steps) if s.get("action") == action
                         and (path is None or s.get("path") == path)), None)

        root_ro = index("remountReadOnly", "/")
        if root_ro is None:
            problems.append("no remountReadOnly /")
        swap_paths = {s.get("path") for s in steps if s.get("action") == "swapOff"}
        swap_lv_ok = any(p and (p == SWAP_LV or p.startswith("/dev/dm-")) for p in swap_paths)
        if SWAP_FILE not in swap_paths or not swap_lv_ok:
            problems.append(f"swapOff steps for {sorted(p for p in swap_paths if p)}, expected {SWAP_FILE} and the LV")
        for i, s in enumerate(steps):
            if s.get("action") == "swapOff" and root_ro is not None and i > root_ro:
                problems.append(f"swapOff {s.get('path')} after remountReadOnly /")
        move = index("moveJournal")
        var = next((i for i, s in enumerate(steps) if s.get("path") == "/var"
                    and s.get("action") in ("unmount", "remountReadOnly")), None)
        if move is None or var is None or move > var:
            problems.append(f"moveJournal at {move} must come before /var's unmount at {var}")
        for path in ("/boot", "/home", "/srv/secret", "/data"):
            if index("unmount", path) is None and index("remountReadOnly", path) is None:
                problems.append(f"{path} is neither unmounted nor made read-only")
        if keys[:1] != [("load", None)] or keys[-1:] != [("exec", None)]:
            problems.append("the plan does not start with load and end with exec")
        return [f"plan ({keys}): {p}" for p in problems] if problems else []

    def reboot(self, label: str, arguments: str, release: str, during=None) -> RebootOutcome:
        """kreboot --yes ARGUMENTS into `release`, with every clean-switch check; `during` (if given) is
        started right before kreboot and returns a function the caller runs after the new boot."""
        guest, ctx, problems = self.guest, self.ctx, self.problems
        token = f"it-{uuid.uuid4().hex[:12]}"
        append = f"kreboot_it.token={token}"
        plan, dry = dry_run_plan(guest, f"{arguments} --append {append}".strip())
        ctx.timing(f"{label}: kreboot --dry-run --json", dry.seconds)
        for problem in self.plan_problems(plan, release):
            problems.reasons.append(f"{label}: {problem}")
        name = f"it-{label}.txt"
        # Written just before, not synced. On btrfs a second file is fsync'd into the tree log, so a dirty
        # btrfs would have to replay that log in the new boot (what the recovery check looks for).
        writes = " && ".join(f"echo {token} > {d}/{name}" for d in TOKEN_PATHS)
        guest.run(f"{writes} && echo {token} | dd of=/home/alice/fsynced-{name} conv=fsync status=none", check=True)

        def at_switch(paused: Guest) -> None:
            assert_clean(paused.images.root_fs, "/boot")
            for where, image, path in (("/boot", paused.images.root_fs, f"/{name}"),
                                       ("/data", paused.images.data_fs, f"/{name}")):
                found = read_file(image, path).decode().strip()
                expect(found == token, f"the {where} image holds {found!r} in {path}, expected {token!r}")

        finish = during() if during else None
        outcome = kreboot_reboot(guest, self.boot, f"{arguments} --append {append} --yes".strip(), at_switch,
                                 timeout=300, boot_timeout=BOOT_TIMEOUT)
        ctx.timing(f"{label}: kreboot -> new kernel", outcome.to_new_kernel)
        ctx.timing(f"{label}: kreboot -> new boot READY", outcome.to_ready)
        ctx.notes.append(f"{label}: kreboot output: " + outcome.output.replace("\n", " | "))
        second = outcome.second
        self.boot = second
        # The switch: the first kernel command line echo with this run's token (later checks look after it).
        switch = re.search(rf"{KERNEL_COMMAND_LINE}[^\r\n]*{re.escape(append)}", guest.console()).start()
        problems.check(f"{label}: progress", lambda: expect_steps_as_planned(plan, outcome.output))
        load = next((line for line in outcome.output.splitlines() if "load" in line and "done in" in line), None)
        if load:
            ctx.notes.append(f"{label}: {load.strip()}")

        def booted() -> None:
            expect(second.release == release, f"new boot runs {second.release}, expected {release}")
            expect(append in second.cmdline.split(), f"token missing in /proc/cmdline: {second.cmdline}")
            expect(FIRST_BOOT_PARAMETER not in second.cmdline.split(), "the new boot reused the running command line")
            planned = (plan.get("target") or {}).get("commandLine", "")
            expect(without_boot_image(second.cmdline) == without_boot_image(planned),
                   f"new /proc/cmdline {second.cmdline!r} is not the plan's {planned!r}")
            initrd = guest.run("dmesg | grep -E 'Unpacking initramfs|Freeing initrd memory'").stdout
            expect(initrd.strip() != "", "the new kernel unpacked no initramfs")

        def clean() -> None:
            console = guest.console()
            replayed = recovery_lines(console, switch) + boot_recovery_lines(guest)
            expect(not replayed, f"the new boot recovered file systems left dirty: {sorted(set(replayed))}")
            unseen = [kind for kind, pattern in MOUNTED.items() if not pattern.search(console, switch)]
            expect(not unseen, f"the new boot's console shows no mount of {unseen} (the recovery check would be blind)")

        def data() -> None:
            for directory in TOKEN_PATHS:
                found = guest.run(f"cat {directory}/{name}").stdout.strip()
                expect(found == token, f"{directory}/{name} reads {found!r} in the new boot, expected {token!r}")

        def swaps() -> None:
            found = active_swaps(guest)
            expect(SWAP_FILE in found and SWAP_LV in found, f"swaps in the new boot: {found}")

        def journal() -> None:
            records = previous_boot_records(guest)
            planned = [r for r in records if r.get("MESSAGE_ID") == PLANNED and r.get("DRY_RUN") == "0"
                       and append in (r.get("COMMAND_LINE") or "").split()]
            expect(planned, f"journalctl -b -1 has no planned record of the run: {[r.get('MESSAGE') for r in records]}")
            ids = {r.get("MESSAGE_ID") for r in records}
            missing = [n for n, i in (("quiesced", QUIESCED), ("executed", EXECUTED)) if i not in ids]
            expect(not missing, f"journalctl -b -1 lacks kreboot's {missing} record(s)")

        problems.check(f"{label}: boot", booted)
        problems.check(f"{label}: clean", clean)
        problems.check(f"{label}: data", data)
        problems.check(f"{label}: swaps", swaps)
        problems.check(f"{label}: layout", lambda: expect_layout(guest))
        problems.check(f"{label}: journal", journal)
        problems.check(f"{label}: status", lambda: expect_reboot_verified(guest, label))
        if finish:
            problems.check(f"{label}: postgres", finish)
        return outcome

    # -- PostgreSQL under load --------------------------------------------------------------------

    def postgres_client(self):
        """Start the client (a unit that survives the isolate and starts again in the next boot); returns the
        function that checks its rows and the server's log once the new boot is up."""
        guest, ctx = self.guest, self.ctx
        watcher = start_postgres_client(guest)
        def check() -> None:
            deadline = time.monotonic() + 90  # the client starts again once PostgreSQL is up in the new boot
            while commit_gap(watcher.seen, self.switched_at) is None and time.monotonic() < deadline:
                time.sleep(0.2)
            watcher.stop()
            committed = [int(m.group(1)) for _, m in watcher.seen]
            rows = guest.run("runuser -u postgres -- psql -qtAX -d itdb -c 'select id from it_rows'", check=True)
            present = {int(x) for x in rows.stdout.split()}
            lost = sorted(set(committed) - present)
            expect(not lost, f"{len(lost)} rows the client saw committed are missing: {lost[:10]}")
            log = guest.run("grep 'database system was' /var/log/postgresql/postgresql-15-main.log | tail -n 1").stdout
            expect("shut down" in log and "interrupted" not in log,
                   f"PostgreSQL's last start does not follow a clean shutdown: {log.strip()!r}")
            gap = commit_gap(watcher.seen, self.switched_at)
            expect(gap is not None, "no commit seen both before and after the reboot")
            ctx.timing("postgres: client-visible gap (last commit before -> first after)", gap)
            ctx.notes.append(f"postgres: {len(committed)} commits seen, all {len(present)} rows present; "
                             f"client-visible gap {gap:.1f} s")
            print(f"    server-postgres: client-visible gap {gap:.1f} s ({len(committed)} commits seen)", flush=True)

        return check

    switched_at: float | None = None

    # -- the control --------------------------------------------------------------------------------

    def unclean_control(self) -> None:
        """Files written on every file system, then the VM reset with them mounted: the next boot must show
        recovery lines for ext4, xfs and btrfs — the check of a clean switch sees a dirty one."""
        guest = self.guest
        token = uuid.uuid4().hex[:12]
        writes = " && ".join(f"echo {token} > {d}/it-control.txt" for d in TOKEN_PATHS)
        guest.run(f"{writes} && echo {token} | dd of=/home/alice/it-control-fsynced conv=fsync status=none "
                  f"&& dd if=/dev/urandom of=/var/tmp/it-control.bin bs=64k count=4 conv=fsync status=none", check=True)
        after = guest.console_offset()
        previous = self.boot.boot_id
        guest._qmp("system_reset")
        third = guest.wait_next_boot(after, previous, timeout=BOOT_TIMEOUT)
        self.boot = third
        found = sorted(set(recovery_lines(guest.console(), after) + boot_recovery_lines(guest)))
        kinds = {recovery_kind(line) for line in found}
        self.ctx.notes.append(f"control (reset with everything mounted): {found}")
        expect({"ext4", "xfs", "btrfs"} <= kinds,
               f"after a reset with everything mounted the recovery check found only {sorted(kinds)}: {found}")


def reboot_with_postgres(run: ServerRun, label: str, release: str) -> None:
    """The PostgreSQL client writing while kreboot --yes reboots into `release` (with every reboot check); the
    switch time for the gap is when the new kernel's command line appears (a console watcher of its own)."""
    check = run.postgres_client()
    switch = ConsoleWatcher(run.guest.console_path, re.compile(KERNEL_COMMAND_LINE))
    switch.start()

    def finish() -> None:
        run.switched_at = switch.seen[0][0] if switch.seen else None
        check()

    try:
        run.reboot(label, "", release, during=lambda: finish)
    finally:
        switch.stop()


def entry_of(run: ServerRun, release: str) -> str:
    """grub-mkconfig's id of the submenu entry for `release`."""
    return f"gnulinux-{release}-advanced-{run.cached.root_uuid}"


def default_release(run: ServerRun) -> str:
    return run.cached.grub_default_kernel.removeprefix("/boot/vmlinuz-")


def other_release(run: ServerRun) -> str:
    default = default_release(run)
    return run.cached.kernel61 if default == run.cached.kernel612 else run.cached.kernel612


def server_run(ctx: ScenarioContext, steps) -> None:
    """Boot the server guest, run each step (a function of the ServerRun), stop; fail naming every problem."""
    guest = boot_server(ctx)
    run = ServerRun(ctx, guest)
    try:
        run.start()
        for step in steps:
            try:
                step(run)
            except ScenarioFailure as failure:
                run.problems.raise_if_any(f"{getattr(step, '__name__', 'step')}: {failure}")
        run.problems.raise_if_any()
    finally:
        guest.stop()


def step_reboot(run: ServerRun) -> None:
    run.reboot("reboot", "", default_release(run))


def step_cross_version(run: ServerRun) -> None:
    other = other_release(run)
    run.reboot("cross-version-there", f"--entry {entry_of(run, other)}", other)
    run.reboot("cross-version-back", "", default_release(run))


def step_swap_pressure(run: ServerRun) -> None:
    run.push_pages_to_swap()


def step_rollback(run: ServerRun) -> None:
    run.rollback()


def step_postgres(run: ServerRun) -> None:
    reboot_with_postgres(run, "postgres", default_release(run))


def step_control(run: ServerRun) -> None:
    run.unclean_control()


@scenario("server-reboot", default=False)
def server_reboot(ctx: ScenarioContext) -> None:
    server_run(ctx, [step_reboot, step_control])


@scenario("server-cross-version", default=False)
def server_cross_version(ctx: ScenarioContext) -> None:
    server_run(ctx, [step_cross_version])


@scenario("server-swap-file", default=False)
def server_swap_file(ctx: ScenarioContext) -> None:
    server_run(ctx, [step_swap_pressure, step_reboot])


@scenario("server-journal-var", default=False)
def server_journal_var(ctx: ScenarioContext) -> None:
    server_run(ctx, [step_reboot])


@scenario("server-rollback", default=False)
def server_rollback(ctx: ScenarioContext) -> None:
    server_run(ctx, [step_swap_pressure, step_rollback])


@scenario("server-postgres", default=False)
def server_postgres(ctx: ScenarioContext) -> None:
    server_run(ctx, [step_postgres])


@scenario("server-all", opt_in=True)
def server_all(ctx: ScenarioContext) -> None:
    """All server scenarios in one guest run (what `make test` runs)."""
    server_run(ctx, [step_swap_pressure, step_rollback, step_postgres, step_cross_version, step_control])
