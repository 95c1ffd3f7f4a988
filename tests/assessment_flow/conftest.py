"""Fixtures for the re-assessment: a store with crafted households and facts, a config for it.

The crafted world is deterministic (every fact written directly with ``replace_facts``, as a
sync would); the mock-server test lives in ``test_nightly_reassess.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tilts.mocks.harness import MockHandle, running_mocks
from tilts.shell.demo import DEMO_SECRETS, seed_caseload, write_config
from tilts.store.caseload import seed_households
from tilts.store.db import make_engine, session_factory, transaction
from tilts.store.facts import Fact, replace_facts
from tilts.store.models import Household
from tilts.store.ops import ensure_municipality, now
from tilts.store.persons import resolve_codes

OGRE = "0040000"
TUKUMS = "0051000"
TODAY = date(2026, 11, 26)
INCOME_MONTHS = ("2026-08", "2026-09", "2026-10")


@dataclass
class Member:
    """A crafted household member and the facts the registries would have stated."""

    code: str
    born: str
    atvk: str | None = OGRE
    passive: bool = False
    died: str | None = None
    salary: dict[str, str] = field(default_factory=dict)  # month -> net
    vsaa: list[tuple[str, str, str]] = field(default_factory=list)  # (month, type, paid)
    disability: tuple[str, str | None, str | None] | None = None  # (from, to, group)
    employment: tuple[str, str | None] | None = None
    nva: dict[str, Any] | None = None


def member_facts(pid: int, m: Member) -> dict[tuple[str, str], list[Fact]]:
    """Facts by (source, kind) in the shapes the syncs store."""
    out: dict[tuple[str, str], list[Fact]] = {}
    basic = {"givenName": "Test", "surname": "Person", "birthDate": m.born, "sex": "F",
             "citizenship": "LVA", "registerStatus": "PASSIVE" if m.passive else "ACTIVE"}  # fmt: skip
    out[("PMLP", "BASIC")] = [Fact(pid, "BASIC", "basic", basic)]
    pmlp = out[("PMLP", "BASIC")]
    if m.atvk:
        addr = {"addressCode": "100000001", "atvk": m.atvk, "validFrom": "2020-01-01"}
        pmlp.append(Fact(pid, "ADDRESS", "declared", addr, date(2020, 1, 1)))
    if m.died:
        pmlp.append(Fact(pid, "DEATH", "death", {"deathDate": m.died}, date.fromisoformat(m.died)))
    vid = [
        Fact(pid, "INCOME", f"{month}:40003000001:SALARY:1",
             {"month": month, "employerRegNo": "40003000001", "incomeType": "SALARY",
              "grossAmount": net, "taxesWithheld": "0.00", "netAmount": net}, period=month)
        for month, net in m.salary.items()
    ]  # fmt: skip
    if m.employment:
        start, end = m.employment
        vid.append(Fact(pid, "EMPLOYMENT", f"40003000001:{start}",
                        {"employerRegNo": "40003000001", "startDate": start, "endDate": end},
                        date.fromisoformat(start), date.fromisoformat(end) if end else None))  # fmt: skip
    out[("VID", "INCOME")] = vid
    out[("VSAA", "PAYMENT")] = [
        Fact(pid, "PAYMENT", f"{month}:{kind}:1",
             {"month": month, "benefitType": kind, "grossAmount": paid, "incomeTaxWithheld": "0.00",
              "paidAmount": paid, "paymentDate": f"{month}-15"}, period=month)
        for month, kind, paid in m.vsaa
    ]  # fmt: skip
    out[("VDEAVK", "DISABILITY")] = []
    if m.disability:
        start, end, group = m.disability
        payload = {"decisionNumber": f"D-{pid}", "decisionDate": start, "validFrom": start,
                   "validTo": end, "subject": "ADULT" if group else "CHILD", "group": group,
                   "lifelong": "false" if end else "true"}  # fmt: skip
        out[("VDEAVK", "DISABILITY")] = [
            Fact(pid, "DISABILITY", f"D-{pid}", payload, date.fromisoformat(start),
                 date.fromisoformat(end) if end else None)
        ]  # fmt: skip
    out[("NVA", "REGISTRATION")] = (
        [Fact(pid, "REGISTRATION", "registration", m.nva)] if m.nva else []
    )
    return out


def store_facts(
    session: Session, pid: int, m: Member, fetched_at: datetime, run_id: str = "craft"
) -> None:
    """Write (or re-write) a member's facts the way the syncs do."""
    by_kind = member_facts(pid, m)
    pmlp = by_kind.pop(("PMLP", "BASIC"))
    replace_facts(session, "PMLP", [pid], ("BASIC", "ADDRESS", "DEATH"), pmlp, fetched_at, run_id)
    vid = by_kind.pop(("VID", "INCOME"))
    replace_facts(session, "VID", [pid], ("INCOME", "EMPLOYMENT"), vid, fetched_at, run_id,
                  periods=list(INCOME_MONTHS))  # fmt: skip
    for (source, kind), facts in by_kind.items():
        monthly = list(INCOME_MONTHS) if source == "VSAA" else None
        replace_facts(session, source, [pid], (kind,), facts, fetched_at, run_id, periods=monthly)


