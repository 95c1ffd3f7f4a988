"""The calculator's domain types: a household case in, an explained result out.

These are plain frozen dataclasses, so flows and the SPOLIS reporting can build them from the
store without going through JSON; :mod:`assessment.parsing` builds them from the case JSON of
``assessment.md`` §7.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from tilts.assessment.periods import Month
from tilts.assessment.property_model import PropertyFacts, PropertyTest


class Status(StrEnum):
    """Household status (``assessment.md`` §4)."""

    POOR = "POOR"
    LOW_INCOME = "LOW_INCOME"
    NONE = "NONE"


class PersonCategory(StrEnum):
    """SPOLIS person category (``assessment.md`` §6), declared in the order they are tried."""

    CHILD = "CHILD"
    PENSION_AGE = "PENSION_AGE"
    ADULT_WITH_DISABILITY = "ADULT_WITH_DISABILITY"
    PUBLIC_WORKS = "PUBLIC_WORKS"
    PARENTAL_LEAVE = "PARENTAL_LEAVE"
    WORKING_AGE_EMPLOYED = "WORKING_AGE_EMPLOYED"
    WORKING_AGE_NOT_EMPLOYED = "WORKING_AGE_NOT_EMPLOYED"


@dataclass(frozen=True)
class Disability:
    """A VDEĀVK disability decision; ``valid_to`` is ``None`` for a lifelong one."""

    subject: str  # "ADULT" or "CHILD"
    valid_from: dt.date
    group: str | None = None  # "I" / "II" / "III", adults only
    valid_to: dt.date | None = None

    def valid_on(self, day: dt.date) -> bool:
        """True when the decision is in force on ``day`` (both ends inclusive)."""
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True)
class VidIncome:
    """One VID income record of a month (net of taxes)."""

    month: Month
    income_type: str
    net_amount: Decimal


@dataclass(frozen=True)
class VsaaPayment:
    """One VSAA payment of a month (the amount paid out)."""

    month: Month
    benefit_type: str
    paid_amount: Decimal


@dataclass(frozen=True)
class RuralPayment:
    """One LAD rural support payment (``property.md`` §5): irregular income, counted when
    received (``payment_date``) in the 12 months before the application month, ÷ 12."""

    payment_type: str
    campaign_year: int
    amount: Decimal
    payment_date: dt.date


@dataclass(frozen=True)
class Maintenance:
    """One UGFA maintenance payment (``property.md`` §6): the child's income in ``month``."""

    month: Month
    amount: Decimal
    payment_date: dt.date
    case_number: str


@dataclass(frozen=True)
class Stipend:
    """An amount an NVA measure paid in a month (``registries.md`` §6 ``stipends``)."""

    month: Month
    amount: Decimal


@dataclass(frozen=True)
class NvaMeasure:
    """An NVA active labour-market measure; missing dates are open ends.

    ``stipends`` are the amounts paid by month; they count as income only for the measure
    types the rules list (public works, business start-up grants; ``assessment.md`` §2).
    """

    type: str
    from_date: dt.date | None = None
    to_date: dt.date | None = None
    stipend_paid: bool = False
    stipends: tuple[Stipend, ...] = ()

    def active_on(self, day: dt.date) -> bool:
        """True when the measure runs on ``day``."""
        return (self.from_date is None or self.from_date <= day) and (
            self.to_date is None or day <= self.to_date
        )


@dataclass(frozen=True)
class NvaStatus:
    """A person's NVA registration (``UNEMPLOYED`` / ``JOB_SEEKER`` / ``NOT_REGISTERED``)."""

    kind: str
    active_measure: NvaMeasure | None = None


@dataclass(frozen=True)
class Employment:
    """A VID employment relation; ``end`` is ``None`` while it is open."""

    start: dt.date | None = None
    end: dt.date | None = None

    def open_on(self, day: dt.date) -> bool:
        """True when the employment runs on ``day``."""
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class Person:
    """A household member with the registry facts the rules read.

    ``id`` is the case's internal member id (never a personal code: results and messages
    quote it).
    """

    id: str
    birth_date: dt.date
    disability: Disability | None = None
    vid: tuple[VidIncome, ...] = ()
    vsaa: tuple[VsaaPayment, ...] = ()
    nva: NvaStatus | None = None
    employments: tuple[Employment, ...] = ()
    #: LAD payments to the member, UGFA payments for the member (a child), property.md §5-6
    lad: tuple[RuralPayment, ...] = ()
    ugfa: tuple[Maintenance, ...] = ()
    #: In general, vocational or higher education (the case's ``inEducation``): counts as a
    #: child for the housing coefficient's household type up to the age the rules set (§5).
    in_education: bool = False


