"""Outbox fixtures: the mock recipients on a socket, a store (SQLite and PostgreSQL) holding
households with case roles and the birth dates and addresses the population register has."""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session, sessionmaker

from tilts.kernel.config import TiltsSettings, load_settings
from tilts.mocks.harness import MockHandle, running_mocks
from tilts.mocks.world.population import Population
from tilts.shell.demo import DEMO_SECRETS
from tilts.store.caseload import seed_households
from tilts.store.db import make_engine, session_factory, transaction
from tilts.store.decisions import DecisionChanges, NewDecision, record_decisions
from tilts.store.models import Household, HouseholdMember, Person
from tilts.store.models_outbox import Notification
from tilts.store.ops import ensure_municipality, now

SEED, PERSONS = 29, 2500
OGRE = "0040000"
DECIDED = date(2026, 10, 9)
# every recipient with every status and event, but JPA gets no low-income statuses
RECIPIENTS = {"nino": "", "jpa": 'statuses = ["POOR"]', "bvkb": "", "nva": "", "baris": "",
              "bridzis": "", "kim": ""}  # fmt: skip


@pytest.fixture(scope="package")
def outbox_mock() -> Iterator[MockHandle]:
    with running_mocks(persons=PERSONS, seed=SEED, rate_limits=False) as handle:
        yield handle


@pytest.fixture(scope="package")
def population(outbox_mock: MockHandle) -> Population:
    """The mock's population, generated again from its seed (what the registers say)."""
    return Population(SEED, PERSONS, today=outbox_mock.config.today)


def write_config(path: Path, base_url: str, store_url: str, recipients: dict[str, str]) -> None:
    """Ogre only; ``recipients`` maps a recipient to the body of its TOML table."""
    lines = [
        "[store]", f'url = "{store_url}"', "",
        "[gateway]", f'base_url = "{base_url}"', 'user_id = "LVsvc-test"',
        "max_attempts = 3", "backoff_base_s = 0.05", "backoff_max_s = 0.2", "",
        "[gateway.services.recipients]", "rate_per_s = 500", "concurrency = 4", "",
        "[municipalities.ogre]", f'atvk = "{OGRE}"', 'name = "Ogres novads"',
        'member_code = "90000000040"', 'client_id = "demo-ogre"', 'issue = "MK809-test"', "",
    ]  # fmt: skip
    for name, body in recipients.items():
        lines += [f"[municipalities.ogre.recipients.{name}]", body, ""]
    path.write_text("\n".join(lines), encoding="utf-8")


@dataclass
class World:
    """A configured store with households, and helpers to look at both sides."""

    config: Path
    url: str
    settings: TiltsSettings
    engine: Engine
    factory: sessionmaker[Session]
    mock: MockHandle
    mid: int
    households: list[int]
    codes: dict[int, list[str]] = field(default_factory=dict)

    def record(
        self, decisions: Sequence[NewDecision], at: datetime | None = None
    ) -> DecisionChanges:
        with transaction(self.factory) as s:
            return record_decisions(
                s, self.mid, decisions, at or now(), self.settings.municipality(OGRE)
            )

    def rows(self, **where: Any) -> list[Notification]:
        with self.factory() as s:
            stmt = select(Notification).order_by(Notification.id)
            for key, value in where.items():
                stmt = stmt.where(getattr(Notification, key) == value)
            return list(s.scalars(stmt))

    def received(self, recipient: str) -> list[dict[str, Any]]:
        view: dict[str, Any] = self.mock.admin_get(f"recipients/{recipient}")
        return list(view["notifications"])


def granted(
    hid: int, rid: str, kind: str = "STATUS_POOR", decided: date = DECIDED,
    valid: tuple[date, date] = (date(2026, 10, 1), date(2027, 3, 31)),
) -> NewDecision:  # fmt: skip
    return NewDecision(rid, hid, kind, "GRANTED", decided - timedelta(days=7), decided,
                       valid_from=valid[0], valid_to=valid[1])  # fmt: skip


def revoked(hid: int, rid: str, of: str, effective: date, kind: str = "STATUS_POOR") -> NewDecision:
    return NewDecision(rid, hid, kind, "REVOKED", effective - timedelta(days=20),
                       effective - timedelta(days=10), valid_from=effective, revokes_record_id=of)  # fmt: skip


def _age(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def build_world(
    tmp_path: Path, store_url: str, mock: MockHandle, population: Population,
    households: int = 8, recipients: dict[str, str] | None = None,
) -> World:  # fmt: skip
    """Households of the mock population with an open case; case roles assigned so that every
    recipient has someone to hear about: the first adult owns the dwelling, the second holds the
    electricity contract, in households with children the first adult represents them."""
    mock.reset()
    for key, value in DEMO_SECRETS.items():
        os.environ[key] = value
    config = tmp_path / "tilts.toml"
    write_config(config, mock.base_url, store_url, RECIPIENTS if recipients is None else recipients)
    settings = load_settings(config)
    engine = make_engine(store_url)
    factory = session_factory(engine)
    groups: dict[str, list[str]] = defaultdict(list)
    for p in mock.sample(OGRE, 400, offset=40):
        groups[p["householdId"]].append(p["personCode"])
    chosen = [(h, c) for h, c in groups.items() if len(c) >= 2][:households]
    with transaction(factory) as s:
        mid = ensure_municipality(s, OGRE, "Ogres novads")
        seed_households(s, mid, chosen, date(2025, 1, 1))
        ids = dict(s.execute(select(Household.external_id, Household.id)).tuples().all())
        world_codes: dict[int, list[str]] = {}
        for n, (ext, codes) in enumerate(chosen):
            hid = ids[ext]
            world_codes[hid] = codes
            views = [population.lookup(c) for c in codes]
            adults = [v for v in views if v is not None and _age(v.birth_date, DECIDED) >= 18]
            has_child = any(v is not None and _age(v.birth_date, DECIDED) < 18 for v in views)
            roles: dict[str, list[str]] = defaultdict(lambda: ["MEMBER"])
            if adults:
                roles[adults[0].person_code].append("OWNER")
                if has_child:
                    roles[adults[0].person_code].append("LEGAL_REPRESENTATIVE")
            if len(adults) > 1:
                roles[adults[1].person_code].append("CONTRACT_HOLDER")
            for v in views:
                assert v is not None
                pid = s.scalar(select(Person.id).where(Person.person_code == v.person_code))
                s.execute(
                    update(Person)
                    .where(Person.id == pid)
                    .values(
                        birth_date=v.birth_date,
                        death_date=v.death_date,
                        address_code=v.address.address_code if v.address else None,
                    )
                )
                s.execute(
                    update(HouseholdMember)
                    .where(HouseholdMember.household_id == hid, HouseholdMember.person_id == pid)
                    .values(roles=",".join(roles[v.person_code]))
                )
            if n % 2 == 0:  # every other dwelling known to the case; the rest by declared address
                first = views[0]
                assert first is not None and first.address is not None
                s.execute(
                    update(Household)
                    .where(Household.id == hid)
                    .values(address_code=first.address.address_code)
                )
    return World(config, store_url, settings, engine, factory, mock, mid,
                 [ids[e] for e, _ in chosen], world_codes)  # fmt: skip


@pytest.fixture
def world(
    tmp_path: Path, store_url: str, outbox_mock: MockHandle, population: Population
) -> Iterator[World]:
    w = build_world(tmp_path, store_url, outbox_mock, population)
    yield w
    w.engine.dispose()
