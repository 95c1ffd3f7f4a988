"""The one exception tree of Tilts, sorted by what the caller does next.

::

    TiltsError                      root: anything Tilts raises on purpose
    ├── ConfigError                 bad configuration; names the key and the file (exit 2)
    ├── InputError                  bad command-line or file input; names the field (exit 2)
    ├── RetriableError              try the same call again later (connector retries these)
    │   └── RateLimitedError        429; carries ``retry_after`` seconds
    ├── FatalError                  the call cannot succeed as sent: 400, 403, 413, Client.* faults
    │   ├── AuthError               401 after one token refresh, or token endpoint refused us
    │   ├── MissingPurposeError     refused locally: a query without purpose (userId / issue)
    │   └── UnreachableError        retries exhausted on a dependency that never answered (exit 3)
    ├── StoreError                  the case store refused a read or a commit (exit 3)
    ├── ContractError               the other side broke the contract: unparsable body, schema
    │                               mismatch, wrong message id, oversized body, DTD / entities
    ├── RecordError                 one record is bad (NOT_FOUND, INVALID_CODE, failed checks);
    │                               recorded on the person / quarantined, never fails the batch
    ├── RunFailed                   a run did its work, wrote its summary and kept what
    │                               succeeded, but a part failed after its retries: the flow
    │                               run ends Failed; carries the run's figures (exit 1 or 3)
    └── RunLocked                   another sync holds the store's run lock (exit 3)

zeep, requests and lxml exceptions are translated into this tree at the connector boundary
(``raise ... from ...``); flows and the CLI never import them. Messages never carry a personal
code in clear: use :func:`tilts.kernel.personal_code.mask`.
"""

from __future__ import annotations

from typing import Any


class TiltsError(Exception):
    """Root of every error Tilts raises on purpose."""

    exit_code = 1


class ConfigError(TiltsError):
    """Configuration is invalid; the message names the key and the file."""

    exit_code = 2


class InputError(TiltsError):
    """Input given by a user (a file, an option) is invalid; the message names the field."""

    exit_code = 2


class RetriableError(TiltsError):
    """A transient failure: the same call may succeed later."""

    exit_code = 3


class RateLimitedError(RetriableError):
    """The service answered 429; ``retry_after`` is its ``Retry-After`` in seconds."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class FatalError(TiltsError):
    """The call cannot succeed as sent; retrying would repeat the failure."""


class AuthError(FatalError):
    """The gateway refused our credentials (after one token refresh)."""


class MissingPurposeError(FatalError):
    """A registry query lacked its purpose (user id or issue); refused before sending."""

    exit_code = 2


class UnreachableError(FatalError):
    """A dependency did not answer after every retry."""

    exit_code = 3


class StoreError(TiltsError):
    """The case store refused a read or a commit; nothing of the unit of work was kept."""

    exit_code = 3


class ContractError(TiltsError):
    """The other side broke the wire contract; the batch is quarantined with this reason."""


class RecordError(TiltsError):
    """One record is bad; it is quarantined or recorded on the person, the rest go on."""


class RunFailed(TiltsError):
    """A run that finished with parts failed after their retries (operations.md §7).

    Raised by a flow after its summary artifact is written and the other parts' data
    committed, so that Prefect marks the flow run ``Failed``. ``figures`` is the run's
    :meth:`tilts.kernel.figures.RunFigures.as_dict`; the exit code follows them (3 when every
    failure was an unreachable dependency, else 1).
    """

    def __init__(self, message: str, figures: dict[str, Any]) -> None:
        super().__init__(message)
        self.figures = figures
        listed = figures.get("failures")
        failures = [str(f) for f in listed] if isinstance(listed, list) else []
        self.exit_code = 3 if failures and all("Unreachable" in f for f in failures) else 1

    def __reduce__(self) -> tuple[type[RunFailed], tuple[str, dict[str, Any]]]:
        return (RunFailed, (str(self), self.figures))


class RunLocked(TiltsError):
    """Another sync holds the store's run lock; this one did not start (exit 3: the store is
    busy, try again after the other run)."""

    exit_code = 3
