"""server-nfs and server-nfs-dead (issue 13, item 3): network file systems.

Two guests of the `nfs` flavor (the lab guest plus nfs-kernel-server, nfs-common and the NFS and
virtio-net modules of both kernels) joined by a private link between their qemu processes (a
`-netdev stream` over a unix socket in the run directory: no host networking at all). The peer
(10.0.9.1, booted with kreboot_it.role=nfs-server) exports /srv/nfs; the client (10.0.9.2) gets
`10.0.9.1:/srv/nfs /mnt/nfs nfs4 _netdev,vers=4.2` in its fstab and mounts it.

server-nfs: the client's plan unmounts /mnt/nfs before the isolate (the `network` payload, probe
reachable, the network-mounts check passes); data written to /mnt/nfs just before `kreboot --yes` (no
sync) is on the peer's /srv/nfs after the kexec; the NFS unmount step reported done (not busy, not
timed out), before the isolate; images clean at the switch, data on /data kept; the new boot mounts
/mnt/nfs again from fstab and reads the data back through it.

server-nfs-dead: the peer paused with QMP `stop` (a server that answers nothing). `kreboot --dry-run`
shows the probe's verdict (network-mounts FAIL naming 10.0.9.1 and /mnt/nfs); `kreboot --yes` exits 75
within a bounded time naming the server and the mount, with nothing stopped (same boot, same active
units, mount table unchanged, nothing loaded). The plan with `--detach-unreachable-network-mounts`
turns the step into a lazy detach (detach, force); `kreboot --yes --detach-unreachable-network-mounts`
detaches it and kexecs: images clean at the switch; the peer is resumed at the new kernel and the new
boot comes up (and mounts /mnt/nfs again)."""

from __future__ import annotations

import json
import re
import time
import uuid
from pathlib import Path

from ..checks import boot_id, expect, kexec_loaded
from ..context import ScenarioContext
from ..ext4 import read_file
from ..failure import ScenarioFailure
from ..guest import FIRST_BOOT_PARAMETER, Guest
from ..kreboot_cli import dry_run_plan, expect_steps_as_planned, kreboot_reboot, progress_steps
from .refusals import attempt, guest_state
from . import scenario

PEER = "10.0.9.1"
EXPORT = f"{PEER}:/srv/nfs"
MOUNT = "/mnt/nfs"
FSTAB_LINE = f"{EXPORT} {MOUNT} nfs4 _netdev,vers=4.2 0 0"
BOOT_TIMEOUT = 300.0  # two TCG guests booting at once on two shared cores
# The client's expected plan: the NFS unmount first, while the network is up; the rest as on the lab guest.
EXPECTED_STEPS = [
    ("load", None), ("unmount", MOUNT), ("isolate", "rescue.target"), ("unmount", "/data"),
    ("moveJournal", "/var/log/journal"), ("remountReadOnly", "/"), ("sync", None), ("exec", None),
]
REFUSAL_BOUND = 60.0  # seconds: the probe's 5 s, planning, and a slow shared host


def nic(cached, role: str, socket_path: Path) -> tuple[str, ...]:
    """qemu arguments of the private link: the peer listens on the unix socket, the client connects."""
    server = "on" if role == "peer" else "off"
    mac = cached.manifest["peerMAC" if role == "peer" else "clientMAC"]
    return ("-netdev", f"stream,id=n0,server={server},addr.type=unix,addr.path={socket_path}",
            "-device", f"virtio-net-pci,netdev=n0,mac={mac}")


def start_pair(ctx: ScenarioContext, peer: Guest, other: Guest, link: Path) -> tuple:
    """Starts the peer (its qemu listens on `link`), then `other` (which connects to it), waits until both are
    READY and nfs-server runs on the peer; returns the two READY boots (peer, other)."""
    started = time.monotonic()
    peer.start()
    deadline = time.monotonic() + 10
    while not link.exists():
        if time.monotonic() > deadline:
            raise ScenarioFailure(f"the peer's qemu did not open {link}")
        time.sleep(0.05)
    other.start()
    peer_boot = peer.wait_boot(timeout=BOOT_TIMEOUT)
    other_boot = other.wait_boot(timeout=BOOT_TIMEOUT)
    ctx.timing("both guests READY", time.monotonic() - started)
    served = peer.run("systemctl is-active nfs-server", timeout=60)
    for _ in range(2):
        if served.stdout.strip() == "active":
            break
        # On a loaded host loading nfsd for /proc/fs/nfsd can outlast the mount unit's 90 s: start it again.
        peer.run("systemctl start nfs-server", timeout=240)
        served = peer.run("systemctl is-active nfs-server", timeout=60)
    expect(served.stdout.strip() == "active", f"nfs-server on the peer is {served.stdout.strip()!r}: "
           f"{peer.run('systemctl status nfs-server --no-pager -l | tail -5').stdout.strip()[-300:]}")
    return peer_boot, other_boot


