"""The ``tilts mocks serve`` entry: options → :class:`~mocks.config.MockConfig` → serve.

Precedence: built-in defaults < ``config_file`` (TOML) < options given (``None`` = not given).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from mocks.config import MockConfig, load_config_file
from mocks.server import serve


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


def serve_command(**options: Any) -> None:
    """Serve the mocks until interrupted (``tilts mocks serve``); see :func:`build_config`."""
    serve(build_config(**options))
