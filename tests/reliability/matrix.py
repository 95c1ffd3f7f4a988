"""The fault matrix: its rows (a service and the flow that talks to it), its columns (a fault
the mocks inject, as a rule at a rate) and the outcome a cell comes to, in words.

The worlds (a template store per world, cloned per cell, the mock reset to its seeded state),
the end state and the "nothing twice" check are the crash suite's
(:mod:`tests.reliability_crash.worlds`); the client settings are the matrix's own, as
``TILTS_GATEWAY__*`` overrides over the worlds' configuration files.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import update

from tests.reliability_crash.conftest import Store
from tilts.flows.notify import deliver_notifications
from tilts.flows.spolis import spolis_daily
from tilts.flows.sync_population import sync_population
from tilts.flows.sync_registries import (
    sync_disability,
    sync_employment,
    sync_income,
    sync_property,
)
from tilts.mocks.harness import MockHandle
from tilts.store.db import transaction
from tilts.store.models_outbox import Notification
from tilts.store.ops import now
from tilts.store.quarantine import QuarantineFilter, retry

OGRE = "0040000"  # the sync world's first municipality: the syncs run for it alone
CHUNK = 100  # one chunk task per service (a Prefect task costs more than a call)
BATCH = 4  # persons per registry call: several calls per chunk
TODAY = "2026-11-26"  # the mock's seeded clock: the registries' as-of date
ADVANCE_DAYS, CHANGE_RATE = 15, 0.02  # the population's fortnight between two nights
RATE = 0.3  # share of a service's calls a fault rule hits
READ_TIMEOUT_S, DELAY_S = 0.5, 1.0  # the client gives up on a delayed answer
CAP = 512 * 1024  # the client's response-size cap; an oversized answer is twice that

GATEWAY_ENV = {
    "TILTS_GATEWAY__READ_TIMEOUT_S": str(READ_TIMEOUT_S),
    "TILTS_GATEWAY__CONNECT_TIMEOUT_S": "1",
    "TILTS_GATEWAY__MAX_RESPONSE_BYTES": str(CAP),
    "TILTS_GATEWAY__MAX_ATTEMPTS": "8",
    "TILTS_GATEWAY__BACKOFF_BASE_S": "0.02",
    "TILTS_GATEWAY__BACKOFF_MAX_S": "0.1",
    **{f"TILTS_GATEWAY__SERVICES__{s}__BATCH_SIZE": str(BATCH)
       for s in ("PMLP", "VDEAVK", "VSAA", "VID", "NVA", "VZD", "CSDD", "VTUA", "LAD", "UGFA")},
}  # fmt: skip

Figures = list[dict[str, Any]]


@dataclass(frozen=True)
class Fault:
    """A column: the rule's kind and parameters; ``family`` says what it is meant to test."""

    name: str
    rule: dict[str, Any]
    family: str  # transient, contract, fatal, token, duplicates

    @property
    def slug(self) -> str:
        """The cell's test id part: ``429-retry-after``."""
        return "-".join(re.findall(r"[a-z0-9]+", self.name.lower()))


FAULTS = (
    Fault("503", {"kind": "http_status", "status": 503}, "transient"),
    Fault("500", {"kind": "http_status", "status": 500}, "fatal"),
    # each 429 costs its Retry-After (a second): once per service
    Fault(
        "429 + Retry-After",
        {"kind": "http_status", "status": 429, "retryAfter": 1, "count": 1},
        "transient",
    ),
    Fault("delay past read timeout", {"kind": "delay", "delaySeconds": DELAY_S}, "transient"),
    Fault("no answer", {"kind": "timeout", "delaySeconds": 3}, "transient"),
    Fault("connection reset", {"kind": "reset"}, "transient"),
    Fault("malformed body", {"kind": "malformed"}, "contract"),
    Fault("wrong message id", {"kind": "wrong_message_id"}, "contract"),
    Fault("oversized body", {"kind": "oversized", "sizeBytes": 2 * CAP}, "contract"),
    Fault("duplicated changes", {"kind": "duplicate_changes", "rate": 1.0}, "duplicates"),
    Fault("token expiry", {"kind": "expire_tokens", "count": 1}, "token"),
)


