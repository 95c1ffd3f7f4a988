"""Generic SOAP 1.1 endpoint behind the mock gateway (document/literal wrapped, X-Road v4.0).

:func:`soap_routes` turns a :class:`~mocks.gateway.specs.ServiceSpec`, its XSD and WSDL, and one
handler per operation into starlette routes:

* ``POST <path>`` — the gateway pipeline, then: the envelope is parsed with a hardened lxml
  parser (no DTD, no entities, no network, no huge trees; any DOCTYPE → ``Client.InvalidRequest``);
  each X-Road header is validated against ``xroad.xsd``; ``client``, ``service``, ``id`` and
  ``protocolVersion`` 4.0 are required (``Client.InvalidRequest``), ``userId`` (prefixed ``LV``)
  and ``issue`` too (``Client.MissingPurpose``); the header client must be
  ``LV/GOV/<the OAuth client's member code>/SOC`` (``Client.AccessDenied``); the header service
  must name this provider, the body's operation and ``v1``; the body is validated against the
  service XSD (``Client.InvalidRequest``); the batch limit gives ``Client.BatchTooLarge``.
  Every request header is echoed unchanged in the response (faults included, once parsed).
* ``GET <path>?wsdl`` and ``GET <path>?xsd=<name>`` — the committed WSDL/XSD files, with
  relative ``schemaLocation`` and the ``soap:address`` rewritten to this server's URLs. No token
  is needed for the service description.

A body that is neither ``text/xml`` nor ``application/soap+xml`` gets HTTP 415 (with a
``Client.InvalidRequest`` fault); an envelope in another namespace (SOAP 1.2) gets a
``SOAP-ENV:VersionMismatch`` fault. SOAP faults are answered with HTTP 500; ``faultcode`` is
the unqualified value of registries.md §1.5 (as X-Road does), ``detail`` carries
``<ns:faultDetail><ns:faultId>``.
"""

from __future__ import annotations

import copy
import datetime as dt
import inspect
import re
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from lxml import etree
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tilts.mocks.gateway import pipeline
from tilts.mocks.gateway.pipeline import CallContext, Refusal
from tilts.mocks.gateway.specs import ServiceSpec
from tilts.mocks.gateway.state import MockState

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
XRD = "http://x-road.eu/xsd/xroad.xsd"
XID = "http://x-road.eu/xsd/identifiers"
WSDL_DIR = Path(__file__).resolve().parents[2] / "connectors" / "wsdl"
XROAD_DIR = WSDL_DIR / "xroad"
XML_TYPE = "text/xml; charset=utf-8"
MAX_REQUEST_BYTES = 8 * 1024 * 1024
# text/xml is SOAP 1.1's; a SOAP 1.2 message (application/soap+xml) is let through to be
# answered with a VersionMismatch fault, anything else is 415
SOAP_MEDIA_TYPES = frozenset({"text/xml", "application/soap+xml"})

_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    huge_tree=False,
    dtd_validation=False,
    remove_comments=False,
)
_ENVELOPE = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<SOAP-ENV:Envelope xmlns:SOAP-ENV="'
    + SOAP_ENV
    + '"><SOAP-ENV:Header>{headers}</SOAP-ENV:Header><SOAP-ENV:Body>{body}'
    "</SOAP-ENV:Body></SOAP-ENV:Envelope>"
)
_DIGITS = re.compile(r"\d{6,}")


def esc(text: str) -> str:
    """Escape text content for XML templates."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def xs_date(value: str | None) -> dt.date | None:
    """An ``xs:date`` (already schema-valid; a time-zone suffix is ignored)."""
    return None if value is None else dt.date.fromisoformat(value.strip()[:10])


class SoapError(Exception):
    """A SOAP fault to answer: ``code`` from registries.md §1.5 and a safe message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = _DIGITS.sub("***", message)  # never echo a personal code


