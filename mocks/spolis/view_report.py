"""One report's page of the ministry's SPOLIS view: versions, corrections, figures, contact."""

from __future__ import annotations

import datetime as dt
import re
from html import escape

from tilts.assessment.periods import Month
from tilts.mocks.spolis import annual as A
from tilts.mocks.spolis import view_html as H
from tilts.mocks.spolis.labels import text, timing
from tilts.mocks.spolis.store import ReportVersion, SpolisStore

CONTACT_FIELDS = (
    ("name", "iestāde", "office"),
    ("address", "adrese", "address"),
    ("phone", "tālrunis", "phone"),
    ("email", "e-pasts", "e-mail"),
)


def figures_of(kind: str, v: ReportVersion) -> dict[str, str]:
    """A version's figures by key: an indicator code, or ``ROW.field`` of an annual report."""
    if kind == "monthly":
        return {str(x.get("code")): str(x.get("value")) for x in v.body.get("indicators", [])}
    fields = [*A.COUNT_FIELDS, *A.MONEY_FIELDS]
    return {
        f"{row.get('kind')}.{f}": str(row.get(f))
        for row in v.body.get("rows", [])
        for f in fields
        if f in row
    }


def changes(kind: str, versions: list[ReportVersion], i: int) -> list[tuple[str, str, str]]:
    """(key, previous, this) of the figures version ``i`` changed from version ``i - 1``."""
    before, now = figures_of(kind, versions[i - 1]), figures_of(kind, versions[i])
    keys = [*now, *(k for k in before if k not in now)]
    return [(k, before.get(k, "—"), now.get(k, "—")) for k in keys if before.get(k) != now.get(k)]


def _state(kind: str, versions: list[ReportVersion], period: str, today: dt.date) -> str:
    if kind == "monthly":
        return H.cell_state(versions, Month.parse(period), today)
    accepted = [v for v in versions if v.accepted]
    if not accepted:
        return "rejected"
    if len(accepted) > 1:
        return "corrected"
    return "late" if accepted[0].receipt["late"] else "ok"


def _contact(v: ReportVersion, lang: str) -> str:
    """The respondent's office contact (never the head's name)."""
    who = v.body.get("respondent")
    if not isinstance(who, dict):
        return ""
    shown = dict(who)
    phone = re.fullmatch(r"\+371\s*(\d{8})", str(who.get("phone", "")))
    if phone:  # a Latvian number written as +371 and 8 digits (never 11 digits in a row)
        shown["phone"] = f"+371 {phone.group(1)}"
    items = "".join(
        f"<dt>{text(lang, lv, en)}</dt><dd>{H.safe(shown[key])}</dd>"
        for key, lv, en in CONTACT_FIELDS
        if who.get(key)
    )
    title = text(lang, "Iesniedzēja kontakti", "The respondent's contact")
    return f'<h2>{title}</h2><dl id="contact">{items}</dl>'


def _figures(kind: str, v: ReportVersion, caption: str, lang: str) -> str:
    if kind == "monthly":
        return H.table(
            caption,
            [
                text(lang, "rādītājs", "indicator"),
                text(lang, "mērvienība", "unit"),
                text(lang, "vērtība", "value"),
            ],
            [
                [H.coded(x.get("code"), lang), H.safe(x.get("unit")), H.safe(x.get("value"))]
                for x in v.body.get("indicators", [])
            ],
            numeric_from=2,
        )
    fields = [*A.COUNT_FIELDS, *A.MONEY_FIELDS]
    return H.table(
        caption,
        [text(lang, "rinda", "row"), *fields],
        [
            [H.coded(row.get("kind"), lang), *[H.safe(row.get(f, "")) for f in fields]]
            for row in v.body.get("rows", [])
        ],
        numeric_from=1,
        css="small",
    )


