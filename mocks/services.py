"""The table of mounted services: one line per service, no import-time discovery.

A service module exposes ``SPEC`` (a :class:`~mocks.gateway.specs.ServiceSpec`) and
``routes(state) -> list[Route]``. To add a registry, write ``mocks/registries/<name>.py`` in
that shape (:mod:`mocks.gateway.rest` for JSON services) and add a line here.
"""

from __future__ import annotations

from tilts.mocks.gateway.mount import MountedService
from tilts.mocks.recipients import service as recipients
from tilts.mocks.registries import nva, pmlp, vdeavk, vid, vsaa
from tilts.mocks.spolis import service as spolis

SERVICES: tuple[MountedService, ...] = (
    MountedService(pmlp.SPEC, pmlp.routes),  # type: ignore[arg-type]
    MountedService(vdeavk.SPEC, vdeavk.routes),  # type: ignore[arg-type]
    MountedService(vsaa.SPEC, vsaa.routes),
    MountedService(vid.SPEC, vid.routes),
    MountedService(nva.SPEC, nva.routes),
    MountedService(spolis.SPEC, spolis.routes),  # SPOLIS (spolis.md)
    *(MountedService(spec, recipients.routes_for(spec)) for spec in recipients.SPECS),
)
