"""VSAA pensions and state benefits (registries.md §4): ``POST /vsaa/api/v1/payments/query``.

The contract is ``mocks/openapi/vsaa.json`` (served at ``GET /vsaa/api/v1/openapi.json``); the
body check, the batch limit (500) and the rate (10 calls/s) come from it
(:mod:`mocks.openapi`). One result per requested code, in request order: ``INVALID_CODE``,
``NOT_FOUND`` or ``FOUND`` with ``payments`` (by month, then benefit type) — those of the months
asked that are paid by "today" (pensions for M in M, other benefits in M+1). An old code of a
person who changed code is ``FOUND`` with ``currentPersonCode``. ``dataCompleteThrough`` is
the last month whose payments are all made.
"""

from __future__ import annotations

from typing import Any

from starlette.routing import BaseRoute

from tilts.mocks import openapi
from tilts.mocks.gateway.rest import RestCall, rest_route
from tilts.mocks.gateway.specs import ServiceSpec
from tilts.mocks.gateway.state import MockState
from tilts.mocks.world.timeline import Payment

DOC = "vsaa"
PATH = "/vsaa/api/v1"
OPERATION = "payments/query"
SPEC = ServiceSpec(
    name="vsaa",
    scope="vsaa.payments",
    path=PATH,
    protocol="rest",
    xroad=("GOV", "VSAA", "PAYMENTS"),
    operations=(openapi.operation_spec(DOC, PATH, OPERATION, "personCodes"),),
)


def query(call: RestCall) -> dict[str, Any]:
    pop = call.ctx.state.population
    body = call.body
    lo, hi = body["fromMonth"], body["toMonth"]

    def fill(code: str) -> dict[str, Any]:
        paid = sorted(pop.payments(code, lo, hi) or (), key=_order)
        return {
            "payments": [
                {
                    "month": p.month,
                    "benefitType": p.benefit_type,
                    "grossAmount": str(p.gross_amount),
                    "incomeTaxWithheld": str(p.income_tax_withheld),
                    "paidAmount": str(p.paid_amount),
                    "paymentDate": p.payment_date.isoformat(),
                }
                for p in paid
            ]
        }

    results = openapi.per_person_results(pop, body["personCodes"], fill)
    return {"dataCompleteThrough": pop.data_complete_through("vsaa"), "results": results}


def routes(state: MockState) -> list[BaseRoute]:
    """The VSAA routes over ``state``."""
    validate = openapi.request_validator(DOC, f"{PATH}/{OPERATION}", "personCodes")
    return [
        rest_route(state, SPEC, OPERATION, query, validate),
        openapi.document_route(DOC, SPEC),
    ]


def _order(p: Payment) -> tuple[str, str]:
    return p.month, p.benefit_type
