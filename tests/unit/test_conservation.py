"""Units are conserved: nothing appears or vanishes anywhere in the network.

For every stocking node over a whole run (warm-up 0), with R the units it received:
  initial on hand + R = on hand at the end + shipped to buyers + sold to consumers
  ordered = R + on order at the end (+ what a lost-sales supplier dropped)
  asked of it = shipped + sold + backorders at the end + lost
  on order = in transit + still owed by its supplier (+ production not yet started)
and a supplier's shipments = its buyers' receipts + their stock in transit. R is counted by
wrapping each node's ``receive`` (every arrival goes through it). Checked on the example
scenarios and on random small networks (hypothesis).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chainsim.engine.run import Simulation, resolve
from chainsim.model.node import InfiniteSource, Plant

EXAMPLES = Path(__file__).resolve().parents[2] / "scenarios" / "examples"
TOL = 1e-6


def instrumented(scn, rep=0, timeseries=False) -> tuple[Simulation, dict[str, float]]:
    sim = Simulation(scn, rep, timeseries=timeseries, vectorize=False)
    received = {n.id: 0 for n in sim.net.nodes}

    for n in sim.net.nodes:
        orig = n.receive

        def counting(qty, _orig=orig, _id=n.id):
            received[_id] += qty
            _orig(qty)

        n.receive = counting
    return sim.run(), received


def check_conservation(scn, sim, received):
    close = lambda a, b: abs(a - b) <= TOL * max(1.0, abs(a), abs(b))  # noqa: E731
    by_id = {n.id: n for n in sim.net.nodes}
    buyers: dict[str, list] = {nid: [] for nid in by_id}
    for n in sim.net.nodes:
        if n.supply is not None:
            buyers[n.supply.supplier.id].append(n)
    for n in sim.net.nodes:
        stt = n.stats
        assert stt.days == scn.horizon_days
        if isinstance(n, InfiniteSource):
            assert close(stt.asked, stt.shipped) and close(stt.filled, stt.shipped)
            assert received[n.id] == 0
        else:
            spec = scn.node(n.id)
            init = spec.initial.on_hand if spec.initial.on_hand is not None else n.policy.level
            r = received[n.id]
            assert close(init + r, n.on_hand + stt.shipped + stt.sold), n.id
            assert close(stt.asked, stt.shipped + stt.sold + n.backlog_qty + stt.lost), n.id
            assert close(n.backlog_qty, sum(e[1] for e in n.backlog)), n.id
            assert n.on_hand >= -TOL and n.backlog_qty >= -TOL and n.in_transit >= -TOL
            if isinstance(n, Plant):
                started = stt.purchase / scn.product.unit_cost
                assert close(n.on_order, n.in_transit + n.queued), n.id
                assert close(stt.ordered, started + n.queued), n.id
                assert close(started, r + n.in_transit), n.id
            else:
                sup = n.supply.supplier
                owed = sum(e[1] for e in sup.backlog if e[0] is n.supply)
                assert close(n.on_order, n.in_transit + owed), n.id
                if not sup.lost:
                    assert close(stt.ordered, r + n.on_order), n.id
                else:
                    assert stt.ordered >= r + n.on_order - TOL
        if buyers[n.id]:
            to_buyers = sum(received[b.id] + b.in_transit for b in buyers[n.id])
            assert close(stt.shipped, to_buyers), n.id


@pytest.mark.parametrize("name", ["single_retailer", "serial_3tier", "wholesale_moq"])
def test_examples_conserve_units(name):
    scn = resolve(EXAMPLES / f"{name}.yaml", days=200, warmup=0, replications=1)
    sim, received = instrumented(scn)
    check_conservation(scn, sim, received)


@pytest.mark.parametrize("name", ["serial_3tier", "wholesale_moq"])
def test_kpi_flows_equal_the_daily_series_after_warmup(name):
    """Statistics start after warm-up and stop at the horizon: the flows in the KPIs are the
    sums of the daily series over exactly those days (nothing received after the last day
    leaks in)."""
    scn = resolve(EXAMPLES / f"{name}.yaml", days=150, warmup=30, replications=1)
    sim = Simulation(scn, 0, timeseries=True, vectorize=False).run()
    frame = sim.series.frame(scn.name, 0)
    after = frame[frame["day"] >= 30]
    for n in sim.net.nodes:
        ts = after[after["node"] == n.id]
        assert len(ts) == 150 == n.stats.days
        assert n.stats.asked == pytest.approx(ts["demand"].sum())
        assert n.stats.ordered == pytest.approx(ts["orders"].sum())
        assert n.stats.shipped == pytest.approx(ts["shipments"].sum())
        assert n.stats.on_hand == pytest.approx(ts["on_hand"].sum())
        assert n.stats.backorders == pytest.approx(ts["backorders"].sum())
        assert n.stats.on_order == pytest.approx(ts["on_order"].sum())


# --------------------------------------------------------------------------- random networks
DEMANDS = st.one_of(
    st.builds(lambda m: {"dist": "poisson", "mean": m}, st.integers(0, 12)),
    st.builds(lambda m, sd: {"dist": "normal", "mean": m, "sd": sd},
              st.floats(0, 12), st.floats(0, 6)),
    st.builds(lambda m: {"dist": "negbin", "mean": m, "var": 3 * m}, st.integers(1, 10)),
    st.builds(lambda v: {"dist": "constant", "value": v}, st.sampled_from([0, 2, 3.5, 7])),
)
LEADS = st.one_of(
    st.builds(lambda v: {"dist": "constant", "value": v}, st.sampled_from([0, 1, 2, 3, 1.5])),
    st.builds(lambda lo, w: {"dist": "uniform", "low": lo, "high": lo + w},
              st.integers(0, 3), st.integers(0, 3)),
    st.builds(lambda m: {"dist": "gamma", "mean": m, "cv": 0.6}, st.floats(0.5, 4)),
)


@st.composite
def policies(draw):
    kind = draw(st.sampled_from(["base_stock", "sS", "rQ"]))
    level = draw(st.integers(0, 80))
    if kind == "base_stock":
        pol = {"type": kind, "S": level}
    elif kind == "sS":
        pol = {"type": kind, "s": draw(st.integers(-5, max(level - 1, -4))), "S": max(level, 1)}
    else:
        # r + Q >= 0: a negative starting stock is a known bug (test_allocation.py)
        r = draw(st.integers(-5, 40))
        pol = {"type": kind, "r": r, "Q": draw(st.integers(max(1, -r), 40))}
    pol["review_days"] = draw(st.integers(1, 3))
    if draw(st.booleans()):
        pol["moq"] = draw(st.integers(0, 30))
    if draw(st.booleans()):
        pol["multiple"] = draw(st.sampled_from([1, 4, 6, 12, 2.5]))
    return pol


@st.composite
def networks(draw):
    nodes, lanes = [], []
    if draw(st.booleans()):
        nodes.append({"id": "top", "role": "manufacturer", "infinite_supply": True,
                      "min_order": draw(st.sampled_from([0, 0, 20]))})
    else:
        top = {"id": "top", "role": "manufacturer", "policy": draw(policies()),
               "production_lead_time": draw(LEADS)}
        if draw(st.booleans()):
            top["capacity"] = draw(st.integers(1, 30))
        nodes.append(top)
    chain = ["top"]
    for i in range(draw(st.integers(0, 2))):
        nid = f"w{i}"
        nodes.append({"id": nid, "role": "distributor", "policy": draw(policies()),
                      "unmet": draw(st.sampled_from(["backorder", "lost"]))})
        if draw(st.booleans()):  # also sells to consumers, who queue with the buyers' orders
            nodes[-1]["demand"] = draw(DEMANDS)
        lanes.append({"from": chain[-1], "to": nid, "lead_time": draw(LEADS)})
        chain.append(nid)
    n_shops = draw(st.integers(1, 3))
    for j in range(n_shops):
        nid = f"shop{j}"
        parent = chain[-1] if j == 0 else draw(st.sampled_from(chain))
        nodes.append({"id": nid, "role": "retailer", "policy": draw(policies()),
                      "demand": draw(DEMANDS),
                      "unmet": draw(st.sampled_from(["backorder", "lost"]))})
        if draw(st.booleans()):
            nodes[-1]["initial"] = {"on_hand": draw(st.integers(0, 50))}
        lanes.append({"from": parent, "to": nid, "lead_time": draw(LEADS)})
    return {"name": "random", "horizon_days": 60, "warmup_days": 0, "replications": 1,
            "seed": draw(st.integers(0, 2**31)),
            "products": [{"id": "item", "unit_cost": 3, "price": 9}],
            "nodes": nodes, "lanes": lanes}


@settings(max_examples=80, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_random_networks_conserve_units(raw):
    scn = resolve(raw)
    sim, received = instrumented(scn)
    check_conservation(scn, sim, received)
