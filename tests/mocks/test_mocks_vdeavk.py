"""VDEĀVK getDisabilityDecisions over a real socket, checked against the same population."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import requests
from lxml import etree

from tilts.mocks.harness import MockHandle
from tilts.mocks.testing import SAFE_PARSER, SoapTestClient, codes_xml
from tilts.mocks.world.population import Population

pytest_plugins = ["tilts.mocks.pytest_plugin"]
MOCK_SERVER_OPTIONS = {"persons": 2000, "rate_limits": False}
D = "{urn:lv:vdeavk:disability:v1}"
WSDL = Path(__file__).resolve().parents[2] / "connectors" / "wsdl"
SCHEMA = etree.XMLSchema(etree.parse(str(WSDL / "vdeavk_disability_v1.xsd")))


@pytest.fixture(scope="module")
def local() -> Population:
    return Population(42, 2000)


@pytest.fixture
def client(mock_server: MockHandle) -> SoapTestClient:
    mock_server.reset()
    return SoapTestClient(mock_server, service="vdeavk")


def _decisions(client: SoapTestClient, codes: list[str], extra: str = "") -> list[etree._Element]:
    reply = client.call("getDisabilityDecisions", codes_xml(codes) + extra)
    assert reply.status == 200, reply.response.text[:500]
    body = reply.body()
    assert SCHEMA.validate(body), SCHEMA.error_log
    persons: list[etree._Element] = body.findall(f"{D}person")
    return persons


def test_decisions_match_the_population(client: SoapTestClient, local: Population) -> None:
    with_history = [
        local.base_code(s)
        for s in range(local.size)
        if local.disability(local.base_code(s), include_history=True)
    ]
    current = [c for c in with_history if local.disability(c)]
    assert len(current) > 20 and len(with_history) > len(current)
    codes = [current[0], "bad", "32000000000", with_history[-1]]
    persons = _decisions(client, codes)
    assert [p.findtext(f"{D}requestedCode") for p in persons] == codes
    assert [p.findtext(f"{D}result") for p in persons] == [
        "FOUND",
        "INVALID_CODE",
        "NOT_FOUND",
        "FOUND",
    ]
    expected = local.disability(current[0]) or []
    got = persons[0].findall(f"{D}decision")
    assert [d.findtext(f"{D}decisionNumber") for d in got] == [e.decision_number for e in expected]
    assert persons[0].findtext(f"{D}personCode") == current[0]


def test_history_adults_children_and_as_of(client: SoapTestClient, local: Population) -> None:
    codes = [
        local.base_code(s)
        for s in range(local.size)
        if local.disability(local.base_code(s), include_history=True)
    ][:100]
    now = _decisions(client, codes)
    history = _decisions(client, codes, "<ns:includeHistory>true</ns:includeHistory>")
    n_now = sum(len(p.findall(f"{D}decision")) for p in now)
    n_hist = sum(len(p.findall(f"{D}decision")) for p in history)
    assert n_hist > n_now
    for d in (d for p in history for d in p.findall(f"{D}decision")):
        adult = d.findtext(f"{D}subject") == "ADULT"
        assert (d.find(f"{D}group") is not None) == adult
        assert (d.find(f"{D}validTo") is None) == (d.findtext(f"{D}lifelong") == "true")
    past = _decisions(client, codes, "<ns:asOfDate>2024-01-01</ns:asOfDate>")
    for p in past:
        for d in p.findall(f"{D}decision"):
            assert d.findtext(f"{D}validFrom") <= "2024-01-01"


def test_expiring_decisions_disappear_when_the_clock_passes(
    client: SoapTestClient, mock_server: MockHandle, local: Population
) -> None:
    today = local.today
    expiring = [
        c
        for s in range(local.size)
        if (ds := local.disability(c := local.base_code(s)))
        and all(d.valid_to is not None and d.valid_to < today + dt.timedelta(days=120) for d in ds)
    ]
    expiring = [
        c
        for c in expiring
        if not any(  # not renewed later either
            d.decision_date > today for d in local.person_facts(local.resolve(c) or 0).decisions
        )
    ]
    assert expiring
    before = _decisions(client, expiring[:20])
    assert all(p.findall(f"{D}decision") for p in before)
    mock_server.set_today((today + dt.timedelta(days=130)).isoformat())
    after = _decisions(client, expiring[:20])
    assert not any(p.findall(f"{D}decision") for p in after)


def test_batch_limit_and_wsdl(client: SoapTestClient, mock_server: MockHandle) -> None:
    reply = client.call("getDisabilityDecisions", codes_xml(["01019012345"] * 101))
    assert reply.fault_code == "Client.BatchTooLarge"
    wsdl = requests.get(mock_server.url("/vdeavk/disability/v1?wsdl"), timeout=10)
    root = etree.fromstring(wsdl.content, SAFE_PARSER)
    assert root.get("targetNamespace") == "urn:lv:vdeavk:disability:v1"
    xsd = requests.get(
        mock_server.url("/vdeavk/disability/v1?xsd=vdeavk_disability_v1.xsd"), timeout=10
    )
    assert xsd.status_code == 200
