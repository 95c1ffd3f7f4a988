"""The ministry's view of SPOLIS (``spolis.md`` §7): server-rendered HTML, read-only, no JS.

* ``GET /spolis/[?to=YYYY-MM&indicator=CODE]`` — municipalities × the 12 months ending ``to``
  (default: the month before the mock clock's), each cell the monthly report's state; national
  totals of ``indicator`` (default ``GMI_EUR``) as an inline SVG chart and of every indicator as a
  table; the annual reports;
* ``GET /spolis/reports/monthly/{atvk}/{YYYY-MM}`` and ``…/annual/{atvk}/{YYYY}`` — versions,
  indicators (rows), errors, warnings, and the decision and payment batches behind the report.

Access: a bearer token with scope ``spolis.read-all`` or HTTP Basic with the id and secret of a
client holding that scope (the ministry's); anything else is 401 with
``WWW-Authenticate: Basic realm="SPOLIS"``. Only aggregates are shown: never a personal code or
a name (the respondent block of a report is not rendered).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hmac
import re
from decimal import Decimal
from html import escape
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from assessment import default_rules
from assessment.periods import Month
from mocks import spolis_annual as A
from mocks import spolis_rules as R
from mocks.spolis_store import ReportVersion, SpolisStore
from mocks.state import MockState
from tilts.spolis_indicators import INDICATORS

READ_SCOPE = "spolis.read-all"
# 11 digits (a hyphen after the sixth allowed) not inside a longer run of digits or hex
CODE_LIKE = re.compile(r"(?<![0-9a-fA-F])\d{6}-?\d{5}(?![0-9a-fA-F])")
CSS = """
body{font:15px/1.4 system-ui,sans-serif;margin:24px;color:#1d2733}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:24px 0 8px}
table{border-collapse:collapse}td,th{border:1px solid #c8d0d8;padding:4px 8px;text-align:left}
th{background:#eef2f5;white-space:nowrap}
table.small td,table.small th{font-size:13px;padding:3px 6px}
td.num{text-align:right;font-variant-numeric:tabular-nums}
td.cell{width:72px;font-size:13px;text-align:center}td.cell a{color:inherit}
.ok{background:#cdebd3}.late{background:#ffe2a8}.rejected{background:#f6c1c1}
.missing{background:#d9dde1;color:#55606b}.corrected{background:#c9dcf5}.not-due{background:#fff}
.muted{color:#5f6b76}.legend span{display:inline-block;padding:2px 8px;margin-right:6px}
nav a{margin-right:12px}
"""
LEGEND = (
    ("ok", "accepted on time"),
    ("late", "accepted late"),
    ("rejected", "rejected"),
    ("missing", "missing"),
    ("corrected", "corrected (version count)"),
    ("not-due", "not yet due"),
)


def safe(value: Any) -> str:
    """A submitted value as HTML text; anything shaped like a personal code is blanked out."""
    return escape(CODE_LIKE.sub("•" * 11, str(value)))


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
        '<nav><a href="/spolis/">SPOLIS — monthly reports</a>'
        '<a href="/spolis/api/v1/openapi.json">API contract</a></nav>'
        f"{body}</body></html>"
    )
    return HTMLResponse(html, status_code=status)


def _table(head: list[str], rows: list[list[str]], numeric_from: int = 99, css: str = "") -> str:
    th = "".join(f"<th>{escape(h)}</th>" for h in head)
    trs = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{c}</td>' if i >= numeric_from else f"<td>{c}</td>"
            for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f'<table class="{css}"><tr>{th}</tr>{trs}</table>'


def _issues(items: list[dict[str, Any]], what: str) -> str:
    if not items:
        return f'<p class="muted">No {what}.</p>'
    rows = [[safe(i["field"]), safe(i["code"]), safe(i["message"])] for i in items]
    return _table(["field", "code", "message"], rows)


def cell_state(versions: list[ReportVersion], month: Month, today: dt.date) -> tuple[str, str]:
    """(css class, label) of a grid cell."""
    if not versions:
        return ("missing", "missing") if today > R.monthly_due(month) else ("not-due", "not due")
    accepted = [v for v in versions if v.accepted]
    count = f" · {len(versions)} versions" if len(versions) > 1 else ""
    if len(accepted) > 1:
        return "corrected", f"corrected · {len(versions)} versions"
    if accepted:
        late = bool(accepted[0].receipt["late"])
        return ("late", "accepted late" + count) if late else ("ok", "on time" + count)
    return "rejected", "rejected" + count


def _figure(value: Decimal, unit: str) -> str:
    return R.money(str(value)) if unit == "EUR" else str(value)


def _chart(months: list[Month], totals: list[Decimal], indicator: str) -> str:
    """A bar chart (inline SVG) of one indicator's national totals."""
    width, height, left, bottom = 760, 260, 70, 40
    top = max(totals, default=Decimal(0)) or Decimal(1)
    slot = (width - left - 10) / len(months)
    bars = []
    for i, (m, v) in enumerate(zip(months, totals, strict=True)):
        h = float(v / top) * (height - bottom - 20)
        x = left + i * slot + 6
        y = height - bottom - h
        bars.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot - 12:.1f}" height="{h:.1f}" '
            f'fill="#3f7cc4"><title>{m}: {v}</title></rect>'
            f'<text x="{x + (slot - 12) / 2:.1f}" y="{height - bottom + 16}" font-size="11" '
            f'text-anchor="middle">{m}</text>'
        )
    axis = (
        f'<line x1="{left}" y1="{height - bottom}" x2="{width}" y2="{height - bottom}" '
        'stroke="#55606b"/>'
        f'<text x="{left - 6}" y="24" font-size="11" text-anchor="end">{top}</text>'
        f'<text x="{left - 6}" y="{height - bottom}" font-size="11" text-anchor="end">0</text>'
    )
    return (
        f'<svg role="img" aria-label="National totals of {indicator}" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>National totals of {indicator}</title>{axis}{''.join(bars)}</svg>"
    )


def routes(state: MockState, store: SpolisStore) -> list[Route]:
    """The view's routes over ``store``."""
    names = default_rules()

    def authorised(request: Request) -> bool:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer":
            token = state.tokens.get(value.strip())
            return token is not None and READ_SCOPE in token.scopes
        if scheme.lower() != "basic":
            return False
        try:
            user, _, secret = base64.b64decode(value.strip()).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        client = state.config.client(user)
        return (
            client is not None
            and READ_SCOPE in client.scopes
            and hmac.compare_digest(client.secret.encode(), secret.encode())
        )

    def refuse() -> Response:
        response = _page("SPOLIS — sign in", "<h1>Ministry credential required</h1>", 401)
        response.headers["WWW-Authenticate"] = 'Basic realm="SPOLIS", charset="UTF-8"'
        return response

    def municipalities() -> list[tuple[str, str]]:
        atvks = {c.atvk: c.name for c in state.config.clients if c.atvk}
        for atvk in store.report_atvks() | {a for a, _ in store.decisions.history}:
            atvks.setdefault(atvk, "")
        return sorted((a, n or names.municipality_name(a)) for a, n in atvks.items())

    def totals(month: Month) -> dict[str, Decimal]:
        out = dict.fromkeys(INDICATORS, Decimal(0))
        for (_, period), versions in store.monthly.items():
            if period != str(month):
                continue
            accepted = [v for v in versions if v.accepted]
            if accepted:
                for ind in accepted[-1].body["indicators"]:
                    out[ind["code"]] += Decimal(ind["value"])
        return out

    async def home(request: Request) -> Response:
        if not authorised(request):
            return refuse()
        today = state.population.today
        q = request.query_params
        try:
            end = Month.parse(q["to"]) if "to" in q else Month.of(today).shift(-1)
        except ValueError:
            return _page("SPOLIS", "<h1>Bad request</h1><p>to must be YYYY-MM</p>", 400)
        indicator = q.get("indicator", "GMI_EUR")
        if indicator not in INDICATORS:
            indicator = "GMI_EUR"
        months = [end.shift(-i) for i in range(11, -1, -1)]
        head = "".join(f"<th>{m}</th>" for m in months)
        trs = []
        for atvk, name in municipalities():
            tds = []
            for m in months:
                versions = store.monthly.get((atvk, str(m)), [])
                css, label = cell_state(versions, m, today)
                if versions:
                    label = f'<a href="/spolis/reports/monthly/{atvk}/{m}">{label}</a>'
                tds.append(f'<td class="cell {css}" data-state="{css}">{label}</td>')
            trs.append(
                f"<tr><td>{escape(name)} <span class='muted'>{atvk}</span></td>{''.join(tds)}</tr>"
            )
        grid = f'<table id="grid"><tr><th>municipality</th>{head}</tr>{"".join(trs)}</table>'
        legend = "".join(f'<span class="{c}">{escape(t)}</span>' for c, t in LEGEND)
        sums = {m: totals(m) for m in months}
        options = "".join(
            f"<option{' selected' if c == indicator else ''}>{c}</option>" for c in INDICATORS
        )
        picker = (
            f'<form method="get" action="/spolis/"><input type="hidden" name="to" value="{end}">'
            f'<label>Indicator <select name="indicator">{options}</select></label> '
            '<button type="submit">Show</button></form>'
        )
        chart = _chart(months, [sums[m][indicator] for m in months], indicator)
        table = _table(
            ["indicator", "unit", *[str(m) for m in months]],
            [[c, u, *[_figure(sums[m][c], u) for m in months]] for c, u in INDICATORS.items()],
            numeric_from=2,
            css="small",
        )
        annual_rows = []
        for (atvk, year), versions in sorted(store.annual.items()):
            last = versions[-1].receipt
            annual_rows.append(
                [
                    atvk,
                    f'<a href="/spolis/reports/annual/{atvk}/{year}">{year}</a>',
                    str(len(versions)),
                    last["status"],
                    "late" if last["late"] else "on time",
                ]
            )
        annual = (
            _table(["ATVK", "year", "versions", "last status", "timing"], annual_rows)
            if annual_rows
            else '<p class="muted">No annual reports.</p>'
        )
        body = (
            f"<h1>SPOLIS — monthly reports by municipality</h1>"
            f'<p class="muted">Today {today} (mock clock). Months {months[0]} – {end}; '
            f"a report is due on the 15th of the following month, 23:59 Riga time. "
            f'<a href="/spolis/?to={end.shift(-12)}">earlier</a> · '
            f'<a href="/spolis/?to={end.shift(12)}">later</a></p>'
            f'<p class="legend">{legend}</p>{grid}'
            f"<h2>National totals — {indicator}</h2>{picker}{chart}"
            f"<h2>National totals of every indicator</h2>{table}"
            f"<h2>Annual reports</h2>{annual}"
        )
        return _page("SPOLIS — monthly reports", body)

    async def report(request: Request) -> Response:
        if not authorised(request):
            return refuse()
        kind = request.path_params["kind"]
        atvk, period = request.path_params["atvk"], request.path_params["period"]
        versions = store.reports(kind).get((atvk, period), [])
        if kind not in ("monthly", "annual") or not versions:
            return _page("SPOLIS — not found", "<h1>No such report</h1>", 404)
        name = dict(municipalities()).get(atvk, atvk)
        months = {period} if kind == "monthly" else {f"{period}-{m:02d}" for m in range(1, 13)}
        batches = store.batch_counts(atvk, months)
        decided, paid, eur = store.record_counts(atvk, months)
        behind = _table(
            ["", "batches", "current records", "EUR"],
            [
                ["decisions dated in the period", str(batches["decisions"]), str(decided), ""],
                ["payments for the period", str(batches["payments"]), str(paid), eur],
            ],
            numeric_from=1,
        )
        summary = _table(
            ["version", "status", "received at", "timing", "errors", "warnings", "receipt"],
            [
                [
                    str(v.receipt["version"]),
                    v.receipt["status"],
                    v.receipt["receivedAt"],
                    "late" if v.receipt["late"] else "on time",
                    str(len(v.receipt["errors"])),
                    str(len(v.receipt["warnings"])),
                    v.receipt["receiptId"],
                ]
                for v in versions
            ],
        )
        parts = []
        for i, v in enumerate(reversed(versions)):
            r = v.receipt
            if kind == "monthly":
                figures = _table(
                    ["indicator", "unit", "value"],
                    [
                        [safe(x["code"]), safe(x["unit"]), safe(x["value"])]
                        for x in v.body["indicators"]
                    ],
                    numeric_from=2,
                )
            else:
                fields = [*A.COUNT_FIELDS, *A.MONEY_FIELDS]
                figures = _table(
                    ["row", *fields],
                    [
                        [safe(row["kind"]), *[safe(row[f]) for f in fields]]
                        for row in v.body["rows"]
                    ],
                    numeric_from=1,
                )
            label = "latest" if i == 0 else "earlier"
            parts.append(
                f"<h2>Version {r['version']} — {r['status']} ({label})</h2>{figures}"
                f"<h3>Errors</h3>{_issues(r['errors'], 'errors')}"
                f"<h3>Warnings</h3>{_issues(r['warnings'], 'warnings')}"
            )
        if kind == "monthly":
            css, label = cell_state(versions, Month.parse(period), state.population.today)
        else:
            css, label = ("rejected", "rejected")
            if any(v.accepted for v in versions):
                late = next(v for v in versions if v.accepted).receipt["late"]
                css, label = ("late", "accepted late") if late else ("ok", "accepted on time")
        state_line = f'<p>State: <span class="{css}" data-state="{css}">{label}</span></p>'
        title = f"{kind.capitalize()} report — {name} ({atvk}), {period}"
        body = (
            f"<h1>{escape(title)}</h1>{state_line}<h2>Submissions</h2>{summary}"
            f"<h2>Decision and payment batches behind it</h2>{behind}{''.join(parts)}"
        )
        return _page(title, body)

    async def bare(request: Request) -> Response:
        return RedirectResponse("/spolis/", status_code=308)

    return [
        Route("/spolis", bare, methods=["GET"]),
        Route("/spolis/", home, methods=["GET"]),
        Route("/spolis/reports/{kind}/{atvk}/{period}", report, methods=["GET"]),
    ]
