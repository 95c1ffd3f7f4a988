"""CSDD road vehicles (property.md §3): ``POST /csdd/api/v1/vehicles/query``.

The contract is ``mocks/openapi/csdd.json`` (served at ``GET /csdd/api/v1/openapi.json``); the
body check, the batch limit (200) and the rate (10 calls/s) come from it (:mod:`mocks.openapi`).
The answer is :mod:`mocks.registries.vehicles`'s, the cars those of :mod:`mocks.world.vehicles`.
"""

from __future__ import annotations

from starlette.routing import BaseRoute

from tilts.mocks.gateway.state import MockState
from tilts.mocks.registries import vehicles
from tilts.registries.csdd import CSDD

DOC = CSDD.service
PATH = CSDD.path
OPERATION = CSDD.operation_path[1:]
SPEC = vehicles.spec(CSDD)


def routes(state: MockState) -> list[BaseRoute]:
    """The CSDD routes over ``state``."""
    return vehicles.routes_for(CSDD, SPEC, state)
