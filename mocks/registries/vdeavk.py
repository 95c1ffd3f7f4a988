"""VDEĀVK disability decisions (registries.md §3): ``POST /vdeavk/disability/v1``.

``getDisabilityDecisions`` answers one ``person`` per requested code, in request order, with
``result`` as in PMLP and, when found, the current ``personCode`` and the decisions: those valid
on ``asOfDate`` (default and maximum: today), or with ``includeHistory`` every decision taken by
then. A decision taken after "today" (a renewal) is not known yet.
"""

from __future__ import annotations

from starlette.routing import Route

from tilts.kernel.personal_code import invalid_reason, normalise
from tilts.mocks.gateway.soap import WSDL_DIR, SoapCall, esc, soap_routes, xs_date
from tilts.mocks.gateway.specs import OperationSpec, ServiceSpec
from tilts.mocks.gateway.state import MockState
from tilts.mocks.world.facts import Decision

NS = "urn:lv:vdeavk:disability:v1"
SPEC = ServiceSpec(
    name="vdeavk",
    scope="vdeavk.disability",
    path="/vdeavk/disability/v1",
    protocol="soap",
    xroad=("GOV", "VDEAVK", "DISABILITY"),
    namespace=NS,
    operations=(OperationSpec("getDisabilityDecisions", max_batch=100, rate_per_s=20),),
)


def decision_xml(d: Decision) -> str:
    """One ``dis:decision`` element."""
    parts = [
        f"<dis:decision><dis:decisionNumber>{esc(d.decision_number)}</dis:decisionNumber>"
        f"<dis:decisionDate>{d.decision_date.isoformat()}</dis:decisionDate>"
        f"<dis:subject>{d.subject}</dis:subject>"
    ]
    if d.group is not None:
        parts.append(f"<dis:group>{d.group}</dis:group>")
    if d.work_capacity_loss_percent is not None:
        parts.append(
            f"<dis:workCapacityLossPercent>{d.work_capacity_loss_percent}"
            "</dis:workCapacityLossPercent>"
        )
    parts.append(f"<dis:validFrom>{d.valid_from.isoformat()}</dis:validFrom>")
    if d.valid_to is not None:
        parts.append(f"<dis:validTo>{d.valid_to.isoformat()}</dis:validTo>")
    parts.append(
        f"<dis:lifelong>{'true' if d.lifelong else 'false'}</dis:lifelong>"
        f"<dis:specialCareNeed>{'true' if d.special_care_need else 'false'}"
        "</dis:specialCareNeed></dis:decision>"
    )
    return "".join(parts)


def get_decisions(call: SoapCall) -> str:
    pop = call.ctx.state.population
    as_of = xs_date(call.text("asOfDate"))
    history = (call.text("includeHistory") or "false").strip() in ("true", "1")
    out = [f'<dis:getDisabilityDecisionsResponse xmlns:dis="{NS}">']
    for requested in call.texts("personCode"):
        out.append(f"<dis:person><dis:requestedCode>{esc(requested)}</dis:requestedCode>")
        if invalid_reason(requested) is not None:
            out.append("<dis:result>INVALID_CODE</dis:result></dis:person>")
            continue
        code = normalise(requested)
        view = pop.lookup(code, as_of)
        decisions = None if view is None else pop.disability(code, as_of, history)
        if view is None or decisions is None:
            out.append("<dis:result>NOT_FOUND</dis:result></dis:person>")
            continue
        out.append(
            f"<dis:result>FOUND</dis:result><dis:personCode>{view.person_code}</dis:personCode>"
        )
        out.extend(decision_xml(d) for d in decisions)
        out.append("</dis:person>")
    out.append("</dis:getDisabilityDecisionsResponse>")
    return "".join(out)


def routes(state: MockState) -> list[Route]:
    """The VDEĀVK routes over ``state``."""
    return soap_routes(
        state,
        SPEC,
        {"getDisabilityDecisions": get_decisions},
        WSDL_DIR / "vdeavk_disability_v1.xsd",
        WSDL_DIR / "vdeavk_disability_v1.wsdl",
    )
