"""UGFA Maintenance Guarantee Fund (property.md §6): ``POST /ugfa/api/v1/maintenance/query``.

The contract is ``mocks/openapi/ugfa.json`` (served at ``GET /ugfa/api/v1/openapi.json``); the
body check, the batch limit (500) and the rate (5 calls/s) come from it (:mod:`mocks.openapi`).
One result per requested code (the child), in request order: ``INVALID_CODE``, ``NOT_FOUND`` or
``FOUND`` with ``payments`` (by month) — those of the months asked that are paid by "today",
each naming the parent who receives it (:mod:`mocks.world.ugfa`). ``dataCompleteThrough`` is
the last month whose payments are all made.
"""

from __future__ import annotations

from typing import Any

from starlette.routing import BaseRoute

from tilts.mocks import openapi
from tilts.mocks.gateway.rest import RestCall, rest_route
from tilts.mocks.gateway.specs import ServiceSpec
from tilts.mocks.gateway.state import MockState
from tilts.mocks.world import ugfa as ugfa_world
from tilts.registries.ugfa import UGFA

DOC = "ugfa"
PATH = UGFA.path
OPERATION = "maintenance/query"
SPEC = ServiceSpec(
    name=UGFA.service,
    scope=UGFA.scope,
    path=UGFA.path,
    protocol="rest",
    xroad=UGFA.xroad_parts,
    operations=(openapi.operation_spec(DOC, UGFA.path, OPERATION, "personCodes"),),
)


def query(call: RestCall) -> dict[str, Any]:
    pop = call.ctx.state.population
    body = call.body

    def fill(code: str) -> dict[str, Any]:
        return {
            "payments": [
                {
                    "caseNumber": p.case_number,
                    "month": p.month,
                    "amount": str(p.amount),
                    "paymentDate": p.payment_date.isoformat(),
                    "recipientPersonCode": p.recipient_code,
                }
                for p in ugfa_world.payments(pop, code, body["fromMonth"], body["toMonth"])
            ]
        }

    results = openapi.per_person_results(pop, body["personCodes"], fill)
    return {"dataCompleteThrough": ugfa_world.data_complete_through(pop.today), "results": results}


def routes(state: MockState) -> list[BaseRoute]:
    """The UGFA routes over ``state``."""
    validate = openapi.request_validator(DOC, f"{UGFA.path}/{OPERATION}", "personCodes")
    return [
        rest_route(state, SPEC, OPERATION, query, validate),
        openapi.document_route(DOC, SPEC),
    ]
