"""HTTP by the book on every mock service (issue 18): methods, media types, OAuth errors, SOAP
versions and ASCII-only digits, each over a real socket."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import requests
from lxml import etree

from tilts.mocks.harness import MockHandle
from tilts.mocks.testing import SoapTestClient, codes_xml

pytest_plugins = ["tilts.mocks.pytest_plugin"]
MOCK_SERVER_OPTIONS = {"persons": 300, "rate_limits": False}
ATVK, MEMBER = "0040000", "90000000040"
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
MONTHLY = f"/spolis/api/v1/reports/monthly/{ATVK}/2026-10"


@pytest.fixture
def mocks(mock_server: MockHandle) -> MockHandle:
    mock_server.reset()
    return mock_server


def _headers(mocks: MockHandle, **extra: str) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {mocks.token()}",
        "X-Road-Client": f"LV/GOV/{MEMBER}/SOC",
        "X-Road-Id": str(uuid.uuid4()),
        "X-Road-UserId": "LVsvc-test",
        "X-Road-Issue": "SD-TEST/1",
        "Idempotency-Key": str(uuid.uuid4()),
        **extra,
    }


def _problem(r: requests.Response) -> tuple[int, str]:
    assert r.headers["content-type"].startswith("application/problem+json"), r.text[:200]
    body: dict[str, Any] = r.json()
    assert {"type", "title", "status", "detail", "code"} <= set(body)
    assert body["status"] == r.status_code
    return r.status_code, body["code"]


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", MONTHLY, {"GET", "HEAD", "PUT"}),
        ("POST", MONTHLY, {"GET", "HEAD", "PUT"}),
        ("GET", "/vsaa/api/v1/payments/query", {"POST"}),
        ("PUT", "/pmlp/fpr/v1", {"GET", "HEAD", "POST"}),
        ("DELETE", "/token", {"POST"}),
    ],
)
def test_405_lists_every_allowed_method_as_problem_json(
    mocks: MockHandle, method: str, path: str, allowed: set[str]
) -> None:
    r = requests.request(method, mocks.url(path), headers=_headers(mocks), timeout=10)
    assert _problem(r) == (405, "METHOD_NOT_ALLOWED")
    assert {m.strip() for m in r.headers["allow"].split(",")} == allowed


def test_every_listed_method_is_really_served(mocks: MockHandle) -> None:
    """GET and PUT of the same path both reach their handler (not the other's)."""
    body = {
        "version": 1,
        "preparedAt": "2026-11-01T00:00:00Z",
        "respondent": {"name": "x"},
        "indicators": [],
    }
    put = requests.put(mocks.url(MONTHLY), json=body, headers=_headers(mocks), timeout=10)
    assert put.status_code == 200, put.text
    got = requests.get(mocks.url(MONTHLY), headers=_headers(mocks), timeout=10)
    assert got.status_code == 200 and got.json()["versions"][0]["version"] == 1
    head = requests.head(mocks.url(MONTHLY), headers=_headers(mocks), timeout=10)
    assert head.status_code == 200 and head.content == b""


def test_router_404_is_problem_json_without_echoing_the_path(mocks: MockHandle) -> None:
    r = requests.get(mocks.url("/vsaa/api/v1/persons/32123456789"), timeout=10)
    assert _problem(r) == (404, "NOT_FOUND")
    assert "32123456789" not in r.text


def test_token_without_grant_type_is_invalid_request(mocks: MockHandle) -> None:
    """RFC 6749 §5.2: a missing required parameter is ``invalid_request``; an unknown grant
    type stays ``unsupported_grant_type``."""
    auth = ("demo-ogre", "demo-ogre-secret")
    r = requests.post(mocks.url("/token"), auth=auth, data={"scope": "pmlp.fpr"}, timeout=10)
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"
    r = requests.post(mocks.url("/token"), auth=auth, data={"grant_type": ""}, timeout=10)
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"
    r = requests.post(mocks.url("/token"), auth=auth, data={"grant_type": "password"}, timeout=10)
    assert r.status_code == 400 and r.json()["error"] == "unsupported_grant_type"
    r = requests.post(
        mocks.url("/token"), auth=auth, json={"grant_type": "client_credentials"}, timeout=10
    )
    assert r.status_code == 415 and r.json()["error"] == "invalid_request"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/vsaa/api/v1/payments/query", {"personCodes": ["01019012345"]}),
        ("POST", "/nva/api/v1/status/query", {"personCodes": ["01019012345"]}),
        ("PUT", MONTHLY, {"version": 1}),
        ("POST", "/recipients/nino/api/v1/status-notifications", {"notificationId": "x"}),
    ],
)
@pytest.mark.parametrize("media", ["text/plain", "application/x-www-form-urlencoded", None])
def test_json_bodies_of_another_media_type_are_415(
    mocks: MockHandle, method: str, path: str, body: dict[str, Any], media: str | None
) -> None:
    import json

    headers = _headers(mocks)
    if media is not None:
        headers["Content-Type"] = media
    r = requests.request(
        method, mocks.url(path), data=json.dumps(body).encode(), headers=headers, timeout=10
    )
    assert _problem(r) == (415, "UNSUPPORTED_MEDIA_TYPE")


