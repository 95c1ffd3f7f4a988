"""The naive client a user would write, for ``naive_ratio``: per person and service one call,
sequential, zeep's own object mapping for SOAP and ``requests`` for REST, a commit per person.

It speaks the same contract as Tilts (token, X-Road headers, purpose) against the same mocks,
so the comparison measures only how the work is organised.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import requests
from zeep import Client, Settings
from zeep.helpers import serialize_object
from zeep.transports import Transport

from tilts.connectors.soap import WSDL_DIR
from tilts.connectors.xroad import (
    CallHeaders,
    Purpose,
    ServiceId,
    XRoadPlugin,
    rest_headers,
    set_current,
)
from tilts.flows.work.registries import months_to_fetch
from tilts.kernel.config import load_settings
from tilts.registries import REGISTRIES, by_service, contract_group, scopes

# the five core registries (registries.md), the night the naive client is compared with (the
# bench measures the property lanes apart)
CORE = [by_service(s) for s in contract_group("registries.md")]
SOAP = {  # service → (WSDL, X-Road service, operation, path)
    r.service: (r.wsdl, r.xroad, r.operation, r.path) for r in CORE if r.family == "soap"
}
REST = {  # service → (X-Road service, operation, path)
    r.service: (r.xroad, r.operation, r.url_path) for r in CORE if r.family == "rest"
}
MONTHLY = frozenset(r.service for r in REGISTRIES if r.monthly)  # asked for months, not a day
SCOPES = " ".join(scopes())


@dataclass
class NaiveResult:
    """What the naive client did."""

    persons: int
    calls: int
    wall_s: float

    @property
    def persons_per_s(self) -> float:
        """Throughput."""
        return self.persons / self.wall_s


def run_naive(config: Path, codes: list[str], as_of: str, work: Path) -> NaiveResult:
    """Fetch every service's answer for each of ``codes``, one call each, and store it."""
    settings = load_settings(config)
    muni = next(iter(settings.municipalities.values()))
    base = settings.gateway.base_url
    secret = settings.client_secret(muni.client_id).get_secret_value()
    http = requests.Session()
    token = http.post(
        settings.gateway.resolved_token_url,
        data={"grant_type": "client_credentials", "scope": SCOPES},
        auth=(muni.client_id, secret),
        timeout=10,
    ).json()["access_token"]
    http.headers["Authorization"] = f"Bearer {token}"
    purpose = Purpose(settings.gateway.user_id, muni.issue)
    clients = {
        name: _soap_client(wsdl, base + path, http) for name, (wsdl, _, _, path) in SOAP.items()
    }
    day = date.fromisoformat(as_of)
    months = months_to_fetch(day, None)  # the months Tilts asks for: the same work
    db = sqlite3.connect(work / "naive.db")
    db.execute("CREATE TABLE answer (person_code TEXT, service TEXT, body TEXT)")
    calls = 0
    started = time.perf_counter()
    for code in codes:
        for name, (_, service, operation, _) in SOAP.items():
            headers = CallHeaders(
                muni.member_code, ServiceId.parse(service), operation, purpose, str(uuid.uuid4())
            )
            set_current(headers)
            op = getattr(clients[name], operation)
            answer = op(personCode=[code], asOfDate=day)
            db.execute(
                "INSERT INTO answer VALUES (?, ?, ?)",
                (code, name, json.dumps(serialize_object(answer), default=str)),  # type: ignore[no-untyped-call]
            )
            calls += 1
        for name, (service, operation, path) in REST.items():
            headers = CallHeaders(
                muni.member_code, ServiceId.parse(service), operation, purpose, str(uuid.uuid4())
            )
            body: dict[str, Any] = {"personCodes": [code]}
            if name in MONTHLY:
                body |= {"fromMonth": months[0], "toMonth": months[-1]}
            else:
                body["asOfDate"] = as_of
            resp = http.post(base + path, json=body, headers=rest_headers(headers), timeout=30)
            resp.raise_for_status()
            db.execute("INSERT INTO answer VALUES (?, ?, ?)", (code, name, resp.text))
            calls += 1
        db.commit()
    wall = time.perf_counter() - started
    db.close()
    return NaiveResult(len(codes), calls, wall)


def _soap_client(wsdl: str, address: str, http: requests.Session) -> Any:
    settings = Settings(strict=True, forbid_dtd=True, forbid_entities=True)
    client = Client(  # type: ignore[no-untyped-call]
        str(WSDL_DIR / wsdl),
        settings=settings,
        transport=Transport(session=http, cache=None),  # type: ignore[no-untyped-call]
        plugins=[XRoadPlugin()],
    )
    binding = next(iter(client.wsdl.bindings))
    return client.create_service(binding, address)  # type: ignore[no-untyped-call]
