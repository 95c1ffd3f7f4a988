"""tilts/kernel/clock.py: Riga dates from a pinned instant (the process-level test is in
tests/deploy/test_run_truth.py, flows under two host zones)."""

from __future__ import annotations

import os
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tilts.kernel.clock import day_or_today, riga_date, riga_now, riga_today
from tilts.kernel.errors import ConfigError


@pytest.mark.parametrize(
    ("instant", "day"),
    [
        ("2026-12-31T21:59:59+00:00", date(2026, 12, 31)),  # 23:59:59 in Riga (UTC+2)
        ("2026-12-31T22:00:00+00:00", date(2027, 1, 1)),  # midnight in Riga
        ("2027-01-01T11:30:00+14:00", date(2026, 12, 31)),  # Kiritimati's 1 January morning
        ("2026-06-30T21:00:00+00:00", date(2026, 7, 1)),  # summer time: UTC+3
    ],
)
def test_riga_today_from_a_pinned_instant(
    monkeypatch: pytest.MonkeyPatch, instant: str, day: date
) -> None:
    monkeypatch.setenv("TILTS_NOW", instant)
    assert riga_today() == day
    assert day_or_today(None) == day
    assert day_or_today("2026-01-15") == date(2026, 1, 15)
    assert riga_now().utcoffset() is not None
    assert riga_date(datetime.fromisoformat(instant)) == day


def test_a_pinned_instant_without_offset_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TILTS_NOW", "2026-12-31T23:30:00")
    with pytest.raises(ConfigError, match=r"TILTS_NOW.*no UTC offset"):
        riga_today()
    monkeypatch.setenv("TILTS_NOW", "yesterday")
    with pytest.raises(ConfigError, match="not an ISO 8601 instant"):
        riga_today()


def test_unpinned_is_now_in_riga(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TILTS_NOW", raising=False)
    assert abs((riga_now() - datetime.now(UTC)).total_seconds()) < 5
    assert riga_date(datetime(2026, 12, 31, 22, 30)) == date(2027, 1, 1)  # naive: UTC


# the host's calendar: date.today(), datetime.today(), datetime.now() without a zone, localtime
_HOST_DATE = re.compile(
    r"\b(?:date|datetime)\.today\(\)|\bdatetime\.now\(\)|\btime\.localtime\b|\bfromtimestamp\([^,)]*\)"
)


def test_no_module_but_the_clock_reads_the_hosts_calendar() -> None:
    """Every date a flow means comes from tilts/kernel/clock.py (operations.md §5): no other
    module of the package asks the host for today's date or a naive local time. The mocks keep
    their own movable clock and are left out."""
    package = Path(__file__).resolve().parents[2] / "tilts"
    sources = [  # the layer folders are symlinks (tilts/flows -> ../flows): follow them
        Path(folder, name)
        for folder, _dirs, names in os.walk(package, followlinks=True)
        for name in names
        if name.endswith(".py")
    ]
    assert len(sources) > 100, len(sources)
    found = [
        f"{path.relative_to(package)}:{n}: {line.strip()}"
        for path in sorted(sources)
        if path.relative_to(package).parts[0] != "mocks" and path.name != "clock.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if _HOST_DATE.search(line.split("#", 1)[0])
    ]
    assert found == [], found


def test_no_test_but_this_one_reads_the_hosts_calendar() -> None:
    """A test that compares what a flow stored with "today" asks the same clock: between
    midnight in Riga and midnight UTC the host's date is the day before Riga's (seen: the NVA
    stipend test failed from 22:00 to 24:00 UTC, its household asked as of the host's date)."""
    tests = Path(__file__).resolve().parents[1]
    found = [
        f"{path.relative_to(tests)}:{n}: {line.strip()}"
        for path in sorted(tests.rglob("*.py"))
        if path != Path(__file__).resolve()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if _HOST_DATE.search(line.split("#", 1)[0])
    ]
    assert found == [], found


def test_the_host_calendar_check_catches_a_call() -> None:
    assert _HOST_DATE.search("    return date.today() + START_HORIZON")
    assert _HOST_DATE.search("stamp = datetime.now()")
    assert not _HOST_DATE.search("stamp = datetime.now(UTC)")
