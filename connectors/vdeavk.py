"""VDEĀVK disability-decision client (registries.md §3)."""

from __future__ import annotations

from typing import Any, ClassVar

from lxml import etree

from tilts.connectors.base import ServiceSpec
from tilts.connectors.soap import SoapRegistryClient, text
from tilts.connectors.xroad import ServiceId
from tilts.kernel.errors import ContractError

NS = "urn:lv:vdeavk:disability:v1"
_P = f"{{{NS}}}"
_DECISION_FIELDS = (
    "decisionNumber", "decisionDate", "subject", "group", "workCapacityLossPercent",
    "validFrom", "validTo", "lifelong", "specialCareNeed",
)  # fmt: skip


def _person(el: etree._Element) -> dict[str, Any]:
    return {
        "requestedCode": text(el, NS, "requestedCode"),
        "result": text(el, NS, "result"),
        "personCode": text(el, NS, "personCode"),
        "decisions": [
            {name: text(d, NS, name) for name in _DECISION_FIELDS}
            for d in el.iterfind(f"{_P}decision")
        ],
    }


class VdeavkClient(SoapRegistryClient):
    """getDisabilityDecisions."""

    SPEC: ClassVar[ServiceSpec] = ServiceSpec(
        name="vdeavk",
        scope="vdeavk.disability",
        path="/vdeavk/disability/v1",
        xroad=ServiceId.parse("LV/GOV/VDEAVK/DISABILITY"),
        style="soap",
    )
    WSDL = "vdeavk_disability_v1.wsdl"
    XSD = "vdeavk_disability_v1.xsd"
    NS = NS

    def get_decisions(
        self, codes: list[str], as_of: str | None = None, include_history: bool = True
    ) -> list[dict[str, Any]]:
        """Disability decisions of ``codes`` (≤ 100), one dict per code in request order."""
        kwargs: dict[str, Any] = {"personCode": codes, "includeHistory": include_history}
        if as_of:
            kwargs["asOfDate"] = as_of
        body = self.call("getDisabilityDecisions", "vdeavk", len(codes), **kwargs)
        persons = [_person(el) for el in body.iterfind(f"{_P}person")]
        if [p["requestedCode"] for p in persons] != list(codes):
            raise ContractError("vdeavk: answer does not list the requested codes in order")
        return persons
