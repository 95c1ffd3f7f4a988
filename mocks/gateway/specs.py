"""What a service behind the gateway is: its name, scope, path, protocol and operations.

Plain data, imported by the server state, the pipeline and every service; it imports nothing of
the mocks, so the table of services can be read without the server.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class OperationSpec:
    """An operation with its limits (``None`` = unlimited).

    ``batch_field`` names what is counted against ``max_batch``: the repeated SOAP element or
    the JSON list field.
    """

    name: str
    max_batch: int | None = None
    rate_per_s: float | None = None
    batch_field: str | None = "personCode"


@dataclass(frozen=True)
class ServiceSpec:
    """A service behind the gateway.

    Attributes:
        name: short name used by the journal and fault rules (``pmlp``).
        scope: OAuth scope a token needs (``pmlp.fpr``).
        path: URL path of the service (``/pmlp/fpr/v1``); REST operations live under it.
        protocol: ``soap`` or ``rest``.
        xroad: the provider's X-Road identity: (memberClass, memberCode, subsystemCode).
        operations: the operations and their limits.
        namespace: target namespace (SOAP).
    """

    name: str
    scope: str
    path: str
    protocol: Literal["soap", "rest"]
    xroad: tuple[str, str, str]
    operations: tuple[OperationSpec, ...]
    namespace: str | None = None

    def operation(self, name: str) -> OperationSpec | None:
        for op in self.operations:
            if op.name == name:
                return op
        return None
