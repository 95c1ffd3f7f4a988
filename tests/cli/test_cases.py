"""``tilts cases import`` / ``export`` run as processes on SQLite and PostgreSQL: the file's
rows land as households, members and cases; bad rows are quarantined naming the field (never
the personal code); the same file twice changes nothing; a case missing from a full export is
closed only with ``--close-missing``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from tilts.store.db import make_engine, session_factory
from tilts.store.models import Case, HouseholdMember, Quarantine

from .test_cli import tilts

# valid new-format codes (registries.md: "3" then 2-9, no birth date)
A, B, C, D = "32000000001", "32000000002", "32000000003", "32000000004"
HEADER = (
    "caseNumber,householdId,personCode,roles,memberFrom,memberTo,caseOpenedOn,caseClosedOn,"
    "ukrainianCivilian\n"
)


def _config(tmp_path: Path, url: str) -> Path:
    cfg = tmp_path / "tilts.toml"
    cfg.write_text(
        f'[store]\nurl = "{url}"\n'
        '[municipalities.ogre]\natvk = "0040000"\nname = "Ogres novads"\n'
        'member_code = "90000000040"\nclient_id = "demo-ogre"\n',
        encoding="utf-8",
    )
    return cfg


def _run(cfg: Path, *args: str) -> tuple[int, str, str]:
    proc = tilts(*args, "--config", str(cfg), cwd=cfg.parent)
    return proc.returncode, proc.stdout, proc.stderr


def _figures(cfg: Path, path: Path, *extra: str) -> tuple[int, dict[str, object], str]:
    code, out, err = _run(cfg, "cases", "import", str(path), "--json", *extra)
    assert "Traceback" not in err, err
    return code, json.loads(out), out + err


def _state(url: str) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    with session_factory(make_engine(url))() as s:
        cases = [
            (c.case_number, c.status, str(c.opened_on), str(c.closed_on), c.ukrainian_civilian)
            for c in s.scalars(select(Case).order_by(Case.case_number))
        ]
        members = [
            (m.household_id, m.person_id, m.roles, str(m.member_to))
            for m in s.scalars(select(HouseholdMember).order_by(HouseholdMember.id))
        ]
    return cases, members


def test_import_is_idempotent_updates_and_closes_only_when_asked(
    store_url: str, tmp_path: Path
) -> None:
    cfg = _config(tmp_path, store_url)
    first = tmp_path / "caseload.csv"
    first.write_text(
        HEADER
        + f"SD-1,H1,{A},MEMBER;OWNER;CONTRACT_HOLDER,2025-01-01,,2025-01-01,,false\n"
        + f"SD-1,H1,{B},CHILD,,,2025-01-01,,false\n"
        + f"SD-2,H2,{C},,,,2025-03-01,,true\n",
        encoding="utf-8",
    )
    code, fig, text = _figures(cfg, first)
    assert code == 0, text
    assert (fig["households_created"], fig["cases_created"], fig["members_added"]) == (2, 2, 3)
    cases, members = _state(store_url)
    assert cases == [
        ("SD-1", "OPEN", "2025-01-01", "None", False),
        ("SD-2", "OPEN", "2025-03-01", "None", True),
    ]
    assert [m[2] for m in members] == ["MEMBER,OWNER,CONTRACT_HOLDER", "CHILD", "MEMBER"]

    code, again, text = _figures(cfg, first)  # the same file twice changes nothing
    assert code == 0, text
    changed = {k: v for k, v in again.items() if isinstance(v, int) and v and k.endswith(
        ("created", "updated", "closed", "added", "ended"))}  # fmt: skip
    assert changed == {}
    assert _state(store_url) == (cases, members)

    # a changed row updates; B left the household; SD-2 is not in this (partial) file
    second = tmp_path / "changed.jsonl"
    rows = [
        {"caseNumber": "SD-1", "householdId": "H1", "personCode": A, "roles": "MEMBER;OWNER",
         "caseOpenedOn": "2025-01-01", "caseClosedOn": "2026-06-30", "ukrainianCivilian": True},
    ]  # fmt: skip
    second.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    code, fig, text = _figures(cfg, second)
    assert code == 0, text
    assert (fig["cases_updated"], fig["members_updated"], fig["members_ended"]) == (1, 1, 1)
    assert fig["cases_closed"] == 0  # SD-2 missing, but no --close-missing
    cases, members = _state(store_url)
    assert cases == [
        ("SD-1", "CLOSED", "2025-01-01", "2026-06-30", True),
        ("SD-2", "OPEN", "2025-03-01", "None", True),
    ]
    assert members[1][3] != "None"  # B's membership ended
    code, fig, text = _figures(cfg, second, "--close-missing")
    assert code == 0 and fig["cases_closed"] == 1, text
    assert _state(store_url)[0][1][1] == "CLOSED"


def test_bad_rows_are_quarantined_naming_the_field(store_url: str, tmp_path: Path) -> None:
    cfg = _config(tmp_path, store_url)
    path = tmp_path / "caseload.csv"
    bad_code = "01019012345"  # the check digit does not match
    path.write_text(
        HEADER
        + f"SD-1,H1,{A},MEMBER,,,2025-01-01,,false\n"
        + f"SD-2,H2,{bad_code},MEMBER,,,2025-01-01,,false\n"
        + f"SD-3,H3,{C},BOSS,,,2025-01-01,,false\n"
        + f"SD-4,H4,{D},MEMBER,,,2025-13-01,,false\n"
        + f"SD-5,H5,{B},MEMBER,,,2025-01-01,,maybe\n",
        encoding="utf-8",
    )
    code, fig, text = _figures(cfg, path)
    assert code == 1, text  # the job ran, some records failed
    assert fig["rows_imported"] == 1 and fig["quarantined"] == 4
    reasons = "\n".join(str(r) for r in fig["bad_rows"])  # type: ignore[attr-defined]
    for field in ("line 3: personCode", "line 4: roles", "line 5: caseOpenedOn",
                  "line 6: ukrainianCivilian"):  # fmt: skip
        assert field in reasons, reasons
    assert bad_code not in text
    listed = _run(cfg, "quarantine", "list", "--service", "caseload")
    assert listed[0] == 0 and "case" in listed[1].splitlines()[0]
    assert "SD-2" in listed[1] and "H2" in listed[1] and bad_code not in listed[1]
    _figures(cfg, path)  # the same bad file again quarantines nothing new
    with session_factory(make_engine(store_url))() as s:
        assert len(list(s.scalars(select(Quarantine)))) == 4


def test_export_writes_what_import_reads(store_url: str, tmp_path: Path) -> None:
    cfg = _config(tmp_path, store_url)
    src = tmp_path / "in.csv"
    src.write_text(
        HEADER
        + f"SD-1,H1,{A},MEMBER;OWNER,2025-01-01,,2025-01-01,,true\n"
        + f"SD-1,H1,{B},CHILD,,,2025-01-01,,true\n"
        + f"SD-2,H2,{C},MEMBER,,,2025-03-01,2026-01-31,false\n",
        encoding="utf-8",
    )
    assert _run(cfg, "cases", "import", str(src))[0] == 0
    out = tmp_path / "out.csv"
    code, stdout, err = _run(cfg, "cases", "export", str(out), "--json")
    assert code == 0, err
    summary = json.loads(stdout)
    assert (summary["cases"], summary["open_cases"], summary["persons"]) == (2, 1, 3)
    assert out.read_text(encoding="utf-8") == src.read_text(encoding="utf-8")
    code, fig, text = _figures(cfg, out)  # importing the export changes nothing
    assert code == 0 and fig["cases_updated"] == 0 and fig["members_updated"] == 0, text
    code, stdout, err = _run(cfg, "cases", "export", "--format", "jsonl")
    assert code == 0 and len(stdout.splitlines()) == 3 and '"ukrainianCivilian": true' in stdout
    assert "rows" in err  # the summary on stderr when the rows go to stdout


@pytest.mark.parametrize(
    ("content", "name", "needle"),
    [
        ("caseNumber,household\n", "x.csv", "unknown column 'household'"),
        ("caseNumber\n", "x.csv", "missing column householdId"),
        ("{}", "x.txt", "--format"),
    ],
)
def test_unusable_file_is_bad_input(content: str, name: str, needle: str, tmp_path: Path) -> None:
    cfg = _config(tmp_path, f"sqlite:///{tmp_path / 's.db'}")
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    code, _out, err = _run(cfg, "cases", "import", str(path))
    assert code == 2 and needle in err and "Traceback" not in err


def test_the_documented_columns_are_the_schemas() -> None:
    """docs/caseload-format.md's table names exactly the columns the import reads, with the
    same required ones (a column documented but not read, or read but not documented, is a
    file the case application cannot get right)."""
    import re

    from tilts.schemas.caseload import COLUMNS, REQUIRED

    doc = (Path(__file__).resolve().parents[2] / "docs" / "caseload-format.md").read_text(
        encoding="utf-8"
    )
    rows = re.findall(r"^\| `(\w+)` \| (yes|no) \|", doc, flags=re.MULTILINE)
    assert [name for name, _ in rows] == list(COLUMNS)
    assert {name for name, required in rows if required == "yes"} == set(REQUIRED)
