"""pytest fixture ``mock_server``: a module-scoped running mock server.

Use from any test suite with ``pytest_plugins = ["tilts.mocks.pytest_plugin"]``. A test module may
set ``MOCK_SERVER_OPTIONS = {"persons": 2000, "rate_limits": False}`` (any
:class:`~mocks.config.MockConfig` field) to configure its server. The state is shared by the
tests of the module: call ``mock_server.reset()`` where a test needs the seeded state.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tilts.mocks.harness import MockHandle, running_mocks

DEFAULT_OPTIONS: dict[str, Any] = {"persons": 2000}


@pytest.fixture(scope="module")
def mock_server(request: pytest.FixtureRequest) -> Iterator[MockHandle]:
    """A mock server on a free loopback port for the whole test module."""
    options = {**DEFAULT_OPTIONS, **getattr(request.module, "MOCK_SERVER_OPTIONS", {})}
    with running_mocks(**options) as handle:
        yield handle
