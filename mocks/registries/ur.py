"""UR Enterprise Register (property.md §4): ``GET /ur/api/v1/natural-person/{personCode}``.

The contract is ``mocks/openapi/ur.json`` (served at ``GET /ur/api/v1/openapi.json``); the
path parameter's check and the rate (20 calls/s) come from it (:mod:`mocks.openapi`). One
person per call through the same gateway pipeline as the batch services (token and scope,
X-Road headers, rate limit, faults, journal: ``mocks/gateway/rest.py``, a batch of one).
200 ``{"personCode", "roles"}`` with every role the register holds of the person as of today
(``mocks/world/enterprises.py``); 404 problem+json ``NOT_FOUND`` for a person with no record (or
a code the population never held); 400 ``INVALID_CODE`` for a code that does not fit the
pattern or fails its check digit. An old code of a person who changed code finds the person.
"""

from __future__ import annotations

from typing import Any

from starlette.routing import BaseRoute

from tilts.kernel.personal_code import invalid_reason, normalise
from tilts.mocks import openapi
from tilts.mocks.gateway.rest import RestCall, RestError, rest_route
from tilts.mocks.gateway.specs import ServiceSpec
from tilts.mocks.gateway.state import MockState
from tilts.mocks.world import enterprises
from tilts.registries.ur import UR

DOC = "ur"
PATH = UR.path
OPERATION = UR.operation_path.lstrip("/")
SPEC = ServiceSpec(
    name=UR.service,
    scope=UR.scope,
    path=PATH,
    protocol="rest",
    xroad=UR.xroad_parts,
    operations=(openapi.path_operation_spec(DOC, PATH, OPERATION),),
)


def routes(state: MockState) -> list[BaseRoute]:
    """The UR routes over ``state``."""
    check = openapi.path_validator(DOC, f"{PATH}/{OPERATION}")

    def person(call: RestCall) -> dict[str, Any]:
        requested = str(call.body.get("personCode", ""))
        error = check(call.body) or (
            None if invalid_reason(requested) is None else "$.personCode: not a personal code"
        )
        if error:
            raise RestError(400, "INVALID_CODE", error)
        slot = state.population.resolve(normalise(requested))
        roles = None if slot is None else enterprises.roles(state.population, slot)
        if roles is None:
            raise RestError(404, "NOT_FOUND", "the register has no record of the person")
        return {"personCode": requested, "roles": roles}

    return [
        rest_route(state, SPEC, OPERATION, person, method="GET"),
        openapi.document_route(DOC, SPEC),
    ]
