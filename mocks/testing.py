"""Helpers for tests that talk SOAP to the mocks without a full connector.

:class:`SoapTestClient` builds X-Road v4.0 envelopes by string template, posts them with
``requests`` and parses answers with a hardened lxml parser. The connector has its own zeep
client; this one exists so that mock tests (and other suites' fixtures) can send exactly the
envelope a case needs — a missing header, a wrong member code, a DTD.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import requests
from lxml import etree

from tilts.mocks.harness import MockHandle
from tilts.registries import REGISTRIES

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
XRD = "http://x-road.eu/xsd/xroad.xsd"
XID = "http://x-road.eu/xsd/identifiers"
SAFE_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
)

#: every SOAP registry → (path, namespace, X-Road member code, subsystem code)
SERVICES = {
    r.service: (r.path, r.namespace, *r.xroad_parts[1:]) for r in REGISTRIES if r.family == "soap"
}


def envelope(
    operation: str,
    body: str,
    namespace: str,
    provider: tuple[str, str],
    member_code: str = "90000000040",
    message_id: str | None = None,
    user_id: str | None = "LVsvc-test",
    issue: str | None = "SD-TEST/1",
    omit: tuple[str, ...] = (),
    prolog: str = "",
) -> str:
    """A SOAP 1.1 envelope with X-Road headers; ``omit`` drops headers by local name."""
    headers = {
        "client": (
            '<xrd:client id:objectType="SUBSYSTEM"><id:xRoadInstance>LV</id:xRoadInstance>'
            f"<id:memberClass>GOV</id:memberClass><id:memberCode>{member_code}"
            "</id:memberCode><id:subsystemCode>SOC</id:subsystemCode></xrd:client>"
        ),
        "service": (
            '<xrd:service id:objectType="SERVICE"><id:xRoadInstance>LV</id:xRoadInstance>'
            f"<id:memberClass>GOV</id:memberClass><id:memberCode>{provider[0]}"
            f"</id:memberCode><id:subsystemCode>{provider[1]}</id:subsystemCode>"
            f"<id:serviceCode>{operation}</id:serviceCode>"
            "<id:serviceVersion>v1</id:serviceVersion></xrd:service>"
        ),
        "id": f"<xrd:id>{message_id or uuid.uuid4()}</xrd:id>",
        "userId": f"<xrd:userId>{user_id}</xrd:userId>" if user_id is not None else "",
        "issue": f"<xrd:issue>{issue}</xrd:issue>" if issue is not None else "",
        "protocolVersion": "<xrd:protocolVersion>4.0</xrd:protocolVersion>",
    }
    head = "".join(v for k, v in headers.items() if k not in omit)
    return (
        f'{prolog}<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}" xmlns:xrd="{XRD}" '
        f'xmlns:id="{XID}" xmlns:ns="{namespace}"><soapenv:Header>{head}</soapenv:Header>'
        f"<soapenv:Body><ns:{operation}>{body}</ns:{operation}></soapenv:Body>"
        "</soapenv:Envelope>"
    )


def codes_xml(codes: list[str], tag: str = "personCode") -> str:
    """``<ns:personCode>…</ns:personCode>`` for each code."""
    return "".join(f"<ns:{tag}>{c}</ns:{tag}>" for c in codes)


@dataclass
class SoapReply:
    """A parsed answer: HTTP status, root element, and fault code if it is a fault."""

    status: int
    root: etree._Element
    response: requests.Response

    @property
    def fault_code(self) -> str | None:
        code: str | None = self.root.findtext(f".//{{{SOAP_ENV}}}Fault/faultcode")
        return code

    def header(self, local: str) -> etree._Element | None:
        return self.root.find(f"{{{SOAP_ENV}}}Header/{{{XRD}}}{local}")

    def body(self) -> etree._Element:
        body = self.root.find(f"{{{SOAP_ENV}}}Body")
        assert body is not None
        return body[0]


@dataclass
class SoapTestClient:
    """Posts envelopes to one SOAP service of a running mock as one OAuth client."""

    mocks: MockHandle
    service: str = "pmlp"
    client_id: str = "demo-ogre"
    member_code: str = "90000000040"
    token: str | None = None
    session: requests.Session = field(default_factory=requests.Session)

    def __post_init__(self) -> None:
        if self.token is None:
            self.token = self.mocks.token(self.client_id)

    @property
    def namespace(self) -> str:
        return SERVICES[self.service][1]

    def post(self, text: str, timeout: float = 30.0, **kwargs: Any) -> requests.Response:
        """Post a raw envelope with the bearer token."""
        return self.session.post(
            self.mocks.url(SERVICES[self.service][0]),
            data=text.encode("utf-8"),
            headers={
                "Authorization": f"Bearer {self.token}",
                "Content-Type": "text/xml; charset=utf-8",
            },
            timeout=timeout,
            **kwargs,
        )

    def envelope(self, operation: str, body: str, **kwargs: Any) -> str:
        _, ns, member, subsystem = SERVICES[self.service]
        kwargs.setdefault("member_code", self.member_code)
        return envelope(operation, body, ns, (member, subsystem), **kwargs)

    def call(self, operation: str, body: str, **kwargs: Any) -> SoapReply:
        """Build, post and parse (``kwargs`` go to :func:`envelope`)."""
        r = self.post(self.envelope(operation, body, **kwargs))
        return SoapReply(r.status_code, etree.fromstring(r.content, SAFE_PARSER), r)
