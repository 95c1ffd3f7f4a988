"""The SOAP service descriptions are X-Road service descriptions (registries.md §2).

Two outcomes: every committed WSDL passes the rules X-Road applies to a service description
(:mod:`tests.connectors.xroad_wsdl_rules`; each rule is shown to catch what it is about), and a
second SOAP stack, suds-community, builds a complete request from the served WSDL alone — the
X-Road headers made from the WSDL's own types and set as its declared soap:headers — and gets
``FOUND`` from the running mock, which validates the headers and echoes them.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from suds.client import Client  # type: ignore[import-untyped]
from suds.plugin import MessagePlugin  # type: ignore[import-untyped]

from tests.connectors.xroad_wsdl_rules import violations
from tilts.connectors.soap import WSDL_DIR
from tilts.mocks.harness import MockHandle
from tilts.registries import REGISTRIES, Registry

XRD = "http://x-road.eu/xsd/xroad.xsd"
IDN = "http://x-road.eu/xsd/identifiers"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
WSDLS = sorted(p.name for p in WSDL_DIR.glob("*.wsdl"))
SOAP_REGISTRIES = [r for r in REGISTRIES if r.family == "soap"]


@pytest.mark.parametrize("name", WSDLS)
def test_every_soap_wsdl_is_a_valid_xroad_service_description(name: str) -> None:
    assert violations(WSDL_DIR / name) == []


def _mutated(
    tmp_path: Path, pattern: str, replacement: str, count: int = 0, name: str = "pmlp_fpr_v1.wsdl"
) -> Path:
    text = (WSDL_DIR / name).read_text(encoding="utf-8")
    changed = re.sub(pattern, replacement, text, count=count, flags=re.S)
    assert changed != text, pattern
    out = tmp_path / name
    out.write_text(changed, encoding="utf-8")
    (tmp_path / "xroad").symlink_to(WSDL_DIR / "xroad")
    xsd = name.removesuffix(".wsdl") + ".xsd"
    (tmp_path / xsd).symlink_to(WSDL_DIR / xsd)
    return out


@pytest.mark.parametrize(
    ("pattern", "replacement", "count", "expected"),
    [
        (r"<xrd:version>v1</xrd:version>", "", 1, "xroad: operation getPersons has no single"),
        (r'<xs:import namespace="http://x-road.eu/xsd/xroad.xsd"[^>]*/>', "", 0, "import"),
        (r'<wsdl:part name="issue" element="xrd:issue"/>', "", 0, "no message with parts"),
        (
            r'(<wsdl:output>)\s*<soap:header[^>]*part="client"[^>]*/>',
            r"\1",
            1,
            "getPersons output does not bind soap:header client",
        ),
        (r'use="literal"/>\s*</wsdl:input>', 'use="encoded"/></wsdl:input>', 1, "R2706"),
        (r"soap/http\"", 'soap/smtp"', 1, "R2702"),
        (r'element="fpr:getChanges"', 'type="xs:string"', 1, "R2204"),
        (r'element="fpr:getChanges"', 'element="fpr:getPersons"', 1, "R2710"),
        (r'element="fpr:getPersonsResponse"', 'element="fpr:nothing"', 1, "names unknown"),
        (
            r'<wsdl:operation name="getChanges">\s*<soap:operation.*?</wsdl:operation>',
            "",
            1,
            "R2718",
        ),
        (r'<soap:address location="[^"]*"/>', "", 1, "no soap:address"),
    ],
)
def test_each_rule_catches_what_it_is_about(
    tmp_path: Path, pattern: str, replacement: str, count: int, expected: str
) -> None:
    found = violations(_mutated(tmp_path, pattern, replacement, count))
    assert any(expected in line for line in found), found


# The rules every service description is held to, broken in each SOAP registry's own WSDL.
GENERIC_MUTATIONS = [
    (r"<xrd:version>v1</xrd:version>", "", 1, "has no single"),
    (r'<xs:import namespace="http://x-road.eu/xsd/xroad.xsd"[^>]*/>', "", 0, "import"),
    (r'<wsdl:part name="issue" element="xrd:issue"/>', "", 0, "no message with parts"),
    (r'(<wsdl:output>)\s*<soap:header[^>]*part="client"[^>]*/>', r"\1", 1,
     "output does not bind soap:header client"),
    (r'use="literal"/>\s*</wsdl:input>', 'use="encoded"/></wsdl:input>', 1, "R2706"),
    (r"soap/http\"", 'soap/smtp"', 1, "R2702"),
    (r'<soap:address location="[^"]*"/>', "", 1, "no soap:address"),
]  # fmt: skip


@pytest.mark.parametrize("registry", SOAP_REGISTRIES, ids=lambda r: r.service)
@pytest.mark.parametrize(("pattern", "replacement", "count", "expected"), GENERIC_MUTATIONS)
def test_each_rule_catches_it_in_every_soap_wsdl(
    tmp_path: Path,
    registry: Registry,
    pattern: str,
    replacement: str,
    count: int,
    expected: str,
) -> None:
    assert violations(WSDL_DIR / registry.wsdl) == []
    found = violations(_mutated(tmp_path, pattern, replacement, count, registry.wsdl))
    assert any(expected in line for line in found), found


class _QualifyObjectType(MessagePlugin):  # type: ignore[misc]
    """suds writes ``objectType`` unqualified although identifiers.xsd declares it globally
    (``ref="objectType"``: qualified on the wire). This puts it in its namespace; nothing else
    of the message is touched."""

    def marshalled(self, context: Any) -> None:
        header = context.envelope.getChild("Header")
        for child in [] if header is None else header.getChildren():
            value = child.get("objectType")
            if value is not None:
                child.unset("objectType")
                child.addPrefix("id", IDN)
                child.set("id:objectType", value)


def _suds_call(
    mock: MockHandle, path: str, scope: str, operation: str, provider: tuple[str, str, str]
) -> tuple[Any, bytes, str]:
    token = mock.token(scope=scope)
    client = Client(
        mock.url(f"{path}?wsdl"),
        headers={"Authorization": f"Bearer {token}"},
        cache=None,
        plugins=[_QualifyObjectType()],
    )
    factory = client.factory
    xclient = factory.create(f"{{{XRD}}}client")
    xclient._objectType = "SUBSYSTEM"
    for key, value in zip(
        ("xRoadInstance", "memberClass", "memberCode", "subsystemCode"),
        ("LV", "GOV", "90000000040", "SOC"),
        strict=True,
    ):
        setattr(xclient, key, value)
    xservice = factory.create(f"{{{XRD}}}service")
    xservice._objectType = "SERVICE"
    for key, value in zip(
        ("xRoadInstance", "memberClass", "memberCode", "subsystemCode"),
        ("LV", *provider),
        strict=True,
    ):
        setattr(xservice, key, value)
    xservice.serviceCode, xservice.serviceVersion = operation, "v1"
    message_id = str(uuid.uuid4())
    client.set_options(
        soapheaders={
            "client": xclient,
            "service": xservice,
            "id": message_id,
            "userId": "LVsvc-interop",
            "issue": "interop-test",
            "protocolVersion": "4.0",
        }
    )
    code = mock.sample(limit=1)[0]["personCode"]
    answer = getattr(client.service, operation)(personCode=[code])
    return answer, client.last_received().plain().encode(), message_id


def test_every_soap_registry_has_its_wsdl_checked() -> None:
    assert {r.wsdl for r in SOAP_REGISTRIES} <= set(WSDLS)
    assert len(SOAP_REGISTRIES) >= 3  # PMLP, VDEĀVK, VZD (property.md §2)


@pytest.mark.parametrize(
    ("path", "scope", "operation", "provider"),
    [(r.path, r.scope, r.operation, r.xroad_parts) for r in SOAP_REGISTRIES],
    ids=[r.service for r in SOAP_REGISTRIES],
)
def test_suds_builds_a_complete_request_from_the_wsdl_alone(
    clean_mock: MockHandle,
    path: str,
    scope: str,
    operation: str,
    provider: tuple[str, str, str],
) -> None:
    answer, received, message_id = _suds_call(clean_mock, path, scope, operation, provider)
    persons = answer if isinstance(answer, list) else answer.person
    assert [p.result for p in persons] == ["FOUND"]
    echoed = etree.fromstring(received).find(f"{{{SOAP_ENV}}}Header")
    assert echoed is not None
    assert echoed.findtext(f"{{{XRD}}}id") == message_id
    assert [etree.QName(h).localname for h in echoed] == [
        "client",
        "service",
        "id",
        "userId",
        "issue",
        "protocolVersion",
    ]
    entry = clean_mock.journal()[-1]
    assert entry["status"] == 200
