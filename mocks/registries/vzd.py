"""VZD real-estate cadastre (property.md §2): ``POST /vzd/cadastre/v1``.

``getPropertyRights`` answers one ``person`` per requested code, in request order, with
``result`` as in PMLP and, when found, the current ``personCode`` and the person's rights on
``asOfDate`` (default and maximum: today) from :mod:`mocks.world.realestate`: those begun by
then, still held or ended within a year. A right bought after "today" is not known yet.
The ``record`` fault replaces the text of a person's first elements of the names it gives
(``mocks/gateway/faults.py``), as for PMLP.
"""

from __future__ import annotations

from starlette.routing import Route

from tilts.kernel.personal_code import invalid_reason, normalise
from tilts.mocks.gateway.faults import override_xml
from tilts.mocks.gateway.soap import WSDL_DIR, SoapCall, esc, soap_routes, xs_date
from tilts.mocks.gateway.specs import OperationSpec, ServiceSpec
from tilts.mocks.gateway.state import MockState
from tilts.mocks.world.realestate import Right, rights_of
from tilts.registries.vzd import VZD

NS = VZD.namespace
SPEC = ServiceSpec(
    name=VZD.service,
    scope=VZD.scope,
    path=VZD.path,
    protocol="soap",
    xroad=VZD.xroad_parts,
    namespace=NS,
    operations=(OperationSpec(VZD.operation, max_batch=100, rate_per_s=10),),
)


def right_xml(r: Right) -> str:
    """One ``cad:right`` element."""
    parts = [
        f"<cad:right><cad:propertyNumber>{r.property_number}</cad:propertyNumber>"
        f"<cad:propertyKind>{r.property_kind}</cad:propertyKind>"
        f"<cad:rightKind>{r.right_kind}</cad:rightKind>"
        f"<cad:shareNumerator>{r.share[0]}</cad:shareNumerator>"
        f"<cad:shareDenominator>{r.share[1]}</cad:shareDenominator>"
        f"<cad:addressCode>{r.address_code}</cad:addressCode><cad:atvk>{r.atvk}</cad:atvk>"
    ]
    if r.parcel_area_m2 is not None:
        parts.append(f"<cad:parcelAreaM2>{r.parcel_area_m2}</cad:parcelAreaM2>")
    parts.append(
        f"<cad:agriculturalAreaM2>{r.agricultural_area_m2}</cad:agriculturalAreaM2>"
        f"<cad:forestAreaM2>{r.forest_area_m2}</cad:forestAreaM2>"
    )
    parts.extend(f"<cad:buildingUse>{u}</cad:buildingUse>" for u in r.building_use)
    parts.append(
        f"<cad:cadastralValue>{r.cadastral_value}</cad:cadastralValue>"
        f"<cad:valueDate>{r.value_date.isoformat()}</cad:valueDate>"
        f"<cad:landBookFolio><cad:office>{esc(r.folio_office)}</cad:office>"
        f"<cad:folioNumber>{esc(r.folio_number)}</cad:folioNumber></cad:landBookFolio>"
        f"<cad:validFrom>{r.valid_from.isoformat()}</cad:validFrom>"
    )
    if r.valid_to is not None:
        parts.append(f"<cad:validTo>{r.valid_to.isoformat()}</cad:validTo>")
    parts.append("</cad:right>")
    return "".join(parts)


def get_rights(call: SoapCall) -> str:
    pop = call.ctx.state.population
    asked = xs_date(call.text("asOfDate"))
    as_of = pop.today if asked is None or asked > pop.today else asked
    out = [f'<cad:getPropertyRightsResponse xmlns:cad="{NS}">']
    for requested in call.texts("personCode"):
        out.append(f"<cad:person><cad:requestedCode>{esc(requested)}</cad:requestedCode>")
        if invalid_reason(requested) is not None:
            out.append("<cad:result>INVALID_CODE</cad:result></cad:person>")
            continue
        view = pop.lookup(normalise(requested), as_of)
        if view is None:
            out.append("<cad:result>NOT_FOUND</cad:result></cad:person>")
            continue
        rights = "".join(right_xml(r) for r in rights_of(pop, view.slot, as_of))
        person = (
            f"<cad:result>FOUND</cad:result><cad:personCode>{view.person_code}</cad:personCode>"
            f"{rights}</cad:person>"
        )
        out.append(override_xml(call.ctx.fault, requested, person))  # the ``record`` fault
    out.append("</cad:getPropertyRightsResponse>")
    return "".join(out)


def routes(state: MockState) -> list[Route]:
    """The VZD routes over ``state``."""
    return soap_routes(
        state,
        SPEC,
        {VZD.operation: get_rights},
        WSDL_DIR / "vzd_cadastre_v1.xsd",
        WSDL_DIR / VZD.wsdl,
    )
