"""UGFA Maintenance Guarantee Fund payments (property.md §6): REST, monthly, every 28 days."""

from tilts.registries.descriptor import NIGHTLY, Limits, Registry

UGFA = Registry(
    service="ugfa",
    contract="property.md",
    scope="ugfa.maintenance",
    family="rest",
    path="/ugfa/api/v1",
    xroad="LV/GOV/UGFA/MAINTENANCE",
    operation="queryMaintenance",
    operation_path="/maintenance/query",
    source="UGFA",
    kinds=("MAINTENANCE",),
    assessed_kinds=("MAINTENANCE",),
    limits=(
        Limits(
            "ugfa", batch_size=500, rate_per_s=5, concurrency=4, refresh_days=28, night_minutes=30
        ),
    ),
    monthly=True,
    flows=(*NIGHTLY, "sync_income"),
    client="tilts.connectors.ugfa:UgfaClient",
    fetch="tilts.connectors.ugfa:fetch",
    rows="tilts.schemas.facts:payment_rows",
    schema="tilts.schemas.ugfa:UgfaMaintenanceSchema",
    facts="tilts.schemas.ugfa:maintenance_facts",
    mock="tilts.mocks.registries.ugfa",
)
