"""The table of mounted services: every registry's mock, SPOLIS and the recipients.

A service module exposes ``SPEC`` (a :class:`~mocks.gateway.ServiceSpec`) and
``routes(state) -> list[Route]``. The registries' modules are those their descriptors name
(``registries/<name>.py`` ``mock``), mounted in the table's order: a new registry's mock is
mounted by its descriptor, with no line here. SPOLIS and the recipients are listed below.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

from starlette.routing import BaseRoute

from tilts.mocks import recipients
from tilts.mocks.gateway import ServiceSpec
from tilts.mocks.state import MockState
from tilts.registries import REGISTRIES, Registry
from tilts.registries.loading import resolve


@dataclass(frozen=True)
class MountedService:
    """A service and the function that builds its routes over the server state."""

    spec: ServiceSpec
    routes: Callable[[MockState], list[BaseRoute]]


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
    MountedService(
        *__import__("tilts.mocks.spolis", fromlist=["MOUNT"]).MOUNT
    ),  # SPOLIS (spolis.md)
    *(MountedService(spec, recipients.routes_for(spec)) for spec in recipients.SPECS),
)
