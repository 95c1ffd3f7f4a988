"""X-Road message protocol v4.0 identity and purpose headers (registries.md §1.2).

SOAP services get the headers from :class:`XRoadPlugin`, the one zeep plugin that adds them;
REST services get the same facts as ``X-Road-*`` HTTP headers from :func:`rest_headers`.
"""

from __future__ import annotations

import contextvars
import uuid
from dataclasses import dataclass
from typing import Any

from lxml import etree
from zeep import Plugin

from tilts.kernel.errors import MissingPurposeError

XRD = "http://x-road.eu/xsd/xroad.xsd"
IDN = "http://x-road.eu/xsd/identifiers"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
PROTOCOL_VERSION = "4.0"


@dataclass(frozen=True)
class ServiceId:
    """The provider side of an X-Road service identifier, e.g. ``LV/GOV/PMLP/FPR``."""

    member_class: str
    member_code: str
    subsystem_code: str
    instance: str = "LV"

    @classmethod
    def parse(cls, text: str) -> ServiceId:
        """Parse ``LV/GOV/PMLP/FPR``."""
        instance, member_class, member_code, subsystem = text.split("/")
        return cls(member_class, member_code, subsystem, instance)


@dataclass(frozen=True)
class Purpose:
    """Who asks and why: travels with every query and into the audit log."""

    user_id: str
    issue: str

    def check(self) -> None:
        """Refuse locally a query without its purpose, before anything is sent."""
        if not self.user_id or not self.issue:
            missing = "userId" if not self.user_id else "issue"
            raise MissingPurposeError(f"registry query without {missing}; refused before sending")

    @property
    def wire_user(self) -> str:
        """``userId`` prefixed with the country code, as X-Road expects."""
        return self.user_id if self.user_id.startswith("LV") else f"LV{self.user_id}"


@dataclass(frozen=True)
class CallHeaders:
    """Everything one message's headers say."""

    client_member_code: str
    service: ServiceId
    operation: str
    purpose: Purpose
    message_id: str

    @classmethod
    def new(
        cls, member_code: str, service: ServiceId, operation: str, purpose: Purpose
    ) -> CallHeaders:
        """Headers for a fresh message (a new UUID per message, retries included)."""
        purpose.check()
        return cls(member_code, service, operation, purpose, str(uuid.uuid4()))


_CURRENT: contextvars.ContextVar[CallHeaders | None] = contextvars.ContextVar(
    "xroad_headers", default=None
)


def set_current(headers: CallHeaders) -> contextvars.Token[CallHeaders | None]:
    """Make ``headers`` the ones :class:`XRoadPlugin` adds to the next envelope built here."""
    return _CURRENT.set(headers)


def reset_current(token: contextvars.Token[CallHeaders | None]) -> None:
    """Undo :func:`set_current`."""
    _CURRENT.reset(token)


def _el(parent: etree._Element, ns: str, name: str, text: str | None = None) -> etree._Element:
    child = etree.SubElement(parent, f"{{{ns}}}{name}")
    if text is not None:
        child.text = text
    return child


def header_elements(h: CallHeaders) -> list[etree._Element]:
    """The six X-Road header elements for ``h``, valid against the standard's xroad.xsd."""
    holder = etree.Element("holder", nsmap={"xrd": XRD, "id": IDN})
    client = _el(holder, XRD, "client")
    client.set(f"{{{IDN}}}objectType", "SUBSYSTEM")
    for name, value in (
        ("xRoadInstance", "LV"),
        ("memberClass", "GOV"),
        ("memberCode", h.client_member_code),
        ("subsystemCode", "SOC"),
    ):
        _el(client, IDN, name, value)
    service = _el(holder, XRD, "service")
    service.set(f"{{{IDN}}}objectType", "SERVICE")
    for name, value in (
        ("xRoadInstance", h.service.instance),
        ("memberClass", h.service.member_class),
        ("memberCode", h.service.member_code),
        ("subsystemCode", h.service.subsystem_code),
        ("serviceCode", h.operation),
        ("serviceVersion", "v1"),
    ):
        _el(service, IDN, name, value)
    _el(holder, XRD, "id", h.message_id)
    _el(holder, XRD, "userId", h.purpose.wire_user)
    _el(holder, XRD, "issue", h.purpose.issue)
    _el(holder, XRD, "protocolVersion", PROTOCOL_VERSION)
    return list(holder)


class XRoadPlugin(Plugin):  # type: ignore[misc]
    """The zeep plugin that puts the current call's X-Road headers into every envelope."""

    def egress(
        self,
        envelope: etree._Element,
        http_headers: dict[str, str],
        operation: Any,
        binding_options: Any,
    ) -> tuple[etree._Element, dict[str, str]]:
        current = _CURRENT.get()
        if current is None:
            raise MissingPurposeError("SOAP message built without X-Road headers; refused")
        header = envelope.find(f"{{{SOAP_ENV}}}Header")
        if header is None:
            header = etree.Element(f"{{{SOAP_ENV}}}Header")
            envelope.insert(0, header)
        for element in header_elements(current):
            header.append(element)
        return envelope, http_headers


def rest_headers(h: CallHeaders) -> dict[str, str]:
    """The REST form of the same headers."""
    return {
        "X-Road-Client": f"LV/GOV/{h.client_member_code}/SOC",
        "X-Road-Service": f"{h.service.instance}/{h.service.member_class}/"
        f"{h.service.member_code}/{h.service.subsystem_code}/{h.operation}/v1",
        "X-Road-Id": h.message_id,
        "X-Road-UserId": h.purpose.wire_user,
        "X-Road-Issue": h.purpose.issue,
    }
