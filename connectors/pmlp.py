"""PMLP Register of Natural Persons client (registries.md §2)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from lxml import etree

from tilts.connectors.base import ServiceSpec
from tilts.connectors.batch import Batch, Query, spec_of
from tilts.connectors.soap import SoapRegistryClient, text
from tilts.registries.pmlp import PMLP

NS = PMLP.namespace
_P = f"{{{NS}}}"


@dataclass(frozen=True)
class ChangesPage:
    """One page of the change feed."""

    changes: list[dict[str, str]]
    next_cursor: str
    has_more: bool


@dataclass(frozen=True)
class MonitoringResult:
    """Answer of (un)registerMonitoring; ``rejected`` maps code → reason."""

    accepted: int
    rejected: dict[str, str]


_SCALARS = (
    "requestedCode", "result", "personCode", "givenName", "surname", "birthDate", "sex",
    "citizenship", "registerStatus", "deathDate",
)  # fmt: skip
_CUT = len(_P)


def _children(el: etree._Element) -> dict[str, str | None]:
    """Local name → text ("" when empty) of the direct children, in one pass."""
    return {child.tag[_CUT:]: child.text or "" for child in el}


def _person(el: etree._Element) -> dict[str, Any]:
    # one pass over the children (measured ~3x faster than a find() per field)
    rec: dict[str, Any] = dict.fromkeys(_SCALARS)
    previous: list[str | None] = []
    relations: list[dict[str, Any]] = []
    address = None
    for child in el:
        name = child.tag[_CUT:]
        if name == "relation":
            rel = dict.fromkeys(("kind", "personCode", "validFrom", "validTo"))
            relations.append(rel | _children(child))
        elif name == "declaredAddress":
            address = dict.fromkeys(("addressCode", "atvk", "text", "validFrom"))
            address |= _children(child)
        elif name == "previousPersonCode":
            previous.append(child.text)
        else:
            rec[name] = child.text or ""
    rec["previousPersonCodes"] = previous
    rec["address"] = address
    rec["relations"] = relations
    return rec


class PmlpClient(SoapRegistryClient):
    """getPersons, registerMonitoring, unregisterMonitoring, getChanges."""

    SPEC: ClassVar[ServiceSpec] = spec_of(PMLP)
    WSDL = PMLP.wsdl
    XSD = "pmlp_fpr_v1.xsd"
    NS = NS

    def get_persons(self, codes: list[str], as_of: str | None = None) -> list[dict[str, Any]]:
        """Full records of ``codes`` (≤ 100), one dict per code in request order."""
        kwargs: dict[str, Any] = {"personCode": codes}
        if as_of:
            kwargs["asOfDate"] = as_of
        body = self.call("getPersons", "pmlp", len(codes), **kwargs)
        persons = [_person(el) for el in body.iterfind(f"{_P}person")]
        if [p["requestedCode"] for p in persons] != list(codes):
            from tilts.kernel.errors import ContractError

            raise ContractError(
                "pmlp.getPersons: answer does not list the requested codes in order"
            )
        return persons

    def register_monitoring(self, codes: list[str]) -> MonitoringResult:
        """Monitor ``codes`` (≤ 1,000); idempotent."""
        return self._monitoring("registerMonitoring", codes)

    def unregister_monitoring(self, codes: list[str]) -> MonitoringResult:
        """Stop monitoring ``codes`` (≤ 1,000)."""
        return self._monitoring("unregisterMonitoring", codes)

    def _monitoring(self, operation: str, codes: list[str]) -> MonitoringResult:
        body = self.call(operation, "pmlp_monitoring", len(codes), personCode=codes)
        rejected = {
            text(r, NS, "personCode") or "": text(r, NS, "reason") or ""
            for r in body.iterfind(f"{_P}rejected")
        }
        return MonitoringResult(int(text(body, NS, "accepted") or 0), rejected)

    def get_changes(self, cursor: str | None, max_records: int = 1000) -> ChangesPage:
        """One page of the change feed after ``cursor``."""
        kwargs: dict[str, Any] = {"maxRecords": max_records}
        if cursor:
            kwargs["cursor"] = cursor
        body = self.call("getChanges", "pmlp_changes", 1, **kwargs)
        changes = [
            {
                "personCode": text(c, NS, "personCode") or "",
                "kind": text(c, NS, "kind") or "",
                "changedAt": text(c, NS, "changedAt") or "",
            }
            for c in body.iterfind(f"{_P}change")
        ]
        return ChangesPage(
            changes, text(body, NS, "nextCursor") or "", (text(body, NS, "hasMore") or "") == "true"
        )

    def iter_changes(self, cursor: str | None, max_records: int = 1000) -> Iterable[ChangesPage]:
        """Pages of the change feed until ``hasMore`` is false; refuses a repeated cursor."""
        seen: set[str] = set()
        while True:
            page = self.get_changes(cursor, max_records)
            yield page
            if not page.has_more:
                return
            if page.next_cursor in seen or page.next_cursor == cursor:
                from tilts.kernel.errors import ContractError

                raise ContractError("pmlp.getChanges: the feed repeated a cursor")
            seen.add(page.next_cursor)
            cursor = page.next_cursor


def fetch(client: PmlpClient, codes: list[str], query: Query) -> Batch:
    """The batch query (``registries/pmlp.py``): full records of the codes, as of the query's
    day when it names one (the population lane itself calls :meth:`PmlpClient.get_persons`)."""
    return Batch(client.get_persons(codes, as_of=query.as_of))
