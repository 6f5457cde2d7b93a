"""netdump-nfs and netdump-unreachable (issue 16): the capture boot brings up the network and saves the
dump to a peer guest.

Two guests of the `nfs` flavor on a private link between their qemu processes (`-netdev stream` over a unix
socket: no host networking), as server-nfs has them: the peer (10.0.9.1, kreboot_it.role=nfs-server) exports
/srv/nfs; the kdump guest (10.0.9.2) has 2 GiB and crashkernel=256M, kreboot-save-dump.service installed
(dist/, ExecStart pointed at the guest's kreboot) and KDUMP_SAVEDIR=nfs://10.0.9.1/srv/nfs/crash in
/etc/default/kdump-tools. Its kernel boots without an initramfs; since the dump needs the network, kreboot's
capture command line boots the root's systemd with systemd.unit=kreboot-save-dump.service (no init=), and
`kreboot save-dump` brings up KDUMP_NETCONFIG with systemd-networkd.

netdump-nfs (KDUMP_NETCONFIG=auto): the dry run's capture line has systemd.unit= and no init=, and the
kdump-config check passes naming the target; a config with init= in KDUMP_COMMANDLINE_APPEND is refused
(kdump-config FAIL naming KDUMP_NETCONFIG). `kreboot --test-kdump --yes` → the capture console says the
network is up and the server answers → on the peer the new dump directory has vmcore, dmesg.txt and
kreboot-dump.json (complete, nothing left `-incomplete`), the peer's `kreboot inspect` names the release
and arch, the dmesg holds the marker; an old kreboot dump beyond KDUMP_KEEP_OLD_DUMPS=1 is deleted and a
foreign directory in the save directory is kept; after the reboot `kreboot status` reports the test
succeeded, naming the nfs:// place.

netdump-unreachable (KDUMP_NETCONFIG=IFACE:static, KDUMP_NET_TIMEOUT=20): the peer paused with QMP `stop`
before the panic → the capture boot says the server did not answer and reboots within a bounded time;
`kreboot status` reports the test failed with that reason.

netdump-sftp, netdump-cifs, netdump-ftp and kdump-notify (docstrings below) use the same pair; what they share
(starting the pair, the config, a peer's service, the capture run, the dump checked on the peer, the status and
the password kept out of everything) is in NetdumpPair, the pair's start-up in nfs.start_pair (with NFSPair)."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

from ..checks import expect
from ..context import ScenarioContext
from ..guest import FIRST_BOOT_PARAMETER
from ..kdump_test import CRASHKERNEL, MEMORY_MIB, KdumpTestRun, run_kdump_test
from .nfs import BOOT_TIMEOUT, PEER, nic, start_pair
from . import scenario

REPO = Path(__file__).resolve().parents[4]
SAVE_URL = f"nfs://{PEER}/srv/nfs/crash"
PEER_DIR = "/srv/nfs/crash"
CAPTURE_TIMEOUT = 420.0  # the capture boot runs systemd under TCG on a shared host
SAVED = r"kreboot\[\d+\]: saved \S+ in \S+"
UNREACHABLE_BOUND = 300.0  # panic -> next boot when the server is dead (KDUMP_NET_TIMEOUT=20 plus two boots)


def unit_text() -> str:
    """dist/kreboot-save-dump.service with the guest's kreboot path."""
    text = (REPO / "dist" / "kreboot-save-dump.service").read_text()
    return text.replace("/usr/sbin/kreboot", "/usr/local/bin/kreboot")


