"""The crash-convergence machinery (the suites: ``test_crash_convergence*.py``): the flows as
processes, their worlds, the uninterrupted reference run of each flow and the check of one
(flow, crash point) case."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.reliability_crash import worlds
from tests.reliability_crash.conftest import TILTS, Store, clone, python_flow, run_flow_process
from tilts.flows.nightly import nightly_sync
from tilts.flows.notify import deliver_notifications
from tilts.flows.reassess import reassess
from tilts.flows.spolis import spolis_daily
from tilts.flows.sync_population import sync_population
from tilts.flows.sync_registries import (
    sync_disability,
    sync_employment,
    sync_income,
    sync_property,
)
from tilts.mocks.harness import MockHandle
from tilts.registries import by_service, per_person

CHUNK = 5  # persons per chunk task: three chunks in Ogre, two in Tukums
NOTIFY_LEASE_S = 1
PROPERTY = per_person("sync_property")  # VZD, CSDD, VTUA, UR


@dataclass(frozen=True)
class Flow:
    """A flow as a process (``command``) and in this process (``rerun``), on a world."""

    world: str
    command: Callable[[Path], list[str]]
    rerun: Callable[[Path], dict[str, Any]]
    after_crash: Callable[[Store], None] = lambda store: None
    env: Mapping[str, str] = field(default_factory=dict)  # for the crashed run and the re-run
    holds: tuple[str, ...] = ()  # the sources whose facts the uninterrupted run stores


def _sync(service: str) -> Callable[[Path], list[str]]:
    return lambda cfg: [TILTS, "sync", service, "--chunk-size", str(CHUNK), "--config", str(cfg)]


def _property(service: str | None = None) -> Flow:
    """``tilts sync property``; with ``service`` the other property registries switched off
    (``gateway.services.<name>.enabled = false``), so the crash points are that lane's."""
    lanes = PROPERTY if service is None else (service,)
    off = {f"TILTS_GATEWAY__SERVICES__{s.upper()}__ENABLED": "false"
           for s in PROPERTY if s not in lanes}  # fmt: skip
    return Flow("sync", _sync("property"),
                lambda c: sync_property(chunk_size=CHUNK, config_path=str(c)),
                env=off, holds=tuple(by_service(s).source for s in lanes))  # fmt: skip


def _after_notify_crash(store: Store) -> None:
    time.sleep(NOTIFY_LEASE_S + 0.2)  # the dead deliverer's claims run out


FLOWS: dict[str, Flow] = {
    "sync_population": Flow("sync", _sync("population"),
                            lambda c: sync_population(chunk_size=CHUNK, config_path=str(c))),
    "sync_disability": Flow("sync", _sync("disability"),
                            lambda c: sync_disability(chunk_size=CHUNK, config_path=str(c))),
    "sync_income": Flow("sync", _sync("income"),
                        lambda c: sync_income(chunk_size=CHUNK, config_path=str(c))),
    "sync_employment": Flow("sync", _sync("employment"),
                            lambda c: sync_employment(chunk_size=CHUNK, config_path=str(c))),
    "sync_property": _property(),
    **{f"sync_property_{s}": _property(s) for s in PROPERTY},
    "nightly_sync": Flow("sync", _sync("all"),
                         lambda c: nightly_sync(chunk_size=CHUNK, config_path=str(c))),
    "reassess": Flow("reassess", lambda c: python_flow(
        "import sys; from flows.reassess import reassess; "
        "reassess(config_path=sys.argv[1], as_of='2026-11-26', chunk_size=2)") + [str(c)],
        lambda c: reassess(config_path=str(c), as_of="2026-11-26", chunk_size=2)),
    "deliver_notifications": Flow(
        "notify",
        lambda c: [TILTS, "notify", "--lease", str(NOTIFY_LEASE_S), "--chunk-size", "2",
                   "--config", str(c)],
        lambda c: deliver_notifications(config_path=str(c)), _after_notify_crash),
    "spolis_daily": Flow("spolis", lambda c: python_flow(
        "import sys; from flows.spolis import spolis_daily; spolis_daily(config_path=sys.argv[1])"
    ) + [str(c)], lambda c: spolis_daily(config_path=str(c)), worlds.release_leases),
}  # fmt: skip

