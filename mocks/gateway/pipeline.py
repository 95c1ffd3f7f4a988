"""The mock state gateway: service table types, bearer and scope checks, rate limits, journal.

Every service (SOAP or REST) is described by a :class:`ServiceSpec` and goes through the same
pipeline, in this order:

1. :func:`authenticate` — bearer token (401 ``INVALID_TOKEN`` with
   ``WWW-Authenticate: Bearer error="invalid_token"``) and scope (403 ``FORBIDDEN``);
2. the protocol layer parses the request (SOAP envelope / JSON) and names the operation;
3. :func:`check_rate` — per client, service and operation token bucket of registries.md §1.4
   (429 ``RATE_LIMITED`` with ``Retry-After`` in whole seconds);
4. fault injection (:func:`injected_response`);
5. the protocol layer checks the X-Road facts (purpose, client ↔ OAuth client), the body and the
   batch limit, and calls the handler;
6. :func:`finish` writes the journal entry.

Tokens are issued by ``POST /token`` (:mod:`mocks.gateway.tokens`).

Gateway refusals (401, 403 scope, 429, injected HTTP statuses) are plain HTTP answers with an
``application/problem+json`` body for SOAP and REST alike. Everything a service itself refuses is
a SOAP fault (HTTP 500) or a REST problem with its own status.
"""

from __future__ import annotations

import asyncio
import math
import time
import uuid
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tilts.mocks.config import ClientSpec
from tilts.mocks.gateway import faults
from tilts.mocks.gateway.faults import ConnectionReset, FaultRule
from tilts.mocks.gateway.specs import ServiceSpec
from tilts.mocks.gateway.state import MockState

PROBLEM_TYPE = "application/problem+json"
PROBLEM_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    413: "Batch too large",
    415: "Unsupported media type",
    429: "Too many requests",
    500: "Internal error",
    502: "Bad gateway",
    503: "Service unavailable",
    504: "Gateway timeout",
}
STATUS_CODES = {
    400: "INVALID_REQUEST",
    401: "INVALID_TOKEN",
    403: "FORBIDDEN",
    413: "BATCH_TOO_LARGE",
    429: "RATE_LIMITED",
    415: "UNSUPPORTED_MEDIA_TYPE",
    500: "INTERNAL_ERROR",
    502: "BAD_GATEWAY",
    503: "UNAVAILABLE",
    504: "GATEWAY_TIMEOUT",
}


# ---------------------------------------------------------------------------- calls
@dataclass
class CallContext:
    """One call through the gateway; protocol layers fill the X-Road facts as they learn them."""

    state: MockState
    service: ServiceSpec
    client: ClientSpec | None
    started: float = field(default_factory=time.perf_counter)
    operation: str | None = None
    user_id: str | None = None
    issue: str | None = None
    message_id: str | None = None
    batch_size: int | None = None
    fault: FaultRule | None = None
    done: bool = False


