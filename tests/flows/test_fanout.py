"""The fanned-out nightly's parts in one process (the multi-worker run is
tests/deploy/test_scaleout.py): planning, a child run per chunk, a chunk claimed twice, a
failed service, and what the parent then commits or leaves for the next night."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from flows.fanout import nightly_part
from flows.runtime import close_runtime, open_runtime
from flows.work import fanout as work
from mocks.harness import MockHandle
from store.chunks import chunks_of
from store.models import SyncCursor
from tilts.demo import DEMO_SECRETS, seed_caseload, write_config

OGRE = "0040000"


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
    seed_caseload(config, {a: flow_mock.sample(a, 10) for a in (OGRE, "0051000")}, households=10)
    rt = open_runtime("nightly_fanout", str(config))
    try:
        mplan = work.plan(
            rt, OGRE, False, 4, date.fromisoformat(flow_mock.admin_get("clock")["today"])
        )
        parts = mplan.parts
        assert len(parts) == 3 and sorted(p for x in parts for p in x.person_ids) == sorted(
            p for x in parts for p in x.population_ids
        )  # a first night: every subject's population record is fetched, in its own chunk
        flow_mock.add_fault(service="vsaa", kind="http_status", status=403, count=1)

        def run(part: work.Part) -> dict[str, object]:
            return nightly_part(rt.key, OGRE, part.chunk, part.person_ids, part.population_ids,
                                mplan.windows, str(config))  # fmt: skip

        first = run(parts[0])
        assert first["claimed"] and first["failed"] == ["vsaa"]
        calls = len(flow_mock.journal())
        assert run(parts[0]) == {"claimed": False}  # launched twice: worked once
        assert len(flow_mock.journal()) == calls
        for part in parts[1:]:
            assert run(part)["failed"] == []

        rows = chunks_of(rt.factory, rt.key)
        assert [(r.chunk, r.status, r.worker) for r in rows] == [
            (0, "FAILED", "local"), (1, "COMPLETED", "local"), (2, "COMPLETED", "local"),
        ]  # fmt: skip
        work.settle(rt, mplan, rows)
        fig = rt.figures
        [failure] = fig.failures  # reported by the child, carried into the parent's summary
        assert failure.startswith(f"{OGRE} vsaa chunk of ")
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
