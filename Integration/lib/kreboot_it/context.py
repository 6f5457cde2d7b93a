"""What a scenario gets: the cached guest, the kreboot binary, its own run directory."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .guest import Guest
from .images import CachedGuest, RunImages, ensure_cached_guest, prepare_run_images


@dataclass
class ScenarioContext:
    """Per-scenario state: boot guests with `ctx.boot()`, record timings with `ctx.timing()`."""

    name: str
    cached: CachedGuest
    kreboot: Path
    run_dir: Path
    timings: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def boot(self, label: str = "guest", cached: CachedGuest | None = None, **guest_options) -> Guest:
        """Fresh copies of the images (kreboot injected) and an unstarted Guest on them;
        use it as a context manager (`with ctx.boot() as guest:`), which starts and stops qemu.
        `cached` picks another guest flavor (see `cached_guest`)."""
        cached = cached or self.cached
        directory = self.run_dir / label
        images: RunImages = prepare_run_images(cached, directory, self.kreboot)
        return Guest(cached, images, directory, **guest_options)

    def cached_guest(self, flavor: str) -> CachedGuest:
        """The cached guest of another flavor ("grub"), built on first use."""
        return ensure_cached_guest(flavor)

    def timing(self, key: str, seconds: float) -> None:
        """Record a measured duration (seconds) for the results file and `-v` output."""
        self.timings[key] = round(seconds, 2)