TEMPLATES: dict[str, tuple[Callable[[Path, MockHandle], None], Callable[[Path, str, MockHandle], None]]] = {
    "sync": (worlds.sync_template, worlds.sync_config),
    "notify": (worlds.notify_template, worlds.notify_config),
    "spolis": (worlds.spolis_template, worlds.spolis_config),
    "reassess": (worlds.reassess_template, worlds.sync_config),
}  # fmt: skip


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory, rel_mock: MockHandle,
              demo_secrets: None) -> Callable[[str], Path]:  # fmt: skip
    built: dict[str, Path] = {}
    root = tmp_path_factory.mktemp("templates")

    def template(world: str) -> Path:
        if world not in built:
            rel_mock.reset()
            db = root / f"{world}.db"
            TEMPLATES[world][0](db, rel_mock)
            built[world] = db
        return built[world]

    return template


def _fresh(world: str, template: Path, folder: Path, mock: MockHandle) -> tuple[Path, Store]:
    url = clone(template, folder / "store.db")
    config = folder / "tilts.toml"
    TEMPLATES[world][1](config, url, mock)
    return config, Store(url)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory, rel_mock: MockHandle,
              templates: Callable[[str], Path], prefect_harness: None,
              ) -> Callable[[str], dict[str, Any]]:  # fmt: skip
    """The end state of one uninterrupted run of a flow (computed once per flow)."""
    states: dict[str, dict[str, Any]] = {}

    def state(name: str) -> dict[str, Any]:
        if name not in states:
            flow = FLOWS[name]
            rel_mock.reset()
            folder = tmp_path_factory.mktemp(f"reference-{name}")
            config, store = _fresh(flow.world, templates(flow.world), folder, rel_mock)
            with _environment(flow.env):
                figures = flow.rerun(config)
            assert not _failures(figures), figures
            states[name] = worlds.end_state(store, rel_mock)
            if flow.holds:  # its sources' facts (else the case is vacuous) and no other's
                stored = {fact[1] for fact in states[name]["store"]["facts"]}
                assert stored == set(flow.holds), (flow.holds, stored)
            worlds.assert_nothing_twice(store, rel_mock)
            store.close()
        return states[name]

    return state


@contextmanager
def _environment(env: Mapping[str, str]) -> Iterator[None]:
    """``env`` set for this process and the flow processes it starts."""
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        yield


def _failures(figures: dict[str, Any]) -> list[str]:
    if "decisions" in figures:  # spolis_daily: two flows' figures
        return [f for part in figures.values() for f in part["failures"]]
    return list(figures["failures"])


def case(name: str, point: str, *marks: pytest.MarkDecorator) -> Any:
    """(flow, crash point): the n-th time the process passes the named point it dies."""
    return pytest.param(name, point, marks=marks, id=f"{name}@{point}")


def check(
    name: str, point: str, tmp_path: Path, rel_mock: MockHandle,
    templates: Callable[[str], Path], reference: Callable[[str], dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """Kill ``name``'s flow process at ``point``, re-run it, compare with the reference."""
    flow = FLOWS[name]
    for key, value in flow.env.items():  # the crashed process inherits them, the re-run reads them
        monkeypatch.setenv(key, value)
    expected = reference(name)
    rel_mock.reset()
    config, store = _fresh(flow.world, templates(flow.world), tmp_path, rel_mock)
    try:
        code = run_flow_process(flow.command(config), tmp_path / "crashed.log", crash_at=point)
        log = (tmp_path / "crashed.log").read_text(errors="replace")[-3000:]
        assert code == -9, f"the flow was not killed at {point} (exit {code}):\n{log}"
        assert worlds.end_state(store, rel_mock) != expected, "the crash interrupted nothing"
        worlds.assert_committed_answers_audited(store)
        flow.after_crash(store)
        figures = flow.rerun(config)
        assert not _failures(figures), figures
        got = worlds.end_state(store, rel_mock)
        assert got == expected, worlds.differences(got, expected)
        worlds.assert_nothing_twice(store, rel_mock)
    finally:
        store.close()


def converges(cases: list[Any]) -> Callable[..., None]:
    """The suite's test over ``cases``: each (flow, crash point) killed, re-run, compared."""

    @pytest.mark.parametrize(("name", "point"), cases)
    def test(
        name: str, point: str, tmp_path: Path, rel_mock: MockHandle,
        templates: Callable[[str], Path], reference: Callable[[str], dict[str, Any]],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:  # fmt: skip
        check(name, point, tmp_path, rel_mock, templates, reference, monkeypatch)

    return test
