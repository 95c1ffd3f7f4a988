"""The status → action table decides every outcome (``connectors/statuses.py``).

Each row of each table — exact statuses, a status of each class, the fallback and every
transport failure — is driven through a real loopback HTTP server (a scripted
``ThreadingHTTPServer``, no mocking of requests) and must end as its action says. A pinned
list of contract rows guards the table's content; an AST scan guards that no code in
``connectors/`` compares a status code outside the table module.
"""

from __future__ import annotations

import ast
import json
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from tilts.connectors.base import Gateway, RawResponse, RegistryClient, ServiceSpec
from tilts.connectors.recipients import (
    RECIPIENT_STATUS_ACTIONS,
    IdempotencyConflictError,
    NinoClient,
    RecipientRejectedError,
)
from tilts.connectors.soap import SoapRegistryClient
from tilts.connectors.statuses import (
    DEFAULT_STATUS_ACTIONS,
    TOKEN_STATUS_ACTIONS,
    Action,
    Row,
    StatusTable,
    Transport,
)
from tilts.connectors.xroad import CallHeaders, Purpose, ServiceId
from tilts.kernel.audit import MemoryAuditSink
from tilts.kernel.config import GatewaySettings, demo_municipalities
from tilts.kernel.errors import (
    AuthError,
    FatalError,
    RateLimitedError,
    RetriableError,
    TiltsError,
    UnreachableError,
)

CONNECTORS = Path(__file__).resolve().parents[2] / "connectors"
PATH = "/svc/op"


@dataclass
class Answer:
    """One scripted answer: a status, or ``hang`` seconds of silence, or a dropped connection."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b"{}"
    hang: float = 0.0
    drop: bool = False


class Script(ThreadingHTTPServer):
    """A loopback server answering each path from its queue (the last answer repeats)."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.queues: dict[str, deque[Answer]] = {}
        self.seen: list[str] = []
        self.tokens = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def answer(self, path: str, *answers: Answer) -> None:
        self.queues[path] = deque(answers)

    def next(self, path: str) -> Answer:
        queue = self.queues.get(path)
        if not queue:
            return self._token() if path == "/token" else Answer()
        return queue.popleft() if len(queue) > 1 else queue[0]

    def _token(self) -> Answer:
        self.tokens += 1
        return Answer(body=json.dumps({"access_token": f"t{self.tokens}"}).encode())


class _Handler(BaseHTTPRequestHandler):
    server: Script

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path = self.path.split("?", 1)[0]
        self.server.seen.append(path)
        answer = self.server.next(path)
        if answer.drop:
            self.close_connection = True
            return
        time.sleep(answer.hang)
        self.send_response(answer.status)
        for key, value in {"Content-Type": "application/json", **answer.headers}.items():
            self.send_header(key, value)
        if "X-Road-Id" in self.headers:
            self.send_header("X-Road-Id", self.headers["X-Road-Id"])
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        self.wfile.write(answer.body)