@dataclass
class SoapCall:
    """What an operation handler gets: the gateway context and the operation element."""

    ctx: CallContext
    body: etree._Element

    def texts(self, local: str) -> list[str]:
        """Text of every direct child ``local`` in the service namespace."""
        ns = self.ctx.service.namespace
        return [el.text or "" for el in self.body.iterchildren(f"{{{ns}}}{local}")]

    def text(self, local: str) -> str | None:
        """Text of the first direct child ``local`` (``None`` when absent)."""
        el = self.body.find(f"{{{self.ctx.service.namespace}}}{local}")
        return None if el is None else (el.text or "")


SoapHandler = Callable[[SoapCall], "str | Awaitable[str]"]


@dataclass
class _Envelope:
    headers: list[etree._Element]
    operation: etree._Element


def parse_envelope(raw: bytes) -> _Envelope:
    """Parse a SOAP 1.1 envelope safely; raises :class:`SoapError` (``Client.InvalidRequest``)."""
    if b"<!DOCTYPE" in raw or b"<!ENTITY" in raw:
        raise SoapError("Client.InvalidRequest", "a DTD or entity declaration is not allowed")
    try:
        root = etree.fromstring(raw, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise SoapError(
            "Client.InvalidRequest", f"the request is not well-formed XML: {exc}"
        ) from exc
    if root.getroottree().docinfo.doctype:
        raise SoapError("Client.InvalidRequest", "a DTD is not allowed")
    if etree.QName(root).localname == "Envelope" and root.tag != f"{{{SOAP_ENV}}}Envelope":
        # SOAP 1.1 §4.4.1 (and SOAP 1.2 part 2 annex A for a 1.2 envelope): another envelope
        # namespace is a VersionMismatch, answered in a SOAP 1.1 envelope
        raise SoapError("SOAP-ENV:VersionMismatch", "only SOAP 1.1 envelopes are understood")
    if root.tag != f"{{{SOAP_ENV}}}Envelope":
        raise SoapError("Client.InvalidRequest", "the root is not a SOAP 1.1 Envelope")
    header = root.find(f"{{{SOAP_ENV}}}Header")
    body = root.find(f"{{{SOAP_ENV}}}Body")
    if body is None:
        raise SoapError("Client.InvalidRequest", "the envelope has no Body")
    children = [c for c in body if isinstance(c.tag, str)]
    if len(children) != 1:
        raise SoapError("Client.InvalidRequest", "the Body must hold exactly one element")
    headers = [] if header is None else [h for h in header if isinstance(h.tag, str)]
    return _Envelope(headers, children[0])


def _xroad_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XROAD_DIR / "xroad.xsd")))


def _identifier(el: etree._Element) -> dict[str, str]:
    out = {"objectType": el.get(f"{{{XID}}}objectType", "")}
    for child in el:
        if isinstance(child.tag, str):
            out[etree.QName(child).localname] = (child.text or "").strip()
    return out


