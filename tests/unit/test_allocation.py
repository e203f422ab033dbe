"""Allocation, partial shipments and the day's phase order (DESIGN §2), on hand-worked cases.

Demand and lead times are constant, so each expected number below is worked out by hand from
the phase order: 1. receive (serve backorders FIFO), 2. review and order from the consumer end
upstream, 3. demand, 4. end-of-day levels.
"""

from __future__ import annotations

import pytest

from chainsim.engine.run import Simulation, resolve

from .helpers import const, kpis, lane, node, run, scenario, series, source


def retailer(node_id, S, demand=0, **extra):
    return {"id": node_id, "role": "retailer", "demand": const(demand),
            "policy": {"type": "base_stock", "S": S}, **extra}


# --------------------------------------------------------------------------- node level
def _dc_with_two_buyers():
    scn = scenario(
        [source("src"),
         {"id": "dc", "role": "distributor", "policy": {"type": "base_stock", "S": 30}},
         retailer("a", 0), retailer("b", 0)],
        [lane("src", "dc", 5), lane("dc", "a", 0), lane("dc", "b", 0)],
    )
    sim = Simulation(resolve(scn), 0, vectorize=False)
    return node(sim, "dc"), node(sim, "a"), node(sim, "b")


def test_order_larger_than_stock_ships_what_is_on_hand_at_once():
    dc, a, b = _dc_with_two_buyers()
    assert dc.on_hand == 30  # starts at S
    a.on_order += 100
    dc.take_order(a.supply, 100)
    assert (dc.on_hand, dc.backlog_qty, dc.day_shipped, dc.stats.filled) == (0, 70, 30, 30)
    assert a.on_hand == 30 and a.on_order == 70  # lead time 0: received at once
    assert [(e[0].buyer.id, e[1]) for e in dc.backlog] == [("a", 70)]


def test_backlog_is_served_first_come_first_served_as_stock_arrives():
    dc, a, b = _dc_with_two_buyers()
    a.on_order += 100
    dc.take_order(a.supply, 100)        # ships 30, owes a 70
    b.on_order += 5
    dc.take_order(b.supply, 5)          # nothing on hand: owes b 5, behind a
    assert [(e[0].buyer.id, e[1]) for e in dc.backlog] == [("a", 70), ("b", 5)]
    dc.on_order = 100
    dc.receive(50)                      # all 50 to a (first in line), none to the smaller b
    assert (a.on_hand, b.on_hand, dc.on_hand) == (80, 0, 0)
    assert [(e[0].buyer.id, e[1]) for e in dc.backlog] == [("a", 20), ("b", 5)]
    dc.receive(22)                      # a's last 20, then 2 of b's 5
    assert (a.on_hand, b.on_hand, dc.on_hand) == (100, 2, 0)
    assert [(e[0].buyer.id, e[1]) for e in dc.backlog] == [("b", 3)]
    a.on_order += 4
    dc.take_order(a.supply, 4)          # a new order of a waits behind b's remainder
    dc.receive(10)
    assert (a.on_hand, b.on_hand, dc.on_hand) == (104, 5, 3)
    assert not dc.backlog and dc.backlog_qty == 0
    assert dc.on_order == 100 - 50 - 22 - 10
    assert dc.day_shipped == 30 + 50 + 22 + 7


def test_lost_sales_supplier_drops_what_it_cannot_ship():
    scn = scenario(
        [source("src"),
         {"id": "dc", "role": "distributor", "unmet": "lost",
          "policy": {"type": "base_stock", "S": 30}},
         retailer("a", 0)],
        [lane("src", "dc", 5), lane("dc", "a", 0)],
    )
    sim = Simulation(resolve(scn), 0, vectorize=False)
    dc, a = node(sim, "dc"), node(sim, "a")
    a.on_order += 100
    dc.take_order(a.supply, 100)
    assert (dc.on_hand, dc.backlog_qty, dc.stats.lost) == (0, 0, 70)
    assert (a.on_hand, a.on_order) == (30, 0)  # the buyer no longer waits for the 70


