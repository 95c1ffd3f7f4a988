"""The shape of a registry descriptor: everything Tilts needs to know about one inbound registry.

A descriptor is pure data. It imports nothing of Tilts, so every layer may read it — the kernel's
settings take their per-service defaults from it — and it names the code that speaks to the
registry (client, fetch, pandera model, answer→facts mapper, mock) by dotted path
``"tilts.<folder>.<module>:<attribute>"``. The layer that uses a reference resolves it
(:mod:`tilts.registries.loading`), so the bottom layer never imports the layers above it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Family = Literal["soap", "rest"]
SOURCE_MAX = 10  # the store's registry_fact.source column (store/models.py)
SERVICE_MAX = 20  # the audit and quarantine rows' service columns (store/models.py)
#: The full months before its as-of month a monthly registry's every run asks for, unless its
#: descriptor says more (``lookback_months``): the income months the assessment reads.
DEFAULT_LOOKBACK_MONTHS = 3

#: The flows every registry belongs to unless its descriptor says otherwise: the nightly
#: (``flows/nightly.py``), the fanned-out nightly and its parts (``flows/fanout.py``).
NIGHTLY: tuple[str, ...] = ("nightly_sync", "nightly_fanout", "nightly_part")


@dataclass(frozen=True)
class Limits:
    """Default batch size and client-side rate of one operation family (registries.md §1.4);
    the settings' ``services.<name>`` (``tilts/kernel/config.py``) start from these.

    ``max_batch`` is the contract's limit, which ``tilts config check`` holds a configured
    batch size to (default: ``batch_size``); ``refresh_days`` is how often a registry without a
    change feed asks about each person (docs/decisions.md, ``store/fetches.py``).

    ``night_minutes`` and ``night_calls`` are the per-night budget of a per-person registry
    (``None``: none): a night asks at most as many persons as that many calls (or minutes at
    ``rate_per_s``) carry, never-fetched first, then the most overdue; the rest are due the next
    night (``flows/work/budget.py``, docs/decisions.md "A nightly that can afford it").
    """

    name: str
    batch_size: int
    rate_per_s: float
    concurrency: int = 4
    refresh_days: int = 1
    max_batch: int | None = None
    night_minutes: float | None = None
    night_calls: int | None = None

    @property
    def contract_batch(self) -> int:
        """The contract's batch limit of this family."""
        return self.max_batch if self.max_batch is not None else self.batch_size


@dataclass(frozen=True)
class Registry:
    """One inbound registry, declared once.

    Wire: ``service`` names the service everywhere (settings key, gateway, audit rows, fault
    rules, the mock's journal); ``scope`` is its OAuth scope; ``family`` its wire style;
    ``path`` the service's URL path; ``xroad`` the provider's X-Road id
    ``LV/<class>/<member>/<subsystem>``; ``operation`` the per-person batch operation
    (``operation_path`` under ``path`` for REST; ``wsdl`` and ``namespace`` for SOAP).

    Store: ``source`` is the fact source, ``kinds`` the fact kinds it states (replaced
    together), ``assessed_kinds`` those the household assessment reads
    (``store/reassess.py``).

    Policy: ``limits`` (the first entry is the batch query's own family, named ``service``);
    ``monthly`` sources are asked for months and say how far they are complete, and every run
    asks for at least the ``lookback_months`` full months before its as-of month (the income
    months, :data:`DEFAULT_LOOKBACK_MONTHS`; LAD's 12-month spread, property.md §5: 12);
    ``change_feed`` (PMLP) tells which persons changed; ``one_per_call`` registries answer
    one person per call (UR's GET, property.md §4): their ``fetch`` takes a whole chunk and
    runs the calls concurrently within the rate limit (``connectors/each.py``);
    ``per_person`` registries are the generic per-person syncs
    (``flows/work/registry_syncs.py`` ``SYNCS``) — PMLP is the population lane instead;
    ``flows`` the Prefect flows that sync it (deployments run flows, ``prefect.yaml``).

    Code (dotted paths, resolved by the layer that uses them): ``client`` the connector class,
    ``fetch`` the function asking one batch (``connectors/batch.py`` ``BatchFetch``),
    ``rows`` answer → frame rows, ``schema`` the pandera model, ``facts`` valid rows → facts,
    ``natural_key`` a row's key within one answer (``duplicate_reason`` names it), ``mock``
    the mock module (``SPEC`` and ``routes``); ``status_key`` the per-person outcome field.

    ``contract``: the contract file that fixes its wire format — ``registries.md`` for the
    five core registries, ``property.md`` for the property and further-income ones (the bench
    reports the two groups apart).
    """

    service: str
    scope: str
    family: Family
    path: str
    xroad: str
    operation: str
    source: str
    kinds: tuple[str, ...]
    limits: tuple[Limits, ...]
    client: str
    fetch: str
    mock: str
    status_key: str = "status"
    operation_path: str = ""
    wsdl: str = ""
    namespace: str = ""
    assessed_kinds: tuple[str, ...] = ()
    monthly: bool = False
    lookback_months: int = DEFAULT_LOOKBACK_MONTHS
    change_feed: bool = False
    one_per_call: bool = False
    per_person: bool = True
    flows: tuple[str, ...] = field(default=NIGHTLY)
    rows: str | None = None
    schema: str | None = None
    facts: str | None = None
    natural_key: str | None = None
    duplicate_reason: str = "record: stated twice with different values"
    contract: str = "registries.md"

    def __post_init__(self) -> None:
        if any(not 0 < len(lim.name) <= SERVICE_MAX for lim in self.limits):
            raise ValueError(f"{self.service}: a service name has 1 to {SERVICE_MAX} characters")
        if not self.limits or self.limits[0].name != self.service:
            raise ValueError(f"{self.service}: the first limits entry must be named after it")
        if self.family == "soap" and not (self.wsdl and self.namespace):
            raise ValueError(f"{self.service}: a SOAP registry names its WSDL and namespace")
        if self.family == "rest" and not self.operation_path:
            raise ValueError(f"{self.service}: a REST registry names its operation path")
        if self.per_person and None in (self.rows, self.schema, self.facts):
            raise ValueError(f"{self.service}: a per-person registry names rows, schema, facts")
        if not 0 < len(self.source) <= SOURCE_MAX:
            raise ValueError(f"{self.service}: a fact source has 1 to {SOURCE_MAX} characters")
        if self.one_per_call and (self.family != "rest" or self.limits[0].contract_batch != 1):
            raise ValueError(f"{self.service}: one person per call is a REST batch limit of 1")
        if not 1 <= self.lookback_months <= 12:
            raise ValueError(f"{self.service}: a run looks back 1 to 12 months (one call's limit)")
        if not set(self.assessed_kinds) <= set(self.kinds):
            raise ValueError(f"{self.service}: assessed kinds must be among its kinds")

    @property
    def xroad_parts(self) -> tuple[str, str, str]:
        """(memberClass, memberCode, subsystemCode) of ``xroad``."""
        _, member_class, member, subsystem = self.xroad.split("/")
        return member_class, member, subsystem

    @property
    def url_path(self) -> str:
        """The batch operation's full URL path (REST) or the service's (SOAP)."""
        return self.path + self.operation_path
