"""VDEĀVK disability decisions (registries.md §3): SOAP, asked every 28 days per person."""

from tilts.registries.descriptor import NIGHTLY, Limits, Registry

VDEAVK = Registry(
    service="vdeavk",
    scope="vdeavk.disability",
    family="soap",
    path="/vdeavk/disability/v1",
    xroad="LV/GOV/VDEAVK/DISABILITY",
    operation="getDisabilityDecisions",
    wsdl="vdeavk_disability_v1.wsdl",
    namespace="urn:lv:vdeavk:disability:v1",
    source="VDEAVK",
    kinds=("DISABILITY",),
    assessed_kinds=("DISABILITY",),
    # refresh_days: docs/decisions.md "Registries without a change feed"
    limits=(
        Limits(
            "vdeavk",
            batch_size=100,
            rate_per_s=20,
            concurrency=8,
            refresh_days=28,
            night_minutes=30,
        ),
    ),
    flows=(*NIGHTLY, "sync_disability"),
    status_key="result",
    client="tilts.connectors.vdeavk:VdeavkClient",
    fetch="tilts.connectors.vdeavk:fetch",
    rows="tilts.schemas.vdeavk:decision_rows",
    schema="tilts.schemas.vdeavk:DisabilityDecisionSchema",
    facts="tilts.schemas.vdeavk:disability_facts",
    natural_key="tilts.schemas.vdeavk:decision_key",
    duplicate_reason="decisionNumber: stated twice with different values",
    mock="tilts.mocks.registries.vdeavk",
)
