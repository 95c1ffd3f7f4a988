"""LAD rural support payments (property.md §5): REST, monthly, every 28 days."""

from tilts.registries.descriptor import NIGHTLY, Limits, Registry

LAD = Registry(
    service="lad",
    contract="property.md",
    scope="lad.payments",
    family="rest",
    path="/lad/api/v1",
    xroad="LV/GOV/LAD/PAYMENTS",
    operation="queryRuralPayments",
    operation_path="/payments/query",
    source="LAD",
    kinds=("RURAL_PAYMENT",),
    assessed_kinds=("RURAL_PAYMENT",),
    limits=(
        Limits(
            "lad", batch_size=500, rate_per_s=5, concurrency=4, refresh_days=28, night_minutes=30
        ),
    ),
    monthly=True,
    lookback_months=12,  # the 12 months whose payments the assessment spreads (§5)
    flows=(*NIGHTLY, "sync_income"),
    client="tilts.connectors.lad:LadClient",
    fetch="tilts.connectors.lad:fetch",
    rows="tilts.schemas.facts:payment_rows",
    schema="tilts.schemas.lad:LadPaymentSchema",
    facts="tilts.schemas.lad:payment_facts",
    mock="tilts.mocks.registries.lad",
)
