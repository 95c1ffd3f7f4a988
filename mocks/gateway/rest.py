"""Generic JSON-over-HTTP endpoint behind the mock gateway (for VSAA, VID, NVA, SPOLIS, …).

:func:`rest_route` wraps a handler in the gateway pipeline (:mod:`mocks.gateway`):

1. bearer token and scope (401 / 403);
2. the body must be a JSON object (400 ``INVALID_REQUEST``);
3. rate limit (429 + ``Retry-After``), fault injection;
4. X-Road facts as headers: ``X-Road-Id`` required (400 ``INVALID_REQUEST``), ``X-Road-UserId``
   (prefixed ``LV``) and ``X-Road-Issue`` required (400 ``MISSING_PURPOSE``), ``X-Road-Client``
   must be ``LV/GOV/<the OAuth client's member code>/SOC`` (403 ``FORBIDDEN``);
5. the operation's own ``validate`` (400 ``INVALID_REQUEST``) and batch limit on
   ``batch_field`` (413 ``BATCH_TOO_LARGE``);
   (a ``GET`` has no body: the handler gets the path parameters, a batch of one);
6. the handler's dict is answered as JSON with ``X-Road-Id`` echoed (another id under the
   ``wrong_message_id`` fault; persons' results overridden under the ``record`` fault). A
   handler raises :class:`RestError` for a problem of its own.

Every answer is journalled once. Example (what the VSAA mock would look like)::

    SPEC = ServiceSpec("vsaa", "vsaa.payments", "/vsaa/api/v1", "rest",
                       ("GOV", "VSAA", "PAYMENTS"),
                       (OperationSpec("payments/query", 500, 10, "personCodes"),))

    def routes(state: MockState) -> list[Route]:
        def query(call: RestCall) -> dict[str, Any]:
            pop = state.population
            ...
            return {"dataCompleteThrough": pop.data_complete_through("vsaa"), "results": [...]}
        return [rest_route(state, SPEC, "payments/query", query, validate=check_months)]
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tilts.mocks.gateway import faults, pipeline
from tilts.mocks.gateway.pipeline import CallContext, Refusal
from tilts.mocks.gateway.specs import OperationSpec, ServiceSpec
from tilts.mocks.gateway.state import MockState


class RestError(Exception):
    """A problem the handler answers itself (status, machine code, safe detail)."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail


@dataclass
class RestCall:
    """What a REST handler gets: the gateway context and the JSON body."""

    ctx: CallContext
    body: dict[str, Any]


RestHandler = Callable[[RestCall], "dict[str, Any] | Awaitable[dict[str, Any]]"]
Validator = Callable[[dict[str, Any]], "str | None"]


def check_xroad_headers(ctx: CallContext, request: Request) -> None:
    """Fill the context from the ``X-Road-*`` headers; raises :class:`RestError`."""
    h = request.headers
    ctx.message_id = h.get("x-road-id")
    ctx.user_id = h.get("x-road-userid")
    ctx.issue = h.get("x-road-issue")
    if not ctx.message_id:
        raise RestError(400, "INVALID_REQUEST", "header X-Road-Id is required")
    if not ctx.user_id or not ctx.issue:
        raise RestError(
            400, "MISSING_PURPOSE", "headers X-Road-UserId and X-Road-Issue are required"
        )
    if not ctx.user_id.startswith("LV"):
        raise RestError(400, "INVALID_REQUEST", "X-Road-UserId must start with LV")
    member = None if ctx.client is None else ctx.client.member_code
    if member is None or h.get("x-road-client") != f"LV/GOV/{member}/SOC":
        raise RestError(403, "FORBIDDEN", "the X-Road client does not belong to the OAuth client")


def media_type(request: Request) -> str:
    """The request's media type, lower case, without parameters (``""`` when absent)."""
    return request.headers.get("content-type", "").partition(";")[0].strip().lower()