class NetdumpPair:
    """The NFS peer and the kdump guest on one private link."""

    def __init__(self, ctx: ScenarioContext):
        cached = ctx.cached_guest("nfs")
        self.ctx = ctx
        self.cached = cached
        self.link = ctx.run_dir / "netdump-link.sock"
        self.peer = ctx.boot("nfs-peer", cached=cached, memory_mb=768,
                             append=f"{cached.command_line} {FIRST_BOOT_PARAMETER} kreboot_it.role=nfs-server",
                             extra_args=nic(cached, "peer", self.link))
        self.guest = ctx.boot("kdump-guest", cached=cached, memory_mb=MEMORY_MIB,
                              append=f"{cached.command_line} {FIRST_BOOT_PARAMETER} {CRASHKERNEL}",
                              extra_args=nic(cached, "client", self.link))

    def __enter__(self) -> "NetdumpPair":
        start_pair(self.ctx, self.peer, self.guest, self.link)
        self.peer.run(f"mkdir -p {PEER_DIR}", check=True)
        self.guest.run(f"cat > /etc/systemd/system/kreboot-save-dump.service <<'EOF'\n{unit_text()}EOF\n"
                       "systemctl daemon-reload", check=True)
        return self

    def __exit__(self, *exc) -> None:
        self.guest.stop()
        self.peer.stop()

    def configure(self, extra: str = "", savedir: str = SAVE_URL) -> None:
        """/etc/default/kdump-tools of the kdump guest: KDUMP_SAVEDIR, dump level 31 and `extra` lines."""
        config = f"KDUMP_SAVEDIR={savedir}\nKDUMP_DUMPLEVEL=31\n{extra}"
        self.guest.run(f"cat > /etc/default/kdump-tools <<'EOF'\n{config}EOF", check=True)

    def start_peer_service(self, unit: str, prepare: str, package: str) -> None:
        """Runs `prepare` on the peer, then starts `unit` there (the nfs flavor installs it, disabled)."""
        have = self.peer.run(f"{prepare} && systemctl start {unit} && systemctl is-active {unit}", timeout=180)
        expect(have.stdout.strip().endswith("active"), f"no {unit} on the peer (the nfs flavor needs {package}): {have.summary()}")

    def interface(self) -> str:
        """The kdump guest's NIC on the private link (the guest has no iproute2): the one interface besides lo."""
        iface = self.guest.run("ls /sys/class/net | grep -vx lo | head -1", check=True).stdout.strip()
        expect(iface != "", "the kdump guest has no network interface")
        return iface

    def capture(self, ctx: ScenarioContext, notes: str = r"network:|dump server|saved ") -> tuple[KdumpTestRun, str]:
        """`kreboot --test-kdump --yes` → the capture boot → the next boot's kernel; the capture boot's console
        (its lines matching `notes` go to the scenario's notes) must say `saved … in …`."""
        run = run_kdump_test(self.guest, later_timeout=CAPTURE_TIMEOUT)
        ctx.timing("kreboot --test-kdump -> panic", run.panicked - run.sent)
        ctx.timing("panic -> next boot", run.next_seen - run.panicked)
        log = self.guest.console()[run.capture_end:run.next_start]
        for line in re.findall(rf"[^\r\n]*(?:{notes})[^\r\n]*", log)[-6:]:
            ctx.notes.append(f"capture: {line.strip()}")
        # Under systemd save-dump's lines reach the console through the journal, prefixed `kreboot[PID]: `.
        expect(re.search(SAVED, log), f"the capture boot did not say `saved … in …`: {log[-600:]!r}")
        return run, log

    def check_peer_dump(self, ctx: ScenarioContext, base: str, marker: str, flattened: bool = False) -> str:
        """The newest dump directory in the peer's `base`: vmcore, dmesg.txt and a complete kreboot-dump.json,
        nothing left incomplete; the vmcore makedumpfile's flattened format when `flattened`; the peer's
        `kreboot inspect` names the guest's release and x86_64; dmesg.txt holds `marker`. Returns its path."""
        listed = self.peer.run(f"ls -1 {base}", check=True).stdout.split()
        dumps = sorted(name for name in listed if re.match(r"\d{4}-\d\d-\d\d-", name))
        expect(dumps, f"no dump directory in the peer's {base}: {listed}")
        newest = f"{base}/{dumps[-1]}"
        files = self.peer.run(f"ls -1 {newest}", check=True).stdout.split()
        expect({"vmcore", "dmesg.txt", "kreboot-dump.json"} <= set(files) and not any("incomplete" in f for f in files),
               f"{newest} holds {files}")
        manifest = json.loads(self.peer.run(f"cat {newest}/kreboot-dump.json", check=True).stdout)
        expect(manifest.get("complete") is True, f"the manifest is not complete: {manifest}")
        if flattened:
            head = self.peer.run(f"head -c 16 {newest}/vmcore", check=True).stdout
            expect(head.startswith("makedumpfile"), f"the vmcore is not makedumpfile's flattened format: {head!r}")
        inspect = self.peer.run(f"kreboot inspect {newest}/vmcore --json", timeout=120)
        expect(inspect.rc == 0, f"kreboot inspect on the peer: {inspect.summary()}")
        info = json.loads(inspect.stdout)
        expect(info.get("release") == self.cached.kernel61 and info.get("arch") == "x86_64",
               f"inspect on the peer: release {info.get('release')!r}, arch {info.get('arch')!r}")
        expect(self.peer.run(f"grep -c {marker} {newest}/dmesg.txt").stdout.strip() not in ("", "0"),
               f"{newest}/dmesg.txt does not hold the marker")
        size = self.peer.run(f"stat -c %s {newest}/vmcore", check=True).stdout.strip()
        ctx.notes.append(f"dump on the peer: {newest}/vmcore{' (flattened)' if flattened else ''}, {int(size) / 1048576:.1f} MiB")
        return newest

    def expect_succeeded(self, run: KdumpTestRun, secret: str | None = None) -> None:
        """After the capture boot: the next boot comes up and `kreboot status` says the test succeeded on the
        peer; with `secret`, it appears nowhere on the console, in the journal or in `kreboot status`."""
        self.guest.wait_boot(after=run.next_end, timeout=BOOT_TIMEOUT)
        status = self.guest.run("kreboot status --json")
        expect(status.rc == 0, f"kreboot status: {status.summary()}")
        expect("succeeded" in status.stdout and PEER in status.stdout,
               f"kreboot status does not report the test succeeded on {PEER}: {status.stdout.strip()[-400:]!r}")
        if secret is not None:
            expect(secret not in status.stdout, "the password is in `kreboot status`")
            expect(secret not in self.guest.console(), "the password is on the console")
            journal = self.guest.run(f"journalctl --no-pager | grep -c -F '{secret}'")
            expect(journal.stdout.strip() in ("0", ""), "the password is in the journal")

    def expect_masked_dry_run(self, secret: str, shown_text: str = "***") -> None:
        """`kreboot --dry-run --test-kdump` passes, shows `shown_text` and not `secret`."""
        shown = self.guest.run("kreboot --dry-run --test-kdump", timeout=120)
        expect(shown.rc == 0, f"kreboot --dry-run --test-kdump: {shown.summary()}")
        expect(secret not in shown.stdout + shown.stderr and shown_text in shown.stdout,
               f"the dry run shows the password or not {shown_text!r}: {shown.stdout[-400:]!r}")


