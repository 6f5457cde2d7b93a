"""fleet: rolling kexec reboots with Ansible (issue 17). Three `fleet` guests (the lab guest with
OpenSSH, python3 and a virtio NIC) boot in parallel, each reachable only through qemu user-mode
networking with restrict=on and a forward from 127.0.0.1:PORT to its sshd, with a key made for the run.
The host runs the collection's playbook (role kreboot.kexec.rolling_reboot, serial 1,
max_fail_percentage 0) with Debian's ansible-playbook:

1. every host kexecs in turn into the planned kernel: while the VM is paused at the new kernel's
   `Command line:` echo both images are clean and the data written just before is on the data image;
   the new boot has a new boot id, replays no journal, `kreboot status` says verified; the play's
   summary lists the three hosts with their releases; the guests' plans validate against the schema.
2. the middle host gets a busy data mount (a writer that the isolate does not stop): it reports 75, is
   retried, then fails with kreboot's message; the rollout stops; the middle host is as it was (same
   boot, / and /data rw, no unit stopped) and the third host is untouched (same boot id, same units)."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from ..checks import boot_id, expect, expect_mounted
from ..context import ScenarioContext
from ..ext4 import needs_recovery, read_file
from ..failure import ScenarioFailure
from ..guest import KERNEL_COMMAND_LINE, Guest
from ..images import INTEGRATION_DIR, inject_file
from .refusals import guest_state
from . import scenario

REPO = INTEGRATION_DIR.parent
COLLECTIONS = REPO / "ansible"
PLAYBOOK = COLLECTIONS / "ansible_collections" / "kreboot" / "kexec" / "playbooks" / "rolling_reboot.yml"
SCHEMA = REPO / "schema" / "plan-v1.schema.json"
HOSTS = ("fleet1", "fleet2", "fleet3")
BOOT_TIMEOUT = 400.0  # three TCG guests booting at once on two shared cores
ROLLOUT_LINE = re.compile(r"KREBOOT-ROLLOUT (\S+) (rebooted|failed) ([^\n]*)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class FleetHost:
    name: str
    port: int
    guest: Guest
    boot_id: str = ""
    watch: "KexecWatch | None" = None


@dataclass
class KexecWatch:
    """Watches one guest's console during a rollout: when a new kernel echoes its command line, pause the
    VM and check the images (GUEST-FACTS pitfalls 1, 2) before anything is mounted."""

    host: FleetHost
    after: int
    token: str
    seen: bool = False
    problems: list[str] = field(default_factory=list)
    echo_end: int = 0
    stop: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None

    def start(self) -> None:
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        guest = self.host.guest
        pattern = re.compile(KERNEL_COMMAND_LINE)
        try:
            while not self.stop.is_set():
                match = pattern.search(guest.console(), self.after)
                if match:
                    break
                time.sleep(0.05)
            else:
                return
            self.seen = True
            self.echo_end = match.end()
            with guest.paused():
                if guest.new_kernel_mounted(match.end()):
                    self.problems.append("the new kernel mounted a disk before the host could check it")
                if needs_recovery(guest.images.root_fs):
                    self.problems.append("root file system dirty (needs_recovery) at the new kernel")
                if needs_recovery(guest.images.data_fs):
                    self.problems.append("data file system dirty (needs_recovery) at the new kernel")
                found = read_file(guest.images.data_fs, "/fleet.txt").decode(errors="replace").strip()
                if found != self.token:
                    self.problems.append(f"data image holds {found!r} in /fleet.txt, expected {self.token!r}")
        except Exception as error:  # reported by the main thread
            self.problems.append(f"watcher: {type(error).__name__}: {error}")

    def finish(self) -> None:
        self.stop.set()
        if self.thread:
            self.thread.join(timeout=30)


def expect_ssh(ctx: ScenarioContext, host: FleetHost, key: Path, timeout: float = 60) -> None:
    """The guest's sshd answers through the forward with the run's key (as Ansible will connect)."""
    deadline = time.monotonic() + timeout
    while True:
        result = subprocess.run(["ssh", "-i", str(key), "-p", str(host.port), "-o", "BatchMode=yes",
                                 "-o", f"UserKnownHostsFile={ctx.run_dir / 'known_hosts'}",
                                 "-o", "StrictHostKeyChecking=accept-new", "-o", "ConnectTimeout=10",
                                 "root@127.0.0.1", "cat /proc/sys/kernel/random/boot_id"],
                                capture_output=True, text=True, timeout=60)
        if result.returncode == 0 and result.stdout.strip() == host.boot_id:
            return
        if time.monotonic() > deadline:
            raise ScenarioFailure(f"{host.name}: ssh to 127.0.0.1:{host.port} failed: {result.stderr.strip()[-300:]}")
        time.sleep(2)


def write_inventory(ctx: ScenarioContext, hosts: list[FleetHost], key: Path) -> Path:
    inventory = ctx.run_dir / "inventory.ini"
    lines = ["[fleet]"]
    for host in hosts:
        lines.append(f"{host.name} ansible_host=127.0.0.1 ansible_port={host.port}")
    lines += ["", "[fleet:vars]", "ansible_user=root", f"ansible_ssh_private_key_file={key}",
              "ansible_python_interpreter=/usr/bin/python3",
              f"ansible_ssh_common_args='-o UserKnownHostsFile={ctx.run_dir / 'known_hosts'} "
              "-o StrictHostKeyChecking=accept-new -o ConnectTimeout=10'"]
    inventory.write_text("\n".join(lines) + "\n")
    return inventory


def ansible_playbook(ctx: ScenarioContext, inventory: Path, label: str, extra: dict, timeout: float):
    """Run the collection's example playbook; returns (exit status, output)."""
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS), ANSIBLE_SHOW_CUSTOM_STATS="true",
               ANSIBLE_PIPELINING="true", ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0",
               ANSIBLE_LOCAL_TEMP=str(ctx.run_dir / "ansible-tmp"), ANSIBLE_RETRY_FILES_ENABLED="false",
               HOME=str(ctx.run_dir))
    env.pop("ANSIBLE_CONFIG", None)
    env.pop("PYTHONPATH", None)
    command = ["ansible-playbook", "-i", str(inventory), str(PLAYBOOK), "-e", json.dumps(extra)]
    started = time.monotonic()
    try:
        # cwd and HOME in the run directory: no ansible.cfg of the developer's is read
        result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=timeout, cwd=ctx.run_dir)
    except subprocess.TimeoutExpired as error:
        out = (error.stdout or b"").decode(errors="replace") if isinstance(error.stdout, bytes) else (error.stdout or "")
        (ctx.run_dir / f"{label}.ansible.log").write_text(out)
        raise ScenarioFailure(f"{label}: ansible-playbook did not finish within {timeout:.0f} s")
    ctx.timing(f"{label}: ansible-playbook", time.monotonic() - started)
    output = result.stdout + result.stderr
    (ctx.run_dir / f"{label}.ansible.log").write_text(output)
    return result.returncode, output