def check_xroad_headers(
    ctx: CallContext, headers: list[etree._Element], operation: str, schema: etree.XMLSchema
) -> None:
    """Validate and check the X-Road headers; fills the context; raises :class:`SoapError`."""
    found: dict[str, etree._Element] = {}
    for h in headers:
        q = etree.QName(h)
        if q.namespace != XRD:
            continue
        if not schema.validate(h):
            raise SoapError(
                "Client.InvalidRequest",
                f"header xrd:{q.localname} is not valid: "
                f"{schema.error_log.last_error.message if schema.error_log else ''}",
            )
        found[q.localname] = h
    if "id" in found:
        ctx.message_id = (found["id"].text or "").strip()
    ctx.user_id = (found["userId"].text or "").strip() if "userId" in found else None
    ctx.issue = (found["issue"].text or "").strip() if "issue" in found else None
    for name in ("client", "service", "id", "protocolVersion"):
        if name not in found or (name in ("id", "protocolVersion") and not found[name].text):
            raise SoapError("Client.InvalidRequest", f"header xrd:{name} is required")
    if (found["protocolVersion"].text or "").strip() != "4.0":
        raise SoapError("Client.InvalidRequest", "xrd:protocolVersion must be 4.0")
    if not ctx.user_id or not ctx.issue:
        raise SoapError("Client.MissingPurpose", "xrd:userId and xrd:issue are required")
    if not ctx.user_id.startswith("LV"):
        raise SoapError("Client.InvalidRequest", "xrd:userId must start with LV")
    client = _identifier(found["client"])
    member = None if ctx.client is None else ctx.client.member_code
    if (
        client.get("objectType") != "SUBSYSTEM"
        or client.get("xRoadInstance") != "LV"
        or client.get("memberClass") != "GOV"
        or client.get("subsystemCode") != "SOC"
        or member is None
        or client.get("memberCode") != member
    ):
        raise SoapError(
            "Client.AccessDenied", "the X-Road client does not belong to the OAuth client"
        )
    service = _identifier(found["service"])
    m_class, m_code, subsystem = ctx.service.xroad
    if (
        service.get("objectType") != "SERVICE"
        or service.get("xRoadInstance") != "LV"
        or service.get("memberClass") != m_class
        or service.get("memberCode") != m_code
        or service.get("subsystemCode") != subsystem
        or service.get("serviceCode") != operation
        or service.get("serviceVersion") != "v1"
    ):
        raise SoapError(
            "Client.InvalidRequest",
            f"xrd:service must be LV/{m_class}/{m_code}/{subsystem}/{operation}/v1",
        )


def echo_headers(headers: list[etree._Element], wrong_id: bool = False) -> str:
    """The request headers, serialised unchanged (``wrong_id``: with another ``xrd:id``)."""
    parts = []
    for h in headers:
        if wrong_id and h.tag == f"{{{XRD}}}id":
            h = copy.deepcopy(h)
            h.text = pipeline.new_message_id()
        parts.append(etree.tostring(h, encoding="unicode", with_tail=False))
    return "".join(parts)


def envelope(headers: str, body: str) -> str:
    """A SOAP 1.1 envelope around serialised headers and body."""
    return _ENVELOPE.format(headers=headers, body=body)


def fault_response(
    ctx: CallContext,
    code: str,
    message: str,
    headers: list[etree._Element] | None,
    status: int = 500,
) -> Response:
    """Journal and answer a SOAP fault (HTTP ``status``, 500 unless the HTTP layer refused the
    request) with a ``faultId`` in its detail."""
    pipeline.finish(ctx, status, code)
    ns = ctx.service.namespace
    fault_id = str(uuid.uuid4())
    body = (
        f"<SOAP-ENV:Fault><faultcode>{esc(code)}</faultcode><faultstring>{esc(message)}"
        f'</faultstring><detail><ns:faultDetail xmlns:ns="{ns}"><ns:faultId>{fault_id}'
        "</ns:faultId></ns:faultDetail></detail></SOAP-ENV:Fault>"
    )
    return Response(
        envelope(echo_headers(headers or []), body), status_code=status, media_type=XML_TYPE
    )


@dataclass(frozen=True)
class SoapService:
    """One mounted SOAP service: what its endpoints need besides the request."""

    state: MockState
    spec: ServiceSpec
    handlers: Mapping[str, SoapHandler]
    body_schema: etree.XMLSchema
    header_schema: etree.XMLSchema
    files: dict[str, Path]
    wsdl: Path


