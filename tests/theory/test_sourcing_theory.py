"""Supplier outages, primary/backup and split sourcing against renewal theory and exact
expectations (README "Supplier coordination"). Expected values are computed here, never taken
from the simulator.

Outages. Each day a supplier is available it starts an outage with probability q; the outage
lasts ⌈D⌉ days (at least 1) and the supplier is available again on the day after. The days form
an alternating renewal process: U available days before an outage starts, U ~ Geometric on
{0, 1, ...} (P(U = k) = (1 − q)^k q, E[U] = (1 − q)/q, Var U = (1 − q)/q²; the day an outage
starts counts as out), then N = max(⌈D⌉, 1) days out. Renewal-reward: the long-run share of
available days is a = E[U] / (E[U] + E[N]) = (1 − q) / (1 − q + q E[N]) (≈ 1/(1 + q E[N]) for
small q). Its sampling variance over n days is ≈ Var(U − a(U + N)) / (E[U + N] · n)
(renewal-reward central limit theorem), which we use to check the spread across replications.

Tolerances (as in theory_check): the mean of R = 10 independent replications is compared with
theory to K = 5 standard errors s_R/√R (s_R the sample sd across replications); (mean − truth)
/ (s_R/√R) ~ Student t with 9 degrees of freedom, so a correct simulator fails one comparison
with probability 2 P(t_9 > 5) ≈ 7e-4. Where theory gives the sd of one replication we also
require s_R/σ inside ``sd_ratio_band(10)`` (≈ [0.29, 2.0], probability 1e-4 outside), so
replications that copy each other or are far too noisy cannot pass by inflating the tolerance.
Seeds are fixed, so a pass stays a pass. Each replication covers 3000 days after 50 days of
warm-up (the outage chain mixes within a few cycles of ~10 days).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from theory_check import replication_tolerance, sd_ratio_band

import chainsim

R = 10
K = 5.0
DAYS, WARMUP = 3000, 50


def supplier_and_shop(outage: dict, *, seed: int, backup: bool = False, demand=None,
                      name: str = "outage") -> dict:
    """maker (infinite source, with an outage) -> shop (base stock, lead time 1); with
    ``backup`` also trader (infinite, never fails) -> shop, under primary_backup."""
    nodes = [{"id": "maker", "role": "manufacturer", "infinite_supply": True, "outage": outage},
             {"id": "shop", "role": "retailer",
              "demand": demand or {"dist": "constant", "value": 4},
              "policy": {"type": "base_stock", "S": 12}}]
    lanes = [{"from": "maker", "to": "shop", "lead_time": {"dist": "constant", "value": 1}}]
    if backup:
        nodes.insert(1, {"id": "trader", "role": "wholesaler", "infinite_supply": True})
        nodes[-1]["sourcing"] = {"rule": "primary_backup"}
        lanes.append({"from": "trader", "to": "shop", "lead_time": {"dist": "constant",
                                                                    "value": 1}})
    return {"name": name, "horizon_days": DAYS, "warmup_days": WARMUP, "replications": R,
            "seed": seed, "products": [{"id": "item", "unit_cost": 10, "price": 25}],
            "nodes": nodes, "lanes": lanes}


def per_rep(kpis, node: str, metric: str) -> np.ndarray:
    sel = kpis[(kpis["node"] == node) & (kpis["metric"] == metric)]
    return sel.sort_values("replication")["value"].to_numpy(dtype=float)


def down_days(values, probs) -> tuple[float, float]:
    """Mean and variance of N = max(⌈D⌉, 1) for a discrete law of N."""
    v, p = np.asarray(values, float), np.asarray(probs, float)
    assert abs(p.sum() - 1) < 1e-12
    mean = float(v @ p)
    return mean, float((v - mean) ** 2 @ p)


def renewal(q: float, mean_n: float, var_n: float) -> tuple[float, float]:
    """Long-run availability a and the sd of one replication's availability over DAYS days."""
    eu, vu = (1 - q) / q, (1 - q) / q**2
    a = eu / (eu + mean_n)
    # U − a(U + N) = (1 − a) U − a N, U and N independent
    var_cycle = (1 - a) ** 2 * vu + a**2 * var_n
    return a, math.sqrt(var_cycle / ((eu + mean_n) * DAYS))


