"""NVA unemployment status (registries.md §6): ``POST /nva/api/v1/status/query``.

The contract is ``mocks/openapi/nva.json`` (served at ``GET /nva/api/v1/openapi.json``); the
body check, the batch limit (500) and the rate (10 calls/s) come from it (:mod:`mocks.openapi`).
One result per requested code, in request order; a found person has a ``registration``: the
latest one begun on or before ``asOfDate`` as known today (``kind``, ``since``, ``endedOn`` and
``endReason`` once it ended by then, ``activeMeasure`` while a measure runs on an open
registration), or ``{"kind": "NOT_REGISTERED"}``. ``asOfDate`` after "today" is answered as of
today; the answer's top-level ``asOfDate`` is the day answered. A person not yet born on
``asOfDate`` is ``NOT_FOUND``; an old code of a person who changed code is ``FOUND`` with
``currentPersonCode``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.routing import BaseRoute

from tilts.mocks import openapi
from tilts.mocks.gateway.rest import RestCall, rest_route
from tilts.mocks.gateway.specs import ServiceSpec
from tilts.mocks.gateway.state import MockState
from tilts.mocks.world.timeline import NvaStatus

DOC = "nva"
PATH = "/nva/api/v1"
OPERATION = "status/query"
SPEC = ServiceSpec(
    name="nva",
    scope="nva.status",
    path=PATH,
    protocol="rest",
    xroad=("GOV", "NVA", "STATUS"),
    operations=(openapi.operation_spec(DOC, PATH, OPERATION, "personCodes"),),
)


def registration_json(s: NvaStatus) -> dict[str, Any]:
    """The wire form of a registration."""
    out: dict[str, Any] = {"kind": s.kind}
    if s.since is not None:
        out["since"] = s.since.isoformat()
    if s.ended_on is not None:
        out["endedOn"] = s.ended_on.isoformat()
    if s.end_reason is not None:
        out["endReason"] = s.end_reason
    m = s.active_measure
    if m is not None:
        out["activeMeasure"] = {
            "type": m.type,
            "from": m.from_date.isoformat(),
            "to": m.to_date.isoformat(),
            "stipendPaid": m.stipend_paid,
            "stipends": [{"month": mo, "amount": str(a)} for mo, a in m.stipends],
        }
    return out


def query(call: RestCall) -> dict[str, Any]:
    pop = call.ctx.state.population
    as_of = min(dt.date.fromisoformat(call.body["asOfDate"]), pop.today)

    def fill(code: str) -> dict[str, Any] | None:
        status = pop.nva(code, as_of) if pop.lookup(code, as_of) is not None else None
        return None if status is None else {"registration": registration_json(status)}

    results = openapi.per_person_results(pop, call.body["personCodes"], fill)
    return {"asOfDate": as_of.isoformat(), "results": results}


def routes(state: MockState) -> list[BaseRoute]:
    """The NVA routes over ``state``."""
    validate = openapi.request_validator(DOC, f"{PATH}/{OPERATION}", "personCodes")
    return [
        rest_route(state, SPEC, OPERATION, query, validate),
        openapi.document_route(DOC, SPEC),
    ]
