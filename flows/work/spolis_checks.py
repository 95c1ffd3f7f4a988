"""The benefit cross-check and the co-financing pull (spolis.md §5, §6).

Cross-check: every person of a household drawing GMI or housing benefit in the month (a
granted decision valid on some day of it and not revoked by its first day; members of the
household in the month) is asked about in batches of ≤ 500 codes. A person whom another
municipality grants the *same* benefit in that month is flagged for review — by household,
internal person id, month, the other ATVK and the kind; never by code. Nothing is changed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from tilts.assessment import Month
from tilts.flows.runtime import Runtime
from tilts.flows.work.spolis_gateway import spolis_client, spolis_gateway
from tilts.store import spolis_reads as reads
from tilts.store.db import transaction
from tilts.store.models import Decision
from tilts.store.ops import now
from tilts.store.spolis_reports import Overlap, open_crosscheck_flags, store_cofinancing

CHECKED_KINDS = ("BENEFIT_GMI", "BENEFIT_HOUSING")


def drawing(rt: Runtime, atvk: str, month: Month) -> dict[int, dict[int, set[str]]]:
    """Person id → household id → the kinds (GMI, housing) the household draws in ``month``."""
    mid = rt.municipality_id(atvk)
    first, last = month.first_day, month.last_day
    with rt.factory() as s:
        granted = reads.decisions(s, mid, CHECKED_KINDS, outcome="GRANTED")
        revoked = {
            d.revokes_decision_id
            for d in reads.decisions(s, mid, CHECKED_KINDS, outcome="REVOKED")
            if d.valid_from is not None and d.valid_from <= first
        }
        live = [d for d in granted if d.id not in revoked and _overlaps(d, month)]
        members = reads.memberships(s, [d.household_id for d in live])
    out: dict[int, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    for d in live:
        for m in members.get(d.household_id, []):
            if (m.member_from is None or m.member_from <= last) and (
                m.member_to is None or m.member_to >= first
            ):
                out[m.person_id][d.household_id].add(d.kind)
    return out


def _overlaps(d: Decision, month: Month) -> bool:
    return (
        d.valid_from is not None
        and d.valid_from <= month.last_day
        and (d.valid_to is None or d.valid_to >= month.first_day)
    )


@dataclass(frozen=True)
class CheckResult:
    """Persons asked about, overlaps found, flags newly opened and households newly flagged."""

    persons: int
    overlaps: int
    opened: int
    households: int


def cross_check(rt: Runtime, atvk: str, month: Month) -> CheckResult:
    """Ask SPOLIS about every person drawing GMI or housing benefit; flag the overlaps."""
    draws = drawing(rt, atvk, month)
    with rt.factory() as s:
        people = reads.persons(s, list(draws))
    by_code = {people[pid].code: pid for pid in draws if pid in people}
    codes = sorted(by_code)
    client = spolis_client(rt, atvk)
    size = spolis_gateway(rt, atvk).batch_size("spolis")
    overlaps: list[Overlap] = []
    for start in range(0, len(codes), size):
        batch = codes[start : start + size]
        for code, result in zip(
            batch, client.benefit_checks(batch, str(month), list(CHECKED_KINDS)), strict=True
        ):
            pid = by_code[code]
            for other in result.get("otherMunicipalities") or []:
                if other.get("atvk") == atvk:
                    continue
                for hid, kinds in draws[pid].items():
                    if other.get("kind") in kinds:
                        overlaps.append(
                            Overlap(hid, pid, str(month), str(other["atvk"]), str(other["kind"]),
                                    other.get("validFrom"), other.get("validTo"))
                        )  # fmt: skip
    with transaction(rt.factory) as s:
        opened = open_crosscheck_flags(s, rt.municipality_id(atvk), overlaps, now(), rt.key)
    households = len({o.household_id for o in overlaps}) if opened else 0
    return CheckResult(len(codes), len(overlaps), opened, households)


def pull_cofinancing(rt: Runtime, atvk: str, month: Month) -> str:
    """Fetch the month's co-financing and store it beside the month's report; its status."""
    answer = spolis_client(rt, atvk).cofinancing(atvk, str(month))
    with transaction(rt.factory) as s:
        store_cofinancing(s, rt.municipality_id(atvk), answer, now())
    return str(answer["status"])
