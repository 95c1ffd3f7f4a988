"""The SOAP registries of one person's rights and decisions over a real socket, checked against
the same population: VZD getPropertyRights (property.md §2, §7) and VDEĀVK
getDisabilityDecisions. What both answer alike is one suite over the two; what each world holds
follows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import requests
from lxml import etree

from tilts.mocks.harness import MockHandle
from tilts.mocks.testing import SAFE_PARSER, SoapTestClient, codes_xml
from tilts.mocks.world.population import Population
from tilts.mocks.world.realestate import household_rights, rights_of
from tilts.mocks.world.rural import is_rural
from tilts.registries import Registry, by_service

pytest_plugins = ["tilts.mocks.pytest_plugin"]
MOCK_SERVER_OPTIONS = {"persons": 2000, "rate_limits": False}
C = "{urn:lv:vzd:cadastre:v1}"
D = "{urn:lv:vdeavk:disability:v1}"
WSDL = Path(__file__).resolve().parents[2] / "connectors" / "wsdl"
XSD = {"vzd": "vzd_cadastre_v1.xsd", "vdeavk": "vdeavk_disability_v1.xsd"}
SCHEMAS = {s: etree.XMLSchema(etree.parse(str(WSDL / name))) for s, name in XSD.items()}
SERVICES = list(XSD)


def _client(mock_server: MockHandle, service: str) -> SoapTestClient:
    mock_server.reset()
    return SoapTestClient(mock_server, service=service)


@pytest.fixture
def vzd(mock_server: MockHandle) -> SoapTestClient:
    return _client(mock_server, "vzd")


@pytest.fixture
def vdeavk(mock_server: MockHandle) -> SoapTestClient:
    return _client(mock_server, "vdeavk")


def _registry(client: SoapTestClient) -> Registry:
    return by_service(client.service)


def _persons(client: SoapTestClient, codes: list[str], extra: str = "") -> list[etree._Element]:
    """The ``person`` elements of an answer to ``codes``, the answer valid by the XSD."""
    reply = client.call(_registry(client).operation, codes_xml(codes) + extra)
    assert reply.status == 200, reply.response.text[:500]
    body = reply.body()
    schema = SCHEMAS[client.service]
    assert schema.validate(body), schema.error_log
    persons: list[etree._Element] = body.findall(f"{{{client.namespace}}}person")
    return persons


def _owners(local: Population) -> list[str]:
    return [local.base_code(s) for s in range(local.size) if rights_of(local, s, local.today)]


def _with_history(local: Population) -> list[str]:
    return [
        local.base_code(s)
        for s in range(local.size)
        if local.disability(local.base_code(s), include_history=True)
    ]


def _two_found(local: Population, service: str) -> tuple[str, str]:
    """Two persons the registry holds something of (an owner; a current and a past decision)."""
    if service == "vzd":
        owners = _owners(local)
        return owners[0], owners[-1]
    with_history = _with_history(local)
    current = [c for c in with_history if local.disability(c)]
    return current[0], with_history[-1]


# ------------------------------------------------------------------------- both registries
@pytest.mark.parametrize("service", SERVICES)
def test_outcomes_in_request_order(
    mock_server: MockHandle, local: Population, service: str
) -> None:
    client = _client(mock_server, service)
    first, last = _two_found(local, service)
    codes = [first, "bad", "32000000000", last]
    persons = _persons(client, codes)
    ns = f"{{{client.namespace}}}"
    assert [p.findtext(f"{ns}requestedCode") for p in persons] == codes
    assert [p.findtext(f"{ns}result") for p in persons] == [
        "FOUND", "INVALID_CODE", "NOT_FOUND", "FOUND",
    ]  # fmt: skip


@pytest.mark.parametrize("service", SERVICES)
def test_batch_limit_and_wsdl(mock_server: MockHandle, service: str) -> None:
    client = _client(mock_server, service)
    registry = _registry(client)
    reply = client.call(registry.operation, codes_xml(["01019012345"] * 101))
    assert reply.fault_code == "Client.BatchTooLarge"
    wsdl = requests.get(mock_server.url(f"{registry.path}?wsdl"), timeout=10)
    root = etree.fromstring(wsdl.content, SAFE_PARSER)
    assert root.get("targetNamespace") == registry.namespace
    xsd = requests.get(mock_server.url(f"{registry.path}?xsd={XSD[service]}"), timeout=10)
    assert xsd.status_code == 200


@pytest.mark.parametrize("service", SERVICES)
def test_hostile_requests_are_refused(mock_server: MockHandle, service: str) -> None:
    """registries.md §1.2, §1.5 for VZD and VDEĀVK as for PMLP: no purpose, an XXE, malformed
    XML, a body the XSD refuses, an oversized body — each a fault, nothing echoed or resolved."""
    client = _client(mock_server, service)
    operation = _registry(client).operation
    for kwargs in ({"issue": None}, {"user_id": None}):
        reply = client.call(operation, codes_xml(["01019012345"]), **kwargs)  # type: ignore[arg-type]
        assert reply.fault_code == "Client.MissingPurpose"
    prolog = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    r = client.post(client.envelope(operation, codes_xml(["&e;"]), prolog=prolog))
    assert r.status_code == 500 and b"Client.InvalidRequest" in r.content
    assert b"root:" not in r.content
    r = client.post("<not-xml")
    assert r.status_code == 500 and b"Client.InvalidRequest" in r.content
    for body in ("", "<ns:unknown>1</ns:unknown>", codes_xml(["1" * 40]),
                 codes_xml(["01019012345"]) + "<ns:asOfDate>2026-02-30</ns:asOfDate>"):  # fmt: skip
        reply = client.call(operation, body)
        assert reply.fault_code == "Client.InvalidRequest", body
        assert "1111111" not in (reply.root.findtext(".//faultstring") or "")
    big = client.envelope(operation, codes_xml(["01019012345"]) + " " * (9 << 20))
    r = client.post(big)
    assert r.status_code in (413, 500) and b"01019012345" not in r.content


# ------------------------------------------------------------------------- VZD's cadastre
def test_rights_match_the_population(vzd: SoapTestClient, local: Population) -> None:
    owners = _owners(local)
    assert len(owners) > 200
    persons = _persons(vzd, [owners[0], "bad", "32000000000", owners[-1]])
    slot = local.resolve(owners[0])
    assert slot is not None
    expected = rights_of(local, slot, local.today)
    got = persons[0].findall(f"{C}right")
    assert [r.findtext(f"{C}propertyNumber") for r in got] == [e.property_number for e in expected]
    first, right = got[0], expected[0]
    assert first.findtext(f"{C}cadastralValue") == right.cadastral_value
    assert first.findtext(f"{C}landBookFolio/{C}folioNumber") == right.folio_number
    assert [u.text for u in first.findall(f"{C}buildingUse")] == list(right.building_use)


def test_every_household_has_a_dwelling_at_its_address_or_rents(local: Population) -> None:
    kinds: dict[str, int] = {"APARTMENT": 0, "LAND": 0, "rent": 0, "two": 0, "second": 0}
    for h in range(local.household_count):
        hh = local.base_household(h)
        rights = household_rights(local.seed, hh, local.ref)
        home = [(m, r) for m, r in rights if r.address_code == hh.address.address_code]
        if not home:
            kinds["rent"] += 1
        else:
            right = home[0][1]
            kinds[right.property_kind] += 1
            assert right.property_kind in ("APARTMENT", "LAND")
            assert "RESIDENTIAL" in right.building_use
            assert len(home) in (1, 2) and right.share == (1, len(home))
            assert all(hh.members[m].role not in ("CHILD", "WARD") for m, _ in home)
            kinds["two"] += len(home) == 2
        kinds["second"] += len(rights) > len(home)
        for _, r in rights:
            assert r.agricultural_area_m2 + r.forest_area_m2 <= (r.parcel_area_m2 or 0)
    n = local.household_count
    assert 0.15 * n < kinds["rent"] < 0.35 * n
    assert kinds["APARTMENT"] > 0.2 * n and kinds["LAND"] > 0.2 * n
    assert kinds["two"] > 0.1 * n and 0.05 * n < kinds["second"] < 0.3 * n


def test_land_over_five_hectares_falls_on_rural_households(local: Population) -> None:
    big_homes = []
    for h in range(local.household_count):
        hh = local.base_household(h)
        for _, r in household_rights(local.seed, hh, local.ref):
            if r.address_code == hh.address.address_code and (r.parcel_area_m2 or 0) > 50_000:
                big_homes.append(h)
    assert big_homes and len(big_homes) < 0.1 * local.household_count
    assert all(is_rural(local.seed, h) for h in big_homes)


def test_the_same_seed_gives_the_same_cadastre() -> None:
    a, b = Population(9, 300), Population(9, 300)
    for h in range(a.household_count):
        assert household_rights(9, a.base_household(h), a.ref) == household_rights(
            9, b.base_household(h), b.ref
        )


def test_a_clock_advance_adds_a_second_property_for_a_few(
    vzd: SoapTestClient, mock_server: MockHandle, local: Population
) -> None:
    today = local.today
    later = dt.date(today.year + 1, today.month, 1)
    buyers = [
        c for s in range(local.size)
        if len(rights_of(local, s, later)) > len(rights_of(local, s, today))
        and (c := local.base_code(s))
    ]  # fmt: skip
    assert 0 < len(buyers) < 0.05 * local.size
    before = [len(p.findall(f"{C}right")) for p in _persons(vzd, buyers[:20])]
    mock_server.set_today(later.isoformat())
    after = [len(p.findall(f"{C}right")) for p in _persons(vzd, buyers[:20])]
    assert all(a > b for a, b in zip(after, before, strict=True))
    past = _persons(vzd, buyers[:20], f"<ns:asOfDate>{today.isoformat()}</ns:asOfDate>")
    assert [len(p.findall(f"{C}right")) for p in past] == before


def test_sold_rights_carry_their_end(vzd: SoapTestClient, local: Population) -> None:
    sold = [
        c for s in range(local.size)
        if any(r.valid_to is not None for r in rights_of(local, s, local.today))
        and (c := local.base_code(s))
    ]  # fmt: skip
    assert sold
    persons = _persons(vzd, sold[:10])
    assert all(p.find(f"{C}right/{C}validTo") is not None for p in persons)


# ------------------------------------------------------------------------- VDEĀVK's decisions
def test_decisions_match_the_population(vdeavk: SoapTestClient, local: Population) -> None:
    with_history = _with_history(local)
    current = [c for c in with_history if local.disability(c)]
    assert len(current) > 20 and len(with_history) > len(current)
    persons = _persons(vdeavk, [current[0], "bad", "32000000000", with_history[-1]])
    expected = local.disability(current[0]) or []
    got = persons[0].findall(f"{D}decision")
    assert [d.findtext(f"{D}decisionNumber") for d in got] == [e.decision_number for e in expected]
    assert persons[0].findtext(f"{D}personCode") == current[0]


def test_history_adults_children_and_as_of(vdeavk: SoapTestClient, local: Population) -> None:
    codes = [
        local.base_code(s)
        for s in range(local.size)
        if local.disability(local.base_code(s), include_history=True)
    ][:100]
    now = _persons(vdeavk, codes)
    history = _persons(vdeavk, codes, "<ns:includeHistory>true</ns:includeHistory>")
    n_now = sum(len(p.findall(f"{D}decision")) for p in now)
    n_hist = sum(len(p.findall(f"{D}decision")) for p in history)
    assert n_hist > n_now
    for d in (d for p in history for d in p.findall(f"{D}decision")):
        adult = d.findtext(f"{D}subject") == "ADULT"
        assert (d.find(f"{D}group") is not None) == adult
        assert (d.find(f"{D}validTo") is None) == (d.findtext(f"{D}lifelong") == "true")
    past = _persons(vdeavk, codes, "<ns:asOfDate>2024-01-01</ns:asOfDate>")
    for p in past:
        for d in p.findall(f"{D}decision"):
            assert d.findtext(f"{D}validFrom") <= "2024-01-01"


def test_expiring_decisions_disappear_when_the_clock_passes(
    vdeavk: SoapTestClient, mock_server: MockHandle, local: Population
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
    before = _persons(vdeavk, expiring[:20])
    assert all(p.findall(f"{D}decision") for p in before)
    mock_server.set_today((today + dt.timedelta(days=130)).isoformat())
    after = _persons(vdeavk, expiring[:20])
    assert not any(p.findall(f"{D}decision") for p in after)
