"""The fault matrix (issue 7): for every service and every fault the mocks offer, the flow that
talks to the service runs with the fault injected at a rate; then:

* what the faulted run left: every record as a fault-free run leaves it, or quarantined with its
  reason, or waiting with one (a notification's backoff, a SPOLIS batch to send again);
* the cell's outcome (:func:`tests.reliability.matrix.outcome`) is the one the spec gives that
  fault (:func:`~tests.reliability.matrix.expected`);
* with the fault cleared, the next run (after the operator's quarantine retry) brings the store
  to exactly a fault-free run's end state, with no duplicate row, and no notification or SPOLIS
  record received twice.

The fault-free end state is computed once per service; every cell starts from a copy of the
world's template store with the mock reset to its seeded state. The matrix is printed in the
terminal summary and kept in ``docs/fault-matrix.md``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.reliability import checks
from tests.reliability.matrix import (
    DELAY_S,
    FAULTS,
    ROWS,
    Fault,
    Row,
    Seen,
    applies,
    expected,
    outcome,
    recover,
    rules,
)
from tests.reliability_crash import worlds
from tests.reliability_crash.conftest import Store, clone
from tilts.mocks.harness import MockHandle
from tilts.store.models import PersonCode

CELLS = [(r, f) for r in ROWS for f in FAULTS if applies(r, f)]
IDS = [f"{r.key}-{f.slug}" for r, f in CELLS]
TEMPLATES = {
    "sync": (worlds.sync_template, worlds.sync_config),
    "notify": (worlds.notify_template, worlds.notify_config),
    "spolis": (worlds.spolis_template, worlds.spolis_config),
}


@dataclass(frozen=True)
class Reference:
    """A fault-free run's end state, its persons' records and its open quarantine."""

    state: dict[str, Any]
    persons: dict[int, list[tuple[Any, ...]]]
    quarantine: list[tuple[str, str, str, str]]


def comparable(store: Store, mock: MockHandle) -> dict[str, Any]:
    """The end state without the quarantine's statuses (the operator's retry marks rows) and
    the fact history (a fault changes when, not what, the store learnt)."""
    state = worlds.end_state(store, mock)
    state["store"].pop("quarantine")
    state["store"].pop("fact_versions")
    return state


@pytest.fixture(scope="module")
def fresh(
    tmp_path_factory: pytest.TempPathFactory, fm_mock: MockHandle, fm_env: None
) -> Callable[[str, Path], tuple[Path, Store]]:
    """A copy of the world's template store (built on first use) and its configuration."""
    built: dict[str, Path] = {}
    root = tmp_path_factory.mktemp("templates")

    def make(world: str, folder: Path) -> tuple[Path, Store]:
        if world not in built:
            fm_mock.reset()
            built[world] = root / f"{world}.db"
            TEMPLATES[world][0](built[world], fm_mock)
        fm_mock.reset()
        url = clone(built[world], folder / "store.db")
        config = folder / "tilts.toml"
        TEMPLATES[world][1](config, url, fm_mock)
        return config, Store(url)

    return make


@pytest.fixture(scope="module")
def reference(
    tmp_path_factory: pytest.TempPathFactory,
    fm_mock: MockHandle,
    fresh: Callable[[str, Path], tuple[Path, Store]],
) -> Callable[[Row], Reference]:
    """The fault-free run of a row's flows, then the same recovery step (computed once)."""
    done: dict[str, Reference] = {}

    def get(row: Row) -> Reference:
        if row.flow not in done:
            config, store = fresh(row.world, tmp_path_factory.mktemp(f"reference-{row.flow}"))
            runs = row.runs(fm_mock)
            figures = runs(config)
            # every run of the faulted phase has work to do (else a fault there tests nothing)
            assert all(f["records_changed"] or f["notifications_delivered"] for f in figures), (
                figures
            )
            figures += recover(row, store, runs, config)
            assert not [line for f in figures for line in f["failures"]], figures
            worlds.assert_nothing_twice(store, fm_mock)
            done[row.flow] = Reference(
                comparable(store, fm_mock),
                checks.person_records(store),
                checks.open_quarantine(store),
            )
            store.close()
        return done[row.flow]

    return get


@pytest.fixture
def cell_store() -> Iterator[list[Store]]:
    stores: list[Store] = []
    yield stores
    for store in stores:
        store.close()


def _account(row: Row, store: Store, ref: Reference, seen: Seen) -> None:
    """Every record as the fault-free run left it, quarantined with its reason, or waiting."""
    if row.world == "sync":
        assert row.quarantine_service is not None
        lost = checks.unaccounted_persons(store, ref.persons, row.quarantine_service)
        assert not lost or seen.lines("will_retry"), (
            f"persons neither synced nor quarantined: {lost}"
        )
    elif row.world == "notify":
        assert checks.unaccounted_notifications(store) == []
    else:
        assert checks.unaccounted_submissions(store) == []


def _codes(store: Store) -> list[str]:
    with store.factory() as s:
        return list(s.scalars(select(PersonCode.code)))


@pytest.mark.parametrize(("row", "fault"), CELLS, ids=IDS)
def test_fault_cell(
    row: Row,
    fault: Fault,
    tmp_path: Path,
    fm_mock: MockHandle,
    fresh: Callable[[str, Path], tuple[Path, Store]],
    reference: Callable[[Row], Reference],
    matrix: dict[tuple[str, str], str],
    cell_store: list[Store],
) -> None:
    ref = reference(row)
    config, store = fresh(row.world, tmp_path)
    cell_store.append(store)
    for rule in rules(row, fault):
        fm_mock.add_fault(**rule)
    runs = row.runs(fm_mock)
    figures = runs(config)
    ended = time.monotonic()
    seen = Seen(figures, sum(r["applied"] for r in fm_mock.admin_get("faults")["rules"]))
    seen.unauthorised = sum(1 for e in fm_mock.journal() if e["status"] == 401)
    # quarantined by the fault: still open, or resolved by a later night of the same phase
    # (PMLP's second night fetches the persons cleanly and resolves their rows)
    caused = checks.open_quarantine(store, ("OPEN", "RESOLVED"))
    seen.quarantined = len(set(caused) - set(ref.quarantine))
    seen.converged = comparable(store, fm_mock) == ref.state
    label = outcome(row, fault, seen)
    matrix[(row.name, fault.name)] = label
    try:
        assert seen.applied >= 1, "the fault never hit a call: the cell tested nothing"
        assert label == expected(row, fault), (label, seen.lines("failures"))
        if fault.rule.get("status") == 429:
            assert seen.total("rate_limited_honoured") >= 1
        _account(row, store, ref, seen)
        reasons = [q[3] for q in checks.open_quarantine(store)] + seen.lines("failures")
        assert not [c for c in _codes(store) if any(c in text for text in reasons)]

        fm_mock.clear_faults()
        if fault.rule["kind"] == "delay":  # the delayed requests reach the mock (and are seen)
            time.sleep(max(0.0, DELAY_S - (time.monotonic() - ended)))
        if not label.endswith(f"→ {row.done}"):  # the faulted run left work for the next one
            again = recover(row, store, runs, config)
            assert [line for f in again for line in f["failures"]] == []
        assert comparable(store, fm_mock) == ref.state
        assert set(checks.open_quarantine(store)) == set(ref.quarantine)
        assert checks.duplicate_rows(store) == {}
        worlds.assert_nothing_twice(store, fm_mock)
    except AssertionError:
        matrix[(row.name, fault.name)] = f"✗ {label}"
        raise
