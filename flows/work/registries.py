"""Per-person registries (VDEĀVK, VSAA, VID, NVA) in one shape: the table ``SYNCS``.

Each entry says how to ask the registry for a batch of codes, how its answer becomes frame
rows, which pandera model checks them, and how valid rows become facts. One generic chunk
worker (:func:`fetch_and_store`) does the rest for every registry alike.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandera.pandas as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.base import RegistryClient
from connectors.nva import NvaClient
from connectors.vdeavk import VdeavkClient
from connectors.vid import VidClient
from connectors.vsaa import VsaaClient
from flows.runtime import Runtime
from flows.work.batching import run_batches
from flows.work.chunks import Chunk, chunk_ids
from schemas.nva import NvaRegistrationSchema, registration_rows
from schemas.validate import validate_records
from schemas.vdeavk import DisabilityDecisionSchema, decision_rows
from schemas.vid import VidRowSchema, vid_rows
from schemas.vsaa import VsaaPaymentSchema, payment_rows
from store.db import transaction
from store.facts import Fact, replace_facts
from store.fetches import due_persons, mark_fetched
from store.models import Person
from store.ops import get_cursor, now, quarantine, set_cursor
from store.persons import codes_of, iter_open_case_subjects, resolve_codes
from tilts.crashpoints import crash_point
from tilts.errors import ContractError, RecordError
from tilts.personal_code import mask

Row = dict[str, Any]


@dataclass(frozen=True)
class Window:
    """What a run asks for: the as-of date, for monthly sources the months, and whom
    (everyone when ``full``; else the persons due by ``store/fetches.py``, ``changed`` always).
    """

    as_of: str
    months: tuple[str, ...] = ()
    full: bool = True
    refresh_days: int = 1
    changed: tuple[int, ...] = ()

    def to_param(self) -> dict[str, Any]:
        """A plain dict for a Prefect task parameter."""
        return {
            "as_of": self.as_of,
            "months": list(self.months),
            "full": self.full,
            "refresh_days": self.refresh_days,
            "changed": list(self.changed),
        }

    @classmethod
    def from_param(cls, raw: dict[str, Any]) -> Window:
        """Inverse of :meth:`to_param`."""
        return cls(
            raw["as_of"],
            tuple(raw["months"]),
            raw.get("full", True),
            raw.get("refresh_days", 1),
            tuple(raw.get("changed", ())),
        )


Fetch = Callable[[Any, list[str], Window], tuple[list[Row], str | None]]


@dataclass(frozen=True)
class RegistrySync:
    """How one registry's per-person answers become stored facts."""

    service: str
    source: str
    client: type[RegistryClient]
    fetch: Fetch
    status_key: str
    rows: Callable[[Row], list[Row]]
    schema: type[pa.DataFrameModel]
    facts: Callable[[int, list[Row]], list[Fact]]
    kinds: tuple[str, ...]
    monthly: bool = False


def _d(row: Row, key: str) -> date | None:
    value = row.get(key)
    return date.fromisoformat(value) if value else None


def _payload(row: Row) -> Row:
    return {k: v for k, v in row.items() if k not in ("requestedCode", "rowKind")}


def disability_facts(pid: int, rows: list[Row]) -> list[Fact]:
    """One DISABILITY fact per decision, valid over the decision's period."""
    return [
        Fact(
            pid,
            "DISABILITY",
            r["decisionNumber"],
            _payload(r),
            _d(r, "validFrom"),
            _d(r, "validTo"),
        )
        for r in rows
    ]


def payment_facts(pid: int, rows: list[Row]) -> list[Fact]:
    """One PAYMENT fact per payment (several of a type in a month are numbered)."""
    seen: dict[str, int] = defaultdict(int)
    out = []
    for r in rows:
        base = f"{r['month']}:{r['benefitType']}"
        seen[base] += 1
        out.append(Fact(pid, "PAYMENT", f"{base}:{seen[base]}", _payload(r), period=r["month"]))
    return out


def vid_facts(pid: int, rows: list[Row]) -> list[Fact]:
    """INCOME facts per month, payer and type; EMPLOYMENT facts per employer and start."""
    seen: dict[str, int] = defaultdict(int)
    out = []
    for r in rows:
        payer = r.get("employerRegNo") or "-"  # no payer for self-employment, rental, other
        if r["rowKind"] == "INCOME":
            base = f"{r['month']}:{payer}:{r['incomeType']}"
            seen[base] += 1
            out.append(Fact(pid, "INCOME", f"{base}:{seen[base]}", _payload(r), period=r["month"]))
        else:
            key = f"{payer}:{r.get('startDate')}"
            start, end = _d(r, "startDate"), _d(r, "endDate")
            out.append(Fact(pid, "EMPLOYMENT", key, _payload(r), start, end))
    return out


