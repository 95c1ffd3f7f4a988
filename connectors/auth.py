"""OAuth2 client-credentials token cache with one refresh on 401 (registries.md §1.1).

What the token endpoint's answer means is decided by :data:`TOKEN_STATUS_ACTIONS`, derived
from the same mechanism as the services' table (``connectors/statuses.py``); timeouts, the
call deadline, the refresh margin and the assumed lifetime are the gateway settings'.
"""

from __future__ import annotations

import threading
import time

import requests

from tilts.connectors.deadline import DeadlineExceeded, within
from tilts.connectors.statuses import (
    TOKEN_STATUS_ACTIONS,
    Action,
    StatusTable,
    Transport,
    describe,
    error_of,
    transport_failure,
)
from tilts.kernel.config import GatewaySettings
from tilts.kernel.errors import AuthError


class TokenCache:
    """Fetches and caches a bearer token for one OAuth client and a set of scopes."""

    TABLE: StatusTable = TOKEN_STATUS_ACTIONS

    def __init__(
        self,
        session: requests.Session,
        settings: GatewaySettings,
        client_id: str,
        client_secret: str,
        scopes: list[str],
    ) -> None:
        self._session = session
        self._url = settings.resolved_token_url
        self._client = (client_id, client_secret)
        self._scopes = " ".join(sorted(set(scopes)))
        self._timeout = (settings.connect_timeout_s, settings.read_timeout_s)
        self._deadline_s = settings.call_deadline_s
        self._margin_s = settings.token_refresh_margin_s
        self._lifetime_s = settings.token_lifetime_s
        self._token: str | None = None
        self._expires = 0.0
        self._lock = threading.Lock()
        self.fetches = 0

    def get(self) -> str:
        """A valid token, fetched when missing or within the refresh margin of expiry."""
        with self._lock:
            if self._token is None or time.monotonic() > self._expires - self._margin_s:
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
        except (requests.RequestException, DeadlineExceeded) as exc:
            kind = transport_failure(exc)
            what = describe(kind, self._url, exc)
            message = what if kind is Transport.DEADLINE else f"token endpoint: {what}"
            raise error_of(self.TABLE.action(kind), message) from exc
        action = self.TABLE.action(resp.status_code)
        if action is Action.RETRY:
            raise error_of(action, f"token endpoint answered {resp.status_code}")
        if action is not Action.OK:
            raise error_of(
                action, f"token endpoint refused client {self._client[0]!r}: {resp.status_code}"
            )
        try:
            body = resp.json()
            self._token = str(body["access_token"])
            self._expires = time.monotonic() + float(body.get("expires_in", self._lifetime_s))
        except (ValueError, KeyError) as exc:
            raise AuthError("token endpoint answered without access_token") from exc
        self.fetches += 1
