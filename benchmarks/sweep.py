#!/usr/bin/env python3
"""Sweep throughput: 64 short runs on 1 and on 2 local workers (issue 7's benchmark).

    python benchmarks/sweep.py [--days 200] [--workers 2]

Prints the wall time of the same 64 runs (16 base-stock levels x 4 replications of the single
retailer) run in-process one after another and on a process pool, the speed-up (target >= 1.8x
on 2 cores) and the overhead per task against the simulation time, and checks that both give
the same table.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import pandas as pd

from chainsim.engine.run import resolve
from chainsim.experiments.sweep import execute, plan_tasks, run_sweep

EXAMPLE = Path(__file__).resolve().parents[1] / "scenarios" / "examples" / "single_retailer.yaml"


def sweep(days: int) -> SimpleNamespace:
    base = resolve(EXAMPLE, days=days, warmup=20, replications=4)
    levels = list(range(30, 62, 2))  # 16 points x 4 replications = 64 runs
    scenarios = []
    for s in levels:
        raw = base.model_dump(by_alias=True)
        raw["nodes"][1]["policy"]["S"] = s
        scenarios.append(resolve(raw))
    return SimpleNamespace(file="bench", base_path=EXAMPLE, design="grid",
                           parameters=["nodes.shop.policy.S"],
                           points=[{"nodes.shop.policy.S": s} for s in levels],
                           replications=4, metrics=None, scenarios=scenarios, precision=None)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=200)
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    spec = sweep(a.days)
    plan = plan_tasks(len(spec.points), spec.replications)
    tasks = len(plan)
    timings = {}
    for workers in (1, a.workers):  # the execution alone: tasks run and their rows returned
        rows = []
        t = time.perf_counter()
        execute(spec.scenarios, plan, workers=workers,
                done=lambda task, r, rows=rows: rows.extend(r))
        timings[workers] = time.perf_counter() - t
    serial, pooled = timings[1], timings[a.workers]
    speedup = serial / pooled
    overhead = (pooled * a.workers - serial) / tasks
    with tempfile.TemporaryDirectory() as tmp:  # and the whole sweep gives one table
        t = time.perf_counter()
        one, _ = run_sweep(spec, Path(tmp) / "one", workers=1)
        whole = time.perf_counter() - t
        many, _ = run_sweep(spec, Path(tmp) / "many", workers=a.workers)
    pd.testing.assert_frame_equal(one, many)
    print(f"64 runs ({a.days} days each) in {tasks} tasks")
    print(f"  1 worker (in process): {serial:.2f} s   {a.workers} workers: {pooled:.2f} s")
    print(f"  speed-up {speedup:.2f}x (target >= 1.8x on 2 cores); overhead per task "
          f"{overhead * 1e3:.1f} ms against {serial / tasks * 1e3:.1f} ms of simulation")
    print(f"  a whole sweep on 1 worker, with tables and figures: {whole:.2f} s; "
          f"tables identical on 1 and {a.workers} workers: yes")


if __name__ == "__main__":
    main()
