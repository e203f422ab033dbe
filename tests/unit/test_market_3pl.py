"""A 3PL as a market outlet: each captured unit becomes a one-unit consumer order that day."""

from __future__ import annotations

import numpy as np

import chainsim

SCENARIO = {
    "name": "online", "horizon_days": 30, "warmup_days": 5, "replications": 1, "seed": 3,
    "products": [{"id": "item", "unit_cost": 5, "price": 20}],
    "market": {"regions": [{"id": "r1", "demand": {"dist": "constant", "value": 6}},
                           {"id": "r2", "demand": {"dist": "constant", "value": 4}}],
               "coverage": {"k": 40}},  # 1 − e^(−40) = 1 to double precision: all captured
    "nodes": [
        {"id": "src", "role": "manufacturer", "infinite_supply": True},
        {"id": "fc", "role": "3pl", "region": "all", "policy": {"type": "base_stock", "S": 500},
         "channels": [{"id": "web", "kind": "website", "share": 1.0}],
         "shipping": [{"method": "std", "transit_days": {"dist": "constant", "value": 2}}]},
    ],
    "lanes": [{"from": "src", "to": "fc", "lead_time": {"dist": "constant", "value": 1}}],
}


def test_each_captured_unit_is_an_order_within_its_day():
    res = chainsim.simulate(SCENARIO, trace=True)
    trace = res.trace
    ordered = trace[trace.status == "ordered"]
    days = np.floor(ordered.time.to_numpy()).astype(int)
    counts = np.bincount(days, minlength=35)
    assert (counts[:35] == 10).all()  # 6 + 4 units captured every day, one order each
    assert (ordered.quantity == 1).all()
    k = res.kpis.set_index(["node", "metric"])["value"]
    assert k[("fc", "consumer_orders")] == 10
    assert k[("network", "demand")] == 10 and k[("network", "coverage")] == 1
    # ample stock, no queue (pick and pack take no time): delivered 2 days after ordered
    assert k[("fc", "order_lead_time_mean")] == 2
