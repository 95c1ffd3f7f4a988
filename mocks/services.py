"""The table of mounted services: every registry's mock, SPOLIS and the recipients.

A service module exposes ``SPEC`` (a :class:`~mocks.gateway.specs.ServiceSpec`) and
``routes(state) -> list[Route]``. The registries' modules are those their descriptors name
(``registries/<name>.py`` ``mock``), mounted in the table's order: a new registry's mock is
mounted by its descriptor, with no line here. SPOLIS and the recipients are listed below.
"""

from __future__ import annotations

from types import ModuleType

from tilts.mocks.gateway.mount import MountedService
from tilts.mocks.gateway.specs import ServiceSpec
from tilts.mocks.recipients import service as recipients
from tilts.mocks.spolis import service as spolis
from tilts.registries import REGISTRIES, Registry
from tilts.registries.loading import resolve


def registry_mock(registry: Registry) -> MountedService:
    """The mock a registry's descriptor names (a module of ``tilts.mocks`` with ``SPEC`` and
    ``routes``)."""
    module = resolve(registry.mock, "tilts.mocks.")
    if not isinstance(module, ModuleType) or not isinstance(
        getattr(module, "SPEC", None), ServiceSpec
    ):
        raise TypeError(f"{registry.mock}: not a mock module with a SPEC")
    return MountedService(module.SPEC, module.routes)


SERVICES: tuple[MountedService, ...] = (
    *(registry_mock(r) for r in REGISTRIES),
    MountedService(spolis.SPEC, spolis.routes),  # SPOLIS (spolis.md)
    *(MountedService(spec, recipients.routes_for(spec)) for spec in recipients.SPECS),
)
