#!/usr/bin/env python3
"""Time chainsim against the bare-SimPy floor on the reference network, in one process.

For each N (retailers) x days it runs, one after the other in this process:

* chainsim: one replication of ``benchmarks/reference.py``'s scenario, warm-up 0, time series off
  (when the engine has a switch for it). ``chainsim s`` times the simulated days only
  (``Simulation.run``); validating the scenario, building the network and the KPI tables are
  timed apart. Without ``chainsim.engine.run.Simulation`` it times ``chainsim.simulate`` whole.
* with ``--per-node``: chainsim again with ``Simulation(..., vectorize=False)`` (every retailer its
  own node instead of retail groups; the same numbers, which the run checks), timed the same way.
* ``floor.py``'s ``run_nodes`` (one SimPy process per node) and ``run_vector`` (retailers of a DC as
  one numpy process), imported from ``benchmarks/floors/floor.py``; their own timers cover demand
  draws + ``env.run``.
* untimed, for the KPI comparison: the floor's plain day-by-day loop under chainsim's rules
  (partial shipments, and the inventory position that goes with them) fed the floor's demand, a
  few extra floor-vector seeds to measure the seed-to-seed noise of each KPI, and an exact check
  (the same loop fed chainsim's own demand draws must give chainsim's KPIs).

Ratios are chainsim seconds / floor seconds from the same run (absolute times on shared machines
are noisy; ratios in one run much less so). See benchmarks/README.md.

After the timing table it measures the CLI start-up (``startup.py``: ``chainsim --help``, best of
5 fresh processes, against 0.5 s) and peak memory (``memory.py``: peak RSS of each case in a fresh
process minus a baseline process, 365 vs 3650 days, time series off and on).

    python benchmarks/run.py                      # N = 20,200,2000 x days = 365,3650; start-up; memory
    python benchmarks/run.py --quick              # N = 20,200 x 365 days; start-up; memory at N = 20
    python benchmarks/run.py --per-node           # also time the per-node path (vectorize=False)
    python benchmarks/run.py --sizes 200 --days 3650 --json out.json
    python benchmarks/run.py --memory --startup   # only those two parts
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import inspect
import json
import math
import os
import platform
import subprocess
import sys
import time
import traceback
from collections import deque
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
# The team's yardsticks live in shared/bench/ beside the repository; benchmarks/floors/ holds a
# copy of them, so that a clone can run the benchmarks (tests/test_floors.py checks the copy is
# the same where shared/ is present).
FLOOR_PATH = Path(__file__).resolve().parent / "floors" / "floor.py"

sys.path.insert(0, str(HERE))
import reference  # noqa: E402  (benchmarks/reference.py, next to this file)

SEMANTICS = """\
Semantic differences between chainsim and the floor (same network, same (s,S), same day order,
same review order: retailers, then DCs, then M; siblings in index/file order, r000 before r199,
dc1 before dc2):
  * shipping: chainsim's suppliers (DCs, M) ship partially -- what is on hand now, the rest is
    backordered FIFO and shipped as stock arrives; the floor ships whole orders only (an order that
    does not fit waits and blocks the orders behind it).
  * inventory position: chainsim's IP = on hand + on order - backorders owed to buyers. The floor's
    DC/M IP also subtracts its waiting orders (backlog_qty); under whole-order shipping that backlog
    holds whole orders, under chainsim's rule only the unshipped remainders.
  * demand: chainsim spawns its random streams by name (DESIGN s2), the floor spawns one stream per
    retailer index, so the two see different Poisson(10) draws: KPIs agree only within sampling
    noise.