def _sync(flow: Any) -> Callable[[Path], Figures]:
    return lambda c: [flow(municipality=OGRE, chunk_size=CHUNK, config_path=str(c), as_of=TODAY)]


def _population(mock: MockHandle) -> Callable[[Path], Figures]:
    """Two nights with a fortnight of population changes between them."""

    def run(config: Path) -> Figures:
        first = sync_population(municipality=OGRE, chunk_size=CHUNK, config_path=str(config))
        mock.advance(ADVANCE_DAYS, change_rate=CHANGE_RATE)
        return [
            first,
            sync_population(municipality=OGRE, chunk_size=CHUNK, config_path=str(config)),
        ]

    return run


def _deliver(config: Path) -> Figures:
    return [deliver_notifications(config_path=str(config))]


def _daily(config: Path) -> Figures:
    both = spolis_daily(config_path=str(config))
    return [both["decisions"], both["payments"]]


@dataclass(frozen=True)
class Row:
    """A service: the mock services its rules name, the world and flow that talk to it, the
    operation carrying its records (contract faults go there) and what "done" means for it."""

    name: str
    key: str  # test id
    services: tuple[str, ...]
    world: str
    flow: str  # the fault-free reference is computed once per flow
    runs: Callable[[MockHandle], Callable[[Path], Figures]]
    records_op: str | None = None
    done: str = "synced"

    @property
    def quarantine_service(self) -> str | None:
        return self.services[0] if self.world == "sync" else None


RECIPIENTS = ("nino", "jpa", "bvkb", "nva", "baris", "bridzis", "kim")
ROWS = (
    Row("PMLP", "PMLP", ("pmlp",), "sync", "sync_population", _population, "getPersons"),
    Row("VDEĀVK", "VDEAVK", ("vdeavk",), "sync", "sync_disability", lambda m: _sync(sync_disability)),
    Row("VSAA", "VSAA", ("vsaa",), "sync", "sync_income", lambda m: _sync(sync_income)),
    Row("VID", "VID", ("vid",), "sync", "sync_income", lambda m: _sync(sync_income)),
    Row("NVA", "NVA", ("nva",), "sync", "sync_employment", lambda m: _sync(sync_employment)),
    Row("LAD", "LAD", ("lad",), "sync", "sync_income", lambda m: _sync(sync_income)),
    Row("UGFA", "UGFA", ("ugfa",), "sync", "sync_income", lambda m: _sync(sync_income)),
    Row("VZD", "VZD", ("vzd",), "sync", "sync_property", lambda m: _sync(sync_property)),
    Row("CSDD", "CSDD", ("csdd",), "sync", "sync_property", lambda m: _sync(sync_property)),
    Row("VTUA", "VTUA", ("vtua",), "sync", "sync_property", lambda m: _sync(sync_property)),
    # one person per GET: a fault hits single persons' calls; 404 is "no roles" (property.md §4)
    Row("UR", "UR", ("ur",), "sync", "sync_property", lambda m: _sync(sync_property)),
    Row("SPOLIS", "SPOLIS", ("spolis",), "spolis", "spolis_daily", lambda m: _daily,
        done="accepted"),
    Row("recipients", "recipients", tuple(f"recipient-{r}" for r in RECIPIENTS), "notify",
        "deliver_notifications", lambda m: _deliver, done="delivered"),
)  # fmt: skip


def applies(row: Row, fault: Fault) -> bool:
    """Duplicated change events exist only in PMLP's change feed."""
    return fault.family != "duplicates" or row.key == "PMLP"


