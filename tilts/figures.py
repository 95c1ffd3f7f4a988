"""The figures every flow run reports (operations.md §7), rendered for artifacts and the CLI."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from tilts.logsafe import scrub

# What a chunk task reports that the run adds up (a task says ``changed`` for records_changed)
CHUNK_COUNTERS = ("records_changed", "not_found", "invalid", "quarantined", "rekeyed", "deaths",
                  "moved_out")  # fmt: skip


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
    duration_s: float = 0.0
    failures: list[str] = field(default_factory=list)
    will_retry: list[str] = field(default_factory=list)
    parked: list[str] = field(default_factory=list)  # parked notifications with reasons

    def add_counts(self, counts: Mapping[str, Any]) -> None:
        """Add the chunk counters of ``counts``, keyed by figure name (absent ones count 0)."""
        for name in CHUNK_COUNTERS:
            setattr(self, name, getattr(self, name) + int(counts.get(name, 0)))

    def add_chunk(self, res: Mapping[str, Any]) -> None:
        """Add one finished chunk task's counters (the task says ``changed``)."""
        self.add_counts({**res, "records_changed": res.get("changed", 0)})

    def chunk_failed(self, where: str, exc: BaseException) -> None:
        """Record a chunk task that failed (``where``: municipality, service, size)."""
        self.failures.append(f"{where}: {type(exc).__name__}: {scrub(str(exc))}")

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
        return [
            {"figure": k, "value": v}
            for k, v in self.as_dict().items()
            if k not in ("flow", "failures", "will_retry", "parked")
        ]

    def markdown(self) -> str:
        """A short markdown summary for a Prefect markdown artifact."""
        lines = [f"# {self.flow}", "", "| figure | value |", "|---|---|"]
        lines += [f"| {row['figure']} | {row['value']} |" for row in self.table()]
        lines.append("")
        lines.append("**Failed:** " + ("; ".join(self.failures) if self.failures else "nothing"))
        lines.append("")
        lines.append(
            "**Will be retried:** " + ("; ".join(self.will_retry) if self.will_retry else "nothing")
        )
        if self.parked:
            lines += ["", "**Parked notifications** (resolve with `tilts notify --retry-parked ID`"
                      " or `--discard ID`):", *(f"- {p}" for p in self.parked)]  # fmt: skip
        return "\n".join(lines)

    @property
    def exit_code(self) -> int:
        """0 ok; 1 some records failed or parts failed (operations.md §3)."""
        return 1 if (self.failures or self.quarantined or self.notifications_parked) else 0
