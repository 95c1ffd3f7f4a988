"""Test views of the SPOLIS mock under ``/_admin/spolis/`` (only when admin is enabled).

* ``GET /_admin/spolis/decisions[?atvk=]`` and ``GET /_admin/spolis/payments[?atvk=]`` →
  ``{"records": [{"atvk", "recordId", "version", "receiptId", "batchId", "receivedAt",
  "record", "versions": [n, …]}]}`` (current version of each record; codes in clear: test data);
* ``GET /_admin/spolis/reports[?atvk=&kind=monthly|annual]`` → ``{"reports": [{"kind", "atvk",
  "period", "versions": [{"receipt", "body"}]}]}``;
* ``GET /_admin/spolis/batches[?atvk=]`` → ``{"batches": [{"batchId", "kind", "atvk",
  "receivedAt", "accepted", "rejected", "months", "rejectedCodes": [{"field", "code"}]}]}``
  (one entry per rejected record and distinct field and code: what the ministry's view counts);
* ``GET /_admin/spolis/summary`` → per ATVK: decisions, payments, monthly and annual reports,
  batches;
* ``GET|POST /_admin/spolis/config`` ``{"stateSharePercent": 30, "timeOfDay": "HH:MM:SS" |
  null}`` — the co-financing share and a fixed Riga time of day for receipts (``null`` = the
  wall clock's); both return to the defaults on ``POST /_admin/reset``.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tilts.mocks.gateway.pipeline import problem
from tilts.mocks.gateway.state import MockState
from tilts.mocks.spolis.store import RecordTable, SpolisStore


def _records(table: RecordTable, atvk: str | None) -> list[dict[str, Any]]:
    return [
        {
            "atvk": a,
            "recordId": s.record["recordId"],
            "version": s.version,
            "receiptId": s.receipt_id,
            "batchId": s.batch_id,
            "receivedAt": s.received_at,
            "record": s.record,
            "versions": [v.version for v in table.history[(a, str(s.record["recordId"]))]],
        }
        for a, s in table.records(atvk)
    ]


def _config_json(store: SpolisStore) -> dict[str, Any]:
    share = store.share_percent
    return {
        "stateSharePercent": int(share) if share == share.to_integral() else float(share),
        "timeOfDay": None if store.time_of_day is None else store.time_of_day.isoformat(),
    }


async def decisions(store: SpolisStore, request: Request) -> Response:
    return JSONResponse({"records": _records(store.decisions, request.query_params.get("atvk"))})


async def payments(store: SpolisStore, request: Request) -> Response:
    return JSONResponse({"records": _records(store.payments, request.query_params.get("atvk"))})


async def reports(store: SpolisStore, request: Request) -> Response:
    atvk, kind = request.query_params.get("atvk"), request.query_params.get("kind")
    out = [
        {
            "kind": k,
            "atvk": a,
            "period": period,
            "versions": [{"receipt": v.receipt, "body": v.body} for v in versions],
        }
        for k in ("monthly", "annual")
        if kind in (None, k)
        for (a, period), versions in sorted(store.reports(k).items())
        if atvk in (None, a)
    ]
    return JSONResponse({"reports": out})


async def batches(store: SpolisStore, request: Request) -> Response:
    atvk = request.query_params.get("atvk")
    return JSONResponse({"batches": [b.to_json() for b in store.batches if atvk in (None, b.atvk)]})


async def summary(store: SpolisStore, request: Request) -> Response:
    out: dict[str, dict[str, int]] = {}

    def bump(atvk: str, what: str, n: int = 1) -> None:
        row = out.setdefault(
            atvk,
            {
                "decisions": 0,
                "payments": 0,
                "monthlyReports": 0,
                "annualReports": 0,
                "batches": 0,
            },
        )
        row[what] += n

    for a, _ in store.decisions.records():
        bump(a, "decisions")
    for a, _ in store.payments.records():
        bump(a, "payments")
    for (a, _), v in store.monthly.items():
        bump(a, "monthlyReports", len(v))
    for (a, _), v in store.annual.items():
        bump(a, "annualReports", len(v))
    for b in store.batches:
        bump(b.atvk, "batches")
    return JSONResponse({"municipalities": dict(sorted(out.items()))})


async def config_get(store: SpolisStore, request: Request) -> Response:
    return JSONResponse(_config_json(store))


async def config_post(store: SpolisStore, request: Request) -> Response:
    try:
        body = json.loads(await request.body() or b"{}")
        if not isinstance(body, dict):
            raise ValueError("the body must be a JSON object")
        unknown = sorted(set(body) - {"stateSharePercent", "timeOfDay"})
        if unknown:
            raise ValueError(f"unknown field(s): {', '.join(unknown)}")
        if "stateSharePercent" in body:
            share = Decimal(str(body["stateSharePercent"]))
            if not Decimal(0) <= share <= Decimal(100):
                raise ValueError("stateSharePercent must be in 0..100")
            store.share_percent = share
        if "timeOfDay" in body:
            raw = body["timeOfDay"]
            store.time_of_day = None if raw is None else dt.time.fromisoformat(str(raw))
    except (ValueError, InvalidOperation) as exc:
        return problem(400, "INVALID_REQUEST", str(exc))
    return JSONResponse(_config_json(store))


def routes(state: MockState, store: SpolisStore) -> list[Route]:
    """The admin routes over ``store``."""
    base = "/_admin/spolis"
    return [
        Route(f"{base}/decisions", partial(decisions, store), methods=["GET"]),
        Route(f"{base}/payments", partial(payments, store), methods=["GET"]),
        Route(f"{base}/reports", partial(reports, store), methods=["GET"]),
        Route(f"{base}/batches", partial(batches, store), methods=["GET"]),
        Route(f"{base}/summary", partial(summary, store), methods=["GET"]),
        Route(f"{base}/config", partial(config_get, store), methods=["GET"]),
        Route(f"{base}/config", partial(config_post, store), methods=["POST"]),
    ]
