"""Market mode against its formulas (DESIGN §1 Coverage, §7; ``chainsim.model.market``).
Expected values are computed here from the documented mechanics, never taken from the simulator.

Mechanics. A region's consumers would buy D units a day. With n outlets serving it the network
captures the share c = min(1, (1 − exp(−k·n)) · (p̄ / p_ref)^−ε), p̄ the outlets' mean price.
Whole units are captured one by one with probability c and each captured unit goes to an outlet
chosen uniformly. A consumer short at an outlet tries another outlet of the region (most stock
first) with probability p; the rest is lost (here every outlet has unmet: lost).

Poisson demand. Thinning a Poisson(λ) count with probability c and splitting it uniformly over n
outlets gives independent Poisson counts: captured per day ~ Poisson(λc), per outlet
~ Poisson(λc/n), days independent. With ample stock (base stock 10 000, lead time 0 from an
infinite source: back at S before every day's demand) nothing else is random, so one
replication's per-day mean over T days has sd √(rate/T) exactly, and coverage C/P (C captured,
P potential over T days) has sd ≈ √(c(1 − c)/(λT)) (binomial given P).

Switching. Constant demand 10 and k = 40 (1 − e^−80 == 1.0 in double precision): all 10 units
are captured every day and X ~ Bin(10, 1/2) of them go to outlet a, which never has stock. Each
of a's consumers moves to b with probability p, independently, so the switched units S given X
are Bin(X, p) (capped by what b has left). Days are independent (b is back at its level every
morning), so per-day means have sd √(Var/T), the per-day variance worked out in each test.

Tolerances. Theory gives each replication's sd σ, so the mean of R = 10 replications is compared
with the formula to K = 4.5 theory standard errors σ/√R (normal: a correct simulator fails one
comparison with probability 2 P(Z > 4.5) ≈ 7e-6), and the replications' sample sd s_R must lie in
``sd_ratio_band(10)`` · σ (≈ [0.25, 1.98] σ; outside with probability 1e-4), so replications that
copy each other or are too noisy cannot pass. Values theory says are constant match to 1e-9.
Seeds are fixed, so a pass stays a pass. R·T = 10 000 days per case: the standard error of a
captured share is ≈ 0.002, a hundred times smaller than the effects tested.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from theory_check import sd_ratio_band

import chainsim
from chainsim.model.market import captured_share

R = 10
DAYS, WARMUP = 1000, 20
K = 4.5
EXACT = 1e-9
AMPLE = 10_000


def market(outlets: list[dict], demand: dict, *, k: float, seed: int, name: str,
           switching: float = 0.0, elasticity: dict | None = None) -> dict:
    """plant (infinite source) -> each outlet (lead time 0); one region 'north'."""
    mkt: dict = {"regions": [{"id": "north", "demand": demand}], "coverage": {"k": k},
                 "switching": {"prob": switching}}
    if elasticity is not None:
        mkt["elasticity"] = elasticity
    return {"name": name, "horizon_days": DAYS, "warmup_days": WARMUP, "replications": R,
            "seed": seed, "products": [{"id": "item", "unit_cost": 10, "price": 25}],
            "nodes": [{"id": "plant", "role": "manufacturer", "infinite_supply": True},
                      *outlets],
            "lanes": [{"from": "plant", "to": o["id"],
                       "lead_time": {"dist": "constant", "value": 0}} for o in outlets],
            "market": mkt}


def outlet(node_id: str, *, S: float = AMPLE, **extra) -> dict:
    return {"id": node_id, "role": "retailer", "region": "north",
            "policy": {"type": "base_stock", "S": S}, "unmet": "lost", **extra}


def per_rep(kpis, node: str, metric: str) -> np.ndarray:
    sel = kpis[(kpis["node"] == node) & (kpis["metric"] == metric)]
    v = sel.sort_values("replication")["value"].to_numpy(dtype=float)
    assert v.size == R, (node, metric, v.size)
    return v


def check(v: np.ndarray, expected: float, sd_one: float, what: str) -> None:
    """Mean of R replications within K·σ/√R of theory; s_R/σ inside the χ² band."""
    mean, s_r = float(v.mean()), float(v.std(ddof=1))
    se = sd_one / math.sqrt(v.size)
    lo, hi = sd_ratio_band(v.size)
    msg = (f"{what}: expected {expected:.5f}, observed {mean:.5f}, |diff| "
           f"{abs(mean - expected):.3g}, tol {K * se:.3g} ({K} x theory se {se:.3g}); s_R "
           f"{s_r:.4g} vs theory sd {sd_one:.4g}")
    assert abs(mean - expected) <= K * se, msg
    assert lo <= s_r / sd_one <= hi, msg + f"; s_R/sd outside [{lo:.2f}, {hi:.2f}]"


# --------------------------------------------------------------------------- the formula
# (k, n, price, reference, ε, c by hand)
SHARES = [
    (0.5, 0, 25, 25, 0.0, 0.0),                    # no outlet, no capture
    (0.5, 0, 5, 25, 3.0, 0.0),                     # ... whatever the price
    (0.5, 1, 25, 25, 0.0, 0.3934693402873666),     # 1 − e^−0.5, e^−0.5 = 0.6065306597126334
    (0.2, 5, 25, 25, 0.0, 0.6321205588285577),     # 1 − e^−1, e^−1 = 0.36787944117144233
    (0.2, 5, 40, 25, 0.0, 0.6321205588285577),     # ε = 0: price does not matter
    # price above the reference: 1.2^−1.5 = 1/(1.2·√1.2) = 1/1.3145341380123987 = 0.76072577
    (0.2, 5, 30, 25, 1.5, 0.6321205588285577 * 0.7607257743127307),
    # price below: (20/25)^−1 = 1.25
    (0.5, 1, 20, 25, 1.0, 0.3934693402873666 * 1.25),
    # cap: (10/25)^−2 = 6.25, 0.632·6.25 = 3.95 → 1
    (0.2, 5, 10, 25, 2.0, 1.0),
    # saturation: 1 − e^−80 is 1.0 in double precision
    (40, 2, 25, 25, 0.0, 1.0),
]


@pytest.mark.parametrize(("k", "n", "price", "ref", "eps", "expected"), SHARES)
def test_captured_share_against_the_formula(k, n, price, ref, eps, expected):
    assert captured_share(k, n, price, ref, eps) == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_captured_share_grows_with_outlets_and_falls_with_price():
    shares = np.array([captured_share(0.3, n, 25, 25, 0.0) for n in range(8)])
    assert (np.diff(shares) > 0).all()  # intensive > selective > exclusive
    by_price = np.array([captured_share(0.3, 3, p, 25, 1.2) for p in (15, 20, 25, 30, 40)])
    assert (np.diff(by_price) < 0).all()
    assert captured_share(0.3, 3, 25, 25, 0.0) == pytest.approx(1 - math.exp(-0.9), rel=1e-15)


# --------------------------------------------------------------------------- coverage, Poisson
@pytest.mark.parametrize("n", [1, 4])
def test_coverage_curve_with_poisson_demand(n):
    lam, k = 10.0, 0.25
    c = 1 - math.exp(-k * n)  # n = 1: 0.2211992169285951; n = 4: 0.6321205588285577
    scn = market([outlet(f"o{i}") for i in range(n)], {"dist": "poisson", "mean": lam},
                 k=k, seed=100 + n, name=f"cov-{n}")
    kp = chainsim.simulate(scn).kpis
    check(per_rep(kp, "network", "potential_demand"), lam, math.sqrt(lam / DAYS),
          "network.potential_demand")
    captured = per_rep(kp, "network", "demand")
    check(captured, lam * c, math.sqrt(lam * c / DAYS), "network.demand (captured)")
    check(per_rep(kp, "network", "coverage"), c, math.sqrt(c * (1 - c) / (lam * DAYS)),
          "network.coverage")
    sold = per_rep(kp, "network", "units_sold")
    assert np.allclose(sold, captured, rtol=0, atol=EXACT)  # ample stock: all captured is sold
    total = np.zeros(R)
    for i in range(n):
        v = per_rep(kp, f"o{i}", "demand")
        check(v, lam * c / n, math.sqrt(lam * c / n / DAYS), f"o{i}.demand (equal split)")
        total += v
    assert np.allclose(total, captured, rtol=0, atol=EXACT)


def test_coverage_test_tells_n_from_n_minus_one():
    # power: with n = 4 the captured demand 10·(1 − e^−1) = 6.32 is 7.9 se away from
    # 10·(1 − e^−0.75) = 5.28 even for a single replication (se √(6.32/1000) = 0.080)
    se = math.sqrt(10 * 0.6321205588285577 / DAYS / R)
    assert 10 * (math.exp(-0.75) - math.exp(-1)) > 2 * K * se


# --------------------------------------------------------------------------- elasticity, Poisson
@pytest.mark.parametrize(
    ("price", "eps", "c"),
    [
        (30, 1.5, 0.6321205588285577 * 0.7607257743127307),  # above p_ref: 0.48087
        (20, 1.0, 0.6321205588285577 * 1.25),                # below p_ref: 0.79015
    ],
)
def test_elasticity_with_poisson_demand(price, eps, c):
    lam = 12.0
    scn = market([outlet("a", price=price), outlet("b", price=price)],
                 {"dist": "poisson", "mean": lam}, k=0.5, seed=200 + price, name=f"el-{price}",
                 elasticity={"epsilon": eps, "reference_price": 25})
    kp = chainsim.simulate(scn).kpis
    check(per_rep(kp, "network", "demand"), lam * c, math.sqrt(lam * c / DAYS), "network.demand")
    check(per_rep(kp, "network", "coverage"), c, math.sqrt(c * (1 - c) / (lam * DAYS)),
          "network.coverage")
    for o in "ab":
        check(per_rep(kp, o, "demand"), lam * c / 2, math.sqrt(lam * c / 2 / DAYS), f"{o}.demand")


def test_capped_share_captures_every_unit():
    # (10/25)^−2 · (1 − e^−1) = 3.95 → c = 1: Bin(D, 1) = D, coverage exactly 1
    scn = market([outlet("a", price=10), outlet("b", price=10)],
                 {"dist": "poisson", "mean": 12}, k=0.5, seed=300, name="cap",
                 elasticity={"epsilon": 2.0, "reference_price": 25})
    kp = chainsim.simulate(scn).kpis
    assert np.array_equal(per_rep(kp, "network", "coverage"), np.ones(R))
    assert np.allclose(per_rep(kp, "network", "demand"), per_rep(kp, "network", "potential_demand"),
                       rtol=0, atol=EXACT)


# --------------------------------------------------------------------------- switching
def switching(p: float, *, b_stock: float = AMPLE, seed: int) -> dict:
    """a never has stock (base stock 0), b has b_stock every morning; demand 10, all captured."""
    return market([outlet("a", S=0), outlet("b", S=b_stock)], {"dist": "constant", "value": 10},
                  k=40, switching=p, seed=seed, name=f"sw-{p}-{b_stock}")


@pytest.mark.parametrize("p", [0.3, 0.7])
def test_switched_share_of_the_unmet_is_the_switching_probability(p):
    kp = chainsim.simulate(switching(p, seed=int(400 + 100 * p))).kpis
    a_dem = per_rep(kp, "a", "demand")
    a_sw = per_rep(kp, "a", "switched_out")
    a_lost = per_rep(kp, "a", "lost_sales")
    # X ~ Bin(10, 1/2) a day at a: mean 5, variance 2.5
    check(a_dem, 5.0, math.sqrt(2.5 / DAYS), "a.demand")
    # share of a's unmet units served at b: given ΣX = N, ΣS ~ Bin(N, p), so one
    # replication's share has sd √(p(1 − p)/(5T)); pooled over R it is compared below too
    share = a_sw / a_dem
    check(share, p, math.sqrt(p * (1 - p) / (5 * DAYS)), "a.switched_out / a.demand")
    N = float(a_dem.sum() * DAYS)
    pooled = float(a_sw.sum() * DAYS) / N
    assert abs(pooled - p) <= K * math.sqrt(p * (1 - p) / N), (pooled, p, N)
    # lost at a ≈ (1 − p)·a's demand, per replication exactly a's demand − switched
    check(per_rep(kp, "a", "lost_fraction"), 1 - p, math.sqrt(p * (1 - p) / (5 * DAYS)),
          "a.lost_fraction")
    assert np.allclose(a_lost + a_sw, a_dem, rtol=0, atol=EXACT)
    # S a day ~ Bin(10, p/2) (each unit goes to a and switches): mean 5p
    q = p / 2
    check(a_sw, 10 * q, math.sqrt(10 * q * (1 - q) / DAYS), "a.switched_out")
    # b's demand = its own 10 − X plus the switched S = 10 − (X − S), X − S ~ Bin(10, (1−p)/2)
    r = (1 - p) / 2
    b_dem = per_rep(kp, "b", "demand")
    check(b_dem, 10 - 10 * r, math.sqrt(10 * r * (1 - r) / DAYS), "b.demand")
    assert np.allclose(per_rep(kp, "network", "units_sold"), per_rep(kp, "b", "units_sold"),
                       rtol=0, atol=EXACT)
    assert np.allclose(per_rep(kp, "network", "demand"), 10.0, rtol=0, atol=EXACT)
    assert np.allclose(per_rep(kp, "network", "lost_sales"), a_lost, rtol=0, atol=EXACT)


def capped_switch_law(p: float, left: int = 4) -> tuple[float, float, float]:
    """Mean and variance of the units a switches to b when b holds 6: b serves its own
    10 − X first and has max(X − 4, 0) left, the movers are M ~ Bin(X, p), so b serves
    min(M, max(X − 4, 0)). Also the mean of the wrong order of operations (cap first, then
    thin: Bin(min(X, max(X − 4, 0)), p)), to show the test can tell them apart."""
    mean = second = wrong = 0.0
    for x in range(11):
        px = stats.binom.pmf(x, 10, 0.5)
        room = max(x - left, 0)
        for m in range(x + 1):
            pm = stats.binom.pmf(m, x, p)
            s = min(m, room)
            mean += px * pm * s
            second += px * pm * s * s
        wrong += px * p * room
    return mean, second - mean**2, wrong


@pytest.mark.parametrize("p", [0.5, 1.0])
def test_switching_is_limited_by_the_other_outlets_stock(p):
    mean, var, wrong = capped_switch_law(p)
    if p == 1.0:
        # by hand: E[max(X − 4, 0)] = E[X] − 4 + Σ_{x<4} (4 − x) P(X = x)
        #        = 1 + (4·1 + 3·10 + 2·45 + 1·120)/1024 = 1 + 244/1024
        assert mean == pytest.approx(1 + 244 / 1024, rel=1e-12)
    else:
        # the order matters: thinning then capping (1.136) vs capping then thinning (0.619)
        assert abs(mean - wrong) > 2 * K * math.sqrt(var / DAYS / R), (mean, wrong)
    kp = chainsim.simulate(switching(p, b_stock=6, seed=int(600 + 10 * p))).kpis
    check(per_rep(kp, "a", "switched_out"), mean, math.sqrt(var / DAYS), "a.switched_out")
    if p == 1.0:  # b sells its 6 every day
        assert np.allclose(per_rep(kp, "b", "units_sold"), 6.0, rtol=0, atol=EXACT)


def most_stock_first_law() -> tuple[float, float, float, float]:
    """Three outlets a (no stock), b (3 every morning), c (ample); all 10 units captured and
    split uniformly (X_a, X_b, X_c multinomial), p = 1. Most stock first: a's consumers go to c,
    so b's demand is X_b: mean 10/3, variance 10·(1/3)(2/3) = 20/9, and b sells min(X_b, 3).
    Returns those two means and E[min(X_b, 3)]'s variance, and the mean of b's demand if a's
    consumers tried b first (file order): X_b + min(X_a, max(3 − X_b, 0))."""
    sold = sold_sq = wrong = 0.0
    for xa in range(11):
        for xb in range(11 - xa):
            pr = stats.multinomial.pmf([xa, xb, 10 - xa - xb], 10, [1 / 3] * 3)
            s = min(xb, 3)
            sold += pr * s
            sold_sq += pr * s * s
            wrong += pr * (xb + min(xa, max(3 - xb, 0)))
    return 10 / 3, sold, sold_sq - sold**2, wrong


def test_switched_consumers_try_the_outlet_with_most_stock_first():
    b_mean, sold_mean, sold_var, wrong = most_stock_first_law()
    se = math.sqrt(20 / 9 / DAYS / R)
    assert wrong - b_mean > 2 * K * se, (wrong, b_mean)  # the test can tell the two rules apart
    scn = market([outlet("a", S=0), outlet("b", S=3), outlet("c")],
                 {"dist": "constant", "value": 10}, k=40, switching=1.0, seed=700, name="most")
    kp = chainsim.simulate(scn).kpis
    check(per_rep(kp, "b", "demand"), b_mean, math.sqrt(20 / 9 / DAYS), "b.demand")
    check(per_rep(kp, "b", "units_sold"), sold_mean, math.sqrt(sold_var / DAYS), "b.units_sold")
    assert np.allclose(per_rep(kp, "network", "units_sold"), 10.0, rtol=0, atol=EXACT)
