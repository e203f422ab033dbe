"""Warm-up ends in one place (engine.run.Simulation.close calls every actor's reset_stats).

The model no longer checks the warm-up itself; these tests count, from outside, what happened
after the boundary and compare it with the statistics the actors kept.
"""

from __future__ import annotations

import pytest

import chainsim.model.group as group_module
from chainsim.engine.run import Simulation, resolve

from .helpers import const, kpis, lane, scenario, source

WARMUP, HORIZON = 15, 60


def outage_scenario(warmup=WARMUP):
    nodes = [source("src", outage={"start_prob": 0.15, "duration": const(4)}),
             {"id": "shop", "role": "retailer", "demand": {"dist": "poisson", "mean": 3},
              "policy": {"type": "base_stock", "S": 12}}]
    return resolve(scenario(nodes, [lane("src", "shop", 1)], horizon=HORIZON, warmup=warmup,
                            seed=4))


@pytest.mark.parametrize("warmup", [0, 1, WARMUP])
def test_availability_counts_the_days_after_warmup_only(warmup):
    sim = Simulation(outage_scenario(warmup), 0, vectorize=False)
    src = next(n for n in sim.net.nodes if n.id == "src")
    up = 0
    for day in range(warmup + HORIZON):
        sim.run_until(day + 1)  # the outage state of day ``day`` is set at its start
        up += day >= warmup and not src.out
    assert 0 < up < HORIZON  # the scenario has outages after warm-up
    assert kpis(sim, "src")["availability"] == up / HORIZON


def test_every_actor_restarts_its_statistics_at_the_end_of_warmup(monkeypatch):
    nodes = [source("src")] + [
        {"id": f"r{i}", "role": "retailer", "demand": {"dist": "poisson", "mean": 2 + i},
         "policy": {"type": "sS", "s": 3, "S": 10 + i}} for i in range(3)]
    lanes = [lane("src", f"r{i}", 2) for i in range(3)]
    scn = resolve(scenario(nodes, lanes, horizon=HORIZON, warmup=WARMUP))
    monkeypatch.setattr(group_module, "MIN_GROUP", 2)  # so that the three form a group
    for vectorize in (False, True):
        sim = Simulation(scn, 0, timeseries=True, vectorize=vectorize).run()
        assert len(sim.net.groups) == int(vectorize)
        days = [n.stats.days for n in sim.net.kpi_nodes()] + [s.days for s in sim.sums]
        assert days == [HORIZON] * len(days)
        # the demand counted is the demand of the days after warm-up (time series: all days)
        series = sim.series.frame("s", 0)
        after = series[series["day"] >= WARMUP]
        for n in sim.net.kpi_nodes():
            assert n.stats.asked == after.loc[after["node"] == n.id, "demand"].sum()
