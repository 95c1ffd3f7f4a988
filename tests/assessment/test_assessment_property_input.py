"""``tilts assess`` with the ``property`` input (property.md §8, assessment.md §7), and the
property rules as dated, configurable rows (a municipality's own rows, bad rows refused)."""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tilts.assessment import (
    default_rules,
    load_rules,
    parse_case,
    parse_property_rows,
)
from tilts.assessment.command import run
from tilts.assessment.rules.property_loading import parse_property_file
from tilts.flows.work.case_json import case_json
from tilts.kernel.errors import ConfigError

OGRE = "0040000"
CASE: dict[str, Any] = {
    "municipality": OGRE, "applicationDate": "2026-11-03", "savings": "0.00",
    "cooperationAgreement": True,
    "members": [{"id": "a", "birthDate": "1980-01-01"}, {"id": "b", "birthDate": "2016-05-05"}],
    "property": {
        "dwellingAddressCode": "100000001",
        "realEstate": [
            {"memberId": "a", "propertyNumber": "01000012345", "propertyKind": "LAND",
             "rightKind": "OWNER", "shareNumerator": 1, "shareDenominator": 1,
             "addressCode": "100000001", "atvk": OGRE, "parcelAreaM2": "50000",
             "agriculturalAreaM2": 0, "forestAreaM2": 0, "buildingUse": ["RESIDENTIAL"],
             "cadastralValue": "20000.00", "valueDate": "2025-01-01",
             "landBookFolio": {"office": "Ogre", "folioNumber": "123"},
             "validFrom": "2010-01-01", "validTo": None},
            {"memberId": "b", "propertyNumber": "01000099999", "propertyKind": "APARTMENT",
             "rightKind": "OWNER", "shareNumerator": "1", "shareDenominator": "2",
             "addressCode": "100000002", "cadastralValue": "10000.00"},
        ],
        "vehicles": [
            {"memberId": "a", "source": "CSDD", "registrationNumber": "KA1234",
             "category": "M1", "make": "Škoda", "model": "Octavia",
             "firstRegistrationDate": "2009-05-14", "role": "OWNER", "from": "2019-03-02",
             "to": None, "registrationStatus": "REGISTERED"},
            {"memberId": "a", "source": "VTUA", "registrationNumber": "T123AB",
             "category": "TRAILER", "role": "OWNER", "from": "2019-03-02",
             "registrationStatus": "REGISTERED"},
        ],
        "enterprises": [
            {"memberId": "a", "registrationNumber": "40003000001", "legalName": "Test SIA",
             "legalForm": "SIA", "entityStatus": "ACTIVE", "role": "OFFICER",
             "sharePercent": None, "from": "2019-01-01", "to": None},
        ],
    },
}  # fmt: skip


def _run(case: dict[str, Any], tmp_path: Path) -> tuple[int, str, str]:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    code = run(path, out, err)
    return code, out.getvalue(), err.getvalue()


def test_assess_prints_the_property_test_with_one_item_per_right_vehicle_and_role(
    tmp_path: Path,
) -> None:
    code, out, err = _run(CASE, tmp_path)
    assert code == 0, err
    result = json.loads(out)
    test = result["propertyTest"]
    assert test["result"] == "NOT_MET" and test["computedResult"] == "NOT_MET"
    assert test["override"] is None
    assert [set(i) for i in test["items"]] == [
        {"memberId", "source", "item", "rule", "outcome", "reason"}
    ] * 5
    assert [(i["memberId"], i["source"], i["item"], i["rule"], i["outcome"]) for i in test["items"]] == [
        ("a", "VZD", "01*******45", "DWELLING", "ALLOWED"),
        ("b", "VZD", "01*******99", "OTHER_REAL_ESTATE", "FAIL"),
        ("a", "CSDD", "KA**34", "VEHICLES", "ALLOWED"),
        ("a", "VTUA", "T1**AB", "VEHICLES", "NOT_COUNTED"),
        ("a", "UR", "40003000001", "ENTERPRISES", "NOT_COUNTED"),
    ]  # fmt: skip
    assert result["status"] == "NONE" and result["refusalReason"] == "PROPERTY_ABOVE_LIMIT"
    for secret in ("01000012345", "01000099999", "KA1234", "T123AB"):
        assert secret not in out


