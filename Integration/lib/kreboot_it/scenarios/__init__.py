"""The scenario registry: `@scenario("name")` registers a function taking a ScenarioContext."""

from __future__ import annotations

from typing import Callable

from ..context import ScenarioContext

ScenarioFunction = Callable[[ScenarioContext], None]
SCENARIOS: dict[str, ScenarioFunction] = {}


def scenario(name: str) -> Callable[[ScenarioFunction], ScenarioFunction]:
    """Register a scenario under `name`, in definition order (the default run order)."""

    def register(function: ScenarioFunction) -> ScenarioFunction:
        SCENARIOS[name] = function
        return function

    return register


def load_all() -> dict[str, ScenarioFunction]:
    """Import every scenario module (in run order) and return the registry."""
    from . import smoke, manual_kexec, dry_run, kexec_core, package, reboot, refusals, layouts, kdump, kdump_service, grub, uefi, uefi_systemd_boot, uefi_kdump, soak, fleet  # noqa: F401  (registration side effects)

    return SCENARIOS
