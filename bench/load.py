"""Load: the nightly sync under transient faults on every service, then proof nothing was lost.

    python -m bench load --persons 100000 [--fault-rate 0.1] [--chunk-size 5000]

In a fresh process: the mocks with ``persons`` persons (every one a subject, ``bench_world``),
and on every service the nightly talks to — PMLP, VDEĀVK, VSAA, VID, NVA and the five status
recipients — a mix of transient faults hitting ``fault-rate`` of its calls: HTTP 503, HTTP 429
with ``Retry-After: 1``, a connection reset, and an answer delayed by less than the read
timeout, a quarter each. Then:

1. night 1: ``nightly_sync`` of everyone (the first, full night), under the faults;
2. the day's casework: a granted status for one household in twenty, each queueing its status
   notifications (so the next night's delivery has work, under the recipients' faults);
3. nights 2, 3: the next nights (same day, faults still on) — night 2 always, night 3 only
   when something was left to retry (a chunk whose retries ran out, a notification waiting
   for its backoff, which is waited out: the real next night comes a day later);
4. the proof (:mod:`bench.load_proof`), faults cleared: what the faulty nights left lacks
   nothing and holds nothing twice, and a clean full night changes nothing.

It prints a table and, last, ``persons=… wall_s=… calls=… retried=… rate_limited=… nights=…
lost=… peak_rss_mb=…`` (``wall_s``, ``calls``, ``retried``, ``rate_limited`` over the faulty
nights, delivery included). SPOLIS is not on the nightly's path and gets no faults here.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update

from bench.common import BenchWorld, bench_world, peak_rss_mb
from bench.load_proof import proof, store_of
from tilts.mocks.harness import MockHandle
from tilts.registries import services
from tilts.store.models import Case, FlowRunLog, HouseholdMember
from tilts.store.models_outbox import RECIPIENTS, Notification

INBOUND = services()  # every registry (registries/)
RECIPIENT_SERVICES = tuple(f"recipient-{r}" for r in RECIPIENTS)
DELAY_S = 0.5  # well under the read timeout (30 s): a slow answer, not a lost one
FAULT_MIX: tuple[dict[str, Any], ...] = (
    {"kind": "http_status", "status": 503},
    {"kind": "http_status", "status": 429, "retryAfter": 1},
    {"kind": "reset"},
    {"kind": "delay", "delaySeconds": DELAY_S},
)
MAX_NIGHTS = 3
DECIDED_SHARE = 0.05  # households granted a status during the day after night 1
# the demo's case roles: the first member owns the dwelling, holds the contract, represents
HEAD_ROLES = "MEMBER,OWNER,CONTRACT_HOLDER,LEGAL_REPRESENTATIVE"
FIGURES = {  # night figure ← the flow runs' figure (the nightly's and its delivery's)
    "calls": "registry_calls",
    "retried": "calls_retried",
    "rate_limited": "rate_limited_honoured",
    "changed": "records_changed",
    "quarantined": "quarantined",
    "delivered": "notifications_delivered",
}


def inject(mocks: MockHandle, rate: float) -> None:
    """The fault mix on every service: rules apply first-match, so each rule's rate is its
    share of the calls the rules before it left, and together they hit ``rate`` of them."""
    if rate <= 0:
        return
    share = rate / len(FAULT_MIX)
    for service in INBOUND + RECIPIENT_SERVICES:
        for i, rule in enumerate(FAULT_MIX):
            mocks.add_fault(service=service, rate=share / (1 - i * share), **rule)


def applied_faults(mocks: MockHandle) -> dict[str, int]:
    """Calls the fault rules changed: in all, by kind and by service."""
    kinds: Counter[str] = Counter()
    services: Counter[str] = Counter()
    for r in mocks.admin_get("faults")["rules"]:
        kind = str(r["status"]) if r["kind"] == "http_status" else r["kind"]
        kinds[f"faults_{kind}"] += r["applied"]
        services[f"faults_{r['service']}"] += r["applied"]
    return {"faults_applied": sum(kinds.values()), **kinds, **services}


def casework(world: BenchWorld, today: date, share: float) -> int:
    """Grant a status to every ``1/share``-th open case's household (case roles set on its
    first member), as caseworkers would during the day; returns the notifications queued."""
    from tilts.assessment.periods import Month
    from tilts.kernel.config import load_settings
    from tilts.store.db import transaction
    from tilts.store.decisions import NewDecision, record_decisions
    from tilts.store.ops import ensure_municipality, now

    factory = store_of(world)
    step = max(1, round(1 / share))
    day = max(today, date.today())  # not before bench_world opened the cases (the real today)
    valid = (Month.of(day).first_day, Month.of(day).shift(5).last_day)
    kinds = ("STATUS_POOR", "STATUS_LOW_INCOME")
    for muni in load_settings(world.config).municipalities.values():
        with transaction(factory) as s:
            mid = ensure_municipality(s, muni.atvk, muni.name)
            cases = select(Case.household_id).where(
                Case.municipality_id == mid, Case.status == "OPEN"
            )
            chosen = list(s.scalars(cases.order_by(Case.household_id)))[::step]
            for part in range(0, len(chosen), 500):
                heads = (
                    select(func.min(HouseholdMember.id))
                    .where(HouseholdMember.household_id.in_(chosen[part : part + 500]))
                    .group_by(HouseholdMember.household_id)
                )
                s.execute(
                    update(HouseholdMember)
                    .where(HouseholdMember.id.in_(heads.scalar_subquery()))
                    .values(roles=HEAD_ROLES)
                )
            decisions = [
                NewDecision(f"LOAD-{hid}", hid, kinds[n % 2], "GRANTED",
                            day - timedelta(days=7), day, valid_from=valid[0], valid_to=valid[1])
                for n, hid in enumerate(chosen)
            ]  # fmt: skip
            record_decisions(s, mid, decisions, now(), muni)
    with factory() as s:
        return int(s.scalar(select(func.count()).select_from(Notification)) or 0)


def night(world: BenchWorld, today: str, chunk_size: int, seen: set[str]) -> dict[str, Any]:
    """One nightly run (delivery included): wall time, figures, and what is left for the next
    night (``left``; ``backoff_s``: until the last undelivered notification is due again)."""
    from tilts.flows.nightly import nightly_sync
    from tilts.flows.reporting import figures_of

    t0 = time.monotonic()
    figures_of(nightly_sync, config_path=str(world.config), as_of=today, chunk_size=chunk_size)
    out: dict[str, Any] = {"wall_s": round(time.monotonic() - t0, 1)}
    with store_of(world)() as s:
        logged = s.execute(select(FlowRunLog.run_id, FlowRunLog.figures)).all()
        left, due = s.execute(
            select(func.count(), func.max(Notification.next_attempt_at)).where(
                Notification.state != "DELIVERED"
            )
        ).one()
    runs = [dict(figures) for run_id, figures in logged if run_id not in seen]
    seen.update(run_id for run_id, _ in logged)
    out |= {name: sum(int(f.get(key) or 0) for f in runs) for name, key in FIGURES.items()}
    out["failures"] = sum(len(f.get("failures") or ()) for f in runs)
    out["will_retry"] = sum(len(f.get("will_retry") or ()) for f in runs)
    out["undelivered"] = int(left)
    due = due.replace(tzinfo=due.tzinfo or UTC) if due is not None else datetime.now(UTC)
    out["backoff_s"] = round(max(0.0, (due - datetime.now(UTC)).total_seconds()), 1)
    out["left"] = bool(out["failures"] or out["will_retry"] or out["undelivered"])
    out["peak_rss_mb"] = round(peak_rss_mb(), 1)  # so far: where the peak was reached
    return out


@dataclass
class FaultyNights:
    """What the nights under faults did."""

    today: str
    nights: list[dict[str, Any]]
    queued: int
    faults: dict[str, int]


def faulty_nights(
    world: BenchWorld, fault_rate: float, chunk_size: int, decided_share: float = DECIDED_SHARE
) -> FaultyNights:
    """Steps 1–3 of the module's scenario: faults on, night 1, casework, the next nights."""
    today = str(world.mocks.admin_get("clock")["today"])
    inject(world.mocks, fault_rate)
    seen: set[str] = set()
    nights = [night(world, today, chunk_size, seen)]
    queued = casework(world, date.fromisoformat(today), decided_share)
    while len(nights) < 2 or (nights[-1]["left"] and len(nights) < MAX_NIGHTS):
        time.sleep(nights[-1]["backoff_s"])  # the real next night comes a day later
        nights.append(night(world, today, chunk_size, seen))
    return FaultyNights(today, nights, queued, applied_faults(world.mocks))


