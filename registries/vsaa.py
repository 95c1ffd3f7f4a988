"""VSAA pensions and state benefits (registries.md §4): REST, monthly, every 28 days."""

from tilts.registries.descriptor import NIGHTLY, Limits, Registry

VSAA = Registry(
    service="vsaa",
    scope="vsaa.payments",
    family="rest",
    path="/vsaa/api/v1",
    xroad="LV/GOV/VSAA/PAYMENTS",
    operation="queryPayments",
    operation_path="/payments/query",
    source="VSAA",
    kinds=("PAYMENT",),
    assessed_kinds=("PAYMENT",),
    limits=(
        Limits(
            "vsaa", batch_size=500, rate_per_s=10, concurrency=4, refresh_days=28, night_minutes=30
        ),
    ),
    monthly=True,
    flows=(*NIGHTLY, "sync_income"),
    client="tilts.connectors.vsaa:VsaaClient",
    fetch="tilts.connectors.vsaa:fetch",
    rows="tilts.schemas.facts:payment_rows",
    schema="tilts.schemas.vsaa:VsaaPaymentSchema",
    facts="tilts.schemas.vsaa:payment_facts",
    mock="tilts.mocks.registries.vsaa",
)