def check_plan(pair: NetdumpPair) -> None:
    """The dry run: systemd runs the save unit (no init=), the target and the network are shown; with init= in
    KDUMP_COMMANDLINE_APPEND the plan refuses naming KDUMP_NETCONFIG."""
    shown = pair.guest.run("kreboot --dry-run --test-kdump --json", timeout=120)
    expect(shown.rc == 0, f"kreboot --dry-run --test-kdump: {shown.summary()}")
    plan = json.loads(shown.stdout)
    load = next((s for s in plan.get("steps", []) if s.get("action") == "loadCrash"), None)
    line = json.dumps(load or {})
    expect("systemd.unit=kreboot-save-dump.service" in line and "init=" not in line,
           f"the capture kernel's command line does not run the save unit under systemd: {line[:600]}")
    config = next((c for c in plan.get("checks", []) if c.get("id") == "kdump-config"), {})
    expect(config.get("status") == "pass" and SAVE_URL in config.get("message", ""), f"kdump-config check: {config}")

    pair.configure('KDUMP_COMMANDLINE_APPEND="init=/usr/local/bin/kreboot -- save-dump"\n')
    refused = pair.guest.run("kreboot --dry-run --test-kdump", timeout=120)
    text = refused.stdout + refused.stderr
    line = next((l for l in text.splitlines() if "kdump-config" in l), "")
    expect(refused.rc != 0 and "FAIL" in line and "KDUMP_NETCONFIG" in line,
           f"a capture boot with init= and a network target is not refused: rc {refused.rc}, {line or text[-300:]!r}")


