"""The guest's disk images: a cache keyed by the recipe, and per-run copies with kreboot injected."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .failure import ScenarioFailure

LIB_DIR = Path(__file__).resolve().parent.parent
INTEGRATION_DIR = LIB_DIR.parent
BUILD_SCRIPT = LIB_DIR / "build-guest.sh"
# Flavors built from another built flavor by their own script (so they change no other flavor's hash):
# flavor → (script, base flavor). The cache entry is `<recipe hash>-<flavor>-<script hash>`.
DERIVED_FLAVORS = {"nfs": (LIB_DIR / "build-nfs-guest.sh", "kernel")}
# The arm64 guest (issue 18) has its own build script instead of build-guest.sh, so the x86_64 flavors' recipe
# hash is unchanged by it.
BUILD_SCRIPTS = {"arm64": LIB_DIR / "build-guest-arm64.sh"}
# Flavors with their own build script besides build-guest.sh (hashed with the common recipe, so the others'
# hashes stay as they were).
FLAVOR_BUILD_SCRIPTS = {"uefi": LIB_DIR / "build-guest-uefi.sh", "server": LIB_DIR / "build-server-guest.sh"}
OVERLAY_DIR = INTEGRATION_DIR / "guest"
DEFAULT_CACHE = Path(os.environ.get("KREBOOT_IT_CACHE", "/var/cache/kreboot-it"))
GUEST_KREBOOT_PATH = "/usr/local/bin/kreboot"


def build_script(flavor: str = "kernel") -> Path:
    """The script that builds `flavor`: build-guest.sh, or the flavor's own (arm64, uefi)."""
    return BUILD_SCRIPTS.get(flavor) or FLAVOR_BUILD_SCRIPTS.get(flavor) or BUILD_SCRIPT


