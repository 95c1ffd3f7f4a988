"""pytest-xdist's ``--dist loadfile``, the longest test files first.

xdist hands out whole files (a module's Prefect server or mock world is set up once) in the
order of their number of tests, so the files with one or two long tests (the deployment
suites, the demo scans) came last and the run ended with one worker busy for minutes while
the other idled. Here a worker that runs out of work gets the longest file left, by the
rough seconds of ``file_seconds.json`` (a file not in it: half a second per test), and only
then: no file waits queued behind a long one on a busy worker while the other worker has
nothing left (xdist's own policy queues the next file while two tests are left).

The table's first figures: the files a run on a loaded machine finished (its seconds over
2.8, that run's slowdown), the others estimated from CI runs' figures (the deployment suites,
the demo scan, the load test) or from their tests. Write it again from a full run's
``--junitxml`` report with ``python -m tests.scheduling junit.xml``; a stale table only
orders the files less well, it never leaves a test out.
"""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

import pytest
from xdist.remote import Producer
from xdist.scheduler import LoadFileScheduling
from xdist.workermanage import WorkerController

TABLE = Path(__file__).with_name("file_seconds.json")
UNKNOWN_S_PER_TEST = 0.5


class LongestFileFirst(LoadFileScheduling):
    """``--dist loadfile`` ordered by the measured seconds of each file, longest first."""

    def __init__(self, config: pytest.Config, log: Producer | None = None) -> None:
        super().__init__(config, log)
        self.seconds: dict[str, float] = json.loads(TABLE.read_text(encoding="utf-8"))

    def cost(self, scope: str) -> float:
        known = self.seconds.get(scope)
        return known if known is not None else UNKNOWN_S_PER_TEST * len(self.workqueue[scope])

    def _assign_work_unit(self, node: WorkerController) -> None:
        longest = max(self.workqueue, key=self.cost)
        self.workqueue.move_to_end(longest, last=False)  # the base class pops the first
        super()._assign_work_unit(node)

    def _reschedule(self, node: WorkerController) -> None:
        if node.shutting_down:
            return
        if not self.workqueue:
            node.shutdown()
            return
        # A worker holds its last test back until it knows the next one (the module's
        # teardown depends on it): one test pending means it is idle, waiting for work.
        if self._pending_of(self.assigned_work[node]) <= 1:
            self._assign_work_unit(node)


def measured(junit_xml: Path) -> dict[str, float]:
    """Seconds per test file (setup, call and teardown of its tests) from a JUnit report."""
    root = Path(__file__).resolve().parents[1]
    seconds: dict[str, float] = defaultdict(float)
    for case in ET.parse(junit_xml).iter("testcase"):
        parts = (case.get("classname") or "").split(".")  # tests.cli.test_verbs[.Class]
        files = ["/".join(parts[:i]) + ".py" for i in range(len(parts), 0, -1)]
        path = next((f for f in files if (root / f).is_file()), None)
        if path is not None:
            seconds[path] += float(case.get("time") or 0)
    return {path: round(s, 1) for path, s in sorted(seconds.items())}


if __name__ == "__main__":
    table = measured(Path(sys.argv[1]))
    TABLE.write_text(json.dumps(table, indent=1) + "\n", encoding="utf-8")
    print(f"{len(table)} files, {sum(table.values()):.0f} s")
