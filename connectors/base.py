"""The shared base of every registry client.

:class:`Gateway` holds what all clients of one municipality share: the injected
``requests.Session``, the OAuth token cache, one rate limiter per operation family, the retry
policy and counters, and the audit hook. :class:`RegistryClient` runs one call through it:

    purpose check → fresh X-Road headers → rate limiter → POST (timeouts, size cap)
    → REAUTH row? refresh token once → status → action table → parse hook → audit row

Every outcome — any status, or a transport failure — is decided by the client's
:class:`~tilts.connectors.statuses.StatusTable` (``connectors/statuses.py``); this module
branches on actions only. Subclasses (one per registry) add only their operations, their
``SPEC`` and, where the service differs, a table derived from :data:`DEFAULT_STATUS_ACTIONS`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ClassVar, TypeVar

import requests
from requests.adapters import HTTPAdapter

from tilts.connectors.auth import TokenCache
from tilts.connectors.deadline import DeadlineExceeded, within
from tilts.connectors.ratelimit import RateLimiter
from tilts.connectors.retry import RetryPolicy, RetryStats, call_with_retry
from tilts.connectors.statuses import (
    DEFAULT_STATUS_ACTIONS,
    Action,
    StatusTable,
    Transport,
    describe,
    error_of,
    transport_failure,
)
from tilts.connectors.xroad import CallHeaders, Purpose, ServiceId
from tilts.kernel.audit import AuditRecord, AuditSink
from tilts.kernel.config import GatewaySettings, MunicipalitySettings
from tilts.kernel.errors import (
    ContractError,
    FatalError,
    RateLimitedError,
    TiltsError,
    UnreachableError,
)

__all__ = ["DEFAULT_STATUS_ACTIONS", "Action", "Gateway", "RawResponse", "RegistryClient"]

log = logging.getLogger("tilts.connectors")
T = TypeVar("T")


@dataclass(frozen=True)
class ServiceSpec:
    """One external service: name, OAuth scope, path, X-Road identity and wire style."""

    name: str
    scope: str
    path: str
    xroad: ServiceId
    style: str  # "soap" or "rest"


@dataclass(frozen=True)
class RawResponse:
    """An HTTP answer read within the size cap."""

    status: int
    headers: Mapping[str, str]
    body: bytes


def make_session(settings: GatewaySettings, pool_size: int = 32) -> requests.Session:
    """A session with the client certificate, CA and a pool sized for the concurrency."""
    settings.check_files()
    session = requests.Session()
    session.trust_env = False  # never route registry traffic through an ambient proxy
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=pool_size, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    if settings.cert_file is not None:
        session.cert = (
            (str(settings.cert_file), str(settings.key_file))
            if settings.key_file
            else str(settings.cert_file)
        )
    if settings.ca_file is not None:
        session.verify = str(settings.ca_file)
    return session


class Gateway:
    """What every client of one municipality shares (one per flow run and municipality)."""

    def __init__(
        self,
        settings: GatewaySettings,
        municipality: MunicipalitySettings,
        client_secret: str,
        scopes: list[str],
        *,
        session: requests.Session | None = None,
        audit: AuditSink | None = None,
        run_id: str | None = None,
    ) -> None:
        self.settings = settings
        self.municipality = municipality
        self.session = session or make_session(settings)
        self.timeout = (settings.connect_timeout_s, settings.read_timeout_s)
        self.tokens = TokenCache(
            self.session, settings, municipality.client_id, client_secret, scopes
        )
        self.audit = audit
        self.run_id = run_id
        self.policy = RetryPolicy.of(settings)
        self.stats = RetryStats()
        self.calls = 0
        self._limiters: dict[str, RateLimiter] = {}
        self._first_call: dict[str, float] = {}

    def limiter(self, family: str) -> RateLimiter:
        """The rate limiter of an operation family (``pmlp``, ``pmlp_monitoring``, ...)."""
        if family not in self._limiters:
            limits = self.settings.services[family]
            self._limiters[family] = RateLimiter.of(limits.rate_per_s, self.settings.rate_burst_s)
        return self._limiters[family]

    def check_budget(self, family: str) -> None:
        """Refuse a call once the run's budget for ``family`` is spent (``budget_s``)."""
        budget = self.settings.services[family].budget_s
        if budget is None:
            return
        first = self._first_call.setdefault(family, time.monotonic())
        if time.monotonic() - first > budget:
            raise UnreachableError(f"{family}: the run's budget of {budget:g} s is spent")

    def batch_size(self, family: str) -> int:
        """The configured batch size of an operation family."""
        return self.settings.services[family].batch_size

    def concurrency(self, family: str) -> int:
        """How many calls of a family may be in flight at once."""
        return self.settings.services[family].concurrency


