"""The one settlement of a night (flows/work/settle.py): a lane's cursor moves only when every
chunk of that lane committed, whichever executor handed the outcomes in; failures are masked
lines and "will be retried" lines; a backfill never moves the change feed's cursor."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any, cast

import pytest

from tilts.connectors.xroad import Purpose
from tilts.flows.context import NightContext
from tilts.flows.runtime import Runtime
from tilts.flows.work import population, registries
from tilts.flows.work.plan import NightPlan
from tilts.flows.work.registry_syncs import Window
from tilts.flows.work.settle import Settlement
from tilts.kernel.errors import UnreachableError
from tilts.kernel.figures import RunFigures

NIGHT = NightContext("run", "0040000", 7, date(2026, 12, 7), Purpose("u", "i"))
ASKS = {"pmlp": Window("2026-12-07", (), False), "vsaa": Window("2026-12-07", ("2026-11",), False)}


class _Rt:
    def __init__(self) -> None:
        self.figures = RunFigures(flow="nightly_sync")


@pytest.fixture
def moved(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    calls: list[tuple[Any, ...]] = []
    monkeypatch.setattr(population, "commit_cursor", lambda rt, n, c: calls.append(("pmlp", c)))
    monkeypatch.setattr(
        registries, "commit_complete_through",
        lambda rt, n, s, month, everyone: calls.append((s, month, everyone)),
    )  # fmt: skip
    return calls


def _settlement(night: NightContext = NIGHT) -> tuple[Settlement, RunFigures]:
    rt = _Rt()
    return Settlement(cast(Runtime, rt), NightPlan(night, ASKS, "c9")), rt.figures


def test_every_chunk_committed_moves_every_cursor(moved: list[tuple[Any, ...]]) -> None:
    settle, fig = _settlement()
    settle.done("pmlp", 5, {"persons": 3, "changed": 1})
    settle.done("vsaa", 5, {"persons": 5, "complete_through": "2026-10"})
    settle.done("vsaa", 2, {"persons": 2, "complete_through": "2026-11"})
    settle.finish()
    assert moved == [("pmlp", "c9"), ("vsaa", "2026-10", False)]
    assert fig.persons_considered == 3 and fig.records_changed == 1 and not fig.will_retry


def test_a_failed_chunk_keeps_its_lane_cursor_and_says_so(moved: list[tuple[Any, ...]]) -> None:
    settle, fig = _settlement()
    settle.done("pmlp", 5, {"persons": 5})
    settle.done("vsaa", 5, UnreachableError("down for 010101-10000"))
    settle.part_ended(["vsaa"], {})  # a fan-out part that failed vsaa too
    settle.finish()
    assert moved == [("pmlp", "c9")]
    assert fig.will_retry == ["0040000 vsaa: 2 chunk(s) in the next run"]
    [line] = fig.failures
    assert line.startswith("0040000 vsaa chunk of 5: UnreachableError: ") and "10000" not in line
    assert fig.parts["0040000 vsaa"]["failed_chunks"] == 1


def test_a_backfill_keeps_the_change_feed_cursor(moved: list[tuple[Any, ...]]) -> None:
    settle, _fig = _settlement(replace(NIGHT, backfill="2026-01-01"))
    settle.done("pmlp", 5, {"persons": 5})
    settle.finish()
    assert ("pmlp", "c9") not in moved and ("vsaa", None, False) in moved
