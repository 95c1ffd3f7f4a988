"""The property test's rules as dated rows (``property.md`` §8), beside the thresholds.

Four rules, each its own table of dated rows naming their source (SPSPL art. 36(1)(2) is the
legal basis; ``modelled`` marks a figure the public sources did not fix):

* :class:`DwellingRow` — the dwelling the household lives in, with land up to a limit;
* :class:`OtherRealEstateRow` — any other right of a counted kind fails, unless the share's
  cadastral value is under the municipal minimum;
* :class:`VehicleRow` — how many motor vehicles a household may own, which categories, roles
  and registration statuses count;
* :class:`EnterpriseRow` — which roles in enterprises of which status need the worker's review.

A municipality may have its own rows of any rule (``PropertyRules.municipal``); its row in
force on the application date replaces the national row of that rule, as its low-income
threshold does.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple, Protocol, TypeVar


@dataclass(frozen=True)
class DwellingRow:
    """The dwelling rule: rights of ``right_kinds`` at the declared address are the dwelling;
    a parcel there may be up to ``land_limit_m2`` (5 ha, modelled)."""

    in_force_from: dt.date
    land_limit_m2: int
    right_kinds: frozenset[str]
    residential_uses: frozenset[str]
    source: str
    modelled: bool = False


@dataclass(frozen=True)
class OtherRealEstateRow:
    """Other real estate: a right of ``right_kinds`` fails unless the share's cadastral value
    is under ``minimum_value`` (EUR 0 = no exemption, modelled)."""

    in_force_from: dt.date
    minimum_value: Decimal
    right_kinds: frozenset[str]
    source: str
    modelled: bool = False


@dataclass(frozen=True)
class VehicleRow:
    """Vehicles: at most ``limit`` counted motor vehicles, ``limit_with_children`` with a
    child in the household; only ``counted_roles`` in ``counted_statuses`` count, vehicles of
    ``review_categories`` go to the worker, other categories are not counted."""

    in_force_from: dt.date
    limit: int
    limit_with_children: int
    counted_categories: frozenset[str]
    review_categories: frozenset[str]
    counted_roles: frozenset[str]
    counted_statuses: frozenset[str]
    source: str
    modelled: bool = False


@dataclass(frozen=True)
class EnterpriseRow:
    """Enterprises: a role of ``review_roles`` (a ``MEMBER`` only with a share) in an
    enterprise of ``review_statuses`` needs the worker's review (NEEDS_REVIEW, not a fail)."""

    in_force_from: dt.date
    review_roles: frozenset[str]
    review_statuses: frozenset[str]
    source: str
    modelled: bool = False


class _Dated(Protocol):
    @property
    def in_force_from(self) -> dt.date: ...


_RowT = TypeVar("_RowT", bound=_Dated)


def _in_force(rows: Sequence[_RowT], day: dt.date) -> _RowT | None:
    index = bisect.bisect_right([row.in_force_from for row in rows], day)
    return rows[index - 1] if index else None


class PropertyRowsInForce(NamedTuple):
    """The row of each rule that applies on a day in a municipality."""

    dwelling: DwellingRow
    other_real_estate: OtherRealEstateRow
    vehicles: VehicleRow
    enterprises: EnterpriseRow


@dataclass(frozen=True)
class PropertyRules:
    """The national rows of each rule (sorted by date) and each municipality's own rows."""

    dwelling: tuple[DwellingRow, ...] = ()
    other_real_estate: tuple[OtherRealEstateRow, ...] = ()
    vehicles: tuple[VehicleRow, ...] = ()
    enterprises: tuple[EnterpriseRow, ...] = ()
    municipal: Mapping[str, PropertyRules] = field(default_factory=dict)

    def rows_on(self, atvk: str, day: dt.date) -> PropertyRowsInForce | None:
        """Each rule's row in force on ``day``: the municipality's own where it has one in
        force, else the national row; ``None`` when a rule has no row in force."""
        own = self.municipal.get(atvk, PropertyRules())
        dwelling = _in_force(own.dwelling, day) or _in_force(self.dwelling, day)
        other = _in_force(own.other_real_estate, day) or _in_force(self.other_real_estate, day)
        vehicles = _in_force(own.vehicles, day) or _in_force(self.vehicles, day)
        enterprises = _in_force(own.enterprises, day) or _in_force(self.enterprises, day)
        if dwelling is None or other is None or vehicles is None or enterprises is None:
            return None
        return PropertyRowsInForce(dwelling, other, vehicles, enterprises)
