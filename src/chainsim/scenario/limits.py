"""Sane limits on a run's size, so that a typo (an extra 0 or three) does not start a run of
hours or fill the memory. The command line refuses a scenario over a limit unless given
``--allow-large``; the Python API (``chainsim.simulate``, ``load_scenario``) is not limited —
a program that asks for a huge run means it, and the command line is where accidents happen.

**The total work and memory of a run are estimated before it starts** (`estimate`), as a sum of
parts, each the product of the quantities that drive it: so that quantities each under its own
limit cannot multiply into a run of days. A run over `MAX_SECONDS` (10 minutes) or `MAX_BYTES`
(4 GiB) is refused at the line of its biggest part, e.g. ``s.yaml:12:5: orders.per_day 1000000 ×
3650 days × 10 replications ≈ 36.5 M consumer orders ≈ 49 minutes (limit: 10 minutes); lower it
or pass --allow-large to run it anyway``. The parts and their costs, measured on the shared
2-core EPYC of benchmarks/README.md (26 Nov and 3 Dec 2026; a rough guide, the middle of the
measured range):

* **node-days**: days × replications × (15 µs + 3 µs per node) — a node-day costs 0.4–5.6 µs
  (retail groups 0.4–1.8, a node on its own 2.3–5.6), a small scenario ≈ 15 µs per day on top;
  plus 250 µs per node and replication to build the network and compute its KPIs (reference
  scenarios at 20 and 200 retailers, 1-day runs: 220–290 µs).
* **consumer orders** of a 3PL (``orders.per_day``): each order is a SimPy process, ≈ 80 µs
  (60 µs measured at 5000 orders a day). Market outlets that are 3PLs turn every captured unit
  of their regions into a one-unit order: the region's mean daily demand × its captured share
  (coverage 1 − exp(−k · outlets), elasticity left out) × the share of its outlets that are
  3PLs × days × replications orders, and a list of 64 B per unit of one day's demand
  (``strategies/direct.yaml``, 2 replications: 41 k orders, 3.3 s with start-up).
* **moving-average windows** (``policy.window``): the window is a list filled at the start of
  each replication, ≈ 0.25 µs and 8.25 B per day of window and node.
* **pipelines**: ``initial.pipeline`` puts a shipment on each day of a lane's lead time and
  order delay (a manufacturer's production lead time) at the start of each replication, ≈ 16 µs
  and 400 B each; on every lane up to min(lead time + order delay, days) shipments are under way.
* **time series** of the first replication (the command line's default ``--timeseries
  first``; ``all``: of every replication): 6 float64 per node-day in the engine plus the long
  DataFrame, ≈ 110 B per node-day (107 measured at 2000 × 3650). **KPI rows**: ≈ 31 per node and replication, ≈ 6 KB each
  node-replication while they are built.

Single quantities that guard memory or time by themselves keep their own limit, checked first:

* ``horizon_days + warmup_days`` ≤ 100 000 days (274 years; also the most weeks of ``play``).
* ``replications`` ≤ 10 000 (also a sweep's, and its ``precision: max_replications``). A 95 %
  interval narrows with √n: 10 000 replications are 10 × as precise as 100.
* ≤ 20 000 nodes and ≤ 200 000 lanes; files this large are generated, not written by hand.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chainsim.errors import ChainsimError, Problem

FLAG = "--allow-large"
MAX_DAYS = 100_000  # horizon_days + warmup_days
MAX_REPLICATIONS = 10_000
MAX_NODES = 20_000
MAX_LANES = 200_000
MAX_SECONDS = 600.0  # the estimated run time the command line starts without --allow-large
MAX_BYTES = 4 * 1024**3  # the estimated memory, likewise

# Costs (module docstring; benchmarks/README.md)
DAY_SECONDS = 15e-6  # fixed cost of a simulated day (small scenarios)
NODE_DAY_SECONDS = 3e-6  # cost of one node for one day
NODE_REPLICATION_SECONDS = 250e-6  # building a node and its KPIs, per replication
ORDER_SECONDS = 80e-6  # one consumer order of a 3PL (a SimPy process)
MARKET_UNIT_BYTES = 64  # one unit of a day's demand at a 3PL market outlet (its arrival time)
WINDOW_DAY_SECONDS = 0.25e-6  # one day of a moving-average window, per replication
WINDOW_DAY_BYTES = 8.25
PIPELINE_DAY_SECONDS = 16e-6  # one shipment put under way at the start, per replication
PIPELINE_DAY_BYTES = 400  # one shipment under way
TIMESERIES_NODE_DAY_BYTES = 110  # first replication's time series: engine arrays + DataFrame
KPI_NODE_REPLICATION_BYTES = 6_000


class LimitError(ChainsimError):
    """Command-line settings (``--days``, ``--replications``) over a limit: one line each."""

    def __init__(self, messages: list[str]):
        self.messages = messages
        super().__init__("\n".join(messages))


@dataclass
class Part:
    """One part of a run's work: what drives it (in words), its cost, and where it is set.

    ``loc`` is the key path in the scenario file of the quantity to lower; ``flags`` are the
    command-line settings that multiply it (they are named in the message instead of a line
    when the part's main quantity is one of them)."""

    what: str
    seconds: float = 0.0
    bytes: float = 0.0
    loc: tuple[Any, ...] = ()
    from_flag: str | None = None


@dataclass
class Estimate:
    parts: list[Part]

    @property
    def seconds(self) -> float:
        return sum(p.seconds for p in self.parts)

    @property
    def bytes(self) -> float:
        return sum(p.bytes for p in self.parts)


def estimate_seconds(days: int, replications: int, nodes: int) -> float:
    """Rough wall-clock seconds of the node-days alone (see the module docstring)."""
    return days * replications * (DAY_SECONDS + NODE_DAY_SECONDS * nodes) + \
        replications * nodes * NODE_REPLICATION_SECONDS


def duration(seconds: float) -> str:
    """Seconds in the unit a person reads best."""
    if seconds < 90:
        return f"{seconds:.0f} seconds"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} minutes"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.0f} hours"
    if seconds < 3 * 365 * 86400:
        return f"{seconds / 86400:,.0f} days"
    return f"{seconds / (365 * 86400):,.0f} years"


