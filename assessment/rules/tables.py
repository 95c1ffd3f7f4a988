"""The rule tables of ``assessment.md`` as typed, immutable data.

The values come from the TOML files next to this module (see :mod:`assessment.rules.loading`);
this module only holds them and answers "which row is in force on day D".
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Protocol, TypeVar

from tilts.assessment.rules.property_tables import PropertyRules


@dataclass(frozen=True)
class Rate:
    """A household amount: ``first`` for the first (or only) person, ``other`` for each other."""

    first: Decimal
    other: Decimal

    def for_household(self, members: int) -> Decimal:
        """``first + other × (members − 1)`` (``assessment.md`` §3)."""
        return self.first + self.other * (members - 1)


@dataclass(frozen=True)
class NationalThresholdRow:
    """The national GMI threshold, poor threshold and low-income ceiling in force from a date."""

    in_force_from: dt.date
    gmi: Rate
    poor: Rate
    low_income_ceiling: Rate
    source: str = ""
    modelled: bool = False


@dataclass(frozen=True)
class MunicipalityThresholdRow:
    """A municipality's low-income threshold (and optional housing norms) in force from a date.

    ``housing_norms`` maps a housing expense type (e.g. ``"HEATING"``) to the monthly cap for a
    household (``first + other × (members − 1)``); types without a norm are not capped.
    """

    atvk: str
    in_force_from: dt.date
    low_income: Rate
    housing_norms: Mapping[str, Rate] = field(default_factory=dict)
    name: str = ""
    source: str = ""
    modelled: bool = False


@dataclass(frozen=True)
class MinimumWageRow:
    """The minimum monthly wage in force from a date."""

    in_force_from: dt.date
    amount: Decimal
    source: str = ""
    modelled: bool = False


@dataclass(frozen=True)
class PensionAgeRow:
    """The state pension age (years and months) in force from a date."""

    in_force_from: dt.date
    years: int
    months: int
    source: str = ""
    modelled: bool = False

    def __str__(self) -> str:
        return f"{self.years} years {self.months} months"


class HouseholdType(StrEnum):
    """The household types of the housing coefficient K (``assessment.md`` §5).

    The values are the keys of a ``[[housing_coefficients]]`` row in the rules files.
    """

    SINGLE_PENSION_AGE_OR_DISABILITY = "single_pension_age_or_disability"
    ONLY_PENSION_AGE_OR_DISABILITY = "only_pension_age_or_disability"
    PENSION_AGE_OR_DISABILITY_WITH_CHILDREN = "pension_age_or_disability_with_children"
    OTHER = "other"

    @property
    def label(self) -> str:
        """How a social worker names the household type."""
        return _HOUSEHOLD_LABELS[self]


_HOUSEHOLD_LABELS = {
    HouseholdType.SINGLE_PENSION_AGE_OR_DISABILITY: (
        "a single person of pension age or with a disability"
    ),
    HouseholdType.ONLY_PENSION_AGE_OR_DISABILITY: (
        "a household of only persons of pension age and/or with a disability"
    ),
    HouseholdType.PENSION_AGE_OR_DISABILITY_WITH_CHILDREN: (
        "a household of only persons of pension age and/or with a disability, with children"
    ),
    HouseholdType.OTHER: "any other household",
}


@dataclass(frozen=True)
class HousingCoefficientRow:
    """Housing-benefit coefficients K by household type, in force from a date (§5).

    A national row names all four types; a municipality's own row (``atvk`` set) may name only
    the types it raises.
    """

    in_force_from: dt.date
    coefficients: Mapping[HouseholdType, Decimal]
    source: str = ""
    modelled: bool = False
    atvk: str = ""


@dataclass(frozen=True)
class SavingsLimitRow:
    """The savings limit in force from a date (§3): a fixed ``amount``, or (``amount`` None)
    the household's poor threshold in force on the application date."""

    in_force_from: dt.date
    amount: Decimal | None
    source: str = ""
    modelled: bool = False


@dataclass(frozen=True)
class HousingNormRow:
    """National housing-expense norms (MK 809 annex 3) in force from a date: expense type →
    the monthly cap ``first + other × (members − 1)``."""

    in_force_from: dt.date
    norms: Mapping[str, Rate]
    source: str = ""
    modelled: bool = False


@dataclass(frozen=True)
class IncomeRules:
    """Which income types count (``assessment.md`` §2)."""

    child_age: int
    irregular_spread_months: int
    vid_counted: frozenset[str]
    vid_excluded: frozenset[str]
    vid_child_work: frozenset[str]
    vsaa_counted: frozenset[str]
    vsaa_excluded: frozenset[str]
    declared_counted: frozenset[str]
    declared_spread: frozenset[str]
    declared_exempt_up_to_minimum_wage: frozenset[str]
    declared_excluded: frozenset[str]
    #: NVA active measures whose ``stipends`` count as income (public works, start-up grants).
    nva_counted: frozenset[str] = frozenset()

    @property
    def vid_types(self) -> tuple[str, ...]:
        """Every VID income type a case may carry."""
        return tuple(sorted(self.vid_counted | self.vid_excluded))

    @property
    def vsaa_types(self) -> tuple[str, ...]:
        """Every VSAA benefit type a case may carry."""
        return tuple(sorted(self.vsaa_counted | self.vsaa_excluded))

    @property
    def declared_types(self) -> tuple[str, ...]:
        """Every declared income type a case may carry."""
        return tuple(
            sorted(
                self.declared_counted
                | self.declared_spread
                | self.declared_exempt_up_to_minimum_wage
                | self.declared_excluded
            )
        )


