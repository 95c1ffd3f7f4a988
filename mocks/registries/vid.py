"""VID employment income and employers (registries.md §5): ``POST /vid/api/v1/income/query``.

The contract is ``mocks/openapi/vid.json`` (served at ``GET /vid/api/v1/openapi.json``); the
body check, the batch limit (200) and the rate (10 calls/s) come from it (:mod:`mocks.openapi`).
One result per requested code, in request order; a found person has

* ``employments`` — the employment relationships known today that overlap the months asked
  (``endDate`` only once the end is known), by start date;
* ``income`` — one record per month, payer and income type, reported by "today" (by month,
  then employer). Employers report month M between the 5th and 17th of M+1, one in ten late
  (by the 15th of M+2), so months after ``dataCompleteThrough`` may be missing or grow on a
  later query. Self-employment, rental and other income declared by the person carry no
  ``employerRegNo``.

An old code of a person who changed code is ``FOUND`` with ``currentPersonCode``.
"""

from __future__ import annotations

from typing import Any

from starlette.routing import BaseRoute

from tilts.mocks import openapi
from tilts.mocks.gateway.rest import RestCall, rest_route
from tilts.mocks.gateway.specs import ServiceSpec
from tilts.mocks.gateway.state import MockState

DOC = "vid"
PATH = "/vid/api/v1"
OPERATION = "income/query"
SPEC = ServiceSpec(
    name="vid",
    scope="vid.income",
    path=PATH,
    protocol="rest",
    xroad=("GOV", "VID", "INCOME"),
    operations=(openapi.operation_spec(DOC, PATH, OPERATION, "personCodes"),),
)


def query(call: RestCall) -> dict[str, Any]:
    pop = call.ctx.state.population
    body = call.body
    lo, hi = body["fromMonth"], body["toMonth"]

    def fill(code: str) -> dict[str, Any]:
        jobs = []
        for e in sorted(pop.employments(code) or (), key=lambda e: e.start_date):
            start = e.start_date.isoformat()
            end = None if e.end_date is None else e.end_date.isoformat()
            if start[:7] > hi or (end is not None and end[:7] < lo):
                continue
            job = {
                "employerRegNo": e.employer_reg_no,
                "employerName": e.employer_name,
                "startDate": start,
            }
            if end is not None:
                job["endDate"] = end
            jobs.append(job)
        income = []
        for r in pop.income(code, lo, hi) or ():
            record = {"month": r.month}
            if r.employer_reg_no is not None:
                record["employerRegNo"] = r.employer_reg_no
            record["incomeType"] = r.income_type
            record["grossAmount"] = str(r.gross_amount)
            record["taxesWithheld"] = str(r.taxes_withheld)
            record["netAmount"] = str(r.net_amount)
            income.append(record)
        return {"employments": jobs, "income": income}

    results = openapi.per_person_results(pop, body["personCodes"], fill)
    return {"dataCompleteThrough": pop.data_complete_through("vid"), "results": results}


def routes(state: MockState) -> list[BaseRoute]:
    """The VID routes over ``state``."""
    validate = openapi.request_validator(DOC, f"{PATH}/{OPERATION}", "personCodes")
    return [
        rest_route(state, SPEC, OPERATION, query, validate),
        openapi.document_route(DOC, SPEC),
    ]
