"""Retail groups (model.group) give the numbers of the per-node path, which the theory tests check.

The property: simulating the buyers of a supplier together over arrays must not change any KPI or
any value of the daily series, for any policy kind, MOQ, case pack, lead time, unmet rule and
demand. Quantities are compared exactly; money too, except that with several arrivals in one day
for a member with backorders the grouped path adds their revenue once instead of one by one, which
may differ in the last bit of a non-integer price, hence the 1e-12 relative tolerance.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chainsim.engine.run import Simulation, resolve
from chainsim.experiments.replicate import kpi_rows

EXAMPLES = Path(__file__).resolve().parents[2] / "scenarios" / "examples"


@pytest.fixture(autouse=True)
def small_groups(monkeypatch):
    """Group any two or more buyers, so that small networks exercise the grouped path."""
    monkeypatch.setattr("chainsim.model.group.MIN_GROUP", 2)


def both(scn, rep=0):
    grouped = Simulation(scn, rep, timeseries=True, vectorize=True).run()
    single = Simulation(scn, rep, timeseries=True, vectorize=False).run()
    assert not single.net.groups
    return grouped, single


def assert_same(grouped, single):
    cols = ["scenario", "replication", "node", "metric", "value"]
    a = pd.DataFrame(kpi_rows(grouped), columns=cols)
    b = pd.DataFrame(kpi_rows(single), columns=cols)
    pd.testing.assert_frame_equal(a[cols[:4]], b[cols[:4]])  # same rows in the same order
    np.testing.assert_allclose(a["value"], b["value"], rtol=1e-12, atol=1e-12, equal_nan=True)
    sa = grouped.series.frame("s", 0)
    sb = single.series.frame("s", 0)
    pd.testing.assert_frame_equal(sa, sb, check_exact=False, rtol=1e-12, atol=1e-12)


def test_wholesale_example_is_grouped_and_unchanged():
    raw = resolve(EXAMPLES / "wholesale_moq.yaml", days=400, warmup=30,
                  replications=1).model_dump(by_alias=True)
    for node in raw["nodes"]:  # shop3 loses sales, the others backorder: make them alike
        if node["id"] == "shop3":
            node["unmet"] = "backorder"
    grouped, single = both(resolve(raw))
    assert [g.ids for g in grouped.net.groups] == [["shop1", "shop2", "shop3", "shop4"]]
    assert_same(grouped, single)


def test_buyers_that_differ_are_not_grouped():
    scn = resolve(EXAMPLES / "wholesale_moq.yaml", days=50, replications=1)
    assert not Simulation(scn, 0).net.groups  # shop3 loses sales, the others backorder


def reference(n, days, seed=3):
    """The benchmark's network: source -> M -> 2 DCs -> n retailers, (s,S) everywhere."""
    half = [n - n // 2, n // 2]
    nodes = [{"id": "src", "role": "manufacturer", "infinite_supply": True},
             {"id": "M", "role": "wholesaler", "policy": {"type": "sS", "s": 80 * n, "S": 200 * n}}]
    lanes = [{"from": "src", "to": "M", "lead_time": {"dist": "constant", "value": 3}}]
    i = 0
    for d, k in enumerate(half):
        nodes.append({"id": f"dc{d}", "role": "distributor",
                      "policy": {"type": "sS", "s": 40 * k, "S": 100 * k}})
        lanes.append({"from": "M", "to": f"dc{d}", "lead_time": {"dist": "constant", "value": 5}})
        for _ in range(k):
            nodes.append({"id": f"r{i}", "role": "retailer", "price": 2.5,
                          "demand": {"dist": "poisson", "mean": 10},
                          "policy": {"type": "sS", "s": 40, "S": 100},
                          "costs": {"holding": 0.1, "backorder": 1, "order": 3}})
            lanes.append({"from": f"dc{d}", "to": f"r{i}",
                          "lead_time": {"dist": "constant", "value": 2}})
            i += 1
    return resolve({"name": "ref", "horizon_days": days, "warmup_days": 20, "replications": 1,
                    "seed": seed, "nodes": nodes, "lanes": lanes})


def test_reference_network_is_grouped_and_unchanged():
    grouped, single = both(reference(30, 300))
    assert len(grouped.net.groups) == 2
    assert sum(len(g.ids) for g in grouped.net.groups) == 30
    assert_same(grouped, single)
    # integer demand and integer parameters: the quantities agree exactly
    a = grouped.series.frame("s", 0)
    b = single.series.frame("s", 0)
    for field in ("on_hand", "backorders", "on_order", "demand", "orders"):
        assert (a[field].to_numpy() == b[field].to_numpy()).all()


def test_mixed_buyers_keep_the_per_node_path():
    """A supplier whose buyers are not all leaf retailers is not grouped."""
    scn = reference(4, 50)
    data = scn.model_dump(by_alias=True)
    data["nodes"].append({"id": "sub", "role": "distributor", "policy": {"type": "sS", "s": 5, "S": 50}})
    data["nodes"].append({"id": "tail", "role": "retailer", "demand": {"dist": "poisson", "mean": 2},
                          "policy": {"type": "base_stock", "S": 10}})
    data["lanes"].append({"from": "dc0", "to": "sub"})
    data["lanes"].append({"from": "sub", "to": "tail"})
    grouped, single = both(resolve(data))
    assert [g.ids for g in grouped.net.groups] == [["r2", "r3"]]
    assert_same(grouped, single)


demand = st.one_of(
    st.builds(lambda m: {"dist": "poisson", "mean": m}, st.floats(0.5, 20)),
    st.builds(lambda m, s: {"dist": "normal", "mean": m, "sd": s}, st.floats(1, 20), st.floats(0, 6)),
    st.builds(lambda v: {"dist": "empirical", "values": v},
              st.lists(st.integers(0, 15), min_size=1, max_size=5)),
)
lead = st.one_of(
    st.builds(lambda v: {"dist": "constant", "value": v}, st.integers(0, 4)),
    st.builds(lambda lo, w: {"dist": "uniform", "low": lo, "high": lo + w},
              st.floats(0, 3), st.floats(0, 3)),
)


@st.composite
def policies(draw, kind):
    level = draw(st.floats(0, 80))
    extra = {}
    if draw(st.booleans()):
        extra["moq"] = draw(st.sampled_from([0, 5, 12.5]))
    if draw(st.booleans()):
        extra["multiple"] = draw(st.sampled_from([1, 6, 2.5]))
    if kind == "base_stock":
        return {"type": kind, "S": level, **extra}
    if kind == "sS":
        return {"type": kind, "s": level * draw(st.floats(0, 0.9)) - 1, "S": level, **extra}
    return {"type": kind, "r": level - 10, "Q": draw(st.floats(1, 40)), **extra}


@st.composite
def networks(draw):
    kind = draw(st.sampled_from(["base_stock", "sS", "rQ"]))
    review = draw(st.integers(1, 3))
    unmet = draw(st.sampled_from(["backorder", "lost"]))
    k = draw(st.integers(2, 5))
    nodes = [{"id": "src", "role": "manufacturer", "infinite_supply": True, "price": 3.3},
             {"id": "dc", "role": "distributor", "unmet": draw(st.sampled_from(["backorder", "lost"])),
              "min_order": draw(st.sampled_from([0, 8])),
              "policy": {"type": "sS", "s": draw(st.floats(0, 60)), "S": 150}, "markup": 0.17}]
    lanes = [{"from": "src", "to": "dc", "lead_time": draw(lead)}]
    for i in range(k):
        policy = draw(policies(kind))
        policy["review_days"] = review
        nodes.append({"id": f"r{i}", "role": "retailer", "demand": draw(demand), "policy": policy,
                      "unmet": unmet, "integer": draw(st.sampled_from([None, True])),
                      "costs": {"holding": 0.3, "backorder": 1.7, "order": 2.2,
                                "pipeline_holding": 0.05}})
        lanes.append({"from": "dc", "to": f"r{i}", "lead_time": draw(lead),
                      "cost_per_unit": 0.11, "cost_per_shipment": 1.3})
    return {"name": "g", "horizon_days": 120, "warmup_days": draw(st.integers(0, 10)),
            "replications": 1, "seed": draw(st.integers(0, 2**16)), "nodes": nodes, "lanes": lanes}


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_random_groups_match_the_per_node_path(raw):
    scn = resolve(raw)
    grouped, single = both(scn)
    assert len(grouped.net.groups) == 1  # the property is about groups: make sure there is one
    assert_same(grouped, single)


@pytest.mark.parametrize("rep", [0, 1])
def test_replications_keep_their_streams(rep):
    grouped, single = both(reference(6, 80), rep)
    assert_same(grouped, single)


@pytest.mark.parametrize("supplier", [
    {"id": "up", "role": "manufacturer", "infinite_supply": True, "price": 4.1},
    {"id": "up", "role": "manufacturer", "capacity": 9, "price": 4.1,
     "production_lead_time": {"dist": "uniform", "low": 0, "high": 3},
     "policy": {"type": "rQ", "r": 20, "Q": 30}},
])
def test_groups_under_a_source_or_a_plant(supplier):
    nodes = [supplier] + [
        {"id": f"r{i}", "role": "retailer", "demand": {"dist": "poisson", "mean": 2 + i},
         "policy": {"type": "base_stock", "S": 8 + 2 * i}, "costs": {"holding": 0.2}}
        for i in range(3)]
    lanes = [{"from": "up", "to": f"r{i}", "lead_time": {"dist": "constant", "value": i}}
             for i in range(3)]
    scn = resolve({"name": "s", "horizon_days": 200, "warmup_days": 5, "replications": 1,
                   "seed": 11, "nodes": nodes, "lanes": lanes})
    grouped, single = both(scn)
    assert len(grouped.net.groups) == 1
    assert_same(grouped, single)