def peer_dumps(pair: NetdumpPair) -> list[str]:
    listed = pair.peer.run(f"ls -1 {PEER_DIR}", check=True).stdout.split()
    return sorted(name for name in listed if re.match(r"\d{4}-\d\d-\d\d-", name))


@scenario("netdump-nfs", opt_in=True)
def netdump_nfs(ctx: ScenarioContext) -> None:
    marker = f"KREBOOT-IT-NETDUMP-{uuid.uuid4().hex[:12]}"
    with NetdumpPair(ctx) as pair:
        guest, peer = pair.guest, pair.peer
        pair.configure("KDUMP_NETCONFIG=auto\nKDUMP_KEEP_OLD_DUMPS=1\n")
        check_plan(pair)
        pair.configure("KDUMP_NETCONFIG=auto\nKDUMP_KEEP_OLD_DUMPS=1\n")
        # Two old kreboot dumps and someone else's directory: KEEP_OLD_DUMPS=1 deletes the older kreboot one only.
        for name, saved in (("2020-01-01-00:00:00", "2020-01-01T00:00:00Z"), ("2020-01-02-00:00:00", "2020-01-02T00:00:00Z")):
            peer.run(f"mkdir -p {PEER_DIR}/{name} && echo '{{\"createdBy\":\"kreboot\",\"problems\":[],\"savedAt\":\"{saved}\",\"complete\":true,"
                     f"\"format\":\"compressed\",\"dumpLevel\":31}}' > {PEER_DIR}/{name}/kreboot-dump.json", check=True)
        peer.run(f"mkdir -p {PEER_DIR}/2019-foreign && echo keep > {PEER_DIR}/2019-foreign/vmcore", check=True)
        guest.run(f"echo {marker} > /dev/kmsg", check=True)

        run, log = pair.capture(ctx, notes=r"network:|dump server|saved |deleted old")
        ctx.timing("panic -> capture kernel", run.capture_seen - run.panicked)
        expect(re.search(r"network: up after", log), f"the capture boot did not say the network is up: {log[-600:]!r}")

        dumps = peer_dumps(pair)
        expect("2020-01-01-00:00:00" not in dumps and "2020-01-02-00:00:00" in dumps,
               f"KDUMP_KEEP_OLD_DUMPS=1 left {dumps}")
        expect(peer.run(f"cat {PEER_DIR}/2019-foreign/vmcore").stdout.strip() == "keep", "the foreign directory was touched")
        pair.check_peer_dump(ctx, PEER_DIR, marker)
        pair.expect_succeeded(run)


@scenario("netdump-unreachable", opt_in=True)
def netdump_unreachable(ctx: ScenarioContext) -> None:
    with NetdumpPair(ctx) as pair:
        guest, peer = pair.guest, pair.peer
        pair.configure(f"KDUMP_NETCONFIG={pair.interface()}:static\nKDUMP_NET_TIMEOUT=20\n")
        peer._qmp("stop")  # the server answers nothing from now on
        try:
            run = run_kdump_test(guest, later_timeout=CAPTURE_TIMEOUT)
            took = run.next_seen - run.panicked
            ctx.timing("panic -> next boot (server dead)", took)
            log = guest.console()[run.capture_end:run.next_start]
            said = re.search(r"[^\r\n]*did not answer within[^\r\n]*", log)
            expect(said is not None, f"the capture boot did not say the server is unreachable: {log[-600:]!r}")
            ctx.notes.append(f"capture: {said.group(0).strip()}")
            expect(not re.search(SAVED, log), "the capture boot says it saved a dump")
            expect(took < UNREACHABLE_BOUND, f"the capture boot took {took:.0f} s to give up and reboot")
            guest.wait_boot(after=run.next_end, timeout=BOOT_TIMEOUT)
            status = guest.run("kreboot status --json")
            expect(status.rc == 0, f"kreboot status: {status.summary()}")
            expect('"failed"' in status.stdout and "did not answer" in status.stdout,
                   f"kreboot status does not report the test failed with the reason: {status.stdout.strip()[-400:]!r}")
        finally:
            peer._qmp("cont")


