"""Replications, the first experiment: one scenario simulated n times, its KPIs and summary.

The engine (``engine.run.Simulation``) runs one replication and leaves counters; this module
reads them through the KPI functions of ``metrics.kpi`` into tidy rows, one per (replication,
node, metric), and summarises them over replications (``metrics.summary``). Replication r draws
from its own random streams, seeded from (seed, r), so replications are independent and the
same seed gives the same numbers.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any

import pandas as pd
from pydantic import TypeAdapter, ValidationError

from chainsim.engine.run import Simulation, resolve
from chainsim.errors import Problem, scenario_error
from chainsim.metrics.kpi import (
    amplification,
    market_channel_kpis,
    network_kpis,
    node_kpis,
    owner_kpis,
)
from chainsim.metrics.orders import channel_kpis
from chainsim.metrics.summary import summarize
from chainsim.model.tpl import Fulfilment
from chainsim.scenario.facts import NETWORK_ROW, tpl_channel_row
from chainsim.scenario.schema import Scenario

KPI_COLUMNS = ["scenario", "replication", "node", "metric", "value"]

# The run settings a caller may override, and the scenario field that holds each one's range.
RUN_SETTINGS = {"replications": "replications", "days": "horizon_days", "seed": "seed",
                "warmup": "warmup_days"}


def check_run_arguments(caller: str, *, timeseries: Any = False, progress: Any = None,
                        flags: Mapping[str, Any] = MappingProxyType({}),
                        **settings: Any) -> None:
    """Raise `ScenarioError` (file ``<caller>``) unless each override in ``settings`` is None or
    a whole number in its scenario field's range (True is not a number here), ``timeseries`` is
    False, 'first' or True, each of ``flags`` is True or False, and ``progress`` is None or
    callable: a Python caller's mistake is named, never passed on to fail deep in a run."""
    problems = []
    for arg, value in settings.items():
        if value is None:
            continue
        field = Scenario.model_fields[RUN_SETTINGS[arg]]
        try:
            if isinstance(value, bool) or not isinstance(value, numbers.Integral):
                raise TypeError
            TypeAdapter(Annotated[int, *field.metadata]).validate_python(int(value))
        except (TypeError, ValidationError) as exc:
            why = ("it must be a whole number" if isinstance(exc, TypeError) else
                   exc.errors()[0]["msg"].replace("Input should be", "it must be"))
            problems.append(f"{arg}={value!r} is refused: {why}; pass a whole number, or None "
                            f"for the scenario's {RUN_SETTINGS[arg]}")
    if not (isinstance(timeseries, bool) or timeseries == "first"):
        problems.append(f"timeseries={timeseries!r} is refused; pass False (none), 'first' "
                        "(replication 0) or True (every replication)")
    for arg, value in flags.items():
        if not isinstance(value, bool):
            problems.append(f"{arg}={value!r} is refused; pass True or False")
    if progress is not None and not callable(progress):
        problems.append(f"progress={progress!r} is refused; pass a function, or None")
    if problems:
        raise scenario_error([Problem(f"<{caller}>", 0, 0, p) for p in problems])


def kpi_rows(sim: Simulation) -> list[tuple]:
    """The KPI rows (scenario, replication, node, metric, value) of a finished replication:
    every node's, a 3PL channel's as node ``<id>/<channel>``, each owner's and market channel's,
    and the network's sums (node ``network``)."""
    nodes = sim.net.kpi_nodes()
    per_node = {n.id: node_kpis(n) for n in nodes}
    extra = {**owner_kpis(nodes, per_node), **market_channel_kpis(nodes, per_node)}
    for n in nodes:  # a 3PL's channels get rows of their own: node "<id>/<channel>"
        if isinstance(n, Fulfilment) and n.stats.days:
            extra.update((tpl_channel_row(n.id, ch), k)
                         for ch, k in channel_kpis(n, n.stats.days).items())
    for n in nodes:
        if n.id in per_node and per_node[n.id]:
            per_node[n.id]["amplification"] = amplification(
                per_node[n.id], sim.net.served.get(n.id))
    per_node[NETWORK_ROW] = network_kpis(nodes, per_node, sim.net.market)
    per_node.update(extra)  # after the network's sums: they must not count twice
    name, rep = sim.scenario.name, sim.replication
    return [(name, rep, nid, metric, value)
            for nid, kpis in per_node.items() for metric, value in kpis.items()]


