"""The table of per-person registries (VDEĀVK, VSAA, VID, NVA), one shape for all: ``SYNCS``.

Each entry says how to ask the registry for a batch of codes, how its answer becomes frame
rows, which pandera model checks them, and how valid rows become facts; ``Window`` is what
one run asks for. The generic chunk worker is :func:`flows.work.registries.fetch_and_store`.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandera.pandas as pa

from tilts.connectors.base import RegistryClient
from tilts.connectors.nva import NvaClient
from tilts.connectors.vdeavk import VdeavkClient
from tilts.connectors.vid import VidClient
from tilts.connectors.vsaa import VsaaClient
from tilts.schemas.nva import NvaRegistrationSchema, registration_rows
from tilts.schemas.vdeavk import DisabilityDecisionSchema, decision_rows
from tilts.schemas.vid import VidRowSchema, vid_rows
from tilts.schemas.vsaa import VsaaPaymentSchema, payment_rows
from tilts.store.facts import Fact

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
    # the row's natural key within one answer (None: no key; only exact duplicates are folded)
    natural_key: Callable[[Row], tuple[Any, ...] | None] | None = None


# --- duplicates within one answer (issue 18) ----------------------------------------------------
# The rule, the same for every source: a row stated twice with every field equal is one row
# (kept once: an exact duplicate VSAA payment is one payment, stored and counted once). Two rows
# with the same natural key but different fields contradict each other: every row of that key is
# quarantined with the reason, and the person keeps what was stored before. Natural keys:
# VDEĀVK a decision number; VID an employment's employer and start (income lines, like VSAA
# payments, have none: two payments of a type in a month are two payments); NVA one registration
# per person (the answer cannot repeat it).


def _vid_key(row: Row) -> tuple[Any, ...] | None:
    if row.get("rowKind") != "EMPLOYMENT":
        return None
    return ("EMPLOYMENT", row.get("employerRegNo"), row.get("startDate"))


def _decision_key(row: Row) -> tuple[Any, ...] | None:
    return ("decision", row.get("decisionNumber"))


def split_duplicates(
    sync: RegistrySync, rows: list[Row]
) -> tuple[list[Row], list[tuple[Row, str]], int]:
    """``rows`` without exact duplicates, the rows quarantined for a conflicting duplicate
    (with the reason, naming the key's fields, never a value), and how many exact duplicates
    were folded."""
    seen: set[str] = set()
    unique: list[Row] = []
    for row in rows:
        ident = json.dumps(row, sort_keys=True, default=str)
        if ident not in seen:
            seen.add(ident)
            unique.append(row)
    folded = len(rows) - len(unique)
    if sync.natural_key is None:
        return unique, [], folded
    by_key: dict[tuple[Any, ...], list[Row]] = defaultdict(list)
    for row in unique:
        key = sync.natural_key(row)
        if key is not None:
            by_key[(row.get("requestedCode"), *key)].append(row)
    conflicting = {id(r) for group in by_key.values() if len(group) > 1 for r in group}
    kept = [r for r in unique if id(r) not in conflicting]
    reason = {
        "vid": "employment (employerRegNo, startDate): stated twice with different values",
        "vdeavk": "decisionNumber: stated twice with different values",
    }.get(sync.service, "record: stated twice with different values")
    return kept, [(r, reason) for r in unique if id(r) in conflicting], folded


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
        DisabilityDecisionSchema, disability_facts, ("DISABILITY",), natural_key=_decision_key,
    ),
    "vsaa": RegistrySync(
        "vsaa", "VSAA", VsaaClient, _vsaa, "status", payment_rows, VsaaPaymentSchema,
        payment_facts, ("PAYMENT",), monthly=True,
    ),
    "vid": RegistrySync(
        "vid", "VID", VidClient, _vid, "status", vid_rows, VidRowSchema, vid_facts,
        ("INCOME", "EMPLOYMENT"), monthly=True, natural_key=_vid_key,
    ),
    "nva": RegistrySync(
        "nva", "NVA", NvaClient, _nva, "status", registration_rows, NvaRegistrationSchema,
        registration_facts, ("REGISTRATION",),
    ),
}  # fmt: skip
