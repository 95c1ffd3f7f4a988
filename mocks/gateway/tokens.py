"""The mock gateway's issued bearer tokens (``POST /token`` is :mod:`mocks.gateway.oauth`)."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from tilts.mocks.config import ClientSpec


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
