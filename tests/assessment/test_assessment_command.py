"""``tilts assess --case FILE``: the JSON contract of assessment.md §7 and bad input (exit 2)."""

from __future__ import annotations

import copy
import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tilts.assessment.command import run

GOOD_CASE: dict[str, Any] = {
    "municipality": "0040000",
    "applicationDate": "2026-11-03",
    "savings": "120.00",
    "propertyConditionsMet": True,
    "cooperationAgreement": True,
    "housingExpenses": {"RENT": "120.00", "HEATING": "80.00"},
    "declaredIncome": [{"memberId": "a", "type": "ALIMONY", "monthlyAmount": "50.00"}],
    "members": [
        {
            "id": "a",
            "birthDate": "1951-04-02",
            "disability": {
                "subject": "ADULT",
                "group": "II",
                "validFrom": "2025-01-01",
                "validTo": None,
            },
            "vid": [{"month": "2026-08", "incomeType": "SALARY", "netAmount": "400.00"}],
            "vsaa": [
                {
                    "month": "2026-08",
                    "benefitType": "OLD_AGE_PENSION",
                    "paidAmount": "420.00",
                    "grossAmount": "420.00",
                    "paymentDate": "2026-08-12",
                }
            ],
            "nva": {"kind": "UNEMPLOYED", "activeMeasure": None},
        },
        {
            "id": "b",
            "birthDate": "2012-02-02",
            "vsaa": [
                {"month": "2026-09", "benefitType": "FAMILY_STATE_BENEFIT", "paidAmount": "25.00"}
            ],
        },
    ],
}

SPEC_KEYS = {
    "months",
    "averageMonthlyIncome",
    "thresholds",
    "status",
    "validFrom",
    "validTo",
    "gmiBenefit",
    "housingBenefit",
    "categories",
    "reasons",
}


def _set(path: list[str | int], value: Any) -> Callable[[dict[str, Any]], None]:
    def change(case: dict[str, Any]) -> None:
        target: Any = case
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value

    return change


def _drop(path: list[str | int]) -> Callable[[dict[str, Any]], None]:
    def change(case: dict[str, Any]) -> None:
        target: Any = case
        for part in path[:-1]:
            target = target[part]
        del target[path[-1]]

    return change


def _add_vid(case: dict[str, Any]) -> None:
    case["members"][0]["vid"] += [
        {"month": "2026-09", "incomeType": "SALARY", "netAmount": "1.00"},
        {"month": "2026-10", "incomeType": "SALARY", "netAmount": "12.345"},
    ]


# (id, change to the good case, field path that stderr must name)
BAD_CASES: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    ("unknown-municipality", _set(["municipality"], "0999999"), "municipality"),
    ("date-before-first-row", _set(["applicationDate"], "2020-12-31"), "applicationDate"),
    ("no-municipal-row-yet", _set(["applicationDate"], "2023-12-31"), "applicationDate"),
    ("amount-three-decimals", _add_vid, "members[0].vid[2].netAmount"),
    ("amount-not-a-number", _set(["savings"], "abc"), "savings"),
    ("amount-as-json-number", _set(["members", 0, "vsaa", 0, "paidAmount"], 420.0), "paidAmount"),
    ("negative-amount", _set(["housingExpenses", "RENT"], "-1.00"), "housingExpenses.RENT"),
    ("missing-birth-date", _drop(["members", 1, "birthDate"]), "members[1].birthDate"),
    ("bad-birth-date", _set(["members", 1, "birthDate"], "2012-02-30"), "members[1].birthDate"),
    ("duplicate-member-id", _set(["members", 1, "id"], "a"), "members[1].id"),
    (
        "unknown-income-type",
        _set(["members", 0, "vid", 0, "incomeType"], "LOTTERY"),
        "members[0].vid[0].incomeType",
    ),
    (
        "unknown-benefit-type",
        _set(["members", 1, "vsaa", 0, "benefitType"], "GIFT"),
        "members[1].vsaa[0].benefitType",
    ),
    (
        "unknown-declared-type",
        _set(["declaredIncome", 0, "type"], "LOTTERY"),
        "declaredIncome[0].type",
    ),
    (
        "declared-unknown-member",
        _set(["declaredIncome", 0, "memberId"], "zz"),
        "declaredIncome[0].memberId",
    ),
    ("unknown-housing-type", _set(["housingExpenses", "POOL"], "1.00"), "housingExpenses.POOL"),
    ("missing-flag", _drop(["cooperationAgreement"]), "cooperationAgreement"),
    ("flag-as-string", _set(["propertyConditionsMet"], "yes"), "propertyConditionsMet"),
    ("unknown-field", _set(["savingz"], "1.00"), "savingz"),
    ("no-members", _set(["members"], []), "members"),
    ("bad-month", _set(["members", 0, "vid", 0, "month"], "2026-8"), "members[0].vid[0].month"),
    # money and dates on the wire are ASCII: Arabic-Indic and full-width digits are refused
    (
        "arabic-indic-amount",
        _set(["members", 0, "vid", 0, "netAmount"], "\u0664\u0660\u0660.\u0660\u0660"),
        "members[0].vid[0].netAmount",
    ),
    (
        "full-width-month",
        _set(["members", 0, "vid", 0, "month"], "２０２６-０８"),
        "members[0].vid[0].month",
    ),
    (
        "arabic-indic-month",
        _set(["members", 0, "vsaa", 0, "month"], "٢٠٢٦-08"),
        "members[0].vsaa[0].month",
    ),
    ("full-width-date", _set(["applicationDate"], "２０２６-11-03"), "applicationDate"),
    ("amount-with-newline", _set(["savings"], "120.00\n"), "savings"),
    (
        "month-with-newline",
        _set(["members", 0, "vid", 0, "month"], "2026-08\n"),
        "members[0].vid[0].month",
    ),
    (
        "adult-disability-without-group",
        _set(["members", 0, "disability", "group"], None),
        "members[0].disability.group",
    ),
]


