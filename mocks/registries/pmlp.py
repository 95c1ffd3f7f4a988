"""PMLP Register of Natural Persons (registries.md §2): ``POST /pmlp/fpr/v1``.

* ``getPersons`` — one ``person`` per requested code, in request order: ``INVALID_CODE`` when
  :func:`tilts.kernel.personal_code.invalid_reason` says so, ``NOT_FOUND`` for a valid code the
  population does not hold, else ``FOUND``. An old code of a person who changed code is
  ``FOUND`` with the new ``personCode`` and the old one in ``previousPersonCode``. No
  ``dataGroup`` means every group. ``asOfDate`` (default and maximum: today) answers from history.
* ``registerMonitoring`` / ``unregisterMonitoring`` — per OAuth client; each valid, known code is
  accepted (idempotently, also when already (un)registered); an invalid or unknown code is
  rejected with reason ``INVALID_CODE`` / ``NOT_FOUND``. Monitoring is keyed by person *and*
  registered code: a client that registers both the old and the new code of a person gets each
  change once per registered code.
* ``getChanges`` — the change log filtered to persons the client monitors, from the client's
  first registration (no cursor) or after the cursor. A change is delivered only if it happened
  after that code's registration. Each change carries **the code the client registered** — after
  a ``CODE`` change the feed keeps using the old code until the client registers the new one.
  The cursor is opaque (``base64url("v1:<sequence>")``); a cursor the server never issued, or
  one from before an admin reset, is ``Client.InvalidRequest``.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from functools import partial

from starlette.routing import Route

from tilts.kernel.personal_code import invalid_reason, normalise
from tilts.mocks.gateway.faults import override_xml
from tilts.mocks.gateway.soap import WSDL_DIR, SoapCall, SoapError, esc, soap_routes, xs_date
from tilts.mocks.gateway.specs import OperationSpec, ServiceSpec
from tilts.mocks.gateway.state import MockState
from tilts.mocks.world.population import PersonView

NS = "urn:lv:pmlp:fpr:v1"
SPEC = ServiceSpec(
    name="pmlp",
    scope="pmlp.fpr",
    path="/pmlp/fpr/v1",
    protocol="soap",
    xroad=("GOV", "PMLP", "FPR"),
    namespace=NS,
    operations=(
        OperationSpec("getPersons", max_batch=100, rate_per_s=20),
        OperationSpec("registerMonitoring", max_batch=1000, rate_per_s=5),
        OperationSpec("unregisterMonitoring", max_batch=1000, rate_per_s=5),
        OperationSpec("getChanges", max_batch=None, rate_per_s=5, batch_field=None),
    ),
)
GROUPS = ("BASIC", "ADDRESS", "DEATH", "RELATIONS", "CODE_HISTORY")


@dataclass
class ClientMonitor:
    """One client's monitoring: slot → {registered code: log sequence at registration}."""

    first_seq: int
    by_slot: dict[int, dict[str, int]] = field(default_factory=dict)


@dataclass
class PmlpState:
    """Monitoring of every client (cleared by an admin reset)."""

    monitors: dict[str, ClientMonitor] = field(default_factory=dict)

    def reset(self) -> None:
        self.monitors.clear()


def _person_xml(requested: str, v: PersonView | None, outcome: str, groups: set[str]) -> str:
    out = [
        f"<fpr:person><fpr:requestedCode>{esc(requested)}</fpr:requestedCode>"
        f"<fpr:result>{outcome}</fpr:result>"
    ]
    if v is not None:
        out.append(f"<fpr:personCode>{v.person_code}</fpr:personCode>")
        if "CODE_HISTORY" in groups:
            out.extend(
                f"<fpr:previousPersonCode>{c}</fpr:previousPersonCode>" for c in v.previous_codes
            )
        if "BASIC" in groups:
            out.append(
                f"<fpr:givenName>{esc(v.given_name)}</fpr:givenName>"
                f"<fpr:surname>{esc(v.surname)}</fpr:surname>"
                f"<fpr:birthDate>{v.birth_date.isoformat()}</fpr:birthDate>"
                f"<fpr:sex>{v.sex}</fpr:sex>"
                f"<fpr:citizenship>{v.citizenship}</fpr:citizenship>"
                f"<fpr:registerStatus>{v.register_status}</fpr:registerStatus>"
            )
        if "DEATH" in groups and v.death_date is not None:
            out.append(f"<fpr:deathDate>{v.death_date.isoformat()}</fpr:deathDate>")
        if "ADDRESS" in groups and v.address is not None:
            a = v.address
            out.append(
                f"<fpr:declaredAddress><fpr:addressCode>{a.address_code}</fpr:addressCode>"
                f"<fpr:atvk>{a.atvk}</fpr:atvk><fpr:text>{esc(a.text)}</fpr:text>"
                f"<fpr:validFrom>{a.valid_from.isoformat()}</fpr:validFrom>"
                "</fpr:declaredAddress>"
            )
        if "RELATIONS" in groups:
            for r in v.relations:
                to = (
                    ""
                    if r.valid_to is None
                    else f"<fpr:validTo>{r.valid_to.isoformat()}</fpr:validTo>"
                )
                out.append(
                    f"<fpr:relation><fpr:kind>{r.kind}</fpr:kind>"
                    f"<fpr:personCode>{r.person_code}</fpr:personCode>"
                    f"<fpr:validFrom>{r.valid_from.isoformat()}</fpr:validFrom>{to}"
                    "</fpr:relation>"
                )
    out.append("</fpr:person>")
    return "".join(out)


