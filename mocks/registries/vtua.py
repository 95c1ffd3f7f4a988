"""VTUA tractors and machines (property.md §3): ``POST /vtua/api/v1/machines/query``.

The contract is ``mocks/openapi/vtua.json`` (served at ``GET /vtua/api/v1/openapi.json``); the
body check, the batch limit (200) and the rate (5 calls/s) come from it (:mod:`mocks.openapi`).
The answer is :mod:`mocks.registries.vehicles`'s, the machines those of :mod:`mocks.world.vehicles`.
"""

from __future__ import annotations

from starlette.routing import BaseRoute

from tilts.mocks.gateway.state import MockState
from tilts.mocks.registries import vehicles
from tilts.registries.vtua import VTUA

DOC = VTUA.service
PATH = VTUA.path
OPERATION = VTUA.operation_path[1:]
SPEC = vehicles.spec(VTUA)


def routes(state: MockState) -> list[BaseRoute]:
    """The VTUA routes over ``state``."""
    return vehicles.routes_for(VTUA, SPEC, state)