def check_mean_and_spread(v: np.ndarray, expected: float, sd_theory: float, what: str) -> None:
    mean, s_r = float(v.mean()), float(v.std(ddof=1))
    tol = replication_tolerance(v, k=K)
    lo, hi = sd_ratio_band(R)
    msg = (f"{what}: expected {expected:.5f}, observed {mean:.5f} (s_R {s_r:.4g}, theory sd "
           f"{sd_theory:.4g}, R {v.size}), |diff| {abs(mean - expected):.3g}, tol {tol:.3g}")
    assert v.size == R, msg
    assert abs(mean - expected) <= tol, msg
    assert lo <= s_r / sd_theory <= hi, msg + f"; s_R/sd outside [{lo:.2f}, {hi:.2f}]"


# --------------------------------------------------------------------------- availability
# (q, duration, law of N = max(⌈D⌉, 1) as (values, probabilities), seed)
CASES = {
    # a frequent short outage: a = 0.8 / (0.8 + 0.2 * 3) = 0.5714, far from 1/(1 + qm) = 0.625
    "constant-3": (0.2, {"dist": "constant", "value": 3}, ([3], [1.0]), 11),
    # a rare long one: a = 0.98 / (0.98 + 0.02 * 8) = 0.8596 (1/(1 + qm) = 0.8621)
    "constant-8": (0.02, {"dist": "constant", "value": 8}, ([8], [1.0]), 12),
    # D ~ U(0.5, 3.5) rounded up: N = 1, 2, 3, 4 with probability 1/6, 1/3, 1/3, 1/6, so
    # E[N] = 2.5 (not E[D] = 2), Var N = 7.1667 − 6.25 = 0.9167; a = 0.8/(0.8 + 0.5) = 0.6154
    # (with E[D]: 0.6667)
    "uniform": (0.2, {"dist": "uniform", "low": 0.5, "high": 3.5},
                ([1, 2, 3, 4], [1 / 6, 1 / 3, 1 / 3, 1 / 6]), 13),
    # durations below one day last one day: N = 1, a = 0.7 / (0.7 + 0.3) = 0.7
    "under-a-day": (0.3, {"dist": "constant", "value": 0.3}, ([1], [1.0]), 14),
}


@pytest.mark.parametrize("case", list(CASES))
def test_availability_matches_renewal_theory(case):
    q, duration, law, seed = CASES[case]
    mean_n, var_n = down_days(*law)
    a, sd = renewal(q, mean_n, var_n)
    assert a == pytest.approx((1 - q) / (1 - q + q * mean_n), rel=1e-12)  # README's formula
    res = chainsim.simulate(supplier_and_shop({"start_prob": q, "duration": duration},
                                              seed=seed, name=case))
    check_mean_and_spread(per_rep(res.kpis, "maker", "availability"), a, sd,
                          f"{case}: maker.availability")


def test_availability_test_tells_the_exact_formula_from_the_approximations():
    # the "constant-3" and "uniform" cases have the power to reject 1/(1 + q E[N]) and a formula
    # with E[D] in place of E[⌈D⌉]: their distance from the exact value exceeds twice the
    # expected tolerance (K theory standard errors of the mean of R replications)
    for case, wrong in (("constant-3", 1 / (1 + 0.2 * 3)),
                        ("uniform", 0.8 / (0.8 + 0.2 * 2.0))):
        q, _, law, _ = CASES[case]
        a, sd = renewal(q, *down_days(*law))
        assert abs(a - wrong) > 2 * K * sd / math.sqrt(R), (case, abs(a - wrong), sd)