def load_once(
    persons: int, fault_rate: float, chunk_size: int, decided_share: float = DECIDED_SHARE
) -> dict[str, Any]:
    """The whole load scenario in this process; figures only, no personal data."""
    from prefect import flow

    @flow(name="bench-warm-up")
    def warm_up() -> None:
        return None

    warm_up()  # the first flow of a process pays for starting the local API: not ours to count
    with bench_world(persons) as world:
        run = faulty_nights(world, fault_rate, chunk_size, decided_share)
        checked = proof(world, run.today, chunk_size)
    shutil.rmtree(world.work, ignore_errors=True)
    out: dict[str, Any] = {"persons": world.subjects, "fault_rate": fault_rate}
    for n, res in enumerate(run.nights, 1):
        out |= {f"night{n}_{k}": v for k, v in res.items() if k != "left"}
    out |= {"notifications_queued": run.queued, **run.faults, **checked}
    for key in ("wall_s", "calls", "retried", "rate_limited", "failures"):
        out[key] = round(sum(r[key] for r in run.nights), 1)
    out["nights"] = len(run.nights)
    out["lost"] = out.pop("lost")  # last but one: the figure that matters
    out["peak_rss_mb"] = round(peak_rss_mb(), 1)
    return out


def run(persons: int, fault_rate: float, chunk_size: int) -> dict[str, Any]:
    """``load_once`` in a fresh process (its peak memory its own); prints table and last line."""
    args = ["--once", "--persons", str(persons), "--fault-rate", str(fault_rate),
            "--chunk-size", str(chunk_size)]  # fmt: skip
    proc = subprocess.run(
        [sys.executable, "-m", "bench.load", *args], check=False, capture_output=True, text=True
    )
    if proc.returncode != 0:
        raise SystemExit(f"benchmark process failed:\n{proc.stderr[-3000:]}")
    res: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    for key, value in res.items():
        print(f"{key:>28} | {value!s:>12}")
    print(
        f"persons={res['persons']} wall_s={res['wall_s']} calls={res['calls']} "
        f"retried={res['retried']} rate_limited={res['rate_limited']} nights={res['nights']} "
        f"lost={res['lost']} peak_rss_mb={res['peak_rss_mb']}"
    )
    return res


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.load")
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--fault-rate", type=float, default=0.1)
    parser.add_argument("--chunk-size", type=int, default=5000)
    parser.add_argument("--once", action="store_true", help="in this process; print JSON")
    args = parser.parse_args(argv)
    if args.once:
        print(json.dumps(load_once(args.persons, args.fault_rate, args.chunk_size)))
    else:
        run(args.persons, args.fault_rate, args.chunk_size)


if __name__ == "__main__":
    main()
