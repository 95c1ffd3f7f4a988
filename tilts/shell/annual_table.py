"""The SPOLIS annual report as a printed table, laid out like a municipal annual report (Ogres
novads, 2024): one column per line of assistance — social assistance in all, the two statuses,
then each benefit — and the breakdown down the side in the report's order: euros (in cash, in
kind), households, persons (children, of them with a disability; working-age adults — employed,
not employed, on parental leave, of them in paid temporary public works; adults with a
disability; of pension age), then the fields added in 2026-12. Euros with a decimal comma, as
the report prints them. Input: the document ``tilts spolis annual --dry-run`` writes.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

#: (row kind, the two header lines) in the report's order.
COLUMNS = (
    ("ALL", "Sociālā", "palīdzība"),
    ("STATUS_POOR", "Trūcīgas", "statuss"),
    ("STATUS_LOW_INCOME", "Maznodr.", "statuss"),
    ("BENEFIT_GMI", "GMI", "pabalsts"),
    ("BENEFIT_HOUSING", "Mājokļa", "pabalsts"),
    ("BENEFIT_HEALTH", "Veselības", "aprūpei"),
    ("BENEFIT_EDUCATION", "Izglītības", "atbalstam"),
    ("BENEFIT_OTHER", "Citi", "pabalsti"),
    ("BENEFIT_CRISIS", "Krīzes", "situācijā"),
)
WORKING_AGE = ("workingAgeEmployed", "workingAgeNotEmployed", "parentalLeave")
#: (label, field; ``None`` for a computed line) down the side, indented as the report does.
LINES: tuple[tuple[str, str | None], ...] = (
    ("Izlietoti euro", "eurTotal"),
    ("  naudā", "eurCash"),
    ("  natūrā", "eurInKind"),
    ("Mājsaimniecības", "households"),
    ("Personas", "persons"),
    ("  bērni", "children"),
    ("    t.sk. bērni ar invaliditāti", "childrenWithDisability"),
    ("  pilngadīgas darbspējīgas personas", "workingAge"),
    ("    strādājošas personas", "workingAgeEmployed"),
    ("    nestrādājošas personas", "workingAgeNotEmployed"),
    ("    personas bērna kopšanas atvaļinājumā", "parentalLeave"),
    ("    t.sk. algotie pagaidu sabiedriskie darbi", "publicWorks"),
    ("  pilngadīgas personas ar invaliditāti", "adultsWithDisability"),
    ("  pensijas vecuma personas", "pensionAge"),
    ("Pilngadīgās personas: sievietes", "women"),
    ("                      vīrieši", "men"),
    ("Ukrainas civiliedzīvotāji", "ukrainianCivilians"),
    ("Vidēji euro uz personu mēnesī", "averageEurPerPersonMonth"),
    ("Vidēji mēneši uz personu", "averageMonthsPerPerson"),
)
MONEY = {"eurTotal", "eurCash", "eurInKind", "averageEurPerPersonMonth", "averageMonthsPerPerson"}
LABEL_WIDTH = 44
WIDTH = 11


def _money(value: Decimal) -> str:
    return f"{value:.2f}".replace(".", ",")


def _cell(row: dict[str, Any] | None, name: str) -> str:
    if row is None:
        return "—"
    if name == "eurTotal":
        return _money(Decimal(str(row["eurCash"])) + Decimal(str(row["eurInKind"])))
    if name == "workingAge":
        return str(sum(int(row[f]) for f in WORKING_AGE))
    if name in MONEY:
        return _money(Decimal(str(row[name])))
    return str(row[name])


def render_annual(document: dict[str, Any], name: str | None = None) -> str:
    """The table of one municipality's annual report (its dry-run document)."""
    rows = {str(r["kind"]): r for r in document["payload"]["rows"]}
    who = name or document["payload"].get("respondent", {}).get("name") or document["municipality"]
    out = [
        f"{who} ({document['municipality']}) — sociālā palīdzība {document['period']}. gadā",
        "SPOLIS gada pārskats (MK 324 2. pielikums), neiesniegts (--dry-run)",
        "",
    ]
    for line in (1, 2):
        out.append(" " * LABEL_WIDTH + "".join(f"{c[line]:>{WIDTH}}" for c in COLUMNS).rstrip())
    out.append("-" * (LABEL_WIDTH + WIDTH * len(COLUMNS)))
    for label, field in LINES:
        assert field is not None
        cells = "".join(f"{_cell(rows.get(kind), field):>{WIDTH}}" for kind, *_ in COLUMNS)
        out.append(f"{label:<{LABEL_WIDTH}}{cells}")
    issues = document.get("validation", {}).get("issues") or []
    out.append("")
    out.append("Pārbaude: " + ("kārtībā" if not issues else f"{len(issues)} kļūdas"))
    out += [f"  {i}" for i in issues]
    return "\n".join(out)
