"""A service as the server mounts it: its spec and the function that builds its routes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from starlette.routing import BaseRoute

from tilts.mocks.gateway.specs import ServiceSpec
from tilts.mocks.gateway.state import MockState


@dataclass(frozen=True)
class MountedService:
    """A service and the function that builds its routes over the server state."""

    spec: ServiceSpec
    routes: Callable[[MockState], list[BaseRoute]]
