"""The status recipients of ``spec/outbound.md`` (NINO, JPA, BVKB, NVA and BARIS) and of
property.md §9 (BRIDZIS, KIM).

``POST /recipients/{recipient}/api/v1/status-notifications`` for ``recipient`` in ``nino``,
``jpa``, ``bvkb``, ``nva``, ``baris``, ``bridzis``, ``kim``; one
:class:`~mocks.gateway.specs.ServiceSpec` each, named
``recipient-<recipient>`` (journal and fault rules: ``recipient-nino``, …; the prefix keeps
``nva`` free for the NVA registry), scope ``recipients.notify``, X-Road identity
``LV/GOV/<NINO|JPA|BVKB|NVA|BARIS>/NOTIFY``, operation ``status-notifications``. The committed
``mocks/openapi/recipients.json`` is the contract (:mod:`mocks.openapi`): served unchanged at
``GET …/api/v1/openapi.json`` (no token), it gives the body check, the batch limit (100
persons, 413) and the rate (20 calls/s per client and recipient, what ``tilts.kernel.config``
keeps to).

The pipeline is :mod:`mocks.gateway.rest`'s, in the same order (token and scope, JSON body,
rate limit, injected fault, ``X-Road-*`` headers, batch limit), written out here because a
recipient needs the ``Idempotency-Key`` header and answers 202. Then, in order:

1. ``Idempotency-Key`` present (400 ``INVALID_REQUEST``, ``field`` ``Idempotency-Key``);
2. the body against the recipient's OpenAPI schema (400 ``INVALID_REQUEST`` naming the path);
3. ``Idempotency-Key`` = ``notificationId`` (400); ``municipality`` = the OAuth client's ATVK
   (403 ``FORBIDDEN``; a client without an ATVK may send for any municipality);
4. a key already accepted from this client: the same body replays the receipt (202, journal
   ``REPLAYED``), another body is 409 ``IDEMPOTENCY_CONFLICT``;
5. ``validFrom`` ≤ ``validTo``, no person twice (400); the data-minimisation table
   (:mod:`mocks.recipients.rules`, 422 ``NOT_ALLOWED`` naming the field or role);
6. ordering, then 202 ``{"receiptId"}``.

Ordering: a household's persons change (births, moves, a member leaving), and the payload names
no household, so the recipient keeps the last applied ``sequence`` per (municipality, person) —
the person by population identity, so a code change does not reset it. A notification whose
``sequence`` is ≤ the last applied one of **any** of its persons is acknowledged (202, the stored
record has ``applied: false``, journal ``STALE``) and changes nothing. This is exact when the
sender's sequence grows across households too (a per-recipient counter); a purely per-household
counter could make a person who moved look stale in the new household.

Admin (codes in clear only in the person view — test data):

* ``GET /_admin/recipients/<recipient>`` → ``{"recipient", "service", "notifications":
  [{"notificationId", "receiptId", "client", "sequence", "event", "status", "municipality",
  "decisionDate", "validFrom", "validTo", "receivedAt", "applied", "persons": [masked],
  "roles", "addressCode"?}], "state": {"received", "applied", "ignored", "persons",
  "lastSequence": [{"municipality", "personCode": masked, "sequence"}]}}``;
* ``GET /_admin/recipients/<recipient>/persons/<code>`` → ``{"personCode", "recipient",
  "status", "current", "municipalities": [record]}``: what the recipient believes; ``status`` is
  the status of the most recently applied notification about the person if it was ``GRANTED``
  or ``EXTENDED``, else ``null``; 404 for a code the population does not know.

Everything is cleared by ``POST /_admin/reset``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from tilts.mocks import openapi
from tilts.mocks.gateway import pipeline
from tilts.mocks.gateway.pipeline import CallContext, Refusal
from tilts.mocks.gateway.rest import RestError, gateway_checks, json_object
from tilts.mocks.gateway.specs import ServiceSpec
from tilts.mocks.gateway.state import MockState
from tilts.mocks.recipients import admin
from tilts.mocks.recipients.rules import (
    DOC,
    OPERATION,
    Problem,
    minimisation_problem,
    operation_path,
    semantic_problem,
    shape_check,
)
from tilts.mocks.recipients.store import Recipient, RecipientStore

RECIPIENTS = ("nino", "jpa", "bvkb", "nva", "baris", "bridzis", "kim")
#: X-Road identities other than ``LV/GOV/<RECIPIENT>/NOTIFY`` (property.md §9; BRIDZIS's member
#: is each municipality: the REST call names no provider, so the mock shows a placeholder)
XROAD = {"bridzis": ("GOV", "MUNICIPALITY", "BRIDZIS"), "kim": ("GOV", "LM", "KIM")}
TITLES = {400: "Bad request", 403: "Forbidden", 409: "Conflict", 422: "Unprocessable content"}


def _spec(recipient: str) -> ServiceSpec:
    path = f"/recipients/{recipient}/api/v1"
    return ServiceSpec(
        name=f"recipient-{recipient}",
        scope="recipients.notify",
        path=path,
        protocol="rest",
        xroad=XROAD.get(recipient, ("GOV", recipient.upper(), "NOTIFY")),
        operations=(openapi.operation_spec(DOC, path, OPERATION, "persons"),),
    )


SPECS: tuple[ServiceSpec, ...] = tuple(_spec(r) for r in RECIPIENTS)


class Refused(Exception):
    """A recipient's own refusal (:class:`~mocks.recipients.rules.Problem`)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.detail)
        self.problem = problem


