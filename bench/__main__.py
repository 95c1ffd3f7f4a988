"""Benchmarks; each prints figures and no personal data.

    python -m bench population --persons 10000 100000 [--changed-pct 1]
    python -m bench nightly --persons 100000 [--latency-ms 50] [--changed-pct 1] [--chunk-size N]
        [--refresh-days D] [--store sqlite|postgresql]
    python -m bench load --persons 100000 [--fault-rate 0.1] [--chunk-size N]

Each measurement runs in a fresh process so that its peak memory is its own. ``nightly``
measures, per size: the full night under the spec's rate limits (and the incremental night
with ``--changed-pct``), the same without rate limits, the naive client against Tilts with
20 ms per call, and with ``--latency-ms`` the full night at that latency — the five core
registries (registries.md) — then the property and further-income lanes (property.md) apart,
limits off, with the rate-limit bound of their calls (``property_…``); it prints a table
and, as its last line, ``persons_per_s=… unlimited_persons_per_s=… peak_rss_mb=…
prefect_overhead_pct=… naive_ratio=… cpu_ms_per_person=… bound_ratio=…``: our process's CPU
time per person in the unlimited night, and the full night's wall time over its rate-limit
bound (:func:`bench.common.rate_bound_s`). ``--store postgresql`` runs every measurement on a
database of its own on the local PostgreSQL, made and dropped by the bench.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from typing import Any

from bench.common import (
    bench_world,
    peak_rss_mb,
    profiled,
    rate_bound_s,
    rss_mb,
    rss_trace,
    sample_codes,
    set_refresh_days,
    switch_off,
)
from bench.naive import run_naive

NAIVE_SAMPLE = 200  # persons the naive client fetches (issue: at least 200, extrapolated)
NAIVE_LATENCY_MS = 20  # per call, on both sides of the naive comparison


def population_once(persons: int, changed_pct: float) -> dict[str, Any]:
    """Full then incremental population sync of ``persons``."""
    from tilts.flows.sync_population import sync_population

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
    persons: int, mode: str, changed_pct: float, latency_ms: int, chunk_size: int,
    refresh_days: int = 0, store: str = "sqlite",
) -> dict[str, Any]:  # fmt: skip
    """One measurement of the nightly sync of ``persons``, by ``mode``:

    ``full`` under the spec's rate limits (and the incremental night when ``changed_pct``);
    ``unlimited`` with the mocks' and our rate limits off; ``latency`` with ``latency_ms`` per
    call; ``naive`` with 20 ms per call: the naive client on a sample, then Tilts — all over
    the five core registries (registries.md), the property lanes switched off; ``property``:
    the property and further-income lanes (property.md) with the population's, limits off,
    the core registries switched off, and the rate-limit bound their calls would take.
    ``refresh_days``: the registries' refresh turn for the incremental night (0: the
    configured defaults).
    """
    from prefect import flow

    from tilts.flows.nightly import nightly_sync
    from tilts.flows.reporting import figures_of
    from tilts.kernel.timing import BUSY

    @flow(name="bench-warm-up")
    def warm_up() -> None:
        return None

    warm_up()  # the first flow of a process pays for starting the local API: not ours to count
    delay = {"latency": latency_ms, "naive": NAIVE_LATENCY_MS}.get(mode, 0)
    switch_off("registries.md" if mode == "property" else "property.md")
    with bench_world(
        persons, unlimited=mode in ("unlimited", "property"), latency_ms=delay, store=store
    ) as world:
        today = world.mocks.admin_get("clock")["today"]
        out: dict[str, Any] = {"persons": world.subjects}
        if mode == "naive":
            naive = run_naive(world.config, sample_codes(world, NAIVE_SAMPLE), today, world.work)
            out["sample_persons"] = naive.persons
            out["client_persons_per_s"] = round(naive.persons_per_s, 2)
        out["rss_before_night_mb"] = round(rss_mb(), 1)
        world.mocks.admin_delete("journal")
        cpu0 = time.process_time()
        t0 = time.monotonic()
        with rss_trace(), profiled("full"):
            full = figures_of(
                nightly_sync, config_path=str(world.config), as_of=today, chunk_size=chunk_size
            )
        t1 = time.monotonic()
        cpu = time.process_time() - cpu0
        ours = BUSY.covered(t0, t1)
        bound = rate_bound_s(world.mocks.journal())
        out |= {
            "wall_s": round(t1 - t0, 1),
            "persons_per_s": round(world.subjects / (t1 - t0), 1),
            "calls": full["registry_calls"],
            "calls_per_s": round(full["registry_calls"] / (t1 - t0), 1),
            "retried": full["calls_retried"],
            "failures": len(full["failures"]),
            "prefect_overhead_pct": round(100 * (1 - ours / (t1 - t0)), 1),
            "cpu_ms_per_person": round(1000 * cpu / world.subjects, 3),
        }
        if mode == "full":  # under the spec's limits: how close to what they allow
            out["rate_bound_s"] = round(bound, 1)
            out["bound_ratio"] = round((t1 - t0) / bound, 2) if bound else None
        if mode == "property":  # the limits are off: what they would cost (UR's GET per person)
            out["rate_bound_s"] = round(bound, 1)
        if mode == "naive":
            out["ratio"] = round(out["persons_per_s"] / out["client_persons_per_s"], 1)
        if mode == "full" and changed_pct:
            world.mocks.advance(1, change_rate=changed_pct / 100)
            if refresh_days:
                set_refresh_days(world.config, refresh_days)
                out["refresh_days"] = refresh_days
            t2 = time.monotonic()
            with profiled("incremental"):
                incr = figures_of(
                    nightly_sync,
                    config_path=str(world.config),
                    as_of=world.mocks.admin_get("clock")["today"],
                    chunk_size=chunk_size,
                )
            t3 = time.monotonic()
            out["incremental_s"] = round(t3 - t2, 1)
            out["incremental_share_pct"] = round(100 * (t3 - t2) / (t1 - t0), 1)
            out["incremental_calls"] = incr["registry_calls"]
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


def _table(sizes: list[int], rows: dict[int, dict[str, Any]]) -> None:
    """Figures down, sizes across."""
    keys = list(dict.fromkeys(k for n in sizes for k in rows[n]))
    print(f"{'':>28} | " + " | ".join(f"{n:>12,}" for n in sizes))
    for key in keys:
        print(f"{key:>28} | " + " | ".join(f"{rows[n].get(key, '-')!s:>12}" for n in sizes))


def nightly(
    persons: list[int], changed_pct: float, latency_ms: int, chunk_size: int, refresh_days: int,
    store: str = "sqlite",
) -> None:  # fmt: skip
    """Every mode for every size, each in a fresh process; the last line for the largest."""
    modes = ["full", "unlimited", "naive", "property"] + (["latency"] if latency_ms else [])
    rows: dict[int, dict[str, Any]] = {}
    for n in persons:
        row: dict[str, Any] = {}
        for mode in modes:
            res = _in_fresh_process(
                ["_nightly", "--persons", str(n), "--mode", mode, "--chunk-size", str(chunk_size),
                 "--changed-pct", str(changed_pct), "--latency-ms", str(latency_ms),
                 "--refresh-days", str(refresh_days), "--store", store]
            )  # fmt: skip
            prefix = "" if mode == "full" else f"{mode}_"
            row |= {f"{prefix}{k}": v for k, v in res.items()}
        if latency_ms:
            row["latency_ms"] = latency_ms
            row["latency_wall_ratio"] = round(row["latency_wall_s"] / row["wall_s"], 2)
        rows[n] = row
    print(f"store: {store}")
    _table(persons, rows)
    last = rows[persons[-1]]
    print(
        f"persons_per_s={last['persons_per_s']} "
        f"unlimited_persons_per_s={last['unlimited_persons_per_s']} "
        f"peak_rss_mb={last['peak_rss_mb']} prefect_overhead_pct={last['prefect_overhead_pct']} "
        f"naive_ratio={last['naive_ratio']} "
        f"cpu_ms_per_person={last['unlimited_cpu_ms_per_person']} "
        f"bound_ratio={last['bound_ratio']} "
        f"property_persons_per_s={last['property_persons_per_s']} "
        f"property_cpu_ms_per_person={last['property_cpu_ms_per_person']}"
    )


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
    night.add_argument("--chunk-size", type=int, default=5000)
    night.add_argument("--refresh-days", type=int, default=0)
    night.add_argument("--store", choices=["sqlite", "postgresql"], default="sqlite")
    load = sub.add_parser("load", help="the nightly under transient faults: nothing lost")
    load.add_argument("--persons", type=int, default=100_000)
    load.add_argument("--fault-rate", type=float, default=0.1)
    load.add_argument("--chunk-size", type=int, default=5000)
    once = sub.add_parser("_population")
    once.add_argument("--persons", type=int)
    once.add_argument("--changed-pct", type=float)
    once = sub.add_parser("_nightly")
    once.add_argument("--persons", type=int)
    once.add_argument("--mode", choices=["full", "unlimited", "latency", "naive", "property"])
    once.add_argument("--changed-pct", type=float, default=0.0)
    once.add_argument("--latency-ms", type=int, default=0)
    once.add_argument("--chunk-size", type=int, default=5000)
    once.add_argument("--refresh-days", type=int, default=0)
    once.add_argument("--store", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    if args.cmd == "_population":
        print(json.dumps(population_once(args.persons, args.changed_pct)))
    elif args.cmd == "_nightly":
        res = nightly_once(
            args.persons, args.mode, args.changed_pct, args.latency_ms, args.chunk_size,
            args.refresh_days, args.store,
        )  # fmt: skip
        print(json.dumps(res))
    elif args.cmd == "population":
        rows = {
            n: _in_fresh_process(
                ["_population", "--persons", str(n), "--changed-pct", str(args.changed_pct)]
            )
            for n in args.persons
        }
        _table(args.persons, rows)
    elif args.cmd == "load":
        from bench.load import run as run_load  # bench/load.py: in a fresh process of its own

        run_load(args.persons, args.fault_rate, args.chunk_size)
    else:
        nightly(
            args.persons, args.changed_pct, args.latency_ms, args.chunk_size, args.refresh_days,
            args.store,
        )  # fmt: skip


if __name__ == "__main__":
    main()