def registration_facts(pid: int, rows: list[Row]) -> list[Fact]:
    """The current NVA registration (a change supersedes the previous one)."""
    return [
        Fact(pid, "REGISTRATION", "registration", _payload(r), _d(r, "since"), _d(r, "endedOn"))
        for r in rows
    ]


def _vdeavk(c: VdeavkClient, codes: list[str], w: Window) -> tuple[list[Row], str | None]:
    return c.get_decisions(codes, as_of=w.as_of, include_history=True), None


def _vsaa(c: VsaaClient, codes: list[str], w: Window) -> tuple[list[Row], str | None]:
    answer = c.query_payments(codes, w.months[0], w.months[-1])
    return answer.results, answer.data_complete_through


def _vid(c: VidClient, codes: list[str], w: Window) -> tuple[list[Row], str | None]:
    answer = c.query_income(codes, w.months[0], w.months[-1])
    return answer.results, answer.data_complete_through


def _nva(c: NvaClient, codes: list[str], w: Window) -> tuple[list[Row], str | None]:
    return c.query_status(codes, w.as_of), None


SYNCS: dict[str, RegistrySync] = {
    "vdeavk": RegistrySync(
        "vdeavk", "VDEAVK", VdeavkClient, _vdeavk, "result", decision_rows,
        DisabilityDecisionSchema, disability_facts, ("DISABILITY",),
    ),
    "vsaa": RegistrySync(
        "vsaa", "VSAA", VsaaClient, _vsaa, "status", payment_rows, VsaaPaymentSchema,
        payment_facts, ("PAYMENT",), monthly=True,
    ),
    "vid": RegistrySync(
        "vid", "VID", VidClient, _vid, "status", vid_rows, VidRowSchema, vid_facts,
        ("INCOME", "EMPLOYMENT"), monthly=True,
    ),
    "nva": RegistrySync(
        "nva", "NVA", NvaClient, _nva, "status", registration_rows, NvaRegistrationSchema,
        registration_facts, ("REGISTRATION",),
    ),
}  # fmt: skip