class RegistryClient:
    """Base of every registry client: one concrete call loop, a few overridable hooks."""

    SPEC: ClassVar[ServiceSpec]
    STATUS_ACTIONS: ClassVar[StatusTable] = DEFAULT_STATUS_ACTIONS

    def __init__(self, gateway: Gateway, purpose: Purpose) -> None:
        purpose.check()
        self.gateway = gateway
        self.purpose = purpose
        self.url = gateway.settings.base_url + self.SPEC.path

    # -- hooks ---------------------------------------------------------------------------
    def fault_error(self, raw: RawResponse, headers: CallHeaders, action: Action) -> TiltsError:
        """Translate a :data:`Action.FAULT` or :data:`Action.CONFLICT` answer (SOAP clients and
        the recipients override)."""
        return FatalError(f"{self.SPEC.name} answered HTTP {raw.status}")

    def problem_code(self, raw: RawResponse) -> str:
        """A short machine code from an error body, for messages and the audit row."""
        return f"HTTP {raw.status}"

    # -- the loop ------------------------------------------------------------------------
    def execute(
        self,
        operation: str,
        family: str,
        batch_size: int,
        build: Callable[[CallHeaders], tuple[bytes, dict[str, str]]],
        parse: Callable[[RawResponse, CallHeaders], T],
        url: str | None = None,
        method: str = "POST",
        where: str | None = None,
    ) -> T:
        """Run one logical call with retries; ``build`` makes the body, ``parse`` reads it.

        ``method`` is ``POST`` for most registries; UR ``GET``s a person (property.md §4),
        SPOLIS also ``PUT``s and ``GET``s reports. ``where`` is the address messages name when
        the URL itself holds a personal code (UR's path template): the transport error is then
        not chained to the library's exception, whose text repeats the URL.
        """
        limit = self.gateway.batch_size(family)
        if batch_size > limit:
            raise FatalError(
                f"{self.SPEC.name}.{operation}: batch of {batch_size} over limit {limit}"
            )
        limiter = self.gateway.limiter(family)

        def attempt(n: int) -> T:
            self.gateway.check_budget(family)
            raw, headers = self._exchange(
                operation, batch_size, build, limiter, n, url or self.url, method, where
            )
            action = self.STATUS_ACTIONS.action(raw.status)
            if action is Action.OK or action is Action.ANSWER:
                return parse(raw, headers)
            raise self.refusal(operation, action, raw, headers)

        return call_with_retry(
            attempt, self.gateway.policy, self.gateway.stats, on_rate_limited=limiter.penalise
        )

    def refusal(
        self, operation: str, action: Action, raw: RawResponse, headers: CallHeaders
    ) -> TiltsError:
        """The error of an answer whose row is not :data:`Action.OK`."""
        what = f"{self.SPEC.name}.{operation}"
        if action is Action.FAULT or action is Action.CONFLICT:
            return self.fault_error(raw, headers, action)
        if action is Action.RATE_LIMITED:
            return RateLimitedError(
                f"{what}: rate limited", _retry_after(raw.headers.get("Retry-After"))
            )
        if action is Action.REAUTH:  # _exchange already refreshed the token once
            return error_of(action, f"{what}: token refused after one refresh")
        return error_of(action, f"{what}: {self.problem_code(raw)}")

    def _exchange(
        self,
        operation: str,
        batch_size: int,
        build: Callable[[CallHeaders], tuple[bytes, dict[str, str]]],
        limiter: RateLimiter,
        attempt: int,
        url: str,
        method: str = "POST",
        where: str | None = None,
    ) -> tuple[RawResponse, CallHeaders]:
        """One message (and one repeat after a token refresh on 401)."""
        headers = self._headers(operation)
        body, http_headers = build(headers)
        limiter.acquire()
        token = self.gateway.tokens.get()
        raw = self._post(
            operation, url, body, http_headers, token, headers, batch_size, attempt, method, where
        )
        if self.STATUS_ACTIONS.action(raw.status) is Action.REAUTH:
            self.gateway.tokens.invalidate(token)
            headers = self._headers(operation)
            body, http_headers = build(headers)
            token = self.gateway.tokens.get()
            raw = self._post(
                operation, url, body, http_headers, token, headers, batch_size, attempt, method,
                where,
            )  # fmt: skip
        return raw, headers

    def _headers(self, operation: str) -> CallHeaders:
        return CallHeaders.new(
            self.gateway.municipality.member_code, self.SPEC.xroad, operation, self.purpose
        )

    def _post(
        self,
        operation: str,
        url: str,
        body: bytes,
        http_headers: dict[str, str],
        token: str,
        headers: CallHeaders,
        batch_size: int,
        attempt: int,
        method: str = "POST",
        where: str | None = None,
    ) -> RawResponse:
        started = time.monotonic()
        status: int | None = None
        outcome = "OK"
        try:
            raw = self._send(
                url, body, {**http_headers, "Authorization": f"Bearer {token}"}, method, where
            )
            status = raw.status
            ok = self.STATUS_ACTIONS.action(raw.status) is Action.OK
            outcome = "OK" if ok else self.problem_code(raw)
            return raw
        except TiltsError as exc:
            outcome = type(exc).__name__
            raise
        finally:
            self.gateway.calls += 1
            elapsed = int((time.monotonic() - started) * 1000)
            log.debug(
                "%s.%s batch=%d status=%s outcome=%s ms=%d id=%s",
                self.SPEC.name,
                operation,
                batch_size,
                status,
                outcome,
                elapsed,
                headers.message_id,
            )
            if self.gateway.audit is not None:
                self.gateway.audit.record(
                    AuditRecord(
                        at=datetime.now(UTC),
                        service=self.SPEC.name,
                        operation=operation,
                        client=self.gateway.municipality.member_code,
                        user_id=self.purpose.wire_user,
                        purpose=self.purpose.issue,
                        batch_size=batch_size,
                        outcome=outcome[:40],
                        http_status=status,
                        attempt=attempt,
                        duration_ms=elapsed,
                        message_id=headers.message_id,
                        run_id=self.gateway.run_id,
                    )
                )

    def _send(
        self,
        url: str,
        body: bytes,
        headers: dict[str, str],
        method: str = "POST",
        where: str | None = None,
    ) -> RawResponse:
        """Send within the timeouts, the call deadline and the response-size cap; a transport
        failure is a row of the status table like any status."""
        deadline = self.gateway.settings.call_deadline_s
        try:
            return within(
                deadline, self.SPEC.name, lambda: self._receive(url, body, headers, method)
            )
        except (requests.RequestException, DeadlineExceeded) as exc:
            kind = transport_failure(exc)
            what = describe(kind, _where(where or url), exc)
            message = what if kind is Transport.DEADLINE else f"{self.SPEC.name}: {what}"
            error = error_of(self.STATUS_ACTIONS.action(kind), message)
            if where is not None:  # the library's text repeats the URL, a personal code in it
                raise error from None
            raise error from exc

    def _receive(self, url: str, body: bytes, headers: dict[str, str], method: str) -> RawResponse:
        cap = self.gateway.settings.max_response_bytes
        with self.gateway.session.request(
            method,
            url,
            data=body or None,
            headers=headers,
            timeout=self.gateway.timeout,
            stream=True,
        ) as resp:
            declared = resp.headers.get("Content-Length")
            if declared is not None and declared.isdigit() and int(declared) > cap:
                raise ContractError(
                    f"{self.SPEC.name}: response of {declared} bytes over cap {cap}"
                )
            chunks: list[bytes] = []
            size = 0
            for chunk in resp.iter_content(chunk_size=65536):
                size += len(chunk)
                if size > cap:
                    raise ContractError(f"{self.SPEC.name}: response over cap of {cap} bytes")
                chunks.append(chunk)
            return RawResponse(resp.status_code, resp.headers, b"".join(chunks))


def _where(url: str) -> str:
    """The address of a call for messages: scheme, host, port and path, never a query."""
    return url.split("?", 1)[0].split("#", 1)[0]


def _retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
