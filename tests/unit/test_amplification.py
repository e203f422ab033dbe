"""``amplification``: a node's orders variance over the variance of the consumer demand it
serves. Checked against the definition, recomputed from the daily time series (exact up to float
rounding), on a serial chain, a supplier with two shops, and a retail group."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import chainsim

DAYS, WARMUP = 300, 20


def _chain(shops: int, policy: dict) -> dict:
    nodes = [{"id": "plant", "role": "manufacturer", "infinite_supply": True},
             {"id": "dc", "role": "distributor", "policy": policy}]
    lanes = [{"from": "plant", "to": "dc", "lead_time": {"dist": "constant", "value": 2}}]
    for i in range(shops):
        nodes.append({"id": f"shop{i}", "role": "retailer",
                      "demand": {"dist": "poisson", "mean": 5 + i % 3},
                      "policy": {"type": "base_stock", "S": 30}})
        lanes.append({"from": "dc", "to": f"shop{i}",
                      "lead_time": {"dist": "constant", "value": 1}})
    return {"name": "amp", "horizon_days": DAYS, "warmup_days": WARMUP, "replications": 3,
            "seed": 7, "nodes": nodes, "lanes": lanes}


def _kpi(res, node: str, metric: str) -> np.ndarray:
    k = res.kpis
    sel = k[(k.node == node) & (k.metric == metric)].sort_values("replication")
    return sel["value"].to_numpy(float)


def _from_series(res, node: str) -> np.ndarray:
    """orders variance of ``node`` / variance of the summed consumer demand of the shops,
    per replication, from the daily series after warm-up."""
    ts = res.timeseries[res.timeseries.day >= WARMUP]
    out = []
    for _, rep in ts.groupby("replication"):
        orders = rep[rep.node == node].sort_values("day")["orders"].to_numpy(float)
        shops = rep[rep.node.str.startswith("shop")]
        demand = shops.groupby("day")["demand"].sum().to_numpy(float)
        out.append(np.var(orders, ddof=1) / np.var(demand, ddof=1))
    return np.array(out)


FORECAST = {"type": "forecast_out", "method": "moving_average", "window": 4}


@pytest.mark.parametrize("shops", [1, 2])
def test_amplification_is_orders_variance_over_served_consumer_demand(shops):
    res = chainsim.simulate(_chain(shops, FORECAST), timeseries=True)
    np.testing.assert_allclose(_kpi(res, "dc", "amplification"), _from_series(res, "dc"),
                               rtol=1e-9)
    assert (_kpi(res, "dc", "amplification") > 1).all()  # a 4-day moving average amplifies


def test_consumer_facing_node_amplification_is_its_bullwhip():
    res = chainsim.simulate(_chain(2, FORECAST))
    for shop in ("shop0", "shop1"):
        np.testing.assert_array_equal(_kpi(res, shop, "amplification"),
                                      _kpi(res, shop, "bullwhip"))
    assert np.isnan(_kpi(res, "plant", "amplification")).all()  # places no orders


def test_serial_chain_amplification_is_the_product_of_the_local_ratios():
    """With one shop, the dc's demand is the shop's orders: the dc's amplification equals
    bullwhip(dc) × bullwhip(shop) up to the one-day shift of the order window."""
    scn = _chain(1, FORECAST)
    scn["nodes"][2]["policy"] = {"type": "forecast_out", "method": "moving_average", "window": 6}
    res = chainsim.simulate(scn, days=3000)
    product = _kpi(res, "dc", "bullwhip") * _kpi(res, "shop0", "bullwhip")
    np.testing.assert_allclose(_kpi(res, "dc", "amplification"), product, rtol=0.01)


def test_retail_group_gives_the_same_amplification_as_single_nodes():
    scn = _chain(40, FORECAST)
    grouped = chainsim.simulate(scn, replications=2, days=120)
    single = chainsim.simulate(scn, replications=2, days=120, vectorize=False)
    key = ["replication", "node", "metric"]
    a = grouped.kpis[grouped.kpis.metric == "amplification"].sort_values(key)
    b = single.kpis[single.kpis.metric == "amplification"].sort_values(key)
    pd.testing.assert_series_equal(a["value"].reset_index(drop=True),
                                   b["value"].reset_index(drop=True))