def render(
    store: SpolisStore, today: dt.date, kind: str, atvk: str, name: str, period: str, lang: str
) -> tuple[str, str]:
    """(title, body) of the report's page."""
    versions = store.reports(kind)[(atvk, period)]
    months = {period} if kind == "monthly" else {f"{period}-{m:02d}" for m in range(1, 13)}
    batches = store.batch_counts(atvk, months)
    decided, paid, eur = store.record_counts(atvk, months)
    behind = H.table(
        text(
            lang, "Lēmumu un izmaksu paketes aiz pārskata", "Decision and payment batches behind it"
        ),
        [
            text(lang, "ieraksti", "records"),
            text(lang, "paketes", "batches"),
            text(lang, "spēkā esošie ieraksti", "current records"),
            "EUR",
        ],
        [
            [
                text(lang, "lēmumi ar datumu periodā", "decisions dated in the period"),
                str(batches["decisions"]),
                str(decided),
                "",
            ],
            [
                text(lang, "izmaksas par periodu", "payments for the period"),
                str(batches["payments"]),
                str(paid),
                eur,
            ],
        ],
        numeric_from=1,
    )
    summary = H.table(
        text(lang, "Iesniegtās versijas", "Submitted versions"),
        [
            text(lang, "versija", "version"),
            text(lang, "statuss", "status"),
            text(lang, "saņemts", "received at"),
            text(lang, "termiņš", "timing"),
            text(lang, "kļūdas", "errors"),
            text(lang, "brīdinājumi", "warnings"),
            text(lang, "kvīts", "receipt"),
        ],
        [
            [
                str(v.receipt["version"]),
                H.coded(v.receipt["status"], lang),
                H.safe(v.receipt["receivedAt"]),
                timing(bool(v.receipt["late"]), lang),
                str(len(v.receipt["errors"])),
                str(len(v.receipt["warnings"])),
                H.safe(v.receipt["receiptId"]),
            ]
            for v in versions
        ],
    )
    parts = []
    for i in range(len(versions) - 1, -1, -1):
        v, r = versions[i], versions[i].receipt
        n = r["version"]
        latest = (
            text(lang, "pēdējā", "latest")
            if i == len(versions) - 1
            else text(lang, "agrāka", "earlier")
        )
        heading = f"{text(lang, 'Versija', 'Version')} {r['version']} — {r['status']} ({latest})"
        changed = ""
        if i > 0:
            diff = changes(kind, versions, i)
            prev = versions[i - 1].receipt["version"]
            cap = text(
                lang,
                f"Versija {r['version']}: kas mainīts salīdzinājumā ar versiju {prev}",
                f"Version {r['version']}: what changed from version {prev}",
            )
            changed = (
                H.table(
                    cap,
                    [
                        text(lang, "rādītājs", "figure"),
                        text(lang, "iepriekš", "before"),
                        text(lang, "tagad", "now"),
                    ],
                    [[H.coded(k, lang), H.safe(a), H.safe(b)] for k, a, b in diff],
                    numeric_from=1,
                    table_id=f"changes-{r['version']}",
                )
                if diff
                else f'<p class="muted">{text(lang, "Skaitļi nav mainīti.", "No change.")}</p>'
            )
        figures = _figures(
            kind, v, text(lang, f"Versijas {n} skaitļi", f"Figures of version {n}"), lang
        )
        errors = H.issues(
            r["errors"],
            text(lang, f"Versijas {n} kļūdas", f"Errors of version {n}"),
            text(lang, "Kļūdu nav.", "No errors."),
            lang,
        )
        warnings = H.issues(
            r["warnings"],
            text(lang, f"Versijas {n} brīdinājumi", f"Warnings of version {n}"),
            text(lang, "Brīdinājumu nav.", "No warnings."),
            lang,
        )
        parts.append(
            f"<h2>{escape(heading)}</h2>{changed}{figures}"
            f"<h3>{text(lang, 'Kļūdas', 'Errors')}</h3>{errors}"
            f"<h3>{text(lang, 'Brīdinājumi', 'Warnings')}</h3>{warnings}"
        )
    css = _state(kind, versions, period, today)
    state_line = (
        f"<p>{text(lang, 'Stāvoklis', 'State')}: "
        f'<span class="{css}" data-state="{css}">'
        f"{H.cell_label(css, len(versions), lang)}</span></p>"
    )
    contact = _contact(versions[-1], lang) if not versions[-1].accepted else ""
    what = (
        text(lang, "Mēneša pārskats", "Monthly report")
        if kind == "monthly"
        else text(lang, "Gada pārskats", "Annual report")
    )
    title = f"{what} — {name} ({atvk}), {period}"
    csv = f"/spolis/reports/{kind}/{atvk}/{period}/versions.csv"
    body = (
        f"<h1>{escape(title)}</h1>{state_line}{contact}"
        f'<p><a href="{csv}">{text(lang, "Visas versijas CSV", "Every version as CSV")}</a></p>'
        f"<h2>{text(lang, 'Iesniegumi', 'Submissions')}</h2>{summary}"
        f"<h2>{text(lang, 'Paketes aiz pārskata', 'Batches behind it')}</h2>{behind}"
        f"{''.join(parts)}"
    )
    return title, body
