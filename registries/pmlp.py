"""PMLP, the population register (registries.md §2): the population lane, not a per-person sync.

Its persons, addresses, relations and deaths are stored by ``store/persons.py``; monitoring
and the change feed (``pmlp_monitoring``, ``pmlp_changes``) are families of their own.
"""

from tilts.registries.descriptor import NIGHTLY, Limits, Registry

PMLP = Registry(
    service="pmlp",
    scope="pmlp.fpr",
    family="soap",
    path="/pmlp/fpr/v1",
    xroad="LV/GOV/PMLP/FPR",
    operation="getPersons",
    wsdl="pmlp_fpr_v1.wsdl",
    namespace="urn:lv:pmlp:fpr:v1",
    source="PMLP",
    kinds=("BASIC", "ADDRESS", "DEATH", "RELATION"),
    assessed_kinds=("BASIC", "ADDRESS", "DEATH"),
    limits=(
        Limits("pmlp", batch_size=100, rate_per_s=20, concurrency=8),
        Limits("pmlp_monitoring", batch_size=1000, rate_per_s=5, concurrency=2),
        Limits("pmlp_changes", batch_size=1000, rate_per_s=5, concurrency=1),
    ),
    change_feed=True,
    per_person=False,
    flows=(*NIGHTLY, "sync_population"),
    status_key="result",
    client="tilts.connectors.pmlp:PmlpClient",
    fetch="tilts.connectors.pmlp:fetch",
    mock="tilts.mocks.registries.pmlp",
)
