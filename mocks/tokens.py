"""OAuth2 client credentials of the mock gateway: issued tokens and ``POST /token``."""

from __future__ import annotations

import base64
import binascii
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote_plus

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tilts.mocks.config import ClientSpec
from tilts.mocks.gateway import CallContext, OperationSpec, ServiceSpec, finish
from tilts.mocks.state import MockState


@dataclass
class Token:
    value: str
    client: ClientSpec
    scopes: frozenset[str]
    expires_at: float


class TokenStore:
    """Issued bearer tokens; expired ones are refused and purged now and then."""

    def __init__(self, ttl_s: int) -> None:
        self.ttl_s = ttl_s
        self._tokens: dict[str, Token] = {}

    def issue(self, client: ClientSpec, scopes: list[str]) -> Token:
        now = time.monotonic()
        if len(self._tokens) > 10_000:
            self._tokens = {k: t for k, t in self._tokens.items() if t.expires_at > now}
        token = Token(secrets.token_urlsafe(24), client, frozenset(scopes), now + self.ttl_s)
        self._tokens[token.value] = token
        return token

    def get(self, value: str) -> Token | None:
        token = self._tokens.get(value)
        if token is None or token.expires_at <= time.monotonic():
            return None
        return token

    def expire(self, value: str) -> bool:
        """Expire one token now (the ``expire_tokens`` fault); ``False`` if it was not live."""
        token = self.get(value)
        if token is not None:
            token.expires_at = time.monotonic()
        return token is not None

    def expire_all(self) -> int:
        """Expire every token (a "token expiry mid-run" test); returns how many were live."""
        now = time.monotonic()
        live = sum(1 for t in self._tokens.values() if t.expires_at > now)
        for t in self._tokens.values():
            t.expires_at = now
        return live


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


def token_route(state: MockState) -> Route:
    """``POST /token``: OAuth2 client credentials (RFC 6749 §4.4).

    Client id and secret by HTTP Basic (or the ``client_id``/``client_secret`` form fields).
    ``scope`` absent or empty → every scope of the client; otherwise the requested scopes the
    client holds are granted (and listed in ``scope``); none of them held → 400
    ``invalid_scope``. Unknown client or wrong secret → 401 ``invalid_client``. No
    ``grant_type`` → 400 ``invalid_request``, another one → 400 ``unsupported_grant_type``
    (RFC 6749 §5.2); a body that is not ``application/x-www-form-urlencoded`` → 415
    ``invalid_request``.
    """
    gateway = ServiceSpec(
        "gateway",
        "",
        "/token",
        "rest",
        ("GOV", "GW", "TOKEN"),
        (OperationSpec("token", batch_field=None),),
    )

    async def token(request: Request) -> Response:
        ctx = CallContext(state, gateway, None, operation="token")
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

    return Route("/token", token, methods=["POST"])
