"""Host-side checks of ext4 images after qemu has stopped (dumpe2fs, debugfs; read-only)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from .failure import ScenarioFailure


def superblock(image: Path) -> dict[str, str]:
    """`dumpe2fs -h` as a dict ("Filesystem features" → "has_journal ext_attr …")."""
    result = subprocess.run(["dumpe2fs", "-h", str(image)], capture_output=True, text=True)
    if result.returncode != 0:
        raise ScenarioFailure(f"dumpe2fs -h {image.name} failed: {result.stderr.strip()[-200:]}")
    fields = {}
    for line in result.stdout.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            fields[key.strip()] = value.strip()
    return fields


def needs_recovery(image: Path) -> bool:
    """True when the journal must be replayed: the file system was not cleanly unmounted or
    remounted read-only. ("Filesystem state: clean" proves nothing with a journal — pitfall 1.)"""
    return "needs_recovery" in superblock(image).get("Filesystem features", "").split()


def assert_clean(image: Path, label: str) -> None:
    """Fail unless the image's journal is clean (needs_recovery absent)."""
    if needs_recovery(image):
        raise ScenarioFailure(f"{label} file system is dirty: needs_recovery set in {image.name}")


def read_file(image: Path, path: str) -> bytes:
    """A file's contents from an unmounted ext4 image (`debugfs -R 'cat PATH'`)."""
    result = subprocess.run(["debugfs", "-R", f"cat {path}", str(image)], capture_output=True)
    errors = result.stderr.decode(errors="replace")
    if result.returncode != 0 or "File not found" in errors or "not found by ext2_lookup" in errors:
        raise ScenarioFailure(f"{path} not found in {image.name}")
    return result.stdout
