"""OAuth2 client-credentials token cache with one refresh on 401 (registries.md §1.1)."""

from __future__ import annotations

import threading
import time

import requests

from tilts.connectors.deadline import within
from tilts.kernel.errors import AuthError, RetriableError


class TokenCache:
    """Fetches and caches a bearer token for one OAuth client and a set of scopes."""

    def __init__(
        self,
        session: requests.Session,
        token_url: str,
        client_id: str,
        client_secret: str,
        scopes: list[str],
        timeout: tuple[float, float],
        deadline_s: float = 120.0,
    ) -> None:
        self._session = session
        self._url = token_url
        self._client = (client_id, client_secret)
        self._scopes = " ".join(sorted(set(scopes)))
        self._timeout = timeout
        self._deadline_s = deadline_s
        self._token: str | None = None
        self._expires = 0.0
        self._lock = threading.Lock()
        self.fetches = 0

    def get(self) -> str:
        """A valid token, fetched when missing or within 30 s of expiry."""
        with self._lock:
            if self._token is None or time.monotonic() > self._expires - 30:
                self._fetch()
            assert self._token is not None
            return self._token

    def invalidate(self, stale: str) -> None:
        """Drop ``stale`` after a 401 so the next :meth:`get` fetches a fresh token."""
        with self._lock:
            if self._token == stale:
                self._token = None

    def _fetch(self) -> None:
        try:
            resp = within(
                self._deadline_s,
                "token endpoint",
                lambda: self._session.post(
                    self._url,
                    data={"grant_type": "client_credentials", "scope": self._scopes},
                    auth=self._client,
                    timeout=self._timeout,
                ),
            )
        except requests.exceptions.SSLError as exc:
            raise AuthError("token endpoint: TLS handshake failed (certificates)") from exc
        except requests.RequestException as exc:
            raise RetriableError(
                f"token endpoint {self._url} unreachable: {type(exc).__name__}"
            ) from exc
        if resp.status_code in (502, 503, 504, 429):
            raise RetriableError(f"token endpoint answered {resp.status_code}")
        if resp.status_code != 200:
            raise AuthError(
                f"token endpoint refused client {self._client[0]!r}: {resp.status_code}"
            )
        try:
            body = resp.json()
            self._token = str(body["access_token"])
            self._expires = time.monotonic() + float(body.get("expires_in", 300))
        except (ValueError, KeyError) as exc:
            raise AuthError("token endpoint answered without access_token") from exc
        self.fetches += 1
