"""Who a notification tells about: the members of the household on the decision's day
(store/outbox_rules.py), a child born later not among them — KIM's ages are never negative."""

from __future__ import annotations

from datetime import date

from tilts.store.outbox_rules import Member, content_for

DAY = date(2026, 3, 10)


def _member(pid: int, born: date, **kw: object) -> Member:
    fields: dict[str, object] = {"roles": frozenset(), "death_date": None, "address_code": None,
                                 "member_from": None, "member_to": None} | kw  # fmt: skip
    return Member(pid, f"0101901000{pid}", birth_date=born, **fields)  # type: ignore[arg-type]


def test_a_child_born_after_the_decision_is_not_told_about() -> None:
    mother = _member(1, date(1990, 5, 1), roles=frozenset({"LEGAL_REPRESENTATIVE"}))
    older = _member(2, date(2019, 3, 10))
    newborn = _member(3, date(2026, 4, 2))  # the store knows the household as it is now
    kim = content_for("kim", [mother, older, newborn], DAY, None, "17")
    assert kim == {"household": {"reference": "17", "size": 2, "memberAges": [35, 7]}}
    baris = content_for("baris", [mother, older, newborn], DAY, None)
    assert baris is not None
    assert [(p["personCode"], p["role"]) for p in baris["persons"]] == [
        ("01019010002", "CHILD"), ("01019010001", "LEGAL_REPRESENTATIVE")]  # fmt: skip
