"""What the CSDD and VTUA mocks share (property.md §3, §7): the ``…/query`` answer.

One result per requested code, in request order: ``INVALID_CODE``, ``NOT_FOUND`` (also a person
not yet born on ``asOfDate``) or ``FOUND`` with ``vehicles``: the roles the person holds on
``asOfDate`` as known today, and those ended in the year before it (with ``to``), by ``from``.
``asOfDate`` after "today" is answered as of today; the answer's ``asOfDate`` is the day
answered. An old code of a person who changed code is ``FOUND`` with ``currentPersonCode``.
The vehicles are the world's (:mod:`mocks.world.vehicles`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.routing import BaseRoute

from tilts.mocks import openapi
from tilts.mocks.gateway.rest import RestCall, rest_route
from tilts.mocks.gateway.specs import ServiceSpec
from tilts.mocks.gateway.state import MockState
from tilts.mocks.world.vehicles import VehicleView, vehicles_of
from tilts.registries import Registry


def vehicle_json(v: VehicleView) -> dict[str, Any]:
    """The wire form of a vehicle role (property.md §3; a VIN is never sent)."""
    return {
        "registrationNumber": v.registration_number,
        "category": v.category,
        "make": v.make,
        "model": v.model,
        "firstRegistrationDate": v.first_registration.isoformat(),
        "role": v.role,
        "from": v.held_from.isoformat(),
        "to": None if v.held_to is None else v.held_to.isoformat(),
        "registrationStatus": v.status,
    }


def spec(registry: Registry) -> ServiceSpec:
    """The mock's service spec, its limits read from ``mocks/openapi/<service>.json``."""
    return ServiceSpec(
        name=registry.service,
        scope=registry.scope,
        path=registry.path,
        protocol="rest",
        xroad=registry.xroad_parts,
        operations=(
            openapi.operation_spec(
                registry.service, registry.path, registry.operation_path[1:], "personCodes"
            ),
        ),
    )


def routes_for(registry: Registry, service_spec: ServiceSpec, state: MockState) -> list[BaseRoute]:
    """The query route and the OpenAPI document of ``registry`` over ``state``."""
    service = registry.service

    def query(call: RestCall) -> dict[str, Any]:
        pop = call.ctx.state.population
        as_of = min(dt.date.fromisoformat(call.body["asOfDate"]), pop.today)

        def fill(code: str) -> dict[str, Any] | None:
            slot = pop.resolve(code)
            if slot is None or pop.lookup(code, as_of) is None:
                return None
            closure = pop.overlay.closure(slot)
            closed = None if closure is None else closure.on
            held = vehicles_of(pop, slot, as_of, service, closed)
            return {"vehicles": [vehicle_json(v) for v in held]}

        results = openapi.per_person_results(pop, call.body["personCodes"], fill)
        return {"asOfDate": as_of.isoformat(), "results": results}

    operation = registry.operation_path[1:]
    validate = openapi.request_validator(service, registry.url_path, "personCodes")
    return [
        rest_route(state, service_spec, operation, query, validate),
        openapi.document_route(service, service_spec),
    ]
