"""Connector fixtures: a real mock server on loopback and a gateway pointed at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tilts.connectors.base import Gateway
from tilts.kernel.audit import MemoryAuditSink
from tilts.kernel.config import GatewaySettings, demo_municipalities
from tilts.mocks.harness import MockHandle, running_mocks
from tilts.registries import scopes

ALL_SCOPES = list(scopes())  # every registry's scope, as the runtime asks with all enabled

OGRE = demo_municipalities()["ogre"]


@pytest.fixture(scope="package")
def mock() -> Iterator[MockHandle]:
    with running_mocks(persons=2000, seed=7) as handle:
        yield handle


@pytest.fixture
def clean_mock(mock: MockHandle) -> MockHandle:
    mock.reset()
    return mock


def make_gateway(
    base_url: str, audit: MemoryAuditSink | None = None, **overrides: object
) -> Gateway:
    settings = GatewaySettings(
        base_url=base_url,
        read_timeout_s=1.5,
        connect_timeout_s=1.0,
        backoff_base_s=0.01,
        backoff_max_s=0.05,
        max_attempts=3,
        **overrides,  # type: ignore[arg-type]
    )
    return Gateway(
        settings,
        OGRE,
        "demo-ogre-secret",
        ALL_SCOPES,
        audit=audit or MemoryAuditSink(),
        run_id="test",
    )


@pytest.fixture
def audit() -> MemoryAuditSink:
    return MemoryAuditSink()


@pytest.fixture
def gateway(clean_mock: MockHandle, audit: MemoryAuditSink) -> Gateway:
    return make_gateway(clean_mock.base_url, audit)