async def json_object(request: Request) -> dict[str, Any]:
    """The request body as a JSON object: 415 ``UNSUPPORTED_MEDIA_TYPE`` unless it is sent as
    ``application/json`` (or a ``+json`` type), 400 ``INVALID_REQUEST`` unless it is an object."""
    media = media_type(request)
    if media != "application/json" and not (
        media.startswith("application/") and media.endswith("+json")
    ):
        raise RestError(
            415, "UNSUPPORTED_MEDIA_TYPE", "the body must be sent as Content-Type application/json"
        )
    try:
        body = json.loads(await request.body())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RestError(400, "INVALID_REQUEST", "the body is not JSON") from exc
    if not isinstance(body, dict):
        raise RestError(400, "INVALID_REQUEST", "the body must be a JSON object")
    return body


async def gateway_checks(ctx: CallContext, request: Request) -> Response | None:
    """Rate limit, fault injection and X-Road headers, in the gateway's order; an injected
    fault's response when one applies."""
    pipeline.check_rate(ctx)
    pipeline.pick_fault(ctx)
    injected = await pipeline.injected_response(ctx, request)
    if injected is not None:
        return injected
    check_xroad_headers(ctx, request)
    return None


def _echo(ctx: CallContext) -> dict[str, str]:
    if not ctx.message_id:
        return {}
    wrong = ctx.fault is not None and ctx.fault.kind == "wrong_message_id"
    return {"X-Road-Id": pipeline.new_message_id() if wrong else ctx.message_id}


@dataclass(frozen=True)
class RestOperation:
    """One mounted REST operation: what its endpoint needs besides the request."""

    state: MockState
    spec: ServiceSpec
    op: OperationSpec
    handler: RestHandler
    validate: Validator | None
    method: str = "POST"


async def endpoint(route: RestOperation, request: Request) -> Response:
    """One call of ``route``'s operation through the pipeline of the module docstring."""
    op, validate = route.op, route.validate
    try:
        ctx = pipeline.authenticate(route.state, request, route.spec)
    except Refusal as refusal:
        return refusal.response
    ctx.operation = op.name
    try:
        # a GET names its one subject in the path (UR, property.md §4): the handler's "body" is
        # the path parameters, and the call counts as a batch of one
        body = dict(request.path_params) if route.method == "GET" else await json_object(request)
        if route.method == "GET":
            ctx.batch_size = 1
        injected = await gateway_checks(ctx, request)
        if injected is not None:
            return injected
        error = validate(body) if validate is not None else None
        if error:
            raise RestError(400, "INVALID_REQUEST", error)
        if op.batch_field is not None:
            items = body.get(op.batch_field)
            if not isinstance(items, list) or not items:
                raise RestError(
                    400, "INVALID_REQUEST", f"{op.batch_field} must be a non-empty list"
                )
            ctx.batch_size = len(items)
            if op.max_batch is not None and len(items) > op.max_batch:
                raise RestError(
                    413,
                    "BATCH_TOO_LARGE",
                    f"{op.name} takes at most {op.max_batch} {op.batch_field}",
                )
        result = route.handler(RestCall(ctx, body))
        answer = await result if inspect.isawaitable(result) else result
        answer = faults.override_results(ctx.fault, answer)
    except Refusal as refusal:
        return refusal.response
    except RestError as exc:
        pipeline.finish(ctx, exc.status, exc.code)
        response = pipeline.problem(exc.status, exc.code, exc.detail, _echo(ctx))
        return response
    pipeline.finish(ctx, 200, "OK")
    return JSONResponse(answer, headers=_echo(ctx))


def rest_route(
    state: MockState,
    spec: ServiceSpec,
    operation: str,
    handler: RestHandler,
    validate: Validator | None = None,
    method: str = "POST",
) -> Route:
    """A route at ``<spec.path>/<operation>`` running the pipeline of the module docstring."""
    op = spec.operation(operation)
    if op is None:
        raise ValueError(f"{spec.name} has no operation {operation!r}")

    route = RestOperation(state, spec, op, handler, validate, method)
    return Route(f"{spec.path}/{operation}", partial(endpoint, route), methods=[method])
