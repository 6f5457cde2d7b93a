"""manual-kexec: proves the harness itself with kexec-tools, no kreboot — write to /data, load,
isolate rescue, move the journal to /run, unmount /data, remount / read-only, kexec. When the new
kernel echoes its command line (with the token) the host pauses the VM and finds both images clean
and the data on the data image; then the new boot comes up with a new boot id and the token in
/proc/cmdline, replays no journal, and reads the data back.

dirty-control: the same without the remount of /, qemu stopped at the new kernel's command line;
the checker must report the root as dirty (the self-test that a clean result means something)."""

import uuid

from ..checks import expect, expect_mounted
from ..context import ScenarioContext
from ..ext4 import needs_recovery, read_file
from ..guest import Guest
from . import scenario

DATA_FILE = "manual-kexec.txt"


def timed(ctx: ScenarioContext, guest: Guest, label: str, command: str) -> None:
    """Run a guest command that must succeed and record its round-trip time."""
    result = guest.run(command, check=True)
    ctx.timing(label, result.seconds)


def quiesce_and_kexec(ctx: ScenarioContext, guest: Guest, token: str, remount_root: bool) -> tuple[float, int]:
    """Quiesce by hand and `kexec -e` into the 6.1 kernel with `token` on its command line.
    Returns (time sent, console offset before the kexec)."""
    guest.run(f"echo {token} > /data/{DATA_FILE}", check=True)  # no sync: the unmount must flush it
    command_line = f"{ctx.cached.command_line} kreboot_it.token={token}"
    timed(ctx, guest, "kexec -s -l", f"kexec -s -l /boot/vmlinuz-{ctx.cached.kernel61} --command-line='{command_line}'")
    timed(ctx, guest, "isolate rescue.target", "systemctl isolate rescue.target")
    timed(ctx, guest, "journalctl --relinquish-var", "journalctl --relinquish-var")
    timed(ctx, guest, "umount /data", "umount /data")
    if remount_root:
        timed(ctx, guest, "remount / ro", "mount -o remount,ro /")
        expect_mounted(guest, "/", ctx.cached.root_uuid, "ro")
    timed(ctx, guest, "sync", "sync")
    after = guest.console_offset()
    return guest.launch("kexec -e").sent, after


@scenario("manual-kexec")
def manual_kexec(ctx: ScenarioContext) -> None:
    token = f"it-{uuid.uuid4().hex[:12]}"
    with ctx.boot() as guest:
        first = guest.wait_boot()
        sent, after = quiesce_and_kexec(ctx, guest, token, remount_root=True)
        seen, echoed = guest.wait_new_kernel(token, after)
        ctx.timing("kexec -e -> new kernel command line", seen - sent)
        with guest.paused():
            expect(not guest.new_kernel_mounted(echoed), "the new kernel mounted a disk before the host could check it")
            root_dirty = needs_recovery(guest.images.root_fs)
            data_dirty = needs_recovery(guest.images.data_fs)
            data = read_file(guest.images.data_fs, f"/{DATA_FILE}").decode().strip()
        expect(not root_dirty, "root file system is dirty (needs_recovery) after the kexec")
        expect(not data_dirty, "data file system is dirty (needs_recovery) after the kexec")
        expect(data == token, f"data image holds {data!r} in /{DATA_FILE}, expected {token!r}")

        second = guest.wait_boot(after=echoed)
        ctx.timing("kexec -e -> new boot READY", second.ready_at - sent)
        expect(second.boot_id != first.boot_id, "boot id unchanged after the kexec")
        expect(f"kreboot_it.token={token}" in second.cmdline.split(), f"token missing in /proc/cmdline: {second.cmdline}")
        expect(second.release == ctx.cached.kernel61, f"new boot runs {second.release}")
        guest.expect_no_journal_replay(after)
        read_back = guest.run(f"cat /data/{DATA_FILE}", check=True).stdout.strip()
        expect(read_back == token, f"/data/{DATA_FILE} reads {read_back!r} in the new boot")


@scenario("dirty-control")
def dirty_control(ctx: ScenarioContext) -> None:
    token = f"it-{uuid.uuid4().hex[:12]}"
    with ctx.boot() as guest:
        guest.wait_boot()
        _, after = quiesce_and_kexec(ctx, guest, token, remount_root=False)
        guest.wait_new_kernel(token, after)
        guest.stop()
    expect(needs_recovery(guest.images.root_fs),
           "checker self-test: / was left read-write but the root image is not reported dirty")
    expect(not needs_recovery(guest.images.data_fs), "data file system is dirty although /data was unmounted")
