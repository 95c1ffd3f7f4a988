"""VTUA tractors and agricultural machines (property.md §1, §3): REST, as of a day, every 28
days per person; the answer is shaped like CSDD's (a ``vehicles`` list per person) with VTUA's
categories."""

from tilts.registries.descriptor import NIGHTLY, Limits, Registry

VTUA = Registry(
    service="vtua",
    contract="property.md",
    scope="vtua.machines",
    family="rest",
    path="/vtua/api/v1",
    xroad="LV/GOV/VTUA/MACHINES",
    operation="queryMachines",
    operation_path="/machines/query",
    source="VTUA",
    kinds=("VEHICLE",),
    assessed_kinds=("VEHICLE",),  # the property test (property.md §8)
    limits=(
        Limits(
            "vtua", batch_size=200, rate_per_s=5, concurrency=2, refresh_days=28, night_minutes=30
        ),
    ),
    flows=(*NIGHTLY, "sync_property"),
    client="tilts.connectors.vtua:VtuaClient",
    fetch="tilts.connectors.vehicles:fetch",
    rows="tilts.schemas.vehicles:vehicle_rows",
    schema="tilts.schemas.vtua:VtuaMachineSchema",
    facts="tilts.schemas.vehicles:vehicle_facts",
    natural_key="tilts.schemas.vehicles:vehicle_key",
    duplicate_reason="registrationNumber: stated twice for one role with different values",
    mock="tilts.mocks.registries.vtua",
)