@dataclass(frozen=True)
class StatusRules:
    """Status validity (``assessment.md`` §4); the savings limit is dated (``savings_limit``)."""

    validity_months_none_able_to_work: int
    validity_months_otherwise: int


@dataclass(frozen=True)
class GmiBenefitRules:
    """How long a GMI benefit is granted (``assessment.md`` §5)."""

    months_none_able_to_work: int
    months_otherwise: int


@dataclass(frozen=True)
class HousingBenefitRules:
    """The housing expense types (``assessment.md`` §5); K is dated (``housing_coefficients``).

    ``education_child_age``: a person in education under this age counts as a child for the
    household type of K (children "under 18, or up to 24 in education").
    """

    expense_types: tuple[str, ...]
    education_child_age: int = 24


@dataclass(frozen=True)
class CategoryRules:
    """Registry facts that place a person in a SPOLIS category (``assessment.md`` §6)."""

    public_works_measures: frozenset[str]
    parental_leave_benefits: frozenset[str]
    employment_income_types: frozenset[str]


class _Dated(Protocol):
    @property
    def in_force_from(self) -> dt.date: ...


_RowT = TypeVar("_RowT", bound=_Dated)


def in_force(rows: Sequence[_RowT], day: dt.date) -> _RowT | None:
    """The row with the latest ``in_force_from`` on or before ``day`` (rows sorted by it)."""
    index = bisect.bisect_right([row.in_force_from for row in rows], day)
    return rows[index - 1] if index else None


@dataclass(frozen=True)
class Rules:
    """Every parameter of the assessment, as loaded from configuration.

    Build one with :func:`assessment.rules.load_rules`; rows are sorted by date.
    """

    thresholds: tuple[NationalThresholdRow, ...]
    minimum_wage: tuple[MinimumWageRow, ...]
    pension_age: tuple[PensionAgeRow, ...]
    income: IncomeRules
    status: StatusRules
    gmi_benefit: GmiBenefitRules
    housing_benefit: HousingBenefitRules
    categories: CategoryRules
    municipalities: Mapping[str, tuple[MunicipalityThresholdRow, ...]]
    municipality_names: Mapping[str, str]
    housing_coefficients: tuple[HousingCoefficientRow, ...] = ()
    savings_limits: tuple[SavingsLimitRow, ...] = ()
    housing_norms: tuple[HousingNormRow, ...] = ()
    #: A municipality's own (higher) coefficient rows, by ATVK.
    municipal_coefficients: Mapping[str, tuple[HousingCoefficientRow, ...]] = field(
        default_factory=dict
    )
    #: The property test's rules (``property.md`` §8), national and municipal rows.
    property: PropertyRules = field(default_factory=PropertyRules)

    def national_row_on(self, day: dt.date) -> NationalThresholdRow | None:
        """The national threshold row in force on ``day``, if any."""
        return in_force(self.thresholds, day)

    def municipality_row_on(self, atvk: str, day: dt.date) -> MunicipalityThresholdRow | None:
        """The municipality's row in force on ``day``; ``None`` if unknown or not yet in force."""
        return in_force(self.municipalities.get(atvk, ()), day)

    def minimum_wage_on(self, day: dt.date) -> MinimumWageRow | None:
        """The minimum-wage row in force on ``day``, if any."""
        return in_force(self.minimum_wage, day)

    def pension_age_on(self, day: dt.date) -> PensionAgeRow | None:
        """The pension-age row in force on ``day``, if any."""
        return in_force(self.pension_age, day)

    def housing_coefficient_row_on(self, day: dt.date) -> HousingCoefficientRow | None:
        """The national housing-coefficient row in force on ``day``, if any."""
        return in_force(self.housing_coefficients, day)

    def municipal_coefficient_row_on(self, atvk: str, day: dt.date) -> HousingCoefficientRow | None:
        """The municipality's own coefficient row in force on ``day``, if any."""
        return in_force(self.municipal_coefficients.get(atvk, ()), day)

    def savings_limit_row_on(self, day: dt.date) -> SavingsLimitRow | None:
        """The savings-limit row in force on ``day``, if any."""
        return in_force(self.savings_limits, day)

    def housing_norm_row_on(self, day: dt.date) -> HousingNormRow | None:
        """The national housing-norm row in force on ``day``, if any."""
        return in_force(self.housing_norms, day)

    def municipality_name(self, atvk: str) -> str:
        """The municipality's name, or its ATVK code when no name is configured."""
        return self.municipality_names.get(atvk) or atvk
