"""Debian's kdump-tools for the server guest without rebuilding its image: the .debs it and its dependencies
need beyond what the image has are fetched on the host with `apt-get download` (once, cached in
/var/cache/kreboot-it/<hash of the list>-kdump-debs), written onto the run's copy of the /boot partition (the
host-writable file system of the server guest) and installed in the guest with `dpkg -i` by the scenario.
The server image's recipe hash is not touched."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

from .failure import ScenarioFailure
from .guest import Guest
from .images import DEFAULT_CACHE, inject_file

# kdump-tools 1:1.8.1 (bookworm) and what the server image lacks of its Depends (busybox, file, ucf, lsb-base,
# bsdextrautils); linux-base, debconf, kexec-tools, makedumpfile and initramfs-tools are in the image already.
PACKAGES = ("kdump-tools", "busybox", "file", "libmagic1", "libmagic-mgc", "ucf", "lsb-base", "bsdextrautils")
# Where they go on the guest's /boot (and so where the guest reads them).
BOOT_DIRECTORY = "/kreboot-it/kdump-debs"
GUEST_DIRECTORY = f"/boot{BOOT_DIRECTORY}"


def cached_debs(cache_root: Path = DEFAULT_CACHE) -> list[Path]:
    """The .debs of PACKAGES, downloaded once into the cache (as <package>.deb)."""
    key = hashlib.sha256(" ".join(PACKAGES).encode()).hexdigest()[:16]
    target = cache_root / f"{key}-kdump-debs"
    if not all((target / f"{name}.deb").is_file() for name in PACKAGES):
        staging = cache_root / f".{target.name}.building-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        result = subprocess.run(["apt-get", "download", *PACKAGES], cwd=staging, capture_output=True, text=True)
        if result.returncode != 0:
            shutil.rmtree(staging, ignore_errors=True)
            raise ScenarioFailure(f"apt-get download {' '.join(PACKAGES)}: {result.stderr.strip()[-300:]}")
        for deb in staging.glob("*.deb"):
            deb.rename(staging / f"{deb.name.split('_', 1)[0]}.deb")
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)
    os.utime(target)
    return [target / f"{name}.deb" for name in PACKAGES]


def put_on_boot(guest: Guest) -> None:
    """Write the cached .debs into the (unstarted) guest's /boot at BOOT_DIRECTORY."""
    debs = cached_debs()
    parent = BOOT_DIRECTORY.rsplit("/", 1)[0]
    subprocess.run(["debugfs", "-w", "-R", f"mkdir {BOOT_DIRECTORY}", guest.images.root_fs],
                   capture_output=True, text=True)
    listing = subprocess.run(["debugfs", "-R", f"ls {parent}", guest.images.root_fs], capture_output=True, text=True)
    if "kdump-debs" not in listing.stdout:
        raise ScenarioFailure(f"could not make {BOOT_DIRECTORY} on the /boot image: {listing.stderr.strip()[-200:]}")
    for deb in debs:
        inject_file(guest.images.root_fs, deb, f"{BOOT_DIRECTORY}/{deb.name}")


INSTALL = (f"echo 'kdump-tools kdump-tools/use_kdump boolean true' | debconf-set-selections && "
           f"DEBIAN_FRONTEND=noninteractive dpkg -i {GUEST_DIRECTORY}/*.deb")


def install_kdump_tools(guest: Guest) -> float:
    """dpkg -i the .debs put_on_boot wrote (kdump-tools enabled by debconf); returns the seconds it took."""
    result = guest.run(INSTALL, timeout=1500)
    if result.rc != 0:
        raise ScenarioFailure(f"installing kdump-tools in the guest: {result.summary()}")
    return result.seconds
