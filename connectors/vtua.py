"""VTUA tractor and agricultural-machine client (property.md §3)."""

from __future__ import annotations

from typing import ClassVar

from tilts.connectors.base import ServiceSpec
from tilts.connectors.batch import spec_of
from tilts.connectors.vehicles import VehicleClient
from tilts.registries import Registry
from tilts.registries.vtua import VTUA


class VtuaClient(VehicleClient):
    """machines/query."""

    REGISTRY: ClassVar[Registry] = VTUA
    SPEC: ClassVar[ServiceSpec] = spec_of(VTUA)
    OPERATION_PATHS: ClassVar[dict[str, str]] = {VTUA.operation: VTUA.operation_path}
