"""The figures every flow run reports (operations.md §7), rendered for artifacts and the CLI."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from tilts.kernel.logsafe import scrub

# What a chunk task reports that the run adds up (a task says ``changed`` for records_changed)
CHUNK_COUNTERS = ("records_changed", "not_found", "invalid", "quarantined", "rekeyed", "deaths",
                  "moved_out")  # fmt: skip
# What the summary's municipality × service table counts per part (``"<atvk> <service>"``)
PART_COUNTERS = ("persons", "changed", "not_found", "invalid", "quarantined", "failed_chunks")
LISTS = ("failures", "will_retry", "parked", "parts", "deferred")


@dataclass
class RunFigures:
    """Counters of one flow run; no personal data, ever."""

    flow: str
    persons_considered: int = 0
    registry_calls: int = 0
    calls_retried: int = 0
    rate_limited_honoured: int = 0
    records_changed: int = 0
    not_found: int = 0
    invalid: int = 0
    quarantined: int = 0
    rekeyed: int = 0
    deaths: int = 0
    moved_out: int = 0
    households_flagged: int = 0
    households_unassessable: int = 0  # re-assessment could not build or assess their case
    notifications_delivered: int = 0
    notifications_parked: int = 0
    notifications_retried: int = 0  # could not be delivered now; waiting for their backoff
    notifications_queued: int = 0  # EXPIRED notifications written by expire_statuses
    submissions_accepted: int = 0
    submissions_rejected: int = 0
    # due persons a registry's night budget left for the next nights (flows/work/budget.py)
    deferred_by_budget: int = 0
    duration_s: float = 0.0
    failures: list[str] = field(default_factory=list)
    will_retry: list[str] = field(default_factory=list)
    parked: list[str] = field(default_factory=list)  # parked notifications with reasons
    # per municipality and service ("<atvk> <service>"): PART_COUNTERS
    parts: dict[str, dict[str, int]] = field(default_factory=dict)
    # per municipality and service: the persons its night budget deferred
    deferred: dict[str, int] = field(default_factory=dict)

    def add_counts(self, counts: Mapping[str, Any]) -> None:
        """Add the chunk counters of ``counts``, keyed by figure name (absent ones count 0)."""
        for name in CHUNK_COUNTERS:
            setattr(self, name, getattr(self, name) + int(counts.get(name, 0)))

    def add_chunk(self, res: Mapping[str, Any], part: str | None = None) -> None:
        """Add one finished chunk task's counters (the task says ``changed``); ``part``
        (``"<atvk> <service>"``) adds them to that row of the breakdown too."""
        self.add_counts({**res, "records_changed": res.get("changed", 0)})
        if part is not None:
            self.add_part(part, res)

    def failed(
        self, where: str, why: BaseException | str | None = None, retry: str | None = None
    ) -> None:
        """Record one failure line: ``<where>: <ExceptionType>: <message>`` (or ``<where>:
        <why>``, or ``where`` alone), masked here — the one place a failure line is built
        (``tests/test_failure_lines.py`` bans building one by hand); ``retry``: what the next
        run will do about it (a "will be retried" line, masked too)."""
        if isinstance(why, BaseException):
            where = f"{where}: {type(why).__name__}: {why}"
        elif why is not None:
            where = f"{where}: {why}"
        self.failures.append(scrub(where))
        if retry is not None:
            self.will_retry.append(scrub(retry))

    def chunk_failed(self, where: str, exc: BaseException, part: str | None = None) -> None:
        """Record a chunk task that failed (``where``: municipality, service, size)."""
        self.failed(where, exc)
        if part is not None:
            self.add_part(part, {"failed_chunks": 1})

    def defer(self, part: str, persons: int) -> None:
        """Count ``persons`` a service's night budget left for later nights (``part``:
        ``"<atvk> <service>"``); they are due the next night, nothing failed."""
        self.deferred[part] = self.deferred.get(part, 0) + persons
        self.deferred_by_budget += persons

    def add_part(self, part: str, counts: Mapping[str, Any]) -> None:
        """Add ``counts`` (PART_COUNTERS by name) to one municipality × service row."""
        row = self.parts.setdefault(part, dict.fromkeys(PART_COUNTERS, 0))
        for name in PART_COUNTERS:
            row[name] += int(counts.get(name, 0) or 0)

    def merge_parts(self, parts: Mapping[str, Mapping[str, Any]]) -> None:
        """Add another run's breakdown (a fan-out child's) to this one's."""
        for part, counts in parts.items():
            self.add_part(part, counts)

    @property
    def throughput_per_s(self) -> float:
        """Persons per second over the whole run."""
        return self.persons_considered / self.duration_s if self.duration_s > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        """Plain dict (for the run log and JSON output)."""
        data = asdict(self)
        data["throughput_per_s"] = round(self.throughput_per_s, 1)
        data["duration_s"] = round(self.duration_s, 2)
        return data

    def table(self) -> list[dict[str, Any]]:
        """Rows ``{"figure", "value"}`` for a Prefect table artifact."""
        return [{"figure": k, "value": v} for k, v in self.as_dict().items() if k not in (
            "flow", *LISTS)]  # fmt: skip

    def attention(self) -> list[str]:
        """What needs someone's attention, most urgent first (empty: nothing)."""
        lines = [f"**Failed:** {f}" for f in self.failures]
        lines += [f"**Will be retried:** {w}" for w in self.will_retry]
        if self.quarantined:
            lines.append(f"**Quarantined:** {self.quarantined} record(s) — `tilts quarantine list`")
        if self.households_flagged:
            lines.append(f"**Flagged for review:** {self.households_flagged} household(s) — "
                         "`tilts status`")  # fmt: skip
        if self.parked:
            lines += [f"**Parked notification:** {p} (resolve with `tilts notify --retry-parked "
                      "ID` or `--discard ID`)" for p in self.parked]  # fmt: skip
        elif self.notifications_parked:
            lines.append(f"**Parked notifications:** {self.notifications_parked}")
        if self.submissions_rejected:
            lines.append(f"**Rejected by SPOLIS:** {self.submissions_rejected} submission(s)")
        return lines

    def headline(self) -> str:
        """One line: how the run ended (the flow run's state message says the same)."""
        if self.failures:
            return (f"{self.flow}: FAILED — {len(self.failures)} failure(s); what succeeded is "
                    "committed, the failed parts are retried by the next run")  # fmt: skip
        if self.quarantined:
            return f"{self.flow}: completed, {self.quarantined} record(s) quarantined"
        return f"{self.flow}: completed"

    def markdown(self) -> str:
        """The summary artifact: what needs attention first, then municipality × service,
        then the non-zero totals (the zero figures named on one line)."""
        need = self.attention()
        lines = [f"# {self.headline()}", "", "## Needs attention", ""]
        lines += [f"- {n}" for n in need] if need else ["Nothing needs attention."]
        busy = {p: r for p, r in sorted(self.parts.items()) if any(r.values())}
        if busy:
            lines += ["", "## By municipality and service", "",
                      "| municipality | service | " + " | ".join(PART_COUNTERS) + " |",
                      "|---|---|" + "---|" * len(PART_COUNTERS)]  # fmt: skip
            for part, row in busy.items():
                atvk, _, service = part.partition(" ")
                cells = " | ".join(str(row[c]) for c in PART_COUNTERS)
                lines.append(f"| {atvk} | {service} | {cells} |")
        idle = sorted(set(self.parts) - set(busy))
        if idle:
            lines += ["", f"Nothing to do: {', '.join(idle)}."]
        if self.deferred:
            lines += ["", "## Deferred by the night budget (due the next night)", "",
                      "| municipality | service | persons |", "|---|---|---|"]  # fmt: skip
            for part, persons in sorted(self.deferred.items()):
                atvk, _, service = part.partition(" ")
                lines.append(f"| {atvk} | {service} | {persons} |")
        rows = self.table()
        shown = [r for r in rows if r["value"] not in (0, 0.0)]
        lines += ["", "## Totals", "", "| figure | value |", "|---|---|"]
        lines += [f"| {r['figure']} | {r['value']} |" for r in shown]
        zero = [str(r["figure"]) for r in rows if r["value"] in (0, 0.0)]
        if zero:
            lines += ["", f"Zero: {', '.join(zero)}."]
        return "\n".join(lines)

    @property
    def exit_code(self) -> int:
        """0 ok; 1 some records failed or parts failed (operations.md §3)."""
        return 1 if (self.failures or self.quarantined or self.notifications_parked) else 0
