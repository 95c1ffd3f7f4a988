"""``tilts demo``: the whole pipeline on one machine, on the embedded defaults.

Starts the mocks on a free loopback port, writes its own configuration, creates a fresh store,
seeds it with a caseload drawn from the mock population, runs the sync, advances the mock
clock a week, runs it again, and prints the figures and where to look next.
"""

from __future__ import annotations

import os
import shutil
from collections import defaultdict
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from flows.runtime import open_store
from store.caseload import seed_households
from store.db import transaction
from store.ops import ensure_municipality
from tilts.config import demo_municipalities, load_settings

DEMO_SECRETS = {
    "TILTS_SECRET_DEMO_OGRE": "demo-ogre-secret",
    "TILTS_SECRET_DEMO_TUKUMS": "demo-tukums-secret",
}


def write_config(path: Path, base_url: str, store_url: str) -> None:
    """The demo's configuration file (secrets come from the environment)."""
    lines = [
        "# Written by `tilts demo`. Secrets are read from TILTS_SECRET_<CLIENT_ID>.",
        "[store]",
        f'url = "{store_url}"',
        "",
        "[gateway]",
        f'base_url = "{base_url}"',
        'user_id = "LVsvc-demo"',
        "",
    ]
    for key, muni in demo_municipalities().items():
        lines += [
            f"[municipalities.{key}]",
            f'atvk = "{muni.atvk}"',
            f'name = "{muni.name}"',
            f'member_code = "{muni.member_code}"',
            f'client_id = "{muni.client_id}"',
            'issue = "MK809-demo"',
            "",
        ]
    path.write_text("\n".join(lines), encoding="utf-8")


def seed_caseload(
    config: Path, sample: dict[str, list[dict[str, Any]]], households: int
) -> dict[str, int]:
    """Open a case for ``households`` households per municipality from the mock sample."""
    settings = load_settings(config)
    _, factory = open_store(settings.store.url)
    seeded: dict[str, int] = {}
    for muni in settings.municipalities.values():
        groups: dict[str, list[str]] = defaultdict(list)
        for p in sample[muni.atvk]:
            groups[str(p["householdId"])].append(p["personCode"])
        chosen = list(groups.items())[:households]
        with transaction(factory) as s:
            mid = ensure_municipality(s, muni.atvk, muni.name)
            seeded[muni.atvk] = seed_households(s, mid, chosen, opened_on=_today())
    return seeded


def _today() -> Any:
    from datetime import date

    return date.today()


def run_demo(persons: int, households: int, workdir: Path) -> int:
    """Run the demo; returns the exit code."""
    from mocks.harness import running_mocks

    from flows.sync_population import sync_population

    console = Console()
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    os.environ.update(DEMO_SECRETS)
    # The demo's Prefect runs go into a Prefect home of its own, so they never contend with
    # another local Prefect process for ~/.prefect and can be browsed afterwards.
    prefect_home = (workdir / "prefect").resolve()
    os.environ.setdefault("PREFECT_HOME", str(prefect_home))
    config = workdir / "tilts.toml"
    with running_mocks(persons=persons) as mocks:
        console.print(f"[bold]Mocks[/] serving {persons:,} synthetic persons at {mocks.base_url}")
        write_config(config, mocks.base_url, f"sqlite:///{(workdir / 'tilts.db').resolve()}")
        sample = {
            m.atvk: mocks.sample(m.atvk, households * 6) for m in demo_municipalities().values()
        }
        seeded = seed_caseload(config, sample, households)
        console.print(
            f"[bold]Store[/] seeded: {seeded} households with an open case per municipality"
        )
        first = sync_population(config_path=str(config))
        mocks.advance(7)
        console.print(
            "[bold]Clock[/] advanced 7 days: deaths, moves, code changes in the change feed"
        )
        second = sync_population(config_path=str(config))
    table = Table(title="Population sync: first night, then a week later")
    table.add_column("figure")
    table.add_column("first run", justify="right")
    table.add_column("after 7 days", justify="right")
    for key in first:
        if key in ("flow", "failures", "will_retry"):
            continue
        table.add_row(key, str(first[key]), str(second[key]))
    console.print(table)
    for label, figs in (("first run", first), ("second run", second)):
        for line in figs.get("failures") or []:
            console.print(f"[red]{label} failed:[/] {line}")
    console.print(
        f"Store: {workdir / 'tilts.db'}  ·  config: {config}\n"
        f"Next: `TILTS_CONFIG={config} tilts status`; browse the runs with "
        f"`PREFECT_HOME={prefect_home} prefect server start`."
    )
    return 0 if not (first.get("failures") or second.get("failures")) else 1
