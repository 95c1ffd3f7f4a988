"""Checks of a case against the rules, before anything is computed.

``assessment.md`` §7: bad input is an error that names the field, never a guessed result.
Every problem is reported as ``<field path>: <what is wrong>`` with the paths of the case JSON
(``members[1].vid[2].incomeType``), whether the case came from JSON or was built by a flow.
Messages never repeat a value from the case (it may be personal data), only the field and
what was expected.
"""

from __future__ import annotations

from decimal import Decimal

from tilts.assessment.model import Case, Person
from tilts.assessment.property_parsing import property_problems
from tilts.assessment.rules import Rules
from tilts.kernel.errors import InputError

DISABILITY_SUBJECTS = ("ADULT", "CHILD")
DISABILITY_GROUPS = ("I", "II", "III")
NVA_KINDS = ("UNEMPLOYED", "JOB_SEEKER", "NOT_REGISTERED")
LAD_PAYMENT_TYPES = (
    "BASIC_INCOME_SUPPORT", "COUPLED_SUPPORT", "SMALL_FARMERS", "YOUNG_FARMERS", "ECO_SCHEME",
    "RURAL_DEVELOPMENT", "OTHER",
)  # fmt: skip  # property.md §5


def _one_of(names: tuple[str, ...] | list[str]) -> str:
    return "expected one of " + ", ".join(names)


def _negative(value: Decimal) -> bool:
    return value < 0


def _person_problems(index: int, person: Person, case: Case, rules: Rules) -> list[str]:
    path = f"members[{index}]"
    problems = []
    if not person.id:
        problems.append(f"{path}.id: must not be empty")
    if person.birth_date > case.application_date:
        problems.append(f"{path}.birthDate: is after the application date")
    disability = person.disability
    if disability is not None:
        if disability.subject not in DISABILITY_SUBJECTS:
            problems.append(f"{path}.disability.subject: {_one_of(DISABILITY_SUBJECTS)}")
        elif disability.subject == "ADULT" and disability.group not in DISABILITY_GROUPS:
            problems.append(
                f"{path}.disability.group: an adult's decision needs a group, "
                f"{_one_of(DISABILITY_GROUPS)}"
            )
        elif disability.subject == "CHILD" and disability.group is not None:
            problems.append(f"{path}.disability.group: a child's decision has no group")
        if disability.valid_to is not None and disability.valid_to < disability.valid_from:
            problems.append(f"{path}.disability.validTo: is before validFrom")
    for k, record in enumerate(person.vid):
        if record.income_type not in rules.income.vid_types:
            problems.append(
                f"{path}.vid[{k}].incomeType: unknown VID income type, "
                f"{_one_of(rules.income.vid_types)}"
            )
        if _negative(record.net_amount):
            problems.append(f"{path}.vid[{k}].netAmount: must not be negative")
    for k, payment in enumerate(person.vsaa):
        if payment.benefit_type not in rules.income.vsaa_types:
            problems.append(
                f"{path}.vsaa[{k}].benefitType: unknown VSAA benefit type, "
                f"{_one_of(rules.income.vsaa_types)}"
            )
        if _negative(payment.paid_amount):
            problems.append(f"{path}.vsaa[{k}].paidAmount: must not be negative")
    problems += _lad_ugfa_problems(path, person)
    if person.nva is not None and person.nva.kind not in NVA_KINDS:
        problems.append(f"{path}.nva.kind: {_one_of(NVA_KINDS)}")
    measure = person.nva.active_measure if person.nva else None
    for k, stipend in enumerate(measure.stipends if measure else ()):
        if _negative(stipend.amount):
            problems.append(f"{path}.nva.activeMeasure.stipends[{k}].amount: must not be negative")
    return problems


def _lad_ugfa_problems(path: str, person: Person) -> list[str]:
    """LAD and UGFA records (property.md §5-6)."""
    problems = []
    for k, payment in enumerate(person.lad):
        if payment.payment_type not in LAD_PAYMENT_TYPES:
            problems.append(
                f"{path}.lad[{k}].paymentType: unknown LAD payment type, "
                f"{_one_of(LAD_PAYMENT_TYPES)}"
            )
        if payment.payment_date.year < payment.campaign_year:
            problems.append(f"{path}.lad[{k}].paymentDate: is before its campaign year")
        if _negative(payment.amount):
            problems.append(f"{path}.lad[{k}].amount: must not be negative")
    for k, maintenance in enumerate(person.ugfa):
        if not maintenance.case_number.strip():
            problems.append(f"{path}.ugfa[{k}].caseNumber: must not be empty")
        if _negative(maintenance.amount):
            problems.append(f"{path}.ugfa[{k}].amount: must not be negative")
    return problems


def _case_problems(case: Case, rules: Rules) -> list[str]:
    problems: list[str] = []
    if not case.members:
        problems.append("members: the household needs at least one member")
    first_index: dict[str, int] = {}
    for index, person in enumerate(case.members):
        if person.id in first_index:
            problems.append(f"members[{index}].id: duplicates members[{first_index[person.id]}].id")
        first_index.setdefault(person.id, index)
        problems.extend(_person_problems(index, person, case, rules))
    for index, line in enumerate(case.declared_income):
        path = f"declaredIncome[{index}]"
        if line.member_id not in first_index:
            problems.append(f"{path}.memberId: no member of the household has this id")
        if line.income_type not in rules.income.declared_types:
            problems.append(
                f"{path}.type: unknown declared income type, {_one_of(rules.income.declared_types)}"
            )
        if _negative(line.monthly_amount):
            problems.append(f"{path}.monthlyAmount: must not be negative")
        if line.twelve_month_total is not None:
            if line.income_type not in rules.income.declared_spread:
                spread = sorted(rules.income.declared_spread)
                problems.append(
                    f"{path}.twelveMonthTotal: only for irregular income, {_one_of(spread)}"
                )
            elif _negative(line.twelve_month_total):
                problems.append(f"{path}.twelveMonthTotal: must not be negative")
    expense_types = rules.housing_benefit.expense_types
    for kind, amount in case.housing_expenses.items():
        if kind not in expense_types:
            problems.append(
                f"housingExpenses.{kind}: unknown housing expense type, {_one_of(expense_types)}"
            )
        elif _negative(amount):
            problems.append(f"housingExpenses.{kind}: must not be negative")
    if _negative(case.savings):
        problems.append("savings: must not be negative")
    if case.property is not None:
        problems.extend(property_problems(case.property, set(first_index)))
    return problems


def _date_problems(case: Case, rules: Rules) -> list[str]:
    known = sorted(rules.municipalities)
    if case.municipality not in rules.municipalities:
        return [f"municipality: unknown municipality (ATVK), {_one_of(known)}"]
    if rules.national_row_on(case.application_date) is None:
        first = rules.thresholds[0].in_force_from
        return [f"applicationDate: is before the first threshold row (in force from {first})"]
    if rules.municipality_row_on(case.municipality, case.application_date) is None:
        first = rules.municipalities[case.municipality][0].in_force_from
        name = rules.municipality_name(case.municipality)
        return [
            f"applicationDate: no low-income threshold of {name} is in force on this date "
            f"(its first row is in force from {first})"
        ]
    return []


def validate_case(case: Case, rules: Rules) -> None:
    """Raise one :class:`InputError` listing every problem of ``case``, one per line.

    Raises:
        InputError: the case has at least one problem; ``str(error)`` holds one
            ``<field path>: <what is wrong>`` line per problem.
    """
    problems = _date_problems(case, rules) + _case_problems(case, rules)
    if problems:
        raise InputError("\n".join(problems))
