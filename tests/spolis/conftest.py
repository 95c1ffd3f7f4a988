"""SPOLIS fixtures: the real SPOLIS mock, a real store (SQLite and PostgreSQL) and a crafted
world of households, registry facts, decisions and payments whose figures are known by hand.

The crafted world (Ogres novads, report month 2026-10, mock clock 2026-11-26):

| household | members (born) | facts known before the decisions | decisions | paid 2026-10 |
|---|---|---|---|---|
| HH-A | A1 1980, A2 2015 | A1 open employment; A2 child disability | POOR 10-09, GMI 150.00 10-09 | GMI 150.00 cash |
| HH-B | B1 1950 | — | LOW_INCOME 10-15, HOUSING 80.00 10-15 | HOUSING 80.00 in kind |
| HH-C | C1 1985, C2 1990, C3 2024 | C1 parental benefit 09, 10; C2 public works | POOR 09-20, HEALTH 10-05 | HEALTH 45.50 cash |
| HH-D | D1 1975 | — | LOW_INCOME refused 10-20 | — |
| HH-E | E1 1970 | E1 disability group II | POOR 10-12, GMI 999.00 10-12 (above the GMI level) | — |

After the decisions (fetched 2026-11-10) A1's employment is reported ended 2026-09-30 and a
disability from 2026-09-01 appears: neither may move A1's category as of 2026-10-09.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tilts.kernel.personal_code import old_format_check_digit
from tilts.mocks.harness import MockHandle, running_mocks
from tilts.shell.demo import DEMO_SECRETS, write_config
from tilts.store.caseload import seed_households
from tilts.store.db import make_engine, session_factory, transaction
from tilts.store.decisions import NewDecision, NewPayment, record_decisions, record_payments
from tilts.store.facts import Fact, replace_facts
from tilts.store.models import Household
from tilts.store.ops import ensure_municipality, now
from tilts.store.persons import resolve_codes

OGRE, TUKUMS = "0040000", "0051000"
TODAY = "2026-11-26"
BEFORE = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)  # facts known before every decision
AFTER = datetime(2026, 11, 10, 8, 0, tzinfo=UTC)  # facts fetched after the decisions
D = Decimal
_serial = iter(range(100, 999))


def code_for(born: str) -> str:
    """A valid old-format personal code of someone born on ``born`` (a fresh serial each)."""
    day = date.fromisoformat(born)
    while True:
        ten = f"{day:%d%m%y}{1 if day.year < 2000 else 2}{next(_serial):03d}"
        check = old_format_check_digit(ten)
        if check is not None:
            return ten + str(check)


@dataclass
class Member:
    """A crafted member: birth date and the registry facts known before the decisions."""

    born: str
    employment: tuple[str, str | None] | None = None
    disability: tuple[str, str | None, str | None] | None = None  # from, to, group
    parental: tuple[str, ...] = ()  # months of VSAA parental benefit
    public_works: bool = False
    code: str = field(default="")

    def __post_init__(self) -> None:
        self.code = self.code or code_for(self.born)


def _facts(pid: int, m: Member) -> dict[str, tuple[tuple[str, ...], list[Fact]]]:
    basic = {"givenName": "Test", "surname": "Person", "birthDate": m.born, "sex": "F",
             "citizenship": "LVA", "registerStatus": "ACTIVE"}  # fmt: skip
    out: dict[str, tuple[tuple[str, ...], list[Fact]]] = {
        "PMLP": (("BASIC", "ADDRESS", "DEATH"), [Fact(pid, "BASIC", "basic", basic)])
    }
    vid: list[Fact] = []
    if m.employment:
        start, end = m.employment
        vid.append(_employment(pid, start, end))
    out["VID"] = (("INCOME", "EMPLOYMENT"), vid)
    out["VSAA"] = (("PAYMENT",), [
        Fact(pid, "PAYMENT", f"{month}:PARENTAL_BENEFIT:1",
             {"month": month, "benefitType": "PARENTAL_BENEFIT", "grossAmount": "400.00",
              "incomeTaxWithheld": "0.00", "paidAmount": "400.00", "paymentDate": f"{month}-20"},
             period=month)
        for month in m.parental
    ])  # fmt: skip
    out["VDEAVK"] = (("DISABILITY",), [_disability(pid, *m.disability)] if m.disability else [])
    nva = {"kind": "UNEMPLOYED", "since": "2026-05-01", "measureType": "PAID_TEMPORARY_PUBLIC_WORKS",
           "measureFrom": "2026-06-01", "measureTo": "2026-12-31", "stipendPaid": True}  # fmt: skip
    out["NVA"] = (
        ("REGISTRATION",),
        [Fact(pid, "REGISTRATION", "registration", nva)] if m.public_works else [],
    )
    return out


def _employment(pid: int, start: str, end: str | None) -> Fact:
    payload = {"employerRegNo": "40003000001", "startDate": start, "endDate": end}
    return Fact(pid, "EMPLOYMENT", f"40003000001:{start}", payload, date.fromisoformat(start),
                date.fromisoformat(end) if end else None)  # fmt: skip


def _disability(pid: int, start: str, end: str | None, group: str | None) -> Fact:
    payload = {"decisionNumber": f"D-{pid}", "decisionDate": start, "validFrom": start,
               "validTo": end, "subject": "ADULT" if group else "CHILD", "group": group,
               "lifelong": "false" if end else "true"}  # fmt: skip
    return Fact(pid, "DISABILITY", f"D-{pid}", payload, date.fromisoformat(start),
                date.fromisoformat(end) if end else None)  # fmt: skip


def store_member_facts(session: Session, pid: int, m: Member, at: datetime) -> None:
    """Write a member's facts the way the syncs do, fetched at ``at``."""
    for source, (kinds, facts) in _facts(pid, m).items():
        monthly = ["2026-08", "2026-09", "2026-10"] if source in ("VSAA", "VID") else None
        replace_facts(session, source, [pid], kinds, facts, at, "craft", periods=monthly)


