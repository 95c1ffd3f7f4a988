"""Builders for household cases, shared by the assessment tests.

The packaged municipalities have no low-income row before 2023-07-01, so cases under the 2021
levels (the worked examples of ``assessment.md`` §5) use a test municipality added through
:func:`assessment.rules.load_rules`, exactly as an operator's configuration would add one.

Why the repository root is put on ``sys.path`` below: with ``tests/conftest.py`` present,
pytest's default "prepend" import mode puts ``tests/`` on ``sys.path``, and there the folder
``tests/assessment/`` is a namespace-package portion called ``assessment``. The import system
returns such a namespace before the editable install's finder is asked, hiding
``assessment/__init__.py`` (or the whole package). A regular package found on ``sys.path``
always wins over namespace portions, so the root goes first. (Setting ``pythonpath = ["."]``
in the pytest configuration would do the same for the whole suite.)
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from tilts.assessment.model import Case, Disability, Person
    from tilts.assessment.rules import Rules

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

OGRE = "0040000"
TUKUMS = "0051000"
TEST_ATVK = "0990000"

PersonFactory = Callable[..., "Person"]
CaseFactory = Callable[..., "Case"]


def _date(value: str | dt.date) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def build_person(
    id: str = "a",
    birth: str | dt.date = "1980-01-01",
    *,
    disability: Disability | None = None,
    vid: Sequence[tuple[str, str, str]] = (),
    vsaa: Sequence[tuple[str, str, str]] = (),
    **extra: Any,
) -> Person:
    """A person; ``vid`` / ``vsaa`` as ``(month, type, amount)`` triples."""
    from tilts.assessment.model import Person, VidIncome, VsaaPayment
    from tilts.assessment.periods import Month

    return Person(
        id=id,
        birth_date=_date(birth),
        disability=disability,
        vid=tuple(VidIncome(Month.parse(m), t, Decimal(a)) for m, t, a in vid),
        vsaa=tuple(VsaaPayment(Month.parse(m), t, Decimal(a)) for m, t, a in vsaa),
        **extra,
    )


def build_case(
    members: Sequence[Person],
    date: str | dt.date = "2026-11-03",
    *,
    municipality: str = OGRE,
    savings: str = "0.00",
    property_ok: bool = True,
    cooperation: bool = True,
    declared: Sequence[tuple[str, str, str]] = (),
    housing: Mapping[str, str] | None = None,
) -> Case:
    """A case; ``declared`` as ``(member id, type, amount)`` triples."""
    from tilts.assessment.model import Case, DeclaredIncome

    return Case(
        municipality=municipality,
        application_date=_date(date),
        savings=Decimal(savings),
        property_conditions_met=property_ok,
        cooperation_agreement=cooperation,
        members=tuple(members),
        declared_income=tuple(DeclaredIncome(m, t, Decimal(a)) for m, t, a in declared),
        housing_expenses={k: Decimal(v) for k, v in (housing or {}).items()},
    )


def adults(count: int, birth: str = "1985-05-05") -> list[Person]:
    """``count`` working-age adults without income, ids ``p0``, ``p1``, ..."""
    return [build_person(f"p{i}", birth) for i in range(count)]


@pytest.fixture(scope="session")
def test_rules() -> Rules:
    """Packaged rules plus a test municipality in force from 2021 at the 2021 ceiling."""
    from tilts.assessment.rules import MunicipalityThresholdRow, Rate, load_rules

    return load_rules(
        [
            MunicipalityThresholdRow(
                atvk=TEST_ATVK,
                in_force_from=dt.date(2021, 1, 1),
                low_income=Rate(Decimal("436.00"), Decimal("305.00")),
                name="Test novads",
                source="tests",
            )
        ],
        origin="tests",
    )


@pytest.fixture(scope="session")
def make_person() -> PersonFactory:
    """:func:`build_person` as a fixture."""
    return build_person


@pytest.fixture(scope="session")
def make_case() -> CaseFactory:
    """:func:`build_case` as a fixture."""
    return build_case


@pytest.fixture(scope="session")
def make_adults() -> Callable[..., list[Person]]:
    """:func:`adults` as a fixture."""
    return adults
