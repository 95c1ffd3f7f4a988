"""The property test (property.md §8), rule by rule, with hand-computed expectations.

Every case is a household applying on 2026-11-03 in Ogres novads (poor threshold 425.00 for
one person, 723.00 for two) with no income: income alone gives POOR, so a NOT_MET shows as a
refusal and NEEDS_REVIEW as a POOR status that is flagged.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from tilts.assessment import (
    EnterpriseRole,
    ItemOutcome,
    PropertyFacts,
    PropertyOverride,
    PropertyResult,
    PropertyRight,
    Status,
    Vehicle,
    assess,
    load_rules,
    parse_property_rows,
)
from tilts.assessment.model import Case, Person
from tilts.assessment.rules import Rules

D = Decimal
OGRE = "0040000"
HOME = "100000001"


def build_person(id: str, birth: str) -> Person:
    return Person(id=id, birth_date=dt.date.fromisoformat(birth))


def build_case(members: list[Person] | tuple[Person, ...], property_ok: bool = True) -> Case:
    """No income, no savings, Ogres novads, applying on 2026-11-03."""
    return Case(OGRE, dt.date(2026, 11, 3), D("0.00"), property_ok, True, tuple(members))


def _case(facts: PropertyFacts, child: bool = False, property_ok: bool = True):  # type: ignore[no-untyped-def]
    members = [build_person("a", "1980-01-01")]
    if child:
        members.append(build_person("b", "2016-05-05"))
    return dataclasses.replace(build_case(members, property_ok=property_ok), property=facts)


def _home(**kw: object) -> PropertyRight:
    base: dict[str, object] = {
        "member_id": "a", "property_number": "01000012345", "property_kind": "LAND",
        "right_kind": "OWNER", "address_code": HOME, "parcel_area_m2": 1200,
        "building_use": ("RESIDENTIAL", "AUXILIARY"), "cadastral_value": D("20000.00"),
    }  # fmt: skip
    return PropertyRight(**(base | kw))  # type: ignore[arg-type]


def _second(**kw: object) -> PropertyRight:
    base: dict[str, object] = {
        "member_id": "a", "property_number": "01000099999", "property_kind": "APARTMENT",
        "right_kind": "OWNER", "address_code": "100000002", "cadastral_value": D("10000.00"),
        "share_numerator": 1, "share_denominator": 2,
    }  # fmt: skip
    return PropertyRight(**(base | kw))  # type: ignore[arg-type]


def _car(number: str = "KA1234", **kw: object) -> Vehicle:
    base: dict[str, object] = {
        "member_id": "a", "source": "CSDD", "registration_number": number, "category": "M1",
        "role": "OWNER", "registration_status": "REGISTERED", "from_date": dt.date(2019, 3, 2),
    }  # fmt: skip
    return Vehicle(**(base | kw))  # type: ignore[arg-type]


def _role(**kw: object) -> EnterpriseRole:
    base: dict[str, object] = {
        "member_id": "a", "registration_number": "40003000001", "legal_form": "SIA",
        "entity_status": "ACTIVE", "role": "MEMBER", "share_percent": D("50"),
        "from_date": dt.date(2020, 1, 1),
    }  # fmt: skip
    return EnterpriseRole(**(base | kw))  # type: ignore[arg-type]


def _test(facts: PropertyFacts, child: bool = False, rules: Rules | None = None):  # type: ignore[no-untyped-def]
    result = assess(_case(facts, child), rules)
    assert result.property_test is not None
    return result, result.property_test


def _outcomes(test) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return [(i.rule, str(i.outcome)) for i in test.items]


# --- dwelling: 5 ha ------------------------------------------------------------------------


def test_dwelling_land_of_exactly_5_ha_counts_with_the_dwelling() -> None:
    result, test = _test(PropertyFacts((_home(parcel_area_m2=50000),), dwelling_address_code=HOME))
    assert test.result is PropertyResult.MET and result.status is Status.POOR
    assert _outcomes(test) == [("DWELLING", "ALLOWED")]
    assert "50000 m² within 50000 m²" in test.items[0].reason


def test_dwelling_land_of_5_ha_and_1_square_metre_fails() -> None:
    result, test = _test(PropertyFacts((_home(parcel_area_m2=50001),), dwelling_address_code=HOME))
    assert test.result is PropertyResult.NOT_MET
    assert _outcomes(test) == [("DWELLING", "FAIL")]
    assert result.status is Status.NONE and result.refusal_reason == "PROPERTY_ABOVE_LIMIT"


def test_two_parcels_at_the_dwelling_address_are_added_up() -> None:
    # 30,000 + 20,001 = 50,001 m² > 50,000: both fail; a co-owner's row of the same parcel
    # is the same parcel, not more land
    parcels = (
        _home(parcel_area_m2=30000),
        _home(property_number="01000012346", parcel_area_m2=20001),
        _home(member_id="a", right_kind="LEGAL_POSSESSOR", parcel_area_m2=30000),
    )
    _, test = _test(PropertyFacts(parcels, dwelling_address_code=HOME))
    assert test.result is PropertyResult.NOT_MET
    assert "50001 m²" in test.items[0].reason
    _, test = _test(PropertyFacts(parcels[:1] + parcels[2:], dwelling_address_code=HOME))
    assert test.result is PropertyResult.MET


def test_without_a_declared_address_a_residential_property_goes_to_the_worker() -> None:
    result, test = _test(PropertyFacts((_home(property_kind="APARTMENT"),)))
    assert test.result is PropertyResult.NEEDS_REVIEW and _outcomes(test) == [
        ("DWELLING", "REVIEW")
    ]
    assert result.status is Status.POOR  # NEEDS_REVIEW keeps the computed status
    # land without a residential building is other real estate, address or not
    _, test = _test(PropertyFacts((_home(building_use=("AGRICULTURAL",)),)))
    assert _outcomes(test) == [("OTHER_REAL_ESTATE", "FAIL")]


# --- other real estate: shares and the municipal minimum -------------------------------------


def test_a_half_share_of_a_second_property_fails_the_test() -> None:
    # share value = 10,000.00 × 1 ÷ 2 = 5,000.00, not under the default minimum 0.00
    result, test = _test(PropertyFacts((_home(), _second()), dwelling_address_code=HOME))
    assert _outcomes(test) == [("DWELLING", "ALLOWED"), ("OTHER_REAL_ESTATE", "FAIL")]
    assert "the share worth 5000.00 is not under the municipal minimum 0.00" in test.items[1].reason
    assert "(1/2)" in test.items[1].reason
    assert result.status is Status.NONE and result.refusal_reason == "PROPERTY_ABOVE_LIMIT"
    assert result.gmi_benefit is None and result.housing_benefit is None


def _minimum(amount: str) -> Rules:
    own = parse_property_rows(
        {"other_real_estate": [{"from": dt.date(2026, 1, 1), "minimum_value": amount,
                                "right_kinds": ["OWNER", "LEGAL_POSSESSOR"],
                                "source": "Ogre's binding regulations (test)"}]},
        "tests",
    )  # fmt: skip
    return load_rules(extra_property_rows={OGRE: own}, origin="tests")


def test_a_municipal_minimum_exempts_a_share_worth_less() -> None:
    facts = PropertyFacts((_home(), _second()), dwelling_address_code=HOME)
    _, test = _test(facts, rules=_minimum("5000.01"))
    assert test.result is PropertyResult.MET
    assert "5000.00 is under the municipal minimum 5000.01" in test.items[1].reason
    assert "Ogre's binding regulations (test)" in test.items[1].reason
    # "under": a share worth exactly the minimum is not exempt
    _, test = _test(facts, rules=_minimum("5000.00"))
    assert test.result is PropertyResult.NOT_MET
    # the municipality's row starts 2026-01-01: an application before it uses the national row
    earlier = dataclasses.replace(_case(facts), application_date=dt.date(2025, 12, 3))
    assert assess(earlier, _minimum("5000.01")).property_test.result is PropertyResult.NOT_MET  # type: ignore[union-attr]


def test_a_users_right_and_an_ended_right_do_not_count() -> None:
    ended = _second(share_numerator=1, share_denominator=1, valid_to=dt.date(2026, 6, 30))
    _, test = _test(PropertyFacts((_second(right_kind="USER"), ended), dwelling_address_code=HOME))
    assert test.result is PropertyResult.MET
    assert [str(i.outcome) for i in test.items] == ["NOT_COUNTED", "NOT_COUNTED"]


# --- vehicles ------------------------------------------------------------------------------


def test_one_car_is_allowed_two_are_not_without_children() -> None:
    _, test = _test(PropertyFacts(vehicles=(_car(),)))
    assert test.result is PropertyResult.MET and _outcomes(test) == [("VEHICLES", "ALLOWED")]
    result, test = _test(PropertyFacts(vehicles=(_car(), _car("KB5678", category="N1"))))
    assert test.result is PropertyResult.NOT_MET
    assert _outcomes(test) == [("VEHICLES", "FAIL"), ("VEHICLES", "FAIL")]
    assert "2 in the household, at most 1 for a household without children" in test.items[0].reason
    assert result.refusal_reason == "PROPERTY_ABOVE_LIMIT"


def test_two_motor_vehicles_are_allowed_with_a_child_three_are_not() -> None:
    two = (_car(), _car("KB5678"))
    _, test = _test(PropertyFacts(vehicles=two), child=True)
    assert test.result is PropertyResult.MET
    assert "2 in the household, at most 2 for a household with a child" in test.items[0].reason
    _, test = _test(PropertyFacts(vehicles=(*two, _car("KC9012"))), child=True)
    assert test.result is PropertyResult.NOT_MET


def test_a_member_turning_18_on_the_application_date_is_no_longer_a_child() -> None:
    facts = PropertyFacts(vehicles=(_car(), _car("KB5678")))
    members = (build_person("a", "1980-01-01"), build_person("b", "2008-11-03"))
    case = dataclasses.replace(build_case(members), property=facts)
    assert assess(case).property_test.result is PropertyResult.NOT_MET  # type: ignore[union-attr]
    members = (build_person("a", "1980-01-01"), build_person("b", "2008-11-04"))
    case = dataclasses.replace(build_case(members), property=facts)
    assert assess(case).property_test.result is PropertyResult.MET  # type: ignore[union-attr]


@pytest.mark.parametrize("role", ["HOLDER", "KEEPER"])
def test_a_vehicle_held_only_as_holder_or_keeper_does_not_count(role: str) -> None:
    _, test = _test(PropertyFacts(vehicles=(_car(), _car("KB5678", role=role))))
    assert test.result is PropertyResult.MET
    assert _outcomes(test) == [("VEHICLES", "ALLOWED"), ("VEHICLES", "NOT_COUNTED")]
    assert f"held as {role} only" in test.items[1].reason


def test_deregistered_never_counts_temporarily_deregistered_does() -> None:
    gone = _car("KB5678", registration_status="DEREGISTERED")
    _, test = _test(PropertyFacts(vehicles=(_car(), gone)))
    assert test.result is PropertyResult.MET
    parked = _car("KB5678", registration_status="TEMPORARILY_DEREGISTERED")
    _, test = _test(PropertyFacts(vehicles=(_car(), parked)))
    assert test.result is PropertyResult.NOT_MET


@pytest.mark.parametrize(
    ("source", "category", "expected"),
    [
        ("CSDD", "L1", "MET"),  # a moped
        ("CSDD", "L2", "MET"),
        ("CSDD", "L6", "MET"),  # a light quadricycle: moped class
        ("CSDD", "O", "MET"),  # a trailer
        ("VTUA", "TRAILER", "MET"),
        ("CSDD", "L3", "NOT_MET"),  # a motorcycle is a motor vehicle
        ("CSDD", "L7", "NOT_MET"),
        ("VTUA", "TRACTOR", "NOT_MET"),
        ("VTUA", "SELF_PROPELLED", "NOT_MET"),
        ("CSDD", "OTHER", "NEEDS_REVIEW"),
        ("VTUA", "OTHER", "NEEDS_REVIEW"),
    ],
)
def test_which_categories_count_beside_one_car(source: str, category: str, expected: str) -> None:
    second = _car("T12345", source=source, category=category)
    _, test = _test(PropertyFacts(vehicles=(_car(), second)))
    assert str(test.result) == expected


def test_a_car_owned_by_two_members_counts_once_and_a_sold_car_not_at_all() -> None:
    shared = (_car(), _car(member_id="b"))
    _, test = _test(PropertyFacts(vehicles=shared), child=True)
    assert _outcomes(test) == [("VEHICLES", "ALLOWED"), ("VEHICLES", "NOT_COUNTED")]
    sold = _car("KB5678", to_date=dt.date(2026, 11, 2))
    _, test = _test(PropertyFacts(vehicles=(_car(), sold)))
    assert test.result is PropertyResult.MET
    assert "ended before the application date" in test.items[1].reason


# --- enterprises ---------------------------------------------------------------------------


def test_an_officer_role_alone_does_not_count() -> None:
    result, test = _test(PropertyFacts(enterprises=(_role(role="OFFICER", share_percent=None),)))
    assert test.result is PropertyResult.MET and result.status is Status.POOR
    assert _outcomes(test) == [("ENTERPRISES", "NOT_COUNTED")]


def test_a_member_of_an_active_enterprise_needs_review_and_keeps_the_status() -> None:
    result, test = _test(PropertyFacts(enterprises=(_role(),)))
    assert test.result is PropertyResult.NEEDS_REVIEW
    assert result.status is Status.POOR and result.refusal_reason is None
    assert "with a 50 % share" in test.items[0].reason
    assert any("NEEDS_REVIEW (the case is flagged" in r for r in result.reasons)
    assert test.items[0].item == "40003000001"  # a company's number is public


@pytest.mark.parametrize("status", ["LIQUIDATION", "INSOLVENT", "EXCLUDED"])
def test_a_member_of_an_enterprise_that_is_not_active_does_not_count(status: str) -> None:
    _, test = _test(PropertyFacts(enterprises=(_role(entity_status=status),)))
    assert test.result is PropertyResult.MET


def test_shares_sole_proprietors_and_beneficial_owners() -> None:
    _, test = _test(PropertyFacts(enterprises=(_role(share_percent=D("0")),)))
    assert test.result is PropertyResult.MET  # a member without a share
    sole = _role(role="SOLE_PROPRIETOR", legal_form="IK", share_percent=None)
    _, test = _test(PropertyFacts(enterprises=(sole,)))
    assert test.result is PropertyResult.NEEDS_REVIEW
    assert test.items[0].item == "40*******01"  # an individual merchant's number is masked
    owner = _role(role="BENEFICIAL_OWNER", share_percent=None)
    assert _test(PropertyFacts(enterprises=(owner,)))[1].result is PropertyResult.NEEDS_REVIEW


# --- the result, the refusal and the override ----------------------------------------------


def test_not_met_refuses_a_status_that_income_alone_would_grant() -> None:
    facts = PropertyFacts((_home(),), (_car(),), dwelling_address_code=HOME)
    granted = assess(_case(facts))
    assert granted.status is Status.POOR and granted.gmi_benefit is not None
    assert granted.gmi_benefit.monthly_amount == D("187.00")  # 187 − 0.00
    refused = assess(_case(dataclasses.replace(facts, vehicles=(_car(), _car("KB5678")))))
    assert refused.status is Status.NONE and refused.valid_from is None
    assert refused.refusal_reason == "PROPERTY_ABOVE_LIMIT" and refused.gmi_benefit is None
    assert any("Status NONE: the property test is NOT_MET" in r for r in refused.reasons)


def test_with_property_the_test_decides_not_the_old_flag() -> None:
    facts = PropertyFacts((_home(),), dwelling_address_code=HOME)
    assert assess(_case(facts, property_ok=False)).status is Status.POOR
    # without property the flag decides, as before
    without = build_case([build_person("a", "1980-01-01")], property_ok=False)
    result = assess(without)
    assert result.status is Status.NONE and result.property_test is None


def test_the_workers_override_beats_the_computed_result_and_says_so() -> None:
    two_cars = (_car(), _car("KB5678", from_date=dt.date(2026, 9, 1)))
    override = PropertyOverride(
        PropertyResult.MET, "the second car is a wreck", dt.date(2026, 10, 1)
    )
    result, test = _test(PropertyFacts(vehicles=two_cars, override=override))
    assert test.computed is PropertyResult.NOT_MET and test.result is PropertyResult.MET
    assert test.override_applied and result.status is Status.POOR
    assert any("override MET beats the computed NOT_MET: the second car" in r for r in test.reasons)
    # a car bought after the override is tested again
    third = _car("KC9012", from_date=dt.date(2026, 10, 20))
    result, test = _test(PropertyFacts(vehicles=(*two_cars, third), override=override))
    assert not test.override_applied and test.result is PropertyResult.NOT_MET
    assert any("does not cover 1 item(s) begun after it" in r for r in test.reasons)
    # the worker may refuse what the rules allow
    refuse = PropertyOverride(PropertyResult.NOT_MET, "a house abroad")
    result, test = _test(PropertyFacts(vehicles=(_car(),), override=refuse))
    assert test.computed is PropertyResult.MET and result.status is Status.NONE
    assert result.refusal_reason == "PROPERTY_ABOVE_LIMIT"


def test_item_identifiers_with_an_owner_are_masked() -> None:
    facts = PropertyFacts((_home(), _second()), (_car(),), dwelling_address_code=HOME)
    _, test = _test(facts)
    assert [i.item for i in test.items] == ["01*******45", "01*******99", "KA**34"]
    assert all(i.member_id == "a" for i in test.items)
    assert [i.source for i in test.items] == ["VZD", "VZD", "CSDD"]
    assert ItemOutcome.FAIL in {i.outcome for i in test.items}
