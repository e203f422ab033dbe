"""Simulate a scenario: build the network, run the days in their phase order, collect KPIs.

The phase order of a day lives in ``Simulation.step`` (DESIGN §2); ``Simulation.run_until``
lets a caller advance a few days at a time (``chainsim play`` advances one week per turn).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import simpy
from simpy.events import Event

from chainsim.engine.recorder import TimeSeries
from chainsim.metrics.kpi import (
    amplification,
    market_channel_kpis,
    network_kpis,
    node_kpis,
    owner_kpis,
)
from chainsim.metrics.summary import summarize
from chainsim.model.dists import integer_valued
from chainsim.model.network import build_network, make_policies
from chainsim.model.rng import Streams
from chainsim.scenario.load import load_scenario
from chainsim.scenario.schema import Scenario

KPI_COLUMNS = ["scenario", "replication", "node", "metric", "value"]
TRACE_COLUMNS = ["order", "node", "channel", "method", "status", "time", "quantity"]
CLOSE = -1  # priority of the end of a day: before the URGENT (0) arrivals due at that time


class EndOfDay(Event):
    """Fires at the end of the current day, before anything due at the next day's start."""

    def __init__(self, env):
        self.env = env
        self.callbacks = []
        self._value = None
        self._ok = True
        env.schedule(self, CLOSE, 1)


class Simulation:
    """One replication of a scenario on a SimPy environment.

    Time is in days; day d is [d, d+1). Shipments are SimPy events scheduled with URGENT
    priority for the start of the day they are due, so they are received (phase 1) before the
    day's clock event runs the other phases.
    """

    def __init__(self, scenario: Scenario, replication: int, *, timeseries: bool = False,
                 vectorize: bool = True, trace: bool = False):
        self.scenario = scenario
        self.replication = replication
        self.env = simpy.Environment()
        self.warmup = scenario.warmup_days
        self.days = scenario.warmup_days + scenario.horizon_days
        self.trace: list | None = [] if trace else None
        self.net = build_network(scenario, self.env, Streams(scenario.seed, replication),
                                 vectorize=vectorize, trace=self.trace)
        self.actors = self.net.actors()
        self.sums = list({id(s): s for s in self.net.served.values()}.values())
        self.series = TimeSeries(self.net, self.days) if timeseries else None
        self.day = 0
        self.process = None  # the day loop, once started

    def step(self, day: int) -> None:
        """Phases 2 and 3 of day ``day``, at its start (time ``day``):

        1. (before this) shipments due today were received by their SimPy events, scheduled
           URGENT so they come first; retail groups receive theirs here; receiving serves
           waiting backorders first come first served;
        2. nodes review their inventory position and order, from the consumer end upstream,
           so a supplier sees today's orders from below before it orders itself;
        3. today's consumer demand arrives and is served, backordered or lost. Consumer orders
           of a 3PL arrive one by one during the day instead, as SimPy processes.
        """
        for group in self.net.groups:
            group.receive_due(day)
        for outages in self.net.outages:  # suppliers fail or recover at the start of a day
            outages.update(day)
        for actor in self.net.review_order:
            actor.review(day)
        for actor in self.net.demand_nodes:
            actor.serve_demand()
        if self.net.market is not None:
            self.net.market.serve()

    def close(self, day: int) -> None:
        """Phase 4, at the end of day ``day`` (time day + 1, before the arrivals due then):
        end-of-day levels are recorded and costs charged; statistics restart after warm-up."""
        if self.series is not None:
            self.series.record(day)
        for policy in self.net.observers:  # before close_day clears the day's demand
            policy.observe_day()
        for served in self.sums:
            served.add_day()
        for actor in self.actors:
            actor.close_day()
        if day == self.warmup - 1:
            # the one place where warm-up ends, so that statistics cover the days after it:
            # every actor that keeps statistics (nodes with their outages and order statistics,
            # retail groups, the market, the served-demand sums) restarts them in its
            # reset_stats; nothing in the model checks the warm-up itself
            market = [self.net.market] if self.net.market is not None else []
            for actor in (*self.actors, *market, *self.sums):
                actor.reset_stats()

    def _clock(self):
        env = self.env
        for day in range(self.day, self.days):
            self.step(day)
            yield EndOfDay(env)
            self.close(day)
            self.day = day + 1
            yield env.timeout(0)  # NORMAL priority: after the URGENT arrivals of the new day

    def run_until(self, day: int) -> Simulation:
        """Simulate the days before ``day`` (up to the end of the run); a later call continues
        where this one stopped, with the same numbers as one uninterrupted ``run``."""
        if self.process is None:
            self.process = self.env.process(self._clock())
        day = min(day, self.days)
        if day > self.env.now:
            self.env.run(until=day)
        return self

    def run(self) -> Simulation:
        return self.run_until(self.days)

    def kpi_rows(self) -> list[tuple]:
        nodes = self.net.kpi_nodes()
        per_node = {n.id: node_kpis(n) for n in nodes}
        extra = {**owner_kpis(nodes, per_node), **market_channel_kpis(nodes, per_node)}
        for n in nodes:  # a 3PL's channels get rows of their own: node "<id>/<channel>"
            if hasattr(n, "channel_kpis") and n.stats.days:
                extra.update((f"{n.id}/{ch}", k)
                             for ch, k in n.channel_kpis(n.stats.days).items())
        for n in nodes:
            if n.id in per_node and per_node[n.id]:
                per_node[n.id]["amplification"] = amplification(
                    per_node[n.id], self.net.served.get(n.id))
        per_node["network"] = network_kpis(nodes, per_node, self.net.market)
        per_node.update(extra)  # after the network's sums: they must not count twice
        name, rep = self.scenario.name, self.replication
        return [(name, rep, nid, metric, value)
                for nid, kpis in per_node.items() for metric, value in kpis.items()]


    def trace_frame(self) -> pd.DataFrame:
        """The consumer orders' status rows of this replication, in time order per order."""
        frame = pd.DataFrame(self.trace or [], columns=TRACE_COLUMNS)
        frame.insert(0, "replication", self.replication)
        frame.insert(0, "scenario", self.scenario.name)
        return frame.sort_values(["node", "order", "time"], kind="stable", ignore_index=True)