@pytest.fixture
def server() -> Iterator[Script]:
    script = Script()
    thread = threading.Thread(target=script.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield script
    script.shutdown()
    script.server_close()


SPEC = ServiceSpec("probe", "nva.status", "/svc", ServiceId.parse("LV/GOV/NVA/STATUS"), "rest")


class Probe(RegistryClient):
    """The base loop with a table under test; the answer's status is the parse result."""

    SPEC: ClassVar[ServiceSpec] = SPEC

    def probe(self, url: str | None = None) -> int:
        def build(headers: CallHeaders) -> tuple[bytes, dict[str, str]]:
            return b"{}", {"Content-Type": "application/json"}

        def parse(raw: RawResponse, headers: CallHeaders) -> int:
            return raw.status

        return self.execute("op", "nva", 1, build, parse, url=url or self.url + "/op")


class SoapProbe(SoapRegistryClient, Probe):
    """The SOAP table (500 → FAULT, its faultcode decides) through the same loop."""


class RecipientProbe(NinoClient, Probe):
    """The recipients' table (4xx → FAULT, 409 → CONFLICT, 500 → RETRY) with their errors."""

    SPEC: ClassVar[ServiceSpec] = SPEC


def _gateway(base: str, **overrides: Any) -> Gateway:
    settings = GatewaySettings(
        base_url=base,
        token_url=overrides.pop("token_url", f"{base}/token"),
        connect_timeout_s=1.0,
        read_timeout_s=overrides.pop("read_timeout_s", 1.5),
        backoff_base_s=0.01,
        backoff_max_s=0.02,
        max_attempts=2,
        **overrides,
    )
    muni = demo_municipalities()["ogre"]
    return Gateway(settings, muni, "secret", ["nva.status"], audit=MemoryAuditSink())


def _client(cls: type[Probe], gateway: Gateway) -> Probe:
    return cls(gateway, Purpose(user_id="LVsvc-test", issue="MK809-test"))


# -- what each action means, end to end (max_attempts = 2) --------------------------------------
EXPECTED: dict[Action, type[BaseException]] = {
    Action.RETRY: UnreachableError,  # retried, then given up
    Action.RATE_LIMITED: UnreachableError,  # waited for Retry-After, retried, given up
    Action.REAUTH: AuthError,  # one token refresh, then refused
    Action.DENIED: AuthError,
    Action.FATAL: FatalError,
}
TABLES: dict[str, tuple[type[Probe], StatusTable]] = {
    "default": (Probe, DEFAULT_STATUS_ACTIONS),
    "soap": (SoapProbe, SoapProbe.STATUS_ACTIONS),
    "recipients": (RecipientProbe, RECIPIENT_STATUS_ACTIONS),
}


def _statuses(table: StatusTable) -> list[int]:
    """Every exact status row, one unlisted status of each class, and an unlisted 5xx."""
    exact = [r for r in table.rows if isinstance(r, int)]
    return sorted({*exact, 203, 418, 507})


def _status_cases() -> list[Any]:
    return [
        pytest.param(name, status, id=f"{name}-{status}")
        for name, (_, table) in TABLES.items()
        for status in _statuses(table)
    ]


@pytest.mark.parametrize(("name", "status"), _status_cases())
def test_every_status_row_does_what_its_action_says(server: Script, name: str, status: int) -> None:
    cls, table = TABLES[name]
    action = table.action(status)
    headers = {"Retry-After": "0.05"} if action is Action.RATE_LIMITED else {}
    server.answer(PATH, Answer(status, headers))
    gateway = _gateway(server.base)
    client = _client(cls, gateway)
    if action is Action.OK:
        assert client.probe() == status
        assert server.seen.count(PATH) == 1
        return
    with pytest.raises(TiltsError) as caught:
        client.probe()
    error = caught.value
    calls = server.seen.count(PATH)
    if action is Action.FAULT and name == "soap":  # a 500 without an envelope: retried
        assert isinstance(error, UnreachableError) and calls == 2
    elif action is Action.FAULT:
        assert type(error) is RecipientRejectedError and error.status == status
    elif action is Action.CONFLICT:
        assert type(error) is IdempotencyConflictError and calls == 1
    else:
        assert isinstance(error, EXPECTED[action]), (status, action, error)
    if action is Action.RETRY:
        assert calls == 2 and isinstance(error.__cause__, RetriableError)
    if action is Action.RATE_LIMITED:
        assert isinstance(error.__cause__, RateLimitedError)
        assert error.__cause__.retry_after == pytest.approx(0.05)
        assert gateway.stats.rate_limited == 1 and calls == 2
    if action is Action.REAUTH:
        assert calls == 2 and server.tokens == 2  # the call repeated once with a fresh token
    if action is Action.FATAL:
        assert not isinstance(error, AuthError | UnreachableError) and calls == 1


@pytest.mark.parametrize("status", sorted({*_statuses(TOKEN_STATUS_ACTIONS), 400, 401, 500}))
def test_every_token_endpoint_row_does_what_its_action_says(server: Script, status: int) -> None:
    action = TOKEN_STATUS_ACTIONS.action(status)
    if action is not Action.OK:
        server.answer("/token", Answer(status, body=b'{"error": "x"}'))
    client = _client(Probe, _gateway(server.base))
    if action is Action.OK:
        assert client.probe() == 200
        return
    with pytest.raises(TiltsError) as caught:
        client.probe()
    assert isinstance(caught.value, EXPECTED[action]), (status, action, caught.value)
    assert PATH not in server.seen  # no service call without a token
    assert server.seen.count("/token") == (2 if action is Action.RETRY else 1)


def _transport(server: Script, kind: Transport, token: bool) -> tuple[Gateway, str | None]:
    """A gateway (and a call URL) whose service call, or token fetch, ends in ``kind``."""
    where = "/token" if token else PATH
    tls = server.base.replace("http://", "https://")
    if kind is Transport.TIMEOUT:
        server.answer(where, Answer(hang=0.6))
        return _gateway(server.base, read_timeout_s=0.3), None
    if kind is Transport.DEADLINE:
        server.answer(where, Answer(hang=0.6))
        return _gateway(server.base, call_deadline_s=0.3), None
    if kind is Transport.CONNECTION:
        server.answer(where, Answer(drop=True))
        return _gateway(server.base), None
    if kind is Transport.TLS:  # TLS to a plain HTTP server: the handshake fails
        if token:
            return _gateway(server.base, token_url=f"{tls}/token"), None
        return _gateway(server.base), f"{tls}{PATH}"
    if token:  # Transport.OTHER: a URL requests refuses before sending
        return _gateway(server.base, token_url="ftp://127.0.0.1/token"), None
    return _gateway(server.base), "ftp://127.0.0.1/svc/op"


@pytest.mark.parametrize("token", [False, True], ids=["service", "token"])
@pytest.mark.parametrize("kind", list(Transport), ids=lambda k: k.value)
def test_every_transport_row_does_what_its_action_says(
    server: Script, kind: Transport, token: bool
) -> None:
    table = TOKEN_STATUS_ACTIONS if token else DEFAULT_STATUS_ACTIONS
    action = table.action(kind)
    gateway, url = _transport(server, kind, token)
    with pytest.raises(TiltsError) as caught:
        _client(Probe, gateway).probe(url)
    assert isinstance(caught.value, EXPECTED[action]), (kind, action, caught.value)


# -- the contract's rows, pinned (registries.md §1.1, §1.3, §1.5; outbound.md) -----------------
PINNED: list[tuple[StatusTable, Row, Action]] = [
    (DEFAULT_STATUS_ACTIONS, 200, Action.OK),
    (DEFAULT_STATUS_ACTIONS, 204, Action.OK),
    (DEFAULT_STATUS_ACTIONS, 401, Action.REAUTH),
    (DEFAULT_STATUS_ACTIONS, 429, Action.RATE_LIMITED),
    (DEFAULT_STATUS_ACTIONS, 400, Action.FATAL),
    (DEFAULT_STATUS_ACTIONS, 413, Action.FATAL),
    (DEFAULT_STATUS_ACTIONS, 500, Action.FATAL),
    *[(DEFAULT_STATUS_ACTIONS, s, Action.RETRY) for s in (502, 503, 504)],
    *[
        (DEFAULT_STATUS_ACTIONS, t, Action.RETRY)
        for t in (Transport.TIMEOUT, Transport.CONNECTION, Transport.DEADLINE)
    ],
    (DEFAULT_STATUS_ACTIONS, Transport.TLS, Action.FATAL),
    (SoapProbe.STATUS_ACTIONS, 500, Action.FAULT),
    (RECIPIENT_STATUS_ACTIONS, 409, Action.CONFLICT),
    (RECIPIENT_STATUS_ACTIONS, 422, Action.FAULT),
    (RECIPIENT_STATUS_ACTIONS, 418, Action.FAULT),
    (RECIPIENT_STATUS_ACTIONS, 401, Action.REAUTH),
    (RECIPIENT_STATUS_ACTIONS, 429, Action.RATE_LIMITED),
    (RECIPIENT_STATUS_ACTIONS, 500, Action.RETRY),
    (TOKEN_STATUS_ACTIONS, 200, Action.OK),
    (TOKEN_STATUS_ACTIONS, 201, Action.DENIED),
    (TOKEN_STATUS_ACTIONS, 401, Action.DENIED),
    *[(TOKEN_STATUS_ACTIONS, s, Action.RETRY) for s in (429, 502, 503, 504)],
    (TOKEN_STATUS_ACTIONS, Transport.TLS, Action.DENIED),
    (TOKEN_STATUS_ACTIONS, Transport.CONNECTION, Action.RETRY),
]


@pytest.mark.parametrize(("table", "row", "action"), PINNED)
def test_the_contract_rows(table: StatusTable, row: Row, action: Action) -> None:
    assert table.action(row) is action


# -- no status decided beside the table --------------------------------------------------------
def _status_literals(node: ast.AST) -> list[int]:
    """HTTP-status-like integer constants among a comparison's operands (``in (…)`` too)."""
    found: list[int] = []
    for sub in ast.walk(node):
        if isinstance(sub, ast.Constant) and type(sub.value) is int and 100 <= sub.value <= 599:
            found.append(sub.value)
    return found


def _comparisons(tree: ast.AST) -> Iterator[tuple[int, list[int]]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            literals = [v for op in operands for v in _status_literals(op)]
            if literals:
                yield node.lineno, literals
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "range":
            literals = [v for arg in node.args for v in _status_literals(arg)]
            if literals:
                yield node.lineno, literals


def test_no_status_code_is_compared_outside_the_table() -> None:
    offenders = [
        f"{path.name}:{line}: {literals}"
        for path in sorted(CONNECTORS.glob("*.py"))
        if path.name != "statuses.py"
        for line, literals in _comparisons(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert not offenders, "decide statuses in connectors/statuses.py: " + "; ".join(offenders)


def test_the_scan_catches_a_status_branch() -> None:
    caught = list(_comparisons(ast.parse("if raw.status == 429: pass\nx = s in (502, 503)\n")))
    assert [line for line, _ in caught] == [1, 2]
