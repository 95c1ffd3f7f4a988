"""A case built from the store, written as the calculator's input JSON (``assessment.md`` §7).

What the re-assessment hands the calculator can be saved and replayed with
``tilts assess --case FILE``; :func:`assessment.parse_case` reads back the same :class:`Case`.
Member ids are internal ids, never personal codes.
"""

from __future__ import annotations

from typing import Any

from tilts.assessment import Case, Person, PropertyFacts


def _person(p: Person) -> dict[str, Any]:
    out: dict[str, Any] = {"id": p.id, "birthDate": p.birth_date.isoformat()}
    if p.disability is not None:
        d = p.disability
        out["disability"] = {
            "subject": d.subject,
            "group": d.group,
            "validFrom": d.valid_from.isoformat(),
            "validTo": d.valid_to.isoformat() if d.valid_to else None,
        }
    out["vid"] = [
        {"month": str(r.month), "incomeType": r.income_type, "netAmount": str(r.net_amount)}
        for r in p.vid
    ]
    out["vsaa"] = [
        {"month": str(r.month), "benefitType": r.benefit_type, "paidAmount": str(r.paid_amount)}
        for r in p.vsaa
    ]
    if p.nva is not None:
        m = p.nva.active_measure
        out["nva"] = {"kind": p.nva.kind, "activeMeasure": None}
        if m is not None:
            out["nva"]["activeMeasure"] = {
                "type": m.type,
                "from": m.from_date.isoformat() if m.from_date else None,
                "to": m.to_date.isoformat() if m.to_date else None,
                "stipendPaid": m.stipend_paid,
                "stipends": [{"month": str(s.month), "amount": str(s.amount)} for s in m.stipends],
            }
    out["employments"] = [
        {
            "startDate": e.start.isoformat() if e.start else None,
            "endDate": e.end.isoformat() if e.end else None,
        }
        for e in p.employments
    ]
    return out


def _iso(day: Any) -> str | None:
    return day.isoformat() if day is not None else None


def property_json(facts: PropertyFacts) -> dict[str, Any]:
    """The case's ``property`` (property.md §8) as the calculator reads it back."""
    override = facts.override
    return {
        "dwellingAddressCode": facts.dwelling_address_code,
        "realEstate": [
            {"memberId": r.member_id, "propertyNumber": r.property_number,
             "propertyKind": r.property_kind, "rightKind": r.right_kind,
             "shareNumerator": r.share_numerator, "shareDenominator": r.share_denominator,
             "addressCode": r.address_code, "parcelAreaM2": r.parcel_area_m2,
             "buildingUse": list(r.building_use),
             "cadastralValue": str(r.cadastral_value) if r.cadastral_value is not None else None,
             "validFrom": _iso(r.valid_from), "validTo": _iso(r.valid_to)}
            for r in facts.real_estate
        ],
        "vehicles": [
            {"memberId": v.member_id, "source": v.source,
             "registrationNumber": v.registration_number, "category": v.category,
             "role": v.role, "registrationStatus": v.registration_status,
             "from": _iso(v.from_date), "to": _iso(v.to_date)}
            for v in facts.vehicles
        ],
        "enterprises": [
            {"memberId": e.member_id, "registrationNumber": e.registration_number,
             "legalForm": e.legal_form, "entityStatus": e.entity_status, "role": e.role,
             "sharePercent": str(e.share_percent) if e.share_percent is not None else None,
             "from": _iso(e.from_date), "to": _iso(e.to_date)}
            for e in facts.enterprises
        ],
        "override": {"result": str(override.result), "reason": override.reason,
                     "decidedOn": _iso(override.decided_on)} if override else None,
    }  # fmt: skip


def case_json(case: Case) -> dict[str, Any]:
    """The case as the calculator's input JSON."""
    declared = []
    for d in case.declared_income:
        line: dict[str, Any] = {"memberId": d.member_id, "type": d.income_type}
        if d.twelve_month_total is not None:
            line["twelveMonthTotal"] = str(d.twelve_month_total)
        else:
            line["monthlyAmount"] = str(d.monthly_amount)
        declared.append(line)
    return {
        "municipality": case.municipality,
        "applicationDate": case.application_date.isoformat(),
        "savings": str(case.savings),
        "propertyConditionsMet": case.property_conditions_met,
        "cooperationAgreement": case.cooperation_agreement,
        "housingExpenses": {k: str(v) for k, v in case.housing_expenses.items()},
        "declaredIncome": declared,
        "members": [_person(p) for p in case.members],
        **({"property": property_json(case.property)} if case.property else {}),
    }
