"""The one clock of every calendar date a flow means: Europe/Riga, whatever the host's zone.

"Today" (the nightly's as-of day, the expiry day), "last month" (SPOLIS monthly report,
co-financing) and "the 15th" are Riga dates (operations.md §5): a worker on a UTC host at
23:30 UTC on 6 December is already on 7 December in Riga. Every such date comes from
:func:`riga_today` (or :func:`riga_now`); instants stored in the database (``created_at``,
leases, run starts) stay UTC (``store.ops.now``).

``TILTS_NOW`` pins the instant this module answers with (an ISO 8601 instant with its offset,
e.g. ``2026-12-06T22:30:00+00:00``): the date tests run flows at a chosen moment on either
side of Riga's midnight in subprocesses under any ``TZ``. A value without an offset is
rejected (it would mean a different instant on every host).
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from tilts.kernel.errors import ConfigError

RIGA = ZoneInfo("Europe/Riga")
PIN_ENV = "TILTS_NOW"


def riga_now() -> datetime:
    """The current instant as a Riga wall-clock time (timezone-aware)."""
    pinned = os.environ.get(PIN_ENV)
    if not pinned:
        return datetime.now(RIGA)
    try:
        instant = datetime.fromisoformat(pinned)
    except ValueError:
        raise ConfigError(f"{PIN_ENV}: not an ISO 8601 instant: {pinned!r}") from None
    if instant.tzinfo is None:
        raise ConfigError(f"{PIN_ENV}: {pinned!r} has no UTC offset (e.g. +00:00)")
    return instant.astimezone(RIGA)


def riga_today() -> date:
    """Today's date in Riga."""
    return riga_now().date()


def riga_date(instant: datetime) -> date:
    """The Riga date of an aware instant (a naive one is taken as UTC)."""
    aware = instant if instant.tzinfo is not None else instant.replace(tzinfo=UTC)
    return aware.astimezone(RIGA).date()


def day_or_today(as_of: str | None) -> date:
    """``as_of`` (YYYY-MM-DD) when given, else Riga's today: a flow's "day"."""
    return date.fromisoformat(as_of) if as_of else riga_today()
