"""Run states, names and summaries as Prefect shows them (operations.md §7): real mocks, a real
store, real Prefect runs, everything read back from Prefect's API."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any
from uuid import UUID

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    FlowRunFilter,
    FlowRunFilterId,
)
from prefect.client.schemas.objects import FlowRun, TaskRun
from sqlalchemy import func, select

from tilts.flows.nightly import nightly_sync
from tilts.flows.sync_population import sync_population
from tilts.kernel.errors import RunFailed
from tilts.mocks.harness import MockHandle
from tilts.store.models import RegistryFact

from .test_sync_population import _factory

ATVKS = "0040000+0051000"  # the two municipalities of the test configuration


def _read(run_id: UUID) -> tuple[FlowRun, list[TaskRun], list[Any]]:
    async def go() -> tuple[FlowRun, list[TaskRun], list[Any]]:
        async with get_client() as client:
            run = await client.read_flow_run(run_id)
            tasks = await client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id])), limit=200
            )
            arts = await client.read_artifacts(
                artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run_id])),
                limit=200,
            )
            return run, tasks, arts

    return asyncio.run(go())


def _sources(config: Path) -> set[str]:
    with _factory(config)() as s:
        return set(s.scalars(select(RegistryFact.source).group_by(RegistryFact.source)))


def test_a_night_with_vsaa_down_ends_failed_and_keeps_the_rest(
    config: Path, flow_mock: MockHandle
) -> None:
    today = flow_mock.admin_get("clock")["today"]
    flow_mock.add_fault(service="vsaa", kind="http_status", status=503, rate=1.0)
    state = nightly_sync(config_path=str(config), as_of=today, chunk_size=100, return_state=True)
    assert state.is_failed(), state
    assert "FAILED" in (state.message or "") and "retried by the next run" in (state.message or "")
    failed = state.result(raise_on_failure=False)
    assert isinstance(failed, RunFailed) and failed.exit_code == 3  # only VSAA, unreachable
    figures = failed.figures
    assert figures["failures"] and all(" vsaa " in f for f in figures["failures"])
    # the other services' facts are committed; VSAA's are not
    sources = _sources(config)
    assert {"PMLP", "VDEAVK", "VID", "NVA"} <= sources and "VSAA" not in sources, sources
    run, tasks, artifacts = _read(state.state_details.flow_run_id)  # type: ignore[arg-type]
    assert run.name == f"nightly {ATVKS} {today}"
    names = {t.name for t in tasks}
    assert any(n.startswith("vsaa 0040000 ids 1-") for n in names), sorted(names)[:20]
    assert any(n.startswith("pmlp 0051000 ") for n in names), sorted(names)[:20]
    assert "pmlp monitoring 0040000" in names, sorted(names)
    [summary] = [a for a in artifacts if a.key == "nightly-sync-summary"]
    text = str(summary.data)
    lines = text.splitlines()
    assert lines[0].startswith("# nightly_sync: FAILED")
    assert lines[2] == "## Needs attention" and "**Failed:**" in lines[4] and " vsaa " in lines[4]
    attention = text.index("## Needs attention")
    assert attention < text.index("## By municipality and service") < text.index("## Totals")
    assert "| 0040000 | vsaa |" in text and "| 0051000 | nva |" in text
    table = text[text.index("## Totals") :]
    assert "| registry_calls |" in table and "| deaths | 0 |" not in table  # zeros on one line
    progress = [a.data for a in artifacts if a.type == "progress"]
    assert len(progress) >= 3 and set(progress) == {100.0}, progress  # run, municipalities…


def test_quarantined_records_alone_end_completed_with_the_count(
    config: Path, flow_mock: MockHandle
) -> None:
    flow_mock.add_fault(service="pmlp", operation="getPersons", kind="malformed", count=2)
    today = flow_mock.admin_get("clock")["today"]
    state = nightly_sync(config_path=str(config), as_of=today, return_state=True)
    assert state.is_completed(), state
    figures = state.result()
    assert isinstance(figures, dict) and figures["quarantined"] >= 2 and not figures["failures"]
    assert (
        state.message == f"nightly_sync: completed, {figures['quarantined']} record(s) quarantined"
    )
    _run, _tasks, artifacts = _read(state.state_details.flow_run_id)  # type: ignore[arg-type]
    [summary] = [a for a in artifacts if a.key == "nightly-sync-summary"]
    assert f"**Quarantined:** {figures['quarantined']} record(s)" in str(summary.data)
    with _factory(config)() as s:
        assert s.scalar(select(func.count()).select_from(RegistryFact)) > 0


def test_progress_reaches_100_when_there_is_nothing_to_do(config: Path) -> None:
    sync_population(config_path=str(config))
    state = sync_population(config_path=str(config), return_state=True)  # nothing changed
    assert state.is_completed()
    assert state.result()["persons_considered"] == 0  # type: ignore[index]
    run, _tasks, artifacts = _read(state.state_details.flow_run_id)  # type: ignore[arg-type]
    progress = [a for a in artifacts if a.type == "progress"]
    assert len(progress) >= 2 and all(a.data == 100.0 for a in progress), progress
    [summary] = [a for a in artifacts if a.key == "sync-population-summary"]
    assert "Nothing needs attention." in str(summary.data)
    assert run.name.startswith(f"population {ATVKS} ")