def test_without_property_the_output_is_unchanged(tmp_path: Path) -> None:
    old = {k: v for k, v in CASE.items() if k != "property"} | {"propertyConditionsMet": True}
    code, out, _ = _run(old, tmp_path)
    result = json.loads(out)
    assert code == 0 and "propertyTest" not in result and "refusalReason" not in result
    assert result["status"] == "POOR"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: p.update(bogus=1), "property.bogus: unknown field"),
        (lambda p: p["vehicles"][0].update(source="CSDX"),
         "property.vehicles[0].source: expected one of CSDD, VTUA"),
        (lambda p: p["vehicles"][1].update(category="M1"),
         "property.vehicles[1].category: expected one of TRACTOR, SELF_PROPELLED, TRAILER, OTHER (VTUA)"),
        (lambda p: p["vehicles"][0].pop("registrationStatus"),
         "property.vehicles[0].registrationStatus: is required"),
        (lambda p: p["realEstate"][1].update(shareNumerator="3"),
         "property.realEstate[1].shareNumerator: must be from 1 to shareDenominator"),
        (lambda p: p["realEstate"][0].update(parcelAreaM2=12.5),
         "property.realEstate[0].parcelAreaM2: must be a whole number"),
        (lambda p: p["realEstate"][0].update(cadastralValue=20000),
         "property.realEstate[0].cadastralValue: must be an amount"),
        (lambda p: p["enterprises"][0].update(memberId="z"),
         "property.enterprises[0].memberId: is not a member of the case"),
        (lambda p: p["enterprises"][0].update(sharePercent="101"),
         "property.enterprises[0].sharePercent: must be a percentage from 0 to 100"),
        (lambda p: p.update(override={"result": "MAYBE", "reason": "x"}),
         "property.override.result: expected one of MET, NOT_MET"),
        (lambda p: p.update(override={"result": "MET"}), "property.override.reason: is required"),
        (lambda p: p.update(realEstate={}), "property.realEstate: must be a JSON array"),
    ],
)  # fmt: skip
def test_malformed_property_is_exit_2_naming_the_field(
    change: Any, message: str, tmp_path: Path
) -> None:
    case = json.loads(json.dumps(CASE))
    change(case["property"])
    code, out, err = _run(case, tmp_path)
    assert code == 2 and out == ""
    assert f"error: {message}" in err, err
    for secret in ("01000012345", "KA1234", "40003000001"):
        assert secret not in err


def test_property_conditions_flag_is_required_only_without_property(tmp_path: Path) -> None:
    old = {k: v for k, v in CASE.items() if k != "property"}
    code, _, err = _run(old, tmp_path)
    assert code == 2 and "error: propertyConditionsMet: is required" in err


