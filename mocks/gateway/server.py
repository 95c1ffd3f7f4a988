"""The mock server application: :func:`build_app` and its uvicorn config.

The services to mount are passed in (:data:`mocks.services.SERVICES` by the harness and
:func:`mocks.command.serve`), so the gateway does not import the registries it fronts.
"""

from __future__ import annotations

import ssl
from collections.abc import Sequence
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from tilts.kernel.errors import ConfigError
from tilts.mocks.config import MockConfig
from tilts.mocks.gateway import admin, oauth, routing
from tilts.mocks.gateway.admin_guard import AdminGuardMiddleware
from tilts.mocks.gateway.faults import ResetMiddleware
from tilts.mocks.gateway.mount import MountedService
from tilts.mocks.gateway.state import MockState


async def health(request: Request) -> Response:
    """``GET /health``: up, and the mock clock's today (no token needed)."""
    state: MockState = request.app.state.mock
    return JSONResponse({"status": "ok", "today": state.population.today.isoformat()})


def build_app(config: MockConfig | None, services: Sequence[MountedService]) -> Starlette:
    """The starlette app serving ``services`` behind the mock gateway.

    Generates the population (a second for 100,000 persons). ``app.state.mock`` is the
    :class:`~mocks.gateway.state.MockState`. ``GET /health`` answers ``{"status": "ok"}`` without a
    token; ``/_admin/*`` exists only when ``config.admin`` is true.
    """
    config = config or MockConfig()
    state = MockState(config, [s.spec for s in services])

    routes: list[BaseRoute] = [
        Route("/health", health, methods=["GET"]),
        oauth.token_route(state),
    ]
    for service in services:
        routes.extend(service.routes(state))
    if config.admin:
        routes.extend(admin.routes(state))
    middleware = [Middleware(ResetMiddleware)]
    if config.admin:
        middleware.append(Middleware(AdminGuardMiddleware))
    app = Starlette(
        routes=routing.merge_by_path(routes),
        middleware=middleware,
        exception_handlers=dict(routing.EXCEPTION_HANDLERS),
    )
    app.state.mock = state
    return app


def uvicorn_config(app: Starlette, config: MockConfig, **extra: Any) -> uvicorn.Config:
    """A uvicorn config for ``app`` with the TLS options of ``config`` mapped onto it."""
    tls: dict[str, Any] = {}
    if config.require_client_cert and not config.tls_ca:
        # without a CA, uvicorn would ask for no client certificate at all (issue 18)
        raise ConfigError("require_client_cert needs tls_cert, tls_key and tls_ca")
    if config.tls_cert:
        tls = {"ssl_certfile": config.tls_cert, "ssl_keyfile": config.tls_key}
        if config.tls_ca:
            tls["ssl_ca_certs"] = config.tls_ca
            tls["ssl_cert_reqs"] = (
                ssl.CERT_REQUIRED if config.require_client_cert else ssl.CERT_OPTIONAL
            )
    return uvicorn.Config(
        app,
        host=config.host,
        port=config.port,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=2,
        lifespan="off",
        **tls,
        **extra,
    )