def rollout_lines(output: str) -> dict[str, tuple[str, str]]:
    return {m.group(1): (m.group(2), m.group(3).rstrip().rstrip('"')) for m in ROLLOUT_LINE.finditer(output)}


def validate_plan(guest: Guest, problems: list[str], name: str) -> None:
    """The guest's real plan (moveJournal, unmount with the guest's mounts) against the schema, with the
    reference validator when this Python has it and the collection's own validator always."""
    result = guest.run("kreboot --dry-run --json")
    plan = json.loads(result.stdout)
    sys.path.insert(0, str(COLLECTIONS / "ansible_collections" / "kreboot" / "kexec" / "plugins" / "module_utils"))
    import plan_schema  # the collection's validator
    schema = json.loads(SCHEMA.read_text())
    errors = plan_schema.plan_errors(plan, schema)
    try:
        import jsonschema
        errors += [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(plan)]
    except ImportError:
        pass
    if errors:
        problems.append(f"{name}: plan does not match the schema: {errors[:3]}")


@scenario("fleet")
def fleet(ctx: ScenarioContext) -> None:
    started = time.monotonic()
    cached = ctx.cached_guest("fleet")
    ctx.timing("fleet image ready", time.monotonic() - started)
    ctx.run_dir.mkdir(parents=True, exist_ok=True)
    key = ctx.run_dir / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "kreboot-it-fleet", "-f", str(key)], check=True)
    authorized = ctx.run_dir / "authorized_keys"
    authorized.write_text((ctx.run_dir / "id_ed25519.pub").read_text())
    authorized.chmod(0o600)

    hosts: list[FleetHost] = []
    try:
        for name in HOSTS:
            port = free_port()
            nic = ("-netdev", f"user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:{port}-:22",
                   "-device", "virtio-net-pci,netdev=n0")
            guest = ctx.boot(name, cached=cached, extra_args=nic)
            inject_file(guest.images.root_fs, authorized, "/root/.ssh/authorized_keys")
            hosts.append(FleetHost(name, port, guest))
        boot_started = time.monotonic()
        for host in hosts:  # all three boot at once
            host.guest.start()
        for host in hosts:
            info = host.guest.wait_boot(timeout=BOOT_TIMEOUT)
            expect(info.state in ("running", "degraded"), f"{host.name}: system is {info.state!r} at READY")
            host.boot_id = info.boot_id
        ctx.timing("three guests booted (parallel)", time.monotonic() - boot_started)
        for host in hosts:
            nic = host.guest.run("grep -l up /sys/class/net/e*/operstate; systemctl is-active ssh", timeout=30)
            expect("/sys/class/net/" in nic.stdout and nic.stdout.strip().endswith("active"),
                   f"{host.name}: NIC not up or sshd not active: {nic.stdout.strip()!r} {nic.stderr.strip()[-200:]!r}")
            expect_ssh(ctx, host, key)
        inventory = write_inventory(ctx, hosts, key)
        run_rollout(ctx, hosts, inventory)
        run_busy_rollout(ctx, hosts, inventory)
    finally:
        for host in hosts:
            if host.watch:
                host.watch.finish()
            host.guest.stop()
    ctx.timing("fleet scenario", time.monotonic() - started)