# --------------------------------------------------------------------------- primary/backup
def test_backup_share_is_the_primary_s_unavailability():
    # maker (primary, q = 0.1, 3 days: a = 0.9/1.2 = 0.75) and trader (backup, never fails);
    # the shop orders 4 every day and an infinite primary never owes anything, so the backup
    # is asked exactly on the primary's out days: its share of the units is 1 − availability
    # in every replication, and 1 − a = 0.25 in expectation (sd of one replication = that of
    # the availability, from renewal theory).
    q, m = 0.1, 3
    a, sd = renewal(q, m, 0.0)
    res = chainsim.simulate(supplier_and_shop({"start_prob": q, "duration":
                                               {"dist": "constant", "value": m}},
                                              seed=21, backup=True, name="backup"))
    avail = per_rep(res.kpis, "maker", "availability")
    backup, primary = per_rep(res.kpis, "trader", "demand"), per_rep(res.kpis, "maker", "demand")
    orders = per_rep(res.kpis, "shop", "orders")
    np.testing.assert_allclose(orders, 4.0, atol=1e-12)
    share = backup / (backup + primary)
    np.testing.assert_allclose(share, 1 - avail, atol=1e-12)
    check_mean_and_spread(share, 1 - a, sd, "backup share of units")
    np.testing.assert_allclose(per_rep(res.kpis, "shop", "backorders"), 0.0, atol=1e-12)


# --------------------------------------------------------------------------- split
def _largest_remainder_parts(q: np.ndarray, shares: list[float]) -> np.ndarray:
    """Whole-unit parts of each order q by largest remainder (ties to the earlier lane);
    exact for shares with one decimal (q * share * 10 is an integer)."""
    tenths = np.outer(q, np.rint(np.array(shares) * 10)).astype(np.int64)
    parts = tenths // 10
    rem = tenths % 10
    left = q - parts.sum(axis=1)
    for i in range(q.size):
        order = sorted(range(len(shares)), key=lambda k, i=i: -rem[i, k])
        for k in order[: left[i]]:
            parts[i, k] += 1
    return parts


def test_split_of_poisson_orders_matches_the_expected_rounded_shares():
    # shop: Poisson(8) demand, base stock: each day it orders yesterday's demand Q ~ Poisson(8),
    # split 0.5/0.3/0.2 among three infinite sources. Expected units asked a day of supplier i:
    # E[part_i(Q)] = Σ_q P(Q = q) part_i(q) (largest remainder), which is within 1 unit of
    # share_i * 8 and, the rounding being biased to the larger remainder, not equal to it.
    shares, lam = [0.5, 0.3, 0.2], 8.0
    q = np.arange(0, 80)
    pmf = stats.poisson.pmf(q, lam)
    parts = _largest_remainder_parts(q, shares)
    expected = pmf @ parts
    second = pmf @ parts.astype(float) ** 2
    assert abs(expected.sum() - lam) < 1e-12
    assert np.all(np.abs(expected - lam * np.array(shares)) < 1)
    names = ["a", "b", "c"]
    scn = {"name": "split", "horizon_days": DAYS, "warmup_days": WARMUP, "replications": R,
           "seed": 31, "products": [{"id": "item", "unit_cost": 10, "price": 25}],
           "nodes": [*({"id": n, "role": "manufacturer", "infinite_supply": True}
                       for n in names),
                     {"id": "shop", "role": "retailer", "demand": {"dist": "poisson", "mean": 8},
                      "policy": {"type": "base_stock", "S": 30}, "sourcing": {"rule": "split"}}],
           "lanes": [{"from": n, "to": "shop", "lead_time": {"dist": "constant", "value": 2},
                      "share": s} for n, s in zip(names, shares, strict=True)]}
    res = chainsim.simulate(scn)
    for i, n in enumerate(names):
        # daily parts are i.i.d. (orders are yesterday's i.i.d. demand): sd of the mean over
        # DAYS days = sd(part_i) / √DAYS
        sd = math.sqrt((second[i] - expected[i] ** 2) / DAYS)
        check_mean_and_spread(per_rep(res.kpis, n, "demand"), float(expected[i]), sd,
                              f"{n}.demand")
        np.testing.assert_allclose(per_rep(res.kpis, n, "shipped"),
                                   per_rep(res.kpis, n, "demand"), atol=1e-12)