def memory(n_bytes: float) -> str:
    return f"{n_bytes / 1024**3:,.1f} GiB" if n_bytes >= 0.1 * 1024**3 else \
        f"{n_bytes / 1024**2:,.0f} MiB"


def _count(n: float) -> str:
    """A large count as people write it: 36.5 M, 2.1 G."""
    for size, unit in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if n >= size:
            return f"{n / size:,.1f} {unit}"
    return f"{n:,.0f}"


def _reps(n: int) -> str:
    return f"{n} replication{'s' if n != 1 else ''}"


def _num(x: float) -> str:
    return f"{x:g}" if x < 1e6 or not float(x).is_integer() else f"{int(x)}"


def _mean(spec: Any) -> float:
    """A distribution's mean as the engine takes it (model.dists.mean_of)."""
    kind = getattr(spec, "dist", None)
    if kind == "constant":
        return float(spec.value)
    if kind == "uniform":
        return (spec.low + spec.high) / 2
    if kind == "triangular":
        return (spec.low + spec.mode + spec.high) / 3
    if kind == "empirical":
        values = spec.values
        if values is None:  # validated already, and read as a bounded regular file (paths.py)
            from chainsim.scenario.validate import read_csv_values

            try:
                values = read_csv_values(spec.csv)
            except (OSError, ValueError):
                values = []
        return sum(values) / len(values) if values else 0.0
    if kind == "step":
        return float(spec.after)
    return float(getattr(spec, "mean", 0.0) or 0.0)


def estimate(scn: Any, *, days: int | None = None, warmup: int | None = None,
             replications: int | None = None, days_flag: str = "--days",
             timeseries: str = "first") -> Estimate:
    """The parts of a run's work and memory (module docstring), with the given overrides
    (None keeps the scenario's value). ``timeseries`` as ``run --timeseries``: the daily series
    kept of the first replication, of all, or none."""
    horizon = days if days is not None else scn.horizon_days
    warm = warmup if warmup is not None else scn.warmup_days
    reps = replications if replications is not None else scn.replications
    total = horizon + warm
    days_by_flag = days is not None or warmup is not None
    shown_days = " ".join(f"{k} {v}" for k, v in ((days_flag, days), ("--warmup", warmup))
                          if v is not None)
    reps_flag = f"--replications {reps}" if replications is not None else None
    n_nodes = len(scn.nodes)
    span = f"{total} days × {_reps(reps)}"

    # node-days: placed at the quantity furthest above its usual size
    ratios = {"horizon_days": total / 3650, "replications": reps / 10, "nodes": n_nodes / 200}
    key = max(ratios, key=ratios.get)
    flag = {"horizon_days": shown_days if days_by_flag else None, "replications": reps_flag,
            "nodes": None}[key]
    if key == "horizon_days" and not days_by_flag and warm > scn.horizon_days:
        key = "warmup_days"
    node_days = total * reps * n_nodes
    parts = [Part(f"{n_nodes:,} nodes × {span} ≈ {_count(node_days)} node-days",
                  seconds=estimate_seconds(total, reps, n_nodes), loc=(key,), from_flag=flag)]
    kept = {"first": 1, "all": reps, "none": 0}[timeseries]
    parts.append(Part(f"the time series of {n_nodes:,} nodes × {total} days"
                      + (f" × {_reps(reps)} (--timeseries all)" if timeseries == "all" else ""),
                      bytes=TIMESERIES_NODE_DAY_BYTES * n_nodes * total * kept,
                      loc=("horizon_days",), from_flag=shown_days if days_by_flag else None))
    parts.append(Part(f"the KPI rows of {n_nodes:,} nodes × {_reps(reps)}",
                      bytes=KPI_NODE_REPLICATION_BYTES * n_nodes * reps, loc=("replications",),
                      from_flag=reps_flag))

    for i, node in enumerate(scn.nodes):
        if node.orders is not None:
            n = node.orders.per_day * total * reps
            parts.append(Part(f"orders.per_day {_num(node.orders.per_day)} × {span} ≈ "
                              f"{_count(n)} consumer orders", seconds=n * ORDER_SECONDS,
                              loc=("nodes", i, "orders", "per_day")))
        policy = node.policy
        if policy is not None and getattr(policy, "method", None) == "moving_average":
            w = policy.window
            parts.append(Part(f"policy.window {w:,} days × {_reps(reps)}",
                              seconds=w * reps * WINDOW_DAY_SECONDS, bytes=w * WINDOW_DAY_BYTES,
                              loc=("nodes", i, "policy", "window")))
        if node.role == "manufacturer" and node.initial.pipeline and \
                node.production_lead_time is not None:
            k = math.ceil(_mean(node.production_lead_time))
            parts.append(_pipeline(k, reps, ("nodes", i, "production_lead_time"),
                                   "production_lead_time"))
    parts += _lane_parts(scn, total, reps)
    parts += _market_parts(scn, total, reps, span)
    return Estimate(parts)