def run_rollout(ctx: ScenarioContext, hosts: list[FleetHost], inventory: Path) -> None:
    """Run 1: serial 1 across the three hosts, each kexec'd, checked at the switch and verified."""
    problems: list[str] = []
    for host in hosts:
        validate_plan(host.guest, problems, host.name)
        token = f"fleet-{uuid.uuid4().hex[:12]}"
        host.guest.run(f"echo {token} > /data/fleet.txt", check=True)  # no sync: kreboot must flush it
        host.watch = KexecWatch(host, host.guest.console_offset(), token)
        host.watch.start()
    rc, output = ansible_playbook(ctx, inventory, "rollout", {"rolling_reboot_retry_delay": 5}, timeout=1200)
    for host in hosts:
        host.watch.finish()
    lines = rollout_lines(output)
    expect(rc == 0, f"rollout: ansible-playbook exited {rc}: {summary_tail(output)}")
    releases = []
    for host in hosts:
        watch = host.watch
        expect(watch.seen, f"{host.name}: no new kernel seen on the console during the rollout")
        problems += [f"{host.name}: {p}" for p in watch.problems]
        second = host.guest.wait_boot(after=watch.echo_end, timeout=120)
        expect(second.boot_id != host.boot_id, f"{host.name}: boot id unchanged")
        try:
            host.guest.expect_no_journal_replay(watch.echo_end)
        except ScenarioFailure as error:
            problems.append(f"{host.name}: {error}")
        status = host.guest.run("kreboot status --json")
        last = (json.loads(status.stdout or "{}").get("lastReboot") or {}) if status.rc == 0 else {}
        if last.get("state") != "verified":
            problems.append(f"{host.name}: kreboot status: {status.summary() if status.rc else last!r}")
        state, rest = lines.get(host.name, ("missing", ""))
        release = re.search(r"release=(\S+)", rest)
        planned = re.search(r"planned=(\S+)", rest)
        if state != "rebooted" or not release:
            problems.append(f"{host.name}: summary says {state} {rest!r}")
        elif release.group(1) != second.release or (planned and planned.group(1) != second.release):
            problems.append(f"{host.name}: summary release {release.group(1)} (planned {planned and planned.group(1)}), "
                            f"the new boot runs {second.release}")
        releases.append(f"{host.name}={second.release}")
        host.boot_id = second.boot_id
        host.watch = None
    if "kreboot_rollout" not in output:
        problems.append("the play's custom stats (kreboot_rollout) are missing")
    ctx.notes.append("rollout: " + ", ".join(releases))
    if problems:
        raise ScenarioFailure("rollout: " + "; ".join(problems))


