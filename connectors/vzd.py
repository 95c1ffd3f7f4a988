"""VZD real-estate cadastre client: the property rights of a person (property.md §2)."""

from __future__ import annotations

from typing import Any, ClassVar

from lxml import etree

from tilts.connectors.base import ServiceSpec
from tilts.connectors.batch import Batch, Query, spec_of
from tilts.connectors.soap import SoapRegistryClient, text
from tilts.kernel.errors import ContractError
from tilts.registries.vzd import VZD

NS = VZD.namespace
_P = f"{{{NS}}}"
_RIGHT_FIELDS = (
    "propertyNumber", "propertyKind", "rightKind", "shareNumerator", "shareDenominator",
    "addressCode", "atvk", "parcelAreaM2", "agriculturalAreaM2", "forestAreaM2",
    "cadastralValue", "valueDate", "validFrom", "validTo",
)  # fmt: skip


def _right(el: etree._Element) -> dict[str, Any]:
    right: dict[str, Any] = {name: text(el, NS, name) for name in _RIGHT_FIELDS}
    right["buildingUse"] = [u.text or "" for u in el.iterfind(f"{_P}buildingUse")]
    folio = el.find(f"{_P}landBookFolio")
    right["landBookFolio"] = (
        None
        if folio is None
        else {"office": text(folio, NS, "office"), "folioNumber": text(folio, NS, "folioNumber")}
    )
    return right


def _person(el: etree._Element) -> dict[str, Any]:
    return {
        "requestedCode": text(el, NS, "requestedCode"),
        "result": text(el, NS, "result"),
        "personCode": text(el, NS, "personCode"),
        "rights": [_right(r) for r in el.iterfind(f"{_P}right")],
    }


class VzdClient(SoapRegistryClient):
    """getPropertyRights."""

    SPEC: ClassVar[ServiceSpec] = spec_of(VZD)
    WSDL = VZD.wsdl
    XSD = "vzd_cadastre_v1.xsd"
    NS = NS

    def get_rights(self, codes: list[str], as_of: str | None = None) -> list[dict[str, Any]]:
        """Property rights of ``codes`` (≤ 100), one dict per code in request order."""
        kwargs: dict[str, Any] = {"personCode": codes}
        if as_of:
            kwargs["asOfDate"] = as_of
        body = self.call(VZD.operation, "vzd", len(codes), **kwargs)
        persons = [_person(el) for el in body.iterfind(f"{_P}person")]
        if [p["requestedCode"] for p in persons] != list(codes):
            raise ContractError("vzd: answer does not list the requested codes in order")
        return persons


def fetch(client: VzdClient, codes: list[str], query: Query) -> Batch:
    """The batch query of the syncs (``registries/vzd.py``): the rights held on the query's
    day, ended ones included as the cadastre lists them (property.md §2)."""
    return Batch(client.get_rights(codes, as_of=query.as_of))
