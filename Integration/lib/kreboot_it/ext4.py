"""Host-side checks of ext4 images while qemu is stopped or paused (dumpe2fs, debugfs; read-only).

A file system is named as e2fsprogs takes it: an image path, or `disk.img?offset=BYTES` for a
partition (RunImages.root_fs / data_fs)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from .failure import ScenarioFailure


def superblock(image: str) -> dict[str, str]:
    """`dumpe2fs -h` as a dict ("Filesystem features" → "has_journal ext_attr …")."""
    result = subprocess.run(["dumpe2fs", "-h", image], capture_output=True, text=True)
    if result.returncode != 0:
        raise ScenarioFailure(f"dumpe2fs -h {image} failed: {result.stderr.strip()[-200:]}")
    fields = {}
    for line in result.stdout.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            fields[key.strip()] = value.strip()
    return fields


def needs_recovery(image: str) -> bool:
    """True when the journal must be replayed: the file system was not cleanly unmounted or
    remounted read-only. ("Filesystem state: clean" proves nothing with a journal — pitfall 1.)"""
    return "needs_recovery" in superblock(image).get("Filesystem features", "").split()


def assert_clean(image: str, label: str) -> None:
    """Fail unless the image's journal is clean (needs_recovery absent)."""
    if needs_recovery(image):
        raise ScenarioFailure(f"{label} file system is dirty: needs_recovery set in {image}")


def read_file(image: str, path: str) -> bytes:
    """A file's contents from an unmounted ext4 image (`debugfs -R 'cat PATH'`)."""
    result = subprocess.run(["debugfs", "-R", f"cat {path}", image], capture_output=True)
    errors = result.stderr.decode(errors="replace")
    if result.returncode != 0 or "File not found" in errors or "not found by ext2_lookup" in errors:
        raise ScenarioFailure(f"{path} not found in {image}")
    return result.stdout


def list_directory(image: str, path: str) -> list[tuple[str, bool, int]]:
    """(name, is_directory, size) of each entry in `path` (without . and ..), via `debugfs ls -p`."""
    result = subprocess.run(["debugfs", "-R", f"ls -p {path}", image], capture_output=True, text=True)
    entries = []
    for line in result.stdout.splitlines():
        fields = line.strip()[1:].split("/")  # /ino/mode/uid/gid/name/size/ (size empty for directories)
        if line.strip().startswith("/") and len(fields) >= 6 and fields[4] not in (".", ".."):
            is_directory = int(fields[1], 8) & 0o170000 == 0o040000
            entries.append((fields[4], is_directory, int(fields[5] or 0)))
    return entries


def copy_out(image: str, path: str, destination: Path) -> None:
    """Copy a file out of an unmounted ext4 file system (`debugfs -R 'dump PATH DEST'`)."""
    subprocess.run(["debugfs", "-R", f"dump {path} {destination}", image], capture_output=True)
    if not destination.is_file():
        raise ScenarioFailure(f"could not copy {path} out of {image}")
