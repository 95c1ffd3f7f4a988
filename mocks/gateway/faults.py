"""Fault injection rules (``/_admin/faults``) and the responses they produce.

A rule matches calls of one service (and optionally one operation) and applies to the first
``count`` matching calls, or to a deterministic ``rate`` share of them (RNG seeded by the mock
seed and the rule id), or to every matching call. At most one rule applies per call: the first
applicable one in the order the rules were added.

Kinds (params in brackets):

* ``http_status`` [``status`` = 503, ``retryAfter``] — a plain HTTP error, problem+json body;
* ``soap_fault`` [``faultCode`` = ``Server.Unavailable``] — SOAP services only, HTTP 500;
* ``delay`` [``delaySeconds`` = 1] — then the normal answer;
* ``timeout`` [``delaySeconds`` = 600] — holds the connection without answering (ends early
  when the client goes away; after the hold a 504 is sent);
* ``reset`` — closes the TCP connection abruptly (RST, via ``SO_LINGER`` 0) without answering;
* ``malformed`` — HTTP 200 with a truncated, unparsable body;
* ``dtd`` — HTTP 200 whose XML carries a DOCTYPE with an external entity (XXE bait);
* ``entity_bomb`` — HTTP 200 with a "billion laughs" document;
* ``oversized`` [``sizeBytes`` = 21 MiB] — HTTP 200, a well-formed body of that size, streamed
  (chunked, no Content-Length), to test the client's response-size cap;
* ``wrong_message_id`` — the normal answer with a different message id (``xrd:id`` /
  ``X-Road-Id``);
* ``duplicate_changes`` — PMLP ``getChanges`` only: every change of the page comes twice;
* ``expire_tokens`` — the token this call presents expires as it arrives: the call gets 401
  ``invalid_token`` as any call with an expired token does (token expiry mid-run; with
  ``count=1`` the client's next token works);
* ``record`` [``records`` = {requested code: {field: value}}] — the normal answer with those
  persons' records overridden (a registry sending a bad record): VSAA, VID and NVA set the
  fields on the person's result (``null`` removes one), PMLP ``getPersons`` and VZD
  ``getPropertyRights`` replace the text of the person's first elements of those names (``null``
  removes the element).
"""

from __future__ import annotations

import asyncio
import html
import random
import re
import socket
import struct
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import StreamingResponse

KINDS = (
    "http_status",
    "soap_fault",
    "delay",
    "timeout",
    "reset",
    "malformed",
    "dtd",
    "entity_bomb",
    "oversized",
    "wrong_message_id",
    "duplicate_changes",
    "expire_tokens",
    "record",
)
DEFAULT_OVERSIZE = 21 * 1024 * 1024


class ConnectionReset(Exception):
    """Raised by a handler to make :class:`ResetMiddleware` abort the TCP connection."""


@dataclass
class FaultRule:
    """One fault rule; ``matched``/``applied`` count the calls it saw and changed."""

    id: int
    service: str
    operation: str | None
    kind: str
    status: int | None = None
    fault_code: str | None = None
    delay_seconds: float | None = None
    retry_after: int | None = None
    size_bytes: int | None = None
    rate: float | None = None
    count: int | None = None
    records: dict[str, dict[str, Any]] | None = None
    matched: int = 0
    applied: int = 0
    rng: random.Random = field(default_factory=random.Random, repr=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "service": self.service,
            "operation": self.operation,
            "kind": self.kind,
            "status": self.status,
            "faultCode": self.fault_code,
            "delaySeconds": self.delay_seconds,
            "retryAfter": self.retry_after,
            "sizeBytes": self.size_bytes,
            "rate": self.rate,
            "count": self.count,
            "records": self.records,
            "matched": self.matched,
            "applied": self.applied,
        }


