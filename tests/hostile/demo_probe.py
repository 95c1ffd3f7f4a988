"""Run ``tilts demo`` in this process, then dump what Prefect and its tasks saw (a test helper).

``python -m tests.hostile.demo_probe OUT.json -- <tilts demo options>``: every task's call
parameters are recorded as they are passed (Prefect's API keeps only references to them), the
demo runs through the real CLI, and afterwards every flow run (name, parameters, state message),
task run (name, inputs, state message), log line and artifact is read back through the Prefect
API of the run's own ``PREFECT_HOME`` and written to ``OUT.json`` with the demo's exit code.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from prefect import tasks

CALLS: list[str] = []


def _record_task_parameters() -> None:
    """Wrap ``Task.__call__``/``submit``/``map`` to keep a repr of every call's parameters."""
    for method in ("__call__", "submit", "map"):
        original = getattr(tasks.Task, method)

        def wrapper(self: Any, *args: Any, __original: Any = original, **kwargs: Any) -> Any:
            CALLS.append(f"{self.name}: {args!r} {kwargs!r}")
            return __original(self, *args, **kwargs)

        setattr(tasks.Task, method, wrapper)


async def _read_back() -> dict[str, list[str]]:
    from prefect.client.orchestration import get_client

    out: dict[str, list[str]] = {"flow_runs": [], "task_runs": [], "logs": [], "artifacts": []}
    async with get_client() as client:
        offset = 0
        while page := await client.read_flow_runs(limit=200, offset=offset):
            out["flow_runs"] += [
                f"{r.name} {r.parameters!r} {r.state.message if r.state else ''}" for r in page
            ]
            offset += len(page)
        offset = 0
        while page := await client.read_task_runs(limit=200, offset=offset):
            out["task_runs"] += [
                f"{r.name} {r.task_inputs!r} {r.state.message if r.state else ''}" for r in page
            ]
            offset += len(page)
        offset = 0
        while page := await client.read_logs(limit=200, offset=offset):
            out["logs"] += [f"{r.name} {r.message}" for r in page]
            offset += len(page)
        offset = 0
        while page := await client.read_artifacts(limit=200, offset=offset):
            out["artifacts"] += [f"{a.key} {a.description} {a.data!r}" for a in page]
            offset += len(page)
    return out


def main(argv: list[str]) -> int:
    out_path, args = Path(argv[0]), argv[argv.index("--") + 1 :]
    _record_task_parameters()
    from tilts.shell.cli import app

    try:
        result = app(["demo", *args], standalone_mode=False)
        code = result if isinstance(result, int) else 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    dump: dict[str, Any] = {"exit_code": code, "task_parameters": CALLS}
    dump.update(asyncio.run(_read_back()))
    out_path.write_text(json.dumps(dump, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
