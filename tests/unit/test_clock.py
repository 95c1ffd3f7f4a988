"""tilts/kernel/clock.py: Riga dates from a pinned instant (the process-level test is in
tests/deploy/test_run_truth.py, flows under two host zones)."""

from __future__ import annotations

from datetime import UTC, date, datetime

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
