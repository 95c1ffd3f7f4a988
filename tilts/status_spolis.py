"""The SPOLIS part of ``tilts status``: benefit cross-check overlaps are households flagged for
review (spolis.md §5), shown beside the re-assessment's flags — by municipality, external
household id, month, the other municipality and the benefit; never a personal code."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from store.spolis_reports import crosscheck_counts, crosscheck_flags

NEWEST = 10


def with_crosscheck_flags(session: Session, flags: dict[str, Any]) -> dict[str, Any]:
    """``flags`` (the status's flagged households) with the open cross-check flags added."""
    if not inspect(session.get_bind()).has_table("spolis_crosscheck_flag"):
        return flags  # a store before migration 0004_spolis
    counts = {f"SPOLIS_OVERLAP_{kind}": n for kind, n in crosscheck_counts(session).items()}
    newest = [
        {
            "municipality": f.municipality,
            "household": f.household,
            "decision": f.month,
            "reason": f"SPOLIS_OVERLAP_{f.kind}",
            "detail": f"{f.kind} also granted by municipality {f.other_atvk} in {f.month}",
            "flagged_at": f.flagged_at,
        }
        for f in crosscheck_flags(session, limit=NEWEST)
    ]

    def when(row: dict[str, Any]) -> datetime:
        moment: datetime = row["flagged_at"]
        return moment.replace(tzinfo=None)

    merged = sorted([*flags.get("newest", []), *newest], key=when, reverse=True)[:NEWEST]
    return {
        "open": int(flags.get("open", 0)) + sum(counts.values()),
        "by_reason": {**flags.get("by_reason", {}), **counts},
        "newest": merged,
    }
