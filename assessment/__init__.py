"""Household material-situation assessment (``assessment.md``): a pure calculator.

Public API (no I/O, no database; flows, the SPOLIS reporting and ``tilts assess`` call it):

* :func:`assess` — a :class:`Case` in, an explained :class:`AssessmentResult` out;
* :func:`person_category`, :func:`is_child_with_disability` — SPOLIS categories (§6);
* :func:`household_thresholds`, :func:`income_months`, :func:`housing_coefficient`;
* :func:`load_rules` / :func:`default_rules` — the rules as data (``assessment/rules/*.toml``),
  with an operator's municipality rows merged in;
* :func:`parse_case`, :func:`result_to_json` — the JSON formats of §7.

See ``assessment/README.md`` for where each rule lives.
"""

from assessment.calculator import assess, household_thresholds, housing_coefficient, income_months
from assessment.categories import (
    CATEGORY_ORDER,
    is_able_to_work,
    is_child_with_disability,
    person_category,
)
from assessment.model import (
    AssessmentResult,
    Case,
    DeclaredIncome,
    Disability,
    Employment,
    NvaMeasure,
    NvaStatus,
    Person,
    PersonCategory,
    Status,
    VidIncome,
    VsaaPayment,
)
from assessment.output import result_to_json
from assessment.parsing import case_from_data, parse_case
from assessment.periods import Month
from assessment.rules import (
    MunicipalityThresholdRow,
    Rate,
    Rules,
    default_rules,
    load_rules,
    parse_municipality_rows,
)

__all__ = [
    "CATEGORY_ORDER",
    "AssessmentResult",
    "Case",
    "DeclaredIncome",
    "Disability",
    "Employment",
    "Month",
    "MunicipalityThresholdRow",
    "NvaMeasure",
    "NvaStatus",
    "Person",
    "PersonCategory",
    "Rate",
    "Rules",
    "Status",
    "VidIncome",
    "VsaaPayment",
    "assess",
    "case_from_data",
    "default_rules",
    "household_thresholds",
    "housing_coefficient",
    "income_months",
    "is_able_to_work",
    "is_child_with_disability",
    "load_rules",
    "parse_case",
    "parse_municipality_rows",
    "person_category",
    "result_to_json",
]
