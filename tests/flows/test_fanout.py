"""The fanned-out nightly's parts in one process (the multi-worker run is
tests/deploy/test_scaleout.py): planning spans of subjects, a child run per chunk, a chunk
claimed twice, a failed service, what the parent then commits or leaves for the next night,
and a second night whose parts fetch only the persons the feed named or that are due."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from tilts.connectors.xroad import Purpose
from tilts.flows.context import NightContext
from tilts.flows.fanout import nightly_part
from tilts.flows.runtime import Runtime, close_runtime, open_runtime
from tilts.flows.work import fanout as work
from tilts.flows.work.chunks import Chunk
from tilts.flows.work.plan import NightPlan
from tilts.flows.work.registry_syncs import Window
from tilts.mocks.harness import MockHandle
from tilts.shell.demo import DEMO_SECRETS, seed_caseload, write_config
from tilts.store.chunks import chunks_of
from tilts.store.models import Person, RegistryFetch, SyncCursor
from tilts.store.persons import open_case_subjects

OGRE = "0040000"
PERSONS = 40
CHUNK_SIZE = 16  # three chunks


def _run(rt: Runtime, mplan: work.FanoutNight, i: int, config: Path) -> dict[str, object]:
    """Chunk ``i`` as the parent launches it: its span, the feed's persons in it, the windows."""
    return nightly_part(run_id=rt.key, **mplan.part_parameters(i), config_path=str(config))


def _persons_fetched(mock: MockHandle, since: int, op: str = "getPersons") -> int:
    """Codes PMLP was asked for in full (answered 200) in journal entries ``since`` on."""
    entries = mock.journal(service="pmlp", client="demo-ogre")[since:]
    return sum(e["batchSize"] for e in entries if e["status"] == 200 and e["operation"] == op)


def test_a_part_gets_the_feed_persons_of_its_span_only() -> None:
    chunks = [Chunk(3, after=0, upto=5), Chunk(3, after=5, upto=12), Chunk(1, after=12, upto=20)]
    night = NightContext("k", OGRE, 1, date(2026, 12, 7), Purpose("u", "i"))
    named = Window(night.as_of, (), False, 1, (3, 5, 6, 12, 13))
    mplan = NightPlan(night, {"pmlp": named}, "c")
    assert [mplan.changed_in(c) for c in chunks] == [[3, 5], [6, 12], [13]]
    full = NightPlan(replace(night, full=True), {"pmlp": Window(night.as_of)}, "c")
    assert [full.changed_in(c) for c in chunks] == [None, None, None]