SFTP_DIR = "/srv/crash-sftp"
SSH_KEY = "/root/.ssh/kdump_id"


@scenario("netdump-sftp", opt_in=True)
def netdump_sftp(ctx: ScenarioContext) -> None:
    """KDUMP_SAVEDIR=sftp://root@10.0.9.1/srv/crash-sftp with KDUMP_SSH_IDENTITY: the capture boot streams
    makedumpfile -F into ssh; the peer holds the flattened vmcore (its `kreboot inspect` names release and
    arch), dmesg.txt with the marker and a complete manifest; `status` says succeeded."""
    marker = f"KREBOOT-IT-SFTP-{uuid.uuid4().hex[:12]}"
    with NetdumpPair(ctx) as pair:
        guest, peer = pair.guest, pair.peer
        pair.start_peer_service("ssh", "test -x /usr/sbin/sshd", "openssh-server")
        # The key and the server's host key, as kdump-tools' `kdump-config propagate` leaves them.
        guest.run(f"mkdir -p -m 700 /root/.ssh && ssh-keygen -q -t ed25519 -N '' -f {SSH_KEY}", check=True)
        public = guest.run(f"cat {SSH_KEY}.pub", check=True).stdout.strip()
        peer.run(f"mkdir -p -m 700 /root/.ssh && echo '{public}' >> /root/.ssh/authorized_keys && mkdir -p {SFTP_DIR}", check=True)
        guest.run(f"ssh -i {SSH_KEY} -o BatchMode=yes -o StrictHostKeyChecking=accept-new root@{PEER} true", check=True, timeout=120)
        pair.configure(f"KDUMP_SSH_IDENTITY={SSH_KEY}\n", savedir=f"sftp://root@{PEER}{SFTP_DIR}")
        guest.run(f"echo {marker} > /dev/kmsg", check=True)

        run, _ = pair.capture(ctx, notes=r"network:|dump server|saved |sent ")
        pair.check_peer_dump(ctx, SFTP_DIR, marker, flattened=True)
        pair.expect_succeeded(run)


CIFS_SECRET = "kd-Secret,42"  # a comma: the kernel's option parser needs it doubled in the mount data


@scenario("netdump-cifs", opt_in=True)
def netdump_cifs(ctx: ScenarioContext) -> None:
    """KDUMP_SAVEDIR=cifs://kdump:PASSWORD@10.0.9.1/crash/dumps (samba on the peer): the capture boot mounts
    the share with the kernel's CIFS client and saves there; the peer's `kreboot inspect` names release and
    arch, the dmesg holds the marker; the password appears nowhere in the dry run, the console or the journal."""
    marker = f"KREBOOT-IT-CIFS-{uuid.uuid4().hex[:12]}"
    with NetdumpPair(ctx) as pair:
        guest = pair.guest
        pair.start_peer_service("smbd", "test -x /usr/sbin/smbd && mkdir -p /srv/cifs/dumps && "
                                "useradd -M -s /usr/sbin/nologin kdump 2>/dev/null; chown -R kdump /srv/cifs && "
                                f"printf '%s\\n%s\\n' '{CIFS_SECRET}' '{CIFS_SECRET}' | smbpasswd -s -a kdump", "samba")
        pair.configure(savedir=f"cifs://kdump:{CIFS_SECRET.replace(',', '%2C')}@{PEER}/crash/dumps")
        pair.expect_masked_dry_run(CIFS_SECRET)
        guest.run(f"echo {marker} > /dev/kmsg", check=True)

        run, _ = pair.capture(ctx, notes=r"network:|dump server|mounted|saved ")
        expect(CIFS_SECRET.replace(",", "%2C") not in guest.console(), "the password (URL-encoded) is on the console")
        pair.check_peer_dump(ctx, "/srv/cifs/dumps", marker)
        pair.expect_succeeded(run, secret=CIFS_SECRET)


