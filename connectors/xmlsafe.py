"""Hardened XML parsing: no DTDs, no entities, no network, no XInclude, bounded size.

Every XML body Tilts receives goes through :func:`parse`. A body that declares a DOCTYPE or an
entity is refused before parsing (billion laughs, external entities); the parser itself is also
configured never to resolve or load anything.
"""

from __future__ import annotations

from lxml import etree

from tilts.kernel.errors import ContractError

_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_comments=True,
    remove_pis=True,
    collect_ids=False,
)


def parse(body: bytes) -> etree._Element:
    """Parse ``body`` safely or raise :class:`ContractError` naming what was wrong."""
    if b"<!DOCTYPE" in body or b"<!ENTITY" in body:
        raise ContractError("XML body declares a DTD or entity; refused without resolving it")
    try:
        root = etree.fromstring(body, parser=_PARSER)
    except etree.XMLSyntaxError as exc:
        raise ContractError(f"XML body does not parse: {exc.msg}") from None
    if root.getroottree().docinfo.doctype:
        raise ContractError("XML body declares a DTD; refused")
    return root
