"""The shape of a fact before storage, and the helpers every answer→facts mapper shares.

A registry's schema module (``schemas/<registry>.py``) says what a valid row is *and* how valid
rows become facts (its descriptor's ``facts`` and ``natural_key``): both are record shapes, so
they sit below the store, which keeps the facts (``store/facts.py``, append-and-supersede).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

Row = dict[str, Any]


@dataclass(frozen=True)
class Fact:
    """One fact as a connector/schema delivers it, before storage."""

    person_id: int
    kind: str
    key: str
    payload: dict[str, Any]
    valid_from: date | None = None
    valid_to: date | None = None
    period: str | None = None


#: valid rows of one person → that person's facts (a descriptor's ``facts``)
FactsOf = Callable[[int, list[Row]], list[Fact]]
#: a row's natural key within one answer, ``None`` for a row without one (``natural_key``)
NaturalKey = Callable[[Row], "tuple[Any, ...] | None"]


def day(row: Row, key: str) -> date | None:
    """The ISO date at ``key`` of a row, ``None`` when absent."""
    value = row.get(key)
    return date.fromisoformat(value) if value else None


def payload(row: Row) -> Row:
    """A row without the request bookkeeping (the code asked, the row's kind)."""
    return {k: v for k, v in row.items() if k not in ("requestedCode", "rowKind")}


def payment_rows(result: dict[str, Any]) -> list[Row]:
    """Frame rows of one person's answer: its ``payments``, each with the code asked
    (VSAA, LAD, UGFA)."""
    return [{"requestedCode": result["personCode"], **p} for p in result.get("payments") or []]


def numbered_facts(
    pid: int,
    rows: list[Row],
    kind: str,
    base: Callable[[Row], str],
    period: Callable[[Row], str],
) -> list[Fact]:
    """One ``kind`` fact per row, keyed ``base(row)`` and a number: the rows of one base are
    counted from 1 in their order (a registry may pay several of a type in a month)."""
    seen: dict[str, int] = defaultdict(int)
    out = []
    for r in rows:
        key = base(r)
        seen[key] += 1
        out.append(Fact(pid, kind, f"{key}:{seen[key]}", payload(r), period=period(r)))
    return out