SMTP_SINK = r'''
import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 2525))
s.listen(5)
while True:
    c, _ = s.accept()
    f = c.makefile("rwb")
    def say(x):
        f.write(x.encode() + b"\r\n")
        f.flush()
    say("220 sink ESMTP")
    data = False
    out = open("/root/mail.txt", "ab")
    for line in f:
        out.write(line)
        out.flush()
        t = line.decode(errors="replace").rstrip("\r\n")
        if data:
            if t == ".":
                data = False
                say("250 queued")
            continue
        u = t.upper()
        if u.startswith("EHLO"):
            say("250-sink")
            say("250 AUTH PLAIN")
        elif u.startswith("AUTH"):
            say("235 ok")
        elif u.startswith("DATA"):
            say("354 go")
            data = True
        elif u.startswith("QUIT"):
            say("221 bye")
            break
        else:
            say("250 ok")
    c.close()
'''
SMTP_SECRET = "Mail-Secret-7f3a"


HOOK = "/usr/local/sbin/kdump-hook"
# KDUMP_POSTSCRIPT's program: its environment and arguments into the kernel log (the console) and a file.
HOOK_TEXT = """#!/bin/sh
line="KDUMP-HOOK status=$KREBOOT_DUMP_STATUS place=$KREBOOT_DUMP_PLACE reason=${KREBOOT_DUMP_REASON-unset} argc=$# args=$*"
echo "$line" > /dev/kmsg
echo "$line" >> /var/tmp/kdump-hook.out
"""


@scenario("kdump-notify", opt_in=True)
def kdump_notify(ctx: ScenarioContext) -> None:
    """A dump to the NFS peer with KDUMP_SMTP_SERVER=10.0.9.1:2525 (an SMTP sink on the peer, Python's socket
    module), KDUMP_SMTP_USER/PASSWORD and KDUMP_NOTIFICATION_TO/CC: the mail, sent through libcurl, reaches the
    sink with host, time, release, panic message, the dump's place and size; the password appears nowhere in the
    dry run, the console or the capture boot's journal. KDUMP_POSTSCRIPT, a command line with arguments as
    SUSE's kdump evaluates it, runs in the capture boot with the outcome in its environment."""
    with NetdumpPair(ctx) as pair:
        guest, peer = pair.guest, pair.peer
        peer.run(f"cat > /root/sink.py <<'EOF'\n{SMTP_SINK}EOF\nsystemd-run --unit=smtp-sink python3 /root/sink.py", check=True)
        guest.run(f"cat > {HOOK} <<'EOF'\n{HOOK_TEXT}EOF\nchmod 755 {HOOK}", check=True)
        pair.configure(f"KDUMP_SMTP_SERVER={PEER}:2525\nKDUMP_SMTP_USER=kdump\nKDUMP_SMTP_PASSWORD={SMTP_SECRET}\n"
                       "KDUMP_NOTIFICATION_TO=ops@example.com\nKDUMP_NOTIFICATION_CC=dev@example.com\n"
                       f"KDUMP_POSTSCRIPT=\"{HOOK} --from kdump-notify\"\n")
        pair.expect_masked_dry_run(SMTP_SECRET, shown_text="ops@example.com")
        run, log = pair.capture(ctx, notes=r"mail sent to|KDUMP_POSTSCRIPT|KDUMP-HOOK")
        sent = re.search(r"[^\r\n]*mail sent to[^\r\n]*", log)
        expect(sent is not None, f"the capture boot did not say the mail was sent: {log[-600:]!r}")
        hook = re.search(r"KDUMP-HOOK status=(\S*) place=(\S*) reason=(\S*) argc=(\d+) args=([^\r\n]*)", log)
        expect(hook is not None, f"KDUMP_POSTSCRIPT did not run in the capture boot: {log[-600:]!r}")
        expect(hook.groups() == ("saved", hook.group(2), "unset", "2", "--from kdump-notify") and hook.group(2).startswith(f"{SAVE_URL}/"),
               f"KDUMP_POSTSCRIPT got {hook.group(0)!r}")
        expect(re.search(rf"KDUMP_POSTSCRIPT {re.escape(HOOK)} --from kdump-notify: exit 0", log),
               f"the capture boot did not say how KDUMP_POSTSCRIPT ended: {log[-600:]!r}")
        mail = peer.run("cat /root/mail.txt", check=True).stdout
        for field in ("Subject: kdump: ", "saved a crash dump", "Host: ", "Time: ", f"Kernel: {pair.cached.kernel61}",
                      "Panic: Kernel panic - not syncing", f"Dump: {SAVE_URL}/", "Size: ", "RCPT TO:<ops@example.com>",
                      "RCPT TO:<dev@example.com>", "AUTH PLAIN "):
            expect(field in mail, f"the mail lacks {field!r}: {mail[-800:]!r}")
        pair.expect_succeeded(run, secret=SMTP_SECRET)
        written = guest.run("cat /var/tmp/kdump-hook.out").stdout
        ctx.notes.append(f"KDUMP_POSTSCRIPT wrote: {written.strip() or '(nothing on the root: read-only in the capture boot?)'}")