async def post(service: SoapService, request: Request) -> Response:
    """One SOAP call through the gateway pipeline, then the envelope, header and body checks."""
    state, spec, handlers = service.state, service.spec, service.handlers
    body_schema, header_schema = service.body_schema, service.header_schema
    try:
        ctx = pipeline.authenticate(state, request, spec)
    except Refusal as refusal:
        return refusal.response
    raw = await request.body()
    env: _Envelope | None = None
    media = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media not in SOAP_MEDIA_TYPES:
        return fault_response(
            ctx,
            "Client.InvalidRequest",
            "a SOAP 1.1 request is sent as Content-Type text/xml",
            None,
            status=415,
        )
    try:
        if len(raw) > MAX_REQUEST_BYTES:
            raise SoapError("Client.InvalidRequest", "the request is larger than 8 MiB")
        env = parse_envelope(raw)
        op_name = etree.QName(env.operation).localname
        op = spec.operation(op_name)
        if etree.QName(env.operation).namespace != spec.namespace or op is None:
            raise SoapError("Client.InvalidRequest", f"unknown operation {op_name}")
        ctx.operation = op.name
        pipeline.check_rate(ctx)
        rule = pipeline.pick_fault(ctx)
        if rule is not None and rule.kind == "soap_fault":
            return fault_response(
                ctx, rule.fault_code or "Server.Unavailable", "injected fault", env.headers
            )
        injected = await pipeline.injected_response(ctx, request)
        if injected is not None:
            return injected
        check_xroad_headers(ctx, env.headers, op.name, header_schema)
        if not body_schema.validate(env.operation):
            err = body_schema.error_log.last_error
            raise SoapError(
                "Client.InvalidRequest",
                f"the body does not match the schema: {err.message if err else ''}",
            )
        if op.batch_field is not None:
            ctx.batch_size = len(SoapCall(ctx, env.operation).texts(op.batch_field))
            if op.max_batch is not None and ctx.batch_size > op.max_batch:
                raise SoapError(
                    "Client.BatchTooLarge",
                    f"{op.name} takes at most {op.max_batch} {op.batch_field}",
                )
        result = handlers[op.name](SoapCall(ctx, env.operation))
        body = await result if inspect.isawaitable(result) else result
    except Refusal as refusal:
        return refusal.response
    except SoapError as exc:
        return fault_response(ctx, exc.code, exc.message, None if env is None else env.headers)
    wrong = ctx.fault is not None and ctx.fault.kind == "wrong_message_id"
    pipeline.finish(ctx, 200, "OK")
    return Response(envelope(echo_headers(env.headers, wrong), str(body)), media_type=XML_TYPE)


async def describe(service: SoapService, request: Request) -> Response:
    """``GET <path>?wsdl`` or ``?xsd=<name>``: the contract, its locations pointing here."""
    spec, wsdl, files = service.spec, service.wsdl, service.files
    base = f"{request.url.scheme}://{request.url.netloc}"
    own = f"{base}{spec.path}"
    if "wsdl" in request.query_params:
        text = wsdl.read_text(encoding="utf-8")
        text = re.sub(r'(<soap:address\s+location=")[^"]*(")', rf"\g<1>{own}\g<2>", text)
    elif request.query_params.get("xsd") in files:
        text = files[request.query_params["xsd"]].read_text(encoding="utf-8")
    else:
        return pipeline.problem(404, "NOT_FOUND", "ask for ?wsdl or ?xsd=<name>")
    text = re.sub(
        r'schemaLocation="(?:xroad/)?([^"/:]+\.xsd)"',
        lambda m: f'schemaLocation="{own}?xsd={m.group(1)}"' if m.group(1) in files else m.group(0),
        text,
    )
    return Response(text, media_type=XML_TYPE)


def soap_routes(
    state: MockState, spec: ServiceSpec, handlers: Mapping[str, SoapHandler], xsd: Path, wsdl: Path
) -> list[Route]:
    """POST (the service) and GET (``?wsdl`` / ``?xsd=``) routes of a SOAP service."""
    body_schema = etree.XMLSchema(etree.parse(str(xsd)))
    header_schema = _xroad_schema()
    files = {xsd.name: xsd, **{p.name: p for p in XROAD_DIR.glob("*.xsd")}}

    service = SoapService(state, spec, handlers, body_schema, header_schema, files, wsdl)
    return [
        Route(spec.path, partial(post, service), methods=["POST"]),
        Route(spec.path, partial(describe, service), methods=["GET"]),
    ]
