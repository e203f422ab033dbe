#!/usr/bin/env python3
"""Peak memory (RSS) of chainsim on the reference network: long vs short horizon, time series off/on.

Every case runs in a fresh child process (this file with ``--child``), which reports its own
peak RSS (Linux: ``VmHWM`` of /proc/self/status, because ``getrusage(RUSAGE_SELF).ru_maxrss``
of a child inherits the parent's resident size at fork; elsewhere ``ru_maxrss``); a *baseline* child per N does everything but the
simulation (imports chainsim and its engine, builds and resolves the reference scenario), and
``net`` = peak - baseline is what simulating costs. Cases therefore cannot contaminate each
other (freed memory that an allocator keeps, imports paid by an earlier case).

Two ways in:

* ``run`` -- ``chainsim.engine.run.Simulation(scenario, 0, timeseries=...).run()`` and its KPI
  rows: the engine alone. With time series on, its only state that grows with the horizon should
  be the preallocated arrays: 6 float64 fields x days x nodes (``expected``).
* ``simulate`` -- ``chainsim.simulate(scenario, timeseries=False | "first")``: what a user pays,
  including the KPI and summary DataFrames and, with time series on, the long time-series
  DataFrame (one row per node-day) built from the arrays.

With time series off, memory should be flat in the horizon (statistics are incremental): the
``growth`` from 365 to 3650 days should be ~0. With it on it should grow by about the arrays
(``run``), or the arrays plus the DataFrame (``simulate``).

    python benchmarks/memory.py                        # N = 200,2000 x days = 365,3650
    python benchmarks/memory.py --sizes 20 --via run   # small, a few seconds
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIELDS = 6            # chainsim.engine.recorder.FIELDS: on_hand, backorders, on_order, ...
MIB = 1024 * 1024


def _maxrss_bytes() -> int:
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return r if sys.platform == "darwin" else r * 1024   # Linux: KiB, macOS: bytes


def _vmhwm_bytes() -> int | None:
    """Linux: peak RSS of this process's address space (VmHWM), which starts afresh at exec."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def peak_rss_bytes() -> tuple[int, str]:
    """(peak RSS of this process, how it was read).

    Linux keeps ``ru_maxrss`` across fork and exec: a child started by a process that had 200 MB
    resident reports at least about that much, whatever it does itself (a fork copies the
    parent's resident pages into the count, exec keeps the maximum). VmHWM belongs to the address
    space created by exec, so it is the child's own peak; ``ru_maxrss`` is the fallback elsewhere.
    """
    hwm = _vmhwm_bytes()
    return (hwm, "VmHWM") if hwm is not None else (_maxrss_bytes(), "ru_maxrss")


def _current_rss_bytes() -> int | None:
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    import os

    return pages * os.sysconf("SC_PAGE_SIZE")


# ------------------------------------------------------------------------------------ child
def child(mode: str, n: int, days: int, seed: int) -> dict:
    """One case in this (fresh) process. ``mode``: baseline | run-off | run-on | simulate-off |
    simulate-on. Prints nothing itself; returns the measurements."""
    sys.path.insert(0, str(HERE))
    import reference

    import chainsim
    from chainsim.engine import run as engine_run  # pandas, simpy, numpy: paid by the baseline
    from chainsim.experiments.replicate import kpi_rows

    scn = engine_run.resolve(reference.scenario(n, days=days, seed=seed), replications=1,
                             days=days, seed=seed, warmup=0)
    before = _current_rss_bytes()
    frame = None
    t = time.perf_counter()
    if mode.startswith("run-"):
        sim = engine_run.Simulation(scn, 0, timeseries=mode == "run-on").run()
        kpi_rows(sim)
    elif mode.startswith("simulate-"):
        res = chainsim.simulate(scn, timeseries="first" if mode == "simulate-on" else False)
        if res.timeseries is not None:   # shallow: string columns as pandas counts them
            frame = int(res.timeseries.memory_usage(index=True, deep=False).sum())
    elif mode != "baseline":
        raise ValueError(f"unknown mode {mode!r}")
    return {"mode": mode, "n": n, "days": days, "nodes": len(scn.nodes),
            "secs": time.perf_counter() - t, "maxrss": peak_rss_bytes()[0],
            "peak_from": peak_rss_bytes()[1], "ru_maxrss": _maxrss_bytes(), "before": before,
            "frame": frame}