FTP_SECRET = "Ftp-Secret-9c1e"
FTP_HOME = "/srv/ftpdump"  # ftpdump's home on the peer (build-nfs-guest.sh): ftp URL paths are relative to it


@scenario("netdump-ftp", opt_in=True)
def netdump_ftp(ctx: ScenarioContext) -> None:
    """KDUMP_SAVEDIR=ftp://ftpdump:PASSWORD@10.0.9.1/crash (vsftpd on the peer, passive mode on the private link)
    and KDUMP_NETCONFIG=IFACE:static (the address of the system's own networkd file, matched by MAC): the capture
    boot says it keeps that configuration and is up with 10.0.9.2, streams makedumpfile -F through libcurl; on
    the peer the flattened vmcore (its `kreboot inspect` names release and arch), dmesg.txt with the marker and
    a complete manifest, nothing left `.incomplete`; `status` says succeeded; the password is nowhere in the dry
    run, the console, the journal or `kreboot status`."""
    marker = f"KREBOOT-IT-FTP-{uuid.uuid4().hex[:12]}"
    with NetdumpPair(ctx) as pair:
        guest = pair.guest
        pair.start_peer_service("vsftpd", f"test -x /usr/sbin/vsftpd && echo 'ftpdump:{FTP_SECRET}' | chpasswd", "vsftpd")
        iface = pair.interface()
        pair.configure(f"KDUMP_NETCONFIG={iface}:static\n", savedir=f"ftp://ftpdump:{FTP_SECRET}@{PEER}/crash")
        pair.expect_masked_dry_run(FTP_SECRET)
        guest.run(f"echo {marker} > /dev/kmsg", check=True)

        run, log = pair.capture(ctx, notes=r"network:|dump server|saving |saved ")
        expect(re.search(rf"network: {re.escape(iface)} keeps the system's own systemd-networkd configuration \(static\)", log)
               and re.search(rf"network: up after [\d.]+ s: {re.escape(iface)} {re.escape(pair.cached.manifest['clientAddress'])}", log),
               f"the capture boot did not say it brought up {iface} with its static address: {log[-800:]!r}")
        pair.check_peer_dump(ctx, f"{FTP_HOME}/crash", marker, flattened=True)
        pair.expect_succeeded(run, secret=FTP_SECRET)
