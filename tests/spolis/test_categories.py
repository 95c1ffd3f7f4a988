"""Person categories of the decision records: assessment.md §6, from the facts the store held
on the decision date — a fact fetched or changed later does not move them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tilts.assessment import PersonCategory, default_rules
from tilts.flows.spolis import submit_decisions
from tilts.flows.work.spolis_categories import CategoryBook, end_of_day, facts_known
from tilts.store import spolis_reads as reads
from tilts.store.spolis_reads import FactVersion

from .conftest import OGRE, World, facts_change_after_decisions


@pytest.mark.postgres
def test_categories_as_of_the_decision_date(world: World) -> None:
    a1, a2 = world.persons["HH-A"]
    facts_change_after_decisions(world.factory, a1)
    world.run(submit_decisions, municipality=OGRE)
    spolis = {
        r["recordId"]: r["record"]["personCategory"]
        for r in world.mock.admin_get("spolis/decisions", atvk=OGRE)["records"]
    }
    (b1,), (c1, c2, c3), (d1,), (e1,) = (world.persons[h] for h in ("HH-B", "HH-C", "HH-D", "HH-E"))
    assert spolis == {
        # employed on 2026-10-09 as far as anyone knew then; the later facts change nothing
        f"A-S:{a1}": "WORKING_AGE_EMPLOYED", f"A-G:{a1}": "WORKING_AGE_EMPLOYED",
        f"A-S:{a2}": "CHILD", f"A-G:{a2}": "CHILD",
        f"B-S:{b1}": "PENSION_AGE", f"B-H:{b1}": "PENSION_AGE",
        f"C-S:{c1}": "PARENTAL_LEAVE", f"C-M:{c1}": "PARENTAL_LEAVE",
        f"C-S:{c2}": "PUBLIC_WORKS", f"C-M:{c2}": "PUBLIC_WORKS",
        f"C-S:{c3}": "CHILD", f"C-M:{c3}": "CHILD",
        f"D-S:{d1}": "WORKING_AGE_NOT_EMPLOYED",
        f"E-S:{e1}": "ADULT_WITH_DISABILITY",
    }  # fmt: skip
    # what the store knows today does move A1 (a disability from 2026-09-01): not as of then
    with world.factory() as s:
        people = reads.persons(s, [a1, a2])
        book = CategoryBook(
            reads.fact_versions(s, [a1, a2]),
            {p: r.birth_date for p, r in people.items()},
            OGRE,
            default_rules(),
        )
    assert book.on(a1, date(2026, 10, 9)) == (PersonCategory.WORKING_AGE_EMPLOYED, False)
    assert book.on(a1, date(2026, 11, 20)) == (PersonCategory.ADULT_WITH_DISABILITY, False)
    assert book.on(a2, date(2026, 10, 9)) == (PersonCategory.CHILD, True)


def _v(source: str, key: str, fetched: datetime, superseded: datetime | None = None) -> FactVersion:
    return FactVersion(source, "K", key, {"k": key}, None, None, None, fetched, superseded)


def test_facts_known_strictly_once_the_store_knew_the_person() -> None:
    t1 = datetime(2026, 9, 1, tzinfo=UTC)
    t2 = datetime(2026, 11, 1, tzinfo=UTC)
    versions = [
        _v("PMLP", "basic", t1),
        _v("VID", "job-old", t1, superseded=t2),
        _v("VID", "job-new", t2),
        _v("VDEAVK", "decision", t2),  # appeared later: unknown on the day
    ]
    day = end_of_day(date(2026, 10, 9))
    assert sorted(r.payload["k"] for r in facts_known(versions, day)) == ["basic", "job-old"]
    later = end_of_day(date(2026, 11, 2))
    assert sorted(r.payload["k"] for r in facts_known(versions, later)) == [
        "basic", "decision", "job-new",
    ]  # fmt: skip


def test_facts_known_fall_back_to_the_first_versions_before_the_store_knew_the_person() -> None:
    # a decision dated before the store's history of the person begins (a case taken over)
    t1 = datetime(2026, 9, 1, tzinfo=UTC)
    t2 = datetime(2026, 11, 1, tzinfo=UTC)
    versions = [_v("PMLP", "basic", t1), _v("VID", "job-old", t1, t2), _v("VID", "job-new", t2)]
    known = facts_known(versions, end_of_day(date(2025, 5, 5)))
    assert sorted(r.payload["k"] for r in known) == ["basic", "job-old"]


def test_spolis_category_uses_the_reached_pension_age_rule() -> None:
    """assessment.md §6: SPOLIS categories use the calculator's one pension-age rule. Born
    1960-02-15: reached 64 y 9 m (the 2024 age) on 2024-11-15, so of pension age in January
    2025 though 65 y is then in force; born 1960-05-15: 64 y 9 m only on 2025-02-15, so of
    working age until 65 y, on 2025-05-15."""
    births = {1: date(1960, 2, 15), 2: date(1960, 5, 15)}
    book = CategoryBook({1: [], 2: []}, dict(births), OGRE, default_rules())  # type: ignore[arg-type]
    assert book.on(1, date(2025, 1, 31))[0] is PersonCategory.PENSION_AGE
    assert book.on(2, date(2025, 1, 31))[0] is PersonCategory.WORKING_AGE_NOT_EMPLOYED
    assert book.on(2, date(2025, 5, 14))[0] is PersonCategory.WORKING_AGE_NOT_EMPLOYED
    assert book.on(2, date(2025, 5, 15))[0] is PersonCategory.PENSION_AGE