class Refusal(Exception):
    """A gateway refusal; ``response`` is what the client gets (already journalled)."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def problem(
    status: int, code: str | None = None, detail: str = "", headers: dict[str, str] | None = None
) -> Response:
    """An RFC 9457 ``application/problem+json`` response with a machine ``code``."""
    code = code or STATUS_CODES.get(status, "ERROR")
    body = {
        "type": f"urn:tilts:mock:problem:{code.lower().replace('_', '-')}",
        "title": PROBLEM_TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "code": code,
    }
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_TYPE)


def finish(ctx: CallContext, status: int, outcome: str) -> None:
    """Journal the call once (later calls for the same context are ignored)."""
    if ctx.done:
        return
    ctx.done = True
    ctx.state.journal.add(
        service=ctx.service.name,
        operation=ctx.operation,
        client=None if ctx.client is None else ctx.client.client_id,
        user_id=ctx.user_id,
        issue=ctx.issue,
        batch_size=ctx.batch_size,
        status=status,
        outcome=outcome,
        duration_ms=(time.perf_counter() - ctx.started) * 1000.0,
        message_id=ctx.message_id,
        injected_fault=None if ctx.fault is None else ctx.fault.kind,
    )


def refuse(
    ctx: CallContext, status: int, code: str, detail: str, headers: dict[str, str] | None = None
) -> Refusal:
    """Journal a gateway refusal and wrap its problem response (``raise refuse(...)``)."""
    finish(ctx, status, code)
    return Refusal(problem(status, code, detail, headers))


def authenticate(state: MockState, request: Request, service: ServiceSpec) -> CallContext:
    """Check the bearer token and the service scope; raises :class:`Refusal` (401/403)."""
    ctx = CallContext(state, service, None)
    auth = request.headers.get("authorization", "")
    scheme, _, value = auth.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise refuse(
            ctx,
            401,
            "INVALID_TOKEN",
            "a bearer token is required",
            {"WWW-Authenticate": 'Bearer realm="tilts-mock"'},
        )
    token = state.tokens.get(value.strip())
    if token is None:
        raise refuse(
            ctx,
            401,
            "INVALID_TOKEN",
            "the token is unknown or expired",
            {"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    ctx.client = token.client
    if service.scope not in token.scopes:
        raise refuse(
            ctx,
            403,
            "FORBIDDEN",
            f"the token lacks scope {service.scope}",
            {"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{service.scope}"'},
        )
    return ctx


def check_rate(ctx: CallContext) -> None:
    """Apply the operation's rate limit; raises :class:`Refusal` (429 + ``Retry-After``)."""
    op = ctx.service.operation(ctx.operation or "")
    if op is None or op.rate_per_s is None or ctx.client is None:
        return
    wait = ctx.state.limiter.take((ctx.client.client_id, ctx.service.name, op.name), op.rate_per_s)
    if wait is not None:
        seconds = max(1, math.ceil(wait))
        raise refuse(
            ctx,
            429,
            "RATE_LIMITED",
            f"{op.name} allows {op.rate_per_s:g} calls/s per client",
            {"Retry-After": str(seconds)},
        )


def pick_fault(ctx: CallContext) -> FaultRule | None:
    """Choose the injected fault of this call (if any) and remember it on the context."""
    ctx.fault = ctx.state.faults.pick(ctx.service.name, ctx.operation)
    return ctx.fault


async def injected_response(ctx: CallContext, request: Request) -> Response | None:
    """The answer an injected fault replaces the real one with, or ``None`` to go on.

    ``delay`` sleeps and returns ``None``; ``expire_tokens`` expires the call's token and refuses
    the call as :func:`authenticate` refuses an expired token; ``wrong_message_id`` and
    ``duplicate_changes`` act on the normal answer; ``soap_fault`` is built by the SOAP layer;
    ``reset`` raises :class:`~mocks.gateway.faults.ConnectionReset`.
    """
    rule = ctx.fault
    if rule is None:
        return None
    protocol = ctx.service.protocol
    kind = rule.kind
    if kind == "delay":
        await asyncio.sleep(rule.delay_seconds if rule.delay_seconds is not None else 1.0)
        return None
    if kind == "expire_tokens":
        ctx.state.tokens.expire(request.headers.get("authorization", "").partition(" ")[2].strip())
        raise refuse(ctx, 401, "INVALID_TOKEN", "the token is unknown or expired",
                     {"WWW-Authenticate": 'Bearer error="invalid_token"'})  # fmt: skip
    if kind == "http_status":
        status = rule.status or 503
        headers = {"Retry-After": str(rule.retry_after)} if rule.retry_after is not None else None
        finish(ctx, status, "INJECTED")
        return problem(status, None, "injected fault", headers)
    if kind == "timeout":
        gone = await faults.hold(request, rule.delay_seconds or 600.0)
        finish(ctx, 0 if gone else 504, "TIMEOUT")
        return problem(504, "GATEWAY_TIMEOUT", "injected timeout")
    if kind == "reset":
        finish(ctx, 0, "RESET")
        raise ConnectionReset
    if kind == "malformed":
        body, media = faults.malformed(protocol)
        finish(ctx, 200, "MALFORMED")
        return Response(body, media_type=media)
    if kind in ("dtd", "entity_bomb"):
        finish(ctx, 200, kind.upper())
        text = faults.DTD_BODY if kind == "dtd" else faults.entity_bomb()
        return Response(text, media_type=faults.XML_TYPE)
    if kind == "oversized":
        finish(ctx, 200, "OVERSIZED")
        return faults.oversized(protocol, rule.size_bytes or faults.DEFAULT_OVERSIZE)
    return None


def new_message_id() -> str:
    """A fresh message id (used for ``wrong_message_id``)."""
    return str(uuid.uuid4())
