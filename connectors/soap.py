"""SOAP registries: zeep builds the envelope from the committed WSDL, lxml reads the answer.

zeep is the SOAP client (WSDL, envelope, the X-Road plugin, ``HistoryPlugin`` in tests); the
hot path reads responses with the hardened lxml parser into plain dicts, which measured ~14x
faster than zeep's object mapping (design/MEASURED.md) and lets us validate the body against
the same XSD the mock serves.
"""

from __future__ import annotations

import threading
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

from lxml import etree
from zeep import Client, Plugin, Settings
from zeep.transports import Transport

from tilts.connectors.base import RawResponse, RegistryClient
from tilts.connectors.statuses import DEFAULT_STATUS_ACTIONS, Action, StatusTable
from tilts.connectors.xmlsafe import parse
from tilts.connectors.xroad import (
    SOAP_ENV,
    XRD,
    CallHeaders,
    XRoadPlugin,
    reset_current,
    set_current,
)
from tilts.kernel.errors import (
    AuthError,
    ContractError,
    FatalError,
    MissingPurposeError,
    RetriableError,
    TiltsError,
)

WSDL_DIR = Path(__file__).parent / "wsdl"

# faultcode → what the caller does (registries.md §1.5), merged over by subclasses.
DEFAULT_FAULT_ACTIONS: dict[str, type[TiltsError]] = {
    "Server.Unavailable": RetriableError,
    "Server.InternalError": FatalError,
    "Client.InvalidRequest": FatalError,
    "Client.BatchTooLarge": FatalError,
    "Client.MissingPurpose": MissingPurposeError,
    "Client.AccessDenied": AuthError,
}


# libxml2 cannot compile two XML Schemas at once: two threads of a fresh process making their
# first calls together failed with "Document is not valid XML Schema" or crashed the process
# (tests/connectors/test_soap_threads.py). The first use of each is built under this lock.
_build_lock = threading.Lock()
_zeep_lock = threading.Lock()


def load_schema(xsd_name: str) -> etree.XMLSchema:
    """The compiled XSD of a service (from the committed copy, never the network)."""
    with _build_lock:
        return _load_schema(xsd_name)


@cache
def _load_schema(xsd_name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(WSDL_DIR / xsd_name)))


def zeep_client(wsdl_name: str) -> Client:
    """A zeep client built from the committed WSDL, with the X-Road plugin."""
    with _build_lock:
        return _zeep_client(wsdl_name)


@cache
def _zeep_client(wsdl_name: str) -> Client:
    settings = Settings(strict=True, xml_huge_tree=False, forbid_dtd=True, forbid_entities=True)
    return Client(
        str(WSDL_DIR / wsdl_name),
        settings=settings,
        transport=Transport(cache=None),
        plugins=[XRoadPlugin()],
    )


class SoapRegistryClient(RegistryClient):
    """A registry spoken to in SOAP 1.1 document/literal with X-Road headers."""

    WSDL: ClassVar[str]
    XSD: ClassVar[str]
    NS: ClassVar[str]
    # registries.md §1.5: a SOAP service answers its faults with HTTP 500; the faultcode decides
    STATUS_ACTIONS: ClassVar[StatusTable] = DEFAULT_STATUS_ACTIONS.merged({500: Action.FAULT})
    FAULT_ACTIONS: ClassVar[dict[str, type[TiltsError]]] = DEFAULT_FAULT_ACTIONS
    extra_plugins: ClassVar[list[Plugin]] = []

    def call(self, operation: str, family: str, batch_size: int, **kwargs: Any) -> etree._Element:
        """Call ``operation`` and return its validated response body element."""
        client = zeep_client(self.WSDL)

        def build(headers: CallHeaders) -> tuple[bytes, dict[str, str]]:
            token = set_current(headers)
            try:
                with _zeep_lock:  # zeep's serialiser keeps no state, but plugins might
                    envelope = client.create_message(client.service, operation, **kwargs)
                    for plugin in self.extra_plugins:
                        envelope, _ = plugin.egress(envelope, {}, None, None)
            finally:
                reset_current(token)
            body = etree.tostring(envelope, xml_declaration=True, encoding="utf-8")
            return body, {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{operation}"'}

        def read(raw: RawResponse, headers: CallHeaders) -> etree._Element:
            return self._read(raw, headers, operation)

        return self.execute(operation, family, batch_size, build, read)

    def _body_child(self, raw: RawResponse) -> tuple[etree._Element, etree._Element]:
        root = parse(raw.body)
        body = root.find(f"{{{SOAP_ENV}}}Body")
        if root.tag != f"{{{SOAP_ENV}}}Envelope" or body is None or len(body) == 0:
            raise ContractError(f"{self.SPEC.name}: answer is not a SOAP envelope with a body")
        return root, body[0]

    def _read(self, raw: RawResponse, headers: CallHeaders, operation: str) -> etree._Element:
        root, child = self._body_child(raw)
        if child.tag == f"{{{SOAP_ENV}}}Fault":
            raise self._fault(child)
        echoed = root.findtext(f"{{{SOAP_ENV}}}Header/{{{XRD}}}id")
        if echoed != headers.message_id:
            raise ContractError(f"{self.SPEC.name}.{operation}: answer carries another message id")
        if child.tag != f"{{{self.NS}}}{operation}Response":
            raise ContractError(f"{self.SPEC.name}.{operation}: unexpected answer element")
        schema = load_schema(self.XSD)
        if not schema.validate(child):
            first = schema.error_log.last_error
            # where and which rule, never libxml2's message: it quotes the offending value
            where = f" (line {first.line}: {first.path}: {first.type_name})" if first else ""
            raise ContractError(
                f"{self.SPEC.name}.{operation}: answer does not match the XSD{where}"
            )
        return child

    def fault_error(self, raw: RawResponse, headers: CallHeaders, action: Action) -> TiltsError:
        try:
            _, child = self._body_child(raw)
        except ContractError:
            return RetriableError(f"{self.SPEC.name}: HTTP {raw.status} without a SOAP fault")
        if child.tag != f"{{{SOAP_ENV}}}Fault":
            return ContractError(f"{self.SPEC.name}: HTTP {raw.status} with a non-fault body")
        return self._fault(child)

    def _fault(self, fault: etree._Element) -> TiltsError:
        code = (fault.findtext("faultcode") or "").split(":")[-1]
        fault_id = (
            "".join(fault.find("detail").itertext()).strip()
            if fault.find("detail") is not None
            else ""
        )
        kind = self.FAULT_ACTIONS.get(code, FatalError)
        return kind(
            f"{self.SPEC.name}: SOAP fault {code or 'without code'} (faultId {fault_id or '-'})"
        )

    def problem_code(self, raw: RawResponse) -> str:
        return f"HTTP {raw.status}"


def text(el: etree._Element, ns: str, name: str) -> str | None:
    """Text of the direct child ``name`` in namespace ``ns``, or ``None``."""
    found = el.find(f"{{{ns}}}{name}")
    return None if found is None else (found.text or "")
