"""HTTP by the book for the whole mock server: one route per path, problem+json from the router.

* :func:`merge_by_path` joins the routes that share a path (a route per method, as the
  services declare them) into one route answering all their methods, so that a method the
  path does not have gets 405 with an ``Allow`` listing every method it does have
  (RFC 9110 §15.5.6), e.g. ``Allow: GET, HEAD, PUT``.
* :data:`EXCEPTION_HANDLERS` turns the router's own 404 and 405 (and any other
  ``HTTPException``) into ``application/problem+json`` (RFC 9457) like every other error of the
  gateway, keeping the exception's headers (``Allow``).
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from tilts.mocks.gateway import pipeline

_CODES = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 415: "UNSUPPORTED_MEDIA_TYPE"}


def merge_by_path(routes: Sequence[BaseRoute]) -> list[BaseRoute]:
    """``routes`` with every group of plain :class:`Route`\\ s of one path made into one route
    (in the place of the group's first member); other routes are kept as they are."""
    groups: dict[str, list[Route]] = {}
    for route in routes:
        if isinstance(route, Route) and route.methods:
            groups.setdefault(route.path, []).append(route)
    out: list[BaseRoute] = []
    for route in routes:
        if not (isinstance(route, Route) and route.methods) or len(groups[route.path]) == 1:
            out.append(route)
        elif groups[route.path][0] is route:
            out.append(_merged(route.path, groups[route.path]))
    return out


async def _dispatch(by_method: dict[str, Any], request: Request) -> Response:
    """Call the endpoint of the request's method (the route only matches the methods it has)."""
    result = by_method[request.method](request)
    answer: Response = await result if inspect.isawaitable(result) else result
    return answer


def _merged(path: str, routes: list[Route]) -> Route:
    by_method: dict[str, Any] = {}
    for route in routes:
        for method in route.methods or ():
            by_method.setdefault(method, route.endpoint)
    return Route(
        path, partial(_dispatch, by_method), methods=sorted(by_method), name=routes[0].name
    )


async def _http_exception(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    headers = dict(exc.headers or {}) if isinstance(exc, HTTPException) else {}
    if status == 405 and "Allow" in headers:
        headers["Allow"] = ", ".join(sorted(m.strip() for m in headers["Allow"].split(",")))
    detail = exc.detail if isinstance(exc, HTTPException) else ""
    if status == 404:
        detail = "no resource at this path"  # the path may hold a personal code
    elif status == 405:
        detail = f"{request.method} is not allowed here; allowed: {headers.get('Allow', '')}"
    return pipeline.problem(status, _CODES.get(status), detail, headers)


EXCEPTION_HANDLERS: Mapping[Any, Any] = {HTTPException: _http_exception}
