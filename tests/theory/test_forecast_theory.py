"""Order variance of the forecasting policies of issue 8 (``forecast_out``, ``sterman``), lane
``order_delay`` and ``signal: consumer``, against closed forms derived below. Expected values
come from theory, never from the simulator. Tolerances: ``theory_check`` (R = 16 replications,
K = 5 replication standard errors; 1e-9 where theory says a value is constant).

Notation: demand D_t of day t, mean μ, Var(D) = σ_D²; review every day (R = 1); the cover of
``forecast_out`` is L = lane lead time ℓ + order delay δ + 1 (Chen et al.'s lead time: our
protection period); level y_t = L F_t with safety factor 0.

Order identity (any order-up-to level y_t with backorders, every order positive): the inventory
position after the review of day t − 1 is y_{t−1}; day t − 1's demand lowers it to
y_{t−1} − D_{t−1}; so the order of day t is

    q_t = y_t − (y_{t−1} − D_{t−1}) = D_{t−1} + L (F_t − F_{t−1}).                      (1)

Negative raw orders would be truncated to 0 and break (1): every parameter set below keeps
P(q_t < 0) and P(D_t < 0) below 1e-12 per day (asserted from the closed-form sd, μ ≥ 7 σ_q),
so over the 16 × 4100 simulated days of a test the chance of even one truncation is < 1e-7.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from scipy.linalg import solve_discrete_lyapunov
from theory_check import EXACT, R, check, single_stage, values

import chainsim
from chainsim import theory as th

DAYS, WARMUP = 4000, 100
MU, SD = 200.0, 10.0


# --------------------------------------------------------------------------- closed forms
def bullwhip_moving_average_ar1(L: float, p: int, rho: float) -> float:
    """Var(q)/Var(D) of an order-up-to policy with a p-day moving average, cover L, under AR(1)
    demand with lag-k autocorrelation ρ^k (Chen, Drezner, Ryan & Simchi-Levi 2000, Thm 1).

    F_t = (D_{t−1} + … + D_{t−p}) / p, so F_t − F_{t−1} = (D_{t−1} − D_{t−1−p}) / p and by (1)
    q_t = (1 + L/p) D_{t−1} − (L/p) D_{t−1−p}. With Cov(D_{t−1}, D_{t−1−p}) = ρ^p σ_D²:
    Var(q) / σ_D² = (1 + L/p)² + (L/p)² − 2 (1 + L/p)(L/p) ρ^p
                  = 1 + (2L/p + 2L²/p²)(1 − ρ^p)."""
    a = L / p
    return 1.0 + (2.0 * a + 2.0 * a * a) * (1.0 - rho**p)


def bullwhip_exp_smoothing_iid(L: float, alpha: float) -> float:
    """Var(q)/Var(D) with exponential smoothing F_{t+1} = F_t + α (D_t − F_t), cover L,
    i.i.d. demand (Chen, Ryan & Simchi-Levi 2000).

    F_t − F_{t−1} = α (D_{t−1} − F_{t−1}), so by (1) q_t = (1 + Lα) D_{t−1} − Lα F_{t−1}.
    F_{t−1} = α Σ_{i≥0} (1−α)^i D_{t−2−i} + const depends on days ≤ t − 2 only, so it is
    independent of D_{t−1}, and Var(F) = α² σ² Σ (1−α)^{2i} = α² σ² / (1 − (1−α)²)
    = α σ² / (2 − α). Hence Var(q)/σ² = (1 + Lα)² + L²α² · α/(2 − α)
    = (1 + Lα)² + L²α³/(2 − α) = 1 + 2Lα + 2L²α²/(2 − α) (the published form)."""
    return (1.0 + L * alpha) ** 2 + L * L * alpha**3 / (2.0 - alpha)


def sterman_linear(L: int, alpha_s: float, beta: float, theta: float):
    """Stationary Var(q)/σ² and Var(N)/σ² (N: net inventory at the review) of one Sterman
    stage under i.i.d. demand (variance σ²), total order-to-receipt time L = ℓ + δ ≥ 1,
    infinite supplier, no truncation at 0 (a linear system).

    At the review of day t (after the day's receipt): q_t = L̂_t + α_S (S' − N_t − β O_t) with
    O_t = q_{t−1} + … + q_{t−L+1} (on order: placed, not received). Then L̂_{t+1} = θ D_t +
    (1 − θ) L̂_t and N_{t+1} = N_t − D_t + q_{t+1−L}. In deviations from the means the state
    x_t = (L̂_t, N_t, q_{t−1}, …, q_{t−L+1}) follows x_{t+1} = A x_t + b e_t (e_t = D_t − μ),
    q_t = c·x_t, and its stationary covariance solves the Lyapunov equation P = A P Aᵀ + b bᵀ.
    Returns (c P c, P_NN, spectral radius of A)."""
    n = 2 + (L - 1)
    c = np.zeros(n)
    c[0], c[1], c[2:] = 1.0, -alpha_s, -alpha_s * beta
    A, b = np.zeros((n, n)), np.zeros(n)
    A[0, 0], b[0] = 1.0 - theta, theta
    A[1, 1], b[1] = 1.0, -1.0
    if L == 1:
        A[1] += c  # today's order arrives tomorrow
    else:
        A[1, n - 1] += 1.0  # the oldest outstanding order arrives tomorrow
        A[2] = c
        for i in range(3, n):
            A[i, i - 1] = 1.0
    radius = float(max(abs(np.linalg.eigvals(A))))
    assert radius < 1, "unstable parameters"
    P = solve_discrete_lyapunov(A, np.outer(b, b))
    return float(c @ P @ c), float(P[1, 1]), radius


def negligible(mean: float, sd: float) -> float:
    """P(X < 0) for X ~ N(mean, sd²)."""
    return float(stats.norm.cdf(-mean / sd))


# --------------------------------------------------------------------------- 1. Chen et al.
@pytest.mark.parametrize("p, rho, lead, seed", [
    (5, 0.5, 1, 811),
    (4, 0.8, 2, 812),    # strong correlation: 2.55 here against 3.63 for i.i.d. demand
    (10, 0.7, 2, 813),
    (4, -0.3, 0, 814),   # lead 0: cover 1, orders received at once
])
def test_moving_average_bullwhip_under_ar1_demand(p, rho, lead, seed):
    """forecast_out, moving average window p, safety factor 0, daily review, constant lead
    time ℓ: Var(q)/Var(D) = 1 + (2L/p + 2L²/p²)(1 − ρ^p), L = ℓ + 1. AR(1) demand
    (mean 200, φ = ρ, innovation sd 10): Var(D) = sd²/(1 − φ²). Clipping: D and q are normal
    with means 200 and sds at most 26.6 here (q, p = 4, ρ = 0.8), so P(D < 0), P(q < 0)
    < 3e-14 per day (asserted < 1e-12).
    The process starts at its mean; after 100 warm-up days its variance is within φ^200 of
    the stationary one. Orders of AR(1) demand stay real (no rounding)."""
    L = lead + 1
    ratio = bullwhip_moving_average_ar1(L, p, rho)
    var_d = SD**2 / (1 - rho**2)
    assert max(negligible(MU, math.sqrt(var_d)), negligible(MU, math.sqrt(var_d * ratio))) < 1e-12
    policy = {"type": "forecast_out", "method": "moving_average", "window": p,
              "safety_factor": 0.0}
    scn = single_stage(f"ma-ar1-{p}-{rho}-{lead}", {"dist": "ar1", "mean": MU, "phi": rho,
                                                   "sd": SD}, policy, lead,
                       days=DAYS, warmup=WARMUP, seed=seed)
    kpis = chainsim.simulate(scn).kpis
    expected = {"bullwhip": ratio, "demand_variance": var_d, "orders_variance": var_d * ratio,
                "demand": MU, "orders": MU, "on_order": MU * lead}
    check(kpis, "shop", expected, exact=("on_order",) if lead == 0 else ())


# --------------------------------------------------------------------------- 2. exp smoothing
@pytest.mark.parametrize("alpha, lead, seed", [(0.2, 2, 821), (0.5, 1, 822), (1.0, 0, 823)])
def test_exp_smoothing_bullwhip_under_iid_normal_demand(alpha, lead, seed):
    """forecast_out, exp smoothing α, safety factor 0, constant lead time ℓ, i.i.d. N(200, 10²)
    demand: Var(q)/Var(D) = (1 + Lα)² + L²α³/(2 − α), L = ℓ + 1 (α = 1, ℓ = 0: F_t = D_{t−1},
    q_t = 2 D_{t−1} − D_{t−2}, ratio 5). The forecast starts at 200 and
    forgets its start as (1 − α)^t: after 100 days, 0.8^100 = 2e-10. P(q < 0) < 1e-12."""
    L = lead + 1
    ratio = bullwhip_exp_smoothing_iid(L, alpha)
    assert ratio == pytest.approx(1 + 2 * L * alpha + 2 * L * L * alpha**2 / (2 - alpha))
    assert negligible(MU, SD * math.sqrt(ratio)) < 1e-12
    policy = {"type": "forecast_out", "method": "exp_smoothing", "alpha": alpha}
    scn = single_stage(f"es-{alpha}-{lead}", {"dist": "normal", "mean": MU, "sd": SD}, policy,
                       lead, days=DAYS, warmup=WARMUP, seed=seed)
    kpis = chainsim.simulate(scn).kpis
    check(kpis, "shop", {"bullwhip": ratio, "demand_variance": SD**2,
                         "orders_variance": SD**2 * ratio, "demand": MU, "orders": MU,
                         "on_order": MU * lead})


# --------------------------------------------------------------------------- 3. base stock
@pytest.mark.parametrize("demand, seed", [
    ({"dist": "poisson", "mean": 8}, 831),
    ({"dist": "normal", "mean": 50, "sd": 10}, 832),
])
def test_base_stock_orders_yesterdays_demand_so_bullwhip_is_one(demand, seed):
    """base_stock S with i.i.d. demand: IP after each review is S, so q_t = D_{t−1} exactly
    (t ≥ 1; checked day by day to 1e-9 in every replication). The bullwhip ratio is then NOT
    exactly 1 per replication: over the days w..w+n−1 after warm-up the orders are
    D_{w−1}..D_{w+n−2} and the demands D_w..D_{w+n−1}, two windows that differ in one value
    at each end. So, exactly (1e-9, relative): bullwhip = s²(D_{w−1..w+n−2}) / s²(D_{w..w+n−1})
    from the replication's own demand draws; and statistically: the two windows are
    exchangeable, so E[ratio] − 1 = O(1/n²) (≈ 1e-7 here), far below the K = 5 replication
    standard errors (O(1/n) / √R) used for the mean over replications."""
    scn = single_stage("bs-bullwhip", demand, {"type": "base_stock", "S": 60}, 2, days=DAYS,
                       warmup=WARMUP, seed=seed)
    res = chainsim.simulate(scn, timeseries=True)
    ts = res.timeseries[res.timeseries["node"] == "shop"]
    bw = values(res.kpis, "shop", "bullwhip")
    for rep, g in ts.groupby("replication"):
        g = g.sort_values("day")
        d, q = g["demand"].to_numpy(float), g["orders"].to_numpy(float)
        np.testing.assert_allclose(q[1:], d[:-1], rtol=0, atol=EXACT)
        w = WARMUP
        exact = np.var(d[w - 1:-1], ddof=1) / np.var(d[w:], ddof=1)
        assert bw[rep] == pytest.approx(exact, rel=1e-9)
    check(res.kpis, "shop", {"bullwhip": 1.0})


# --------------------------------------------------------------------------- order_delay
def test_order_delay_adds_to_the_lead_time_of_base_stock_theory():
    """Lane lead time ℓ = 1 and order delay δ = 2 from an infinite supplier: an order placed on
    day t reaches the supplier on day t + 2, ships at once, arrives on day t + 3. So the shop is
    the textbook periodic-review base-stock system with lead time ℓ + δ = 3 (S = 42, Poisson(8)
    demand): on hand, backorders, CSL and fill rate from ``theory.base_stock_poisson``; on order
    = λ (ℓ + δ) (Little: every order is outstanding ℓ + δ days, in the mail or in transit)."""
    lam, S, lead, delay = 8.0, 42, 1, 2
    scn = single_stage("bs-delay", {"dist": "poisson", "mean": lam}, {"type": "base_stock",
                                                                      "S": S},
                       lead, lane={"order_delay": delay}, days=DAYS, warmup=WARMUP, seed=841)
    kpis = chainsim.simulate(scn).kpis
    exp = th.base_stock_poisson(S, lam, lead + delay)
    metrics = ["demand", "on_hand", "backorders", "cycle_service_level", "fill_rate",
               "on_order", "bullwhip"]
    expected = {m: exp[m] for m in metrics}
    assert expected["on_order"] == pytest.approx(lam * (lead + delay))
    check(kpis, "shop", expected)


# --------------------------------------------------------------------------- signal: consumer
@pytest.mark.parametrize("signal, seed", [("own", 851), ("consumer", 852)])
def test_information_sharing_at_a_wholesaler_behind_a_base_stock_shop(signal, seed):
    """plant -ℓ=2-> whole (forecast_out, moving average p = 5, cover L = 3) -1-> shop (base
    stock) with i.i.d. N(200, 10²) consumer demand D_t at the shop. The shop orders
    a_t = D_{t−1} (previous test), which the wholesaler is asked in phase 2 of day t, before it
    reviews; its IP after the review of t − 1 is y_{t−1}, so q_t = y_t − y_{t−1} + a_t =
    D_{t−1} + L (F_t − F_{t−1}).
    - own: F_t averages a_{t−p}..a_{t−1} = D_{t−1−p}..D_{t−2}, so q_t = D_{t−1} +
      (L/p)(D_{t−2} − D_{t−2−p}): three independent terms, Var(q)/σ² = 1 + 2L²/p² (1.72).
    - consumer: F_t averages D_{t−p}..D_{t−1}, so q_t = D_{t−1} + (L/p)(D_{t−1} − D_{t−1−p}):
      Var(q)/σ² = 1 + 2L/p + 2L²/p² (2.92).
    The wholesaler is asked a_t, Var = σ²; its orders do not depend on its stock, so shortages
    there change nothing. (Sharing the consumer signal raises the wholesaler's variance here:
    its forecast then moves with the very demand it is passing on the same day.)"""
    p, L = 5, 3
    ratio = 1 + 2 * L * L / p**2 if signal == "own" else 1 + 2 * L / p + 2 * L * L / p**2
    assert negligible(MU, SD * math.sqrt(ratio)) < 1e-12
    scn = {
        "name": f"signal-{signal}", "horizon_days": DAYS, "warmup_days": WARMUP,
        "replications": R, "seed": seed,
        "products": [{"id": "item", "unit_cost": 10, "price": 25}],
        "nodes": [
            {"id": "plant", "role": "manufacturer", "infinite_supply": True},
            {"id": "whole", "role": "wholesaler",
             "policy": {"type": "forecast_out", "method": "moving_average", "window": p,
                        "signal": signal}},
            {"id": "shop", "role": "retailer", "demand": {"dist": "normal", "mean": MU,
                                                          "sd": SD},
             "policy": {"type": "base_stock", "S": 700}},
        ],
        "lanes": [{"from": "plant", "to": "whole", "lead_time": {"dist": "constant", "value": 2}},
                  {"from": "whole", "to": "shop", "lead_time": {"dist": "constant", "value": 1}}],
    }
    kpis = chainsim.simulate(scn).kpis
    check(kpis, "whole", {"bullwhip": ratio, "demand_variance": SD**2,
                          "orders_variance": SD**2 * ratio, "demand": MU, "orders": MU,
                          "on_order": MU * 2})
    check(kpis, "shop", {"bullwhip": 1.0})


# --------------------------------------------------------------------------- sterman
@pytest.mark.parametrize("lead, delay, params, seed", [
    (2, 1, {"alpha_s": 0.26, "beta": 0.34, "theta": 0.36, "target_stock": 70}, 861),
    (1, 0, {"alpha_s": 0.5, "beta": 1.0, "theta": 0.5, "target_stock": 45}, 862),
])
def test_sterman_stationary_moments_under_iid_normal_demand(lead, delay, params, seed):
    """One Sterman stage, N(20, 2²) demand (real quantities), infinite supplier, order-to-receipt
    L = ℓ + δ. A linear system while no order is truncated (checked: P(q < 0) < 1e-12 from
    the Lyapunov sd). Means in stationarity: E[q] = E[L̂] = μ, so the adjustment term has mean
    0: S' = E[N] + β E[O] at the review, E[O] = μ (L − 1) (orders of the last L − 1 days) and
    E[N] = S' − β μ (L − 1); the end-of-day net inventory is N − D_t: mean
    S' − β μ (L − 1) − μ, and on order at the end of the day μ L (Little). Variances:
    ``sterman_linear`` (Lyapunov). End-of-day net sd = σ √(P_NN + 1); the means are ≥ 6 sd
    above 0, so backorders are negligible and on hand = net inventory (error < 1e-9)."""
    mu, sd = 20.0, 2.0
    L = lead + delay
    a, b, t, S = params["alpha_s"], params["beta"], params["theta"], params["target_stock"]
    ratio, var_n, radius = sterman_linear(L, a, b, t)
    warmup = 300
    assert radius**warmup < 1e-9  # the start is forgotten after warm-up
    net_mean = S - b * mu * (L - 1) - mu
    net_sd = sd * math.sqrt(var_n + 1)
    assert net_mean > 6 * net_sd and negligible(mu, sd * math.sqrt(ratio)) < 1e-12
    policy = {"type": "sterman", **params}
    scn = single_stage(f"sterman-{L}", {"dist": "normal", "mean": mu, "sd": sd}, policy, lead,
                       lane={"order_delay": delay}, days=DAYS, warmup=warmup, seed=seed)
    kpis = chainsim.simulate(scn).kpis
    check(kpis, "shop", {"bullwhip": ratio, "orders_variance": sd**2 * ratio,
                         "demand_variance": sd**2, "orders": mu, "on_order": mu * L,
                         "on_hand": net_mean, "backorders": 0.0})


def test_consumer_signal_sums_the_demand_of_many_retailers():
    """As above with the consumer signal, but the wholesaler serves 4 base-stock shops with
    i.i.d. Poisson(50) demand each: the consumer signal is the sum D_t ~ Poisson(200), the wholesaler is asked a_t = D_{t−1}, and
    Var(q)/Var(a) = 1 + 2L/p + 2L²/p² = 2.92 (p = 5, L = 2 + 1), Var(a) = 200. Whole units
    here: the order is rounded, q_t = q*_t + r_t − r_{t−1} with r the rounding error; the level
    3 F_t moves in steps of 0.6, so r ∈ {0, ±0.2, ±0.4} with variance ≤ 0.08, adding ≤ 0.16 to
    Var(q) ≈ 584 (ratio + 0.0008, far below the tolerance). P(q < 0): mean 200, sd 24: < 1e-12.
    (Were the signal one shop's demand, or the mean over shops, the ratio would be far off.
    The same sum over a 40-shop retail group: tests/unit/test_forecast_policies.py.)"""
    p, L, n_shops = 5, 3, 4
    ratio = 1 + 2 * L / p + 2 * L * L / p**2
    var_a = 50.0 * n_shops
    assert negligible(200.0, math.sqrt(var_a * ratio)) < 1e-12
    shops = [{"id": f"shop{i}", "role": "retailer", "demand": {"dist": "poisson", "mean": 50},
              "policy": {"type": "base_stock", "S": 200}} for i in range(n_shops)]
    scn = {
        "name": "signal-sum", "horizon_days": 3000, "warmup_days": WARMUP, "replications": R,
        "seed": 871, "products": [{"id": "item", "unit_cost": 10, "price": 25}],
        "nodes": [
            {"id": "plant", "role": "manufacturer", "infinite_supply": True},
            {"id": "whole", "role": "wholesaler",
             "policy": {"type": "forecast_out", "method": "moving_average", "window": p,
                        "signal": "consumer"}},
            *shops,
        ],
        "lanes": [{"from": "plant", "to": "whole", "lead_time": {"dist": "constant", "value": 2}},
                  *({"from": "whole", "to": s["id"], "lead_time": {"dist": "constant",
                                                                   "value": 1}} for s in shops)],
    }
    kpis = chainsim.simulate(scn).kpis
    check(kpis, "whole", {"bullwhip": ratio, "demand_variance": var_a,
                          "orders_variance": var_a * ratio, "demand": 200.0, "orders": 200.0})
