"""VDEĀVK disability-decision client (registries.md §3)."""

from __future__ import annotations

from typing import Any, ClassVar

from lxml import etree

from tilts.connectors.base import ServiceSpec
from tilts.connectors.batch import Batch, Query, spec_of
from tilts.connectors.soap import SoapRegistryClient, text
from tilts.kernel.errors import ContractError
from tilts.registries.vdeavk import VDEAVK

NS = VDEAVK.namespace
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

    SPEC: ClassVar[ServiceSpec] = spec_of(VDEAVK)
    WSDL = VDEAVK.wsdl
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


def fetch(client: VdeavkClient, codes: list[str], query: Query) -> Batch:
    """The batch query of the syncs (``registries/vdeavk.py``): decisions with their history,
    as of the query's day."""
    return Batch(client.get_decisions(codes, as_of=query.as_of, include_history=True))