def _index(month: str) -> int:
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def _label(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months_to_fetch(as_of: date, complete_through: str | None) -> tuple[str, ...]:
    """The last three full months before ``as_of``'s month, every month after the one the
    source last called complete, and the current month: one contiguous range, at most 12."""
    current = as_of.year * 12 + as_of.month - 1
    start = current - 3
    if complete_through is not None:
        start = min(start, _index(complete_through) + 1)
    start = max(start, current - 11)
    return tuple(_label(i) for i in range(start, current + 1))


def window(
    rt: Runtime, atvk: str, service: str, as_of: date, full: bool = True,
    changed: Sequence[int] = (),
) -> Window:  # fmt: skip
    """What to ask ``service`` for in this run; a monthly source that reported a newly
    complete month since everyone was last asked asks everyone (``full``) tonight."""
    refresh = rt.settings.gateway.services[service].refresh_days
    if not SYNCS[service].monthly:
        return Window(as_of.isoformat(), (), full, refresh, tuple(changed))
    with rt.factory() as s:
        mid = rt.municipality_id(atvk)
        complete = get_cursor(s, mid, f"{service}.complete_through")
        refreshed = get_cursor(s, mid, f"{service}.refreshed_through")
    new_month = complete is not None and refreshed is not None and complete > refreshed
    months = months_to_fetch(as_of, complete)
    return Window(as_of.isoformat(), months, full or new_month, refresh, tuple(changed))


def _answerable(s: Session, ids: list[int]) -> list[int]:
    skip = set(
        s.scalars(
            select(Person.id).where(
                Person.id.in_(ids), Person.lookup_result.in_(["INVALID_CODE", "NOT_FOUND"])
            )
        )
    )
    return [pid for pid in ids if pid not in skip]


def subjects(rt: Runtime, atvk: str) -> list[int]:
    """Open-case subjects the registries can answer for (not known to be invalid or absent)."""
    mid = rt.municipality_id(atvk)
    out: list[int] = []
    with rt.factory() as s:
        for page in iter_open_case_subjects(s, mid):
            out += _answerable(s, page)
    return out


def fetch_chunk(rt: Runtime, atvk: str, service: str, chunk: Chunk, w: Window) -> dict[str, Any]:
    """:func:`fetch_and_store` for the answerable subjects of one chunk that are due."""
    ids = chunk_ids(rt, atvk, chunk)
    with rt.factory() as s:
        ids = _answerable(s, ids)
        if not w.full:
            day = date.fromisoformat(w.as_of)
            source = SYNCS[service].source
            ids = due_persons(s, source, ids, day, w.refresh_days, frozenset(w.changed))
    return fetch_and_store(rt, atvk, service, ids, w)


def fetch_and_store(
    rt: Runtime, atvk: str, service: str, person_ids: list[int], w: Window
) -> dict[str, Any]:
    """Fetch one chunk from a registry, validate, quarantine the bad, store the rest, commit.

    A person with any invalid row keeps the facts stored before (nothing of theirs is
    replaced this run) and the bad rows are quarantined with the failing checks.
    """
    sync = SYNCS[service]
    gw = rt.gateway(atvk)
    client = sync.client(gw, rt.purpose(atvk))
    with rt.factory() as s:
        by_code = {code: pid for pid, code in codes_of(s, person_ids).items()}
    codes = list(by_code)
    unanswered: set[str] = set()
    results: list[Row] = []
    complete: set[str] = set()
    bad: list[tuple[str, Row, str]] = []

    def call(batch: list[str]) -> tuple[list[Row], str | None]:
        return sync.fetch(client, batch, w)

    for batch, answer in run_batches(codes, gw.batch_size(service), gw.concurrency(service), call):
        if isinstance(answer, ContractError | RecordError):
            bad += [(mask(c), {"requestedCode": c}, str(answer)) for c in batch]
            unanswered.update(batch)
        elif isinstance(answer, BaseException):
            raise answer
        else:
            results += answer[0]
            if answer[1]:
                complete.add(answer[1])
    outcome: dict[str, int] = defaultdict(int)
    rows: list[Row] = []
    found: list[str] = []
    for r in results:
        status = r.get(sync.status_key)
        outcome[str(status)] += 1
        if status == "FOUND":
            found.append(r.get("requestedCode") or r["personCode"])
            rows += sync.rows(r)
    valid, invalid = validate_records(rows, sync.schema)
    spoiled = {r["requestedCode"] for r, _ in invalid}
    bad += [(mask(r["requestedCode"]), r, reason) for r, reason in invalid]
    crash_point("registry.fetched")  # answers in memory, nothing committed
    with transaction(rt.factory) as s:
        ids = resolve_codes(s, found)
        by_person: dict[int, list[Row]] = defaultdict(list)
        for row in valid:
            if row["requestedCode"] not in spoiled:
                by_person[ids[row["requestedCode"]]].append(row)
        targets = [ids[c] for c in found if c not in spoiled and c in ids]
        facts = [f for pid in targets for f in sync.facts(pid, by_person.get(pid, []))]
        changes = replace_facts(
            s, sync.source, targets, sync.kinds, facts, now(), rt.key,
            periods=list(w.months) if sync.monthly else None,
        )  # fmt: skip
        quarantine(s, service, "record", bad, rt.key)
        answered = [p for c, p in by_code.items() if c not in unanswered and c not in spoiled]
        mark_fetched(s, sync.source, answered, date.fromisoformat(w.as_of))
    crash_point("registry.committed")  # chunk committed, complete-through not stored
    return {
        "persons": len(person_ids),
        "changed": len(changes.changed_persons or ()),
        "not_found": outcome["NOT_FOUND"],
        "invalid": outcome["INVALID_CODE"],
        "quarantined": len(bad),
        "complete_through": min(complete) if complete else None,
    }


def commit_complete_through(
    rt: Runtime, atvk: str, service: str, month: str | None, everyone: bool = False
) -> None:
    """Remember the month a monthly source said it is complete through (after commit) and,
    when ``everyone`` was asked (or nothing was remembered yet), that everyone has it."""
    if month:
        with transaction(rt.factory) as s:
            mid = rt.municipality_id(atvk)
            set_cursor(s, mid, f"{service}.complete_through", month)
            if everyone or get_cursor(s, mid, f"{service}.refreshed_through") is None:
                set_cursor(s, mid, f"{service}.refreshed_through", month)
