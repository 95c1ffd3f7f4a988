"""Scale-out through Prefect's own machinery (operations.md §6): a Prefect server on loopback,
the store on PostgreSQL, a process work pool and two workers; the fanned-out nightly
(``flows/fanout.py``) runs for four municipalities, one child flow run per chunk of persons.

Checked: every chunk has exactly one ledger row and exactly one completed child run, on the
worker the server says took it; both workers ran chunks; the chunks partition each
municipality's subjects; the mock gateway saw each municipality's subjects requested exactly
as many times as there are subjects, per service (a chunk done twice would show); every
subject's facts are stored; cursors and complete-through marks were committed.

The mocks run in this process's thread (``running_mocks`` in subprocess mode cannot be given
the two extra OAuth clients); the workers and their flow runs are processes of their own.
"""

from __future__ import annotations

import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import func, select

from tilts.flows.runtime import open_store
from tilts.mocks.config import DEFAULT_CLIENTS, MUNICIPALITY_SCOPES, ClientSpec
from tilts.mocks.harness import MockHandle, running_mocks
from tilts.shell.demo import seed_caseload
from tilts.store.models import AuditLog, FlowRunLog, Municipality, RegistryFact, SyncCursor
from tilts.store.models_chunks import SyncChunk
from tilts.store.persons import iter_open_case_subjects, open_case_subjects

from .conftest import stop
from .test_deployments import PREFECT, ROOT, _run

CLIENTS = (
    *DEFAULT_CLIENTS,
    ClientSpec("demo-riga", "demo-riga-secret", MUNICIPALITY_SCOPES, "90000000010", "0010000",
               "Rīga"),
    ClientSpec("demo-jelgava", "demo-jelgava-secret", MUNICIPALITY_SCOPES, "90000000030",
               "0030000", "Jelgavas novads"),
)  # fmt: skip
MUNICIPALITIES: dict[str, ClientSpec] = {c.atvk: c for c in CLIENTS if c.atvk is not None}
SECRETS = {f"TILTS_SECRET_{c.client_id.upper().replace('-', '_')}": c.secret for c in CLIENTS}
PERSONS_PER_MUNICIPALITY = 12
CHUNK_SIZE = 6  # two chunks per municipality, eight child runs (each a process: ~5 s of CPU)
WORKERS = ("w1", "w2")


def _write_config(path: Path, base_url: str, store_url: str) -> None:
    lines = ["[store]", f'url = "{store_url}"', "", "[gateway]", f'base_url = "{base_url}"',
             'user_id = "LVsvc-scaleout"', ""]  # fmt: skip
    for atvk, c in MUNICIPALITIES.items():
        lines += [f"[municipalities.m{atvk}]", f'atvk = "{atvk}"', f'name = "{c.name}"',
                  f'member_code = "{c.member_code}"', f'client_id = "{c.client_id}"', ""]  # fmt: skip
    path.write_text("\n".join(lines), encoding="utf-8")


