"""The ``tilts mocks serve`` entry: options → :class:`~mocks.config.MockConfig` → serve.

Precedence: built-in defaults < ``config_file`` (TOML) < options given (``None`` = not given).
"""

from __future__ import annotations

import datetime as dt
import logging
import socket
import ssl
from pathlib import Path
from typing import Any

import uvicorn

from tilts.kernel.errors import ConfigError, UnreachableError
from tilts.mocks.config import MockConfig, load_config_file
from tilts.mocks.gateway.server import build_app, uvicorn_config
from tilts.mocks.services import SERVICES

log = logging.getLogger("mocks")


def _text(value: str | Path | None) -> str | None:
    return None if value is None else str(value)


def build_config(
    host: str | None = None,
    port: int | None = None,
    seed: int | None = None,
    persons: int | None = None,
    admin: bool | None = None,
    tls_cert: str | Path | None = None,
    tls_key: str | Path | None = None,
    tls_ca: str | Path | None = None,
    require_client_cert: bool | None = None,
    no_rate_limits: bool | None = None,
    config_file: str | Path | None = None,
    today: str | dt.date | None = None,
    token_ttl_s: int | None = None,
) -> MockConfig:
    """The :class:`MockConfig` of these options (``None`` = not given)."""
    config = load_config_file(config_file) if config_file else MockConfig()
    given: dict[str, Any] = {
        "host": host,
        "port": port,
        "seed": seed,
        "persons": persons,
        "admin": admin,
        "tls_cert": _text(tls_cert),
        "tls_key": _text(tls_key),
        "tls_ca": _text(tls_ca),
        "require_client_cert": require_client_cert,
        "today": today,
        "token_ttl_s": token_ttl_s,
        "rate_limits": None if no_rate_limits is None else not no_rate_limits,
    }
    return config.replace(**{k: v for k, v in given.items() if v is not None})


def check_tls(config: MockConfig) -> None:
    """Refuse TLS options that cannot work, before anything is served (exit 2).

    ``require_client_cert`` without a CA to check client certificates against would let
    clients without one in, so it is refused; the certificate, key and CA files are loaded
    here so that a missing or unreadable one is named instead of failing inside uvicorn.
    """
    if config.require_client_cert and not (config.tls_cert and config.tls_ca):
        raise ConfigError("--require-client-cert needs --tls-cert, --tls-key and --tls-ca")
    if config.tls_key and not config.tls_cert:
        raise ConfigError("--tls-key needs --tls-cert")
    if config.tls_ca and not config.tls_cert:
        raise ConfigError("--tls-ca needs --tls-cert")
    if not config.tls_cert:
        return
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    checks = [("--tls-cert/--tls-key", config.tls_cert)]
    try:
        context.load_cert_chain(config.tls_cert, config.tls_key)
        if config.tls_ca:
            checks.append(("--tls-ca", config.tls_ca))
            context.load_verify_locations(config.tls_ca)
    except (OSError, ssl.SSLError) as exc:
        option, path = checks[-1]
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ConfigError(f"{option} {path}: cannot load: {reason}") from None


def bind(config: MockConfig) -> socket.socket:
    """The listening socket of ``config``; a port in use is a dependency refused (exit 3)."""
    try:
        return socket.create_server((config.host, config.port), backlog=2048)
    except OverflowError:
        raise ConfigError(f"--port {config.port}: must be 0-65535") from None
    except OSError as exc:
        raise UnreachableError(
            f"cannot listen on {config.host}:{config.port}: {exc.strerror or exc}"
        ) from None


def serve_command(**options: Any) -> None:
    """Serve the mocks until interrupted (``tilts mocks serve``); see :func:`build_config`.

    TLS options are checked and the port bound before the banner is printed.
    """
    config = build_config(**options)
    check_tls(config)
    sock = bind(config)
    try:
        serve(config, sock=sock)
    finally:
        sock.close()


def serve(config: MockConfig | None = None, sock: socket.socket | None = None) -> None:
    """Serve the mocks until stopped (blocking). ``sock``: an already bound socket to use."""
    config = config or MockConfig()
    app = build_app(config, SERVICES)
    server = uvicorn.Server(uvicorn_config(app, config))
    scheme = "https" if config.tls_cert else "http"
    host, port = sock.getsockname()[:2] if sock is not None else (config.host, config.port)
    log.warning(
        "tilts mocks: %s://%s:%s seed=%s persons=%s admin=%s",
        scheme,
        host,
        port,
        config.seed,
        config.persons,
        config.admin,
    )
    server.run(sockets=[sock] if sock is not None else None)
