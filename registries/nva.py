"""NVA unemployment status (registries.md §6): REST, as of a day, every 7 days per person.

One registration per person: the answer cannot repeat it, so it has no natural key.
"""

from tilts.registries.descriptor import NIGHTLY, Limits, Registry

NVA = Registry(
    service="nva",
    scope="nva.status",
    family="rest",
    path="/nva/api/v1",
    xroad="LV/GOV/NVA/STATUS",
    operation="queryStatus",
    operation_path="/status/query",
    source="NVA",
    kinds=("REGISTRATION",),
    assessed_kinds=("REGISTRATION",),
    limits=(
        Limits(
            "nva", batch_size=500, rate_per_s=10, concurrency=4, refresh_days=7, night_minutes=30
        ),
    ),
    flows=(*NIGHTLY, "sync_employment"),
    client="tilts.connectors.nva:NvaClient",
    fetch="tilts.connectors.nva:fetch",
    rows="tilts.schemas.nva:registration_rows",
    schema="tilts.schemas.nva:NvaRegistrationSchema",
    facts="tilts.schemas.nva:registration_facts",
    mock="tilts.mocks.registries.nva",
)
