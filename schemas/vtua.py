"""pandera model of VTUA tractors and agricultural machines (property.md §3): the shared vehicle
row with VTUA's categories."""

from __future__ import annotations

import pandera.pandas as pa
from pandera.typing import Series

from tilts.schemas.vehicles import VehicleSchema, vehicle_rows

CATEGORIES = ["TRACTOR", "SELF_PROPELLED", "TRAILER", "OTHER"]

__all__ = ["CATEGORIES", "VtuaMachineSchema", "machine_rows"]

machine_rows = vehicle_rows


class VtuaMachineSchema(VehicleSchema):
    """One VTUA machine role of a FOUND person."""

    category: Series[str] = pa.Field(isin=CATEGORIES)