HOUSEHOLDS: dict[str, list[Member]] = {
    "HH-A": [Member("1980-03-04", employment=("2020-01-01", None)),
             Member("2015-05-06", disability=("2020-01-01", None, None))],
    "HH-B": [Member("1950-07-08")],
    "HH-C": [Member("1985-02-03", parental=("2026-09", "2026-10")),
             Member("1990-04-05", public_works=True), Member("2024-01-02")],
    "HH-D": [Member("1975-06-07")],
    "HH-E": [Member("1970-08-09", disability=("2020-01-01", None, "II"))],
}  # fmt: skip


def _decision(hid: int, rid: str, kind: str, decided: str, **kw: Any) -> NewDecision:
    day = date.fromisoformat(decided)
    return NewDecision(rid, hid, kind, kw.pop("outcome", "GRANTED"), day, day, **kw)


def decisions_of(ids: dict[str, int]) -> list[NewDecision]:
    """The crafted decisions (see the module docstring)."""
    d, oct1 = date, date(2026, 10, 1)
    return [
        _decision(ids["HH-A"], "A-S", "STATUS_POOR", "2026-10-09", valid_from=oct1, valid_to=d(2027, 3, 31)),
        _decision(ids["HH-A"], "A-G", "BENEFIT_GMI", "2026-10-09", valid_from=oct1,
                  valid_to=d(2026, 12, 31), monthly_amount=D("150.00")),
        _decision(ids["HH-B"], "B-S", "STATUS_LOW_INCOME", "2026-10-15", valid_from=oct1, valid_to=d(2027, 3, 31)),
        _decision(ids["HH-B"], "B-H", "BENEFIT_HOUSING", "2026-10-15", valid_from=oct1,
                  valid_to=d(2027, 3, 31), monthly_amount=D("80.00")),
        _decision(ids["HH-C"], "C-S", "STATUS_POOR", "2026-09-20", valid_from=d(2026, 9, 1), valid_to=d(2027, 2, 28)),
        _decision(ids["HH-C"], "C-M", "BENEFIT_HEALTH", "2026-10-05", valid_from=oct1, valid_to=d(2026, 10, 31)),
        _decision(ids["HH-D"], "D-S", "STATUS_LOW_INCOME", "2026-10-20", outcome="REFUSED",
                  refusal_reason="INCOME_ABOVE_THRESHOLD"),
        _decision(ids["HH-E"], "E-S", "STATUS_POOR", "2026-10-12", valid_from=oct1, valid_to=d(2027, 3, 31)),
        _decision(ids["HH-E"], "E-G", "BENEFIT_GMI", "2026-10-12", valid_from=oct1,
                  valid_to=d(2026, 12, 31), monthly_amount=D("999.00")),
    ]  # fmt: skip


