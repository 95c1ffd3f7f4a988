"""Counted and excluded income of each member over the income months (``assessment.md`` §1-2).

Amounts stay exact here (no rounding): the only rounding is of the household average, in
:mod:`assessment.calculator`. Records of months outside the income months are ignored.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from tilts.assessment.categories import is_child_in_month
from tilts.assessment.model import Case, DeclaredIncome, IncomeLine, MemberIncome, Person
from tilts.assessment.money import format_amount
from tilts.assessment.periods import Month
from tilts.assessment.rules import Rules
from tilts.kernel.errors import InputError

VID = "VID"
VSAA = "VSAA"
NVA = "NVA"
LAD = "LAD"
UGFA = "UGFA"
DECLARED = "DECLARED"
#: VSAA's type for the fund's payments, kept for old data; UGFA is the payer (property.md §6)
VSAA_MAINTENANCE = "MAINTENANCE_GUARANTEE_FUND"

COUNTED_VID = "VID income counted at its net amount (§2)"
EXCLUDED_VID = "VID income of this type is not counted (§2)"
CHILD_WORK_EXEMPT = "a child's work income up to the minimum wage of the month is not counted (§2)"
CHILD_WORK_ABOVE = "a child's work income above the minimum wage of the month is counted (§2)"
COUNTED_VSAA = "VSAA payment counted at the amount paid (§2)"
EXCLUDED_VSAA = "VSAA benefit of this type is not counted (§2)"
COUNTED_NVA = "NVA public-works pay or start-up grant counted at the amount paid (§2)"
EXCLUDED_NVA = "the stipend of this NVA active labour-market measure is not counted (§2)"
SPREAD_LAD = (
    "LAD rural support received in the 12 months up to the last income month: the total counted"
    " as 1/12 in each income month (property.md §5, assessment.md §2; modelled)"
)
COUNTED_UGFA = "UGFA maintenance counted as the child's income in the month paid (property.md §6)"
ONCE_UGFA = (
    "VSAA MAINTENANCE_GUARANTEE_FUND of a month UGFA also reports for the member is counted"
    " once, at UGFA's figure (property.md §6)"
)
COUNTED_DECLARED = "declared regular income counted in each income month (§2)"
SPREAD_DECLARED = (
    "declared irregular income: the 12-month total counted as 1/12 in each income month (§1, §2)"
)
EXEMPT_DECLARED = "declared income up to the minimum wage of the month is not counted (§2)"
ABOVE_EXEMPT_DECLARED = "declared income above the minimum wage of the month is counted (§2)"
EXCLUDED_DECLARED = "declared income of this type is not counted (§2)"

_Key = tuple[str, str, str]  # (source, type, reason)


class _Ledger:
    """Sums of counted and excluded amounts by source, type and reason, in first-seen order."""

    def __init__(self) -> None:
        self.counted: dict[_Key, Decimal] = {}
        self.excluded: dict[_Key, Decimal] = {}

    def count(self, source: str, kind: str, reason: str, amount: Decimal) -> None:
        key = (source, kind, reason)
        self.counted[key] = self.counted.get(key, Decimal(0)) + amount

    def exclude(self, source: str, kind: str, reason: str, amount: Decimal) -> None:
        key = (source, kind, reason)
        self.excluded[key] = self.excluded.get(key, Decimal(0)) + amount

    def exempt_up_to(
        self,
        source: str,
        amounts: dict[str, Decimal],
        limit: Decimal,
        reasons: tuple[str, str],
    ) -> None:
        """Exclude the amounts up to ``limit`` together, count the rest.

        The limit applies to the member's sum of these types in the month (several employers
        in one month are normal); it is used up in the alphabetical order of the types.
        """
        remaining = limit
        for kind in sorted(amounts):
            exempt = min(amounts[kind], remaining)
            remaining -= exempt
            if exempt:
                self.exclude(source, kind, reasons[0], exempt)
            if amounts[kind] - exempt:
                self.count(source, kind, reasons[1], amounts[kind] - exempt)

    def result(self, member_id: str) -> MemberIncome:
        return MemberIncome(
            member_id=member_id,
            counted=tuple(
                IncomeLine(s, k, amount, r) for (s, k, r), amount in self.counted.items()
            ),
            excluded=tuple(
                IncomeLine(s, k, amount, r) for (s, k, r), amount in self.excluded.items()
            ),
        )


def _minimum_wage(month: Month, rules: Rules) -> Decimal:
    row = rules.minimum_wage_on(month.first_day)
    if row is None:
        raise InputError(f"applicationDate: no minimum wage is configured for income month {month}")
    return row.amount


def _add(amounts: dict[str, Decimal], kind: str, amount: Decimal) -> None:
    amounts[kind] = amounts.get(kind, Decimal(0)) + amount


def _registry_month(
    person: Person, month: Month, child: bool, rules: Rules, ledger: _Ledger
) -> None:
    income = rules.income
    child_work: dict[str, Decimal] = {}
    for record in person.vid:
        if record.month != month:
            continue
        if child and record.income_type in income.vid_child_work:
            _add(child_work, record.income_type, record.net_amount)
        elif record.income_type in income.vid_counted:
            ledger.count(VID, record.income_type, COUNTED_VID, record.net_amount)
        else:
            ledger.exclude(VID, record.income_type, EXCLUDED_VID, record.net_amount)
    if child_work:
        ledger.exempt_up_to(
            VID, child_work, _minimum_wage(month, rules), (CHILD_WORK_EXEMPT, CHILD_WORK_ABOVE)
        )
    ugfa = [m for m in person.ugfa if m.month == month]
    for payment in person.vsaa:
        if payment.month != month:
            continue
        if payment.benefit_type == VSAA_MAINTENANCE and ugfa:
            ledger.exclude(VSAA, payment.benefit_type, ONCE_UGFA, payment.paid_amount)
        elif payment.benefit_type in income.vsaa_counted:
            ledger.count(VSAA, payment.benefit_type, COUNTED_VSAA, payment.paid_amount)
        else:
            ledger.exclude(VSAA, payment.benefit_type, EXCLUDED_VSAA, payment.paid_amount)
    for maintenance in ugfa:
        ledger.count(UGFA, "MAINTENANCE", COUNTED_UGFA, maintenance.amount)
    measure = person.nva.active_measure if person.nva else None
    if measure is not None:
        for stipend in measure.stipends:
            if stipend.month != month:
                continue
            if measure.type in income.nva_counted:
                ledger.count(NVA, measure.type, COUNTED_NVA, stipend.amount)
            else:
                ledger.exclude(NVA, measure.type, EXCLUDED_NVA, stipend.amount)


def _declared_month(
    declared: Sequence[DeclaredIncome], month: Month, rules: Rules, ledger: _Ledger
) -> None:
    income = rules.income
    exempt_kinds: dict[str, Decimal] = {}
    for line in declared:
        if line.income_type in income.declared_counted:
            ledger.count(DECLARED, line.income_type, COUNTED_DECLARED, line.monthly_amount)
        elif line.income_type in income.declared_exempt_up_to_minimum_wage:
            _add(exempt_kinds, line.income_type, line.monthly_amount)
        elif line.income_type in income.declared_excluded:
            ledger.exclude(DECLARED, line.income_type, EXCLUDED_DECLARED, line.monthly_amount)
    if exempt_kinds:
        ledger.exempt_up_to(
            DECLARED,
            exempt_kinds,
            _minimum_wage(month, rules),
            (EXEMPT_DECLARED, ABOVE_EXEMPT_DECLARED),
        )


def member_income(
    person: Person, declared: Iterable[DeclaredIncome], months: Sequence[Month], rules: Rules
) -> MemberIncome:
    """One member's counted and excluded income over ``months``, by source and type.

    Args:
        person: the member with VID and VSAA records.
        declared: the member's declared income lines.
        months: the income months (the three full months before the application month).
        rules: the income rules (``income`` section) and the minimum wage by date.

    Returns:
        Totals over all ``months`` by (source, type, reason), exact.

    Raises:
        InputError: no minimum wage is configured for an income month that needs one.
    """
    ledger = _Ledger()
    declared = tuple(declared)
    for month in months:
        _registry_month(person, month, is_child_in_month(person, month, rules), rules, ledger)
        _declared_month(declared, month, rules, ledger)
    for line in declared:
        if line.income_type in rules.income.declared_spread:
            # assessment.md §1: irregular income of the 12 months before is spread over 12
            # months; one division for all income months keeps the sum exact (x × 3 / 12).
            # Both forms (twelveMonthTotal, or the old monthlyAmount) hold the 12-month total:
            # it is divided once, never twice.
            total = line.total_or_amount
            share = total * len(months) / rules.income.irregular_spread_months
            ledger.count(DECLARED, line.income_type, SPREAD_DECLARED, share)
    _rural_support(person, months, rules, ledger)
    return ledger.result(person.id)


def _rural_support(person: Person, months: Sequence[Month], rules: Rules, ledger: _Ledger) -> None:
    """LAD payments received in the 12 months up to the last income month (the 12 months before
    the application month), as irregular income: their total ÷ 12 in each income month
    (property.md §5; one division for all income months keeps the sum exact)."""
    if not months:
        return
    spread = rules.income.irregular_spread_months
    last = months[-1]
    first = last.shift(1 - spread)
    totals: dict[str, Decimal] = {}
    for payment in person.lad:
        if first <= Month.of(payment.payment_date) <= last:
            _add(totals, payment.payment_type, payment.amount)
    for kind, total in totals.items():
        ledger.count(LAD, kind, SPREAD_LAD, total * len(months) / spread)


def further_income_reasons(incomes: Sequence[MemberIncome]) -> list[str]:
    """One reason per LAD or UGFA line (and per VSAA maintenance line counted once at UGFA's
    figure), naming the rule: ``Member a: LAD BASIC_INCOME_SUPPORT 300.00 over the income
    months: …``. Amounts are over all income months, exact to the cent shown."""
    rules = {SPREAD_LAD, COUNTED_UGFA, ONCE_UGFA}
    out = []
    for member in incomes:
        for line, verb in [
            *((x, "counted") for x in member.counted),
            *((x, "not counted") for x in member.excluded),
        ]:
            if line.reason in rules:
                out.append(
                    f"Member {member.member_id}: {line.source} {line.type} "
                    f"{format_amount(line.amount)} {verb} over the income months: {line.reason}."
                )
    return out


def household_income(case: Case, months: Sequence[Month], rules: Rules) -> tuple[MemberIncome, ...]:
    """Every member's income over ``months`` (see :func:`member_income`), in member order."""
    return tuple(
        member_income(
            person,
            (line for line in case.declared_income if line.member_id == person.id),
            months,
            rules,
        )
        for person in case.members
    )