def rules(row: Row, fault: Fault) -> list[dict[str, Any]]:
    """The rules of a cell: one per mock service of the row, at :data:`RATE` unless the fault
    says otherwise; contract faults on the operation that carries records (a broken change feed
    or monitoring answer fails the night instead, which the other cells' faults cover)."""
    base = {"rate": RATE, **fault.rule}
    if fault.family == "duplicates":
        base["operation"] = "getChanges"
    elif fault.family == "contract" and row.records_op:
        base["operation"] = row.records_op
    return [{"service": s, **base} for s in row.services]


def recover(row: Row, store: Store, runs: Callable[[Path], Figures], config: Path) -> Figures:
    """What comes after the fault has gone: the operator retries the row's open quarantine
    (``tilts quarantine retry --service``), a notification's backoff passes; then the flow's
    next run (for the population, a third night on the same day)."""
    if row.quarantine_service is not None:
        with transaction(store.factory) as s:
            retry(s, QuarantineFilter(service=row.quarantine_service))
    if row.world == "notify":
        with transaction(store.factory) as s:
            s.execute(
                update(Notification)
                .where(Notification.state == "PENDING")
                .values(next_attempt_at=now() - timedelta(hours=2))
            )
    if row.key == "PMLP":
        return [sync_population(municipality=OGRE, chunk_size=CHUNK, config_path=str(config))]
    return runs(config)


@dataclass
class Seen:
    """What the faulted runs did, from their figures and the mock's journal."""

    figures: Figures
    applied: int
    unauthorised: int = 0
    quarantined: int = 0  # quarantine rows the fault caused (not in the fault-free run)
    converged: bool = False  # the end state equal to the fault-free run's before any re-run

    def total(self, name: str) -> int:
        return sum(int(f.get(name, 0)) for f in self.figures)

    def lines(self, name: str) -> list[str]:
        return [line for f in self.figures for line in f.get(name, [])]


def outcome(row: Row, fault: Fault, seen: Seen) -> str:
    """The cell's words: what the faulted runs did → how the records ended."""
    left = []  # what the faulted runs left for the next run
    if seen.quarantined:
        left.append("quarantined")
    if any("unanswered" in line for line in seen.lines("will_retry")):
        left.append("batch unanswered, resent")
    if seen.total("notifications_retried"):
        left.append("backed off")
    if seen.lines("failures") and not left:
        left.append("failed, retried next run")
    if fault.family == "duplicates":
        what = ["duplicates dropped", *left]
    elif fault.family == "token":
        what = (["token refreshed"] if seen.unauthorised else []) + left
    else:
        what = left or (["retried"] if seen.total("calls_retried") else [])
    end = row.done if seen.converged and not left else f"{row.done} on re-run"
    return f"{', '.join(what) or 'no effect'} → {end}"


def expected(row: Row, fault: Fault) -> str:
    """What each cell should come to (spec: registries.md §1.5, outbound.md, spolis.md)."""
    done, again = row.done, f"{row.done} on re-run"
    if fault.family == "transient":
        return f"retried → {done}"  # the connector's retries absorb it within the run
    if fault.family == "token":
        return f"token refreshed → {done}"  # a new token once, the call repeated
    if fault.family == "duplicates":
        return f"duplicates dropped → {done}"
    if fault.family == "fatal":  # HTTP 500: a SOAP fault body decides; REST: fatal for the call
        if row.key in ("PMLP", "VDEAVK", "VZD", "recipients"):
            return f"retried → {done}"  # no SOAP fault in it / the idempotency key allows it
        if row.key == "SPOLIS":
            return f"batch unanswered, resent → {again}"
        return f"failed, retried next run → {again}"
    # a contract error: the batch quarantined / the outcome unknown, sent again unchanged
    if row.key == "SPOLIS":
        return f"batch unanswered, resent → {again}"
    if row.key == "recipients":
        return f"backed off → {again}"
    return f"quarantined → {again}"
