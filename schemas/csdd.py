"""pandera model of CSDD road vehicles (property.md §3): the shared vehicle row with CSDD's
categories."""

from __future__ import annotations

import pandera.pandas as pa
from pandera.typing import Series

from tilts.schemas.vehicles import VehicleSchema, vehicle_rows

#: M1 car, N1 light goods vehicle, L1–L7 mopeds, motorcycles and quads, O trailer
CATEGORIES = ["M1", "N1", "L1", "L2", "L3", "L4", "L5", "L6", "L7", "O", "OTHER"]

__all__ = ["CATEGORIES", "CsddVehicleSchema", "vehicle_rows"]


class CsddVehicleSchema(VehicleSchema):
    """One CSDD vehicle role of a FOUND person."""

    category: Series[str] = pa.Field(isin=CATEGORIES)
