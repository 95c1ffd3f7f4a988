"""The table of mounted services: one line per service, no import-time discovery.

A service module exposes ``SPEC`` (a :class:`~mocks.gateway.ServiceSpec`) and
``routes(state) -> list[Route]``. To add VSAA, VID, NVA, SPOLIS or a recipient, write
``mocks/<name>.py`` in that shape (:mod:`mocks.rest` for JSON services) and add a line here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from starlette.routing import BaseRoute

from tilts.mocks import nva, pmlp, recipients, vdeavk, vid, vsaa
from tilts.mocks.gateway import ServiceSpec
from tilts.mocks.state import MockState


@dataclass(frozen=True)
class MountedService:
    """A service and the function that builds its routes over the server state."""

    spec: ServiceSpec
    routes: Callable[[MockState], list[BaseRoute]]


SERVICES: tuple[MountedService, ...] = (
    MountedService(pmlp.SPEC, pmlp.routes),  # type: ignore[arg-type]
    MountedService(vdeavk.SPEC, vdeavk.routes),  # type: ignore[arg-type]
    MountedService(vsaa.SPEC, vsaa.routes),
    MountedService(vid.SPEC, vid.routes),
    MountedService(nva.SPEC, nva.routes),
    MountedService(
        *__import__("tilts.mocks.spolis", fromlist=["MOUNT"]).MOUNT
    ),  # SPOLIS (spolis.md)
    *(MountedService(spec, recipients.routes_for(spec)) for spec in recipients.SPECS),
)
