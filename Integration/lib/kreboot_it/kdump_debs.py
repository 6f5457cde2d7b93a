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


# initramfs-tools' update-initramfs.conf: `update_initramfs=no` makes `update-initramfs -u` (the trigger that
# installing kdump-tools and busybox fires) say "Not updating initramfs." and return.
UPDATE_INITRAMFS_CONF = "/etc/initramfs-tools/update-initramfs.conf"
# dpkg's output, kept in the guest for the failure message and the notes.
INSTALL_LOG = "/var/tmp/kreboot-it-kdump-tools-install.log"
# How long dpkg may take in the guest before it is killed (kdump-tools' own initrd alone takes 280-310 s under
# TCG at load; update-grub 40-60 s), and the step's own bound around it.
DPKG_TIMEOUT = 1200
# The whole install, run as one shell command. Measured in session 7: dpkg did not return within 1500 s, because
# after kdump-tools.service had loaded its capture kernel the initramfs-tools trigger rebuilt the PRODUCTION
# initrd (update-initramfs -u, MODULES=most, zstd) under TCG. That initrd needs nothing from these packages (the
# capture boot of kdump-tools uses its own initrd in /var/lib/kdump, made by its kernel hook with mkinitramfs,
# which does not read update-initramfs.conf), so the trigger is turned off for the install and the file restored
# afterwards. kdump-tools' postinst still runs update-grub and starts kdump-tools.service (its initrd made then).
INSTALL = (f"cp -p {UPDATE_INITRAMFS_CONF} /run/kreboot-it-update-initramfs.conf && "
           f"sed -i 's/^update_initramfs=.*/update_initramfs=no/' {UPDATE_INITRAMFS_CONF} && "
           f"echo 'kdump-tools kdump-tools/use_kdump boolean true' | debconf-set-selections && "
           f"DEBIAN_FRONTEND=noninteractive timeout -k 10 {DPKG_TIMEOUT} dpkg -i {GUEST_DIRECTORY}/*.deb "
           f">{INSTALL_LOG} 2>&1; rc=$?; "
           f"cp -p /run/kreboot-it-update-initramfs.conf {UPDATE_INITRAMFS_CONF}; exit $rc")
# What is running and what the kernel said, for the message when dpkg failed or was killed.
DIAGNOSE = (f"tail -n 15 {INSTALL_LOG}; echo '--- ps'; ps -eo pid,etimes,stat,wchan:24,args --sort=start_time | "
            f"tail -n 25; echo '--- dmesg'; dmesg | grep -iE 'warn|bug|oops|hung|blocked' | tail -n 8")


def install_kdump_tools(guest: Guest) -> tuple[float, str]:
    """dpkg -i the .debs put_on_boot wrote (kdump-tools enabled by debconf, the production initrd left as it is);
    returns the seconds it took and dpkg's output. A dpkg that fails or outlives DPKG_TIMEOUT fails the step
    with its output's end, the processes then running and the kernel's warnings."""
    result = guest.run(INSTALL, timeout=DPKG_TIMEOUT + 120)
    if result.rc != 0:
        killed = " (killed after %d s)" % DPKG_TIMEOUT if result.rc in (124, 137) else ""
        diagnosis = guest.run(DIAGNOSE, timeout=120).stdout.strip().replace("\n", " | ")
        raise ScenarioFailure(f"dpkg -i kdump-tools in the guest exited {result.rc}{killed}: {diagnosis[-2500:]}")
    return result.seconds, guest.run(f"cat {INSTALL_LOG}").stdout
