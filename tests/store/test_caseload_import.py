"""``--close-missing`` never closes a case because its rows were refused, nor everything
because a file loaded nothing (the import's function, on SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from tilts.kernel.config import demo_municipalities
from tilts.kernel.errors import InputError
from tilts.shell.caseload import import_rows
from tilts.store.db import make_engine, session_factory, transaction
from tilts.store.models import Case

OGRE = demo_municipalities()["ogre"]
TODAY = date(2026, 12, 7)


def _row(case: str, code: str, opened: str = "2025-01-01") -> dict[str, Any]:
    return {"caseNumber": case, "householdId": f"H-{case}", "personCode": code,
            "caseOpenedOn": opened}  # fmt: skip


def _statuses(factory: Any) -> dict[str, str]:
    with factory() as s:
        return {c.case_number: c.status for c in s.scalars(select(Case))}


def test_refused_rows_keep_their_case_open(store_url: str) -> None:
    factory = session_factory(make_engine(store_url))
    first = [(2, _row("SD-1", "32000000001")), (3, _row("SD-2", "32000000002")),
             (4, _row("SD-3", "32000000003"))]  # fmt: skip
    with transaction(factory) as s:
        import_rows(s, OGRE, first, [], TODAY)
    # a full export in which SD-2's row is bad (no such day) and SD-3 is gone
    second = [(2, _row("SD-1", "32000000001")), (3, _row("SD-2", "32000000002", "2025-02-30"))]
    with transaction(factory) as s:
        fig = import_rows(s, OGRE, second, [], TODAY, close_missing=True)
    assert fig["quarantined"] == 1 and fig["cases_closed"] == 1
    assert _statuses(factory) == {"SD-1": "OPEN", "SD-2": "OPEN", "SD-3": "CLOSED"}
    with pytest.raises(InputError, match="--close-missing"), transaction(factory) as s:
        import_rows(s, OGRE, [(2, _row("SD-1", "1"))], [], TODAY, close_missing=True)
    assert _statuses(factory)["SD-1"] == "OPEN"
