"""VZD real-estate cadastre, rights of a person (property.md §1, §2): SOAP, every 28 days."""

from tilts.registries.descriptor import NIGHTLY, Limits, Registry

VZD = Registry(
    service="vzd",
    contract="property.md",
    scope="vzd.cadastre",
    family="soap",
    path="/vzd/cadastre/v1",
    xroad="LV/GOV/VZD/CADASTRE",
    operation="getPropertyRights",
    wsdl="vzd_cadastre_v1.wsdl",
    namespace="urn:lv:vzd:cadastre:v1",
    source="VZD",
    kinds=("PROPERTY_RIGHT",),
    assessed_kinds=("PROPERTY_RIGHT",),  # the property test (property.md §8)
    # refresh_days: docs/decisions.md "Registries without a change feed"
    limits=(
        Limits(
            "vzd", batch_size=100, rate_per_s=10, concurrency=4, refresh_days=28, night_minutes=30
        ),
    ),
    flows=(*NIGHTLY, "sync_property"),
    status_key="result",
    client="tilts.connectors.vzd:VzdClient",
    fetch="tilts.connectors.vzd:fetch",
    rows="tilts.schemas.vzd:right_rows",
    schema="tilts.schemas.vzd:PropertyRightSchema",
    facts="tilts.schemas.vzd:property_facts",
    natural_key="tilts.schemas.vzd:right_key",
    duplicate_reason="propertyNumber: a right stated twice with different values",
    mock="tilts.mocks.registries.vzd",
)
