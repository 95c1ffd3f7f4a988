"""Flow fixtures: a mock server, a configured store, and Prefect under its test harness."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tilts.mocks.harness import MockHandle, running_mocks
from tilts.shell.demo import DEMO_SECRETS, seed_caseload, write_config


@pytest.fixture(scope="package")
def flow_mock() -> Iterator[MockHandle]:
    with running_mocks(persons=3000, seed=11) as handle:
        yield handle


@pytest.fixture
def config(
    flow_mock: MockHandle,
    store_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    prefect_harness: None,
) -> Path:
    """A configuration pointing at the mock and the test store, with a small caseload seeded."""
    flow_mock.reset()
    for key, value in DEMO_SECRETS.items():
        monkeypatch.setenv(key, value)
    path = tmp_path / "tilts.toml"
    write_config(path, flow_mock.base_url, store_url)
    sample = {atvk: flow_mock.sample(atvk, 400) for atvk in ("0040000", "0051000")}
    seed_caseload(path, sample, households=60)
    return path