def test_soap_body_of_another_media_type_is_415(mocks: MockHandle) -> None:
    client = SoapTestClient(mocks)
    text = client.envelope("getPersons", codes_xml(["01019012345"]))
    r = requests.post(
        mocks.url("/pmlp/fpr/v1"),
        data=text.encode(),
        headers={"Authorization": f"Bearer {client.token}", "Content-Type": "application/json"},
        timeout=10,
    )
    assert r.status_code == 415
    fault = etree.fromstring(r.content).find(f"{{{SOAP11}}}Body/{{{SOAP11}}}Fault")
    assert fault is not None and fault.findtext("faultcode") == "Client.InvalidRequest"


def test_soap_12_envelope_gets_a_version_mismatch_fault(mocks: MockHandle) -> None:
    """SOAP 1.1 §4.4.1 / SOAP 1.2 part 2 annex A: a 1.1 node answers a 1.2 envelope with a
    VersionMismatch fault in a SOAP 1.1 envelope."""
    client = SoapTestClient(mocks)
    text = client.envelope("getPersons", codes_xml(["01019012345"])).replace(SOAP11, SOAP12)
    r = requests.post(
        mocks.url("/pmlp/fpr/v1"),
        data=text.encode(),
        headers={
            "Authorization": f"Bearer {client.token}",
            "Content-Type": "application/soap+xml; charset=utf-8",
        },
        timeout=10,
    )
    assert r.status_code == 500
    root = etree.fromstring(r.content)
    assert root.tag == f"{{{SOAP11}}}Envelope"
    code = root.findtext(f"{{{SOAP11}}}Body/{{{SOAP11}}}Fault/faultcode") or ""
    prefix, _, local = code.rpartition(":")
    assert local == "VersionMismatch" and root.nsmap.get(prefix) == SOAP11


@pytest.mark.parametrize(
    "month",
    ["٢٠٢٦-10", "２０２６-１０", "2026-1٠", "2026-10\n"],
    ids=["arabic-indic", "full-width", "mixed", "newline"],
)
def test_non_ascii_digits_are_refused_by_spolis(mocks: MockHandle, month: str) -> None:
    body = {"personCodes": ["01019012345"], "month": month, "kinds": ["BENEFIT_GMI"]}
    r = requests.post(
        mocks.url("/spolis/api/v1/benefit-checks/query"),
        json=body,
        headers=_headers(mocks),
        timeout=10,
    )
    assert _problem(r) == (400, "INVALID_REQUEST")
    assert r.json()["detail"].startswith("$.month")
    ok = requests.post(
        mocks.url("/spolis/api/v1/benefit-checks/query"),
        json={**body, "month": "2026-10"},
        headers=_headers(mocks),
        timeout=10,
    )
    assert ok.status_code == 200, ok.text


@pytest.mark.parametrize("month", ["٢٠٢٦-10", "２０２６-１０"])
def test_non_ascii_digits_in_a_path_are_refused(mocks: MockHandle, month: str) -> None:
    r = requests.get(
        mocks.url(f"/spolis/api/v1/reports/monthly/{ATVK}/{month}"),
        headers=_headers(mocks),
        timeout=10,
    )
    assert _problem(r) == (400, "INVALID_REQUEST")
    r = requests.get(
        mocks.url(f"/spolis/api/v1/reports/monthly/{'٠٠٤٠٠٠٠'}/2026-10"),
        headers=_headers(mocks),
        timeout=10,
    )
    assert _problem(r) == (400, "INVALID_REQUEST")
