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

from functools import partial
from html import escape

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from tilts.assessment import default_rules
from tilts.kernel.spolis_indicators import INDICATORS
from tilts.mocks.gateway.state import MockState
from tilts.mocks.spolis import view_html as H
from tilts.mocks.spolis.labels import lang_of, text
from tilts.mocks.spolis.store import SpolisStore
from tilts.mocks.spolis.view_home import home
from tilts.mocks.spolis.view_query import (
    BadRequest,
    View,
    bad,
    found,
    grid_query,
    municipalities,
    refusal,
    rejected_counts,
    rejected_records,
    totals,
    with_lang,
)
from tilts.mocks.spolis.view_report import figures_of, render


async def grid_csv(view: View, request: Request) -> Response:
    if (refused := refusal(view, request)) is not None:
        return refused
    try:
        g = grid_query(view, request)
    except BadRequest as exc:
        return bad(lang_of(request.query_params.get("lang")), str(exc))
    rows = [
        [a, name, str(month), css, str(count)]
        for a, name, cells in g["rows"]
        for month, css, count in cells
    ]
    head = ["atvk", "municipality", "month", "state", "versions"]
    return H.csv_response("spolis-grid.csv", head, rows)


async def totals_csv(view: View, request: Request) -> Response:
    if (refused := refusal(view, request)) is not None:
        return refused
    try:
        g = grid_query(view, request)
    except BadRequest as exc:
        return bad(lang_of(request.query_params.get("lang")), str(exc))
    rows: list[list[str]] = []
    for m in g["months"]:
        sums = totals(view, m)
        rows.extend([str(m), c, u, H.figure(sums[c], u)] for c, u in INDICATORS.items())
    return H.csv_response("spolis-totals.csv", ["month", "indicator", "unit", "value"], rows)


async def municipality(view: View, request: Request) -> Response:
    if (refused := refusal(view, request)) is not None:
        return refused
    lang = lang_of(request.query_params.get("lang"))
    atvk = request.path_params["atvk"]
    known = dict(municipalities(view))
    if atvk not in known:
        return H.page("SPOLIS", f"<h1>{text(lang, 'Nav atrasts', 'Not found')}</h1>", lang, 404)
    counts, records = rejected_counts(view, atvk), rejected_records(view, atvk)
    parts = []
    for kind, (lv, en) in {
        "decisions": ("Noraidītie lēmumu ieraksti", "Rejected decision records"),
        "payments": ("Noraidītie izmaksu ieraksti", "Rejected payment records"),
    }.items():
        title = text(lang, lv, en)
        total = text(lang, "kopā", "in all")
        parts.append(f'<h2>{title} — {total} <span data-total="{kind}">{records[kind]}</span></h2>')
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


async def versions_csv(view: View, request: Request) -> Response:
    if (refused := refusal(view, request)) is not None:
        return refused
    lang = lang_of(request.query_params.get("lang"))
    hit = found(view, request)
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


async def report(view: View, request: Request) -> Response:
    if (refused := refusal(view, request)) is not None:
        return refused
    lang = lang_of(request.query_params.get("lang"))
    hit = found(view, request)
    if hit is None:
        return H.page("SPOLIS", f"<h1>{text(lang, 'Nav atrasts', 'Not found')}</h1>", lang, 404)
    kind, atvk, period, _ = hit
    name = dict(municipalities(view)).get(atvk, atvk)
    title, body = render(view.store, view.state.population.today, kind, atvk, name, period, lang)
    path = f"/spolis/reports/{kind}/{atvk}/{period}"
    return H.page(
        title, body, lang, other_lang_href=with_lang(path, "en" if lang == "lv" else "lv")
    )


async def bare(request: Request) -> Response:
    return RedirectResponse("/spolis/", status_code=308, headers=H.NO_STORE)


def routes(state: MockState, store: SpolisStore) -> list[Route]:
    """The view's routes over ``store``."""
    view = View(state, store, default_rules())
    return [
        Route("/spolis", bare, methods=["GET"]),
        Route("/spolis/", partial(home, view), methods=["GET"]),
        Route("/spolis/grid.csv", partial(grid_csv, view), methods=["GET"]),
        Route("/spolis/totals.csv", partial(totals_csv, view), methods=["GET"]),
        Route("/spolis/municipalities/{atvk}", partial(municipality, view), methods=["GET"]),
        Route(
            "/spolis/reports/{kind}/{atvk}/{period}/versions.csv",
            partial(versions_csv, view),
            methods=["GET"],
        ),
        Route("/spolis/reports/{kind}/{atvk}/{period}", partial(report, view), methods=["GET"]),
    ]
