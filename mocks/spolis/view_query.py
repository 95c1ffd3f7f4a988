"""What the ministry's view reads and checks: access, the grid's filters, totals, rejections.

Plain functions over a :class:`View` (the server state, SPOLIS's memory and the rules'
municipality names), shared by the pages of :mod:`mocks.spolis.view` and
:mod:`mocks.spolis.view_home`.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from html import escape
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from tilts.assessment import Rules
from tilts.assessment.periods import Month
from tilts.kernel.spolis_indicators import INDICATORS
from tilts.mocks.gateway.state import MockState
from tilts.mocks.spolis import view_html as H
from tilts.mocks.spolis.labels import STATES, lang_of, text
from tilts.mocks.spolis.store import ReportVersion, SpolisStore

READ_SCOPE = "spolis.read-all"
MAX_MONTHS = 36


class BadRequest(Exception):
    """A query parameter the view cannot use (400 page naming it)."""


@dataclass(frozen=True)
class View:
    """What the view's handlers read: the server state, SPOLIS's memory, the rules' names."""

    state: MockState
    store: SpolisStore
    names: Rules


def refusal(view: View, request: Request) -> Response | None:
    """None when the credential holds the ministry scope; else the 401 or 403 page."""
    lang = lang_of(request.query_params.get("lang"))
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    scopes: frozenset[str] | None = None
    if scheme.lower() == "bearer":
        token = view.state.tokens.get(value.strip())
        scopes = None if token is None else frozenset(token.scopes)
    elif scheme.lower() == "basic":
        try:
            user, _, secret = base64.b64decode(value.strip()).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            user, secret = "", ""
        client = view.state.config.client(user) if user else None
        if client is not None and hmac.compare_digest(client.secret.encode(), secret.encode()):
            scopes = frozenset(client.scopes)
    if scopes is None:
        title = text(lang, "Nepieciešama ministrijas pieeja", "Ministry credential required")
        return H.page(
            f"SPOLIS — {title}",
            f"<h1>{title}</h1>",
            lang,
            401,
            headers={"WWW-Authenticate": 'Basic realm="SPOLIS", charset="UTF-8"'},
        )
    if READ_SCOPE not in scopes:
        title = text(lang, "Pieeja liegta", "Access denied")
        why = text(
            lang,
            f"Šai pieejai nav ministrijas tiesību <code>{READ_SCOPE}</code>.",
            f"This credential lacks the ministry scope <code>{READ_SCOPE}</code>.",
        )
        return H.page(f"SPOLIS — {title}", f"<h1>{title}</h1><p>{why}</p>", lang, 403)
    return None


def municipalities(view: View) -> list[tuple[str, str]]:
    atvks = {c.atvk: c.name for c in view.state.config.clients if c.atvk}
    for atvk in view.store.report_atvks() | {a for a, _ in view.store.decisions.history}:
        atvks.setdefault(atvk, "")
    for b in view.store.batches:
        atvks.setdefault(b.atvk, "")
    return sorted((a, n or view.names.municipality_name(a)) for a, n in atvks.items())


def totals(view: View, month: Month) -> dict[str, Decimal]:
    out = dict.fromkeys(INDICATORS, Decimal(0))
    for (_, period), versions in view.store.monthly.items():
        if period != str(month):
            continue
        accepted = [v for v in versions if v.accepted]
        if accepted:
            for ind in accepted[-1].body["indicators"]:
                out[ind["code"]] += Decimal(ind["value"])
    return out


def rejected_counts(view: View, atvk: str) -> dict[str, Counter[tuple[str, str]]]:
    out: dict[str, Counter[tuple[str, str]]] = {"decisions": Counter(), "payments": Counter()}
    for b in view.store.batches:
        if b.atvk == atvk:
            out[b.kind].update(b.rejected_codes)
    return out


def rejected_records(view: View, atvk: str) -> dict[str, int]:
    out = {"decisions": 0, "payments": 0}
    for b in view.store.batches:
        if b.atvk == atvk:
            out[b.kind] += b.rejected
    return out


def grid_query(view: View, request: Request) -> dict[str, Any]:
    """The grid's filters from the query string (raises :class:`BadRequest`)."""
    q = request.query_params
    today = view.state.population.today
    try:
        end = Month.parse(q["to"]) if q.get("to") else Month.of(today).shift(-1)
    except ValueError as exc:
        raise BadRequest("to: YYYY-MM") from exc
    try:
        start = Month.parse(q["from"]) if q.get("from") else end.shift(-11)
    except ValueError as exc:
        raise BadRequest("from: YYYY-MM") from exc
    months: list[Month] = []
    m = start
    while m <= end and len(months) <= MAX_MONTHS:
        months.append(m)
        m = m.shift(1)
    if not months or len(months) > MAX_MONTHS:
        raise BadRequest(f"from…to: 1 to {MAX_MONTHS} months, from not after to")
    atvk, wanted = q.get("atvk", ""), q.get("state", "")
    known = dict(municipalities(view))
    if atvk and atvk not in known:
        raise BadRequest("atvk: not a municipality of the grid")
    if wanted and wanted not in STATES:
        raise BadRequest(f"state: one of {', '.join(STATES)}")
    rows = []
    for a, name in known.items():
        if atvk and a != atvk:
            continue
        cells = []
        for month in months:
            versions = view.store.monthly.get((a, str(month)), [])
            cells.append((month, H.cell_state(versions, month, today), len(versions)))
        if wanted and all(s != wanted for _, s, _ in cells):
            continue
        rows.append((a, name, cells))
    indicator = q.get("indicator", "GMI_EUR")
    return {
        "months": months,
        "rows": rows,
        "atvk": atvk,
        "state": wanted,
        "indicator": indicator if indicator in INDICATORS else "GMI_EUR",
        "known": known,
    }


def bad(lang: str, what: str) -> Response:
    title = text(lang, "Nederīgs pieprasījums", "Bad request")
    return H.page(f"SPOLIS — {title}", f"<h1>{title}</h1><p>{escape(what)}</p>", lang, 400)


def with_lang(path: str, lang: str, **params: str) -> str:
    query = {k: v for k, v in params.items() if v} | ({"lang": "en"} if lang == "en" else {})
    return path + ("?" + urlencode(query) if query else "")


def found(view: View, request: Request) -> tuple[str, str, str, list[ReportVersion]] | None:
    kind = request.path_params["kind"]
    atvk, period = request.path_params["atvk"], request.path_params["period"]
    if kind not in ("monthly", "annual"):
        return None
    versions = view.store.reports(kind).get((atvk, period), [])
    return (kind, atvk, period, versions) if versions else None
