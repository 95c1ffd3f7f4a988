"""UR Enterprise Register, a person's roles in enterprises (property.md §4): REST, one person
per GET, 20 calls/s, every 28 days.

``one_per_call``: the contract's batch limit is one code, so the connector's ``fetch`` takes a
chunk's codes and runs one GET per person concurrently within the shared rate limiter
(``connectors/each.py``); the audit has a row per call. ``night_minutes`` spreads a first fetch
of a large caseload over nights (docs/decisions.md "A nightly that can afford it").
"""

from tilts.registries.descriptor import NIGHTLY, Limits, Registry

UR = Registry(
    service="ur",
    contract="property.md",
    scope="ur.persons",
    family="rest",
    path="/ur/api/v1",
    xroad="LV/GOV/UR/PERSONS",
    operation="getNaturalPerson",
    operation_path="/natural-person/{personCode}",
    source="UR",
    kinds=("ENTERPRISE_ROLE",),
    assessed_kinds=("ENTERPRISE_ROLE",),  # the property test (property.md §8)
    limits=(
        Limits("ur", batch_size=1, rate_per_s=20, concurrency=8, refresh_days=28, night_minutes=30),
    ),
    one_per_call=True,
    flows=(*NIGHTLY, "sync_property"),
    client="tilts.connectors.ur:UrClient",
    fetch="tilts.connectors.ur:fetch",
    rows="tilts.schemas.ur:role_rows",
    schema="tilts.schemas.ur:EnterpriseRoleSchema",
    facts="tilts.schemas.ur:role_facts",
    natural_key="tilts.schemas.ur:role_key",
    duplicate_reason="role: registrationNumber and role stated twice with different values",
    mock="tilts.mocks.registries.ur",
)
