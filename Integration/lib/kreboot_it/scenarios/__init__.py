"""The scenario registry: `@scenario("name")` registers a function taking a ScenarioContext."""

from __future__ import annotations

from typing import Callable

from ..context import ScenarioContext

ScenarioFunction = Callable[[ScenarioContext], None]
SCENARIOS: dict[str, ScenarioFunction] = {}
# Scenarios run only when named (`Integration/run NAME`, `make test-arm64`), not in the default run that
# `make test` does: their one-time cost on a fresh machine does not fit its budget (see Integration/README.md).
OPT_IN: set[str] = set()


def scenario(name: str, opt_in: bool = False) -> Callable[[ScenarioFunction], ScenarioFunction]:
    """Register a scenario under `name`, in definition order (the default run order); `opt_in` keeps it out
    of the default run."""

    def register(function: ScenarioFunction) -> ScenarioFunction:
        SCENARIOS[name] = function
        if opt_in:
            OPT_IN.add(name)
        return function

    return register


def load_all() -> dict[str, ScenarioFunction]:
    """Import every scenario module (in run order) and return the registry."""
    from . import smoke, manual_kexec, dry_run, kexec_core, package, reboot, refusals, layouts, kdump, kdump_service, grub, uefi, uefi_systemd_boot, uefi_kdump, soak, fleet, nfs, arm64  # noqa: F401  (registration side effects)

    return SCENARIOS
