"""Property-based checks: more income is never better, amounts are never negative."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from tilts.assessment.calculator import assess, income_months
from tilts.assessment.model import (
    AssessmentResult,
    Case,
    DeclaredIncome,
    Disability,
    Person,
    Status,
    VidIncome,
    VsaaPayment,
)
from tilts.assessment.rules import MunicipalityThresholdRow, Rate, load_rules

RULES = load_rules(
    [MunicipalityThresholdRow("0990000", dt.date(2021, 1, 1), Rate(Decimal(436), Decimal(305)))]
)
STATUS_RANK = {Status.POOR: 0, Status.LOW_INCOME: 1, Status.NONE: 2}
VID_TYPES = ["SALARY", "SELF_EMPLOYMENT", "ROYALTY", "RENTAL", "OTHER"]
VSAA_TYPES = ["OLD_AGE_PENSION", "UNEMPLOYMENT_BENEFIT", "FAMILY_STATE_BENEFIT", "PARENTAL_BENEFIT"]
DECLARED_TYPES = ["ALIMONY", "OTHER_REGULAR", "IRREGULAR", "SCHOLARSHIP", "CHARITY"]
EXPENSE_TYPES = ["RENT", "HEATING", "ELECTRICITY", "SOLID_FUEL"]

cents = st.integers(min_value=0, max_value=250_000).map(lambda c: Decimal(c) / 100)
application_dates = st.dates(min_value=dt.date(2021, 1, 1), max_value=dt.date(2027, 12, 31))


@st.composite
def cases(draw: st.DrawFn) -> Case:
    day = draw(application_dates)
    months = income_months(day)
    members = []
    for index in range(draw(st.integers(min_value=1, max_value=5))):
        birth = draw(st.dates(min_value=dt.date(1935, 1, 1), max_value=day))
        disability = draw(st.none() | st.just(Disability("ADULT", dt.date(2000, 1, 1), "II", None)))
        vid = draw(
            st.lists(
                st.builds(VidIncome, st.sampled_from(months), st.sampled_from(VID_TYPES), cents),
                max_size=4,
            )
        )
        vsaa = draw(
            st.lists(
                st.builds(VsaaPayment, st.sampled_from(months), st.sampled_from(VSAA_TYPES), cents),
                max_size=3,
            )
        )
        members.append(Person(f"m{index}", birth, disability, tuple(vid), tuple(vsaa)))
    declared = draw(
        st.lists(
            st.builds(
                DeclaredIncome,
                st.sampled_from([m.id for m in members]),
                st.sampled_from(DECLARED_TYPES),
                cents,
            ),
            max_size=2,
        )
    )
    return Case(
        municipality="0990000",
        application_date=day,
        savings=draw(st.sampled_from([Decimal(0), Decimal("272.00"), Decimal("300.00")])),
        property_conditions_met=draw(st.booleans()),
        cooperation_agreement=draw(st.booleans()),
        members=tuple(members),
        declared_income=tuple(declared),
        housing_expenses=draw(st.dictionaries(st.sampled_from(EXPENSE_TYPES), cents, max_size=3)),
    )


def _with_more_income(case: Case, member: int, extra: Decimal, kind: str) -> Case:
    """The same case with ``extra`` more counted income for one member in the last month."""
    person = case.members[member]
    month = income_months(case.application_date)[-1]
    if kind == "VSAA":
        person = Person(
            person.id,
            person.birth_date,
            person.disability,
            person.vid,
            (*person.vsaa, VsaaPayment(month, "OLD_AGE_PENSION", extra)),
        )
        return _replace_member(case, member, person)
    if kind == "DECLARED":
        declared = (*case.declared_income, DeclaredIncome(person.id, "ALIMONY", extra))
        return Case(
            case.municipality,
            case.application_date,
            case.savings,
            case.property_conditions_met,
            case.cooperation_agreement,
            case.members,
            declared,
            case.housing_expenses,
        )
    person = Person(
        person.id,
        person.birth_date,
        person.disability,
        (*person.vid, VidIncome(month, "SALARY", extra)),  # a child's may be exempt
        person.vsaa,
    )
    return _replace_member(case, member, person)


def _replace_member(case: Case, index: int, person: Person) -> Case:
    members = (*case.members[:index], person, *case.members[index + 1 :])
    return Case(
        case.municipality,
        case.application_date,
        case.savings,
        case.property_conditions_met,
        case.cooperation_agreement,
        members,
        case.declared_income,
        case.housing_expenses,
    )


def _gmi(result: AssessmentResult) -> Decimal:
    return result.gmi_benefit.monthly_amount if result.gmi_benefit else Decimal(0)


def _housing(result: AssessmentResult) -> Decimal:
    return result.housing_benefit.monthly_amount if result.housing_benefit else Decimal(0)


@settings(max_examples=300, deadline=None)
@given(
    case=cases(),
    member=st.integers(min_value=0, max_value=4),
    extra=cents,
    kind=st.sampled_from(["VID", "VSAA", "DECLARED"]),
)
def test_more_income_is_never_better(case: Case, member: int, extra: Decimal, kind: str) -> None:
    richer_case = _with_more_income(case, member % len(case.members), extra, kind)
    poorer, richer = assess(case, RULES), assess(richer_case, RULES)
    assert richer.average_monthly_income >= poorer.average_monthly_income
    assert STATUS_RANK[richer.status] >= STATUS_RANK[poorer.status]
    assert _gmi(richer) <= _gmi(poorer)
    assert _housing(richer) <= _housing(poorer)


@settings(max_examples=300, deadline=None)
@given(case=cases())
def test_amounts_are_never_negative_and_results_are_consistent(case: Case) -> None:
    result = assess(case, RULES)
    assert result.average_monthly_income >= 0
    assert all(line.amount >= 0 for m in result.member_income for line in m.counted + m.excluded)
    for benefit in (result.gmi_benefit, result.housing_benefit):
        if benefit is not None:
            # monthlyAmount is the first month's; a benefit exists when some month is above 0.
            assert benefit.monthly_amount == benefit.schedule[0].amount >= 0
            assert any(entry.amount > 0 for entry in benefit.schedule)
            assert all(e.amount == e.amount.quantize(Decimal("0.01")) for e in benefit.schedule)
    if result.housing_benefit is not None:  # any status (assessment.md §5)
        assert case.property_conditions_met and sum(case.housing_expenses.values()) > 0
    if result.status is Status.NONE:
        assert result.valid_from is None and result.valid_to is None
        assert result.gmi_benefit is None
    else:
        assert result.valid_from is not None and result.valid_to is not None
        assert result.valid_from <= case.application_date < result.valid_to
    if result.gmi_benefit is not None:
        assert result.status is Status.POOR and case.cooperation_agreement
        assert result.gmi_benefit.monthly_amount <= result.thresholds.gmi
    assert set(result.categories) == {m.id for m in case.members}