class FaultTable:
    """The active fault rules.

    Args:
        seed: mock seed (rate decisions are deterministic per rule).
        services: service name → (protocol, operation names), to validate new rules.
    """

    def __init__(self, seed: int, services: Mapping[str, tuple[str, tuple[str, ...]]]) -> None:
        self.seed = seed
        self.services = services
        self.rules: list[FaultRule] = []
        self._next_id = 1

    def add(self, raw: Mapping[str, Any]) -> FaultRule:
        """Validate and add a rule from its JSON form; raises ``ValueError`` with the reason."""
        known = {
            "service",
            "operation",
            "kind",
            "status",
            "faultCode",
            "delaySeconds",
            "retryAfter",
            "sizeBytes",
            "rate",
            "count",
            "records",
        }
        unknown = sorted(set(raw) - known)
        if unknown:
            raise ValueError(f"unknown field(s): {', '.join(unknown)}")
        service, kind = raw.get("service"), raw.get("kind")
        if not isinstance(service, str) or service not in self.services:
            raise ValueError(f"service must be one of {sorted(self.services)}")
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {list(KINDS)}")
        protocol, operations = self.services[service]
        operation = raw.get("operation")
        if operation is not None and operation not in operations:
            raise ValueError(f"operation of {service} must be one of {list(operations)}")
        if kind == "soap_fault" and protocol != "soap":
            raise ValueError("soap_fault applies to SOAP services only")
        rate, count = raw.get("rate"), raw.get("count")
        if rate is not None and not (isinstance(rate, int | float) and 0 <= rate <= 1):
            raise ValueError("rate must be a number in 0..1")
        if count is not None and not (isinstance(count, int) and count >= 0):
            raise ValueError("count must be a non-negative integer")
        status = raw.get("status")
        if status is not None and not (isinstance(status, int) and 400 <= status <= 599):
            raise ValueError("status must be an HTTP error status 400..599")
        rule = FaultRule(
            id=self._next_id,
            service=service,
            operation=operation,
            kind=kind,
            status=status,
            fault_code=_opt(raw, "faultCode", str),
            delay_seconds=_opt(raw, "delaySeconds", float),
            retry_after=_opt(raw, "retryAfter", int),
            size_bytes=_opt(raw, "sizeBytes", int),
            rate=None if rate is None else float(rate),
            count=count,
            records=_records(kind, raw.get("records")),
            rng=random.Random(f"{self.seed}:fault:{self._next_id}"),
        )
        self._next_id += 1
        self.rules.append(rule)
        return rule

    def pick(self, service: str, operation: str | None) -> FaultRule | None:
        """The rule that applies to this call, if any (counts are updated)."""
        for rule in self.rules:
            if rule.service != service or (rule.operation not in (None, operation)):
                continue
            rule.matched += 1
            if rule.count is not None and rule.applied >= rule.count:
                continue
            if rule.rate is not None and rule.rng.random() >= rule.rate:
                continue
            rule.applied += 1
            return rule
        return None

    def remove(self, rule_id: int) -> bool:
        before = len(self.rules)
        self.rules = [r for r in self.rules if r.id != rule_id]
        return len(self.rules) < before

    def clear(self) -> int:
        """Drop every rule; ids (and so the rate RNGs) start again at 1."""
        n = len(self.rules)
        self.rules.clear()
        self._next_id = 1
        return n


def _records(kind: str, raw: Any) -> dict[str, dict[str, Any]] | None:
    """``records`` of a ``record`` rule: a non-empty object of code → object of fields."""
    if kind != "record":
        if raw is not None:
            raise ValueError("records belongs to kind record")
        return None
    if not (isinstance(raw, dict) and raw and all(isinstance(v, dict) for v in raw.values())):
        raise ValueError("records must map personal codes to objects of fields")
    return {str(code): dict(fields) for code, fields in raw.items()}


def override_results(rule: FaultRule | None, answer: dict[str, Any]) -> dict[str, Any]:
    """A REST answer with the ``record`` rule's fields set on the named persons' results."""
    if rule is None or rule.kind != "record" or not rule.records:
        return answer
    # a one-person answer (UR's GET) is its own result
    single = "results" not in answer and "personCode" in answer
    results = [answer] if single else answer.get("results")
    for result in results or []:
        fields = rule.records.get(str(result.get("personCode")))
        for name, value in (fields or {}).items():
            if value is None:
                result.pop(name, None)
            else:
                result[name] = value
    return answer


