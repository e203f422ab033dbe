"""A manufacturer that produces (model/node.py Plant): capacity per day and production lead time.

Production started on a day is counted by wrapping the plant's ``_start_production`` (the change
in its queue of unstarted orders) and receipts by wrapping ``receive``; the expected numbers are
worked out by hand.
"""

from __future__ import annotations

from collections import Counter

from chainsim.engine.run import Simulation, resolve

from .helpers import const, kpis, scenario


def plant_scenario(capacity=3, production=None, horizon=20, shop_S=10, demand=5):
    production = const(2) if production is None else production
    plant = {"id": "plant", "role": "manufacturer", "production_lead_time": production,
             "policy": {"type": "base_stock", "S": 20}}
    if capacity is not None:
        plant["capacity"] = capacity
    return scenario(
        [plant, {"id": "shop", "role": "retailer", "demand": const(demand),
                 "policy": {"type": "base_stock", "S": shop_S}}],
        [{"from": "plant", "to": "shop", "lead_time": const(0)}],
        horizon=horizon,
    )


def watched(raw):
    """Run with the plant's daily production starts, drawn delays and receipts recorded."""
    sim = Simulation(resolve(raw), 0, vectorize=False)
    plant = next(n for n in sim.net.nodes if n.id == "plant")
    started: dict[int, float] = {}
    delays: list[tuple[int, int]] = []
    receipts: Counter = Counter()

    start, receive, delay = plant._start_production, plant.receive, plant.production_time

    def _start():
        before = plant.queued
        start()
        started[int(sim.env.now)] = started.get(int(sim.env.now), 0) + before - plant.queued

    def _receive(qty):
        receipts[int(sim.env.now)] += qty
        receive(qty)

    def _delay():
        x = delay()
        delays.append((int(sim.env.now), x))
        return x

    plant._start_production, plant.receive, plant.production_time = _start, _receive, _delay
    sim.run()
    return sim, plant, started, delays, receipts


def test_capacity_caps_daily_production_and_lead_time_is_respected():
    """Capacity 3 < demand 5, production takes 2 days. Day 0: no order (IP = S). Day 1 on: the
    plant orders 5 a day and starts 3 a day; what starts on day t is in stock on day t + 2."""
    sim, plant, started, delays, receipts = watched(plant_scenario())
    days = sorted(started)
    assert days == list(range(20))  # review (and production) runs every day
    assert [started[d] for d in days] == [0] + [3] * 19
    assert max(started.values()) <= 3
    assert dict(receipts) == {t: 3 for t in range(3, 20)}
    assert all(x == 2 for _, x in delays)
    # production is paid at the unit cost when it starts: 19 days × 3 units × 10 / 20 days
    k = kpis(sim, "plant")
    assert k["purchase_cost"] == 10 * 3 * 19 / 20
    # the unstarted queue grows by 5 − 3 a day from day 1
    assert plant.queued == 2 * 19
    assert plant.in_transit == 3 * 2  # started on days 18 and 19


def test_random_production_lead_time_is_honoured_per_batch():
    """Production time uniform(2, 4) days, rounded up to whole days: every batch started on
    day t arrives on day t + its drawn delay, which is 3 or 4 (2 only with probability 0)."""
    sim, plant, started, delays, receipts = watched(
        plant_scenario(production={"dist": "uniform", "low": 2, "high": 4}, horizon=120))
    expected: Counter = Counter()
    for (t, x) in delays:
        assert x in (3, 4)
        if t + x < 120:
            expected[t + x] += started[t]
    assert +receipts == +expected
    assert max(started.values()) <= 3


def test_unlimited_capacity_starts_each_order_at_once():
    sim, plant, started, delays, receipts = watched(plant_scenario(capacity=None))
    # the plant orders what the shop took that day (5 from day 1) and starts all of it
    assert [started[d] for d in sorted(started)] == [0] + [5] * 19
    assert plant.queued == 0


def test_capacity_above_demand_never_binds():
    sim, plant, started, delays, receipts = watched(plant_scenario(capacity=7))
    assert [started[d] for d in sorted(started)] == [0] + [5] * 19
    assert kpis(sim, "shop")["fill_rate"] == 1.0
