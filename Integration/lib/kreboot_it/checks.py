"""Small assertions about a running guest, each failing the scenario with a one-line reason."""

from __future__ import annotations

from .failure import ScenarioFailure
from .guest import Guest


def expect(condition: bool, reason: str) -> None:
    """Fail the scenario with `reason` unless `condition` holds."""
    if not condition:
        raise ScenarioFailure(reason)


def mount_of(guest: Guest, path: str) -> tuple[str, str, list[str]] | None:
    """(source, file system UUID, options) of the file system mounted exactly at `path`, or None."""
    result = guest.run(f"findmnt -n -r -o SOURCE,UUID,OPTIONS --mountpoint {path}")
    if result.rc != 0 or not result.stdout.strip():
        return None
    source, uuid, options = (result.stdout.strip().splitlines()[0].split(" ") + ["", ""])[:3]
    return source, uuid, options.split(",")


def expect_mounted(guest: Guest, path: str, uuid: str, mode: str) -> None:
    """Fail unless the file system with `uuid` is mounted at `path` with option `mode` ("rw"/"ro")."""
    mount = mount_of(guest, path)
    expect(mount is not None, f"{path} is not mounted in the guest")
    expect(mount[1] == uuid, f"{path} is mounted from {mount[0]} (UUID {mount[1] or '?'}), expected UUID {uuid}")
    expect(mode in mount[2], f"{path} is mounted {','.join(mount[2])}, expected {mode}")


def boot_id(guest: Guest) -> str:
    """The guest's current boot id."""
    return guest.run("cat /proc/sys/kernel/random/boot_id", check=True).stdout.strip()


def kexec_loaded(guest: Guest) -> bool:
    """True when a kexec kernel is loaded in the guest (/sys/kernel/kexec_loaded)."""
    return guest.run("cat /sys/kernel/kexec_loaded", check=True).stdout.strip() == "1"
