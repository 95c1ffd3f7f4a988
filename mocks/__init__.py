"""Mock servers of the state gateway, the registries and (later) SPOLIS and the recipients.

One starlette app (:func:`mocks.server.build_app`) serves every mounted service of
:mod:`mocks.services` behind one mock gateway (:mod:`mocks.gateway`), over a deterministic
synthetic population (:mod:`mocks.population`). See ``mocks/README.md``.
"""

from __future__ import annotations

from pathlib import Path


def serve_command(
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
) -> None:
    """Serve every mock service until interrupted (``tilts mocks serve``); ``None`` = default.

    Imported lazily so that ``import mocks`` stays cheap; see :mod:`mocks.command`.
    """
    from mocks.command import serve_command as run

    run(
        host,
        port,
        seed,
        persons,
        admin,
        tls_cert,
        tls_key,
        tls_ca,
        require_client_cert,
        no_rate_limits,
        config_file,
    )


__all__ = ["serve_command"]
