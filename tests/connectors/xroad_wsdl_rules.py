"""The rules a WSDL must pass to be an X-Road service description, as plain checks.

Re-implemented (not copied) from what X-Road applies when a service description is added to a
security server: its ``wsdlvalidator`` add-on runs Apache CXF's WSDL 1.1 validator (references
resolve; WS-I Basic Profile 1.1 for document/literal SOAP 1.1 over HTTP; operations of a binding
distinguishable by their body element), and the security server's WSDL parser reads each
binding operation's ``xrd:version`` and the SOAP-over-HTTP port address. The X-Road message
protocol v4.0 (annex on service descriptions) adds the header message with the six headers,
bound as ``soap:header`` in the input and output of every operation, and the import of the
standard's ``xroad.xsd``. :func:`violations` returns one line per broken rule (empty = valid).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from lxml import etree

WSDL = "http://schemas.xmlsoap.org/wsdl/"
SOAP = "http://schemas.xmlsoap.org/wsdl/soap/"
XS = "http://www.w3.org/2001/XMLSchema"
XRD = "http://x-road.eu/xsd/xroad.xsd"
HTTP_TRANSPORT = "http://schemas.xmlsoap.org/soap/http"
HEADERS = ("client", "service", "id", "userId", "issue", "protocolVersion")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def _q(el: etree._Element, value: str | None) -> tuple[str | None, str]:
    """Resolve a QName attribute value in the scope of ``el``."""
    prefix, _, local = (value or "").rpartition(":")
    return el.nsmap.get(prefix or None), local


def _global_elements(xsd: Path, seen: set[Path]) -> set[tuple[str | None, str]]:
    """Global elements of a schema file and of the schemas it imports (local files only)."""
    if xsd in seen or not xsd.is_file():
        return set()
    seen.add(xsd)
    root = etree.parse(str(xsd), _PARSER).getroot()
    tns = root.get("targetNamespace")
    found = {(tns, el.get("name", "")) for el in root.iterfind(f"{{{XS}}}element")}
    for imp in root.iterfind(f"{{{XS}}}import"):
        if imp.get("schemaLocation"):
            found |= _global_elements((xsd.parent / imp.get("schemaLocation", "")).resolve(), seen)
    return found


def violations(path: Path) -> list[str]:
    """Every rule ``path`` breaks, as ``rule: what`` lines."""
    out: list[str] = []
    root = etree.parse(str(path), _PARSER).getroot()
    tns = root.get("targetNamespace")
    if root.tag != f"{{{WSDL}}}definitions" or not tns:
        return ["wsdl: root must be wsdl:definitions with a targetNamespace"]

    # the types: which schemas are imported, which global elements exist
    imports = {
        imp.get("namespace"): imp.get("schemaLocation")
        for imp in root.iterfind(f"{{{WSDL}}}types/{{{XS}}}schema/{{{XS}}}import")
    }
    elements: set[tuple[str | None, str]] = set()
    seen: set[Path] = set()
    for location in imports.values():
        if location is None or not (path.parent / location).is_file():
            out.append(f"ref: schemaLocation {location} does not resolve to a local file")
            continue
        elements |= _global_elements((path.parent / location).resolve(), seen)
    if XRD not in imports:
        out.append("xroad: the types do not import the standard's xroad.xsd")
    else:
        try:
            etree.XMLSchema(etree.parse(str(path.parent / str(imports[XRD])), _PARSER))
        except (etree.XMLSchemaParseError, OSError) as exc:
            out.append(f"xroad: the imported xroad.xsd does not compile: {exc}")

    # messages and their parts (WS-I R2204/R2205: document/literal parts name elements)
    messages: dict[str, dict[str, tuple[str | None, str]]] = {}
    for msg in root.iterfind(f"{{{WSDL}}}message"):
        parts: dict[str, tuple[str | None, str]] = {}
        for part in msg.iterfind(f"{{{WSDL}}}part"):
            if part.get("element") is None:
                out.append(
                    f"R2204: part {msg.get('name')}/{part.get('name')} uses type, not element"
                )
                continue
            ref = _q(part, part.get("element"))
            if ref not in elements:
                out.append(f"ref: part {msg.get('name')}/{part.get('name')} names unknown {ref}")
            parts[part.get("name", "")] = ref
        messages[msg.get("name", "")] = parts

    header_msgs = [
        name for name, parts in messages.items() if all(parts.get(h) == (XRD, h) for h in HEADERS)
    ]
    if not header_msgs:
        out.append("xroad: no message with parts " + ", ".join(HEADERS) + " (xrd elements)")

    # port types (WS-I R2304: no overloaded operation names)
    port_types: dict[str, dict[str, tuple[str, str]]] = {}
    for pt in root.iterfind(f"{{{WSDL}}}portType"):
        names = [op.get("name", "") for op in pt.iterfind(f"{{{WSDL}}}operation")]
        for name, n in Counter(names).items():
            if n > 1:
                out.append(f"R2304: operation {name} appears {n} times in {pt.get('name')}")
        ops: dict[str, tuple[str, str]] = {}
        for op in pt.iterfind(f"{{{WSDL}}}operation"):
            io = []
            for kind in ("input", "output"):
                el = op.find(f"{{{WSDL}}}{kind}")
                ns, local = _q(el, el.get("message")) if el is not None else (None, "")
                if el is None or ns != tns or local not in messages:
                    out.append(f"ref: {op.get('name')} {kind} names no message of this WSDL")
                io.append(local)
            ops[op.get("name", "")] = (io[0], io[1])
        port_types[pt.get("name", "")] = ops

    bindings: set[str] = set()
    for binding in root.iterfind(f"{{{WSDL}}}binding"):
        bname = binding.get("name", "")
        bindings.add(bname)
        out += _binding_violations(binding, tns, port_types, messages, header_msgs)

    for port in root.iterfind(f"{{{WSDL}}}service/{{{WSDL}}}port"):
        ns, local = _q(port, port.get("binding"))
        if ns != tns or local not in bindings:
            out.append(f"ref: port {port.get('name')} names an unknown binding")
        address = port.find(f"{{{SOAP}}}address")
        if address is None or not address.get("location"):
            out.append(f"xroad: port {port.get('name')} has no soap:address location")
    if root.find(f"{{{WSDL}}}service/{{{WSDL}}}port") is None:
        out.append("xroad: no service port")
    return out


def _binding_violations(
    binding: etree._Element,
    tns: str,
    port_types: dict[str, dict[str, tuple[str, str]]],
    messages: dict[str, dict[str, tuple[str | None, str]]],
    header_msgs: list[str],
) -> list[str]:
    out: list[str] = []
    bname = binding.get("name")
    soap_binding = binding.find(f"{{{SOAP}}}binding")
    if soap_binding is None or soap_binding.get("transport") != HTTP_TRANSPORT:
        out.append(f"R2702: binding {bname} is not SOAP 1.1 over HTTP")
    style = "document" if soap_binding is None else soap_binding.get("style", "document")
    ns, pt_name = _q(binding, binding.get("type"))
    pt = port_types.get(pt_name) if ns == tns else None
    if pt is None:
        out.append(f"ref: binding {bname} names an unknown portType")
        pt = {}
    ops = list(binding.iterfind(f"{{{WSDL}}}operation"))
    if sorted(op.get("name", "") for op in ops) != sorted(pt):
        out.append(f"R2718: binding {bname} does not bind exactly the portType's operations")
    bodies: Counter[tuple[str | None, str]] = Counter()
    versions: Counter[tuple[str, str]] = Counter()
    for op in ops:
        name = op.get("name", "")
        soap_op = op.find(f"{{{SOAP}}}operation")
        if soap_op is not None and soap_op.get("style", style) != style:
            out.append(f"R2705: operation {name} mixes rpc and document styles")
        version = op.findall(f"{{{XRD}}}version")
        if len(version) != 1 or not (version[0].text or "").strip():
            out.append(f"xroad: operation {name} has no single xrd:version")
        else:
            versions[(name, (version[0].text or "").strip())] += 1
        for kind, index in (("input", 0), ("output", 1)):
            el = op.find(f"{{{WSDL}}}{kind}")
            if el is None:
                out.append(f"R2718: operation {name} has no {kind} binding")
                continue
            body = el.find(f"{{{SOAP}}}body")
            if body is None or body.get("use") != "literal":
                out.append(f"R2706: operation {name} {kind} has no literal soap:body")
            message = messages.get(pt.get(name, ("", ""))[index], {})
            bound = (body.get("parts") or "").split() if body is not None else []
            body_parts = bound or list(message)
            if len(body_parts) > 1:
                out.append(f"R2201: operation {name} {kind} binds {len(body_parts)} body parts")
            if kind == "input" and body_parts and body_parts[0] in message:
                bodies[message[body_parts[0]]] += 1
                if message[body_parts[0]][1] != name:
                    out.append(f"wrapped: operation {name} input element is not named {name}")
            out += _header_violations(el, name, kind, header_msgs, messages)
    for element, n in bodies.items():
        if n > 1:
            out.append(f"R2710: {n} operations of {bname} share the body element {element[1]}")
    for (name, version), n in versions.items():
        if n > 1:
            out.append(f"xroad: service {name} version {version} is described {n} times")
    return out


def _header_violations(
    el: etree._Element,
    operation: str,
    kind: str,
    header_msgs: list[str],
    messages: dict[str, dict[str, tuple[str | None, str]]],
) -> list[str]:
    out: list[str] = []
    bound: set[str] = set()
    for header in el.iterfind(f"{{{SOAP}}}header"):
        _, msg = _q(header, header.get("message"))
        part = header.get("part", "")
        if part not in messages.get(msg, {}):
            out.append(f"ref: {operation} {kind} soap:header names unknown {msg}/{part}")
        if header.get("use") != "literal":
            out.append(f"R2706: {operation} {kind} soap:header {part} is not literal")
        if msg in header_msgs:
            bound.add(part)
    missing = [h for h in HEADERS if h not in bound]
    if missing:
        out.append(f"xroad: {operation} {kind} does not bind soap:header " + ", ".join(missing))
    return out
