"""The ministry's home page (``GET /spolis/``): the grid, national totals, annual reports."""

from __future__ import annotations

from html import escape
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tilts.assessment.periods import Month
from tilts.kernel.spolis_indicators import INDICATORS
from tilts.mocks.spolis import view_html as H
from tilts.mocks.spolis.labels import STATES, label, lang_of, state_label, text, timing
from tilts.mocks.spolis.view_query import (
    BadRequest,
    View,
    bad,
    grid_query,
    refusal,
    rejected_records,
    totals,
    with_lang,
)

MONTH_INPUT = 'type="text" pattern="[0-9]{4}-[0-9]{2}" placeholder="YYYY-MM"'


def filters_form(g: dict[str, Any], lang: str) -> str:
    months: list[Month] = g["months"]

    def options(pairs: list[tuple[str, str]], chosen: str) -> str:
        return "".join(
            f'<option value="{escape(v)}"{" selected" if v == chosen else ""}>{escape(t)}</option>'
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


async def home(view: View, request: Request) -> Response:
    if (refused := refusal(view, request)) is not None:
        return refused
    lang = lang_of(request.query_params.get("lang"))
    try:
        g = grid_query(view, request)
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
        rej = rejected_records(view, atvk)
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
    sums = {m: totals(view, m) for m in months}
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
    for (atvk, year), versions in sorted(view.store.annual.items()):
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
        f"Šodien {view.state.population.today} (imitācijas pulkstenis). Pārskats jāiesniedz līdz "
        "nākamā mēneša 15. datumam plkst. 23.59 pēc Rīgas laika.",
        f"Today {view.state.population.today} (mock clock). A report is due on the 15th of the "
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
