"""The ministry's view of SPOLIS (``spolis.md`` §7): server-rendered HTML and CSV, read-only, no JS.

* ``GET /spolis/[?from=&to=YYYY-MM&atvk=&state=&indicator=CODE&lang=lv|en]`` — municipalities ×
  the months ``from``–``to`` (default: the 12 ending the month before the mock clock's; at most
  36), each cell the monthly report's state; ``atvk`` keeps one municipality, ``state`` the
  municipalities with a cell in that state; each row links to the municipality's rejected
  records; national totals of ``indicator`` (default ``GMI_EUR``) as an inline SVG chart and of
  every indicator as a table; the annual reports. ``/spolis/grid.csv`` and ``/spolis/totals.csv``
  (same parameters) download the grid and the national totals.
* ``GET /spolis/municipalities/{atvk}`` — the decision and payment records SPOLIS rejected, as
  counts per field and code (never a record id, a value or a personal code), and its reports.
* ``GET /spolis/reports/monthly/{atvk}/{YYYY-MM}`` and ``…/annual/{atvk}/{YYYY}`` — versions,
  what each correction changed (the figures that differ from the previous version), indicators,
  errors, warnings, the decision and payment batches behind the report, and — when the latest
  version is rejected — the respondent's contact (the office, its address, phone and e-mail; not
  the head's name). ``…/versions.csv`` downloads every version's figures.

Codes carry their Latvian label (``lang=en``: English); ``<html lang>`` follows. Access: a bearer
token with scope ``spolis.read-all`` or HTTP Basic with the id and secret of a client holding it
(the ministry's). Missing or invalid credentials are 401 with ``WWW-Authenticate: Basic``; valid
ones without the scope are 403. Every answer is ``Cache-Control: no-store``.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections import Counter
from decimal import Decimal
from html import escape
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from tilts.assessment import default_rules
from tilts.assessment.periods import Month
from tilts.kernel.spolis_indicators import INDICATORS
from tilts.mocks.gateway.state import MockState
from tilts.mocks.spolis import view_html as H
from tilts.mocks.spolis.labels import STATES, label, lang_of, state_label, text, timing
from tilts.mocks.spolis.store import ReportVersion, SpolisStore
from tilts.mocks.spolis.view_report import figures_of, render

READ_SCOPE = "spolis.read-all"
MAX_MONTHS = 36
MONTH_INPUT = 'type="text" pattern="[0-9]{4}-[0-9]{2}" placeholder="YYYY-MM"'


class BadRequest(Exception):
    """A query parameter the view cannot use (400 page naming it)."""


def routes(state: MockState, store: SpolisStore) -> list[Route]:
    """The view's routes over ``store``."""
    names = default_rules()

    def refusal(request: Request) -> Response | None:
        """None when the credential holds the ministry scope; else the 401 or 403 page."""
        lang = lang_of(request.query_params.get("lang"))
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        scopes: frozenset[str] | None = None
        if scheme.lower() == "bearer":
            token = state.tokens.get(value.strip())
            scopes = None if token is None else frozenset(token.scopes)
        elif scheme.lower() == "basic":
            try:
                user, _, secret = base64.b64decode(value.strip()).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                user, secret = "", ""
            client = state.config.client(user) if user else None
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

    def municipalities() -> list[tuple[str, str]]:
        atvks = {c.atvk: c.name for c in state.config.clients if c.atvk}
        for atvk in store.report_atvks() | {a for a, _ in store.decisions.history}:
            atvks.setdefault(atvk, "")
        for b in store.batches:
            atvks.setdefault(b.atvk, "")
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

    def rejected_counts(atvk: str) -> dict[str, Counter[tuple[str, str]]]:
        out: dict[str, Counter[tuple[str, str]]] = {"decisions": Counter(), "payments": Counter()}
        for b in store.batches:
            if b.atvk == atvk:
                out[b.kind].update(b.rejected_codes)
        return out

    def rejected_records(atvk: str) -> dict[str, int]:
        out = {"decisions": 0, "payments": 0}
        for b in store.batches:
            if b.atvk == atvk:
                out[b.kind] += b.rejected
        return out

    def grid_query(request: Request) -> dict[str, Any]:
        """The grid's filters from the query string (raises :class:`BadRequest`)."""
        q = request.query_params
        today = state.population.today
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
        known = dict(municipalities())
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
                versions = store.monthly.get((a, str(month)), [])
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

    def filters_form(g: dict[str, Any], lang: str) -> str:
        months: list[Month] = g["months"]

        def options(pairs: list[tuple[str, str]], chosen: str) -> str:
            return "".join(
                f'<option value="{escape(v)}"{" selected" if v == chosen else ""}>'
                f"{escape(t)}</option>"
                for v, t in pairs
            )

        everyone = text(lang, "visas", "all")
        towns = [("", everyone), *[(a, f"{n} ({a})") for a, n in g["known"].items()]]
        states = [("", everyone), *[(s, state_label(s, lang)) for s in STATES]]
        hidden = '<input type="hidden" name="lang" value="en">' if lang == "en" else ""
        return (
            '<form class="filters" method="get" action="/spolis/">'
            f'<label>{text(lang, "Pašvaldība", "Municipality")} <select name="atvk">'
            f"{options(towns, g['atvk'])}</select></label>"
            f'<label>{text(lang, "Stāvoklis", "State")} <select name="state">'
            f"{options(states, g['state'])}</select></label>"
            f'<label>{text(lang, "No mēneša", "From month")} <input {MONTH_INPUT} name="from" '
            f'value="{months[0]}"></label>'
            f'<label>{text(lang, "Līdz mēnesim", "To month")} <input {MONTH_INPUT} name="to" '
            f'value="{months[-1]}"></label>'
            f'<input type="hidden" name="indicator" value="{g["indicator"]}">{hidden}'
            f'<button type="submit">{text(lang, "Atlasīt", "Filter")}</button></form>'
        )

    async def home(request: Request) -> Response:
        if (refused := refusal(request)) is not None:
            return refused
        lang = lang_of(request.query_params.get("lang"))
        try:
            g = grid_query(request)
        except BadRequest as exc:
            return bad(lang, str(exc))
        months: list[Month] = g["months"]
        keep = {
            "from": str(months[0]),
            "to": str(months[-1]),
            "atvk": g["atvk"],
            "state": g["state"],
            "indicator": g["indicator"],
        }
        trs = []
        for atvk, name, cells in g["rows"]:
            tds = []
            for month, css, count in cells:
                lbl = H.cell_label(css, count, lang)
                if count:
                    href = with_lang(f"/spolis/reports/monthly/{atvk}/{month}", lang)
                    lbl = f'<a href="{href}">{lbl}</a>'
                tds.append(f'<td class="cell {css}" data-state="{css}">{lbl}</td>')
            rej = rejected_records(atvk)
            link = with_lang(f"/spolis/municipalities/{atvk}", lang)
            trs.append(
                f'<tr><th scope="row">{escape(name)} <span class="muted">{atvk}</span></th>'
                f'{"".join(tds)}<td class="num"><a href="{link}" data-rejected="{atvk}">'
                f"{rej['decisions'] + rej['payments']}</a></td></tr>"
            )
        head = "".join(f'<th scope="col">{m}</th>' for m in months)
        caption = text(
            lang,
            f"Mēneša pārskatu stāvoklis, {months[0]} – {months[-1]}",
            f"State of the monthly reports, {months[0]} – {months[-1]}",
        )
        grid = (
            f'<table id="grid"><caption>{caption}</caption><thead><tr>'
            f'<th scope="col">{text(lang, "pašvaldība", "municipality")}</th>{head}'
            f'<th scope="col">{text(lang, "noraidītie ieraksti", "rejected records")}</th>'
            f"</tr></thead><tbody>{''.join(trs)}</tbody></table>"
        )
        if not trs:
            grid += f'<p class="muted">{text(lang, "Nekas neatbilst.", "Nothing matches.")}</p>'
        legend = "".join(f'<span class="{c}">{state_label(c, lang)}</span>' for c in STATES)
        sums = {m: totals(m) for m in months}
        indicator = g["indicator"]
        picker = "".join(
            f'<option value="{c}"{" selected" if c == indicator else ""}>{c} — '
            f"{escape(label(c, lang))}</option>"
            for c in INDICATORS
        )
        hidden = "".join(
            f'<input type="hidden" name="{k}" value="{escape(v)}">'
            for k, v in keep.items()
            if v and k != "indicator"
        ) + ('<input type="hidden" name="lang" value="en">' if lang == "en" else "")
        pick = (
            f'<form method="get" action="/spolis/">{hidden}'
            f'<label>{text(lang, "Rādītājs", "Indicator")} <select name="indicator">{picker}'
            f'</select></label> <button type="submit">{text(lang, "Rādīt", "Show")}</button>'
            "</form>"
        )
        total_table = H.table(
            text(lang, "Valsts kopsummas pa rādītājiem", "National totals per indicator"),
            [
                text(lang, "rādītājs", "indicator"),
                text(lang, "mērvienība", "unit"),
                *[str(m) for m in months],
            ],
            [
                [
                    H.coded(c, lang),
                    escape(label(u, lang)),
                    *[H.figure(sums[m][c], u) for m in months],
                ]
                for c, u in INDICATORS.items()
            ],
            numeric_from=2,
            css="small",
        )
        annual_rows = []
        for (atvk, year), versions in sorted(store.annual.items()):
            last = versions[-1].receipt
            href = with_lang(f"/spolis/reports/annual/{atvk}/{year}", lang)
            annual_rows.append(
                [
                    f'<a href="{href}">{atvk} · {year}</a>',
                    str(len(versions)),
                    H.coded(last["status"], lang),
                    timing(bool(last["late"]), lang),
                ]
            )
        annual = (
            H.table(
                text(lang, "Gada pārskati", "Annual reports"),
                [
                    text(lang, "ATVK · gads", "ATVK · year"),
                    text(lang, "versijas", "versions"),
                    text(lang, "pēdējais statuss", "last status"),
                    text(lang, "termiņš", "timing"),
                ],
                annual_rows,
            )
            if annual_rows
            else f'<p class="muted">{text(lang, "Gada pārskatu nav.", "No annual reports.")}</p>'
        )
        step = len(months)
        earlier = with_lang(
            "/spolis/",
            lang,
            **{**keep, "from": str(months[0].shift(-step)), "to": str(months[-1].shift(-step))},
        )
        later = with_lang(
            "/spolis/",
            lang,
            **{**keep, "from": str(months[0].shift(step)), "to": str(months[-1].shift(step))},
        )
        downloads = (
            f"<p>{text(lang, 'Lejupielādēt CSV', 'Download CSV')}: "
            f'<a href="{with_lang("/spolis/grid.csv", "lv", **keep)}">'
            f"{text(lang, 'pārskatu stāvoklis', 'report states')}</a> · "
            f'<a href="{with_lang("/spolis/totals.csv", "lv", **keep)}">'
            f"{text(lang, 'valsts kopsummas', 'national totals')}</a></p>"
        )
        title = text(
            lang,
            "SPOLIS — mēneša pārskati pa pašvaldībām",
            "SPOLIS — monthly reports by municipality",
        )
        intro = text(
            lang,
            f"Šodien {state.population.today} (imitācijas pulkstenis). Pārskats jāiesniedz līdz "
            "nākamā mēneša 15. datumam plkst. 23.59 pēc Rīgas laika.",
            f"Today {state.population.today} (mock clock). A report is due on the 15th of the "
            "following month, 23:59 Riga time.",
        )
        body = (
            f"<h1>{title}</h1>"
            f'<p class="muted">{intro} <a href="{earlier}">{text(lang, "agrāk", "earlier")}</a>'
            f' · <a href="{later}">{text(lang, "vēlāk", "later")}</a></p>'
            f"{filters_form(g, lang)}"
            f'<p class="legend">{legend}</p>{grid}{downloads}'
            f"<h2>{text(lang, 'Valsts kopsummas', 'National totals')} — {indicator}</h2>{pick}"
            f"{H.chart(months, [sums[m][indicator] for m in months], indicator, lang)}"
            f"<h2>{text(lang, 'Visu rādītāju kopsummas', 'Totals of every indicator')}</h2>"
            f"{total_table}<h2>{text(lang, 'Gada pārskati', 'Annual reports')}</h2>{annual}"
        )
        other = with_lang("/spolis/", "en" if lang == "lv" else "lv", **keep)
        return H.page(title, body, lang, other_lang_href=other)

    async def grid_csv(request: Request) -> Response:
        if (refused := refusal(request)) is not None:
            return refused
        try:
            g = grid_query(request)
        except BadRequest as exc:
            return bad(lang_of(request.query_params.get("lang")), str(exc))
        rows = [
            [a, name, str(month), css, str(count)]
            for a, name, cells in g["rows"]
            for month, css, count in cells
        ]
        head = ["atvk", "municipality", "month", "state", "versions"]
        return H.csv_response("spolis-grid.csv", head, rows)

    async def totals_csv(request: Request) -> Response:
        if (refused := refusal(request)) is not None:
            return refused
        try:
            g = grid_query(request)
        except BadRequest as exc:
            return bad(lang_of(request.query_params.get("lang")), str(exc))
        rows: list[list[str]] = []
        for m in g["months"]:
            sums = totals(m)
            rows.extend([str(m), c, u, H.figure(sums[c], u)] for c, u in INDICATORS.items())
        return H.csv_response("spolis-totals.csv", ["month", "indicator", "unit", "value"], rows)

    async def municipality(request: Request) -> Response:
        if (refused := refusal(request)) is not None:
            return refused
        lang = lang_of(request.query_params.get("lang"))
        atvk = request.path_params["atvk"]
        known = dict(municipalities())
        if atvk not in known:
            return H.page("SPOLIS", f"<h1>{text(lang, 'Nav atrasts', 'Not found')}</h1>", lang, 404)
        counts, records = rejected_counts(atvk), rejected_records(atvk)
        parts = []
        for kind, (lv, en) in {
            "decisions": ("Noraidītie lēmumu ieraksti", "Rejected decision records"),
            "payments": ("Noraidītie izmaksu ieraksti", "Rejected payment records"),
        }.items():
            title = text(lang, lv, en)
            total = text(lang, "kopā", "in all")
            parts.append(
                f'<h2>{title} — {total} <span data-total="{kind}">{records[kind]}</span></h2>'
            )
            rows = [
                [H.coded(code, lang), escape(field), str(n)]
                for (field, code), n in sorted(counts[kind].items(), key=lambda x: (-x[1], x[0]))
            ]
            parts.append(
                H.table(
                    title,
                    [
                        text(lang, "kods", "code"),
                        text(lang, "lauks", "field"),
                        text(lang, "ierakstu skaits", "records"),
                    ],
                    rows,
                    numeric_from=2,
                    table_id=f"rejected-{kind}",
                )
                if rows
                else f'<p class="muted">{text(lang, "Nav.", "None.")}</p>'
            )
        note = text(
            lang,
            "Tikai skaiti un kodi: ieraksts ar vairākām kļūdām ir saskaitīts pie katra koda.",
            "Counts and codes only: a record with several errors counts under each code.",
        )
        title = f"{known[atvk]} ({atvk})"
        body = f"<h1>{escape(title)}</h1><p class='muted'>{note}</p>{''.join(parts)}"
        other = with_lang(f"/spolis/municipalities/{atvk}", "en" if lang == "lv" else "lv")
        return H.page(title, body, lang, other_lang_href=other)

    def found(request: Request) -> tuple[str, str, str, list[ReportVersion]] | None:
        kind = request.path_params["kind"]
        atvk, period = request.path_params["atvk"], request.path_params["period"]
        if kind not in ("monthly", "annual"):
            return None
        versions = store.reports(kind).get((atvk, period), [])
        return (kind, atvk, period, versions) if versions else None

    async def versions_csv(request: Request) -> Response:
        if (refused := refusal(request)) is not None:
            return refused
        lang = lang_of(request.query_params.get("lang"))
        hit = found(request)
        if hit is None:
            return H.page("SPOLIS", f"<h1>{text(lang, 'Nav atrasts', 'Not found')}</h1>", lang, 404)
        kind, atvk, period, versions = hit
        rows = [
            [
                str(v.receipt["version"]),
                str(v.receipt["status"]),
                str(v.receipt["receivedAt"]),
                "late" if v.receipt["late"] else "on time",
                key,
                value,
            ]
            for v in versions
            for key, value in figures_of(kind, v).items()
        ]
        head = ["version", "status", "receivedAt", "timing", "figure", "value"]
        return H.csv_response(f"spolis-{kind}-{atvk}-{period}.csv", head, rows)

    async def report(request: Request) -> Response:
        if (refused := refusal(request)) is not None:
            return refused
        lang = lang_of(request.query_params.get("lang"))
        hit = found(request)
        if hit is None:
            return H.page("SPOLIS", f"<h1>{text(lang, 'Nav atrasts', 'Not found')}</h1>", lang, 404)
        kind, atvk, period, _ = hit
        name = dict(municipalities()).get(atvk, atvk)
        title, body = render(store, state.population.today, kind, atvk, name, period, lang)
        path = f"/spolis/reports/{kind}/{atvk}/{period}"
        return H.page(
            title, body, lang, other_lang_href=with_lang(path, "en" if lang == "lv" else "lv")
        )

    async def bare(request: Request) -> Response:
        return RedirectResponse("/spolis/", status_code=308, headers=H.NO_STORE)

    return [
        Route("/spolis", bare, methods=["GET"]),
        Route("/spolis/", home, methods=["GET"]),
        Route("/spolis/grid.csv", grid_csv, methods=["GET"]),
        Route("/spolis/totals.csv", totals_csv, methods=["GET"]),
        Route("/spolis/municipalities/{atvk}", municipality, methods=["GET"]),
        Route("/spolis/reports/{kind}/{atvk}/{period}/versions.csv", versions_csv, methods=["GET"]),
        Route("/spolis/reports/{kind}/{atvk}/{period}", report, methods=["GET"]),
    ]
