"""The scenario registry: `@scenario("name")` registers a function taking a ScenarioContext."""

from __future__ import annotations

from typing import Callable

from ..context import ScenarioContext

ScenarioFunction = Callable[[ScenarioContext], None]
SCENARIOS: dict[str, ScenarioFunction] = {}
# Scenarios run only when named (their checks also run, sharing one guest, in a scenario that is in the default run).
NAMED_ONLY: set[str] = set()


def scenario(name: str, default: bool = True) -> Callable[[ScenarioFunction], ScenarioFunction]:
    """Register a scenario under `name`, in definition order (the default run order); `default=False` leaves it
    out of a run that names no scenario."""

    def register(function: ScenarioFunction) -> ScenarioFunction:
        SCENARIOS[name] = function
        if not default:
            NAMED_ONLY.add(name)
        return function

    return register


def load_all() -> dict[str, ScenarioFunction]:
    """Import every scenario module (in run order) and return the registry."""
    from . import smoke, manual_kexec, dry_run, kexec_core, package, reboot, refusals, layouts, kdump, kdump_service, grub, soak, fleet, server  # noqa: F401  (registration side effects)

    return SCENARIOS
