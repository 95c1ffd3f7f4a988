"""OAuth2 client credentials: ``POST /token`` (the issued tokens: :mod:`mocks.gateway.tokens`)."""

from __future__ import annotations

import base64
import binascii
import secrets
from functools import partial
from typing import Any
from urllib.parse import parse_qs, unquote_plus

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tilts.mocks.gateway.pipeline import CallContext, finish
from tilts.mocks.gateway.specs import OperationSpec, ServiceSpec
from tilts.mocks.gateway.state import MockState


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        return None
    return unquote_plus(client_id), unquote_plus(secret)


def _oauth_error(
    status: int, error: str, description: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        {"error": error, "error_description": description},
        status_code=status,
        headers={"Cache-Control": "no-store", **(headers or {})},
    )


GATEWAY = ServiceSpec(
    "gateway",
    "",
    "/token",
    "rest",
    ("GOV", "GW", "TOKEN"),
    (OperationSpec("token", batch_field=None),),
)
"""The gateway itself as a service of the journal (``POST /token`` entries)."""


async def token(state: MockState, request: Request) -> Response:
    """``POST /token``: OAuth2 client credentials (RFC 6749 §4.4).

    Client id and secret by HTTP Basic (or the ``client_id``/``client_secret`` form fields).
    ``scope`` absent or empty → every scope of the client; otherwise the requested scopes the
    client holds are granted (and listed in ``scope``); none of them held → 400
    ``invalid_scope``. Unknown client or wrong secret → 401 ``invalid_client``. No
    ``grant_type`` → 400 ``invalid_request``, another one → 400 ``unsupported_grant_type``
    (RFC 6749 §5.2); a body that is not ``application/x-www-form-urlencoded`` → 415
    ``invalid_request``.
    """
    ctx = CallContext(state, GATEWAY, None, operation="token")
    media = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media != "application/x-www-form-urlencoded":
        finish(ctx, 415, "invalid_request")
        return _oauth_error(
            415, "invalid_request", "send the form as application/x-www-form-urlencoded"
        )
    form: dict[str, Any] = {
        k: v[0]
        for k, v in parse_qs(
            (await request.body()).decode("utf-8", "replace"), keep_blank_values=True
        ).items()
    }
    creds = _basic_credentials(request) or (
        (form["client_id"], form.get("client_secret", "")) if "client_id" in form else None
    )
    client = None if creds is None else state.config.client(creds[0])
    if client is None or creds is None or not secrets.compare_digest(client.secret, creds[1]):
        finish(ctx, 401, "invalid_client")
        return _oauth_error(
            401,
            "invalid_client",
            "unknown client or wrong secret",
            {"WWW-Authenticate": 'Basic realm="tilts-mock"'},
        )
    ctx.client = client
    if not form.get("grant_type"):  # RFC 6749 §5.2: a required parameter is missing
        finish(ctx, 400, "invalid_request")
        return _oauth_error(400, "invalid_request", "grant_type is required")
    if form.get("grant_type") != "client_credentials":
        finish(ctx, 400, "unsupported_grant_type")
        return _oauth_error(400, "unsupported_grant_type", "use client_credentials")
    requested = str(form.get("scope", "")).split()
    granted = (
        list(dict.fromkeys(s for s in requested if s in client.scopes))
        if requested
        else list(client.scopes)
    )
    if not granted:
        finish(ctx, 400, "invalid_scope")
        return _oauth_error(
            400, "invalid_scope", "none of the requested scopes is granted to this client"
        )
    issued = state.tokens.issue(client, granted)
    finish(ctx, 200, "OK")
    return JSONResponse(
        {
            "access_token": issued.value,
            "token_type": "Bearer",
            "expires_in": state.tokens.ttl_s,
            "scope": " ".join(granted),
        },
        headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
    )


def token_route(state: MockState) -> Route:
    """``POST /token`` over ``state`` (see :func:`token`)."""
    return Route("/token", partial(token, state), methods=["POST"])
