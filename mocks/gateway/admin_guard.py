"""Keeps a web page from driving the mock's admin API (``/_admin/…``).

A page open in a developer's browser can send a cross-origin "simple" request — a ``POST``
with a ``text/plain`` body, no preflight — to a mock on loopback. So every admin request
carrying a foreign ``Origin`` is refused with 403, and every admin ``POST`` must be
``Content-Type: application/json`` (else 415), which a browser sends cross-origin only after a
CORS preflight the mock never grants. This is no authentication: admin must be off
(``--no-admin``) on anything not loopback (mocks/README.md).
"""

from __future__ import annotations

import json
from typing import Any

ADMIN_PREFIX = "/_admin"


def _header(scope: Any, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def refusal(scope: Any) -> tuple[int, str] | None:
    """``(status, detail)`` when this admin request is refused, else ``None``."""
    origin = _header(scope, b"origin")
    if origin is not None:
        own = f"{scope.get('scheme', 'http')}://{_header(scope, b'host') or ''}"
        if origin.rstrip("/").lower() != own.lower():
            return 403, "the admin API takes no cross-origin requests"
    if scope.get("method") == "POST":
        media = (_header(scope, b"content-type") or "").split(";")[0].strip().lower()
        if media != "application/json":
            return 415, "the admin API takes only application/json bodies"
    return None


class AdminGuardMiddleware:
    """ASGI middleware applying :func:`refusal` to every path under ``/_admin``."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        refused = refusal(scope) if path.startswith(ADMIN_PREFIX) else None
        if refused is None:
            await self.app(scope, receive, send)
            return
        status, detail = refused
        body = json.dumps(
            {"type": "about:blank", "title": "Refused", "status": status, "detail": detail}
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
