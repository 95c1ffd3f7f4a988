"""The indicator codes and units of the SPOLIS monthly report (spolis.md §3).

Contract vocabulary shared by the SPOLIS mock (which plays the ministry) and our own pre-send
check (``schemas/spolis.py``): the rules each side applies stay its own.
"""

from __future__ import annotations

# §3: indicator code → unit, in the order of the annex.
INDICATORS: dict[str, str] = {
    "POOR_HOUSEHOLDS_NEW": "households",
    "POOR_PERSONS_NEW": "persons",
    "POOR_HOUSEHOLDS_END": "households",
    "POOR_PERSONS_END": "persons",
    "LOW_INCOME_HOUSEHOLDS_NEW": "households",
    "LOW_INCOME_PERSONS_NEW": "persons",
    "LOW_INCOME_HOUSEHOLDS_END": "households",
    "LOW_INCOME_PERSONS_END": "persons",
    "GMI_HOUSEHOLDS": "households",
    "GMI_PERSONS": "persons",
    "GMI_EUR": "EUR",
    "HOUSING_HOUSEHOLDS": "households",
    "HOUSING_PERSONS": "persons",
    "HOUSING_EUR": "EUR",
    "HEALTH_PERSONS": "persons",
    "HEALTH_EUR": "EUR",
    "EDUCATION_PERSONS": "persons",
    "EDUCATION_EUR": "EUR",
    "CRISIS_HOUSEHOLDS": "households",
    "CRISIS_EUR": "EUR",
    "OTHER_PERSONS": "persons",
    "OTHER_EUR": "EUR",
}
