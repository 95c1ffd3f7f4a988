"""``tilts status``: how far each registry's first fetch has got (issue 15; property.md §4).

Per municipality and per-person registry: the persons the registry answered for at least once,
the persons of the caseload it is asked about (answerable open-case subjects), and the nights
the rest take at the service's night budget (``gateway.services.<name>.night_calls`` /
``night_minutes``: ``flows/work/budget.py``). No personal data: counts only.
"""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tilts.kernel.config import TiltsSettings
from tilts.registries import by_service, per_person
from tilts.store.budget import fetch_progress
from tilts.store.models import Municipality


def first_fetches(session: Session, settings: TiltsSettings) -> list[dict[str, Any]]:
    """One row per municipality and per-person registry with a caseload."""
    rows: list[dict[str, Any]] = []
    for mid, atvk in session.execute(select(Municipality.id, Municipality.atvk)):
        for service in per_person():
            fetched, caseload = fetch_progress(session, mid, by_service(service).source)
            if not caseload:
                continue
            per_night = settings.gateway.services[service].persons_per_night()
            left = caseload - fetched
            nights = 0 if not left else (1 if per_night is None else math.ceil(left / per_night))
            rows.append(
                {
                    "municipality": atvk,
                    "service": service,
                    "fetched": fetched,
                    "caseload": caseload,
                    "per_night": per_night,
                    "nights_left": nights,
                }
            )
    return rows


def render_first_fetches(rows: list[dict[str, Any]] | None) -> list[str]:
    """The status lines: ``<atvk> <service> fetched/caseload (percent), nights to finish``."""
    if rows is None:
        return []
    lines = ["First fetch (persons fetched at least once / caseload):"]
    for r in rows:
        share = r["fetched"] / r["caseload"] * 100
        budget = "no budget" if r["per_night"] is None else f"{r['per_night']}/night"
        left = "done" if not r["nights_left"] else f"~{r['nights_left']} night(s) to finish"
        lines.append(
            f"  {r['municipality']} {r['service']:<8} {r['fetched']:>7}/{r['caseload']:<7}"
            f" ({share:5.1f}%)  {left} ({budget})"
        )
    return lines if rows else [*lines, "  no caseload"]
