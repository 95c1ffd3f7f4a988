"""What every per-person registry's batch query takes and gives, and a client's service spec
from its descriptor (``registries/<name>.py``).

Each registry's connector module has a ``fetch(client, codes, query) -> Batch``, named by its
descriptor's ``fetch``: the one way the syncs (``flows/work/registry_syncs.py``) and the
contract test (``connectors/registry.py``) ask a batch, whatever the wire.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tilts.connectors.base import RegistryClient, ServiceSpec
from tilts.connectors.xroad import ServiceId
from tilts.registries import Registry
from tilts.registries.loading import resolve


@dataclass(frozen=True)
class Query:
    """What one batch asks beyond the codes: the day (``None``: the registry's today) and, for
    monthly sources, the first and last month."""

    as_of: str | None = None
    months: tuple[str, ...] = ()


@dataclass(frozen=True)
class Batch:
    """Per-person results in request order, and for monthly sources the month the source is
    complete through; for a one-person-per-call registry the persons whose call failed."""

    results: list[dict[str, Any]]
    complete_through: str | None = None
    # one-person-per-call registries (UR, connectors/each.py): the codes whose own call failed
    # for a contract or record reason, with the error; the others' results are in ``results``
    failed: tuple[tuple[str, Exception], ...] = ()


BatchFetch = Callable[[Any, list[str], Query], Batch]


def spec_of(registry: Registry) -> ServiceSpec:
    """The client's :class:`ServiceSpec` as the descriptor declares it."""
    return ServiceSpec(
        name=registry.service,
        scope=registry.scope,
        path=registry.path,
        xroad=ServiceId.parse(registry.xroad),
        style=registry.family,
    )


def client_class(registry: Registry) -> type[RegistryClient]:
    """The descriptor's client class (a :class:`RegistryClient` of ``tilts.connectors``)."""
    cls = resolve(registry.client, "tilts.connectors.")
    if not (isinstance(cls, type) and issubclass(cls, RegistryClient)):
        raise TypeError(f"{registry.client}: not a RegistryClient")
    return cls


def batch_fetch(registry: Registry) -> BatchFetch:
    """The descriptor's batch query (``fetch(client, codes, query) -> Batch``)."""
    fetch = resolve(registry.fetch, "tilts.connectors.")
    if not callable(fetch):
        raise TypeError(f"{registry.fetch}: not callable")
    return fetch  # type: ignore[no-any-return]
