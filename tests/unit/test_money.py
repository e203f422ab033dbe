"""Costs, prices and profit (metrics/kpi.py, model/network.py) on hand-worked scenarios.

Product: unit cost 10, list price 25. Demand and lead times are constant, warm-up long enough
that every counted day is in the steady state, so each KPI is a short sum done by hand.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from chainsim.engine.run import resolve
from chainsim.experiments.replicate import simulate
from chainsim.model.network import selling_prices

from .helpers import const, kpis, lane, run, scenario, series, source

EXAMPLES = Path(__file__).resolve().parents[2] / "scenarios" / "examples"
COSTS = {"holding": 1.0, "backorder": 19.0, "order": 3.0}
SHIP = {"cost_per_unit": 0.5, "cost_per_shipment": 7.0}


def shop(S, d=5, **extra):
    node = {"id": "shop", "role": "retailer", "demand": const(d),
            "policy": {"type": "base_stock", "S": S}, "costs": dict(COSTS)}
    node.update(extra)
    return node


def test_costs_revenue_profit_base_stock_in_stock():
    """S = 20, d = 5, L = 2: on hand 20 − 15 = 5, no backorders, one order of 5 a day.
    holding 1·5 = 5; backorder 0; ordering 3·1 = 3; transport 0.5·5 + 7 = 9.5;
    pipeline 0.2 · in transit (d·L = 10) = 2; total 19.5. Revenue 25·5 = 125, purchase
    12·5 = 60, profit 125 − 60 − 19.5 = 45.5. The source sells 5 at 12 and buys them at the
    unit cost 10: profit 10. Channel profit 55.5 = 125 − 50 − 19.5."""
    costs = {**COSTS, "pipeline_holding": 0.2}
    scn = scenario([source(price=12), shop(20, costs=costs)], [lane("src", "shop", 2, **SHIP)],
                   horizon=30, warmup=2)
    sim = run(scn, timeseries=False)
    k = kpis(sim, "shop")
    expected = {"holding_cost": 5, "backorder_cost": 0, "ordering_cost": 3,
                "transport_cost": 9.5, "pipeline_cost": 2, "total_cost": 19.5,
                "revenue": 125, "purchase_cost": 60, "profit": 45.5, "units_sold": 5}
    for metric, value in expected.items():
        assert k[metric] == pytest.approx(value), metric
    ks = kpis(sim, "src")
    assert ks["revenue"] == pytest.approx(60)
    assert ks["purchase_cost"] == pytest.approx(50)
    assert ks["total_cost"] == 0
    assert ks["profit"] == pytest.approx(10)
    kn = kpis(sim, "network")
    assert kn["revenue"] == pytest.approx(125)
    assert kn["channel_profit"] == pytest.approx(55.5)
    assert kn["total_cost"] == pytest.approx(19.5)
    assert kn["cost_to_serve"] == pytest.approx(19.5 / 5)


def test_backorder_cost_on_end_of_day_backorders():
    """S = 12, d = 5, L = 2: 3 units backordered at every day's end, none on hand:
    backorder cost 19·3 = 57, holding 0; every unit is sold (later), revenue 125."""
    scn = scenario([source(price=12), shop(12)], [lane("src", "shop", 2)], horizon=30, warmup=3)
    k = kpis(run(scn, timeseries=False), "shop")
    assert k["backorders"] == 3 and k["on_hand"] == 0
    assert k["backorder_cost"] == pytest.approx(57)
    assert k["holding_cost"] == 0
    assert k["revenue"] == pytest.approx(125)
    assert k["total_cost"] == pytest.approx(57 + 3)
    assert k["profit"] == pytest.approx(125 - 60 - 60)


def test_lost_sales_give_no_revenue():
    """S = 10, d = 5, L = 2, lost sales. From day 3 a 3-day cycle: (receive, no order, sell 5),
    (receive, order 5, sell 5), (order 5, lose 5). Over 10 cycles: sold 100, lost 50, two orders
    of 5 per cycle. Per day: revenue 25·100/30, purchase 12·100/30, ordering 3·2/3,
    transport (0.5·5 + 7)·2/3; lost fraction 1/3; nothing on hand or backordered at day end."""
    scn = scenario([source(price=12), shop(10, unmet="lost")], [lane("src", "shop", 2, **SHIP)],
                   horizon=30, warmup=3)
    k = kpis(run(scn, timeseries=False), "shop")
    assert k["units_sold"] == pytest.approx(100 / 30)
    assert k["lost_sales"] == pytest.approx(50 / 30)
    assert k["lost_fraction"] == pytest.approx(1 / 3)
    assert k["fill_rate"] == pytest.approx(2 / 3)
    # one day in three loses a sale: not a clean day (README: CSL at a lost-sales node)
    assert k["cycle_service_level"] == pytest.approx(2 / 3)
    assert k["revenue"] == pytest.approx(25 * 100 / 30)
    assert k["purchase_cost"] == pytest.approx(12 * 100 / 30)
    assert k["order_frequency"] == pytest.approx(2 / 3)
    assert k["ordering_cost"] == pytest.approx(2)
    assert k["transport_cost"] == pytest.approx(9.5 * 2 / 3)
    assert k["on_hand"] == 0 and k["backorders"] == 0
    assert k["holding_cost"] == 0 and k["backorder_cost"] == 0
    assert k["profit"] == pytest.approx(25 * 100 / 30 - 40 - 2 - 9.5 * 2 / 3)
    kn = kpis(run(scn, timeseries=False), "network")
    assert kn["revenue"] == pytest.approx(25 * 100 / 30)
    assert kn["lost_fraction"] == pytest.approx(1 / 3)


def test_selling_prices_price_markup_list_price_and_resale_at_cost():
    scn = resolve(scenario(
        [source("src"),  # no price: sells at what it pays, the unit cost
         {"id": "ws", "role": "wholesaler", "policy": {"type": "base_stock", "S": 10},
          "markup": 0.25},
         {"id": "dc", "role": "distributor", "policy": {"type": "base_stock", "S": 10}},
         shop(10),
         {"id": "shop2", "role": "retailer", "demand": const(1), "price": 30,
          "policy": {"type": "base_stock", "S": 3}}],
        [lane("src", "ws"), lane("ws", "dc"), lane("dc", "shop"), lane("ws", "shop2")],
    ))
    assert selling_prices(scn) == pytest.approx(
        {"src": 10, "ws": 12.5, "dc": 12.5, "shop": 25, "shop2": 30})


def test_markup_chain_money_flows():
    """src (price 12) -> ws (markup 0.25: sells at 15) -> shop (list price 25), 5 units a day
    all along, no costs. Per day: shop 125 − 75 = 50, ws 75 − 60 = 15, src 60 − 50 = 10;
    channel profit 75 = 125 − 5·10."""
    scn = scenario(
        [source(price=12),
         {"id": "ws", "role": "wholesaler", "policy": {"type": "base_stock", "S": 20},
          "markup": 0.25},
         {"id": "shop", "role": "retailer", "demand": const(5),
          "policy": {"type": "base_stock", "S": 5}}],
        [lane("src", "ws", 1), lane("ws", "shop", 0)], horizon=20, warmup=3)
    sim = run(scn, timeseries=False)
    for nid, (rev, pur) in {"shop": (125, 75), "ws": (75, 60), "src": (60, 50)}.items():
        k = kpis(sim, nid)
        assert k["revenue"] == pytest.approx(rev), nid
        assert k["purchase_cost"] == pytest.approx(pur), nid
        assert k["profit"] == pytest.approx(rev - pur), nid
    assert kpis(sim, "network")["channel_profit"] == pytest.approx(75)


def test_supplier_min_order_raises_the_buyers_orders():
    """src accepts orders of at least 30. Shop: S = 20, d = 5, L = 1. Day 1: IP 15 → need 5,
    ordered 30 (arrives day 2); IP then falls 40, 35, ..., 20 (day 6: no need), day 7 orders
    30 again: a 6-day cycle. End-of-day on hand 10, 35, 30, 25, 20, 15: mean 22.5."""
    scn = scenario([source(price=12, min_order=30), shop(20)], [lane("src", "shop", 1)],
                   horizon=36, warmup=1)
    sim = run(scn)
    k = kpis(sim, "shop")
    assert k["order_frequency"] == pytest.approx(1 / 6)
    assert k["orders"] == pytest.approx(5)
    assert k["ordering_cost"] == pytest.approx(3 / 6)
    assert k["on_hand"] == pytest.approx(22.5)
    ts = series(sim, "shop")
    assert [d for d, q in ts["orders"].items() if q] == list(range(1, 37, 6))
    assert set(ts["orders"][ts["orders"] > 0]) == {30}


def test_supplier_min_order_then_buyers_case_pack():
    """The binding MOQ is the larger of the buyer's and the supplier's (30), then case packs of
    12 round it to 36."""
    policy = {"type": "base_stock", "S": 20, "moq": 8, "multiple": 12}
    scn = scenario([source(price=12, min_order=30), shop(20, policy=policy)],
                   [lane("src", "shop", 1)], horizon=40)
    ts = series(run(scn), "shop")
    assert set(ts["orders"][ts["orders"] > 0]) == {36}


def test_an_order_of_several_lots_counts_as_one_order():
    """rQ r = 10, Q = 5, d = 7, L = 0. From day 1 a 5-day cycle of IPs 8, 6, 4, 7, 5 gives
    orders 5, 5, 10, 5, 10 (two lots when one would leave IP at or below r) and end-of-day on
    hand 6, 4, 7, 5, 8. One order every day: ordering cost 3 (not 3·7/5); orders' sample variance
    over 30 days: 6 cycles × (4+4+9+4+9) / 29."""
    scn = scenario([source(price=12),
                    shop(0, d=7, policy={"type": "rQ", "r": 10, "Q": 5},
                         costs={"holding": 2.0, "order": 3.0})],
                   [lane("src", "shop", 0)], horizon=30, warmup=1)
    sim = run(scn)
    k = kpis(sim, "shop")
    assert series(sim, "shop")["orders"].loc[1:5].tolist() == [5, 5, 10, 5, 10]
    assert k["order_frequency"] == 1.0
    assert k["ordering_cost"] == pytest.approx(3.0)
    assert k["orders"] == pytest.approx(7)
    assert k["on_hand"] == pytest.approx(6)
    assert k["holding_cost"] == pytest.approx(12)
    assert k["orders_variance"] == pytest.approx(6 * 30 / 29)
    assert k["demand_variance"] == 0
    assert math.isnan(k["bullwhip"])  # variance of constant demand is 0: no ratio


@pytest.mark.parametrize("name", ["single_retailer", "serial_3tier", "wholesale_moq"])
def test_channel_profit_is_the_sum_of_node_profits(name):
    """Every internal sale is one node's revenue and its buyer's purchase on the same day: what
    nodes with a supplier pay equals what all nodes earn minus what consumers pay. The channel
    profit is the sum of node profits; an outside source pays the unit cost per unit shipped."""
    res = simulate(EXAMPLES / f"{name}.yaml", replications=2, days=200, warmup=20)
    scn = res.scenario
    supplied = {ln.dst for ln in scn.lanes}
    k = res.kpis
    for rep in (0, 1):
        kr = k[k["replication"] == rep]
        per = kr.pivot(index="node", columns="metric", values="value")
        nodes = per.drop(index="network")
        net = per.loc["network"]
        assert net["channel_profit"] == pytest.approx(math.fsum(nodes["profit"]), rel=1e-12)
        assert net["total_cost"] == pytest.approx(math.fsum(nodes["total_cost"]), rel=1e-12)
        internal_paid = math.fsum(nodes.loc[sorted(supplied), "purchase_cost"])
        internal_earned = math.fsum(nodes["revenue"]) - net["revenue"]
        assert internal_paid == pytest.approx(internal_earned, rel=1e-9)
        consumer = math.fsum(nodes.loc[n.id, "units_sold"] * scn.product.price
                             for n in scn.nodes if n.demand is not None and n.price is None)
        assert net["revenue"] == pytest.approx(consumer, rel=1e-12)
        for n in scn.nodes:
            if n.infinite_supply:
                row = nodes.loc[n.id]
                assert row["purchase_cost"] == pytest.approx(
                    scn.product.unit_cost * row["shipped"], rel=1e-12)
        for nid, row in nodes.iterrows():
            parts = (row["holding_cost"] + row["backorder_cost"] + row["ordering_cost"]
                     + row["transport_cost"] + row["pipeline_cost"])
            assert row["total_cost"] == pytest.approx(parts, rel=1e-12), nid
            assert row["profit"] == pytest.approx(
                row["revenue"] - row["purchase_cost"] - row["total_cost"], rel=1e-12), nid
