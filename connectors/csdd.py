"""CSDD road-vehicle client (property.md §3)."""

from __future__ import annotations

from typing import ClassVar

from tilts.connectors.base import ServiceSpec
from tilts.connectors.batch import spec_of
from tilts.connectors.vehicles import VehicleClient
from tilts.registries import Registry
from tilts.registries.csdd import CSDD


class CsddClient(VehicleClient):
    """vehicles/query."""

    REGISTRY: ClassVar[Registry] = CSDD
    SPEC: ClassVar[ServiceSpec] = spec_of(CSDD)
    OPERATION_PATHS: ClassVar[dict[str, str]] = {CSDD.operation: CSDD.operation_path}