def _pipeline(k: int, reps: int, loc: tuple[Any, ...], what: str) -> Part:
    return Part(f"initial.pipeline over a {what} of {k:,} days × {_reps(reps)} ≈ "
                f"{_count(k * reps)} shipments", seconds=k * reps * PIPELINE_DAY_SECONDS,
                bytes=k * PIPELINE_DAY_BYTES, loc=loc)


def _lane_parts(scn: Any, total: int, reps: int) -> list[Part]:
    """Shipments under way: put on every day of the lead time by initial.pipeline, else at
    most one a day for the run's days."""
    specs = {n.id: n for n in scn.nodes}
    parts = []
    for j, lane in enumerate(scn.lanes):
        lead = math.ceil(_mean(lane.lead_time))
        k = lead + lane.order_delay
        where = ("lanes", j, "lead_time" if lead >= lane.order_delay else "order_delay")
        buyer = specs.get(lane.dst)
        if buyer is not None and buyer.initial.pipeline:
            parts.append(_pipeline(k, reps, where, "lead time and order delay"))
        elif min(k, total) * PIPELINE_DAY_BYTES > 1e6:  # only lanes that matter
            parts.append(Part(f"shipments under way on a lane of {k:,} days",
                              bytes=min(k, total) * PIPELINE_DAY_BYTES, loc=where))
    return parts


def _market_parts(scn: Any, total: int, reps: int, span: str) -> list[Part]:
    """One-unit consumer orders at the 3PL market outlets: each region's mean demand, the
    share of its outlets that are 3PLs."""
    if scn.market is None:
        return []
    from chainsim.scenario.capture import region_shares

    shares = region_shares(scn)  # the share the market itself captures (one home)
    roles = {n.id: n.role for n in scn.nodes}
    parts = []
    for j, region in enumerate(scn.market.regions):
        serving, captured = shares[region.id]
        tpl = sum(roles[nid] == "3pl" for nid in serving)
        if not tpl:
            continue
        units = _mean(region.demand) * captured * tpl / len(serving)
        n = units * total * reps
        parts.append(Part(f"region {region.id}: demand {_num(_mean(region.demand))} a day "
                          f"({_count(units)} units captured by 3PL outlets) × {span} ≈ "
                          f"{_count(n)} one-unit consumer orders",
                          seconds=n * ORDER_SECONDS, bytes=units * MARKET_UNIT_BYTES,
                          loc=("market", "regions", j, "demand")))
    return parts


def _fix() -> str:
    return f"lower it or pass {FLAG} to run it anyway"


def work_problem(est: Estimate) -> tuple[Part, str] | None:
    """The biggest part of a run over the time or memory limit, and the message for it."""
    if est.seconds > MAX_SECONDS:
        part = max(est.parts, key=lambda p: p.seconds)
        whole = "" if part.seconds >= 0.95 * est.seconds else \
            f"; the whole run ≈ {duration(est.seconds)}"
        return part, (f"{part.what} ≈ {duration(part.seconds)}{whole} (limit: "
                      f"{duration(MAX_SECONDS)}); {_fix()}")
    if est.bytes > MAX_BYTES:
        part = max(est.parts, key=lambda p: p.bytes)
        whole = "" if part.bytes >= 0.95 * est.bytes else f"; the whole run ≈ {memory(est.bytes)}"
        return part, (f"{part.what} ≈ {memory(part.bytes)} of memory{whole} (limit: "
                      f"{memory(MAX_BYTES)}); {_fix()}")
    return None