@dataclass(repr=False)
class Results:
    """What ``simulate`` produced.

    - ``scenario``: the scenario as run, every default written out (``engine.run.resolve``);
    - ``kpis``: one row per (scenario, replication, node, metric) with its ``value``;
    - ``summary``: one row per (scenario, node, metric): mean, std, 95% t-interval
      ``ci_low``..``ci_high`` and ``n`` over the replications;
    - ``timeseries``: per (replication, node, day) end-of-day levels and the day's flows, or None;
    - ``trace``: every consumer order's statuses with their times (days), or None.
    """

    scenario: Scenario
    kpis: pd.DataFrame
    summary: pd.DataFrame
    timeseries: pd.DataFrame | None = None
    trace: pd.DataFrame | None = None

    def __repr__(self) -> str:
        scn = self.scenario
        reps = f"{scn.replications} replication{'' if scn.replications == 1 else 's'}"
        tables = ", ".join(f".{name}" for name in ("kpis", "summary", "timeseries", "trace")
                           if getattr(self, name) is not None)
        return (f"<Results {scn.name!r}: {reps} x {scn.horizon_days} days "
                f"(after {scn.warmup_days} warm-up), {len(self.kpis)} KPI rows; "
                f"tables {tables}>")


def simulate(scenario: Scenario | Mapping[str, Any] | str | Path,
             replications: int | None = None, days: int | None = None,
             seed: int | None = None, warmup: int | None = None, *,
             timeseries: bool | str = False, vectorize: bool = True, trace: bool = False,
             progress: Callable[[int], None] | None = None) -> Results:
    """Simulate independent replications of a scenario and collect their KPIs.

    Args:
        scenario: a YAML file's path, a mapping with the file's keys, or a loaded Scenario.
        replications: number of independent replications (default: the scenario's
            ``replications``).
        days: simulated days counted in the statistics, after the warm-up (default: the
            scenario's ``horizon_days``).
        seed: the seed every random stream derives from; the same seed gives the same numbers
            (default: the scenario's ``seed``).
        warmup: days simulated first and left out of the statistics (default: the scenario's
            ``warmup_days``).
        timeseries: False (none), ``"first"`` (replication 0 only) or True (every
            replication): keep each node's end-of-day levels and daily flows.
        vectorize: True simulates alike retailers as one array-based group (fast); False
            simulates every node on its own (the same numbers, slower; for checking).
        trace: also keep every consumer order's statuses with their times (3PL orders).
        progress: called with the number of finished replications after each one.

    Returns:
        Results: ``.kpis`` (one row per replication, node and metric), ``.summary`` (mean,
        std, 95% confidence interval and n per node and metric), ``.timeseries`` and
        ``.trace`` (None unless asked for) and ``.scenario`` (the scenario as run, every
        default written out, so simulating it again gives the same numbers).

    Raises:
        ScenarioError: the scenario does not load or validate (file, line, what to fix), or an
            argument has the wrong type or range (``replications=True``, ``timeseries='yes'``).
    """
    check_run_arguments("simulate", replications=replications, days=days, seed=seed,
                        warmup=warmup, timeseries=timeseries, progress=progress,
                        flags={"vectorize": vectorize, "trace": trace})
    scn = resolve(scenario, replications=replications, days=days, seed=seed, warmup=warmup)
    rows: list[tuple] = []
    frames, traces = [], []
    for rep in range(scn.replications):
        keep = timeseries is True or (timeseries == "first" and rep == 0)
        sim = Simulation(scn, rep, timeseries=keep, vectorize=vectorize, trace=trace).run()
        rows.extend(kpi_rows(sim))
        if trace:
            traces.append(sim.trace_frame())
        if keep:
            frames.append(sim.series.frame(scn.name, rep))
        if progress is not None:
            progress(rep + 1)
    kpis = pd.DataFrame(rows, columns=KPI_COLUMNS)
    series = pd.concat(frames, ignore_index=True) if frames else None
    trace_table = pd.concat(traces, ignore_index=True) if traces else None
    return Results(scenario=scn, kpis=kpis, summary=summarize(kpis), timeseries=series,
                   trace=trace_table)