def _child_runs(api: str) -> list[dict[str, Any]]:
    body = {"deployments": {"name": {"any_": ["nightly-part"]}}, "limit": 200}
    runs: list[dict[str, Any]] = requests.post(
        f"{api}/flow_runs/filter", json=body, timeout=30
    ).json()
    return runs


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.parametrize("store_url", ["postgres"], indirect=True)
def test_nightly_fans_out_over_two_workers(
    prefect_server: dict[str, str], store_url: str, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    with running_mocks(persons=1500, seed=5, clients=CLIENTS) as mock:
        config = tmp_path / "tilts.toml"
        _write_config(config, mock.base_url, store_url)
        samples = {a: mock.sample(a, PERSONS_PER_MUNICIPALITY) for a in MUNICIPALITIES}
        seed_caseload(config, samples, households=PERSONS_PER_MUNICIPALITY)
        env = {**prefect_server, **SECRETS, "TILTS_CONFIG": str(config),
               "PREFECT_WORKER_QUERY_SECONDS": "1"}  # fmt: skip
        _deploy_and_run(env, tmp_path)
        _check(env["PREFECT_API_URL"], store_url, mock)


def _deploy_and_run(env: dict[str, str], tmp_path: Path) -> None:
    _run([PREFECT, "work-pool", "create", "tilts", "--type", "process"], env)
    _run([PREFECT, "--no-prompt", "deploy", "--name", "nightly-sync-fanout",
          "--name", "nightly-part"], env)  # fmt: skip
    logs = [(tmp_path / f"{w}.log").open("wb") for w in WORKERS]
    workers = [
        subprocess.Popen(
            [PREFECT, "worker", "start", "--pool", "tilts", "--name", w, "--limit", "2"],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        for w, log in zip(WORKERS, logs, strict=True)
    ]
    try:
        out = _run(
            [PREFECT, "deployment", "run", "nightly_fanout/nightly-sync-fanout",
             "--param", f"chunk_size={CHUNK_SIZE}", "--param", "poll_s=1",
             "--watch", "--watch-timeout", "300"],  # eight child processes on a loaded two-core box
            env,
        )  # fmt: skip
        tails = "".join((tmp_path / f"{w}.log").read_text()[-2000:] for w in WORKERS)
        assert "Completed" in out, out[-2000:] + tails
    finally:
        for worker, log in zip(workers, logs, strict=True):
            stop(worker)
            log.close()


def _check(api: str, store_url: str, mock: MockHandle) -> None:
    _, factory = open_store(store_url)
    with factory() as s:
        mids = dict(s.execute(select(Municipality.atvk, Municipality.id)).tuples().all())
        subjects = {
            a: {p for page in iter_open_case_subjects(s, mids[a]) for p in page}
            for a in MUNICIPALITIES
        }
        chunks = {a: -(-len(ids) // CHUNK_SIZE) for a, ids in subjects.items()}
        assert min(chunks.values()) >= 2, chunks  # several chunks per municipality
        rows = s.scalars(select(SyncChunk)).all()
        assert len({r.run_id for r in rows}) == 1  # one parent run
        # every chunk of every municipality: one ledger row (the unique key), completed once
        expected = {(mids[a], i) for a, n in chunks.items() for i in range(n)}
        assert {(r.municipality_id, r.chunk) for r in rows} == expected
        assert len(rows) == len(expected)
        assert {r.status for r in rows} == {"COMPLETED"}, [r.error for r in rows]

        runs = _child_runs(api)
        assert len(runs) == len(expected)
        assert {r["state"]["type"] for r in runs} == {"COMPLETED"}
        by_run = {r["id"]: r for r in runs}
        # the ledger names the child run that did each chunk and the worker the server says
        # launched it; both workers did work
        assert sorted(str(r.flow_run_id) for r in rows) == sorted(by_run)
        for r in rows:
            assert r.worker == by_run[str(r.flow_run_id)]["labels"]["prefect.worker.name"]
        assert set(Counter(r.worker for r in rows)) == set(WORKERS), Counter(r.worker for r in rows)

        for atvk, c in MUNICIPALITIES.items():
            mid, mine = mids[atvk], subjects[atvk]
            # the chunks partition the subjects (no person in two chunks, none left out)
            spans = [(r["parameters"]["after"], r["parameters"]["upto"]) for r in runs
                     if r["parameters"]["atvk"] == atvk]  # fmt: skip
            given = [p for after, upto in spans
                     for p in open_case_subjects(s, mid, after, None, upto)]  # fmt: skip
            assert sorted(given) == sorted(mine)
            # each service asked for each subject once: as many codes requested as subjects
            for service, operation in (("pmlp", "getPersons"), ("vdeavk", None), ("vsaa", None),
                                       ("vid", None), ("nva", None), ("vzd", None)):  # fmt: skip
                calls = [e for e in mock.journal(service=service, client=c.client_id)
                         if e["status"] == 200 and operation in (None, e["operation"])]  # fmt: skip
                assert sum(e["batchSize"] for e in calls) == len(mine), (atvk, service)
            # facts of every subject are stored
            with_pmlp = set(
                s.scalars(
                    select(RegistryFact.person_id)
                    .where(RegistryFact.person_id.in_(mine), RegistryFact.source == "PMLP")
                    .distinct()
                )
            )
            assert with_pmlp == mine
            cursors = set(
                s.scalars(select(SyncCursor.service).where(SyncCursor.municipality_id == mid))
            )
            assert {"pmlp.changes", "vsaa.complete_through", "vid.complete_through"} <= cursors
        sources = set(s.scalars(select(RegistryFact.source).distinct()))
        assert {"PMLP", "VDEAVK", "VSAA", "VID", "NVA", "VZD"} <= sources
        # the parent's summary counts the night: its own calls and every part's (one audit
        # row per call, whoever made it)
        [parent] = s.scalars(select(FlowRunLog).where(FlowRunLog.flow == "nightly_fanout")).all()
        assert (parent.outcome, parent.figures["failures"]) == ("COMPLETED", [])
        audit = s.scalar(select(func.count()).select_from(AuditLog)) or 0
        assert parent.figures["registry_calls"] == audit > 0
