"""Household material-situation assessment (``assessment.md``): a pure calculator.

Public API (no I/O, no database; flows, the SPOLIS reporting and ``tilts assess`` call it):

* :func:`assess` — a :class:`Case` in, an explained :class:`AssessmentResult` out;
* :func:`benefit_schedule` — a case's GMI and housing benefit recomputed for given months;
* :func:`person_category`, :func:`is_child_with_disability` — SPOLIS categories (§6);
* :func:`household_thresholds`, :func:`income_months`, :func:`housing_coefficient`;
* :func:`load_rules` / :func:`default_rules` — the rules as data (``assessment/rules/*.toml``),
  with an operator's municipality rows merged in;
* :func:`parse_case`, :func:`result_to_json` — the JSON formats of §7;
* :func:`property_test` — the property test of ``property.md`` §8 (``assess`` runs it when the
  case carries ``property``).

See ``assessment/README.md`` for where each rule lives.
"""

from tilts.assessment.calculator import (
    assess,
    benefit_schedule,
    household_thresholds,
    housing_coefficient,
    income_months,
    savings_limit,
)
from tilts.assessment.categories import (
    CATEGORY_ORDER,
    household_type,
    is_able_to_work,
    is_child_with_disability,
    is_pension_age,
    pension_age_reached,
    person_category,
)
from tilts.assessment.explain import computations, render
from tilts.assessment.model import (
    AssessmentResult,
    BenefitSchedule,
    Case,
    DeclaredIncome,
    Disability,
    Employment,
    Maintenance,
    NvaMeasure,
    NvaStatus,
    Person,
    PersonCategory,
    RuralPayment,
    ScheduledMonth,
    Status,
    Stipend,
    VidIncome,
    VsaaPayment,
)
from tilts.assessment.output import property_test_to_json, result_to_json, schedule_to_json
from tilts.assessment.parsing import case_from_data, parse_case
from tilts.assessment.periods import Month
from tilts.assessment.property_check import property_test
from tilts.assessment.property_model import (
    EnterpriseRole,
    ItemOutcome,
    PropertyFacts,
    PropertyItem,
    PropertyOverride,
    PropertyResult,
    PropertyRight,
    PropertyTest,
    Vehicle,
)
from tilts.assessment.rules import (
    HouseholdType,
    HousingCoefficientRow,
    HousingNormRow,
    MunicipalityThresholdRow,
    PropertyRules,
    Rate,
    Rules,
    default_rules,
    load_rules,
    parse_municipality_rows,
    parse_property_rows,
)

__all__ = [
    "CATEGORY_ORDER",
    "AssessmentResult",
    "BenefitSchedule",
    "Case",
    "DeclaredIncome",
    "Disability",
    "Employment",
    "EnterpriseRole",
    "HouseholdType",
    "HousingCoefficientRow",
    "HousingNormRow",
    "ItemOutcome",
    "Maintenance",
    "Month",
    "MunicipalityThresholdRow",
    "NvaMeasure",
    "NvaStatus",
    "Person",
    "PersonCategory",
    "PropertyFacts",
    "PropertyItem",
    "PropertyOverride",
    "PropertyResult",
    "PropertyRight",
    "PropertyRules",
    "PropertyTest",
    "Rate",
    "Rules",
    "RuralPayment",
    "ScheduledMonth",
    "Status",
    "Stipend",
    "Vehicle",
    "VidIncome",
    "VsaaPayment",
    "assess",
    "benefit_schedule",
    "case_from_data",
    "computations",
    "default_rules",
    "household_thresholds",
    "household_type",
    "housing_coefficient",
    "income_months",
    "is_able_to_work",
    "is_child_with_disability",
    "is_pension_age",
    "load_rules",
    "parse_case",
    "parse_municipality_rows",
    "parse_property_rows",
    "pension_age_reached",
    "person_category",
    "property_test",
    "property_test_to_json",
    "render",
    "result_to_json",
    "savings_limit",
    "schedule_to_json",
]