def encode_cursor(seq: int) -> str:
    """Opaque cursor after change ``seq``."""
    return base64.urlsafe_b64encode(f"v1:{seq}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str, last_seq: int) -> int:
    """Sequence number of a cursor; raises :class:`SoapError` for a cursor never issued."""
    try:
        text = base64.urlsafe_b64decode(cursor.strip() + "=" * (-len(cursor.strip()) % 4))
        prefix, seq = text.decode().split(":")
        value = int(seq)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise SoapError("Client.InvalidRequest", "the cursor is not valid") from exc
    if prefix != "v1" or not 0 <= value <= last_seq:
        raise SoapError("Client.InvalidRequest", "the cursor is not valid")
    return value


def client_id(call: SoapCall) -> str:
    assert call.ctx.client is not None
    return call.ctx.client.client_id


def get_persons(call: SoapCall) -> str:
    groups = set(call.texts("dataGroup")) or set(GROUPS)
    as_of = xs_date(call.text("asOfDate"))
    parts = ['<fpr:getPersonsResponse xmlns:fpr="urn:lv:pmlp:fpr:v1">']
    p = call.ctx.state.population
    for requested in call.texts("personCode"):
        if invalid_reason(requested) is not None:
            parts.append(_person_xml(requested, None, "INVALID_CODE", groups))
            continue
        v = p.lookup(normalise(requested), as_of)
        person = _person_xml(requested, v, "FOUND" if v else "NOT_FOUND", groups)
        parts.append(override_xml(call.ctx.fault, requested, person))
    parts.append("</fpr:getPersonsResponse>")
    return "".join(parts)


def monitoring(pmlp: PmlpState, call: SoapCall, register: bool) -> str:
    p = call.ctx.state.population
    cid = client_id(call)
    mon = pmlp.monitors.get(cid)
    accepted, rejected = 0, []
    for requested in call.texts("personCode"):
        if invalid_reason(requested) is not None:
            rejected.append((requested, "INVALID_CODE"))
            continue
        code = normalise(requested)
        slot = p.resolve(code)
        if slot is None:
            rejected.append((requested, "NOT_FOUND"))
            continue
        accepted += 1
        if register:
            if mon is None:
                mon = pmlp.monitors[cid] = ClientMonitor(p.last_seq)
            mon.by_slot.setdefault(slot, {}).setdefault(code, p.last_seq)
        elif mon is not None and slot in mon.by_slot:
            mon.by_slot[slot].pop(code, None)
            if not mon.by_slot[slot]:
                del mon.by_slot[slot]
    name = "registerMonitoringResponse" if register else "unregisterMonitoringResponse"
    body = [f'<fpr:{name} xmlns:fpr="{NS}"><fpr:accepted>{accepted}</fpr:accepted>']
    body += [
        f"<fpr:rejected><fpr:personCode>{esc(c)}</fpr:personCode>"
        f"<fpr:reason>{r}</fpr:reason></fpr:rejected>"
        for c, r in rejected
    ]
    body.append(f"</fpr:{name}>")
    return "".join(body)


def get_changes(pmlp: PmlpState, call: SoapCall) -> str:
    p = call.ctx.state.population
    mon = pmlp.monitors.get(client_id(call))
    cursor = call.text("cursor")
    max_records = int(call.text("maxRecords") or 500)
    duplicate = call.ctx.fault is not None and call.ctx.fault.kind == "duplicate_changes"
    if duplicate:
        max_records = max(1, max_records // 2)
    log = p.overlay.log
    start = (
        decode_cursor(cursor, len(log))
        if cursor
        else mon.first_seq
        if mon is not None
        else len(log)
    )
    page: list[tuple[str, str, str]] = []
    i, has_more = start, False
    while i < len(log):
        e = log[i]
        regs = None if mon is None else mon.by_slot.get(e.slot)
        items = (
            [
                (code, e.kind, e.changed_at.isoformat())
                for code, since in regs.items()
                if e.seq > since
            ]
            if regs
            else []
        )
        if items:
            if page and len(page) + len(items) > max_records:
                has_more = True
                break
            page.extend(items)
        i += 1
    if duplicate:
        page = [x for item in page for x in (item, item)]
    call.ctx.batch_size = len(page)
    body = [f'<fpr:getChangesResponse xmlns:fpr="{NS}">']
    body += [
        f"<fpr:change><fpr:personCode>{c}</fpr:personCode><fpr:kind>{k}</fpr:kind>"
        f"<fpr:changedAt>{at}</fpr:changedAt></fpr:change>"
        for c, k, at in page
    ]
    body.append(
        f"<fpr:nextCursor>{encode_cursor(i)}</fpr:nextCursor>"
        f"<fpr:hasMore>{'true' if has_more else 'false'}</fpr:hasMore>"
        "</fpr:getChangesResponse>"
    )
    return "".join(body)


def routes(state: MockState) -> list[Route]:
    """The PMLP routes over ``state``."""
    pmlp = PmlpState()
    state.on_reset(pmlp.reset)
    return soap_routes(
        state,
        SPEC,
        {
            "getPersons": get_persons,
            "registerMonitoring": partial(monitoring, pmlp, register=True),
            "unregisterMonitoring": partial(monitoring, pmlp, register=False),
            "getChanges": partial(get_changes, pmlp),
        },
        WSDL_DIR / "pmlp_fpr_v1.xsd",
        WSDL_DIR / "pmlp_fpr_v1.wsdl",
    )