@dataclass(frozen=True)
class DeclaredIncome:
    """Income declared in the case for a member (see ``income.declared`` in the rules).

    ``monthly_amount`` is the amount of each month, except for the spread types
    (``IRREGULAR``), where it is the total received in the 12 months before the application
    month (the old form, still accepted). ``twelve_month_total`` is the new form of that total
    (``twelveMonthTotal``, spread types only); when it is set, ``monthly_amount`` is not read.
    Either way the total is divided by 12 once.
    """

    member_id: str
    income_type: str
    monthly_amount: Decimal
    twelve_month_total: Decimal | None = None

    @property
    def total_or_amount(self) -> Decimal:
        """The 12-month total of a spread type (either form), else the monthly amount."""
        return self.monthly_amount if self.twelve_month_total is None else self.twelve_month_total


@dataclass(frozen=True)
class Case:
    """One household case (``assessment.md`` §7)."""

    municipality: str
    application_date: dt.date
    savings: Decimal
    property_conditions_met: bool
    cooperation_agreement: bool
    members: tuple[Person, ...]
    declared_income: tuple[DeclaredIncome, ...] = ()
    housing_expenses: Mapping[str, Decimal] = field(default_factory=dict)
    #: The property facts (``property.md`` §8); ``None``: ``property_conditions_met`` decides.
    property: PropertyFacts | None = None


@dataclass(frozen=True)
class IncomeLine:
    """Income of one source and type over the income months, counted or excluded, and why."""

    source: str  # "VID", "VSAA", "NVA", "LAD", "UGFA" or "DECLARED"
    type: str
    amount: Decimal
    reason: str


@dataclass(frozen=True)
class MemberIncome:
    """A member's counted and excluded income over the three income months."""

    member_id: str
    counted: tuple[IncomeLine, ...]
    excluded: tuple[IncomeLine, ...]

    @property
    def counted_total(self) -> Decimal:
        """Counted income of the three months together."""
        return sum((line.amount for line in self.counted), Decimal(0))

    @property
    def excluded_total(self) -> Decimal:
        """Excluded income of the three months together."""
        return sum((line.amount for line in self.excluded), Decimal(0))


@dataclass(frozen=True)
class Thresholds:
    """The household thresholds applied (for its size), and the rows they came from."""

    gmi: Decimal
    poor: Decimal
    low_income: Decimal
    national_row_from: dt.date
    municipality_row_from: dt.date


@dataclass(frozen=True)
class ScheduledMonth:
    """One month of a benefit (``assessment.md`` §5 "amounts month by month").

    ``gmi_threshold`` is the household's GMI threshold in force that month (national row from
    ``threshold_row_from``); ``coefficient`` (housing benefit only) is K of that month, from the
    row in force from ``coefficient_row_from``, with its ``coefficient_source``.
    ``computation`` is the sum as a social worker writes it
    (``"187 × 2.1 + 300.00 − 500.00 = 192.70"``).
    """

    month: Month
    amount: Decimal
    gmi_threshold: Decimal
    threshold_row_from: dt.date
    computation: str
    coefficient: Decimal | None = None
    coefficient_row_from: dt.date | None = None
    coefficient_source: str = ""


@dataclass(frozen=True)
class BenefitSchedule:
    """The months of each benefit, from :func:`assessment.benefit_schedule`; ``None`` when the
    household is not entitled to that benefit."""

    gmi: tuple[ScheduledMonth, ...] | None
    housing: tuple[ScheduledMonth, ...] | None


@dataclass(frozen=True)
class GmiBenefit:
    """A GMI benefit: the first month's amount, the number of months, the period and the
    amount of each month."""

    monthly_amount: Decimal
    months: int
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    schedule: tuple[ScheduledMonth, ...] = ()


@dataclass(frozen=True)
class HousingBenefit:
    """A housing benefit: the first month's amount and K, the period and each month's amount."""

    monthly_amount: Decimal
    coefficient: Decimal
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    schedule: tuple[ScheduledMonth, ...] = ()
    household_type: str = ""


@dataclass(frozen=True)
class HousingExpense:
    """One declared housing expense and the amount allowed after the municipal norm."""

    type: str
    declared: Decimal
    allowed: Decimal


@dataclass(frozen=True)
class AssessmentResult:
    """The explained outcome of :func:`assessment.assess`."""

    months: tuple[Month, ...]
    average_monthly_income: Decimal
    thresholds: Thresholds
    status: Status
    valid_from: dt.date | None
    valid_to: dt.date | None
    gmi_benefit: GmiBenefit | None
    housing_benefit: HousingBenefit | None
    categories: Mapping[str, PersonCategory]
    children_with_disability: tuple[str, ...]
    reasons: tuple[str, ...]
    member_income: tuple[MemberIncome, ...]
    housing_expenses: tuple[HousingExpense, ...]
    counted_income_total: Decimal
    #: The property test when the case carried ``property`` (``property.md`` §8).
    property_test: PropertyTest | None = None
    #: Why there is no status (``PROPERTY_ABOVE_LIMIT``, ``INCOME_ABOVE_THRESHOLD``), if none.
    refusal_reason: str | None = None
