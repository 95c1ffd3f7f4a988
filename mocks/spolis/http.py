"""The SPOLIS endpoint pipeline: the gateway rules plus what SPOLIS adds to them.

:func:`api_route` is :func:`mocks.gateway.rest.rest_route` widened for path parameters,
``GET``/``PUT``, the ``Idempotency-Key`` header and OpenAPI request validation. Order of checks:

1. bearer token and scope ``spolis.submit`` (401 / 403 ``FORBIDDEN``);
2. a JSON object body for POST/PUT (400 ``INVALID_REQUEST``);
3. rate limit (429 + ``Retry-After``), injected faults;
4. ``X-Road-*`` headers (400 ``INVALID_REQUEST`` / ``MISSING_PURPOSE``, 403 ``FORBIDDEN``);
5. ``Idempotency-Key`` (a UUID) where the operation needs one (400 ``INVALID_REQUEST``);
6. batch limit (413 ``BATCH_TOO_LARGE``), then the body against ``mocks/openapi/spolis.json``
   (400 ``INVALID_REQUEST`` naming the JSON path, e.g. ``$.records[2].version``);
7. path parameters (400) and the municipality: the path's or body's ATVK must be the token's
   client's (403 ``WRONG_MUNICIPALITY``);
8. idempotency: the same key and body replay the first answer, another body is 409
   ``IDEMPOTENCY_CONFLICT`` (keys are per OAuth client and operation);
9. the handler.

Every answer (success or refusal) carries ``Cache-Control: no-store`` (``spolis.md`` §7).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tilts.assessment.periods import Month
from tilts.mocks import openapi
from tilts.mocks.gateway import pipeline
from tilts.mocks.gateway.pipeline import CallContext, Refusal
from tilts.mocks.gateway.rest import RestError, gateway_checks, json_object
from tilts.mocks.gateway.specs import OperationSpec, ServiceSpec
from tilts.mocks.gateway.state import MockState
from tilts.mocks.spolis.store import SpolisStore, digest

API = "/spolis/api/v1"
DOC = "spolis"  # mocks/openapi/spolis.json
BATCH_FIELDS = {
    "submitDecisions": "records",
    "submitPayments": "records",
    "queryBenefitChecks": "personCodes",
}


def _operations() -> dict[str, tuple[str, dict[str, Any]]]:
    """operationId → (HTTP method, operation object) of the document."""
    out: dict[str, tuple[str, dict[str, Any]]] = {}
    for item in openapi.document(DOC)["paths"].values():
        for method, op in item.items():
            if isinstance(op, dict) and "operationId" in op:
                out[op["operationId"]] = (method, op)
    return out


def _body_ref(op: dict[str, Any]) -> str | None:
    body = op.get("requestBody")
    return None if body is None else str(body["content"]["application/json"]["schema"]["$ref"])


def _operation_spec(name: str, op: dict[str, Any]) -> OperationSpec:
    """Limits as the document states them: ``maxItems`` of the batch field (over it: 413) and
    ``x-tilts-rateLimitPerSecond``."""
    field = BATCH_FIELDS.get(name)
    ref = _body_ref(op)
    max_batch = None
    if field is not None and ref is not None:
        max_batch = openapi.resolve(DOC, ref)["properties"][field].get("maxItems")
    rate = op.get("x-tilts-rateLimitPerSecond")
    return OperationSpec(name, max_batch, None if rate is None else float(rate), field)


SPEC = ServiceSpec(
    "spolis",
    "spolis.submit",
    API,
    "rest",
    ("GOV", "LM", "SPOLIS"),
    tuple(_operation_spec(name, op) for name, (_, op) in _operations().items()),
)


def body_validators() -> dict[str, Draft202012Validator]:
    """operationId → a validator of its JSON request body (``$ref`` inlined, formats asserted)."""
    out: dict[str, Draft202012Validator] = {}
    for name, (_, op) in _operations().items():
        ref = _body_ref(op)
        if ref is not None:
            out[name] = Draft202012Validator(
                openapi.inline(DOC, {"$ref": ref}),
                format_checker=Draft202012Validator.FORMAT_CHECKER,
            )
    return out


def schema_problem(validator: Draft202012Validator, body: Any) -> str | None:
    """``"<JSON path>: <what is wrong>"`` (no value repeated) for the most relevant error.

    A batch over its ``maxItems`` never gets here: the 413 check comes first."""
    error = best_match(validator.iter_errors(body))
    return None if error is None else openapi.describe(error)


@dataclass
class Call:
    """What a SPOLIS handler gets."""

    ctx: CallContext
    body: dict[str, Any]
    atvk: str  # the token's client's municipality
    params: dict[str, str]


Handler = Callable[[Call], "dict[str, Any]"]


def _echo(ctx: CallContext) -> dict[str, str]:
    if not ctx.message_id:
        return {}
    wrong = ctx.fault is not None and ctx.fault.kind == "wrong_message_id"
    return {"X-Road-Id": pipeline.new_message_id() if wrong else ctx.message_id}


def _check_params(params: dict[str, str]) -> None:
    # A period's due date falls in the next month or year, so that must be a calendar one too
    # (9999-12 and 9999 have none; 0000 is no year): a 400, never a crash.
    if "atvk" in params and not re.fullmatch(r"[0-9]{7}", params["atvk"]):
        raise RestError(400, "INVALID_REQUEST", "atvk: must be 7 digits")
    if "month" in params:
        try:
            Month.parse(params["month"]).shift(1)
        except ValueError as exc:
            raise RestError(400, "INVALID_REQUEST", "month: must be YYYY-MM") from exc
    year = params.get("year")
    if year is not None and not (re.fullmatch(r"[0-9]{4}", year) and 1 <= int(year) < 9999):
        raise RestError(400, "INVALID_REQUEST", "year: must be YYYY")


def _check_months(body: dict[str, Any]) -> None:
    """Months the document's pattern lets through but no calendar has (year 0000) → 400 naming
    the field, before anything of the batch is stored."""
    fields = [("$.month", body.get("month"))]
    records = body.get("records")
    if isinstance(records, list):
        fields += [
            (f"$.records[{i}].month", r.get("month"))
            for i, r in enumerate(records)
            if isinstance(r, dict)
        ]
    for path, value in fields:
        if isinstance(value, str):
            try:
                Month.parse(value)
            except ValueError as exc:
                raise RestError(400, "INVALID_REQUEST", f"{path}: not a calendar month") from exc


def _own_atvk(ctx: CallContext, body: dict[str, Any], params: dict[str, str]) -> str:
    own = None if ctx.client is None else ctx.client.atvk
    asked = params.get("atvk", body.get("municipality", own))
    if own is None or asked != own:
        raise RestError(
            403, "WRONG_MUNICIPALITY", "a municipality submits and reads only its own ATVK"
        )
    return own


@dataclass(frozen=True)
class ApiOperation:
    """One mounted SPOLIS operation: what its endpoint needs besides the request."""

    state: MockState
    store: SpolisStore
    op: OperationSpec
    method: str
    handler: Handler
    validator: Draft202012Validator | None
    idempotent: bool


async def endpoint(route: ApiOperation, request: Request) -> Response:
    """One call of ``route``'s operation through the pipeline of the module docstring."""
    state, store, op, method = route.state, route.store, route.op, route.method
    handler, validator, idempotent = route.handler, route.validator, route.idempotent
    try:
        ctx = pipeline.authenticate(state, request, SPEC)
    except Refusal as refusal:
        return refusal.response
    ctx.operation = op.name
    try:
        body: dict[str, Any] = {}
        if method in ("POST", "PUT"):
            body = await json_object(request)
        injected = await gateway_checks(ctx, request)
        if injected is not None:
            return injected
        key = request.headers.get("idempotency-key", "") if idempotent else ""
        if idempotent:
            try:
                uuid.UUID(key)
            except ValueError as exc:
                raise RestError(
                    400, "INVALID_REQUEST", "header Idempotency-Key (a UUID) is required"
                ) from exc
        items = body.get(op.batch_field) if op.batch_field else None
        if isinstance(items, list):
            ctx.batch_size = len(items)
            if op.max_batch is not None and len(items) > op.max_batch:
                raise RestError(
                    413,
                    "BATCH_TOO_LARGE",
                    f"{op.name} takes at most {op.max_batch} {op.batch_field}",
                )
        problem = None if validator is None else schema_problem(validator, body)
        if problem:
            raise RestError(400, "INVALID_REQUEST", problem)
        params = {k: str(v) for k, v in request.path_params.items()}
        _check_params(params)
        _check_months(body)
        atvk = _own_atvk(ctx, body, params)
        slot = ("" if ctx.client is None else ctx.client.client_id, op.name, key)
        if idempotent and slot in store.idempotency:
            first_digest, first_answer = store.idempotency[slot]
            if first_digest != digest(body):
                raise RestError(
                    409,
                    "IDEMPOTENCY_CONFLICT",
                    "this Idempotency-Key was used with another body",
                )
            answer = first_answer
        else:
            answer = handler(Call(ctx, body, atvk, params))
            if idempotent:
                store.idempotency[slot] = (digest(body), answer)
    except Refusal as refusal:
        return refusal.response
    except RestError as exc:
        pipeline.finish(ctx, exc.status, exc.code)
        return pipeline.problem(exc.status, exc.code, exc.detail, _echo(ctx))
    pipeline.finish(ctx, 200, "OK")
    return JSONResponse(answer, headers=_echo(ctx))


async def no_store(route: ApiOperation, request: Request) -> Response:
    """:func:`endpoint`, its answer marked ``Cache-Control: no-store``."""
    # spolis.md §7: no answer of the API is kept by a cache (reports, receipts, refusals)
    response = await endpoint(route, request)
    response.headers["Cache-Control"] = "no-store"
    return response


def api_route(
    state: MockState,
    store: SpolisStore,
    path: str,
    method: str,
    operation: str,
    handler: Handler,
    validators: dict[str, Draft202012Validator],
    idempotent: bool = False,
) -> Route:
    """A route at ``/spolis/api/v1<path>`` running the pipeline of the module docstring."""
    op = SPEC.operation(operation)
    if op is None:
        raise ValueError(f"spolis has no operation {operation!r}")
    validator = validators.get(operation)
    if _operations()[operation][0] != method.lower():
        raise ValueError(f"{operation} is not {method} in the document")

    route = ApiOperation(state, store, op, method, handler, validator, idempotent)
    return Route(f"{API}{path}", partial(no_store, route), methods=[method])
