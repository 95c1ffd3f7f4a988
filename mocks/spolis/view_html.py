"""HTML and CSV building blocks of the ministry's SPOLIS view (``mocks/spolis/view.py``).

Every page has ``<html lang>`` of its language, a ``main`` landmark, tables with a caption and
``th scope``; every answer (page, CSV, refusal) carries ``Cache-Control: no-store``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from html import escape
from typing import Any

from starlette.responses import HTMLResponse, Response

from tilts.assessment.periods import Month
from tilts.mocks.spolis import rules as R
from tilts.mocks.spolis.labels import label, state_label, text
from tilts.mocks.spolis.store import ReportVersion

NO_STORE = {"Cache-Control": "no-store"}
# 11 digits (a hyphen after the sixth allowed) not inside a longer run of digits or hex
CODE_LIKE = re.compile(r"(?<![0-9a-fA-F])\d{6}-?\d{5}(?![0-9a-fA-F])")
CSS = """
body{font:15px/1.4 system-ui,sans-serif;margin:24px;color:#1d2733}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:24px 0 8px}h3{font-size:16px}
table{border-collapse:collapse;margin-bottom:8px}
td,th{border:1px solid #c8d0d8;padding:4px 8px;text-align:left}
th{background:#eef2f5}caption{text-align:left;font-weight:600;padding:4px 0}
table.small td,table.small th{font-size:13px;padding:3px 6px}
td.num{text-align:right;font-variant-numeric:tabular-nums}
td.cell{width:84px;font-size:13px;text-align:center}td.cell a{color:inherit}
.ok{background:#cdebd3}.late{background:#ffe2a8}.rejected{background:#f6c1c1}
.missing{background:#d9dde1}.corrected{background:#c9dcf5}.not-due{background:#fff}
.muted{color:#4f5a65}.legend span{display:inline-block;padding:2px 8px;margin-right:6px}
nav a{margin-right:12px}form.filters label{margin-right:12px}
.skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:#fff}
"""


def safe(value: Any) -> str:
    """A submitted value as HTML text; anything shaped like a personal code is blanked out."""
    return escape(CODE_LIKE.sub("•" * 11, str(value)))


def coded(code: Any, lang: str) -> str:
    """A code with its label in ``lang`` beside it."""
    shown = safe(code)
    name = label(str(code), lang)
    return f"<code>{shown}</code> {escape(name)}" if name else f"<code>{shown}</code>"


def page(
    title: str,
    body: str,
    lang: str,
    status: int = 200,
    other_lang_href: str | None = None,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """A whole page: ``<html lang>``, a skip link, the navigation and ``main``."""
    switch = ""
    if other_lang_href is not None:
        other = "en" if lang == "lv" else "lv"
        name = "English" if other == "en" else "Latviski"
        switch = f'<a href="{escape(other_lang_href)}" lang="{other}" hreflang="{other}">{name}</a>'
    home = "/spolis/" if lang == "lv" else "/spolis/?lang=en"
    html = (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
        f'<a class="skip" href="#main">{text(lang, "Pāriet uz saturu", "Skip to content")}</a>'
        f'<header><nav aria-label="{text(lang, "Navigācija", "Navigation")}">'
        f'<a href="{home}">{text(lang, "SPOLIS — mēneša pārskati", "SPOLIS — monthly reports")}'
        '</a><a href="/spolis/api/v1/openapi.json">'
        f"{text(lang, 'API līgums', 'API contract')}</a>{switch}</nav></header>"
        f'<main id="main">{body}</main></body></html>'
    )
    return HTMLResponse(html, status_code=status, headers={**NO_STORE, **(headers or {})})


def table(
    caption: str,
    head: list[str],
    rows: list[list[str]],
    numeric_from: int = 99,
    css: str = "",
    row_headers: bool = True,
    table_id: str = "",
) -> str:
    """A table of pre-escaped cells with a caption; the first column is a row header."""
    ths = "".join(f'<th scope="col">{h}</th>' for h in head)
    trs = []
    for row in rows:
        cells = []
        for i, c in enumerate(row):
            if i == 0 and row_headers:
                cells.append(f'<th scope="row">{c}</th>')
            elif i >= numeric_from:
                cells.append(f'<td class="num">{c}</td>')
            else:
                cells.append(f"<td>{c}</td>")
        trs.append(f"<tr>{''.join(cells)}</tr>")
    attrs = (f' id="{table_id}"' if table_id else "") + (f' class="{css}"' if css else "")
    return (
        f"<table{attrs}><caption>{caption}</caption><thead><tr>{ths}</tr></thead>"
        f"<tbody>{''.join(trs)}</tbody></table>"
    )


def issues(items: list[dict[str, Any]], caption: str, none: str, lang: str) -> str:
    if not items:
        return f'<p class="muted">{none}</p>'
    rows = [[safe(i["field"]), coded(i["code"], lang), safe(i["message"])] for i in items]
    head = [text(lang, "lauks", "field"), text(lang, "kods", "code"), text(lang, "ziņa", "message")]
    return table(caption, head, rows)


def cell_state(versions: list[ReportVersion], month: Month, today: dt.date) -> str:
    """The state (css class) of a monthly report: ok, late, rejected, missing, corrected,
    not-due."""
    if not versions:
        return "missing" if today > R.monthly_due(month) else "not-due"
    accepted = [v for v in versions if v.accepted]
    if len(accepted) > 1:
        return "corrected"
    if accepted:
        return "late" if accepted[0].receipt["late"] else "ok"
    return "rejected"


def cell_label(state: str, versions: int, lang: str) -> str:
    count = f" · {versions} {text(lang, 'versijas', 'versions')}" if versions > 1 else ""
    return state_label(state, lang) + count


def figure(value: Decimal, unit: str) -> str:
    return R.money(str(value)) if unit == "EUR" else str(value)


def chart(months: list[Month], totals: list[Decimal], indicator: str, lang: str) -> str:
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
    name = f"{text(lang, 'Valsts kopsummas', 'National totals of')} {indicator}"
    return (
        f'<svg role="img" aria-label="{name}" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{name}</title>{axis}{''.join(bars)}</svg>"
    )


def csv_response(filename: str, head: list[str], rows: list[list[str]]) -> Response:
    """A CSV download (UTF-8, comma-separated, CRLF rows, a header row)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(head)
    writer.writerows([CODE_LIKE.sub("•" * 11, c) for c in row] for row in rows)
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={**NO_STORE, "Content-Disposition": f'attachment; filename="{filename}"'},
    )
