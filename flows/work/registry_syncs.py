"""The table of per-person registries, one shape for all: ``SYNCS``, derived from the registry
descriptors (``registries/``; every one with ``per_person``).

Each entry says how to ask the registry for a batch of codes, how its answer becomes frame
rows, which pandera model checks them, and how valid rows become facts — each the code its
descriptor names, resolved here; ``Window`` is what one run asks for. The generic chunk worker
is :func:`flows.work.registries.fetch_and_store`.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandera.pandas as pa

from tilts.connectors.base import RegistryClient
from tilts.connectors.batch import Batch, BatchFetch, Query, batch_fetch, client_class
from tilts.registries import DEFAULT_LOOKBACK_MONTHS, REGISTRIES, Registry
from tilts.registries.loading import resolve
from tilts.schemas.facts import FactsOf, NaturalKey
from tilts.store.facts import Fact

Row = dict[str, Any]


@dataclass(frozen=True)
class Window:
    """What a run asks for: the as-of date, for monthly sources the months, and whom
    (everyone when ``full``; else the persons due by ``store/fetches.py``, ``changed`` always).

    ``budget``: the night budget's cutoff (``store/budget.py``; ``None``: no limit tonight) —
    only the due persons ranked up to it are asked; ``deferred`` how many due persons it leaves
    for the next nights (the run summary's figure).
    """

    as_of: str
    months: tuple[str, ...] = ()
    full: bool = True
    refresh_days: int = 1
    changed: tuple[int, ...] = ()
    budget: tuple[str, int] | None = None
    deferred: int = 0

    def to_param(self) -> dict[str, Any]:
        """A plain dict for a Prefect task parameter."""
        return {
            "as_of": self.as_of,
            "months": list(self.months),
            "full": self.full,
            "refresh_days": self.refresh_days,
            "changed": list(self.changed),
            "budget": None if self.budget is None else list(self.budget),
            "deferred": self.deferred,
        }

    @classmethod
    def from_param(cls, raw: dict[str, Any]) -> Window:
        """Inverse of :meth:`to_param`."""
        budget = raw.get("budget")
        return cls(
            raw["as_of"],
            tuple(raw["months"]),
            raw.get("full", True),
            raw.get("refresh_days", 1),
            tuple(raw.get("changed", ())),
            None if budget is None else (str(budget[0]), int(budget[1])),
            int(raw.get("deferred", 0)),
        )


Fetch = Callable[[Any, list[str], Window], Batch]


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
    lookback_months: int = DEFAULT_LOOKBACK_MONTHS  # full months before the as-of month asked
    # the row's natural key within one answer (None: no key; only exact duplicates are folded)
    natural_key: Callable[[Row], tuple[Any, ...] | None] | None = None
    # the quarantine reason of a conflicting duplicate: names the key's fields, never a value
    duplicate_reason: str = "record: stated twice with different values"
    # one person per call (UR): ``fetch`` takes the whole chunk and runs the calls itself
    one_per_call: bool = False


# --- duplicates within one answer (issue 18) ----------------------------------------------------
# The rule, the same for every source: a row stated twice with every field equal is one row
# (kept once: an exact duplicate VSAA payment is one payment, stored and counted once). Two rows
# with the same natural key but different fields contradict each other: every row of that key is
# quarantined with the reason, and the person keeps what was stored before. Each registry's
# natural key (and the reason naming it) is its descriptor's ``natural_key``/``duplicate_reason``.


# a row's identity: json.dumps(row, sort_keys=True, default=str), one encoder for every row
_IDENTITY = json.JSONEncoder(sort_keys=True, default=str)


def split_duplicates(
    sync: RegistrySync, rows: list[Row]
) -> tuple[list[Row], list[tuple[Row, str]], int]:
    """``rows`` without exact duplicates, the rows quarantined for a conflicting duplicate
    (with the reason, naming the key's fields, never a value), and how many exact duplicates
    were folded."""
    seen: set[str] = set()
    unique: list[Row] = []
    for row in rows:
        ident = _IDENTITY.encode(row)
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
    reason = sync.duplicate_reason
    return kept, [(r, reason) for r in unique if id(r) in conflicting], folded


def _fetch_of(fetch: BatchFetch) -> Fetch:
    def ask(client: Any, codes: list[str], w: Window) -> Batch:
        return fetch(client, codes, Query(w.as_of, w.months))

    return ask


def _schema(ref: str) -> type[pa.DataFrameModel]:
    model = resolve(ref, "tilts.schemas.")
    if not (isinstance(model, type) and issubclass(model, pa.DataFrameModel)):
        raise TypeError(f"{ref}: not a pandera DataFrameModel")
    return model


def _callable(ref: str | None) -> Any:
    if ref is None:
        raise TypeError("a per-person registry names its rows, schema and facts")
    code = resolve(ref, "tilts.schemas.")
    if not callable(code):
        raise TypeError(f"{ref}: not callable")
    return code


def sync_of(registry: Registry) -> RegistrySync:
    """The sync of one per-person registry, its descriptor's references resolved."""
    facts: FactsOf = _callable(registry.facts)
    key: NaturalKey | None = _callable(registry.natural_key) if registry.natural_key else None
    return RegistrySync(
        registry.service, registry.source, client_class(registry),
        _fetch_of(batch_fetch(registry)), registry.status_key, _callable(registry.rows),
        _schema(registry.schema or ""), facts, registry.kinds, monthly=registry.monthly,
        lookback_months=registry.lookback_months, natural_key=key,
        duplicate_reason=registry.duplicate_reason, one_per_call=registry.one_per_call,
    )  # fmt: skip


SYNCS: dict[str, RegistrySync] = {r.service: sync_of(r) for r in REGISTRIES if r.per_person}