PAYMENTS = [
    NewPayment("A-G-2026-10", "A-G", "2026-10", D("150.00"), "CASH", date(2026, 10, 15)),
    NewPayment("B-H-2026-10", "B-H", "2026-10", D("80.00"), "IN_KIND", date(2026, 10, 15)),
    NewPayment("C-M-2026-10", "C-M", "2026-10", D("45.50"), "CASH", date(2026, 10, 15)),
]


@dataclass
class World:
    """The crafted world: configuration, store, household ids and member person ids."""

    config: Path
    factory: sessionmaker[Session]
    mock: MockHandle
    households: dict[str, int]
    persons: dict[str, list[int]]

    def run(self, flow: Any, **kwargs: Any) -> dict[str, Any]:
        result: dict[str, Any] = flow(config_path=str(self.config), **kwargs)
        return result


def craft(factory: sessionmaker[Session], atvk: str = OGRE,
          households: dict[str, list[Member]] | None = None) -> tuple[dict[str, int], dict[str, list[int]]]:  # fmt: skip
    """Households with members (since 2024), their facts, the decisions and the payments."""
    households = households or HOUSEHOLDS
    with transaction(factory) as s:
        mid = ensure_municipality(s, atvk, "Ogres novads" if atvk == OGRE else "Tukuma novads")
        seed_households(s, mid, [(ext, [m.code for m in ms]) for ext, ms in households.items()],
                        date(2024, 1, 1), case_prefix=f"SD{atvk}")  # fmt: skip
        stmt = select(Household.external_id, Household.id).where(Household.municipality_id == mid)
        ids = {ext: hid for ext, hid in s.execute(stmt).tuples()}
        persons: dict[str, list[int]] = {}
        for ext, members in households.items():
            pids = resolve_codes(s, [m.code for m in members])
            persons[ext] = [pids[m.code] for m in members]
            for m in members:
                store_member_facts(s, pids[m.code], m, BEFORE)
        if households is HOUSEHOLDS:
            record_decisions(s, mid, decisions_of(ids), now())
            record_payments(s, mid, PAYMENTS)
    return ids, persons


def facts_change_after_decisions(factory: sessionmaker[Session], a1: int) -> None:
    """A1's employment reported ended before the decision and a disability appearing, both
    fetched after the decision date."""
    with transaction(factory) as s:
        replace_facts(s, "VID", [a1], ("INCOME", "EMPLOYMENT"),
                      [_employment(a1, "2020-01-01", "2026-09-30")], AFTER, "later",
                      periods=["2026-08", "2026-09", "2026-10"])  # fmt: skip
        replace_facts(s, "VDEAVK", [a1], ("DISABILITY",),
                      [_disability(a1, "2026-09-01", None, "II")], AFTER, "later")  # fmt: skip


@pytest.fixture(scope="package")
def spolis_mock() -> Iterator[MockHandle]:
    with running_mocks(persons=300, seed=3, rate_limits=False) as handle:
        yield handle


@pytest.fixture
def world(
    spolis_mock: MockHandle,
    store_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    prefect_harness: None,
) -> Iterator[World]:
    spolis_mock.reset()
    for key, value in DEMO_SECRETS.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "tilts.toml"
    write_config(path, spolis_mock.base_url, store_url)
    engine = make_engine(store_url)
    factory = session_factory(engine)
    ids, persons = craft(factory)
    yield World(path, factory, spolis_mock, ids, persons)
    engine.dispose()
