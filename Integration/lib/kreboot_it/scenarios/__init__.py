"""The scenario registry: `@scenario("name")` registers a function taking a ScenarioContext."""

from __future__ import annotations

from typing import Callable

from ..context import ScenarioContext

ScenarioFunction = Callable[[ScenarioContext], None]
SCENARIOS: dict[str, ScenarioFunction] = {}
# Scenarios run only when named (`Integration/run NAME`, `make test-server`, `make test-arm64`),
# not in the default run that `make test` does: their one-time image cost on a fresh machine and their boots do
# not fit its budget yet (see Integration/README.md).
OPT_IN: set[str] = set()


def scenario(name: str, opt_in: bool = False, default: bool = True) -> Callable[[ScenarioFunction], ScenarioFunction]:
    """Register a scenario under `name`, in definition order (the default run order); `opt_in=True` (or
    `default=False`) keeps it out of a run that names no scenario."""

    def register(function: ScenarioFunction) -> ScenarioFunction:
        SCENARIOS[name] = function
        if opt_in or not default:
            OPT_IN.add(name)
        return function

    return register


def load_all() -> dict[str, ScenarioFunction]:
    """Import every scenario module (in run order) and return the registry."""
    from . import smoke, manual_kexec, dry_run, kexec_core, package, reboot, refusals, layouts, kdump, kdump_service, grub, soak, fleet, nfs, netdump, uefi, uefi_systemd_boot, uefi_kdump, server, server_kdump, arm64, arm64_kdump  # noqa: F401  (registration side effects)

    return SCENARIOS