# --------------------------------------------------------------------------- whole runs
def test_big_order_partial_shipment_and_fifo_day_by_day():
    """src -(5 days)-> dc (base stock S = 0, starts with 30) -> a (S = 100, starts empty, no
    demand; 1 day) and -> b (S = 5, demand 5/day; 0 days).

    Day 0: a orders 100, dc ships its 30 at once and owes 70; dc orders 70 (arrives day 5).
    Days 1-4: b orders 5 a day, dc owes them behind a's 70 and orders 5 a day (days 6-9).
    Day 5: the 70 all go to a (first in line), although b's smaller orders wait too.
    Day 6 on: dc receives 5 a day and passes them to b's oldest order.
    """
    scn = scenario(
        [source("src"),
         {"id": "dc", "role": "distributor", "policy": {"type": "base_stock", "S": 0},
          "initial": {"on_hand": 30}},
         retailer("a", 100, 0, initial={"on_hand": 0}),
         retailer("b", 5, 5)],
        [lane("src", "dc", 5), lane("dc", "a", 1), lane("dc", "b", 0)],
        horizon=10,
    )
    sim = run(scn)
    dc, a, b = series(sim, "dc"), series(sim, "a"), series(sim, "b")
    days = range(10)
    assert dc["shipments"].tolist() == [30, 0, 0, 0, 0, 70, 5, 5, 5, 5]
    assert dc["orders"].tolist() == [70, 5, 5, 5, 5, 5, 5, 5, 5, 5]
    assert dc["on_hand"].tolist() == [0] * 10
    assert dc["backorders"].tolist() == [70, 75, 80, 85, 90, 25, 25, 25, 25, 25]
    assert a["orders"].tolist() == [100] + [0] * 9
    assert a["on_hand"].tolist() == [0, 30, 30, 30, 30, 30, 100, 100, 100, 100]
    assert b["orders"].tolist() == [0] + [5] * 9
    assert b["on_hand"].tolist() == [0] * 10
    # b's consumers: 5 a day unserved on days 1-5; from day 6 one 5 arrives a day
    assert b["backorders"].tolist() == [0, 5, 10, 15, 20, 25, 25, 25, 25, 25]
    assert b["on_order"].tolist() == [0, 5, 10, 15, 20, 25, 25, 25, 25, 25]
    assert [d for d in days if dc["shipments"][d]] == [0, 5, 6, 7, 8, 9]


def test_lead_time_zero_is_received_before_the_days_demand():
    """S = 5, demand 5 a day, L = 0: the day's order (5) arrives before the demand."""
    scn = scenario([source(), retailer("shop", 5, 5)], [lane("src", "shop", 0)], horizon=20)
    sim = run(scn)
    k = kpis(sim, "shop")
    assert k["fill_rate"] == 1.0
    assert k["on_hand"] == 0 and k["backorders"] == 0 and k["on_order"] == 0
    assert k["cycle_service_level"] == 1.0
    assert series(sim, "shop")["on_hand"].tolist() == [0] * 20


@pytest.mark.parametrize("S, d, L", [(40, 5, 3), (25, 4, 2), (12, 3, 0), (9.5, 1.5, 4)])
def test_base_stock_constant_demand_levels(S, d, L):
    """From day L on: on hand at end of day S − d(L+1), on order d·L, one order of d a day."""
    warmup = max(L, 1)
    scn = scenario([source(), retailer("shop", S, d)], [lane("src", "shop", L)],
                   horizon=30, warmup=warmup)
    sim = run(scn)
    k = kpis(sim, "shop")
    assert k["on_hand"] == pytest.approx(S - d * (L + 1))
    assert k["on_order"] == pytest.approx(d * L)
    assert k["in_transit"] == pytest.approx(d * L)
    assert k["backorders"] == 0 and k["fill_rate"] == 1.0
    assert k["orders"] == pytest.approx(d)
    assert k["order_frequency"] == 1.0
    assert k["orders_variance"] == 0 and k["demand_variance"] == 0
    ts = series(sim, "shop").loc[L:]
    assert ts["on_hand"].tolist() == pytest.approx([S - d * (L + 1)] * len(ts))
    assert ts["on_order"].tolist() == pytest.approx([d * L] * len(ts))


@pytest.mark.parametrize("S, backorders, fill", [(10, 5, 0.0), (12, 3, 0.4)])
def test_base_stock_below_lead_time_demand_backorders(S, backorders, fill):
    """d = 5, L = 2: S − d(L+1) = S − 15 < 0. From day 2 on, each day's arrival (5) first
    clears yesterday's backorders 15 − S, the rest serves today: fill rate (S − 10)/5. With
    warm-up 3 the backlog is the same at the start and the end, so all demand is sold."""
    scn = scenario([source(), retailer("shop", S, 5)], [lane("src", "shop", 2)],
                   horizon=30, warmup=3)
    k = kpis(run(scn), "shop")
    assert k["on_hand"] == 0
    assert k["backorders"] == backorders
    assert k["fill_rate"] == pytest.approx(fill)
    assert k["cycle_service_level"] == 0
    assert k["units_sold"] == 5  # backorders are filled later, so all demand is sold
    assert k["on_order"] == 10


