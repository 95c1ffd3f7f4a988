"""Fixtures of the hostile-input tests: a mock with rate limits off and a seeded small store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tilts.mocks.harness import MockHandle, running_mocks
from tilts.shell.demo import DEMO_SECRETS, seed_caseload, write_config


@pytest.fixture(scope="package")
def registry_mock() -> Iterator[MockHandle]:
    with running_mocks(persons=3000, seed=11, rate_limits=False) as handle:
        yield handle


@pytest.fixture
def config(
    registry_mock: MockHandle,
    store_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    prefect_harness: None,
) -> Path:
    """A configuration on the mock and the test store, 25 households per municipality."""
    registry_mock.reset()
    for key, value in DEMO_SECRETS.items():
        monkeypatch.setenv(key, value)
    path = tmp_path / "tilts.toml"
    write_config(path, registry_mock.base_url, store_url)
    sample = {atvk: registry_mock.sample(atvk, 200) for atvk in ("0040000", "0051000")}
    seed_caseload(path, sample, households=25)
    return path
