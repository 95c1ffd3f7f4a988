"""Property tests of the one validation step and of personal codes, on generated hostile input.

For each registry model in ``schemas/`` (PMLP persons and changes, VDEĀVK, VSAA, VID, NVA, VZD,
CSDD, VTUA, UR),
hypothesis generates a batch of valid records and spoils some of them — a three-decimal or
non-string amount, a month 13, an impossible or out-of-range date, a value outside its list,
a wrong type, a personal code with a bad check digit or an impossible birth date, digits that
are not ASCII, a trailing newline — and feeds the batch to ``schemas.validate.validate_records``:
every untouched record passes, every spoiled one is rejected with a reason naming the spoiled
field, and no reason repeats a personal code. ``tests/unit/test_personal_code.py`` holds the
basic code properties; the ones here add arbitrary text.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandera.pandas as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tilts.kernel.clock import riga_today
from tilts.kernel.logsafe import scrub
from tilts.kernel.personal_code import (
    display,
    invalid_reason,
    is_valid,
    mask,
    normalise,
    old_format_check_digit,
)
from tilts.schemas import csdd, vtua
from tilts.schemas.nva import END_REASONS, NvaRegistrationSchema
from tilts.schemas.pmlp import PmlpChangeSchema, PmlpPersonSchema, flatten_person
from tilts.schemas.ur import ENTITY_STATUSES, LEGAL_FORMS, EnterpriseRoleSchema
from tilts.schemas.ur import ROLES as UR_ROLES
from tilts.schemas.validate import validate_records
from tilts.schemas.vdeavk import DisabilityDecisionSchema
from tilts.schemas.vehicles import REGISTRATION_STATUSES
from tilts.schemas.vehicles import ROLES as VEHICLE_ROLES
from tilts.schemas.vid import VidRowSchema
from tilts.schemas.vsaa import BENEFIT_TYPES, VsaaPaymentSchema
from tilts.schemas.vzd import BUILDING_USES, PROPERTY_KINDS, RIGHT_KINDS, PropertyRightSchema

Row = dict[str, Any]
REASONS = {
    "must be 11 digits",
    "century digit must be 0, 1 or 2",
    "birth date part is not a real date",
    "check digit does not match",
}


# ------------------------------------------------------------------------ valid values
def _old_code(day: dt.date, serial: int) -> str | None:
    first = f"{day:%d%m}{day.year % 100:02d}{'012'[day.year // 100 - 18]}{serial:03d}"
    check = old_format_check_digit(first)
    return None if check is None else first + str(check)


old_codes = st.builds(
    _old_code, st.dates(dt.date(1850, 1, 1), dt.date(2017, 6, 30)), st.integers(0, 999)
).filter(bool)
new_codes = st.builds(lambda a, b: f"3{a}{b:09d}", st.integers(2, 9), st.integers(0, 10**9 - 1))
codes = st.one_of(old_codes, new_codes)
days = st.dates(dt.date(1900, 1, 1), riga_today())  # in range: schemas/common.py
dates = days.map(dt.date.isoformat)
months = days.map(lambda d: f"{d:%Y-%m}")
money = st.integers(0, 10**11 - 1).map(lambda c: f"{c // 100}.{c % 100:02d}")
digits = lambda n: st.integers(0, 10**n - 1).map(lambda v: f"{v:0{n}d}")  # noqa: E731
names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=60)


# ------------------------------------------------------------------------- bad values
def _impossible_day(y: int, m: int, d: int) -> str:
    return f"{y:04d}-{m:02d}-{calendar.monthrange(y, m)[1] + d:02d}"


# the hostile literals (each also checked one by one below), then generated ones
MONEY = [
    "12.345",
    "0.100",
    "1E+2",
    "100E-2",
    "1_000.00",
    " 1.00",
    "1.00\n",
    "١.٠٠",
    "1,00",
    "1.",
    ".50",
    "NaN",
    "",
]
MONTHS = [
    "2026-13",
    "2026-00",
    "0000-13",
    "2026-1",
    "26-01",
    "2026-01\n",
    "２０２６-01",
    "2026/01",
    "2026-01-01",
    "",
]
DATES = [
    "2026-02-30",
    "2025-02-29",
    "2026-04-31",
    "0000-01-01",
    "2026-13-01",
    "2026-00-10",
    "20260105",
    "2026-01-05\n",
    "２０２６-01-05",
    "2026-1-5",
    "2026-01-05T00:00",
    "",
]
WRONG_TYPES = [12, 12.5, -1, True, False, ["12.00"], {"eur": "12.00"}]
not_strings = st.sampled_from(WRONG_TYPES)
bad_money = st.one_of(
    st.sampled_from(MONEY),
    st.builds(lambda i, f: f"{i}.{f:03d}", st.integers(0, 10**6), st.integers(0, 999)),
    not_strings,
)
bad_months = st.one_of(
    st.sampled_from(MONTHS),
    st.builds(lambda y, m: f"{y:04d}-{m:02d}", st.integers(0, 9999), st.sampled_from([0, 13, 99])),
    not_strings,
)
bad_dates = st.one_of(
    st.sampled_from(DATES),
    st.builds(_impossible_day, st.integers(1, 9999), st.integers(1, 12), st.integers(1, 3))
    .filter(lambda s: int(s[-2:]) <= 99),
    not_strings,
)  # fmt: skip


def eleven(value: Any) -> bool:
    """Not 11 ASCII digits (a registration number or a change's code has no check digit)."""
    return not (isinstance(value, str) and re.fullmatch("[0-9]{11}", value))


def bad_choice(allowed: list[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.text(max_size=20), not_strings).filter(lambda v: v not in allowed)


bad_codes = st.one_of(
    old_codes.map(lambda c: c[:10] + str((int(c[10]) + 1) % 10)),  # check digit
    st.builds(lambda s: f"3102{s:07d}", st.integers(0, 10**7 - 1)),  # 31 February
    old_codes.map(lambda c: c[:6] + "5" + c[7:]),  # century digit
    codes.map(lambda c: c[:10]),
    codes.map(display),
    codes.map(lambda c: c.translate(str.maketrans("0123456789", "０１２３４５６７８９"))),
    codes.map(lambda c: c + "\n"),
)


# --------------------------------------------------------------------- the models
@dataclass(frozen=True)
class Model:
    """A pandera model, how to draw a valid wire record, and how each field can go wrong.

    ``bad`` maps a path into the record to (the column or rule the reason must name, values).
    """

    model: type[pa.DataFrameModel]
    valid: Callable[[], st.SearchStrategy[Row]]
    bad: dict[tuple[str, ...], tuple[str, st.SearchStrategy[Any]]]
    flatten: Callable[[Row], Row] | None = None


def _vsaa() -> st.SearchStrategy[Row]:
    return st.fixed_dictionaries(
        {"requestedCode": codes, "month": months, "benefitType": st.sampled_from(BENEFIT_TYPES),
         "grossAmount": money, "incomeTaxWithheld": money, "paidAmount": money,
         "paymentDate": dates}
    )  # fmt: skip


def _vid() -> st.SearchStrategy[Row]:
    income = st.fixed_dictionaries(
        {"requestedCode": codes, "rowKind": st.just("INCOME"), "month": months,
         "incomeType": st.sampled_from(["SALARY", "SELF_EMPLOYMENT", "ROYALTY", "RENTAL", "OTHER"]),
         "grossAmount": money, "taxesWithheld": money, "netAmount": money},
        optional={"employerRegNo": digits(11)},
    )  # fmt: skip
    employment = st.fixed_dictionaries(
        {"requestedCode": codes, "rowKind": st.just("EMPLOYMENT"), "employerRegNo": digits(11),
         "employerName": names, "startDate": dates},
        optional={"endDate": dates},
    )  # fmt: skip
    return st.one_of(income, employment)


def _nva() -> st.SearchStrategy[Row]:
    return st.fixed_dictionaries(
        {"requestedCode": codes,
         "kind": st.sampled_from(["UNEMPLOYED", "JOB_SEEKER", "NOT_REGISTERED"])},
        optional={"since": dates, "endedOn": dates, "endReason": st.sampled_from(END_REASONS),
                  "measureType": st.text(max_size=60), "measureFrom": dates, "measureTo": dates,
                  "stipendPaid": st.booleans()},
    )  # fmt: skip


@st.composite
def _vdeavk(draw: st.DrawFn) -> Row:
    start = draw(days)
    lifelong = draw(st.booleans())
    adult = draw(st.booleans())
    row: Row = {
        "requestedCode": draw(codes),
        "decisionNumber": draw(st.text(min_size=1, max_size=60)),
        "decisionDate": draw(dates),
        "subject": "ADULT" if adult else "CHILD",
        "group": draw(st.sampled_from(["I", "II", "III"])) if adult else None,
        "validFrom": start.isoformat(),
        "lifelong": "true" if lifelong else "false",
        "specialCareNeed": draw(st.sampled_from(["true", "false"])),
    }
    if not lifelong or draw(st.booleans()):
        end = draw(st.dates(start, dt.date(2099, 12, 31)))
        row["validTo"] = end.isoformat()
    if draw(st.booleans()):
        row["workCapacityLossPercent"] = draw(digits(draw(st.sampled_from([2, 3]))))
    return row


def _vehicle(categories: list[str]) -> Callable[[], st.SearchStrategy[Row]]:
    """A CSDD or VTUA vehicle row (property.md §3) of ``categories``."""

    @st.composite
    def draw_row(draw: st.DrawFn) -> Row:
        start = draw(days)
        end = draw(st.one_of(st.none(), st.dates(start, dt.date(2199, 12, 31))))
        return {
            "requestedCode": draw(codes),
            "registrationNumber": draw(st.from_regex(r"[A-Z0-9]{1,8}", fullmatch=True)),
            "category": draw(st.sampled_from(categories)),
            "make": draw(st.one_of(st.none(), st.text(min_size=1, max_size=60))),
            "model": draw(st.one_of(st.none(), st.text(min_size=1, max_size=60))),
            "firstRegistrationDate": draw(st.dates(dt.date(1900, 1, 1), start)).isoformat(),
            "role": draw(st.sampled_from(VEHICLE_ROLES)),
            "from": start.isoformat(),
            "to": None if end is None else end.isoformat(),
            "registrationStatus": draw(st.sampled_from(REGISTRATION_STATUSES)),
        }

    return draw_row


PLATES = ["ka1234", "ＫＡ１２", "AB-1234", "AB 1234", "AB1234\n", "", "ABCDEFGHI", "ĀB1234"]


def _vehicle_bad(categories: list[str]) -> dict[tuple[str, ...], tuple[str, Any]]:
    return {
        ("registrationNumber",): ("registrationNumber",
                                  st.one_of(st.sampled_from(PLATES), not_strings)),
        ("category",): ("category", bad_choice(categories)),
        ("role",): ("role", bad_choice(VEHICLE_ROLES)),
        ("registrationStatus",): ("registrationStatus", bad_choice(REGISTRATION_STATUSES)),
        ("make",): ("make", st.one_of(st.just(""), st.text(min_size=61, max_size=70))),
        ("firstRegistrationDate",): ("firstRegistrationDate", bad_dates),
        ("from",): ("from", bad_dates),
        ("to",): ("to", bad_dates),
    }  # fmt: skip


@st.composite
def _vzd(draw: st.DrawFn) -> Row:
    start = draw(days)
    kind = draw(st.sampled_from(PROPERTY_KINDS))
    denominator = draw(st.integers(1, 10**9 - 1))
    parcel = None if kind == "APARTMENT" else draw(st.integers(0, 10**9))
    agri = 0 if parcel is None else draw(st.integers(0, parcel))
    forest = 0 if parcel is None else draw(st.integers(0, parcel - agri))
    row: Row = {
        "requestedCode": draw(codes), "propertyNumber": draw(digits(11)), "propertyKind": kind,
        "rightKind": draw(st.sampled_from(RIGHT_KINDS)),
        "shareNumerator": str(draw(st.integers(1, denominator))),
        "shareDenominator": str(denominator),
        "addressCode": draw(digits(9)), "atvk": draw(digits(7)),
        "parcelAreaM2": None if parcel is None else str(parcel),
        "agriculturalAreaM2": str(agri), "forestAreaM2": str(forest),
        "buildingUse": draw(st.lists(st.sampled_from(BUILDING_USES), max_size=3)),
        "cadastralValue": draw(money.filter(lambda m: len(m) <= 12)), "valueDate": draw(dates),
        "landBookOffice": draw(st.text(min_size=1, max_size=100)),
        "landBookFolioNumber": draw(digits(12)), "validFrom": start.isoformat(),
    }  # fmt: skip
    if draw(st.booleans()):
        row["validTo"] = draw(st.dates(start, dt.date(2099, 12, 31))).isoformat()
    return row


@st.composite
def _pmlp(draw: st.DrawFn) -> Row:
    code = draw(codes)
    born = draw(days)
    row: Row = {
        "requestedCode": code, "result": "FOUND", "personCode": code,
        "givenName": draw(names), "surname": draw(names), "birthDate": born.isoformat(),
        "sex": draw(st.sampled_from(["M", "F"])), "citizenship": "LVA",
        "registerStatus": draw(st.sampled_from(["ACTIVE", "PASSIVE"])),
        "address": {"addressCode": draw(digits(9)), "atvk": draw(digits(7)),
                    "validFrom": draw(dates)},
    }  # fmt: skip
    if draw(st.booleans()):
        row["deathDate"] = draw(st.dates(born, max(born, riga_today()))).isoformat()
    return row


@st.composite
def _ur(draw: st.DrawFn) -> Row:
    start = draw(days)
    role = draw(st.sampled_from(UR_ROLES))
    share = st.integers(0, 10000).map(lambda c: f"{c // 100}.{c % 100:02d}")
    return {
        "requestedCode": draw(codes), "registrationNumber": draw(digits(11)),
        "legalName": draw(names.filter(bool)), "legalForm": draw(st.sampled_from(LEGAL_FORMS)),
        "entityStatus": draw(st.sampled_from(ENTITY_STATUSES)), "role": role,
        "sharePercent": draw(share) if role == "MEMBER" else None,
        "from": start.isoformat(),
        "to": draw(st.one_of(st.none(), st.dates(start, dt.date(2099, 12, 31)).map(str))),
    }  # fmt: skip


SHARES = ["100.01", "-1", "-0.5", "1e2", "50%", "５０", "50.", ".5", "50.123", "", " 50", "NaN"]


def _change() -> st.SearchStrategy[Row]:
    stamp = st.datetimes(dt.datetime(1990, 1, 1), dt.datetime(2099, 1, 1)).map(
        dt.datetime.isoformat
    )
    kinds = ["ADDRESS", "DEATH", "NAME", "CODE", "RELATIONS", "STATUS"]
    return st.fixed_dictionaries(
        {"personCode": codes, "kind": st.sampled_from(kinds), "changedAt": stamp}
    )


MODELS = {
    "vsaa": Model(VsaaPaymentSchema, _vsaa, {
        ("month",): ("month", bad_months),
        ("benefitType",): ("benefitType", bad_choice(BENEFIT_TYPES)),
        ("grossAmount",): ("grossAmount", bad_money),
        ("incomeTaxWithheld",): ("incomeTaxWithheld", bad_money),
        ("paidAmount",): ("paidAmount", bad_money),
        ("paymentDate",): ("paymentDate", bad_dates),
    }),
    "vid": Model(VidRowSchema, _vid, {
        ("rowKind",): ("rowKind", bad_choice(["INCOME", "EMPLOYMENT"])),
        ("employerRegNo",): ("employerRegNo", st.one_of(bad_codes, not_strings).filter(eleven)),
        ("grossAmount",): ("grossAmount", bad_money),
        ("netAmount",): ("netAmount", bad_money),
        ("startDate",): ("startDate", bad_dates),
        ("endDate",): ("endDate", bad_dates),
        ("month",): ("month", bad_months),
    }),
    "nva": Model(NvaRegistrationSchema, _nva, {
        ("kind",): ("kind", bad_choice(["UNEMPLOYED", "JOB_SEEKER", "NOT_REGISTERED"])),
        ("since",): ("since", bad_dates),
        ("endedOn",): ("endedOn", bad_dates),
        ("endReason",): ("endReason", bad_choice(END_REASONS)),
        ("measureTo",): ("measureTo", bad_dates),
        ("stipendPaid",): ("stipendPaid", st.one_of(st.text(), st.integers(2))),
    }),
    "vdeavk": Model(DisabilityDecisionSchema, _vdeavk, {
        ("decisionNumber",): ("decisionNumber", st.one_of(st.just(""), st.text(min_size=61))),
        ("decisionDate",): ("decisionDate", bad_dates),
        ("validFrom",): ("validFrom", bad_dates),
        ("subject",): ("subject", bad_choice(["ADULT", "CHILD"])),
        ("lifelong",): ("lifelong", bad_choice(["true", "false"])),
        ("workCapacityLossPercent",): ("workCapacityLossPercent",
                                       st.sampled_from(["5", "1000", "５０", "50%", "50\n"])),
    }),
    "vzd": Model(PropertyRightSchema, _vzd, {
        ("propertyNumber",): ("propertyNumber", st.one_of(bad_codes, not_strings).filter(eleven)),
        ("propertyKind",): ("propertyKind", bad_choice(PROPERTY_KINDS)),
        ("rightKind",): ("rightKind", bad_choice(RIGHT_KINDS)),
        ("shareNumerator",): ("shareNumerator",
                              st.sampled_from(["0", "-1", "1.5", "１", "1\n", "", "01"])),
        ("shareDenominator",): ("shareDenominator", st.sampled_from(["0", "-2", "½", "2 "])),
        ("addressCode",): ("addressCode", st.one_of(digits(8), st.just("１２３４５６７８９"))),
        ("agriculturalAreaM2",): ("agriculturalAreaM2", st.sampled_from(["-1", "1.5", "", "1e3"])),
        ("forestAreaM2",): ("forestAreaM2", st.sampled_from(["-5", "0.1", "NaN", "٣"])),
        ("buildingUse",): ("buildingUse", st.one_of(st.just("RESIDENTIAL"), st.just(["HOUSE"]),
                                                    st.lists(st.integers(), min_size=1))),
        ("cadastralValue",): ("cadastralValue", st.one_of(bad_money, st.just("-1.00"))),
        ("valueDate",): ("valueDate", bad_dates),
        ("validFrom",): ("validFrom", bad_dates),
        ("validTo",): ("validTo", bad_dates),
        ("landBookFolioNumber",): ("landBookFolioNumber", st.sampled_from(["", "12 34", "1\n"])),
    }),
    "pmlp": Model(PmlpPersonSchema, _pmlp, {
        ("personCode",): ("personCode", bad_codes),
        ("birthDate",): ("birthDate", bad_dates),
        ("sex",): ("sex", bad_choice(["M", "F"])),
        ("citizenship",): ("citizenship", st.sampled_from(["lva", "LV", "LVAA", "LVA\n", ""])),
        ("surname",): ("surname", st.text(min_size=201, max_size=210)),
        ("address", "atvk"): ("atvk", st.one_of(digits(6), digits(8), st.just("００４００００"))),
        ("address", "addressCode"): ("addressCode", st.one_of(digits(8), st.just("1234567890"))),
        ("address", "validFrom"): ("addressValidFrom", bad_dates),
    }, flatten_person),
    "csdd": Model(csdd.CsddVehicleSchema, _vehicle(csdd.CATEGORIES),
                  _vehicle_bad(csdd.CATEGORIES)),
    "vtua": Model(vtua.VtuaMachineSchema, _vehicle(vtua.CATEGORIES),
                  _vehicle_bad(vtua.CATEGORIES)),
    "ur": Model(EnterpriseRoleSchema, _ur, {
        ("registrationNumber",): ("registrationNumber",
                                  st.one_of(bad_codes, not_strings).filter(eleven)),
        ("legalForm",): ("legalForm", bad_choice(LEGAL_FORMS)),
        ("entityStatus",): ("entityStatus", bad_choice(ENTITY_STATUSES)),
        ("role",): ("role", bad_choice(UR_ROLES)),
        ("sharePercent",): ("sharePercent", st.one_of(st.sampled_from(SHARES), not_strings)),
        ("from",): ("from", bad_dates),
        ("to",): ("to", bad_dates),
        ("legalName",): ("legalName", st.one_of(st.just(""), st.text(min_size=201))),
    }),
    "pmlp-change": Model(PmlpChangeSchema, _change, {
        ("personCode",): ("personCode", st.one_of(bad_codes, not_strings).filter(eleven)),
        ("kind",): ("kind", bad_choice(["ADDRESS", "DEATH", "NAME", "CODE", "RELATIONS", "STATUS"])),
        ("changedAt",): ("changedAt", st.sampled_from(["2026-11-26", "26.11.2026T1", ""])),
    }),
}  # fmt: skip


def _spoil(row: Row, path: tuple[str, ...], value: Any) -> Row:
    out = {k: dict(v) if isinstance(v, dict) else v for k, v in row.items()}
    target = out
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return out


@st.composite
def batches(draw: st.DrawFn, name: str) -> tuple[list[Row], dict[int, str]]:
    """A batch of valid records with some spoiled: (records, index → what the reason names)."""
    spec = MODELS[name]
    rows = draw(st.lists(spec.valid(), min_size=1, max_size=6))
    spoiled: dict[int, str] = {}
    for i in draw(st.sets(st.integers(0, len(rows) - 1), max_size=len(rows))):
        path, (named, values) = draw(st.sampled_from(sorted(spec.bad.items())))
        rows[i] = _spoil(rows[i], path, draw(values))
        spoiled[i] = named
    return rows, spoiled


def _check(name: str, batch: tuple[list[Row], dict[int, str]]) -> None:
    rows, spoiled = batch
    spec = MODELS[name]
    valid, invalid = validate_records(rows, spec.model, spec.flatten)
    assert [r for r in valid] == [r for i, r in enumerate(rows) if i not in spoiled]
    assert len(invalid) == len(spoiled)
    for (record, reason), (i, named) in zip(invalid, sorted(spoiled.items()), strict=True):
        assert record is rows[i]
        assert named in reason, (named, reason)
        for key in ("requestedCode", "personCode"):
            code = record.get(key)
            if isinstance(code, str) and len(code) >= 10:
                assert code not in reason and normalise(code) not in reason, reason


EXAMPLES = settings(max_examples=40, deadline=None)


@EXAMPLES
@given(batches("vsaa"))
def test_vsaa_payments(batch: tuple[list[Row], dict[int, str]]) -> None:
    _check("vsaa", batch)


@EXAMPLES
@given(batches("vid"))
def test_vid_income_and_employments(batch: tuple[list[Row], dict[int, str]]) -> None:
    _check("vid", batch)


@EXAMPLES
@given(batches("nva"))
def test_nva_registrations(batch: tuple[list[Row], dict[int, str]]) -> None:
    _check("nva", batch)


@EXAMPLES
@given(batches("vdeavk"))
def test_vdeavk_decisions(batch: tuple[list[Row], dict[int, str]]) -> None:
    _check("vdeavk", batch)


@EXAMPLES
@given(batches("vzd"))
def test_vzd_property_rights(batch: tuple[list[Row], dict[int, str]]) -> None:
    _check("vzd", batch)


def test_vzd_rules_across_fields_name_the_rule() -> None:
    """Share over the whole, farm and forest beyond the parcel, a parcel on an apartment, an
    end before the start: each refused naming its rule, by hand beside a valid right."""
    right: Row = {
        "requestedCode": "32123456789", "propertyNumber": "04123456789", "propertyKind": "LAND",
        "rightKind": "OWNER", "shareNumerator": "1", "shareDenominator": "2",
        "addressCode": "123456789", "atvk": "0040000", "parcelAreaM2": "50000",
        "agriculturalAreaM2": "30000", "forestAreaM2": "20000", "buildingUse": ["RESIDENTIAL"],
        "cadastralValue": "41000.50", "valueDate": "2026-01-01", "landBookOffice": "Ogres",
        "landBookFolioNumber": "100000123456", "validFrom": "2020-05-04", "validTo": None,
    }  # fmt: skip
    spoiled = [
        ({"shareNumerator": "3"}, "record: share_numerator_at_most_denominator"),
        ({"forestAreaM2": "20001"}, "record: agricultural_and_forest_within_parcel"),
        ({"propertyKind": "APARTMENT"}, "record: parcel_area_for_land_none_for_apartment"),
        ({"parcelAreaM2": None}, "record: parcel_area_for_land_none_for_apartment"),
        ({"validTo": "2020-05-03"}, "record: valid_to_not_before_valid_from"),
        ({"validFrom": "2199-01-01"}, "validFrom: date_between_1900_and_a_year_ahead"),
    ]
    rows = [right] + [{**right, **change} for change, _ in spoiled]
    valid, invalid = validate_records(rows, PropertyRightSchema)
    assert valid == [right]
    assert [named in reason for (_, reason), (_, named) in zip(invalid, spoiled, strict=True)] == [
        True
    ] * len(spoiled), invalid
    for _, reason in invalid:
        assert "04123456789" not in reason and "32123456789" not in reason


@EXAMPLES
@given(batches("csdd"))
def test_csdd_vehicles(batch: tuple[list[Row], dict[int, str]]) -> None:
    _check("csdd", batch)


@EXAMPLES
@given(batches("vtua"))
def test_vtua_machines(batch: tuple[list[Row], dict[int, str]]) -> None:
    _check("vtua", batch)


@EXAMPLES
@given(batches("ur"))
def test_ur_enterprise_roles(batch: tuple[list[Row], dict[int, str]]) -> None:
    _check("ur", batch)


@EXAMPLES
@given(batches("pmlp"))
def test_pmlp_persons(batch: tuple[list[Row], dict[int, str]]) -> None:
    _check("pmlp", batch)


@EXAMPLES
@given(batches("pmlp-change"))
def test_pmlp_changes(batch: tuple[list[Row], dict[int, str]]) -> None:
    _check("pmlp-change", batch)


LITERALS = {"money": MONEY + WRONG_TYPES, "month": MONTHS + WRONG_TYPES,
            "date": DATES + WRONG_TYPES}  # fmt: skip
SWEEP: dict[str, dict[tuple[str, ...], str]] = {
    "vsaa": {("grossAmount",): "money", ("month",): "month", ("paymentDate",): "date"},
    "vid": {("netAmount",): "money", ("month",): "month", ("startDate",): "date"},
    "nva": {("since",): "date", ("measureTo",): "date"},
    "vdeavk": {("decisionDate",): "date", ("validFrom",): "date"},
    "vzd": {("cadastralValue",): "money", ("valueDate",): "date", ("validFrom",): "date"},
    "pmlp": {("birthDate",): "date", ("address", "validFrom"): "date"},
    "csdd": {("firstRegistrationDate",): "date", ("from",): "date", ("to",): "date"},
    "vtua": {("from",): "date"},
    "ur": {("from",): "date", ("to",): "date", ("sharePercent",): "money"},
}


def _bad_codes(code: str) -> list[str]:
    """A code spoiled every way a registry could: check digit, form, digits, length."""
    out = [
        display(code),
        code[:10],
        code + "0",
        code + "\n",
        " " + code,
        code.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
        "31029012345",
    ]
    if not code.startswith("3"):
        out += [code[:10] + str((int(code[10]) + 1) % 10), code[:6] + "5" + code[7:]]
    return out  # fmt: skip


@pytest.mark.parametrize("name", sorted(SWEEP))
def test_every_hostile_literal_is_rejected_naming_its_field(name: str) -> None:
    """Each literal of the lists above, one record each, beside a valid record that passes."""
    spec = MODELS[name]

    @settings(max_examples=3, deadline=None)
    @given(spec.valid())
    def sweep(row: Row) -> None:
        spoiled = [(path, value) for path, kind in SWEEP[name].items() for value in LITERALS[kind]]
        if name == "pmlp":
            spoiled += [(("personCode",), value) for value in _bad_codes(row["personCode"])]
        rows = [row] + [_spoil(row, path, value) for path, value in spoiled]
        valid, invalid = validate_records(rows, spec.model, spec.flatten)
        assert valid == [row]
        assert len(invalid) == len(spoiled)
        for k, ((record, reason), (path, value)) in enumerate(zip(invalid, spoiled, strict=True)):
            assert record is rows[k + 1] and spec.bad[path][0] in reason, (path, value, reason)

    sweep()


# ------------------------------------------------------------------------ personal codes
@given(st.text(max_size=16))
def test_a_valid_code_is_eleven_ascii_digits_and_reasons_never_echo(text: str) -> None:
    reason = invalid_reason(text)
    assert reason is None or reason in REASONS
    if is_valid(text):
        assert re.fullmatch("[0-9]{11}", normalise(text))


@given(codes)
def test_display_form_validates_like_the_wire_form(code: str) -> None:
    assert is_valid(display(code)) and normalise(display(code)) == code


@given(st.integers(1, 31), st.integers(1, 12), st.integers(0, 99), st.sampled_from("012"),
       st.integers(0, 9999))  # fmt: skip
def test_old_codes_with_impossible_birth_dates_are_refused(
    day: int, month: int, yy: int, century: str, rest: int
) -> None:
    year = {"0": 1800, "1": 1900, "2": 2000}[century] + yy
    code = f"{day:02d}{month:02d}{yy:02d}{century}{rest:04d}"
    if code.startswith("3") and code[1] in "23456789":
        return  # a new-format code: no date in it
    real = day <= calendar.monthrange(year, month)[1]
    assert (invalid_reason(code) == "birth date part is not a real date") is not real


GLUE = st.sampled_from(["", " ", "=", "x", "５", "٣", "ā"])  # also digits that are not ASCII


@given(codes, st.text(max_size=20), st.text(max_size=20), GLUE, GLUE, st.booleans())
def test_scrub_masks_a_code_in_any_text(
    code: str, before: str, after: str, left: str, right: str, hyphen: bool
) -> None:
    before, after = before + left, right + after
    if before[-1:] in "0123456789-" or after[:1] in "0123456789":
        before, after = before + " ", " " + after  # else it is part of a longer number
    shown = display(code) if hyphen else code
    cleaned = scrub(before + shown + after)
    assert code not in cleaned and display(code) not in cleaned
    assert mask(code) in cleaned


@given(codes, st.sampled_from(["０１２３４５６７８９", "٠١٢٣٤٥٦٧٨٩", "०१२३४५६७८९"]))
def test_codes_in_other_digits_are_not_codes(code: str, script: str) -> None:
    other = code.translate(str.maketrans("0123456789", script))
    assert invalid_reason(other) == "must be 11 digits" and mask(other) == "*" * 11


@given(st.text(max_size=20))
def test_mask_shows_at_most_seven_digits_of_any_text(text: str) -> None:
    assert sum(ch.isdigit() for ch in mask(text)) <= 7