def measure(mode: str, n: int, days: int, seed: int = 1, timeout: float = 900) -> dict:
    """Run one case in a fresh interpreter; the child's measurements, or {"error": ...}."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", mode, str(n), str(days),
           str(seed)]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"mode": mode, "n": n, "days": days, "error": f"timeout after {timeout:.0f} s"}
    if p.returncode != 0:
        err = (p.stderr.strip().splitlines() or [f"exit code {p.returncode}"])[-1]
        return {"mode": mode, "n": n, "days": days, "error": err}
    return json.loads(p.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------------------------ driver
def expected_arrays(nodes: int, days: int) -> int:
    """Bytes of the time-series arrays: FIELDS float64 arrays of shape (days, nodes)."""
    return FIELDS * 8 * days * nodes


def run_memory(sizes: list[int], horizons: list[int], vias: list[str], seed: int = 1,
               log=None) -> list[dict]:
    """All cases; each row: n, days, via, ts (off/on), peak/baseline/net bytes, growth."""
    rows: list[dict] = []
    short = min(horizons)
    for n in sizes:
        base = measure("baseline", n, short, seed)
        for via in vias:
            for ts in ("off", "on"):
                got = {}
                for days in sorted(horizons):
                    t = time.perf_counter()
                    r = measure(f"{via}-{ts}", n, days, seed)
                    if log:
                        log(f"  memory N={n} days={days} {via} ts {ts} "
                            f"({time.perf_counter() - t:.1f} s wall)")
                    row = {"n": n, "days": days, "via": via, "ts": ts, **r,
                           "baseline": base.get("maxrss"), "baseline_error": base.get("error")}
                    if "maxrss" in r and "maxrss" in base:
                        row["net"] = r["maxrss"] - base["maxrss"]
                    if "before" in r and r["before"] is not None and "maxrss" in r:
                        row["in_child"] = r["maxrss"] - r["before"]
                    got[days] = row
                    rows.append(row)
                ref = got.get(short, {})
                for days, row in got.items():
                    if "net" in row and "net" in ref:
                        row["growth"] = row["net"] - ref["net"]
                    if ts == "on" and "nodes" in row:
                        # run: the arrays; simulate: the arrays + the time-series DataFrame
                        row["expected"] = expected_arrays(row["nodes"], days) + (row["frame"] or 0)
                        if "expected" in ref:
                            row["expected_growth"] = row["expected"] - ref["expected"]
    return rows


def _mib(x, spec: str = ".1f") -> str:
    return "-" if x is None else format(x / MIB, spec)


def memory_table(rows: list[dict]) -> tuple[str, list[str], list[list[str]]]:
    short = min((r["days"] for r in rows), default=365)
    head = ["N", "days", "via", "time series", "peak RSS MiB", "baseline MiB", "net MiB",
            f"growth vs {short} d MiB", "expected growth MiB", "peak − RSS before run MiB",
            "run s"]
    body = []
    for r in rows:
        if "error" in r:
            body.append([str(r["n"]), str(r["days"]), r["via"], r["ts"], "error: " + r["error"],
                         *["-"] * (len(head) - 5)])
            continue
        body.append([
            str(r["n"]), str(r["days"]), r["via"], r["ts"],
            _mib(r["maxrss"]), _mib(r.get("baseline")), _mib(r.get("net")),
            "-" if r["days"] == short else _mib(r.get("growth"), "+.1f"),
            "-" if r["days"] == short or "expected_growth" not in r
            else _mib(r["expected_growth"], "+.1f"),
            _mib(r.get("in_child")),
            f"{r['secs']:.2f}",
        ])
    how = rows[0].get("peak_from", "ru_maxrss") if rows else "ru_maxrss"
    title = (f"peak memory ({how}) of chainsim, one fresh process per case; baseline = a child "
             "that only imports chainsim and builds the scenario; net = peak − baseline; growth = "
             f"net − net at {short} days; expected (time series on): via run the arrays, "
             f"{FIELDS} float64 × days × nodes; via simulate the arrays + the time-series "
             "DataFrame (its pandas memory_usage)")
    return title, head, body


def memory_notes(rows: list[dict]) -> list[str]:
    """One line per (N, via, time series): flat or not, and measured vs expected growth."""
    out = []
    for r in rows:
        if "growth" not in r or r["days"] == min(x["days"] for x in rows):
            continue
        g = r["growth"] / MIB
        what = f"N={r['n']} {r['via']} time series {r['ts']}, {r['days']} d:"
        if r["ts"] == "off":
            out.append(f"{what} growth {g:+.1f} MiB -> "
                       + ("flat in the horizon" if abs(g) < max(2.0, 0.02 * r["net"] / MIB)
                          else "NOT flat"))
        elif r.get("expected_growth"):
            e = r["expected_growth"] / MIB
            out.append(f"{what} growth {g:+.1f} MiB, expected {e:+.1f} MiB "
                       + ("(arrays)" if r["via"] == "run" else "(arrays + DataFrame)")
                       + f": measured / expected = {g / e:.2f}")
    return out


def main(argv: list[str] | None = None) -> int:
    if argv is None and len(sys.argv) > 1 and sys.argv[1] == "--child":
        mode, n, days, seed = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
        print(json.dumps(child(mode, n, days, seed)))
        return 0
    ap = argparse.ArgumentParser(description="peak RSS of chainsim, time series off/on")
    ap.add_argument("--sizes", default="200,2000", help="retailer counts, comma-separated")
    ap.add_argument("--days", default="365,3650", help="horizons; growth is vs the shortest")
    ap.add_argument("--via", default="run,simulate",
                    help="run (Simulation.run, the engine) and/or simulate (chainsim.simulate)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", type=Path)
    a = ap.parse_args(argv)
    sys.path.insert(0, str(HERE))
    from run import print_table

    rows = run_memory([int(x) for x in a.sizes.split(",")], [int(x) for x in a.days.split(",")],
                      a.via.split(","), a.seed, log=lambda s: print(s, file=sys.stderr))
    print_table(*memory_table(rows))
    for line in memory_notes(rows):
        print(line)
    if a.json:
        a.json.write_text(json.dumps(rows, indent=1))
    return 1 if any("error" in r for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