def recipe_hash(flavor: str = "kernel") -> str:
    """A hash of everything that decides the cached images: the build script(s) and the guest overlay."""
    digest = hashlib.sha256()
    files = [BUILD_SCRIPTS.get(flavor, BUILD_SCRIPT)] + sorted(p for p in OVERLAY_DIR.rglob("*") if p.is_file())
    if flavor in FLAVOR_BUILD_SCRIPTS:
        files.append(FLAVOR_BUILD_SCRIPTS[flavor])
    for path in files:
        digest.update(str(path.relative_to(INTEGRATION_DIR)).encode() + b"\0")
        digest.update(oct(path.stat().st_mode & 0o777).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class CachedGuest:
    """A built guest in the cache: images, the -kernel image and what the builder recorded."""

    directory: Path
    manifest: dict

    @property
    def kernel61(self) -> str:
        return self.manifest["kernel61"]

    @property
    def kernel612(self) -> str:
        return self.manifest["kernel612"]

    @property
    def command_line(self) -> str:
        return self.manifest["commandLine"]

    @property
    def vmlinuz(self) -> Path:
        return self.directory / "vmlinuz"

    @property
    def flavor(self) -> str:
        return self.manifest.get("flavor", "kernel")

    @property
    def arch(self) -> str:
        """The guest's machine: x86_64, or aarch64 for the arm64 flavor."""
        return self.manifest.get("arch", "x86_64")

    @property
    def grub_default_kernel(self) -> str:
        """The kernel of grub.cfg's first entry (grub flavor: what GRUB boots by default)."""
        return self.manifest["grubDefaultKernel"]

    @property
    def root_uuid(self) -> str:
        return self.manifest["rootUUID"]

    @property
    def data_uuid(self) -> str:
        return self.manifest["dataUUID"]

    @property
    def root_offset(self) -> int:
        """Where the host-writable ext4 file system of the first disk starts: the root partition, or (server
        flavor, whose root is inside LVM) the /boot partition."""
        return int(self.manifest["rootOffset"])

    @property
    def root_in_lvm(self) -> bool:
        """True for the server flavor: / is a logical volume the host cannot read; the first disk's
        host-readable file system (`RunImages.root_fs`) is /boot."""
        return self.flavor == "server"


def ensure_cached_guest(flavor: str = "kernel", cache_root: Path = DEFAULT_CACHE) -> CachedGuest:
    """Return the cached guest for the current recipe, building it (under a lock) when absent.
    Flavor "kernel" boots with qemu -kernel; "grub" boots through SeaBIOS and GRUB (build-guest.sh);
    a derived flavor ("nfs") is built by its own script from its base flavor's images."""
    if flavor in DERIVED_FLAVORS:
        return ensure_derived_guest(flavor, cache_root)
    cache_root.mkdir(parents=True, exist_ok=True)
    target = cache_root / (recipe_hash(flavor) + ("" if flavor == "kernel" else f"-{flavor}"))
    script = build_script(flavor)
    if (target / "guest.json").is_file():
        # Built already (entries are renamed into place whole): no need to wait for the lock, which another
        # worktree may hold for minutes while it builds its own flavor.
        os.utime(target)
        return CachedGuest(target, json.loads((target / "guest.json").read_text()))
    with open(cache_root / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (target / "guest.json").is_file():
            staging = cache_root / f".{target.name}.building-{os.getpid()}"
            shutil.rmtree(staging, ignore_errors=True)
            print(f"building the {flavor} guest image into {target} (a few minutes)", file=sys.stderr)
            result = subprocess.run([str(script), str(staging)] + ([] if script != BUILD_SCRIPT else [flavor]))
            if result.returncode != 0:
                shutil.rmtree(staging, ignore_errors=True)
                raise ScenarioFailure(f"guest image build failed ({script.name} exit {result.returncode})")
            shutil.rmtree(target, ignore_errors=True)
            staging.rename(target)
        os.utime(target)  # in use: pruning goes by the time of last use
        prune_cache(cache_root, keep=target)
    return CachedGuest(target, json.loads((target / "guest.json").read_text()))


def ensure_derived_guest(flavor: str, cache_root: Path = DEFAULT_CACHE) -> CachedGuest:
    """A flavor of DERIVED_FLAVORS: its base flavor first (built if absent), then its own script on a copy."""
    script, base_flavor = DERIVED_FLAVORS[flavor]
    base = ensure_cached_guest(base_flavor, cache_root)
    script_hash = hashlib.sha256(script.read_bytes()).hexdigest()[:8]
    target = cache_root / f"{base.directory.name}-{flavor}-{script_hash}"
    with open(cache_root / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (target / "guest.json").is_file():
            staging = cache_root / f".{target.name}.building-{os.getpid()}"
            shutil.rmtree(staging, ignore_errors=True)
            shutil.rmtree(Path(f"{staging}.tmp"), ignore_errors=True)
            print(f"building the {flavor} guest image into {target} (a minute or two)", file=sys.stderr)
            result = subprocess.run([str(script), str(base.directory), str(staging)])
            if result.returncode != 0:
                shutil.rmtree(staging, ignore_errors=True)
                raise ScenarioFailure(f"guest image build failed ({script.name} exit {result.returncode})")
            shutil.rmtree(target, ignore_errors=True)
            staging.rename(target)
        os.utime(target)
        os.utime(base.directory)
        prune_cache(cache_root, keep=target)
    return CachedGuest(target, json.loads((target / "guest.json").read_text()))


def prune_cache(cache_root: Path, keep: Path, max_age_days: float = 3) -> None:
    """Under the cache lock: remove leftovers of interrupted builds, and other recipes' guests not
    used for `max_age_days` (other worktrees may still use recent ones)."""
    now = time.time()
    for entry in cache_root.iterdir():
        if entry == keep or not entry.is_dir():
            continue
        stale_build = ".building-" in entry.name
        unused = now - entry.stat().st_mtime > max_age_days * 86400
        if stale_build or unused:
            shutil.rmtree(entry, ignore_errors=True)


@dataclass(frozen=True)
class RunImages:
    """One run's private, writable copies of the root disk (GPT, ext4 in partition 1 at
    `root_offset`) and the data disk (ext4 on the whole disk)."""

    root: Path
    data: Path
    root_offset: int

    @property
    def root_fs(self) -> str:
        """The root file system for e2fsprogs (`dumpe2fs`, `debugfs`): the disk with its offset."""
        return f"{self.root}?offset={self.root_offset}"

    @property
    def data_fs(self) -> str:
        """The data file system for e2fsprogs."""
        return str(self.data)


def prepare_run_images(guest: CachedGuest, run_dir: Path, kreboot_binary: Path | None) -> RunImages:
    """Copy the cached images (sparse) into run_dir and write kreboot into the root image."""
    run_dir.mkdir(parents=True, exist_ok=True)
    images = RunImages(run_dir / "root.img", run_dir / "data.img", guest.root_offset)
    for source, dest in ((guest.directory / "root.img", images.root), (guest.directory / "data.img", images.data)):
        subprocess.run(["cp", "--sparse=always", "--reflink=auto", str(source), str(dest)], check=True)
    if kreboot_binary is not None and guest.root_in_lvm:
        # Onto /boot; the server guest's kreboot-it-install.service installs it on / at boot.
        inject_file(images.root_fs, kreboot_binary, "/kreboot-it/kreboot")
    elif kreboot_binary is not None:
        inject_file(images.root_fs, kreboot_binary, GUEST_KREBOOT_PATH)
    return images


def inject_file(image: str, source: Path, guest_path: str) -> None:
    """Write a host file into an unmounted ext4 file system (an e2fsprogs device spec such as
    `disk.img?offset=1048576`) with debugfs (mode kept, owner root)."""
    directory, name = guest_path.rsplit("/", 1)
    commands = f"cd {directory}\nrm {name}\nwrite {source} {name}\nsif {name} uid 0\nsif {name} gid 0\n"
    result = subprocess.run(["debugfs", "-w", "-f", "-", image], input=commands,
                            capture_output=True, text=True)
    listing = subprocess.run(["debugfs", "-R", f"stat {guest_path}", image],
                             capture_output=True, text=True).stdout
    if result.returncode != 0 or f"Size: {source.stat().st_size}" not in listing:
        raise ScenarioFailure(f"could not write {source} into {image}:{guest_path}: {result.stderr.strip()[-200:]}")