def summary_tail(output: str) -> str:
    interesting = [l for l in output.splitlines() if "fatal:" in l or "FAILED" in l or "KREBOOT-ROLLOUT" in l or "msg" in l]
    return " | ".join(interesting[-6:])[-600:]


def run_busy_rollout(ctx: ScenarioContext, hosts: list[FleetHost], inventory: Path) -> None:
    """Run 2: fleet2 has a writer on /data that the isolate does not stop: 75, retried once, failed with
    kreboot's message; the rollout stops before fleet3."""
    first, middle, last = hosts
    middle.guest.run("echo busy-data > /data/busy.txt && sync", check=True)
    middle.guest.run("systemd-run --unit=it-busy-writer -p IgnoreOnIsolate=yes "
                     "bash -c 'exec 3>>/data/busy.txt; exec sleep infinity'", check=True)
    middle_before = guest_state(middle.guest)
    last_before = guest_state(last.guest)
    token = f"fleet-{uuid.uuid4().hex[:12]}"
    first.guest.run(f"echo {token} > /data/fleet.txt", check=True)
    first.watch = KexecWatch(first, first.guest.console_offset(), token)
    first.watch.start()
    middle_offset = middle.guest.console_offset()
    rc, output = ansible_playbook(ctx, inventory, "busy",
                                  {"rolling_reboot_retries": 1, "rolling_reboot_retry_delay": 3}, timeout=900)
    first.watch.finish()
    problems: list[str] = []
    lines = rollout_lines(output)
    expect(rc != 0, "busy: ansible-playbook succeeded although fleet2 has a busy /data")
    # fleet1 went first and was rebooted again, verified.
    if lines.get("fleet1", ("",))[0] != "rebooted":
        problems.append(f"fleet1 not rebooted in the second run: {lines.get('fleet1')}")
    problems += [f"fleet1: {p}" for p in first.watch.problems]
    # fleet2: 75, retried, failed with kreboot's message; nothing changed.
    state, rest = lines.get("fleet2", ("missing", ""))
    if state != "failed" or "exit=75" not in rest:
        problems.append(f"fleet2 summary: {state} {rest!r}")
    if "after 2 attempts" not in rest:
        problems.append(f"fleet2 was not retried once: {rest!r}")
    if "/data" not in rest:
        problems.append(f"fleet2's failure does not carry kreboot's message naming /data: {rest!r}")
    if re.search(KERNEL_COMMAND_LINE, middle.guest.console()[middle_offset:]):
        problems.append("fleet2 started a new kernel")
    after = guest_state(middle.guest)
    if after.boot_id != middle_before.boot_id:
        problems.append("fleet2's boot id changed")
    missing = sorted(middle_before.active_units - after.active_units)
    if missing:
        problems.append(f"fleet2: units no longer active after the rollback: {missing}")
    for path, uuid_ in (("/", ctx.cached_guest("fleet").root_uuid), ("/data", ctx.cached_guest("fleet").data_uuid)):
        try:
            expect_mounted(middle.guest, path, uuid_, "rw")
        except ScenarioFailure as error:
            problems.append(f"fleet2: {error}")
    # fleet3: untouched.
    if "fleet3" in lines:
        problems.append(f"fleet3 was part of the rollout: {lines.get('fleet3')}")
    if re.search(r"^(ok|changed|fatal): \[fleet3\]", output, re.M):
        problems.append("a task ran on fleet3")
    after3 = guest_state(last.guest)
    if after3 != last_before:
        problems.append(f"fleet3 changed: boot {last_before.boot_id} -> {after3.boot_id}, "
                        f"units {sorted(last_before.active_units ^ after3.active_units)}")
    middle.guest.run("systemctl stop it-busy-writer")
    ctx.notes.append(f"busy: fleet2 {rest.strip()[:200]}")
    if problems:
        raise ScenarioFailure("busy rollout: " + "; ".join(problems))
