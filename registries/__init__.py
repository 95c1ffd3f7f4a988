"""The table of inbound registries: the one place that lists them.

Every other list of registries — the settings' per-service defaults, the OAuth scopes, the
client table, the per-person syncs, the nightly's lanes, the fan-out's parts, the mock
server's services, the bench's — is derived from :data:`REGISTRIES` (``tests/registries``
fails on a hand-written one). Adding a registry: ``docs/adding-a-registry.md``.
"""

from __future__ import annotations

from tilts.registries.csdd import CSDD
from tilts.registries.descriptor import (
    DEFAULT_LOOKBACK_MONTHS,
    NIGHTLY,
    Family,
    Limits,
    Registry,
)
from tilts.registries.lad import LAD
from tilts.registries.nva import NVA
from tilts.registries.pmlp import PMLP
from tilts.registries.ugfa import UGFA
from tilts.registries.ur import UR
from tilts.registries.vdeavk import VDEAVK
from tilts.registries.vid import VID
from tilts.registries.vsaa import VSAA
from tilts.registries.vtua import VTUA
from tilts.registries.vzd import VZD

#: The inbound registries, in the order the nightly starts their lanes (PMLP first).
REGISTRIES: tuple[Registry, ...] = (PMLP, VDEAVK, VSAA, VID, NVA, VZD, CSDD, VTUA, UR, LAD, UGFA)

__all__ = [
    "DEFAULT_LOOKBACK_MONTHS",
    "NIGHTLY",
    "REGISTRIES",
    "Family",
    "Limits",
    "Registry",
    "by_service",
    "contract_group",
    "limits",
    "per_person",
    "scopes",
    "services",
]


def by_service(service: str) -> Registry:
    """The registry named ``service`` (``KeyError`` for an unknown one)."""
    for registry in REGISTRIES:
        if registry.service == service:
            return registry
    raise KeyError(service)


def services(flow: str | None = None) -> tuple[str, ...]:
    """Every registry's service name, or those the Prefect flow ``flow`` syncs."""
    return tuple(r.service for r in REGISTRIES if flow is None or flow in r.flows)


def per_person(flow: str | None = None) -> tuple[str, ...]:
    """The per-person registries (every one but the population lane), or those of ``flow``."""
    return tuple(r.service for r in REGISTRIES if r.per_person and r.service in services(flow))


def contract_group(contract: str) -> tuple[str, ...]:
    """The services whose wire format ``contract`` fixes (``registries.md``: the five core
    registries; ``property.md``: the property and further-income ones)."""
    return tuple(r.service for r in REGISTRIES if r.contract == contract)


def scopes(skip: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """The OAuth scopes of every registry but those in ``skip`` (one token asks for them all;
    a registry switched off is not asked, so its scope need not be granted)."""
    return tuple(r.scope for r in REGISTRIES if r.service not in skip)


def limits() -> tuple[Limits, ...]:
    """The default limits of every registry's operation families."""
    return tuple(lim for r in REGISTRIES for lim in r.limits)