def _write(tmp_path: Path, case: object, name: str = "case.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(case), encoding="utf-8")
    return path


def _bad_case(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    case = copy.deepcopy(GOOD_CASE)
    change(case)
    return case


def _run(path: Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(path, out, err)
    return code, out.getvalue(), err.getvalue()


def test_good_case_has_exactly_the_keys_of_the_spec(tmp_path: Path) -> None:
    code, out, err = _run(_write(tmp_path, GOOD_CASE))
    assert (code, err) == (0, "")
    result = json.loads(out)
    assert set(result) == SPEC_KEYS | {"explanation"}
    assert list(result)[: len(SPEC_KEYS)] == [
        "months",
        "averageMonthlyIncome",
        "thresholds",
        "status",
        "validFrom",
        "validTo",
        "gmiBenefit",
        "housingBenefit",
        "categories",
        "reasons",
    ]
    assert result["months"] == ["2026-08", "2026-09", "2026-10"]
    assert set(result["thresholds"]) == {"gmi", "poor", "lowIncome"}
    # 400 + 420 + 3 x 50 = 970.00 over three months; the family benefit is not counted.
    assert result["averageMonthlyIncome"] == "323.33"
    assert result["thresholds"] == {"gmi": "318.00", "poor": "723.00", "lowIncome": "1011.00"}
    assert result["status"] == "POOR"
    # A pensioner and a child: nobody of working age and able to work, so 6 months.
    assert (result["validFrom"], result["validTo"]) == ("2026-11-01", "2027-04-30")
    assert result["gmiBenefit"] is None
    # A pensioner and a child on 2026-11-03: K 1.7 (row from 2026-05-01);
    # 318 x 1.7 + 200.00 - 323.33 = 540.60 + 200.00 - 323.33 = 417.27, every month of the six.
    months = ["2026-11", "2026-12", "2027-01", "2027-02", "2027-03", "2027-04"]
    assert result["housingBenefit"] == {
        "monthlyAmount": "417.27",
        "coefficient": "1.7",
        "householdType": "pension_age_or_disability_with_children",
        "validFrom": "2026-11-01",
        "validTo": "2027-04-30",
        "schedule": [{"month": m, "amount": "417.27", "coefficient": "1.7"} for m in months],
    }
    assert result["categories"] == {"a": "PENSION_AGE", "b": "CHILD"}
    assert all(isinstance(reason, str) for reason in result["reasons"])
    members = result["explanation"]["members"]
    assert [m["memberId"] for m in members] == ["a", "b"]
    assert members[1]["excluded"][0]["type"] == "FAMILY_STATE_BENEFIT"


def test_status_none_has_null_validity(tmp_path: Path) -> None:
    case = copy.deepcopy(GOOD_CASE)
    case["savings"] = "1000.00"
    code, out, _ = _run(_write(tmp_path, case))
    result = json.loads(out)
    assert code == 0 and result["status"] == "NONE"
    assert result["validFrom"] is None and result["validTo"] is None
    assert result["gmiBenefit"] is None and result["housingBenefit"] is None


@pytest.mark.parametrize(("name", "change", "field"), BAD_CASES, ids=[c[0] for c in BAD_CASES])
def test_bad_input_names_the_field(
    name: str, change: Callable[[dict[str, Any]], None], field: str, tmp_path: Path
) -> None:
    code, out, err = _run(_write(tmp_path, _bad_case(change)))
    assert code == 2, name
    assert out == ""
    assert err.startswith("error: ")
    assert any(line.startswith(f"error: {field}") or field in line for line in err.splitlines())


def test_missing_file(tmp_path: Path) -> None:
    code, _, err = _run(tmp_path / "010190-12345.json")
    assert code == 2 and err == "error: --case: the file does not exist\n"


def test_directory_instead_of_file(tmp_path: Path) -> None:
    code, _, err = _run(tmp_path)
    assert code == 2 and err.startswith("error: --case: ")


@pytest.mark.parametrize("text", ["{", "", "[1, 2", '{"a": 1, "a": 2}'])
def test_invalid_json(text: str, tmp_path: Path) -> None:
    path = tmp_path / "case.json"
    path.write_text(text, encoding="utf-8")
    code, _, err = _run(path)
    assert code == 2 and err.startswith("error: --case: ")


def test_json_that_is_not_an_object(tmp_path: Path) -> None:
    code, _, err = _run(_write(tmp_path, [GOOD_CASE]))
    assert code == 2 and err == "error: case: must be a JSON object\n"


def test_errors_never_repeat_personal_data(tmp_path: Path) -> None:
    secret_id = "01019012345"
    case = copy.deepcopy(GOOD_CASE)
    case["members"][0]["id"] = secret_id
    case["members"][1]["id"] = secret_id
    case["members"][1]["birthDate"] = "2012-02-30"
    case["declaredIncome"][0]["memberId"] = "190101-54321"
    case["savings"] = "12.345"
    code, _, err = _run(_write(tmp_path, case, name=f"{secret_id}.json"))
    assert code == 2
    for secret in (secret_id, "2012-02-30", "190101-54321", "12.345"):
        assert secret not in err


def test_every_problem_is_reported(tmp_path: Path) -> None:
    case = _bad_case(_set(["members", 1, "id"], "a"))
    case["declaredIncome"][0]["type"] = "LOTTERY"
    code, _, err = _run(_write(tmp_path, case))
    assert code == 2
    assert err.splitlines() == [
        "error: members[1].id: duplicates members[0].id",
        "error: declaredIncome[0].type: unknown declared income type, expected one of ALIMONY, "
        "ASSISTANT_BENEFIT, CHARITY, COELIAC_CHILD_BENEFIT, IRREGULAR, ONE_OFF_EXEMPT, "
        "OTHER_REGULAR, PIT_REFUND, SCHOLARSHIP, STUDENT_LOAN, TRANSPORT_COMPENSATION",
    ]


# --- the real command line ------------------------------------------------------------------


def _tilts_command() -> list[str]:
    script = Path(sys.executable).with_name("tilts")
    return [str(script)] if script.exists() else [sys.executable, "-m", "tilts.shell.cli"]


def _cli(path: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "TILTS_CONFIG"}
    return subprocess.run(
        [*_tilts_command(), "assess", "--case", str(path)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
        check=False,
    )


def test_cli_good_case(tmp_path: Path) -> None:
    completed = _cli(_write(tmp_path, GOOD_CASE), tmp_path)
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout)
    assert set(result) - {"explanation"} == SPEC_KEYS
    assert result["status"] == "POOR"


@pytest.mark.parametrize(("name", "change", "field"), BAD_CASES, ids=[c[0] for c in BAD_CASES])
def test_cli_bad_input_exits_2_naming_the_field(
    name: str, change: Callable[[dict[str, Any]], None], field: str, tmp_path: Path
) -> None:
    completed = _cli(_write(tmp_path, _bad_case(change)), tmp_path)
    assert completed.returncode == 2, (name, completed.stderr)
    assert completed.stdout == ""
    assert field in completed.stderr
    assert all(line.startswith("error: ") for line in completed.stderr.splitlines())


@pytest.mark.parametrize("kind", ["missing", "invalid-json"])
def test_cli_unreadable_case(kind: str, tmp_path: Path) -> None:
    path = tmp_path / "case.json"
    if kind == "invalid-json":
        path.write_text("{not json", encoding="utf-8")
    completed = _cli(path, tmp_path)
    assert completed.returncode == 2
    assert completed.stderr.startswith("error: --case: ")


def test_public_api_is_importable_from_the_package(tmp_path: Path) -> None:
    """``from assessment import ...`` (see conftest.py for why the tests import submodules)."""
    code = (
        "import inspect, assessment\n"
        "from assessment.command import run\n"
        "assert set(assessment.__all__) <= set(dir(assessment)), 'missing re-export'\n"
        "print(list(inspect.signature(run).parameters))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],  # the repository root comes first on sys.path
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "['case_file', 'out', 'err', 'explain']"


def test_tests_import_the_regular_package() -> None:
    """``tilts.assessment`` is the regular package (the repository's assessment/), not a namespace."""
    from tilts import assessment

    assert assessment.__file__ is not None
    assert callable(assessment.assess)


def test_output_on_a_terminal_without_unicode(tmp_path: Path) -> None:
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="ascii")
    assert run(_write(tmp_path, GOOD_CASE), out, io.StringIO()) == 0
    out.flush()
    result = json.loads(raw.getvalue().decode("ascii"))
    assert any("§" in reason for reason in result["reasons"])
