"""The day kernel: one replication of a scenario, built, run day by day, its counters kept.

``Simulation`` builds the network, runs the days in their phase order and leaves each node's
running sums (``model.node.Stats``) for the KPI functions of ``metrics`` to read; replications,
KPI rows and summaries are assembled above the metrics, in ``experiments.replicate``. The engine
imports no metrics. The phase order of a day lives in ``Simulation.step`` (the day conventions of the README);
``Simulation.run_until`` lets a caller advance a few days at a time (``chainsim play`` advances
one week per turn).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import simpy
from simpy.events import Event

from chainsim.engine.recorder import TimeSeries
from chainsim.model.dists import integer_valued
from chainsim.model.kernel import starting_stock
from chainsim.model.network import build_network, make_policies
from chainsim.model.rng import Streams
from chainsim.scenario.load import load_scenario
from chainsim.scenario.schema import Scenario

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
    day's clock event runs the other phases. A caller changes a running simulation only through
    its hooks (``replace_policy``, ``watch_receipts``), never by writing the nodes' fields.
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
        self.observers = list(self.net.observers)  # told each day's demand (replace_policy)
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
        for policy in self.observers:  # before close_day clears the day's demand
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

    # ------------------------------------------------------------------ hooks
    def node(self, node_id: str):
        """The runtime node ``node_id`` (``model.node.Node``). Raises ValueError for a node
        simulated inside a retail group: build the Simulation with ``vectorize=False``."""
        for node in self.net.nodes:
            if node.id == node_id:
                return node
        grouped = any(node_id in g.ids for g in self.net.groups)
        raise ValueError(f"node {node_id!r} is simulated in a retail group; use "
                         "Simulation(..., vectorize=False) to reach it" if grouped
                         else f"no node {node_id!r} in scenario {self.scenario.name!r}")

    def replace_policy(self, node_id: str, policy, *, review_days: int = 1) -> None:
        """Let ``policy`` decide node ``node_id``'s orders from its next review on, reviewing
        every ``review_days`` days (``chainsim play`` puts a person's typed orders there).

        ``policy`` needs one method, ``need(ip)``: the quantity wanted at inventory position ip
        (on hand + on order − backorders); the node's MOQ and case pack still apply. The old
        policy stops being told each day's demand (a forecasting policy would otherwise keep
        learning for a node it no longer orders for); the new one is not told it either.
        Between ``run_until`` calls, the change takes effect on the next day simulated.
        """
        node = self.node(node_id)
        old = node.policy
        self.observers = [p for p in self.observers if p is not old]
        node.set_policy(policy, review_days)

    def watch_receipts(self, node_id: str, callback: Callable[[int, float], None]) -> None:
        """Call ``callback(day, qty)`` after each receipt into node ``node_id``'s stock from now
        on: shipments received at the start of ``day`` (phase 1) or, over a lane with lead time
        0, during its phase 2."""
        env = self.env
        self.node(node_id).watch_receipts(lambda qty: callback(int(env.now), qty))

    def trace_frame(self) -> pd.DataFrame:
        """The consumer orders' status rows of this replication, in time order per order."""
        frame = pd.DataFrame(self.trace or [], columns=TRACE_COLUMNS)
        frame.insert(0, "replication", self.replication)
        frame.insert(0, "scenario", self.scenario.name)
        return frame.sort_values(["node", "order", "time"], kind="stable", ignore_index=True)


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
            raw["initial"] = {**raw["initial"],
                              "on_hand": starting_stock(None, policies.get(node.id))}
        if node.integer is None:
            raw["integer"] = node.demand is not None and integer_valued(node.demand)
    return Scenario.model_validate(data)
