"""VID income and employment (registries.md §5): REST, monthly, every 28 days.

Natural key: an employment's employer and start (income lines, like VSAA payments, have none:
two payments of a type in a month are two payments).
"""

from tilts.registries.descriptor import NIGHTLY, Limits, Registry

VID = Registry(
    service="vid",
    scope="vid.income",
    family="rest",
    path="/vid/api/v1",
    xroad="LV/GOV/VID/INCOME",
    operation="queryIncome",
    operation_path="/income/query",
    source="VID",
    kinds=("INCOME", "EMPLOYMENT"),
    assessed_kinds=("INCOME", "EMPLOYMENT"),
    limits=(
        Limits(
            "vid", batch_size=200, rate_per_s=10, concurrency=4, refresh_days=28, night_minutes=30
        ),
    ),
    monthly=True,
    flows=(*NIGHTLY, "sync_income"),
    client="tilts.connectors.vid:VidClient",
    fetch="tilts.connectors.vid:fetch",
    rows="tilts.schemas.vid:vid_rows",
    schema="tilts.schemas.vid:VidRowSchema",
    facts="tilts.schemas.vid:vid_facts",
    natural_key="tilts.schemas.vid:employment_key",
    duplicate_reason="employment (employerRegNo, startDate): stated twice with different values",
    mock="tilts.mocks.registries.vid",
)