def override_xml(rule: FaultRule | None, requested: str, fragment: str) -> str:
    """A SOAP person element with the ``record`` rule's element texts replaced (escaped)."""
    fields = None if rule is None or rule.kind != "record" else (rule.records or {}).get(requested)
    for name, value in (fields or {}).items():
        tag = re.escape(name)
        element = rf"(<(?:\w+:)?{tag}>)[^<]*(</(?:\w+:)?{tag}>)"
        if value is None:
            fragment = re.sub(element, "", fragment, count=1)
            continue
        text = html.escape(str(value), quote=False).replace("\\", "\\\\")
        fragment = re.sub(element, rf"\g<1>{text}\g<2>", fragment, count=1)
    return fragment


def _opt(raw: Mapping[str, Any], key: str, kind: Callable[[Any], Any]) -> Any:
    value = raw.get(key)
    if value is None:
        return None
    try:
        return kind(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{key} has the wrong type") from exc


# ---------------------------------------------------------------------------- responses
XML_TYPE = "text/xml; charset=utf-8"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"

DTD_BODY = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<!DOCTYPE Envelope [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    f'<SOAP-ENV:Envelope xmlns:SOAP-ENV="{SOAP_ENV}"><SOAP-ENV:Body>'
    "<response>&xxe;</response></SOAP-ENV:Body></SOAP-ENV:Envelope>\n"
)


def entity_bomb() -> str:
    """The classic "billion laughs" document (10 levels of 10 references)."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', "<!DOCTYPE lolz [", '  <!ENTITY lol0 "lol">']
    lines += [f'  <!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)]
    lines += [
        "]>",
        f'<SOAP-ENV:Envelope xmlns:SOAP-ENV="{SOAP_ENV}"><SOAP-ENV:Body>'
        "<lolz>&lol9;</lolz></SOAP-ENV:Body></SOAP-ENV:Envelope>",
    ]
    return "\n".join(lines) + "\n"


def malformed(protocol: str) -> tuple[str, str]:
    """(body, media type) of an unparsable answer."""
    if protocol == "soap":
        return (
            f'<?xml version="1.0"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="{SOAP_ENV}">'
            "<SOAP-ENV:Body><response><person><result>FOU",
            XML_TYPE,
        )
    return '{"results": [{"personCode": "0", "status": "FOU', "application/json"


def oversized(protocol: str, size: int) -> StreamingResponse:
    """A well-formed body of ``size`` bytes, streamed in 64 KiB chunks."""
    if protocol == "soap":
        head = (
            f'<?xml version="1.0" encoding="UTF-8"?><SOAP-ENV:Envelope xmlns:SOAP-ENV='
            f'"{SOAP_ENV}"><SOAP-ENV:Body><!-- '
        ).encode()
        tail = b" --></SOAP-ENV:Body></SOAP-ENV:Envelope>"
        media = XML_TYPE
    else:
        head, tail, media = b'{"padding": "', b'"}', "application/json"
    pad = max(0, size - len(head) - len(tail))

    async def body() -> AsyncIterator[bytes]:
        yield head
        chunk = b"x" * 65536
        left = pad
        while left > 0:
            yield chunk[: min(left, 65536)]
            left -= 65536
        yield tail

    return StreamingResponse(body(), media_type=media)


async def hold(request: Request, seconds: float) -> bool:
    """Wait ``seconds`` without answering; ``True`` if the client went away meanwhile."""
    try:
        async with asyncio.timeout(seconds):
            while True:
                message = await request.receive()
                if message["type"] == "http.disconnect":
                    return True
    except TimeoutError:
        return False


def _transport(receive: Any) -> asyncio.Transport | None:
    # uvicorn's receive is a bound method of its request cycle, which holds the transport.
    cycle = getattr(receive, "__self__", None)
    transport = getattr(cycle, "transport", None)
    return transport if isinstance(transport, asyncio.BaseTransport) else None  # type: ignore[return-value]


class ResetMiddleware:
    """ASGI middleware: on :class:`ConnectionReset`, abort the connection with a TCP RST."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        except ConnectionReset:
            transport = _transport(receive)
            if transport is None:
                raise
            sock = transport.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            transport.abort()
            for _ in range(3):  # let the server notice the disconnect before it tries to answer
                await asyncio.sleep(0)
