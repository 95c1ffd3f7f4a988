"""Run the mocks on a free loopback port for a test or a benchmark.

::

    with running_mocks(persons=2000) as mocks:
        token = mocks.token("demo-ogre", "demo-ogre-secret")
        mocks.advance(30, change_rate=0.01)
        subjects = mocks.sample("0040000", 50)

The server binds ``127.0.0.1:0`` itself (no port race) and runs in a background thread, or
with ``subprocess=True`` in its own process (``python -m tilts.mocks --fd N``) so that benchmarks do
not share the GIL with the client.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import socket
import subprocess as sp
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import requests
import uvicorn

from tilts.mocks.config import MockConfig
from tilts.mocks.gateway.mount import MountedService
from tilts.mocks.gateway.server import build_app, uvicorn_config
from tilts.mocks.services import SERVICES

READY_TIMEOUT_S = 120.0


@dataclass
class MockHandle:
    """A running mock server and small helpers around its admin API."""

    base_url: str
    config: MockConfig
    session: requests.Session = field(default_factory=requests.Session)

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def admin_get(self, path: str, **params: Any) -> Any:
        """``GET /_admin/<path>`` → JSON (raises for an error status)."""
        r = self.session.get(self.url(f"/_admin/{path.lstrip('/')}"), params=params, timeout=60)
        r.raise_for_status()
        return r.json()

    def admin_post(self, path: str, json: Any = None) -> Any:
        """``POST /_admin/<path>`` with a JSON body → JSON (raises for an error status)."""
        body = {} if json is None else json  # the admin API takes only JSON bodies
        r = self.session.post(self.url(f"/_admin/{path.lstrip('/')}"), json=body, timeout=600)
        r.raise_for_status()
        return r.json()

    def admin_delete(self, path: str) -> Any:
        r = self.session.delete(self.url(f"/_admin/{path.lstrip('/')}"), timeout=60)
        r.raise_for_status()
        return r.json()

    def reset(self) -> None:
        """Back to the seeded state (clock, changes, monitoring, journal, faults)."""
        self.admin_post("reset")

    def advance(self, days: int, change_rate: float | None = None) -> dict[str, Any]:
        """Advance the clock; returns ``{"today", "lastSeq", "changes"}``."""
        body: dict[str, Any] = {"advanceDays": days}
        if change_rate is not None:
            body["changeRate"] = change_rate
        result: dict[str, Any] = self.admin_post("clock", body)
        return result

    def set_today(self, day: dt.date | str) -> None:
        self.admin_post("clock", {"today": str(day)})

    def sample(
        self,
        atvk: str | None = None,
        limit: int = 100,
        offset: int = 0,
        acquired_since: dt.date | None = None,
    ) -> list[dict[str, Any]]:
        """Persons of the synthetic population (``[{"personCode", "householdId", …}]``); with
        ``acquired_since`` of households that acquired property from that day to today."""
        params: dict[str, Any] = {"limit": limit, "offset": offset}
        if atvk is not None:
            params["atvk"] = atvk
        if acquired_since is not None:
            params["acquiredSince"] = acquired_since.isoformat()
        persons: list[dict[str, Any]] = self.admin_get("persons", **params)["persons"]
        return persons

    def journal(self, **filters: str) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = self.admin_get("journal", **filters)["entries"]
        return entries

    def add_fault(self, **rule: Any) -> dict[str, Any]:
        """Add a fault rule (``service=``, ``kind=``, ``operation=``, ``count=``, …)."""
        result: dict[str, Any] = self.admin_post("faults", rule)["rule"]
        return result

    def clear_faults(self) -> None:
        self.admin_delete("faults")

    def expire_tokens(self) -> int:
        expired: int = self.admin_post("tokens/expire")["expired"]
        return expired

    def token(
        self, client_id: str = "demo-ogre", secret: str | None = None, scope: str | None = None
    ) -> str:
        """A bearer token for a configured client (secret defaults to the config's)."""
        client = self.config.client(client_id)
        if secret is None:
            secret = "" if client is None else client.secret
        data = {"grant_type": "client_credentials"}
        if scope is not None:
            data["scope"] = scope
        r = self.session.post(self.url("/token"), data=data, auth=(client_id, secret), timeout=30)
        r.raise_for_status()
        value: str = r.json()["access_token"]
        return value


def _bound_socket(host: str) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    sock.listen(2048)
    return sock


def _wait_ready(handle: MockHandle, alive: Any) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    last: object = None
    while time.monotonic() < deadline:
        if not alive():
            raise RuntimeError("the mock server stopped while starting")
        try:
            r = handle.session.get(handle.url("/health"), timeout=2)
            if r.status_code == 200:
                return
            last = f"HTTP {r.status_code}"
        except requests.exceptions.SSLError as exc:
            raise RuntimeError(f"TLS to the mock server failed: {exc}") from exc
        except requests.RequestException as exc:
            last = exc
        time.sleep(0.05)
    raise RuntimeError(f"the mock server did not answer within {READY_TIMEOUT_S:.0f} s: {last}")


@contextlib.contextmanager
def running_mocks(
    subprocess: bool = False,
    verify: str | bool | None = None,
    cert: tuple[str, str] | None = None,
    services: Sequence[MountedService] | None = None,
    **overrides: Any,
) -> Iterator[MockHandle]:
    """Start the mocks on a free loopback port; stop them on exit.

    Args:
        subprocess: run the server in its own process instead of a thread.
        verify: CA bundle (or ``False``) the handle's session uses with TLS; default: the
            config's ``tls_ca``.
        cert: client certificate and key for the handle's session (mutual TLS).
        services: the mounted services (thread mode only; default :data:`SERVICES`).
        **overrides: :class:`~mocks.config.MockConfig` fields (``persons=2000``, ``admin=False``,
            ``rate_limits=False``, ``tls_cert=…``, ``config_file=`` is not one: load it with
            :func:`mocks.config.load_config_file` and pass ``clients=``).
    """
    config = MockConfig().replace(host="127.0.0.1", **overrides)
    sock = _bound_socket(config.host)
    port = sock.getsockname()[1]
    config = config.replace(port=port)
    scheme = "https" if config.tls_cert else "http"
    handle = MockHandle(f"{scheme}://127.0.0.1:{port}", config)
    if config.tls_cert:
        # REQUESTS_CA_BUNDLE in the environment would override session.verify
        handle.session.trust_env = False
        handle.session.verify = verify if verify is not None else (config.tls_ca or False)
        if cert is not None:
            handle.session.cert = cert
    if subprocess:
        if services is not None:
            raise ValueError("services= works in thread mode only")
        with contextlib.closing(sock), _subprocess(config, sock) as proc:
            _wait_ready(handle, lambda: proc.poll() is None)
            try:
                yield handle
            finally:
                handle.session.close()
        return
    app = build_app(config, SERVICES if services is None else services)
    server = uvicorn.Server(uvicorn_config(app, config))
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="tilts-mocks", daemon=True
    )
    thread.start()
    try:
        _wait_ready(handle, thread.is_alive)
        yield handle
    finally:
        handle.session.close()
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()


@contextlib.contextmanager
def _subprocess(config: MockConfig, sock: socket.socket) -> Iterator[sp.Popen[bytes]]:
    args = [
        sys.executable,
        "-m",
        "tilts.mocks",
        "--fd",
        str(sock.fileno()),
        "--host",
        config.host,
        "--seed",
        str(config.seed),
        "--persons",
        str(config.persons),
        "--today",
        config.today.isoformat(),
        "--token-ttl",
        str(config.token_ttl_s),
    ]
    if not config.admin:
        args.append("--no-admin")
    if not config.rate_limits:
        args.append("--no-rate-limits")
    for flag, value in (
        ("--tls-cert", config.tls_cert),
        ("--tls-key", config.tls_key),
        ("--tls-ca", config.tls_ca),
    ):
        if value:
            args += [flag, value]
    if config.require_client_cert:
        args.append("--require-client-cert")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = sp.Popen(args, pass_fds=[sock.fileno()], env=env, stdout=sp.DEVNULL)
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except sp.TimeoutExpired:
            proc.kill()
            proc.wait()
