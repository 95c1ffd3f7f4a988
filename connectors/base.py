"""The shared base of every registry client.

:class:`Gateway` holds what all clients of one municipality share: the injected
``requests.Session``, the OAuth token cache, one rate limiter per operation family, the retry
policy and counters, and the audit hook. :class:`RegistryClient` runs one call through it:

    purpose check → fresh X-Road headers → rate limiter → POST (timeouts, size cap)
    → 401? refresh token once → status → action table → parse hook → audit row

Subclasses (one per registry) add only their operations, their ``SPEC`` and, where the
service differs, entries merged over :data:`DEFAULT_STATUS_ACTIONS`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import ClassVar, TypeVar

import requests
from requests.adapters import HTTPAdapter

from tilts.connectors.auth import TokenCache
from tilts.connectors.deadline import within
from tilts.connectors.ratelimit import RateLimiter
from tilts.connectors.retry import RetryPolicy, RetryStats, call_with_retry
from tilts.connectors.xroad import CallHeaders, Purpose, ServiceId
from tilts.kernel.audit import AuditRecord, AuditSink
from tilts.kernel.config import GatewaySettings, MunicipalitySettings
from tilts.kernel.errors import (
    AuthError,
    ContractError,
    FatalError,
    RateLimitedError,
    RetriableError,
    TiltsError,
    UnreachableError,
)

log = logging.getLogger("tilts.connectors")
T = TypeVar("T")


class Action(Enum):
    """What the caller does with an HTTP status."""

    OK = "ok"
    RETRY = "retry"
    FATAL = "fatal"
    REAUTH = "reauth"
    FAULT = "fault"  # SOAP: the body is a Fault; its faultcode decides


DEFAULT_STATUS_ACTIONS: dict[int, Action] = {
    200: Action.OK,
    202: Action.OK,
    400: Action.FATAL,
    401: Action.REAUTH,
    403: Action.FATAL,
    404: Action.FATAL,
    409: Action.FATAL,
    413: Action.FATAL,
    422: Action.FATAL,
    429: Action.RETRY,
    500: Action.FATAL,
    502: Action.RETRY,
    503: Action.RETRY,
    504: Action.RETRY,
}


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
            self.session,
            settings.resolved_token_url,
            municipality.client_id,
            client_secret,
            scopes,
            self.timeout,
            settings.call_deadline_s,
        )
        self.audit = audit
        self.run_id = run_id
        self.policy = RetryPolicy(
            settings.max_attempts, settings.backoff_base_s, settings.backoff_max_s
        )
        self.stats = RetryStats()
        self.calls = 0
        self._limiters: dict[str, RateLimiter] = {}
        self._first_call: dict[str, float] = {}

    def limiter(self, family: str) -> RateLimiter:
        """The rate limiter of an operation family (``pmlp``, ``pmlp_monitoring``, ...)."""
        if family not in self._limiters:
            limits = self.settings.services[family]
            self._limiters[family] = RateLimiter(limits.rate_per_s)
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
    STATUS_ACTIONS: ClassVar[dict[int, Action]] = DEFAULT_STATUS_ACTIONS

    def __init__(self, gateway: Gateway, purpose: Purpose) -> None:
        purpose.check()
        self.gateway = gateway
        self.purpose = purpose
        self.url = gateway.settings.base_url + self.SPEC.path

    # -- hooks ---------------------------------------------------------------------------
    def fault_error(self, raw: RawResponse, headers: CallHeaders) -> TiltsError:
        """Translate a :data:`Action.FAULT` answer (SOAP clients override)."""
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
    ) -> T:
        """Run one logical call with retries; ``build`` makes the body, ``parse`` reads it.

        ``method`` is ``POST`` for every registry; SPOLIS also ``PUT``s and ``GET``s reports.
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
                operation, batch_size, build, limiter, n, url or self.url, method
            )
            action = self.STATUS_ACTIONS.get(raw.status, Action.FATAL)
            if 200 <= raw.status < 300:
                action = Action.OK
            if action is Action.OK:
                return parse(raw, headers)
            if action is Action.FAULT:
                raise self.fault_error(raw, headers)
            if raw.status == 429:
                raise RateLimitedError(
                    f"{self.SPEC.name}.{operation}: rate limited",
                    _retry_after(raw.headers.get("Retry-After")),
                )
            if action is Action.RETRY:
                raise RetriableError(f"{self.SPEC.name}.{operation}: {self.problem_code(raw)}")
            if action is Action.REAUTH:
                raise AuthError(f"{self.SPEC.name}.{operation}: token refused after one refresh")
            raise FatalError(f"{self.SPEC.name}.{operation}: {self.problem_code(raw)}")

        return call_with_retry(
            attempt, self.gateway.policy, self.gateway.stats, on_rate_limited=limiter.penalise
        )

    def _exchange(
        self,
        operation: str,
        batch_size: int,
        build: Callable[[CallHeaders], tuple[bytes, dict[str, str]]],
        limiter: RateLimiter,
        attempt: int,
        url: str,
        method: str = "POST",
    ) -> tuple[RawResponse, CallHeaders]:
        """One message (and one repeat after a token refresh on 401)."""
        headers = self._headers(operation)
        body, http_headers = build(headers)
        limiter.acquire()
        token = self.gateway.tokens.get()
        raw = self._post(
            operation, url, body, http_headers, token, headers, batch_size, attempt, method
        )
        if raw.status == 401:
            self.gateway.tokens.invalidate(token)
            headers = self._headers(operation)
            body, http_headers = build(headers)
            token = self.gateway.tokens.get()
            raw = self._post(
                operation, url, body, http_headers, token, headers, batch_size, attempt, method
            )
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
    ) -> RawResponse:
        started = time.monotonic()
        status: int | None = None
        outcome = "OK"
        try:
            raw = self._send(
                url, body, {**http_headers, "Authorization": f"Bearer {token}"}, method
            )
            status = raw.status
            outcome = "OK" if 200 <= raw.status < 300 else self.problem_code(raw)
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
        self, url: str, body: bytes, headers: dict[str, str], method: str = "POST"
    ) -> RawResponse:
        """Send within the timeouts and the response-size cap; transport errors → retriable."""
        deadline = self.gateway.settings.call_deadline_s
        return within(deadline, self.SPEC.name, lambda: self._receive(url, body, headers, method))

    def _receive(self, url: str, body: bytes, headers: dict[str, str], method: str) -> RawResponse:
        cap = self.gateway.settings.max_response_bytes
        try:
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
        except requests.exceptions.SSLError as exc:
            # a certificate that does not verify is configuration, not a passing fault
            raise FatalError(f"{self.SPEC.name}: TLS handshake failed (certificates)") from exc
        except requests.Timeout as exc:
            raise RetriableError(
                f"{self.SPEC.name}: {_where(url)} timed out ({type(exc).__name__})"
            ) from exc
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
            raise RetriableError(
                f"{self.SPEC.name}: connection to {_where(url)} failed ({type(exc).__name__})"
            ) from exc
        except requests.RequestException as exc:
            raise FatalError(f"{self.SPEC.name}: request failed ({type(exc).__name__})") from exc


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
