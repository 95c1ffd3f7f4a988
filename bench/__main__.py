"""Benchmarks; each prints figures and no personal data.

    python -m bench population --persons 10000 100000 [--changed-pct 1]
    python -m bench nightly --persons 10000 [--changed-pct 1] [--unlimited] [--latency-ms 20]

Each size runs in a fresh process so that its peak memory is its own. ``nightly`` prints a
table and, as its last line, ``key=value`` pairs.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from typing import Any

from bench.common import bench_world, peak_rss_mb


def population_once(persons: int, changed_pct: float) -> dict[str, Any]:
    """Full then incremental population sync of ``persons``."""
    from flows.sync_population import sync_population

    with bench_world(persons) as world:
        t0 = time.perf_counter()
        full = sync_population(config_path=str(world.config), full=True, chunk_size=5000)
        full_s = time.perf_counter() - t0
        world.mocks.advance(1, change_rate=changed_pct / 100)
        t1 = time.perf_counter()
        incr = sync_population(config_path=str(world.config), chunk_size=5000)
        incr_s = time.perf_counter() - t1
    return {
        "persons": world.subjects,
        "full_s": round(full_s, 1),
        "full_persons_per_s": round(world.subjects / full_s, 1),
        "full_calls": full["registry_calls"],
        "incremental_s": round(incr_s, 1),
        "incremental_persons": incr["persons_considered"],
        "incremental_share_pct": round(100 * incr_s / full_s, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "failures": len(full["failures"]) + len(incr["failures"]),
    }


def nightly_once(
    persons: int, changed_pct: float, unlimited: bool, latency_ms: int
) -> dict[str, Any]:
    """The full nightly sync (all five registries) of ``persons``; optional incremental night."""
    from prefect import flow

    from flows.nightly import nightly_sync
    from tilts.timing import BUSY

    @flow(name="bench-warm-up")
    def warm_up() -> None:
        return None

    warm_up()  # the first flow of a process pays for starting the local API: not ours to count
    with bench_world(persons, unlimited=unlimited, latency_ms=latency_ms) as world:
        today = world.mocks.admin_get("clock")["today"]
        t0 = time.monotonic()
        full = nightly_sync(config_path=str(world.config), as_of=today, chunk_size=5000)
        t1 = time.monotonic()
        ours = BUSY.covered(t0, t1)
        out: dict[str, Any] = {
            "persons": world.subjects,
            "wall_s": round(t1 - t0, 1),
            "persons_per_s": round(world.subjects / (t1 - t0), 1),
            "calls": full["registry_calls"],
            "calls_per_s": round(full["registry_calls"] / (t1 - t0), 1),
            "retried": full["calls_retried"],
            "failures": len(full["failures"]),
            "prefect_overhead_pct": round(100 * (1 - ours / (t1 - t0)), 1),
        }
        if changed_pct:
            world.mocks.advance(1, change_rate=changed_pct / 100)
            t2 = time.monotonic()
            incr = nightly_sync(config_path=str(world.config), as_of=today, chunk_size=5000)
            t3 = time.monotonic()
            out["incremental_s"] = round(t3 - t2, 1)
            out["incremental_changed"] = incr["records_changed"]
    out["peak_rss_mb"] = round(peak_rss_mb(), 1)
    return out


def _in_fresh_process(args: list[str]) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-m", "bench", *args], check=False, capture_output=True, text=True
    )
    if proc.returncode != 0:
        raise SystemExit(f"benchmark process failed:\n{proc.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def _table(rows: list[dict[str, Any]]) -> None:
    keys = list(rows[0])
    print(" | ".join(f"{k:>22}" for k in keys))
    for row in rows:
        print(" | ".join(f"{row[k]!s:>22}" for k in keys))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    sub = parser.add_subparsers(dest="cmd", required=True)
    pop = sub.add_parser("population", help="population sync, full and incremental")
    pop.add_argument("--persons", type=int, nargs="+", default=[10_000, 100_000])
    pop.add_argument("--changed-pct", type=float, default=1.0)
    night = sub.add_parser("nightly", help="the nightly sync over all five registries")
    night.add_argument("--persons", type=int, nargs="+", default=[10_000])
    night.add_argument("--changed-pct", type=float, default=0.0)
    night.add_argument("--latency-ms", type=int, default=0)
    night.add_argument("--unlimited", action="store_true", help="mock and client rate limits off")
    for name in ("_population", "_nightly"):
        once = sub.add_parser(name)
        once.add_argument("--persons", type=int)
        once.add_argument("--changed-pct", type=float)
        once.add_argument("--latency-ms", type=int, default=0)
        once.add_argument("--unlimited", action="store_true")
    args = parser.parse_args()
    if args.cmd == "_population":
        print(json.dumps(population_once(args.persons, args.changed_pct)))
    elif args.cmd == "_nightly":
        print(
            json.dumps(
                nightly_once(args.persons, args.changed_pct, args.unlimited, args.latency_ms)
            )
        )
    elif args.cmd == "population":
        _table(
            [
                _in_fresh_process(
                    ["_population", "--persons", str(n), "--changed-pct", str(args.changed_pct)]
                )
                for n in args.persons
            ]
        )
    else:
        extra = ["--unlimited"] if args.unlimited else []
        rows = [
            _in_fresh_process(
                ["_nightly", "--persons", str(n), "--changed-pct", str(args.changed_pct),
                 "--latency-ms", str(args.latency_ms), *extra]
            )
            for n in args.persons
        ]  # fmt: skip
        _table(rows)
        last = rows[-1]
        print(
            f"persons_per_s={last['persons_per_s']} calls_per_s={last['calls_per_s']} "
            f"peak_rss_mb={last['peak_rss_mb']} prefect_overhead_pct={last['prefect_overhead_pct']}"
        )


if __name__ == "__main__":
    main()