def craft(
    factory: sessionmaker[Session],
    households: dict[str, list[Member]],
    atvk: str = OGRE,
    fetched_at: datetime | None = None,
) -> dict[str, tuple[int, dict[str, int]]]:
    """Households with open cases and their members' facts; ext id -> (household id, code -> pid)."""
    # fetched an hour ago: older than the re-assessment's grace window
    fetched_at = fetched_at or now() - timedelta(hours=1)
    out = {}
    with transaction(factory) as s:
        mid = ensure_municipality(s, atvk, "Ogres novads" if atvk == OGRE else "Tukuma novads")
        seed_households(s, mid, [(ext, [m.code for m in ms]) for ext, ms in households.items()],
                        date(2024, 1, 1))  # fmt: skip
        for ext, members in households.items():
            hid = s.scalar(
                select(Household.id).where(
                    Household.municipality_id == mid, Household.external_id == ext
                )
            )
            assert hid is not None
            pids = resolve_codes(s, [m.code for m in members])
            for m in members:
                store_facts(s, pids[m.code], m, fetched_at)
            out[ext] = (hid, pids)
    return out


def monthly(amount: str) -> dict[str, str]:
    """The same net salary in each of the three income months."""
    return dict.fromkeys(INCOME_MONTHS, amount)


@pytest.fixture
def crafted(store_url: str, tmp_path: Path) -> Iterator[tuple[Path, sessionmaker[Session]]]:
    """A configuration for the test store (no gateway is called) and a session factory."""
    path = tmp_path / "tilts.toml"
    write_config(path, "http://127.0.0.1:9", store_url)
    engine = make_engine(store_url)
    yield path, session_factory(engine)
    engine.dispose()


D = Decimal


@pytest.fixture(scope="package")
def reassess_mock() -> Iterator[MockHandle]:
    with running_mocks(persons=3000, seed=11) as handle:
        yield handle


@pytest.fixture
def mock_config(
    reassess_mock: MockHandle,
    store_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    prefect_harness: None,
) -> Path:
    """A configuration pointing at the mock and the test store, a small caseload seeded a year
    and a month ago (so that a year of history fits in it)."""
    reassess_mock.reset()
    for key, value in DEMO_SECRETS.items():
        monkeypatch.setenv(key, value)
    path = tmp_path / "tilts.toml"
    write_config(path, reassess_mock.base_url, store_url)
    # no status-notification recipients: the year of history would queue thousands of
    # notifications, and their delivery is tests/outbox's subject, not this package's
    with path.open("a", encoding="utf-8") as f:
        f.write("\n[municipalities.ogre.recipients]\n\n[municipalities.tukums.recipients]\n")
    sample = {atvk: reassess_mock.sample(atvk, 400) for atvk in (OGRE, TUKUMS)}
    today = date.fromisoformat(reassess_mock.admin_get("clock")["today"])
    seed_caseload(path, sample, households=60, opened_on=today - timedelta(days=400))
    return path
