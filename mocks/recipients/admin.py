"""A recipient's admin views (``/_admin/recipients/<recipient>[/persons/<code>]``): test data.

Codes are masked in the overview and in clear only in the person view.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from tilts.kernel.personal_code import mask
from tilts.mocks.gateway import pipeline
from tilts.mocks.gateway.state import MockState
from tilts.mocks.recipients.store import Received, Recipient


def _masked(state: MockState, slot: int) -> str:
    view = state.population.person(slot)
    return mask(None if view is None else view.person_code)


def record(item: Received) -> dict[str, Any]:
    b = item.body
    out: dict[str, Any] = {
        "notificationId": b["notificationId"],
        "receiptId": item.receipt_id,
        "client": item.client_id,
        "sequence": b["sequence"],
        "event": b["event"],
        "status": b["status"],
        "municipality": b["municipality"],
        "decisionDate": b["decisionDate"],
        "validFrom": b["validFrom"],
        "validTo": b["validTo"],
        "receivedAt": item.received_at,
        "applied": item.applied,
        "persons": [mask(p["personCode"]) for p in b.get("persons", [])],
        "roles": [p["role"] for p in b.get("persons", [])],
    }
    if "addressCode" in b:
        out["addressCode"] = b["addressCode"]
    if "household" in b:  # KIM: size and ages, no personal data
        out["household"] = b["household"]
    return out


async def overview(rc: Recipient, request: Request) -> Response:
    applied = sum(1 for r in rc.store.received if r.applied)
    last = [
        {"municipality": muni, "personCode": _masked(rc.state, slot), "sequence": seq}
        for (muni, slot), seq in sorted(rc.store.last_sequence.items())
    ]
    return JSONResponse(
        {
            "recipient": rc.name,
            "service": rc.spec.name,
            "notifications": [record(r) for r in rc.store.received],
            "state": {
                "received": len(rc.store.received),
                "applied": applied,
                "ignored": len(rc.store.received) - applied,
                "persons": len(rc.store.beliefs),
                "lastSequence": last,
            },
        }
    )


async def person(rc: Recipient, request: Request) -> Response:
    slot = rc.state.population.resolve(request.path_params["code"])
    view = None if slot is None else rc.state.population.person(slot)
    if slot is None or view is None:
        return pipeline.problem(404, "NOT_FOUND", "no such person")
    beliefs = rc.store.beliefs.get(slot, {})
    current = beliefs.get(rc.store.latest.get(slot, ""))
    return JSONResponse(
        {
            "personCode": view.person_code,
            "recipient": rc.name,
            "status": current["status"] if current and current["active"] else None,
            "current": current,
            "municipalities": [beliefs[m] for m in sorted(beliefs)],
        }
    )


def routes(rc: Recipient) -> list[BaseRoute]:
    """The admin views of ``rc``."""
    base = f"/_admin/recipients/{rc.name}"
    return [
        Route(base, partial(overview, rc), methods=["GET"]),
        Route(f"{base}/persons/{{code}}", partial(person, rc), methods=["GET"]),
    ]