@dataclass
class Results:
    """What a run produced: tidy KPI rows per replication, their summary, time series."""

    scenario: Scenario
    kpis: pd.DataFrame
    summary: pd.DataFrame
    timeseries: pd.DataFrame | None = None
    trace: pd.DataFrame | None = None


def resolve(scenario: Scenario | Mapping[str, Any] | str | Path, *, replications=None, days=None,
            seed=None, warmup=None) -> Scenario:
    """The scenario with the caller's overrides applied (None keeps the file's value) and the
    defaults that depend on other fields written out: each node's starting stock and whether its
    demand is in whole units. Simulating the result gives the same numbers as the original."""
    scn = load_scenario(scenario)
    data = scn.model_dump(by_alias=True)
    data.update({k: v for k, v in (("replications", replications), ("horizon_days", days),
                                   ("seed", seed), ("warmup_days", warmup)) if v is not None})
    policies = make_policies(scn)
    for raw, node in zip(data["nodes"], scn.nodes, strict=True):
        if node.initial.on_hand is None:
            level = policies[node.id].level if node.id in policies else 0
            raw["initial"] = {**raw["initial"], "on_hand": max(level, 0)}
        if node.integer is None:
            raw["integer"] = node.demand is not None and integer_valued(node.demand)
    return Scenario.model_validate(data)


def simulate(scenario, replications: int | None = None, days: int | None = None,
             seed: int | None = None, warmup: int | None = None, *,
             timeseries: bool | str = False, vectorize: bool = True, trace: bool = False,
             progress: Callable[[int], None] | None = None) -> Results:
    """Simulate ``replications`` independent replications of a scenario.

    ``days`` counts the days after warm-up; arguments left out come from the scenario.
    ``timeseries``: False, "first" (replication 0 only) or True (all replications).
    ``trace=True`` also returns every consumer order's statuses with their times (days).
    ``vectorize=False`` simulates every node on its own instead of in retail groups (same
    numbers, slower; for checking). ``progress`` is called with the number of finished
    replications.
    """
    scn = resolve(scenario, replications=replications, days=days, seed=seed, warmup=warmup)
    rows: list[tuple] = []
    frames, traces = [], []
    for rep in range(scn.replications):
        keep = timeseries is True or (timeseries == "first" and rep == 0)
        sim = Simulation(scn, rep, timeseries=keep, vectorize=vectorize, trace=trace).run()
        rows.extend(sim.kpi_rows())
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