def over_limits(scn: Any, raw: Any = None, file: str = "<scenario>", *,
                replications: int | None = None, days: int | None = None,
                warmup: int | None = None, where: Mapping[str, tuple[str, int, int]] | None = None,
                timeseries: str = "first") -> tuple[list[Problem], list[str]]:
    """The limits ``scn`` exceeds with the given overrides (None keeps the scenario's value).

    Returns (problems in files, messages about command-line overrides). A value from the file is
    located at its key in ``raw`` (as read from ``file``); ``where`` may place a top-level key
    elsewhere (e.g. a sweep's ``replications``, at its line in the sweep file). The single
    limits are checked first; only a run within them is estimated as a whole.
    """
    from chainsim.scenario.positions import locate

    where = dict(where or {})

    def at(loc: tuple[Any, ...]) -> tuple[str, int, int]:
        if loc and loc[0] in where:
            return where[loc[0]]
        return locate(raw, loc, file) if raw is not None else (file, 0, 0)

    problems: list[Problem] = []
    flags: list[str] = []
    n_nodes, n_lanes = len(scn.nodes), len(scn.lanes)
    horizon = days if days is not None else scn.horizon_days
    warm = warmup if warmup is not None else scn.warmup_days
    reps = replications if replications is not None else scn.replications
    total = horizon + warm
    took = duration(estimate(scn, days=days, warmup=warmup, replications=replications).seconds)
    if total > MAX_DAYS:
        tail = f"(the limit is {MAX_DAYS:,} days; the run would take about {took}); {_fix()}"
        if days is not None or warmup is not None:
            shown = " ".join(f"{k} {v}" for k, v in (("--days", days), ("--warmup", warmup))
                             if v is not None)
            flags.append(f"{shown}: horizon + warm-up is {total} days {tail}")
        elif warm:
            key = "warmup_days" if warm > horizon else "horizon_days"
            problems.append(Problem(*at((key,)), f"horizon_days + warmup_days is {total} {tail}"))
        else:
            problems.append(Problem(*at(("horizon_days",)), f"horizon_days is {total} {tail}"))
    if reps > MAX_REPLICATIONS:
        tail = (f"(the limit is {MAX_REPLICATIONS:,}; the run would take about {took}); {_fix()}")
        if replications is not None and "replications" not in where:
            flags.append(f"--replications {reps} {tail}")
        else:
            problems.append(Problem(*at(("replications",)), f"replications is {reps} {tail}"))
    for key, count, limit in (("nodes", n_nodes, MAX_NODES), ("lanes", n_lanes, MAX_LANES)):
        if count > limit:
            problems.append(Problem(*at((key,)), f"the scenario has {count:,} {key} (the limit is "
                                    f"{limit:,}; the run would take about {took}); {_fix()}"))
    if problems or flags:
        return problems, flags
    found = work_problem(estimate(scn, days=days, warmup=warmup, replications=replications,
                                  timeseries=timeseries))
    if found is not None:
        part, message = found
        if part.from_flag and not (part.loc and part.loc[0] in where):
            flags.append(f"{part.from_flag}: {message}")
        else:
            problems.append(Problem(*at(part.loc), message))
    return problems, flags


def weeks_problem(scn: Any, weeks: int | None) -> str | None:
    """``chainsim play [--weeks N]``: the message if the game's weeks (default: the scenario's
    horizon_days) are over a limit (a game is one replication; there is no --allow-large for
    a game played week by week)."""
    shown = f"--weeks {weeks}" if weeks is not None else f"horizon_days {scn.horizon_days}"
    weeks = weeks if weeks is not None else scn.horizon_days
    fix = "play fewer weeks" + (" (--weeks N)" if shown.startswith("horizon") else "")
    if weeks > MAX_DAYS:
        return f"{shown} is more than the limit of {MAX_DAYS:,} weeks; {fix}"
    found = work_problem(estimate(scn, days=weeks, warmup=0, replications=1,
                                  days_flag="--weeks"))
    if found is None:
        return None
    return f"{shown}: {found[1].replace(_fix(), fix)}"


def raw_for(file: str | Path) -> Any:
    """The file's data with positions, to place a limit's message (None if it cannot be read)."""
    from chainsim.errors import ScenarioError
    from chainsim.scenario.load import load_raw

    try:
        return load_raw(file, allow_outside_paths=True)  # already admitted by the caller
    except (ScenarioError, OSError, RecursionError):
        return None
