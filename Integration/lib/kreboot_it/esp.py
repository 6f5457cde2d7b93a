"""The EFI system partition of a run's root image, read and written from the host with mtools (the host
kernel has no vfat driver) while qemu is stopped or paused. A partition is named as mtools takes it:
`disk.img@@OFFSET`."""

from __future__ import annotations

import subprocess
from pathlib import Path

from .failure import ScenarioFailure

# struct fat_boot_sector: the FAT32 `state` byte; Linux sets bit 0 (FAT_STATE_DIRTY) while the file system
# is mounted read-write and clears it when it is unmounted or remounted read-only.
FAT32_STATE_OFFSET = 0x41
FAT_STATE_DIRTY = 0x01


def esp_spec(disk: Path, offset: int) -> str:
    """The mtools image spec of the partition at byte `offset` of `disk`."""
    return f"{disk}@@{offset}"


def fat_dirty(disk: Path, offset: int) -> bool:
    """True when the FAT32 file system at `offset` is marked dirty (mounted read-write, not yet unmounted)."""
    with open(disk, "rb") as image:
        image.seek(offset)
        sector = image.read(512)
    if sector[510:512] != b"\x55\xaa" or sector[82:87] != b"FAT32":
        raise ScenarioFailure(f"no FAT32 boot sector at offset {offset} of {disk}")
    return bool(sector[FAT32_STATE_OFFSET] & FAT_STATE_DIRTY)


def read_esp_file(disk: Path, offset: int, path: str) -> bytes:
    """A file of the ESP (`path` from its root, e.g. /loader/loader.conf)."""
    result = subprocess.run(["mcopy", "-n", "-i", esp_spec(disk, offset), f"::{path}", "-"], capture_output=True)
    if result.returncode != 0:
        raise ScenarioFailure(f"mcopy ::{path} from {disk}: {result.stderr.decode(errors='replace').strip()[-200:]}")
    return result.stdout


def copy_within_esp(disk: Path, offset: int, source: str, destination: str) -> None:
    """Copy one ESP file over another (e.g. systemd-boot over the removable path EFI/BOOT/BOOTX64.EFI)."""
    data = read_esp_file(disk, offset, source)
    result = subprocess.run(["mcopy", "-o", "-i", esp_spec(disk, offset), "-", f"::{destination}"],
                            input=data, capture_output=True)
    if result.returncode != 0 or read_esp_file(disk, offset, destination) != data:
        raise ScenarioFailure(f"could not copy ::{source} to ::{destination} in {disk}: "
                              f"{result.stderr.decode(errors='replace').strip()[-200:]}")
