"""Fixtures the registry mock suites share: the mock server reset for each test, and the same
synthetic world built in this process (the server's seed and the module's
``MOCK_SERVER_OPTIONS`` persons) to compare its answers with."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tilts.mocks.harness import MockHandle
from tilts.mocks.world.population import Population

SEED, PERSONS = 42, 2000  # the mock server's defaults (tilts.mocks.pytest_plugin)


@pytest.fixture(scope="module")
def local(request: pytest.FixtureRequest) -> Population:
    options = getattr(request.module, "MOCK_SERVER_OPTIONS", {})
    return Population(options.get("seed", SEED), options.get("persons", PERSONS))


@pytest.fixture
def mocks(mock_server: MockHandle) -> Iterator[MockHandle]:
    mock_server.reset()
    yield mock_server


@pytest.fixture(scope="module")
def everyone(local: Population) -> list[str]:
    """Every person code of the world."""
    return [local.base_code(s) for s in range(local.size)]
