"""Admin endpoints under ``/_admin/`` (mounted only when the mock runs with admin enabled).

* ``GET /_admin/journal`` (``service``, ``operation``, ``client``) → ``{"entries": […]}``;
  ``DELETE /_admin/journal`` → ``{"deleted": n}``;
* ``POST /_admin/faults`` (a rule, see :mod:`mocks.gateway.faults`) → 201 ``{"rule": {…}}``;
  ``GET /_admin/faults`` → ``{"rules": […]}``; ``DELETE /_admin/faults[/{id}]`` →
  ``{"deleted": n}``;
* ``GET /_admin/clock`` → ``{"today", "lastSeq"}``; ``POST /_admin/clock`` with ``{"today"}`` or
  ``{"advanceDays", "changeRate"?}`` → ``{"today", "lastSeq", "changes": {kind: n}}``;
* ``GET /_admin/changes`` (``after``, ``limit``) → ``{"changes": [{"seq", "personCode",
  "currentPersonCode", "allPersonCodes", "kind", "changedAt"}]}``;
* ``GET /_admin/persons`` (``atvk``, ``limit`` = 100, ``offset`` = 0) → ``{"persons":
  [{"personCode", "householdId", "atvk", "registerStatus"}], "nextOffset"}``;
* ``GET /_admin/households/{id}`` → ``{"householdId", "incomeBand", "targetIncome",
  "members": […]}``;
* ``POST /_admin/reset`` → ``{"today"}``; ``POST /_admin/tokens/expire`` → ``{"expired": n}``;
* ``GET /_admin/info`` → seed, persons, households, today, services, clients.

Codes appear in clear only in ``persons``, ``households`` and ``changes``: they list synthetic
test subjects. Bad input answers 400 problem+json.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tilts.mocks.gateway.pipeline import problem
from tilts.mocks.gateway.state import MockState
from tilts.mocks.world.acquisitions import first_acquired_between
from tilts.mocks.world.changes import ChangeEntry
from tilts.mocks.world.population import PersonView

MAX_ADVANCE_DAYS = 3660


async def _json(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    data = json.loads(raw)
    if not isinstance(data, dict):
        raise ValueError("the body must be a JSON object")
    return data


def _int(request: Request, name: str, default: int, lo: int, hi: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    value = int(raw)
    if not lo <= value <= hi:
        raise ValueError(f"{name} must be in {lo}..{hi}")
    return value


def _known_on(e: ChangeEntry) -> dt.date:
    """The day whose code names a change: the day before for a CODE change (the old code)."""
    return e.changed_at.date() - dt.timedelta(days=1 if e.kind == "CODE" else 0)


def person_json(v: PersonView) -> dict[str, Any]:
    """A person view as JSON (test data: codes in clear)."""
    return {
        "personCode": v.person_code,
        "previousPersonCodes": list(v.previous_codes),
        "householdId": v.household_id,
        "givenName": v.given_name,
        "surname": v.surname,
        "birthDate": v.birth_date.isoformat(),
        "sex": v.sex,
        "registerStatus": v.register_status,
        "deathDate": None if v.death_date is None else v.death_date.isoformat(),
        "atvk": v.atvk,
        "addressCode": None if v.address is None else v.address.address_code,
    }


async def journal_get(state: MockState, request: Request) -> Response:
    q = request.query_params
    return JSONResponse(
        {"entries": state.journal.entries(q.get("service"), q.get("operation"), q.get("client"))}
    )


async def journal_delete(state: MockState, request: Request) -> Response:
    return JSONResponse({"deleted": state.journal.clear()})


async def faults_post(state: MockState, request: Request) -> Response:
    rule = state.faults.add(await _json(request))
    return JSONResponse({"rule": rule.to_json()}, status_code=201)


async def faults_get(state: MockState, request: Request) -> Response:
    return JSONResponse({"rules": [r.to_json() for r in state.faults.rules]})


async def faults_delete(state: MockState, request: Request) -> Response:
    if "rule_id" in request.path_params:
        found = state.faults.remove(int(request.path_params["rule_id"]))
        return JSONResponse({"deleted": int(found)}, status_code=200 if found else 404)
    return JSONResponse({"deleted": state.faults.clear()})


def clock_json(state: MockState, changes: dict[str, int] | None = None) -> dict[str, Any]:
    pop = state.population
    out: dict[str, Any] = {"today": pop.today.isoformat(), "lastSeq": pop.last_seq}
    if changes is not None:
        out["changes"] = changes
    return out


async def clock_get(state: MockState, request: Request) -> Response:
    return JSONResponse(clock_json(state))


async def clock_post(state: MockState, request: Request) -> Response:
    body = await _json(request)
    unknown = sorted(set(body) - {"today", "advanceDays", "changeRate"})
    if unknown:
        raise ValueError(f"unknown field(s): {', '.join(unknown)}")
    if "today" in body:
        if "advanceDays" in body:
            raise ValueError("give either today or advanceDays")
        state.population.set_today(dt.date.fromisoformat(str(body["today"])))
        return JSONResponse(clock_json(state, {}))
    days = body.get("advanceDays")
    if not isinstance(days, int) or not 0 <= days <= MAX_ADVANCE_DAYS:
        raise ValueError(f"advanceDays must be an integer 0..{MAX_ADVANCE_DAYS}")
    rate = body.get("changeRate")
    if rate is not None and not (isinstance(rate, int | float) and 0 <= rate <= 1):
        raise ValueError("changeRate must be a number in 0..1")
    return JSONResponse(clock_json(state, state.population.advance(days, rate)))


async def changes_get(state: MockState, request: Request) -> Response:
    pop = state.population
    after = _int(request, "after", 0, 0, 1 << 62)
    limit = _int(request, "limit", 1000, 1, 100_000)
    return JSONResponse(
        {
            "changes": [
                {
                    "seq": e.seq,
                    "personCode": pop.overlay.code_at(e.slot, _known_on(e)),
                    "currentPersonCode": pop.overlay.current_code(e.slot),
                    "allPersonCodes": pop.overlay.all_codes(e.slot),
                    "kind": e.kind,
                    "changedAt": e.changed_at.isoformat(),
                }
                for e in pop.changes_since(after)[:limit]
            ]
        }
    )


async def persons_get(state: MockState, request: Request) -> Response:
    limit = _int(request, "limit", 100, 1, 10_000_000)
    offset = _int(request, "offset", 0, 0, 1 << 62)
    pop = state.population
    keep = None
    if (since := request.query_params.get("acquiredSince")) is not None:
        try:
            day = dt.date.fromisoformat(since)
        except ValueError:
            return problem(400, "INVALID_REQUEST", "acquiredSince must be a date YYYY-MM-DD")
        keep = partial(first_acquired_between, pop, since=day)
    page, nxt = pop.sample(request.query_params.get("atvk"), limit, offset, keep)
    return JSONResponse(
        {
            "persons": [
                {
                    "personCode": e.person_code,
                    "householdId": e.household_id,
                    "atvk": e.atvk,
                    "registerStatus": e.register_status,
                }
                for e in page
            ],
            "nextOffset": nxt,
        }
    )


async def household_get(state: MockState, request: Request) -> Response:
    hh = state.population.household(request.path_params["household_id"])
    if hh is None:
        return problem(404, "NOT_FOUND", "no such household")
    return JSONResponse(
        {
            "householdId": hh.household_id,
            "incomeBand": hh.income_band,
            "targetIncome": hh.target_income,
            "members": [person_json(m) for m in hh.members],
        }
    )


async def reset_post(state: MockState, request: Request) -> Response:
    state.reset()
    return JSONResponse({"today": state.population.today.isoformat()})


async def tokens_expire(state: MockState, request: Request) -> Response:
    return JSONResponse({"expired": state.tokens.expire_all()})


async def info_get(state: MockState, request: Request) -> Response:
    pop = state.population
    return JSONResponse(
        {
            "seed": pop.seed,
            "persons": pop.size,
            "households": pop.household_count,
            "today": pop.today.isoformat(),
            "rateLimits": state.limiter.enabled,
            "services": [
                {"name": s.name, "path": s.path, "protocol": s.protocol, "scope": s.scope}
                for s in state.services.values()
            ],
            "clients": [
                {
                    "clientId": c.client_id,
                    "memberCode": c.member_code,
                    "atvk": c.atvk,
                    "scopes": list(c.scopes),
                }
                for c in state.config.clients
            ],
        }
    )


Handler = Callable[[MockState, Request], Awaitable[Response]]

TABLE: tuple[tuple[str, Handler, list[str]], ...] = (
    ("/_admin/journal", journal_get, ["GET"]),
    ("/_admin/journal", journal_delete, ["DELETE"]),
    ("/_admin/faults", faults_post, ["POST"]),
    ("/_admin/faults", faults_get, ["GET"]),
    ("/_admin/faults", faults_delete, ["DELETE"]),
    ("/_admin/faults/{rule_id:int}", faults_delete, ["DELETE"]),
    ("/_admin/clock", clock_get, ["GET"]),
    ("/_admin/clock", clock_post, ["POST"]),
    ("/_admin/changes", changes_get, ["GET"]),
    ("/_admin/persons", persons_get, ["GET"]),
    ("/_admin/households/{household_id}", household_get, ["GET"]),
    ("/_admin/reset", reset_post, ["POST"]),
    ("/_admin/tokens/expire", tokens_expire, ["POST"]),
    ("/_admin/info", info_get, ["GET"]),
)


async def _guarded(handler: Handler, state: MockState, request: Request) -> Response:
    """Run ``handler``; bad input (ValueError, KeyError, TypeError) answers 400 problem+json."""
    try:
        return await handler(state, request)
    except (ValueError, KeyError, TypeError) as exc:
        return problem(400, "INVALID_REQUEST", str(exc))


def routes(state: MockState) -> list[Route]:
    """The admin routes over ``state``."""
    return [
        Route(path, partial(_guarded, handler, state), methods=methods)
        for path, handler, methods in TABLE
    ]
