"""The status → action table: the one place that decides what an answer (or its absence) means.

Every outcome of one HTTP exchange is a *row*: an exact status (``503``), a status class
(``2`` for any 2xx, ``4`` for any 4xx) or a :class:`Transport` failure (timeout, refused
connection, TLS, deadline). :meth:`StatusTable.action` maps it to an :class:`Action`; the
callers (``connectors/base.py`` for services, ``connectors/auth.py`` for the token endpoint)
branch on the action only, never on a status code. A service whose contract differs derives
its table from :data:`DEFAULT_STATUS_ACTIONS` (:meth:`StatusTable.merged`,
:meth:`StatusTable.recast`); the token endpoint has its own table, :data:`TOKEN_STATUS_ACTIONS`,
built the same way. ``tests/connectors/test_status_table.py`` drives every row through a
loopback server and scans ``connectors/`` for status literals compared outside this module.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType

import requests

from tilts.connectors.deadline import DeadlineExceeded
from tilts.kernel.errors import AuthError, FatalError, RetriableError, TiltsError


class Action(Enum):
    """What the caller does with one outcome."""

    OK = "ok"  # parse the answer
    RETRY = "retry"  # RetriableError: the one retry layer tries again (connectors/retry.py)
    RATE_LIMITED = "rate_limited"  # RateLimitedError carrying the answer's Retry-After
    REAUTH = "reauth"  # refresh the token once and repeat; still refused → AuthError
    DENIED = "denied"  # AuthError at once (the token endpoint refused the client, TLS)
    FATAL = "fatal"  # FatalError: cannot succeed as sent
    FAULT = "fault"  # the body says what went wrong (SOAP Fault, problem+json): the client's hook
    CONFLICT = "conflict"  # another body is held under this Idempotency-Key: the client's hook
    ANSWER = (
        "answer"  # an error status the contract uses as a per-person answer (UR's 404 NOT_FOUND
    )
    # and 400 INVALID_CODE, property.md §4): parsed by the client, audited with its code


class Transport(Enum):
    """An exchange that produced no HTTP status."""

    TIMEOUT = "timeout"  # connect or read timeout
    CONNECTION = "connection"  # refused, reset, broken chunked body
    DEADLINE = "deadline"  # no complete answer within gateway.call_deadline_s
    TLS = "tls"  # the certificate did not verify: configuration, not a passing fault
    OTHER = "other"  # any other requests failure (a malformed URL, ...)


Row = int | Transport


@dataclass(frozen=True)
class StatusTable:
    """Exact rows win over status-class rows; anything unlisted is :attr:`fallback`."""

    rows: Mapping[Row, Action]
    classes: Mapping[int, Action] = field(default_factory=dict)
    fallback: Action = Action.FATAL

    def __post_init__(self) -> None:
        # read-only: a subclass derives its own table, it never edits the shared one
        object.__setattr__(self, "rows", MappingProxyType(dict(self.rows)))
        object.__setattr__(self, "classes", MappingProxyType(dict(self.classes)))

    def action(self, outcome: Row) -> Action:
        """The action of a status or a transport failure."""
        if outcome in self.rows:
            return self.rows[outcome]
        if isinstance(outcome, int):
            return self.classes.get(outcome // 100, self.fallback)
        return self.fallback

    def merged(
        self, rows: Mapping[Row, Action] | None = None, classes: Mapping[int, Action] | None = None
    ) -> StatusTable:
        """A derived table: these rows and classes over this table's."""
        return StatusTable(
            {**self.rows, **(rows or {})}, {**self.classes, **(classes or {})}, self.fallback
        )

    def recast(self, status_class: int, old: Action, new: Action) -> StatusTable:
        """A derived table where every ``old`` row of ``status_class`` (and the class itself)
        becomes ``new`` — e.g. every refused 4xx of a recipient becomes a readable FAULT."""
        rows: dict[Row, Action] = {
            k: (new if isinstance(k, int) and k // 100 == status_class and a is old else a)
            for k, a in self.rows.items()
        }
        classes = dict(self.classes)
        if classes.get(status_class, self.fallback) is old:
            classes[status_class] = new
        return StatusTable(rows, classes, self.fallback)


#: Registry services (registries.md §1.3): 2xx parsed; 429 waits for Retry-After; 401 refreshes
#: the token once; 502/503/504 and timeouts, resets and the call deadline are retried; the rest
#: (400/403/404/409/413/422, a 500 of a REST service, TLS) cannot succeed as sent.
DEFAULT_STATUS_ACTIONS = StatusTable(
    {
        200: Action.OK,
        202: Action.OK,
        400: Action.FATAL,
        401: Action.REAUTH,
        403: Action.FATAL,
        404: Action.FATAL,
        409: Action.FATAL,
        413: Action.FATAL,
        422: Action.FATAL,
        429: Action.RATE_LIMITED,
        500: Action.FATAL,
        502: Action.RETRY,
        503: Action.RETRY,
        504: Action.RETRY,
        Transport.TIMEOUT: Action.RETRY,
        Transport.CONNECTION: Action.RETRY,
        Transport.DEADLINE: Action.RETRY,
        Transport.TLS: Action.FATAL,
        Transport.OTHER: Action.FATAL,
    },
    classes={2: Action.OK, 4: Action.FATAL, 5: Action.FATAL},
)

#: The token endpoint (registries.md §1.1), derived from the same mechanism: only 200 carries a
#: token; 429 and 502/503/504 and every transport failure but TLS are retried by the call's
#: retry loop; any other answer, and a certificate that does not verify, refuse the client.
TOKEN_STATUS_ACTIONS = StatusTable(
    {
        200: Action.OK,
        429: Action.RETRY,
        502: Action.RETRY,
        503: Action.RETRY,
        504: Action.RETRY,
        Transport.TIMEOUT: Action.RETRY,
        Transport.CONNECTION: Action.RETRY,
        Transport.DEADLINE: Action.RETRY,
        Transport.OTHER: Action.RETRY,
        Transport.TLS: Action.DENIED,
    },
    fallback=Action.DENIED,
)


def transport_failure(exc: requests.RequestException | DeadlineExceeded) -> Transport:
    """The row of an exchange that ended without a status (TLS before connection: requests'
    ``SSLError`` is a ``ConnectionError``; a connect timeout is a timeout)."""
    if isinstance(exc, DeadlineExceeded):
        return Transport.DEADLINE
    if isinstance(exc, requests.exceptions.SSLError):
        return Transport.TLS
    if isinstance(exc, requests.Timeout):
        return Transport.TIMEOUT
    if isinstance(exc, requests.ConnectionError | requests.exceptions.ChunkedEncodingError):
        return Transport.CONNECTION
    return Transport.OTHER


def describe(kind: Transport, where: str, exc: BaseException) -> str:
    """What happened, for a message: the address (never a query) and the exception's name."""
    if kind is Transport.DEADLINE:
        return str(exc)
    if kind is Transport.TLS:
        return "TLS handshake failed (certificates)"
    if kind is Transport.TIMEOUT:
        return f"{where} timed out ({type(exc).__name__})"
    if kind is Transport.CONNECTION:
        return f"connection to {where} failed ({type(exc).__name__})"
    return f"request failed ({type(exc).__name__})"


_ERRORS: dict[Action, type[TiltsError]] = {
    Action.RETRY: RetriableError,
    Action.REAUTH: AuthError,
    Action.DENIED: AuthError,
}


def error_of(action: Action, message: str) -> TiltsError:
    """The error of an action that needs nothing but a message (RETRY, REAUTH, DENIED, FATAL;
    RATE_LIMITED, FAULT and CONFLICT are built by the caller, which has the answer)."""
    return _ERRORS.get(action, FatalError)(message)