@pytest.mark.postgres
def test_parts_claim_once_and_a_failed_service_keeps_its_mark(
    flow_mock: MockHandle, store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    prefect_harness: None,
) -> None:  # fmt: skip
    flow_mock.reset()
    for key, value in DEMO_SECRETS.items():
        monkeypatch.setenv(key, value)
    config = tmp_path / "tilts.toml"
    write_config(config, flow_mock.base_url, store_url)
    sample = {a: flow_mock.sample(a, PERSONS) for a in (OGRE, "0051000")}
    seed_caseload(config, sample, households=PERSONS)
    today = date.fromisoformat(flow_mock.admin_get("clock")["today"])
    rt = open_runtime("nightly_fanout", str(config))
    try:
        mplan = work.plan(rt, OGRE, False, CHUNK_SIZE, today)
        with rt.factory() as s:
            subjects = open_case_subjects(s, mplan.night.municipality_id, limit=None)
        chunks = mplan.spans
        # spans of the subjects: a few numbers per chunk, one after the other, covering all
        assert len(chunks) == 3 and [c.size for c in chunks] == [16, 16, len(subjects) - 32]
        assert all(not c.ids for c in chunks) and chunks[0].after == 0
        assert [c.after for c in chunks[1:]] == [c.upto for c in chunks[:-1]]
        assert chunks[-1].upto == subjects[-1]
        assert rt.figures.persons_considered == len(subjects)
        assert [r.persons for r in chunks_of(rt.factory, rt.key)] == [c.size for c in chunks]
        flow_mock.add_fault(service="vsaa", kind="http_status", status=403, count=1)
        pmlp = len(flow_mock.journal(service="pmlp", client="demo-ogre"))

        first = _run(rt, mplan, 0, config)
        assert first["claimed"] and first["failed"] == ["vsaa"]
        assert first["persons_considered"] == chunks[0].size
        calls = len(flow_mock.journal())
        assert _run(rt, mplan, 0, config) == {"claimed": False}  # launched twice: worked once
        assert len(flow_mock.journal()) == calls
        for i in (1, 2):
            assert _run(rt, mplan, i, config)["failed"] == []
        # a first night: every subject's population record is fetched, once
        assert _persons_fetched(flow_mock, pmlp) == len(subjects)

        rows = chunks_of(rt.factory, rt.key)
        assert [(r.chunk, r.status, r.worker) for r in rows] == [
            (0, "FAILED", "local"), (1, "COMPLETED", "local"), (2, "COMPLETED", "local"),
        ]  # fmt: skip
        work.settle(rt, mplan, rows)
        fig = rt.figures
        [failure] = fig.failures  # reported by the child, carried into the parent's summary
        assert failure.startswith(f"{OGRE} vsaa chunk of 16: ")
        assert fig.will_retry == [f"{OGRE} vsaa: 1 chunk(s) in the next run"]
        assert not any(re.search(r"\d{6}-?\d{5}", f) for f in fig.failures + fig.will_retry)
        assert rt.child_calls["registry_calls"] > 0
        with rt.factory() as s:
            cursors = set(s.scalars(select(SyncCursor.service)))
        # the change feed and VID move on; VSAA's month is asked again next night
        assert {"pmlp.changes", "vid.complete_through"} <= cursors
        assert "vsaa.complete_through" not in cursors
    finally:
        close_runtime(rt)
        flow_mock.clear_faults()
    _second_night(flow_mock, config, subjects)


def _second_night(flow_mock: MockHandle, config: Path, subjects: list[int]) -> None:
    """The next night's parts fetch from PMLP only the persons the feed named in their span,
    and ask VDEĀVK (28 days) and NVA (7) about the named and those whose turn it is."""
    between = datetime.now(UTC)
    flow_mock.advance(1, change_rate=0.2)
    tomorrow = date.fromisoformat(flow_mock.admin_get("clock")["today"])
    pmlp = len(flow_mock.journal(service="pmlp", client="demo-ogre"))
    rt = open_runtime("nightly_fanout", str(config))
    try:
        mplan = work.plan(rt, OGRE, False, CHUNK_SIZE, tomorrow)
        given = [mplan.plan.changed_in(c) or [] for c in mplan.spans]
        for c, named_in in zip(mplan.spans, given, strict=True):
            assert all(c.after < p <= c.upto for p in named_in)
        for i in range(len(mplan.spans)):
            assert _run(rt, mplan, i, config)["failed"] == []
        with rt.factory() as s:
            named = set(
                s.scalars(
                    select(Person.id).where(
                        Person.id.in_(subjects), Person.population_fetched_at > between
                    )
                )
            )
            assert 0 < len(named) < len(subjects) / 2
            assert named == {p for named_in in given for p in named_in}
            assert _persons_fetched(flow_mock, pmlp) == len(named)
            answerable = set(
                s.scalars(
                    select(Person.id).where(
                        Person.id.in_(subjects),
                        Person.lookup_result.not_in(["INVALID_CODE", "NOT_FOUND"]),
                    )
                )
            )
            for source, days in (("VDEAVK", 28), ("NVA", 7)):
                asked = set(
                    s.scalars(
                        select(RegistryFetch.person_id).where(
                            RegistryFetch.source == source,
                            RegistryFetch.fetched_on == tomorrow,
                            RegistryFetch.person_id.in_(subjects),
                        )
                    )
                )
                turn = {p for p in subjects if p % days == tomorrow.toordinal() % days}
                expected = (named | turn) & answerable
                assert 0 < len(expected) < len(subjects), (source, len(expected))
                assert asked == expected, (source, len(asked ^ expected))
    finally:
        close_runtime(rt)
