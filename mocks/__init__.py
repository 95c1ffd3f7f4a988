"""Mock servers of the state gateway, the registries and (later) SPOLIS and the recipients.

One starlette app (:func:`mocks.gateway.server.build_app`) serves every mounted service of
:mod:`mocks.services` behind one mock gateway (:mod:`mocks.gateway`), over a deterministic
synthetic population (:mod:`mocks.world.population`). See ``mocks/README.md``.
"""

from __future__ import annotations

from typing import Any


def serve_command(**options: Any) -> None:
    """Serve every mock service until interrupted (``tilts mocks serve``).

    Takes the keyword options of :func:`mocks.command.build_config` (``None`` = default).
    Imported lazily so that ``import mocks`` stays cheap.
    """
    from tilts.mocks.command import serve_command as run

    run(**options)


__all__ = ["serve_command"]