class NFSPair:
    """The peer and the client, started and stopped together."""

    def __init__(self, ctx: ScenarioContext):
        cached = ctx.cached_guest("nfs")
        self.ctx = ctx
        self.link = ctx.run_dir / "nfs-link.sock"
        self.peer = ctx.boot("nfs-peer", cached=cached, memory_mb=768,
                             append=f"{cached.command_line} {FIRST_BOOT_PARAMETER} kreboot_it.role=nfs-server",
                             extra_args=nic(cached, "peer", self.link))
        self.client = ctx.boot("nfs-client", cached=cached, extra_args=nic(cached, "client", self.link))

    def __enter__(self) -> "NFSPair":
        self.peer_boot, self.first = start_pair(self.ctx, self.peer, self.client, self.link)
        self.mount_client()
        return self

    def __exit__(self, *exc) -> None:
        self.client.stop()
        self.peer.stop()

    def mount_client(self) -> None:
        """fstab line with _netdev, then `mount /mnt/nfs` (retried while networkd brings the link up)."""
        self.client.run(f"grep -q ' {MOUNT} ' /etc/fstab || echo '{FSTAB_LINE}' >> /etc/fstab; systemctl daemon-reload",
                        check=True)
        started = time.monotonic()
        result = None
        for _ in range(12):
            result = self.client.run(f"mount {MOUNT}", timeout=90)
            if result.rc == 0 or "already mounted" in result.stderr:
                break
            time.sleep(5)
        expect(nfs_mount(self.client) is not None, f"could not mount {MOUNT}: {result.summary() if result else ''}")
        self.ctx.timing("client: mount /mnt/nfs", time.monotonic() - started)


def nfs_mount(guest: Guest) -> str | None:
    """The mountinfo line of the NFS mount at /mnt/nfs, read without touching the mount point (a dead
    server's mount point must not be stat'ed)."""
    table = guest.run("cat /proc/self/mountinfo", check=True).stdout
    return next((line for line in table.splitlines()
                 if line.split(" ")[4:5] == [MOUNT] and " - nfs" in line), None)


def wait_nfs_mounted(guest: Guest, timeout: float = 120) -> str:
    """Wait for the new boot to mount /mnt/nfs from fstab."""
    deadline = time.monotonic() + timeout
    while True:
        line = nfs_mount(guest)
        if line:
            return line
        if time.monotonic() > deadline:
            status = guest.run("systemctl status mnt-nfs.mount --no-pager -l | tail -5").stdout.strip()
            raise ScenarioFailure(f"{MOUNT} not mounted {timeout:.0f} s into the new boot: {status[-300:]}")
        time.sleep(1)


def network_step(plan: dict) -> dict:
    """The plan's unmount step of /mnt/nfs."""
    step = next((s for s in plan.get("steps", []) if s.get("action") == "unmount" and s.get("path") == MOUNT), None)
    expect(step is not None, f"the plan has no unmount step for {MOUNT}: {plan.get('steps')}")
    return step


def check(plan: dict, ident: str) -> dict:
    found = next((c for c in plan.get("checks", []) if c.get("id") == ident), None)
    expect(found is not None, f"the plan has no {ident} check")
    return found


@scenario("server-nfs")
def server_nfs(ctx: ScenarioContext) -> None:
    with NFSPair(ctx) as pair:
        client, peer, first = pair.client, pair.peer, pair.first
        plan, _ = dry_run_plan(client)
        steps = [(s.get("action"), s.get("unit") or s.get("path")) for s in plan.get("steps", [])]
        expect(steps == EXPECTED_STEPS, f"steps are {steps}, expected {EXPECTED_STEPS}")
        network = network_step(plan).get("network") or {}
        expect(network.get("server") == PEER and network.get("probe") == "reachable" and network.get("detach") is False,
               f"the NFS unmount's network payload is {network}")
        probe = check(plan, "network-mounts")
        expect(probe.get("status") == "pass" and PEER in probe.get("message", ""), f"network-mounts check: {probe}")

        token = f"nfs-{uuid.uuid4().hex[:12]}"
        client.run(f"echo {token} > {MOUNT}/before-kexec.txt; echo {token} > /data/nfs-scenario.txt", check=True)

        def on_images(paused: Guest) -> None:
            found = read_file(paused.images.data_fs, "/nfs-scenario.txt").decode().strip()
            expect(found == token, f"data image holds {found!r}, expected {token!r}")

        outcome = kreboot_reboot(client, first, "--yes", on_images, boot_timeout=BOOT_TIMEOUT)
        ctx.timing("kreboot -> new kernel", outcome.to_new_kernel)
        ctx.timing("kreboot -> new boot READY", outcome.to_ready)
        expect_steps_as_planned(plan, outcome.output)
        reported = progress_steps(outcome.output)
        nfs_step = reported[1]
        expect(MOUNT in nfs_step.summary and nfs_step.seconds is not None,
               f"step 2 reported {nfs_step.summary!r} ({nfs_step.seconds})")
        expect("busy" not in outcome.output and "timed out" not in outcome.output.lower(),
               f"kreboot's output: {outcome.output[-300:]!r}")
        ctx.timing("step unmount /mnt/nfs", nfs_step.seconds)
        on_peer = peer.run("cat /srv/nfs/before-kexec.txt", check=True).stdout.strip()
        expect(on_peer == token, f"the peer's /srv/nfs/before-kexec.txt reads {on_peer!r}, expected {token!r}")
        line = wait_nfs_mounted(client)
        expect(EXPORT in line, f"/mnt/nfs is mounted from something else: {line}")
        read_back = client.run(f"cat {MOUNT}/before-kexec.txt", check=True, timeout=60).stdout.strip()
        expect(read_back == token, f"{MOUNT}/before-kexec.txt reads {read_back!r} in the new boot")
        status = client.run("kreboot status --json")
        expect(status.rc == 0, f"kreboot status: {status.summary()}")