def _problem(p: Problem, headers: dict[str, str]) -> Response:
    body: dict[str, Any] = {
        "type": f"urn:tilts:mock:problem:{p.code.lower().replace('_', '-')}",
        "title": TITLES.get(p.status, "Error"),
        "status": p.status,
        "detail": p.detail,
        "code": p.code,
    }
    if p.field is not None:
        body["field"] = p.field
    return JSONResponse(
        body, status_code=p.status, headers=headers, media_type=pipeline.PROBLEM_TYPE
    )


def _echo(ctx: CallContext) -> dict[str, str]:
    if not ctx.message_id:
        return {}
    wrong = ctx.fault is not None and ctx.fault.kind == "wrong_message_id"
    return {"X-Road-Id": pipeline.new_message_id() if wrong else ctx.message_id}


def _fingerprint(body: dict[str, Any]) -> str:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def routes_for(spec: ServiceSpec) -> Callable[[MockState], list[BaseRoute]]:
    """The route builder of one recipient (a line of ``mocks.services.SERVICES``)."""
    recipient = spec.path.split("/")[2]

    def build(state: MockState) -> list[BaseRoute]:
        return _routes(state, spec, recipient)

    return build


def notify(
    rc: Recipient, ctx: CallContext, request: Request, body: dict[str, Any]
) -> tuple[str, str]:
    key = request.headers.get("idempotency-key")
    if not key:
        raise Refused(
            Problem(400, "INVALID_REQUEST", "header Idempotency-Key is required", "Idempotency-Key")
        )
    shape = rc.check_shape(body)
    if shape is not None:
        raise Refused(shape)
    body["sequence"] = int(body["sequence"])
    if key != body["notificationId"]:
        raise Refused(
            Problem(
                400,
                "INVALID_REQUEST",
                "header Idempotency-Key must equal notificationId",
                "Idempotency-Key",
            )
        )
    assert ctx.client is not None
    atvk = ctx.client.atvk
    if atvk is not None and body["municipality"] != atvk:
        detail = f"$.municipality: the client sends for {atvk} only"
        raise Refused(Problem(403, "FORBIDDEN", detail, "$.municipality"))
    fingerprint = _fingerprint(body)
    prior = rc.store.by_key.get((ctx.client.client_id, key))
    if prior is not None:
        if prior.fingerprint == fingerprint:
            return prior.receipt_id, "REPLAYED"
        detail = "this Idempotency-Key was used with another body"
        raise Refused(Problem(409, "IDEMPOTENCY_CONFLICT", detail, "Idempotency-Key"))
    refusal = semantic_problem(body)
    if refusal is not None:
        raise Refused(refusal)
    refusal, slots = minimisation_problem(rc.name, body, rc.state.population)
    if refusal is not None:
        raise Refused(refusal)
    item = rc.store.accept(ctx.client.client_id, body, slots, fingerprint)
    return item.receipt_id, "OK" if item.applied else "STALE"


async def post(rc: Recipient, request: Request) -> Response:
    try:
        ctx = pipeline.authenticate(rc.state, request, rc.spec)
    except Refusal as refusal:
        return refusal.response
    ctx.operation = OPERATION
    op = rc.spec.operations[0]
    try:
        body = await json_object(request)
        injected = await gateway_checks(ctx, request)
        if injected is not None:
            return injected
        persons = body.get("persons")
        if isinstance(persons, list):
            ctx.batch_size = len(persons)
            if op.max_batch is not None and len(persons) > op.max_batch:
                detail = f"{OPERATION} takes at most {op.max_batch} persons"
                raise RestError(413, "BATCH_TOO_LARGE", detail)
        receipt, outcome = notify(rc, ctx, request, body)
    except Refusal as refusal:
        return refusal.response
    except RestError as exc:
        pipeline.finish(ctx, exc.status, exc.code)
        return pipeline.problem(exc.status, exc.code, exc.detail, _echo(ctx))
    except Refused as exc:
        pipeline.finish(ctx, exc.problem.status, exc.problem.code)
        return _problem(exc.problem, _echo(ctx))
    pipeline.finish(ctx, 202, outcome)
    return JSONResponse({"receiptId": receipt}, status_code=202, headers=_echo(ctx))


def _routes(state: MockState, spec: ServiceSpec, recipient: str) -> list[BaseRoute]:
    store = RecipientStore()
    state.on_reset(store.reset)
    rc = Recipient(recipient, spec, store, shape_check(recipient), state)
    out: list[BaseRoute] = [
        Route(operation_path(recipient), partial(post, rc), methods=["POST"]),
        openapi.document_route(DOC, spec),
    ]
    if state.config.admin:
        out.extend(admin.routes(rc))
    return out
