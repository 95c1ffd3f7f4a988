"""The proof of ``bench load`` that the faulty nights lost nothing (figures only).

With the faults cleared: what the faulty nights left is checked first (every subject has its
PMLP answer and facts and an answer of each per-person registry; no current fact is held
twice; nothing quarantined; every notification delivered and held exactly once by its
recipient), then a clean full night must change nothing and quarantine nothing — the faulty
nights already stored all a clean night would.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, sessionmaker

from bench.common import BenchWorld
from tilts.registries import REGISTRIES
from tilts.store.models import Person, Quarantine, RegistryFact, RegistryFetch
from tilts.store.models_outbox import RECIPIENTS, Notification
from tilts.store.persons import open_case_subjects_query

# the per-person registries' fact sources
SOURCES = tuple(r.source for r in REGISTRIES if r.per_person)


def store_of(world: BenchWorld) -> sessionmaker[Session]:
    """A session factory on the bench world's store."""
    from tilts.flows.runtime import open_store
    from tilts.kernel.config import load_settings

    return open_store(load_settings(world.config).store.url)[1]


def _count(s: Session, stmt: Any) -> int:
    return int(s.scalar(select(func.count()).select_from(stmt.subquery())) or 0)


def store_checks(world: BenchWorld) -> dict[str, int]:
    """What the store lacks or holds twice (all zero when nothing was lost)."""
    from tilts.kernel.config import load_settings
    from tilts.store.ops import ensure_municipality

    out: Counter[str] = Counter()
    with store_of(world)() as s:
        for muni in load_settings(world.config).municipalities.values():
            mid = ensure_municipality(s, muni.atvk, muni.name)
            p = (
                select(Person.id, Person.lookup_result)
                .where(Person.id.in_(open_case_subjects_query(mid)))
                .subquery()
            )
            out["no_pmlp_answer"] += _count(s, select(p.c.id).where(p.c.lookup_result.is_(None)))
            pmlp_facts = exists().where(
                RegistryFact.person_id == p.c.id,
                RegistryFact.source == "PMLP",
                RegistryFact.superseded_at.is_(None),
            )
            out["no_pmlp_facts"] += _count(
                s, select(p.c.id).where(p.c.lookup_result == "FOUND", ~pmlp_facts)
            )
            answerable = p.c.lookup_result.not_in(("INVALID_CODE", "NOT_FOUND"))
            for source in SOURCES:
                answered = exists().where(
                    RegistryFetch.person_id == p.c.id, RegistryFetch.source == source
                )
                out[f"no_{source.lower()}_answer"] += _count(
                    s, select(p.c.id).where(answerable, ~answered)
                )
        f = RegistryFact
        key = (f.person_id, f.source, f.kind, f.fact_key)
        out["duplicate_current_facts"] = _count(
            s,
            select(*key).where(f.superseded_at.is_(None)).group_by(*key).having(func.count() > 1),
        )
        out["open_quarantine"] = _count(s, select(Quarantine.id).where(Quarantine.status == "OPEN"))
        out["undelivered"] = _count(
            s, select(Notification.id).where(Notification.state != "DELIVERED")
        )
    return dict(out)


def recipient_checks(world: BenchWorld) -> dict[str, int]:
    """Delivered notifications a recipient does not hold, or holds twice."""
    factory = store_of(world)
    out = {"not_at_recipient": 0, "twice_at_recipient": 0}
    for recipient in RECIPIENTS:
        delivered = select(Notification.notification_id).where(
            Notification.recipient == recipient, Notification.state == "DELIVERED"
        )
        with factory() as s:
            sent = set(s.scalars(delivered))
        view = world.mocks.admin_get(f"recipients/{recipient}")
        held = [n["notificationId"] for n in view["notifications"]]
        out["not_at_recipient"] += len(sent - set(held))
        out["twice_at_recipient"] += len(held) - len(set(held))
    return out


def proof(world: BenchWorld, today: str, chunk_size: int) -> dict[str, Any]:
    """Clear the faults, check what the faulty nights left, run the clean full night; ``lost``
    adds up everything missing, held twice or still changed by the clean night."""
    import time

    from tilts.flows.nightly import nightly_sync
    from tilts.flows.reporting import figures_of

    world.mocks.clear_faults()
    checks = {**store_checks(world), **recipient_checks(world)}
    t0 = time.monotonic()
    fig = figures_of(
        nightly_sync, config_path=str(world.config), as_of=today, chunk_size=chunk_size, full=True
    )
    ref = {
        "reference_wall_s": round(time.monotonic() - t0, 1),
        "reference_changed": fig["records_changed"],
        "reference_quarantined": fig["quarantined"],
        "reference_failures": len(fig["failures"]),
    }
    lost = sum(checks.values()) + sum(v for k, v in ref.items() if k != "reference_wall_s")
    return {**checks, **ref, "lost": lost}
