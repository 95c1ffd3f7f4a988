"""CSDD road vehicles (property.md §1, §3): REST, as of a day, every 28 days per person.

A person's answer lists vehicles by registration number and role; two rows of one number and
role with different fields are quarantined (``vehicle_key``).
"""

from tilts.registries.descriptor import NIGHTLY, Limits, Registry

CSDD = Registry(
    service="csdd",
    contract="property.md",
    scope="csdd.vehicles",
    family="rest",
    path="/csdd/api/v1",
    xroad="LV/GOV/CSDD/VEHICLES",
    operation="queryVehicles",
    operation_path="/vehicles/query",
    source="CSDD",
    kinds=("VEHICLE",),
    assessed_kinds=("VEHICLE",),  # the property test (property.md §8)
    limits=(
        Limits(
            "csdd", batch_size=200, rate_per_s=10, concurrency=4, refresh_days=28, night_minutes=30
        ),
    ),
    flows=(*NIGHTLY, "sync_property"),
    client="tilts.connectors.csdd:CsddClient",
    fetch="tilts.connectors.vehicles:fetch",
    rows="tilts.schemas.vehicles:vehicle_rows",
    schema="tilts.schemas.csdd:CsddVehicleSchema",
    facts="tilts.schemas.vehicles:vehicle_facts",
    natural_key="tilts.schemas.vehicles:vehicle_key",
    duplicate_reason="registrationNumber: stated twice for one role with different values",
    mock="tilts.mocks.registries.csdd",
)
