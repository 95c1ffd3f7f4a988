"""Benchmarks. ``python -m bench population --persons 10000 100000``.

Each size runs in a fresh process (so peak memory is that size's own): the mocks start in a
subprocess seeded with N persons, a fresh SQLite store gets every sampled person as an open
case, then a full population sync runs, the mock clock advances so that ~1 % of persons
change, and the incremental sync runs. Prints persons/s and peak RSS; no personal data.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def population_once(persons: int, changed_pct: float) -> dict[str, Any]:
    """One size, in this process: full then incremental sync. Returns the figures."""
    from mocks.harness import running_mocks

    from flows.runtime import open_store
    from flows.sync_population import sync_population
    from store.caseload import seed_households
    from store.db import transaction
    from store.ops import ensure_municipality
    from tilts.config import load_settings
    from tilts.demo import DEMO_SECRETS, write_config

    os.environ.update(DEMO_SECRETS)
    work = Path(tempfile.mkdtemp(prefix="tilts-bench-"))
    config = work / "tilts.toml"
    with running_mocks(persons=persons, subprocess=True) as mocks:
        write_config(config, mocks.base_url, f"sqlite:///{work / 'bench.db'}")
        settings = load_settings(config)
        _, factory = open_store(settings.store.url)
        subjects = 0
        for muni in settings.municipalities.values():
            groups: dict[str, list[str]] = defaultdict(list)
            for p in mocks.sample(muni.atvk, persons):
                groups[str(p["householdId"])].append(p["personCode"])
            items = list(groups.items())
            for start in range(0, len(items), 5000):
                with transaction(factory) as s:
                    mid = ensure_municipality(s, muni.atvk, muni.name)
                    seed_households(s, mid, items[start : start + 5000], opened_on=date.today())
            subjects += sum(len(v) for v in groups.values())
        t0 = time.perf_counter()
        full = sync_population(config_path=str(config), full=True, chunk_size=5000)
        full_s = time.perf_counter() - t0
        mocks.advance(1, change_rate=changed_pct / 100)
        t1 = time.perf_counter()
        incr = sync_population(config_path=str(config), chunk_size=5000)
        incr_s = time.perf_counter() - t1
    return {
        "persons": subjects,
        "full_s": round(full_s, 1),
        "full_persons_per_s": round(subjects / full_s, 1),
        "full_calls": full["registry_calls"],
        "incremental_s": round(incr_s, 1),
        "incremental_persons": incr["persons_considered"],
        "incremental_share_pct": round(100 * incr_s / full_s, 1),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
        "failures": len(full["failures"]) + len(incr["failures"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    sub = parser.add_subparsers(dest="cmd", required=True)
    pop = sub.add_parser("population", help="population sync, full and incremental")
    pop.add_argument("--persons", type=int, nargs="+", default=[10_000, 100_000])
    pop.add_argument("--changed-pct", type=float, default=1.0)
    once = sub.add_parser("_population_once")
    once.add_argument("--persons", type=int)
    once.add_argument("--changed-pct", type=float)
    args = parser.parse_args()
    if args.cmd == "_population_once":
        print(json.dumps(population_once(args.persons, args.changed_pct)))
        return
    rows = []
    for n in args.persons:
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench",
                "_population_once",
                "--persons",
                str(n),
                "--changed-pct",
                str(args.changed_pct),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    keys = list(rows[0])
    print(" | ".join(f"{k:>20}" for k in keys))
    for row in rows:
        print(" | ".join(f"{row[k]!s:>20}" for k in keys))


if __name__ == "__main__":
    main()