The 'floor+partial' column runs the floor's plain loop on the floor's own demand with chainsim's
partial shipments (and IP): its difference to 'floor' is the exact effect of the rules for this
seed, its difference to 'chainsim' the demand draws alone. The exact check feeds chainsim's own
demand draws to that loop."""


# ------------------------------------------------------------------------------------ machine
def machine_info() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()

    def ver(pkg: str) -> str:
        try:
            return version(pkg)
        except PackageNotFoundError:
            return "not installed"

    try:
        commit = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
            capture_output=True, text=True, timeout=10,
        ).stdout.strip() or "?"
        dirty = subprocess.run(
            ["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no", "src"],
            capture_output=True, text=True, timeout=10,
        ).stdout.strip()
        commit += " (src modified)" if dirty else ""
    except (OSError, subprocess.SubprocessError):
        commit = "?"
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "simpy": ver("simpy"),
        "numpy": ver("numpy"),
        "chainsim": ver("chainsim"),
        "chainsim_commit": commit,
        "platform": platform.platform(),
    }


# ------------------------------------------------------------------------------------ floor
def load_floor():
    """Import benchmarks/floors/floor.py by path; None (with a message) when it is missing."""
    if not FLOOR_PATH.is_file():
        print(f"floor.py not found at {FLOOR_PATH}: floor columns skipped", file=sys.stderr)
        return None
    spec = importlib.util.spec_from_file_location("chainsim_bench_floor", FLOOR_PATH)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def partial_loop(floor, n: int, days: int, seed: int, dem=None) -> tuple[float, float]:
    """floor.py's ``reference_loop`` with chainsim's shipping rule, on the floor's demand.

    Same network, day order and (s,S) as the floor, but a DC or M ships what it has on hand now
    and backorders the rest FIFO (shipped as stock arrives), as chainsim does (DESIGN s2). IP =
    on hand + on order - backorders owed to buyers. Returns (fill_rate, mean retailer on hand).
    ``dem`` (per retailer, a list of daily demands) replaces the floor's demand draws. Review
    order as in the floor and in chainsim: retailers, DCs, M; siblings in index order.
    """
    R_s, R_S, R_LT = floor.R_s, floor.R_S, floor.R_LT
    DC_LT, M_LT = floor.DC_LT, floor.M_LT
    if dem is None:
        dem = [d.tolist() for d in floor.draw_demand(n, days, seed)]
    sizes = floor.split(n)
    dc_of = [0] * sizes[0] + [1] * sizes[1]
    H = days + max(R_LT, DC_LT, M_LT) + 1
    arr_r: list[list] = [[] for _ in range(H)]          # day -> [(retailer, qty)]
    arr_dc: list[list] = [[] for _ in range(H)]         # day -> [(dc, qty)]
    arr_m = [0] * H
    net = [R_S] * n
    onord = [0] * n
    dc_oh = [floor.DC_S_per * k for k in sizes]
    dc_s = [floor.DC_s_per * k for k in sizes]
    dc_S = [floor.DC_S_per * k for k in sizes]
    dc_oo = [0, 0]
    dc_bl = [deque(), deque()]
    dc_blq = [0, 0]
    m = {"oh": floor.M_S_per * n, "oo": 0, "blq": 0}
    m_bl: deque = deque()
    m_s, m_S = floor.M_s_per * n, floor.M_S_per * n

    def serve(bl: deque, oh: int, out: list) -> tuple[int, int]:
        """Ship FIFO from ``oh`` to the backlog, partially; returns (on hand left, units shipped)."""
        shipped = 0
        while bl and oh > 0:
            b, x = bl[0]
            y = x if x <= oh else oh
            out.append((b, y))
            oh -= y
            shipped += y
            if y == x:
                bl.popleft()
            else:
                bl[0] = (b, x - y)
        return oh, shipped

    fill = inv = 0
    for t in range(days):
        # (1) receive, most upstream first; serve waiting backorders
        q = arr_m[t]
        if q:
            m["oo"] -= q
            oh, sh = serve(m_bl, m["oh"] + q, arr_dc[t + DC_LT])
            m["oh"] = oh
            m["blq"] -= sh
        for d, q in arr_dc[t]:
            dc_oo[d] -= q
            oh, sh = serve(dc_bl[d], dc_oh[d] + q, arr_r[t + R_LT])
            dc_oh[d] = oh
            dc_blq[d] -= sh
        for i, q in arr_r[t]:
            net[i] += q
            onord[i] -= q
        # (2) retailers review+order (index order), then (3) demand
        out = arr_r[t + R_LT]
        for i in range(n):
            x = net[i]
            ip = x + onord[i]
            if ip <= R_s:
                q = R_S - ip
                onord[i] += q
                d = dc_of[i]
                y = 0
                if not dc_bl[d]:
                    y = min(q, dc_oh[d])
                    if y:
                        dc_oh[d] -= y
                        out.append((i, y))
                if q > y:
                    dc_bl[d].append((i, q - y))
                    dc_blq[d] += q - y
            dd = dem[i][t]
            if x > 0:
                fill += dd if dd < x else x
            x -= dd
            net[i] = x
            if x > 0:
                inv += x
        # DCs review+order, then M
        for d in (0, 1):
            ip = dc_oh[d] + dc_oo[d] - dc_blq[d]
            if ip <= dc_s[d]:
                q = dc_S[d] - ip
                dc_oo[d] += q
                y = 0
                if not m_bl:
                    y = min(q, m["oh"])
                    if y:
                        m["oh"] -= y
                        arr_dc[t + DC_LT].append((d, y))
                if q > y:
                    m_bl.append((d, q - y))
                    m["blq"] += q - y
        ip = m["oh"] + m["oo"] - m["blq"]
        if ip <= m_s:
            q = m_S - ip
            m["oo"] += q
            arr_m[t + M_LT] += q
    total = sum(sum(r) for r in dem)
    return fill / total, inv / (n * days)


def floor_noise(floor, n: int, days: int, seed: int, reps: int) -> tuple[float, float]:
    """Seed-to-seed standard deviation of (fill_rate, mean inventory) of one floor run."""
    if reps < 2:
        return math.nan, math.nan
    fills, invs = [], []
    for k in range(1, reps + 1):
        _, _, f, i = floor.run_vector(n, days, seed + 1000 * k)
        fills.append(f)
        invs.append(i)

    def sd(xs):
        mu = sum(xs) / len(xs)
        return math.sqrt(sum((x - mu) ** 2 for x in xs) / (len(xs) - 1))

    return sd(fills), sd(invs)


# ------------------------------------------------------------------------------------ chainsim
def _engine_options() -> tuple[dict, str]:
    """Keyword arguments that switch the time series off, if the engine has such a switch."""
    try:
        from chainsim.experiments.replicate import simulate
    except Exception as exc:  # noqa: BLE001 - the engine may not exist yet
        return {}, f"engine not importable ({type(exc).__name__}: {exc})"
    params = inspect.signature(simulate).parameters
    for name in ("timeseries", "time_series", "record_timeseries", "keep_timeseries"):
        if name in params:
            return {name: False}, f"time series off ({name}=False)"
    for name in ("trace",):
        if name in params:
            return {name: False}, f"{name}=False (no time-series switch found)"
    return {}, "no time-series switch in chainsim.simulate: engine default"


def _retailer_kpis(kpis, retailers: set[str]) -> tuple[float, float]:
    """(fill rate = ratio of sums over retailers, mean over retailers of mean on hand)."""
    k = kpis[kpis["node"].isin(retailers)]
    by = k.pivot_table(index="node", columns="metric", values="value", aggfunc="mean")
    inv = float(by["on_hand"].mean())
    if "demand" in by.columns and by["demand"].sum() > 0:
        fill = float((by["fill_rate"] * by["demand"]).sum() / by["demand"].sum())
    else:
        fill = float(by["fill_rate"].mean())
    return fill, inv


def run_chainsim(n: int, days: int, seed: int, options: dict, profiler=None) -> dict:
    """Time one replication. With ``chainsim.engine.run.Simulation`` available the phases are
    timed apart: build (network construction), run (the simulated days), kpis (KPI rows and
    tables); otherwise ``chainsim.simulate`` is timed as a whole (then ``secs`` = total).
    A ``profiler`` (cProfile.Profile) is enabled around build + run + KPIs only."""
    import chainsim

    sc_dict = reference.scenario(n, days=days, seed=seed)
    retailers = set(reference.retailer_ids(n))
    gc.collect()
    t0 = time.perf_counter()
    sc = chainsim.load_scenario(sc_dict)
    out: dict = {"load_s": time.perf_counter() - t0}
    split = _split_api()
    if split is not None:
        Simulation, resolve, rows_of, kpi_columns = split
        import pandas as pd

        scn = resolve(sc, replications=1, days=days, seed=seed, warmup=0)
        params = inspect.signature(Simulation).parameters
        kw = {k: v for k, v in options.items() if k in params}
        if "vectorize" in options and "vectorize" not in params:
            raise TypeError("this engine's Simulation has no vectorize switch (no per-node path)")
        gc.collect()
        if profiler is not None:
            profiler.enable()
        t1 = time.perf_counter()
        sim = Simulation(scn, 0, **kw)
        t2 = time.perf_counter()
        sim.run()
        t3 = time.perf_counter()
        kpis = pd.DataFrame(rows_of(sim), columns=kpi_columns)
        t4 = time.perf_counter()
        if profiler is not None:
            profiler.disable()
        out.update(build_s=t2 - t1, secs=t3 - t2, kpi_s=t4 - t3, total_s=t4 - t1)
    else:
        gc.collect()
        if profiler is not None:
            profiler.enable()
        t1 = time.perf_counter()
        res = chainsim.simulate(sc, replications=1, days=days, seed=seed, warmup=0, **options)
        out["secs"] = out["total_s"] = time.perf_counter() - t1
        if profiler is not None:
            profiler.disable()
        kpis = res.kpis
    out["fill"], out["inv"] = _retailer_kpis(kpis, retailers)
    return out


def _split_api():
    """(Simulation, resolve, kpi_rows, KPI columns) when the engine exposes build/run apart,
    else None."""
    try:
        from chainsim.engine import run as engine_run
        from chainsim.experiments import replicate

        sim_cls, resolve = engine_run.Simulation, engine_run.resolve
        kpi_rows, cols = replicate.kpi_rows, replicate.KPI_COLUMNS
    except (ImportError, AttributeError):
        return None
    if not callable(getattr(sim_cls, "run", None)):
        return None
    return sim_cls, resolve, kpi_rows, cols


def exact_check(floor, n: int, days: int, seed: int) -> dict:
    """Feed chainsim's own demand draws to the partial-shipment loop: KPIs must match exactly.

    This checks that chainsim implements the floor's model with partial shipments (and the IP
    that goes with them), so that the chainsim - floor difference is (effect of the rules) +
    (different demand draws) only.
    """
    import chainsim

    res = chainsim.simulate(reference.scenario(n, days=days, seed=seed), replications=1,
                            days=days, seed=seed, warmup=0, timeseries=True)
    ts = res.timeseries
    ids = reference.retailer_ids(n)
    dem_by = {nid: g.sort_values("day")["demand"].to_numpy() for nid, g in
              ts[ts["node"].isin(set(ids))].groupby("node")}
    dem = [[int(round(x)) for x in dem_by[i]] for i in ids]
    cf, ci = _retailer_kpis(res.kpis, set(ids))
    pf, pi = partial_loop(floor, n, days, seed, dem=dem)
    return {"n": n, "days": days, "chainsim": (cf, ci), "partial_loop": (pf, pi),
            "ok": abs(cf - pf) < 1e-9 and abs(ci - pi) < 1e-9}


def profile_chainsim(n: int, days: int, seed: int, options: dict, top: int = 15) -> str:
    """cProfile of one chainsim replication (build + run + KPIs); the top functions by tottime."""
    import cProfile
    import io
    import pstats

    prof = cProfile.Profile()
    run_chainsim(n, days, seed, options, profiler=prof)
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).strip_dirs().sort_stats("tottime").print_stats(top)
    return buf.getvalue()


# ------------------------------------------------------------------------------------ driver
def run_case(n: int, days: int, seed: int, floor, options: dict, a) -> dict:
    row: dict = {"n": n, "days": days, "retailer_days": n * days}
    reps = a.repeat or (3 if n * days <= 200_000 else 1)
    row["repeat"] = reps
    # repeats are interleaved (chainsim, floor-nodes, floor-vector, chainsim, ...) so that a
    # burst of load on a shared machine hits all three alike; the fastest of each is kept
    best: dict = {}
    nodes_opts = dict(options, vectorize=False) if a.per_node else None
    for _ in range(reps):
        if nodes_opts is not None and "chainsim_nodes_error" not in row:
            try:
                got = run_chainsim(n, days, seed, nodes_opts)
                if "chainsim_nodes" not in best or got["secs"] < best["chainsim_nodes"]["secs"]:
                    best["chainsim_nodes"] = got
            except Exception as exc:  # noqa: BLE001
                row["chainsim_nodes_error"] = f"{type(exc).__name__}: {exc}"
                if a.verbose:
                    traceback.print_exc()
        if "chainsim_error" not in row:
            try:
                got = run_chainsim(n, days, seed, options)
                if "chainsim" not in best or got["secs"] < best["chainsim"]["secs"]:
                    best["chainsim"] = got
            except Exception as exc:  # noqa: BLE001 - report and keep benchmarking the floor
                row["chainsim_error"] = f"{type(exc).__name__}: {exc}"
                if a.verbose:
                    traceback.print_exc()
        if floor is not None:
            for name, fn in (("floor_nodes", floor.run_nodes), ("floor_vector", floor.run_vector)):
                gc.collect()
                secs, events, fill, inv = fn(n, days, seed)
                if name not in best or secs < best[name]["secs"]:
                    best[name] = {"secs": secs, "events": events, "fill": fill, "inv": inv}
    row.update(best)
    if "chainsim" in row and "chainsim_nodes" in row:
        c, cn = row["chainsim"], row["chainsim_nodes"]
        row["per_node_same"] = c["fill"] == cn["fill"] and c["inv"] == cn["inv"]
    if floor is not None:
        if not a.no_explain:
            pf, pi = partial_loop(floor, n, days, seed)
            row["partial"] = {"fill": pf, "inv": pi}
            sf, si = floor_noise(floor, n, days, seed, a.noise_reps)
            row["noise_sd"] = {"fill": sf, "inv": si}
            row["noise_reps"] = a.noise_reps
            row["verdict"] = {m: verdict(row, m) for m in ("fill", "inv")}
    return row


def verdict(row: dict, metric: str) -> str:
    """Is chainsim - floor within noise, or explained by chainsim's rules?

    ``tol`` = t(0.975, k-1) sqrt(2) sd: a 95% band for the difference of two independent single
    runs, sd = seed-to-seed sd of one floor run estimated from k seeds (hence Student's t).
    ``partial`` is the floor's demand run under chainsim's rules (partial shipments and their IP),
    so ``partial - floor`` is the exact effect of the rules on this seed and ``chainsim -
    partial`` is left to the demand draws alone.
    """
    if "chainsim" not in row:
        return "-"
    c, f = row["chainsim"][metric], row["floor_nodes"][metric]
    p = row["partial"][metric]
    sd = row["noise_sd"][metric]
    if not math.isfinite(sd):
        return "no noise estimate"
    from scipy.stats import t as student_t

    tol = float(student_t.ppf(0.975, row["noise_reps"] - 1)) * math.sqrt(2) * sd
    if abs(c - f) <= tol:
        return f"within noise (|diff| {abs(c - f):.2g} <= {tol:.2g})"
    if abs(c - p) <= tol:
        return (f"explained: partial shipments {p - f:+.2g}; "
                f"rest {c - p:+.2g} within noise {tol:.2g}")
    return f"NOT explained: diff {c - f:+.3g}, after rules {c - p:+.3g}, noise {tol:.2g}"


def _fmt(x, spec: str) -> str:
    return "-" if x is None or (isinstance(x, float) and not math.isfinite(x)) else format(x, spec)


def table_rows(rows: list[dict]) -> tuple[list[str], list[list[str]]]:
    per_node = any("chainsim_nodes" in r or "chainsim_nodes_error" in r for r in rows)
    head = ["N", "days", "chainsim build s", "chainsim s", "µs / retailer-day", "floor-nodes s",
            "ratio", "floor-vector s", "ratio", "fill chainsim", "fill floor",
            "inv chainsim", "inv floor"]
    if per_node:
        head[5:5] = ["per-node s", "per-node µs / r-day", "per-node ratio floor-nodes"]
    body = []
    for r in rows:
        c = r.get("chainsim")
        fn, fv = r.get("floor_nodes"), r.get("floor_vector")
        cs = c["secs"] if c else None
        body.append([
            str(r["n"]), str(r["days"]),
            _fmt(c.get("build_s"), ".3f") if c else "-",
            _fmt(cs, ".3f") if c else "error",
            _fmt(cs * 1e6 / r["retailer_days"], ".2f") if c else "-",
            _fmt(fn["secs"], ".3f") if fn else "-",
            _fmt(cs / fn["secs"], ".1f") if c and fn else "-",
            _fmt(fv["secs"], ".3f") if fv else "-",
            _fmt(cs / fv["secs"], ".1f") if c and fv else "-",
            _fmt(c["fill"], ".4f") if c else "-",
            _fmt(fn["fill"], ".4f") if fn else "-",
            _fmt(c["inv"], ".2f") if c else "-",
            _fmt(fn["inv"], ".2f") if fn else "-",
        ])
        if per_node:
            cn = r.get("chainsim_nodes")
            ns = cn["secs"] if cn else None
            body[-1][5:5] = [
                _fmt(ns, ".3f") if cn else ("error" if "chainsim_nodes_error" in r else "-"),
                _fmt(ns * 1e6 / r["retailer_days"], ".2f") if cn else "-",
                _fmt(ns / fn["secs"], ".1f") if cn and fn else "-",
            ]
    return head, body


def kpi_rows(rows: list[dict]) -> tuple[list[str], list[list[str]]]:
    head = ["N", "days", "KPI", "chainsim", "floor", "floor+partial", "noise sd (1 run)",
            "verdict"]
    body = []
    for r in rows:
        if "partial" not in r:
            continue
        for m, label, spec in (("fill", "fill rate", ".4f"), ("inv", "retailer on hand", ".2f")):
            c = r.get("chainsim")
            body.append([str(r["n"]), str(r["days"]), label,
                         _fmt(c[m], spec) if c else "-", _fmt(r["floor_nodes"][m], spec),
                         _fmt(r["partial"][m], spec),
                         _fmt(r["noise_sd"][m], ".2g"),
                         r["verdict"][m]])
    return head, body


def print_table(title: str, head: list[str], body: list[list[str]]) -> None:
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:
        print(f"\n{title}")
        widths = [max(len(h), *(len(b[i]) for b in body)) if body else len(h)
                  for i, h in enumerate(head)]
        print("  ".join(h.rjust(w) for h, w in zip(head, widths, strict=True)))
        for b in body:
            print("  ".join(x.rjust(w) for x, w in zip(b, widths, strict=True)))
        return
    t = Table(title=title, title_justify="left")
    for h in head:
        t.add_column(h, justify="left" if h in ("verdict", "KPI", "command") else "right",
                     overflow="fold")
    for b in body:
        t.add_row(*b)
    Console(width=max(160, Console().width)).print(t)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="chainsim vs bare-SimPy floor on the reference network")
    ap.add_argument("--sizes", default="20,200,2000", help="retailer counts, comma-separated")
    ap.add_argument("--days", default="365,3650", help="horizons in days, comma-separated")
    ap.add_argument("--quick", action="store_true",
                    help="only N = 20,200 x 365 days; start-up; memory of N = 20 via run only")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--noise-reps", type=int, default=6,
                    help="extra floor-vector seeds for the KPI noise estimate (0: none)")
    ap.add_argument("--no-explain", action="store_true",
                    help="skip the chainsim-rules loops, the noise estimate and the exact check")
    ap.add_argument("--per-node", action="store_true",
                    help="also time chainsim's per-node path (Simulation(..., vectorize=False)) "
                         "and check that it gives the same KPIs")
    ap.add_argument("--repeat", type=int, default=0,
                    help="time each case this many times and keep the fastest "
                         "(default: 3 up to 200k retailer-days, else 1)")
    ap.add_argument("--profile", metavar="N,DAYS", nargs="?", const="200,365",
                    help="instead of the benchmark: cProfile chainsim at N retailers x DAYS "
                         "(default 200,365) and print the top 15 functions by tottime")
    ap.add_argument("--memory", action="store_true",
                    help="only the peak-memory part (with --startup: only those two parts)")
    ap.add_argument("--startup", action="store_true",
                    help="only the CLI start-up part (with --memory: only those two parts)")
    ap.add_argument("--memory-sizes", default=None,
                    help="retailer counts of the memory part (default 200,2000; --quick: 20)")
    ap.add_argument("--memory-days", default="365,3650",
                    help="horizons of the memory part; growth is measured vs the shortest")
    ap.add_argument("--memory-via", default=None,
                    help="run (Simulation.run) and/or simulate (chainsim.simulate) "
                         "(default run,simulate; --quick: run)")
    ap.add_argument("--json", type=Path, help="also write machine + rows as JSON here")
    ap.add_argument("-v", "--verbose", action="store_true", help="tracebacks of chainsim errors")
    a = ap.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)
    do_timing = not (a.memory or a.startup)
    do_memory = a.memory or do_timing
    do_startup = a.startup or do_timing

    info = machine_info()
    print("machine: {cpu}; {cores} cores ({usable_cores} usable); {implementation} {python}; "
          "simpy {simpy}; numpy {numpy}; chainsim {chainsim} @ {chainsim_commit}".format(**info))
    options, how = _engine_options()
    if a.profile:
        pn, pd_ = (int(x) for x in a.profile.split(","))
        run_chainsim(2, 5, a.seed, options)  # imports, untimed
        print(f"cProfile of chainsim, {pn} retailers x {pd_} days ({how}):")
        print(profile_chainsim(pn, pd_, a.seed, options))
        return 0
    out: dict = {"machine": info, "engine": how}
    failed = False
    if do_timing:
        out["rows"] = rows = timing(a, options, how)
        failed = any("chainsim_error" in r or "chainsim_nodes_error" in r
                     or r.get("per_node_same") is False for r in rows)
    if do_startup:
        out["startup"] = startup_part(a)
    if do_memory:
        out["memory"] = mem = memory_part(a)
        failed = failed or any("error" in r for r in mem)
    if a.json:
        a.json.write_text(json.dumps(out, indent=1))
    return 1 if failed else 0


def startup_part(a) -> dict:
    """`chainsim --help` wall clock, best of 5 fresh processes, against the 0.5 s target."""
    import startup

    res = startup.run_startup(5)
    print_table(*startup.startup_table(res))
    for line in startup.startup_notes(res):
        print(line)
    return res


def memory_part(a) -> list[dict]:
    """Peak RSS per case in fresh processes (benchmarks/memory.py)."""
    import memory

    sizes = a.memory_sizes or ("20" if a.quick else "200,2000")
    via = a.memory_via or ("run" if a.quick else "run,simulate")
    rows = memory.run_memory([int(x) for x in sizes.split(",")],
                             [int(x) for x in a.memory_days.split(",")], via.split(","), a.seed,
                             log=lambda s: print(s, file=sys.stderr, flush=True))
    print_table(*memory.memory_table(rows))
    for line in memory.memory_notes(rows):
        print(line)
    for r in rows:
        if "error" in r:
            print(f"memory error at N={r['n']} days={r['days']} {r['via']} time series "
                  f"{r['ts']}: {r['error']}")
    return rows


def timing(a, options: dict, how: str) -> list[dict]:
    """The timing table, KPI agreement, exact check and headline (the benchmark proper)."""
    sizes = [20, 200] if a.quick else [int(x) for x in a.sizes.split(",")]
    horizons = [365] if a.quick else [int(x) for x in a.days.split(",")]
    floor = load_floor()
    print(f"chainsim: one replication, warm-up 0, {how}; floor: {FLOOR_PATH}"
          + ("" if floor else " (MISSING)"))

    # untimed warm-up so that first-use imports (pandas, pydantic models) are not timed
    try:
        run_chainsim(2, 5, a.seed, options)
    except Exception as exc:  # noqa: BLE001
        print(f"chainsim does not run yet: {type(exc).__name__}: {exc}", file=sys.stderr)

    rows = []
    for days in horizons:
        for n in sizes:
            t = time.perf_counter()
            rows.append(run_case(n, days, a.seed, floor, options, a))
            print(f"  done N={n} days={days} ({time.perf_counter() - t:.1f} s wall)",
                  file=sys.stderr, flush=True)

    print_table(f"chainsim vs bare-SimPy floor (seed {a.seed}); ratio = chainsim s / floor s; "
                "best of 3 runs up to 200k retailer-days, else 1" if not a.repeat else
                f"chainsim vs bare-SimPy floor (seed {a.seed}); ratio = chainsim s / floor s; "
                f"best of {a.repeat}",
                *table_rows(rows))
    if any("partial" in r for r in rows):
        print_table("KPI agreement (retailers; fill = ratio of sums, inv = mean end-of-day on hand); "
                    "floor+partial = the floor's demand under chainsim's rules (plain loop)",
                    *kpi_rows(rows))
    for r in rows:
        if "chainsim_error" in r:
            print(f"chainsim error at N={r['n']} days={r['days']}: {r['chainsim_error']}")
        if "chainsim_nodes_error" in r:
            print(f"chainsim per-node error at N={r['n']} days={r['days']}: "
                  f"{r['chainsim_nodes_error']}")
        fn, fv = r.get("floor_nodes"), r.get("floor_vector")
        if fn and fv and (abs(fn["fill"] - fv["fill"]) > 1e-12 or abs(fn["inv"] - fv["inv"]) > 1e-9):
            print(f"WARNING: floor nodes and vector disagree at N={r['n']} days={r['days']}")
    both = [r for r in rows if "per_node_same" in r]
    if both:
        same = [r for r in both if r["per_node_same"]]
        print(f"per-node path (vectorize=False) vs retail groups: identical retailer KPIs in "
              f"{len(same)} of {len(both)} cases"
              + "".join(f"; DIFFERENT at N={r['n']} days={r['days']}: fill "
                        f"{r['chainsim']['fill']!r} vs {r['chainsim_nodes']['fill']!r}, inv "
                        f"{r['chainsim']['inv']!r} vs {r['chainsim_nodes']['inv']!r}"
                        for r in both if not r["per_node_same"]))
    timed = [r for r in rows if "chainsim" in r]
    if timed:
        print("chainsim outside 'chainsim s' (not in the ratios): load = validating the scenario "
              "dict, build = network construction, kpis = KPI tables")
        for r in timed:
            c = r["chainsim"]
            print(f"  N={r['n']} days={r['days']}: load {c['load_s']:.3f} s, build "
                  f"{_fmt(c.get('build_s'), '.3f')} s, kpis {_fmt(c.get('kpi_s'), '.3f')} s, "
                  f"total simulate {c['total_s']:.3f} s")
    if floor is not None and not a.no_explain:
        n0, d0 = min(sizes), min(horizons)
        if n0 * d0 > 1_000_000:   # the check keeps chainsim's full time series in memory
            n0, d0 = 20, 365
        try:
            ex = exact_check(floor, n0, d0, a.seed)
            print(f"exact check N={n0} days={d0}: the floor's loop with partial shipments, fed "
                  f"chainsim's own demand draws, gives fill {ex['partial_loop'][0]:.6f}, inv "
                  f"{ex['partial_loop'][1]:.4f}; chainsim fill {ex['chainsim'][0]:.6f}, inv "
                  f"{ex['chainsim'][1]:.4f} -> "
                  + ("IDENTICAL: chainsim = floor model + partial shipments" if ex["ok"]
                     else "MISMATCH"))
        except Exception as exc:  # noqa: BLE001
            print(f"exact check skipped: {type(exc).__name__}: {exc}")
    print(SEMANTICS)

    head = [r for r in rows if r["n"] == 200 and r["days"] == 365]
    if head and "chainsim" in head[0]:
        r = head[0]
        line = (f"HEADLINE 200 retailers x 365 days: chainsim "
                f"{r['retailer_days'] / r['chainsim']['secs']:,.0f} retailer-days/s")
        if "chainsim_nodes" in r:
            line += (f"; per-node path "
                     f"{r['retailer_days'] / r['chainsim_nodes']['secs']:,.0f}")
        if "floor_nodes" in r:
            line += (f" (floor-nodes {r['retailer_days'] / r['floor_nodes']['secs']:,.0f}, "
                     f"floor-vector {r['retailer_days'] / r['floor_vector']['secs']:,.0f})")
        print(line)
    return rows


if __name__ == "__main__":
    sys.exit(main())