def test_the_command_line_and_a_replayed_store_case_agree(tmp_path: Path) -> None:
    case = parse_case(json.dumps(CASE))
    again = parse_case(json.dumps(case_json(case)))
    assert again.property == case.property
    path = tmp_path / "case.json"
    path.write_text(json.dumps(CASE), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "tilts.shell.cli", "assess", "--case", str(path)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["propertyTest"]["result"] == "NOT_MET"


# --- the rules as dated rows ---------------------------------------------------------------


def test_packaged_rows_name_their_source_and_the_modelled_ones_say_so() -> None:
    rows = default_rules().property.rows_on(OGRE, dt.date(2026, 11, 3))
    assert rows is not None
    assert rows.dwelling.land_limit_m2 == 50000 and rows.dwelling.modelled
    assert rows.vehicles.limit == 1 and rows.vehicles.limit_with_children == 2
    assert str(rows.other_real_estate.minimum_value) == "0.00"
    for row in rows:
        assert "SPSPL art. 36(1)(2)" in row.source
    assert default_rules().property.rows_on(OGRE, dt.date(2020, 12, 31)) is None


def test_a_municipality_overrides_one_rule_from_a_date() -> None:
    own = parse_property_rows(
        {"vehicles": [{"from": dt.date(2026, 7, 1), "limit": 2, "limit_with_children": 3,
                       "counted_categories": ["M1", "N1"], "review_categories": [],
                       "counted_roles": ["OWNER"], "counted_statuses": ["REGISTERED"],
                       "source": "Ogre's binding regulations (test)"}]},
        "tests",
    )  # fmt: skip
    rules = load_rules(extra_property_rows={OGRE: own})
    ogre = rules.property.rows_on(OGRE, dt.date(2026, 11, 3))
    assert ogre is not None and ogre.vehicles.limit == 2
    assert ogre.dwelling == default_rules().property.dwelling[0]  # the other rules stay
    before = rules.property.rows_on(OGRE, dt.date(2026, 6, 30))
    assert before is not None and before.vehicles.limit == 1
    tukums = rules.property.rows_on("0051000", dt.date(2026, 11, 3))
    assert tukums is not None and tukums.vehicles.limit == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"vehicles": [{"from": "2026-01-01", "limit": 1}]},
         "vehicles[0].counted_categories: is required"),
        ({"enterprises": [{"from": "2026-01-01", "review_roles": [], "review_statuses": []}]},
         "enterprises[0].source: is required"),
        ({"dwelling": [{"from": "2026-01-01", "land_limit_m2": 1, "right_kinds": ["OWNER"],
                        "residential_uses": [], "source": "x", "hectares": 5}]},
         "dwelling[0].hectares: unknown key"),
        ({"other_real_estate": [{"from": "2026-01-01", "minimum_value": "-1",
                                 "right_kinds": ["OWNER"], "source": "x"}]},
         "other_real_estate[0].minimum_value: must be a non-negative amount"),
        ({"enterprises": [{"from": "2026-01-01", "review_roles": [], "review_statuses": [],
                           "source": " "}]},
         "enterprises[0].source: must name where the row comes from"),
        ({"parking": []}, "parking: unknown key"),
    ],
)  # fmt: skip
def test_a_bad_rule_row_is_refused_naming_the_key(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_property_rows(data, "tilts.toml")
    assert "tilts.toml" in str(caught.value) and message in str(caught.value)


def test_the_national_file_needs_every_rule() -> None:
    with pytest.raises(ConfigError, match=r"property\.toml: dwelling: needs at least one row"):
        parse_property_file({"dwelling": [], "other_real_estate": []}, "property.toml")


@pytest.mark.parametrize(
    ("atvk", "ok"), [("0040000", True), ("٠٠٤٠٠٠٠", False), ("００４００００", False)]
)
def test_a_municipality_table_is_named_by_seven_ascii_digits(atvk: str, ok: bool) -> None:
    """str.isdigit() also takes Arabic-Indic and full-width digits; an ATVK code is ASCII."""
    import tomllib
    from importlib import resources

    text = resources.files("tilts.assessment.rules").joinpath("property.toml").read_text("utf-8")
    data = {**tomllib.loads(text), "municipalities": {atvk: {}}}
    if ok:
        parse_property_file(data, "property.toml")
        return
    with pytest.raises(ConfigError, match="the ATVK code must be 7 digits"):
        parse_property_file(data, "property.toml")


def test_explain_lists_the_property_items(tmp_path: Path) -> None:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(CASE), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    assert run(path, out, err, explain=True) == 0, err.getvalue()
    text = out.getvalue()
    assert "Property test NOT_MET:" in text
    assert "- member b, VZD 01*******99: OTHER_REAL_ESTATE FAIL: OWNER (1/2)" in text
    assert "KA1234" not in text and "01000099999" not in text
