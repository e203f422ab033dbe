"""Market mode on hand-worked cases (DESIGN §1 Coverage, §7; ``chainsim.model.market``).

A region's consumers would buy D units a day; n outlets serving it capture the share
c = min(1, (1 − exp(−k·n)) · (p̄ / p_ref)^−ε), p̄ the mean selling price of those outlets. Real
valued demand is split exactly (each outlet gets D·c/n), so with a constant non-integer D every
number below follows from the formula with no randomness: they must match to 1e-9. Whole-unit
demand is captured unit by unit (binomial, then a uniform multinomial over the outlets); with
k·n ≥ 80, 1 − exp(−k·n) is 1 in double precision, so a constant whole demand is captured in full
and only its split is random — the switching identities below hold day by day whatever the
split. The statistical checks (shares ≈ formula, switching ≈ p) live in
tests/theory/test_market_theory.py.

"Ample stock" means a base-stock level far above a day's demand with lead time 0 from an
infinite source: the node is back at S before every day's demand (phase 1/2) and never runs out.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import chainsim
from chainsim.errors import ScenarioError
from chainsim.experiments.replicate import kpi_rows

from .helpers import lane, node, run, scenario, series, source

EXACT = 1e-9
AMPLE = 10_000


def outlet(node_id: str, region="north", *, S: float = AMPLE, unmet: str = "lost", **extra):
    return {"id": node_id, "role": "retailer", "region": region,
            "policy": {"type": "base_stock", "S": S}, "unmet": unmet, **extra}


def market_scn(outlets: list[dict], regions: dict[str, dict], *, k: float = 0.5,
               switching: float = 0.0, elasticity: dict | None = None, horizon: int = 30,
               warmup: int = 0, seed: int = 1, replications: int = 1, price: float = 25,
               name: str = "market", supplier: dict | None = None) -> dict:
    """plant (infinite source) -> each outlet (lead time 0), and a market with these regions."""
    scn = scenario([supplier or source("plant"), *outlets],
                   [lane("plant", o["id"], 0) for o in outlets],
                   horizon=horizon, warmup=warmup, seed=seed, replications=replications,
                   price=price, name=name)
    scn["market"] = {"regions": [{"id": r, "demand": d} for r, d in regions.items()],
                     "coverage": {"k": k}, "switching": {"prob": switching}}
    if elasticity is not None:
        scn["market"]["elasticity"] = elasticity
    return scn


def const(value: float) -> dict:
    return {"dist": "constant", "value": value}


def kpi_table(sim) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for _, _, nid, metric, value in kpi_rows(sim):
        out.setdefault(nid, {})[metric] = value
    return out


def approx(x: float) -> pytest.approx:
    return pytest.approx(x, abs=EXACT, rel=EXACT)


# --------------------------------------------------------------------------- the formula
def test_captured_share_is_exported_where_the_docstring_says():
    from chainsim.model.market import captured_share

    # hand values: 1 − e^−0.9 = 0.5934303402594009; 1 − e^−1 = 0.6321205588285577
    assert captured_share(0.3, 3, 25, 25, 0) == pytest.approx(0.5934303402594009, abs=1e-15)
    assert captured_share(0.5, 2, 25, 25, 2.0) == pytest.approx(0.6321205588285577, abs=1e-15)


# --------------------------------------------------------------------------- real-valued split
def test_real_valued_demand_is_captured_and_split_exactly():
    # D = 10.5 every day, n = 3, k = 0.3: c = 1 − e^−0.9 = 0.5934303402594009; the network
    # captures 10.5 c = 6.230 a day and each outlet 10.5 c / 3 = 2.0770. Warm-up 7 days: the
    # market's sums restart with the nodes', so potential_demand is 10.5, not (37·10.5)/30.
    c = 0.5934303402594009
    sim = run(market_scn([outlet("a"), outlet("b"), outlet("c")], {"north": const(10.5)},
                         k=0.3, warmup=7))
    t = kpi_table(sim)
    net = t["network"]
    assert net["potential_demand"] == approx(10.5)
    assert net["coverage"] == approx(c)
    assert net["demand"] == approx(10.5 * c)
    assert net["units_sold"] == approx(10.5 * c)  # ample stock: all captured is sold
    assert net["lost_sales"] == approx(0.0)
    for o in "abc":
        assert t[o]["demand"] == approx(10.5 * c / 3), o
        assert t[o]["units_sold"] == approx(10.5 * c / 3), o
        assert t[o]["fill_rate"] == approx(1.0), o
    # every day, not only on average
    for o in "abc":
        days = series(sim, o)["demand"].to_numpy()
        assert np.allclose(days, 10.5 * c / 3, rtol=0, atol=EXACT), o


def test_normal_demand_coverage_is_the_share_exactly():
    # real-valued random D: captured = D·c every day, so the ratio of sums is c exactly and the
    # network demand is c times the potential
    c = 1 - math.exp(-2 * 0.4)  # 0.5506710358827784
    sim = run(market_scn([outlet("a"), outlet("b")],
                         {"north": {"dist": "normal", "mean": 12, "sd": 4}}, k=0.4, horizon=60))
    t = kpi_table(sim)
    assert t["network"]["coverage"] == approx(c)
    assert t["network"]["demand"] == approx(c * t["network"]["potential_demand"])
    assert t["a"]["demand"] == approx(t["b"]["demand"])  # equal split D·c/2
    assert t["a"]["demand"] + t["b"]["demand"] == approx(t["network"]["demand"])
    assert t["network"]["potential_demand"] != approx(12.0)  # it really is random


def test_region_without_outlets_counts_in_the_potential_only():
    # north: 10.5 a day, 2 outlets, k = 0.5 → c = 1 − e^−1 = 0.6321205588285577
    # south: 4.5 a day, no outlet → nothing captured
    # coverage = 10.5 c / (10.5 + 4.5) = 0.442484391179990
    c = 0.6321205588285577
    sim = run(market_scn([outlet("a"), outlet("b")],
                         {"north": const(10.5), "south": const(4.5)}))
    net = kpi_table(sim)["network"]
    assert net["potential_demand"] == approx(15.0)
    assert net["demand"] == approx(10.5 * c)
    assert net["coverage"] == approx(10.5 * c / 15)
    assert net["coverage"] == approx(0.442484391179990)


def test_region_all_and_a_list_of_regions():
    # x serves every region ('all'), y serves south only; k = 0.5.
    # north: outlets [x]    → c_n = 1 − e^−0.5 = 0.3934693402873666, x gets 10.5 c_n
    # south: outlets [x, y] → c_s = 1 − e^−1   = 0.6321205588285577, each gets 4.5 c_s / 2
    cn, cs = 0.3934693402873666, 0.6321205588285577
    sim = run(market_scn([outlet("x", "all"), outlet("y", ["south"])],
                         {"north": const(10.5), "south": const(4.5)}))
    t = kpi_table(sim)
    assert t["x"]["demand"] == approx(10.5 * cn + 4.5 * cs / 2)
    assert t["y"]["demand"] == approx(4.5 * cs / 2)
    assert t["network"]["demand"] == approx(10.5 * cn + 4.5 * cs)
    assert t["network"]["coverage"] == approx((10.5 * cn + 4.5 * cs) / 15)


# --------------------------------------------------------------------------- elasticity
BASE = 0.6321205588285577  # 1 − e^−(0.5·2): two outlets, k = 0.5


@pytest.mark.parametrize(
    ("price", "ref", "eps", "factor"),
    [
        (30, 25, 1.5, 0.7607257743127307),  # above the reference: 1.2^−1.5 = 1/1.3145341
        (20, 25, 1.0, 1.25),                # below: (0.8)^−1
        (20, 25, 2.0, 1.5625),              # below, and BASE·1.5625 = 0.9877 still < 1
        (25, 25, 3.0, 1.0),                 # at the reference: no scaling
        (40, 25, 0.0, 1.0),                 # ε = 0: price does not matter
        (10, 25, 2.0, None),                # (0.4)^−2 = 6.25: BASE·6.25 = 3.95 → capped at 1
    ],
)
def test_elasticity_scales_the_captured_share_by_the_price_ratio(price, ref, eps, factor):
    sim = run(market_scn([outlet("a", price=price), outlet("b", price=price)],
                         {"north": const(10.5)},
                         elasticity={"epsilon": eps, "reference_price": ref}))
    net = kpi_table(sim)["network"]
    c = 1.0 if factor is None else BASE * factor
    assert c <= 1.0
    assert net["coverage"] == approx(c)
    assert net["demand"] == approx(10.5 * c)


def test_reference_price_defaults_to_the_list_price():
    # list price 25, outlets sell at 30, ε = 1: factor 25/30
    sim = run(market_scn([outlet("a", price=30), outlet("b", price=30)],
                         {"north": const(10.5)}, elasticity={"epsilon": 1.0}, price=25))
    assert kpi_table(sim)["network"]["coverage"] == approx(BASE * 25 / 30)


def test_elasticity_uses_the_mean_price_of_the_outlets():
    # prices 20 and 30: p̄ = 25 = p_ref, so the factor is 1 (the mean of the outlets' own
    # factors, (0.8^−2 + 1.2^−2)/2 = 1.128, would give 0.713 instead of 0.632)
    sim = run(market_scn([outlet("a", price=20), outlet("b", price=30)],
                         {"north": const(10.5)},
                         elasticity={"epsilon": 2.0, "reference_price": 25}))
    assert kpi_table(sim)["network"]["coverage"] == approx(BASE)


def test_elasticity_uses_a_price_set_by_markup():
    # plant sells at 20, outlets mark up 50 %: price 30; ε = 1, p_ref = 25 → factor 25/30
    sim = run(market_scn([outlet("a", markup=0.5), outlet("b", markup=0.5)],
                         {"north": const(10.5)}, elasticity={"epsilon": 1.0, "reference_price": 25},
                         supplier=source("plant", price=20)))
    assert node(sim, "a").price == approx(30.0)
    assert kpi_table(sim)["network"]["coverage"] == approx(BASE * 25 / 30)


# --------------------------------------------------------------------------- whole units
def test_whole_units_with_share_one_are_captured_in_full_and_split_among_outlets():
    # constant 10, two outlets, k = 40: 1 − e^−80 == 1.0 in double precision, so every unit
    # is captured; the split is random but adds up to 10 every day
    assert 1 - math.exp(-80) == 1.0
    sim = run(market_scn([outlet("a"), outlet("b")], {"north": const(10)}, k=40, horizon=200))
    t = kpi_table(sim)
    assert t["network"]["coverage"] == 1.0
    assert t["network"]["demand"] == approx(10.0)
    a, b = (series(sim, o)["demand"].to_numpy() for o in "ab")
    assert np.array_equal(a + b, np.full(200, 10.0))
    assert np.array_equal(a, np.round(a))  # whole units
    assert len(set(a.tolist())) > 3  # a real split, not all to one outlet


# --------------------------------------------------------------------------- switching
def switching_case(p: float, *, b_stock: float = AMPLE, unmet: str = "lost", horizon=300,
                   seed=7):
    """Outlet a never has stock (base stock S = 0: it starts empty and orders S − IP = 0);
    outlet b has b_stock back on hand every morning. Constant demand 10, k = 40: all 10 units
    captured every day, X of them at a (X ~ Bin(10, 1/2)), 10 − X at b."""
    return run(market_scn([outlet("a", S=0, unmet=unmet), outlet("b", S=b_stock, unmet=unmet)],
                          {"north": const(10)}, k=40, switching=p, horizon=horizon, seed=seed))


@pytest.mark.parametrize("p", [0.0, 0.3, 1.0])
def test_switching_identities_day_by_day(p):
    sim = switching_case(p)
    t = kpi_table(sim)
    a, b, net = t["a"], t["b"], t["network"]
    # a never sells: its consumers are either served at b (switched_out) or lost
    assert a["units_sold"] == 0 and a["on_hand"] == 0
    assert a["switched_out"] + a["lost_sales"] == approx(a["demand"])
    # b's demand includes the switched units it served
    assert b["demand"] == approx(10 - a["demand"] + a["switched_out"])
    assert b["units_sold"] == approx(b["demand"])  # ample
    assert b["lost_sales"] == 0 and b["switched_out"] == 0
    # the network counts each captured unit once
    assert net["demand"] == approx(10.0)
    assert net["coverage"] == 1.0
    assert net["units_sold"] == approx(b["units_sold"])
    assert net["lost_sales"] == approx(a["lost_sales"])
    assert net["fill_rate"] == approx(b["units_sold"] / 10)
    # day by day: switched S_t = b_t + a_t − 10 is a whole number between 0 and X_t = a_t
    ad, bd = (series(sim, o)["demand"].to_numpy() for o in "ab")
    moved = ad + bd - 10
    assert np.array_equal(moved, np.round(moved))
    assert (moved >= 0).all() and (moved <= ad).all()
    if p == 0.0:
        assert a["switched_out"] == 0
        assert a["lost_sales"] == approx(a["demand"])
        assert not moved.any()
    elif p == 1.0:
        assert a["lost_sales"] == 0
        assert b["demand"] == approx(10.0)
        assert net["units_sold"] == approx(10.0)
        assert np.array_equal(moved, ad)
    else:
        assert 0 < a["switched_out"] < a["demand"]
        assert (moved < ad).any() and (moved > 0).any()


def test_switching_stops_when_the_other_outlet_runs_out():
    # b has 6 on hand every morning and p = 1: b serves its own 10 − X first (losing
    # max(4 − X, 0) of them), then as many of a's X as it has left, max(X − 4, 0); so b sells
    # min(10, 6) = 6 every day and the network loses 4 units a day
    sim = switching_case(1.0, b_stock=6)
    t = kpi_table(sim)
    assert t["b"]["units_sold"] == approx(6.0)
    assert t["network"]["units_sold"] == approx(6.0)
    assert t["network"]["lost_sales"] == approx(4.0)
    assert t["network"]["demand"] == approx(10.0)
    assert t["a"]["switched_out"] + t["a"]["lost_sales"] == approx(t["a"]["demand"])
    # day by day: a switched max(X − 4, 0) units to b (b had 6 − (10 − X) = X − 4 left)
    ad, bd = (series(sim, o)["demand"].to_numpy() for o in "ab")
    assert np.array_equal(ad + bd - 10, np.maximum(ad - 4, 0))


def test_switching_with_backorders_loses_nothing():
    # unmet: backorder — what does not switch waits at a (which then orders it and serves it)
    sim = switching_case(0.5, unmet="backorder", horizon=100)
    t = kpi_table(sim)
    assert t["network"]["lost_sales"] == 0
    assert 0 < t["a"]["switched_out"] < t["a"]["demand"]
    assert t["a"]["backorders"] > 0
    assert t["network"]["demand"] == approx(10.0)


def test_switched_consumers_go_to_the_outlet_with_most_stock_first():
    # a: no stock; b: 3 every morning; c: ample. p = 1, all 10 units captured (k = 40, n = 3).
    # Every consumer short at a or b is served at c, so the network sells 10 a day and loses
    # nothing; c (most stock) is tried first, so b's demand is its own share only. That b gets
    # no switched unit is checked statistically in tests/theory (E[b.demand] = 10/3).
    sim = run(market_scn([outlet("a", S=0), outlet("b", S=3), outlet("c")],
                         {"north": const(10)}, k=40, switching=1.0, horizon=200))
    t = kpi_table(sim)
    assert t["network"]["units_sold"] == approx(10.0)
    assert t["network"]["lost_sales"] == 0
    assert t["a"]["switched_out"] == approx(t["a"]["demand"])
    # conservation: c's demand is its own share plus every switched unit
    assert t["c"]["demand"] == approx(10 - t["a"]["demand"] - t["b"]["demand"]
                                      + t["a"]["switched_out"] + t["b"]["switched_out"])
    bd, bh = (series(sim, "b")[f].to_numpy() for f in ("demand", "on_hand"))
    # b sells min(demand, 3) and ends the day with 3 − that
    assert np.allclose(bh, 3 - np.minimum(bd, 3))


# --------------------------------------------------------------------------- common random numbers
def test_potential_demand_is_shared_between_scenarios_with_different_outlets():
    # same market, same seed; one outlet vs three (other ids, stocks, prices, k and switching):
    # each replication sees the same region demand, so potential_demand is identical
    regions = {"north": {"dist": "poisson", "mean": 9}}
    one = market_scn([outlet("solo", S=40)], regions, name="one", horizon=200, replications=4,
                     seed=11, warmup=10)
    three = market_scn([outlet("x", S=15, price=30), outlet("y", S=20), outlet("z", S=25)],
                       regions, name="three", k=0.9, switching=0.4, horizon=200,
                       replications=4, seed=11, warmup=10)

    def potential(scn):
        k = chainsim.simulate(scn).kpis
        sel = k[(k["node"] == "network") & (k["metric"] == "potential_demand")]
        return sel.sort_values("replication")["value"].to_numpy()

    p1, p3 = potential(one), potential(three)
    assert np.array_equal(p1, p3), (p1, p3)
    assert len(set(p1.tolist())) == 4  # the replications differ from each other
    other_seed = dict(three, seed=12)
    assert not np.array_equal(potential(other_seed), p3)


# --------------------------------------------------------------------------- once bugs, now fixed
def test_market_without_products_runs():
    scn = market_scn([outlet("a"), outlet("b")], {"north": const(10.5)})
    del scn["products"]
    sim = run(scn)
    assert kpi_table(sim)["network"]["coverage"] == approx(BASE)


def test_free_outlet_with_elasticity_is_rejected_or_capped():
    scn = market_scn([outlet("a", price=0)], {"north": const(10.5)},
                     elasticity={"epsilon": 1.5, "reference_price": 25})
    try:
        sim = run(scn)
    except ScenarioError:
        return
    assert kpi_table(sim)["network"]["coverage"] == 1.0


def test_a_region_listed_twice_counts_one_outlet():
    scn = market_scn([outlet("a", ["north", "north"])], {"north": const(10.5)})
    try:
        sim = run(scn)
    except ScenarioError:
        return
    assert kpi_table(sim)["network"]["coverage"] == approx(1 - math.exp(-0.5))