@scenario("server-nfs-dead")
def server_nfs_dead(ctx: ScenarioContext) -> None:
    with NFSPair(ctx) as pair:
        client, peer, first = pair.client, pair.peer, pair.first
        client.run(f"echo written-before-the-server-died > {MOUNT}/dead.txt && sync", check=True)
        peer._qmp("stop")  # the server answers nothing from now on
        resumed = False
        try:
            before = guest_state(client)
            table_before = client.run("cat /proc/self/mountinfo", check=True).stdout

            shown = attempt(client, "--dry-run", timeout=REFUSAL_BOUND)
            text = shown.stdout + shown.stderr
            expect(shown.rc == 75, f"dry run exited {shown.rc}, expected 75: {text[-300:]!r}")
            line = next((l for l in text.splitlines() if "network-mounts" in l), "")
            expect("FAIL" in line and PEER in line and MOUNT in line, f"the dry run's network-mounts line: {line!r}")
            ctx.timing("dry run with the server dead", shown.seconds)

            refused = attempt(client, "--yes", timeout=REFUSAL_BOUND)
            output = (refused.stdout + refused.stderr).strip()
            ctx.timing("kreboot --yes refused", refused.seconds)
            expect(refused.rc == 75, f"kreboot --yes exited {refused.rc}, expected 75: {output[-300:]!r}")
            expect(PEER in output and MOUNT in output, f"the refusal does not name the server and the mount: {output[-300:]!r}")
            expect(refused.seconds < REFUSAL_BOUND, f"the refusal took {refused.seconds:.1f} s")
            after = guest_state(client)
            expect(after.boot_id == before.boot_id, "the guest rebooted")
            stopped = sorted(before.active_units - after.active_units)
            expect(not stopped, f"units stopped by a refused run: {stopped}")
            expect(client.run("cat /proc/self/mountinfo", check=True).stdout == table_before,
                   "the mount table changed although the run was refused")
            expect(not kexec_loaded(client), "a kernel is loaded after the refusal")

            plan, _ = dry_run_plan(client, "--detach-unreachable-network-mounts")
            network = network_step(plan).get("network") or {}
            expect(network.get("detach") is True and network.get("force") is True and network.get("probe") == "unreachable",
                   f"with the override the NFS step is {network}")
            expect(check(plan, "network-mounts").get("status") == "warn", "network-mounts is not a warning with the override")
            expect((plan.get("policy") or {}).get("detachUnreachableNetworkMounts") is True, "policy lacks the override")

            token = f"dead-{uuid.uuid4().hex[:12]}"
            client.run(f"echo {token} > /data/nfs-dead.txt", check=True)

            def on_images(paused: Guest) -> None:
                found = read_file(paused.images.data_fs, "/nfs-dead.txt").decode().strip()
                expect(found == token, f"data image holds {found!r}, expected {token!r}")
                # The new kernel is running: let its boot find the server again.
                nonlocal resumed
                peer._qmp("cont")
                resumed = True

            outcome = kreboot_reboot(client, first, "--yes --detach-unreachable-network-mounts", on_images, timeout=180,
                                     boot_timeout=BOOT_TIMEOUT)
            ctx.timing("kreboot --detach-unreachable-network-mounts -> new kernel", outcome.to_new_kernel)
            ctx.timing("kreboot --detach-unreachable-network-mounts -> new boot READY", outcome.to_ready)
            expect_steps_as_planned(plan, outcome.output)
            detach = progress_steps(outcome.output)[1]
            expect(detach.seconds is not None and "detach" in detach.summary, f"step 2 reported {detach.summary!r}")
            ctx.timing("step detach /mnt/nfs", detach.seconds)
            line = wait_nfs_mounted(client, timeout=180)
            expect(EXPORT in line, f"/mnt/nfs is mounted from something else: {line}")
            kept = client.run(f"cat {MOUNT}/dead.txt", check=True, timeout=60).stdout.strip()
            expect(kept == "written-before-the-server-died", f"{MOUNT}/dead.txt reads {kept!r}")
        finally:
            if not resumed:
                try:
                    peer._qmp("cont")
                except Exception:
                    pass