def test_review_days_orders_every_R_days():
    """S = 40, d = 5, L = 1, R = 3: orders of 15 on days 0 mod 3 (none on day 0, IP = S);
    end-of-day on hand cycles 20, 30, 25 (mean S − d(L + (R+1)/2) = 25), on order 15, 0, 0."""
    scn = scenario([source(), retailer("shop", 40, 5, policy={"type": "base_stock", "S": 40,
                                                              "review_days": 3})],
                   [lane("src", "shop", 1)], horizon=30, warmup=3)
    sim = run(scn)
    k = kpis(sim, "shop")
    assert k["order_frequency"] == pytest.approx(1 / 3)
    assert k["orders"] == pytest.approx(5)
    assert k["on_hand"] == pytest.approx(25)
    assert k["on_order"] == pytest.approx(5)
    ts = series(sim, "shop")
    ordered_days = [d for d, q in ts["orders"].items() if q]
    assert ordered_days == list(range(3, 33, 3))
    assert set(ts["orders"][ordered_days]) == {15}
    assert ts["on_hand"].loc[3:8].tolist() == [20, 30, 25, 20, 30, 25]


def test_upstream_sees_todays_orders_before_it_orders():
    """src -(2)-> dc (S = 20) -(0)-> shop (S = 5, demand 5). Day 1: the shop orders 5, the dc
    ships them at once and, reviewing after its buyer, reorders the same day: dc orders are
    5 a day from day 1. Because the dc's demand (the shop's order) comes before its own review,
    its S covers only L days: end-of-day on hand is 20 − 5·2 = 10 from day 2 on (not
    S − d(L+1) as at the consumer-facing shop)."""
    scn = scenario([source(), {"id": "dc", "role": "distributor",
                               "policy": {"type": "base_stock", "S": 20}},
                    retailer("shop", 5, 5)],
                   [lane("src", "dc", 2), lane("dc", "shop", 0)], horizon=12)
    sim = run(scn)
    dc = series(sim, "dc")
    assert dc["orders"].tolist() == [0] + [5] * 11
    assert dc["demand"].tolist() == [0] + [5] * 11
    assert dc["on_hand"].tolist() == [20, 15] + [10] * 10
    assert kpis(sim, "shop")["fill_rate"] == 1.0


def test_zero_lead_time_chain_passes_stock_down_in_the_receiving_step():
    """src -(2)-> dc (S = 0, starts empty) -(0)-> shop (S = 5, demand 5). The dc holds
    nothing, so each shop order waits; two days later the dc's stock arrives in step 1 and is
    passed on at once over the 0-day lane, before the shop reviews and before its demand."""
    scn = scenario([source(), {"id": "dc", "role": "distributor",
                               "policy": {"type": "base_stock", "S": 0}},
                    retailer("shop", 5, 5)],
                   [lane("src", "dc", 2), lane("dc", "shop", 0)], horizon=12)
    sim = run(scn)
    shop = series(sim, "shop")
    # day 0: sells its 5; day 1 orders 5 (dc orders 5, arrives day 3); day 1 and 2 short
    assert shop["backorders"].tolist() == [0, 5, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10]
    assert series(sim, "dc")["shipments"].tolist() == [0, 0, 0] + [5] * 9


def test_infinite_source_serves_its_own_consumer_demand():
    """A manufacturer with infinite_supply selling direct to consumers (DESIGN §1), demand 5 a
    day: fill rate 1, 5 sold a day at the list price (revenue 125), bought at the unit cost
    (purchase 50). (Was a bug: such a node never served its consumers.)"""
    sim = run(scenario([source("src", demand=const(5))], [], horizon=10))
    k = kpis(sim, "src")
    assert k["fill_rate"] == 1.0 and k["cycle_service_level"] == 1.0
    assert k["units_sold"] == 5
    assert k["backorders"] == 0 and k["on_hand"] == 0
    assert k["revenue"] == 125 and k["purchase_cost"] == 50 and k["profit"] == 75
    assert kpis(sim, "network")["channel_profit"] == 75


def test_rQ_with_negative_reorder_level_never_starts_below_zero():
    """rQ r = -3, Q = 2 (level r + Q = -1), no demand at all: nothing can be backordered and
    nothing sold, and on hand never goes below 0 — or the loader refuses the policy."""
    from chainsim.errors import ScenarioError

    scn = scenario([source(), {"id": "shop", "role": "retailer", "demand": const(0),
                               "policy": {"type": "rQ", "r": -3, "Q": 2}}],
                   [lane("src", "shop", 0)], horizon=10)
    try:
        sim = run(scn)
    except ScenarioError:
        return
    ts = series(sim, "shop")
    assert (ts["on_hand"] >= 0).all()
    assert (ts["backorders"] == 0).all()
    assert kpis(sim, "shop")["units_sold"] == 0
