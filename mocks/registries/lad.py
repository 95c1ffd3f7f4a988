"""LAD rural support payments (property.md §5): ``POST /lad/api/v1/payments/query``.

The contract is ``mocks/openapi/lad.json`` (served at ``GET /lad/api/v1/openapi.json``); the
body check, the batch limit (500) and the rate (5 calls/s) come from it (:mod:`mocks.openapi`).
One result per requested code, in request order: ``INVALID_CODE``, ``NOT_FOUND`` or ``FOUND``
with ``payments`` (by date) — those dated in the months asked and made by "today"
(:mod:`mocks.world.lad`). ``dataCompleteThrough`` is the last month whose payments are all made.
"""

from __future__ import annotations

from typing import Any

from starlette.routing import BaseRoute

from tilts.mocks import openapi
from tilts.mocks.gateway.rest import RestCall, rest_route
from tilts.mocks.gateway.specs import ServiceSpec
from tilts.mocks.gateway.state import MockState
from tilts.mocks.world import lad as lad_world
from tilts.registries.lad import LAD

DOC = "lad"
PATH = LAD.path
OPERATION = "payments/query"
SPEC = ServiceSpec(
    name=LAD.service,
    scope=LAD.scope,
    path=LAD.path,
    protocol="rest",
    xroad=LAD.xroad_parts,
    operations=(openapi.operation_spec(DOC, LAD.path, OPERATION, "personCodes"),),
)


def query(call: RestCall) -> dict[str, Any]:
    pop = call.ctx.state.population
    body = call.body

    def fill(code: str) -> dict[str, Any]:
        return {
            "payments": [
                {
                    "paymentType": p.payment_type,
                    "campaignYear": p.campaign_year,
                    "amount": str(p.amount),
                    "paymentDate": p.payment_date.isoformat(),
                }
                for p in lad_world.payments(pop, code, body["fromMonth"], body["toMonth"])
            ]
        }

    results = openapi.per_person_results(pop, body["personCodes"], fill)
    return {"dataCompleteThrough": lad_world.data_complete_through(pop.today), "results": results}


def routes(state: MockState) -> list[BaseRoute]:
    """The LAD routes over ``state``."""
    validate = openapi.request_validator(DOC, f"{LAD.path}/{OPERATION}", "personCodes")
    return [
        rest_route(state, SPEC, OPERATION, query, validate),
        openapi.document_route(DOC, SPEC),
    ]
