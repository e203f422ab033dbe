"""The theory oracles themselves, against textbook and hand-computed numbers (no simulator)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from chainsim import theory as th

E = math.e


# --------------------------------------------------------------------------- loss functions
@pytest.mark.parametrize(
    "z, expected",
    # standard normal loss table (e.g. Axsäter, Inventory Control, Table A.2 / FoSCT Table C.1)
    [(0.0, 0.398942), (1.0, 0.083315), (2.0, 0.008491), (-1.0, 1.083315)],
)
def test_normal_loss_table(z, expected):
    assert th.normal_loss(z) == pytest.approx(expected, abs=2e-6)
    assert th.normal_complementary_loss(z) == pytest.approx(expected + z, abs=2e-6)


def test_poisson_loss_hand_values():
    # X ~ Poisson(1): E[X] = 1, E[(X-1)+] = P(X=0) = 1/e, E[(X-2)+] = 3/e - 1
    assert th.poisson_loss(0, 1.0) == pytest.approx(1.0)
    assert th.poisson_loss(1, 1.0) == pytest.approx(1 / E)
    assert th.poisson_loss(2, 1.0) == pytest.approx(3 / E - 1)
    # non-integer: E[(X-1.5)+] = E[(X-2)+] + 0.5 P(X >= 2) = 3/e - 1 + 0.5 (1 - 2/e)
    assert th.poisson_loss(1.5, 1.0) == pytest.approx(3 / E - 1 + 0.5 * (1 - 2 / E))
    assert th.poisson_loss(-2, 1.0) == pytest.approx(3.0)
    # complementary: E[(2-X)+] = 2 p0 + p1 = 3/e
    assert th.poisson_complementary_loss(2, 1.0) == pytest.approx(3 / E)


@pytest.mark.parametrize("mean", [0.3, 4.0, 37.5])
def test_poisson_loss_matches_direct_sum(mean):
    k = np.arange(0, 400)
    p = stats.poisson.pmf(k, mean)
    for x in [0, 1, 2.5, mean, mean + 7, 3 * mean]:
        direct = float(np.dot(p, np.maximum(k - x, 0)))
        assert th.poisson_loss(x, mean) == pytest.approx(direct, rel=1e-10, abs=1e-14)


# --------------------------------------------------------------------------- newsvendor
def test_newsvendor_normal_fosct_examples():
    # Snyder & Shen, Fundamentals of Supply Chain Theory, Example 4.3: h = 0.18, p = 0.70,
    # D ~ N(50, 8^2)  ->  S* = 56.6040, g(S*) = 1.9976 (also stockpyl's documented output).
    S, cost = th.newsvendor_normal(0.18, 0.70, 50, 8)
    assert S == pytest.approx(56.60395592743389, rel=1e-12)
    assert cost == pytest.approx(1.9976051931766445, rel=1e-12)
    # h = 2, p = 18, N(120, 10^2): S* = 132.8155, cost = 35.0997
    S, cost = th.newsvendor_normal(2, 18, 120, 10)
    assert S == pytest.approx(132.815515655446, rel=1e-12)
    assert cost == pytest.approx(35.09966638649737, rel=1e-12)


def test_newsvendor_poisson_hand():
    # h = 1, p = 3, D ~ Poisson(2): fractile 0.75; F(2) = 5e^-2 = 0.677, F(3) = 19/3 e^-2 = 0.857
    # -> S* = 3; E[(3-D)+] = 3p0 + 2p1 + p2 = 9e^-2; E[(D-3)+] = 9e^-2 - 1; g = 36 e^-2 - 3.
    S, cost = th.newsvendor_poisson(1, 3, 2.0)
    assert S == 3
    assert cost == pytest.approx(36 * E**-2 - 3)


def test_base_stock_normal_newsvendor_cost_at_optimum():
    # L = 0 base stock is the newsvendor: expected daily cost at S* is (h + b) sd phi(z*).
    S, cost = th.newsvendor_normal(1.0, 19.0, 100, 10)
    r = th.base_stock_normal(S, 100, 10, 0, holding=1.0, backorder=19.0)
    assert r["total_cost"] == pytest.approx(cost, rel=1e-12)
    assert r["cycle_service_level"] == pytest.approx(0.95, rel=1e-12)


# --------------------------------------------------------------------------- base stock
def test_base_stock_poisson_newsvendor_hand():
    # L = 0, S = 1, lambda = 1: on hand E[(1-D)+] = 1/e, backorders E[(D-1)+] = 1/e,
    # CSL = P(D <= 1) = 2/e, fill = E[min(D, 1)] = 1 - 1/e.
    r = th.base_stock_poisson(1, 1.0, 0)
    assert r["on_hand"] == pytest.approx(1 / E)
    assert r["backorders"] == pytest.approx(1 / E)
    assert r["cycle_service_level"] == pytest.approx(2 / E)
    assert r["fill_rate"] == pytest.approx(1 - 1 / E)
    assert r["on_order"] == 0
    assert r["order_frequency"] == pytest.approx(1 - 1 / E)


def test_base_stock_poisson_fill_rate_by_enumeration():
    # fill = E[min(D, (S - Y)+)] / lambda with Y ~ Poisson(lambda L), D ~ Poisson(lambda),
    # enumerated directly instead of via the backorder-increment identity.
    for S, lam, L in [(2, 0.5, 1), (42, 8.0, 3), (5, 3.0, 2), (0, 2.0, 1)]:
        k = np.arange(0, 300)
        py, pd_ = stats.poisson.pmf(k, lam * L), stats.poisson.pmf(k, lam)
        avail = np.maximum(S - k, 0)
        served = np.minimum(k[None, :], avail[:, None])  # [y, d]
        fill = float(py @ served @ pd_) / lam
        r = th.base_stock_poisson(S, lam, L)
        assert r["fill_rate"] == pytest.approx(fill, rel=1e-10)
        # and the levels by enumeration of X ~ Poisson(lambda (L + 1))
        px = stats.poisson.pmf(k, lam * (L + 1))
        assert r["on_hand"] == pytest.approx(float(px @ np.maximum(S - k, 0)), rel=1e-10)
        assert r["backorders"] == pytest.approx(float(px @ np.maximum(k - S, 0)), abs=1e-12)
        assert r["cycle_service_level"] == pytest.approx(float(px[: S + 1].sum()), rel=1e-12)


def test_base_stock_poisson_hand_lead_time_one():
    # S = 2, lambda = 0.5, L = 1: X ~ Poisson(1): on hand = 2 p0 + p1 = 3/e,
    # backorders = E[X] - 2 + on hand = 3/e - 1, CSL = p0 + p1 + p2 = 2.5/e.
    r = th.base_stock_poisson(2, 0.5, 1)
    assert r["on_hand"] == pytest.approx(3 / E)
    assert r["backorders"] == pytest.approx(3 / E - 1)
    assert r["cycle_service_level"] == pytest.approx(2.5 / E)
    assert r["on_order"] == pytest.approx(0.5)


def test_base_stock_normal_fill_rate_by_integration():
    mu, sd, L, S = 100.0, 10.0, 2, 320.0
    sy = sd * math.sqrt(L)

    def served(y):  # E[min(D, a)] for a = (S - y)+, D ~ N(mu, sd^2), D < 0 negligible
        a = max(S - y, 0.0)
        return mu - sd * float(th.normal_loss((a - mu) / sd))

    val, _ = integrate.quad(lambda y: stats.norm.pdf(y, mu * L, sy) * served(y),
                            mu * L - 12 * sy, mu * L + 12 * sy, points=[S - mu], limit=200)
    r = th.base_stock_normal(S, mu, sd, L)
    assert r["fill_rate"] == pytest.approx(val / mu, rel=1e-9)
    sx = sd * math.sqrt(L + 1)
    assert r["cycle_service_level"] == pytest.approx(stats.norm.cdf((S - 300) / sx))
    assert r["on_hand"] - r["backorders"] == pytest.approx(S - mu * (L + 1))


def test_littles_law():
    assert th.littles_law_on_order(8, 3) == 24
    assert th.base_stock_poisson(42, 8, 3)["on_order"] == pytest.approx(24)


# --------------------------------------------------------------------------- lost sales
def test_lost_sales_newsvendor_hand():
    # L = 0, S = 1, lambda = 1: lost = E[(D-1)+] = 1/e, sold = 1 - 1/e, on hand = P(D = 0).
    r = th.lost_sales_base_stock_poisson(1, 1.0, 0)
    assert r["lost_sales"] == pytest.approx(1 / E)
    assert r["fill_rate"] == pytest.approx(1 - 1 / E)
    assert r["lost_fraction"] == pytest.approx(1 / E)
    assert r["on_hand"] == pytest.approx(1 / E)
    assert r["backorders"] == 0


def test_lost_sales_lead_time_one_hand_markov():
    # S = 1, L = 1: the on hand I after receipt is 1 or 0. From I = 1: no demand -> 1, else 0
    # (and 1 unit is ordered for tomorrow); from I = 0: the unit ordered yesterday arrives -> 1.
    # pi_1 = pi_1 p0 + pi_0  ->  pi_1 = 1 / (2 - p0). Sales = pi_1 (1 - p0).
    lam = 0.7
    p0 = math.exp(-lam)
    pi1 = 1 / (2 - p0)
    r = th.lost_sales_base_stock_poisson(1, lam, 1)
    assert r["fill_rate"] == pytest.approx(pi1 * (1 - p0) / lam)
    assert r["lost_sales"] == pytest.approx(lam - pi1 * (1 - p0))
    assert r["on_hand"] == pytest.approx(pi1 * p0)
    assert r["on_order"] == pytest.approx(1 - pi1)  # S - I


def test_lost_sales_with_large_S_approaches_backorder_model():
    for L in (1, 2):
        S, lam = 15 + 4 * L, 2.0
        lost = th.lost_sales_base_stock_poisson(S, lam, L)
        back = th.base_stock_poisson(S, lam, L)
        assert lost["lost_sales"] < 1e-4
        assert lost["on_hand"] == pytest.approx(back["on_hand"], abs=1e-4)
        assert lost["on_order"] == pytest.approx(back["on_order"], abs=1e-4)


def test_lost_sales_chain_zero_lead_time_agrees_with_closed_form():
    # L = 0 uses the closed form; check it (and the order variance, Var(min(D, S))) by a sum.
    k = np.arange(200)
    p = stats.poisson.pmf(k, 8.0)
    r = th.lost_sales_base_stock_poisson(10, 8.0, 0)
    assert r["lost_sales"] == pytest.approx(float(p @ np.maximum(k - 10, 0)))
    assert r["orders_variance"] == pytest.approx(
        float(p @ np.minimum(k, 10) ** 2) - float(p @ np.minimum(k, 10)) ** 2)


# --------------------------------------------------------------------------- (s, S), (r, Q)
def test_sS_with_s_equal_S_minus_one_is_base_stock():
    for L in (0, 2):
        a = th.sS_poisson(9, 10, 3.0, L, holding=1, backorder=4)
        b = th.base_stock_poisson(10, 3.0, L, holding=1, backorder=4)
        for key in ("on_hand", "backorders", "cycle_service_level", "fill_rate", "on_order",
                    "order_frequency", "orders_variance", "total_cost"):
            assert a[key] == pytest.approx(b[key], rel=1e-9, abs=1e-12), key


def test_sS_two_state_chain_by_hand():
    # s = 0, S = 2: IP after ordering is 1 or 2. From 2: D=1 -> 1, else -> 2 (D=0 stays, D>=2
    # reorders). From 1: D=0 -> 1, else -> 2. Balance: pi_1 (1 - p0) = pi_2 p1.
    lam = 1.3
    p0, p1 = math.exp(-lam), lam * math.exp(-lam)
    pi1 = p1 / (p1 + 1 - p0)
    r = th.sS_poisson(0, 2, lam, 0)
    assert r["ip_distribution"][1] == pytest.approx(pi1)
    assert r["ip_distribution"][2] == pytest.approx(1 - pi1)
    # an order is placed tomorrow iff today's IP after demand is <= 0
    freq = pi1 * (1 - p0) + (1 - pi1) * (1 - p0 - p1)
    assert r["order_frequency"] == pytest.approx(freq)
    assert r["orders_mean"] == pytest.approx(lam)


def test_rQ_uniform_ip_and_reductions():
    r = th.rQ_poisson(8, 12, 4.0, 2)
    assert np.allclose(list(r["ip_distribution"].values()), 1 / 12, atol=1e-12)
    assert r["orders_mean"] == pytest.approx(4.0)
    # on hand by direct averaging of the uniform IP
    direct = np.mean([th.poisson_complementary_loss(j, 12.0) for j in range(9, 21)])
    assert r["on_hand"] == pytest.approx(direct)
    # Q = 1 is base stock with S = r + 1
    a, b = th.rQ_poisson(6, 1, 2.0, 1), th.base_stock_poisson(7, 2.0, 1)
    for key in ("on_hand", "backorders", "fill_rate", "order_frequency", "orders_variance"):
        assert a[key] == pytest.approx(b[key], rel=1e-9), key


def test_sS_orders_mean_is_demand_rate():
    r = th.sS_poisson(6, 20, 4.0, 2)
    assert r["orders_mean"] == pytest.approx(4.0, rel=1e-9)
    assert r["on_order"] == pytest.approx(8.0)
    assert sum(r["ip_distribution"].values()) == pytest.approx(1.0)


# --------------------------------------------------------------------------- serial line
def test_serial_reduces_to_single_stage():
    lam, LU, LD, SD = 5.0, 3, 2, 20
    # U never short -> D is a single stage with lead time L_D
    r = th.serial_two_stage_poisson(200, SD, lam, LU, LD)
    single = th.base_stock_poisson(SD, lam, LD)
    for key in ("on_hand", "backorders", "cycle_service_level", "fill_rate", "on_order"):
        assert r["downstream"][key] == pytest.approx(single[key], rel=1e-9, abs=1e-12), key
    assert r["upstream"]["backorders"] == pytest.approx(0, abs=1e-12)
    assert r["upstream"]["on_hand"] == pytest.approx(200 - lam * LU)
    # U holds nothing (S_U = 0): pure cross-dock, D sees lead time L_D + L_U
    r = th.serial_two_stage_poisson(0, SD, lam, LU, LD)
    single = th.base_stock_poisson(SD, lam, LD + LU)
    for key in ("on_hand", "backorders", "cycle_service_level", "fill_rate", "on_order"):
        assert r["downstream"][key] == pytest.approx(single[key], rel=1e-9, abs=1e-12), key
    # U with S_U = 0 is a base stock node facing D's orders with lead time L_U - 1
    up = th.base_stock_poisson(0, lam, LU - 1)
    for key in ("on_hand", "backorders", "fill_rate"):
        assert r["upstream"][key] == pytest.approx(up[key], rel=1e-9, abs=1e-12), key


def test_serial_pmfs_are_distributions():
    r = th.serial_two_stage_poisson(12, 20, 5.0, 3, 2)
    assert r["upstream"]["backorder_pmf"].sum() == pytest.approx(1.0)
    assert r["downstream"]["lead_time_demand_pmf"].sum() == pytest.approx(1.0)
    d = r["downstream"]
    # NI = S - (X + B): E[NI] = S_D - lambda (L_D + 1) - E[B]
    assert d["on_hand"] - d["backorders"] == pytest.approx(
        20 - 15 - r["upstream"]["backorders"])
    with pytest.raises(ValueError):
        th.serial_two_stage_poisson(12, 20, 5.0, 0, 2)


# --------------------------------------------------------------------------- statistics
def test_window_variance_of_moving_sum():
    # f(x) = x: Cov_k = lambda (m - k), so sigma^2_inf = lambda (m + 2 sum_{k<m} (m-k)) = lambda m^2
    lam, m = 3.0, 4
    assert th.window_sum_time_average_variance(lambda x: x, lam, m) == pytest.approx(lam * m * m)
    n = 50
    exact = (lam * m + 2 * sum((1 - k / n) * lam * (m - k) for k in range(1, m))) / n
    assert th.window_sum_time_average_variance(lambda x: x, lam, m, days=n) == pytest.approx(exact)
    # window 1: iid, variance of f(D)
    v = th.window_sum_time_average_variance(lambda x: np.maximum(5 - x, 0), 4.0, 1)
    k = np.arange(100)
    p = stats.poisson.pmf(k, 4.0)
    f = np.maximum(5 - k, 0)
    assert v == pytest.approx(float(p @ f**2) - float(p @ f) ** 2)


def test_window_variance_against_monte_carlo():
    # on hand (S - X_t)+ of a base-stock node, S = 42, lambda = 8, L = 3 (window 4)
    lam, m, S = 8.0, 4, 42
    sig2 = th.window_sum_time_average_variance(lambda x: np.maximum(S - x, 0), lam, m)
    rng = np.random.default_rng(7)
    n, reps = 2000, 400
    d = rng.poisson(lam, size=(reps, n + m - 1))
    c = np.cumsum(np.pad(d, ((0, 0), (1, 0))), axis=1)
    x = c[:, m:] - c[:, :-m]
    means = np.maximum(S - x, 0).mean(axis=1)
    # the sample variance of 400 batch means has relative sd sqrt(2/399) = 7%: allow 30%
    assert means.var(ddof=1) * n == pytest.approx(sig2, rel=0.3)


def test_bullwhip_bound():
    assert th.bullwhip_moving_average_lower_bound(1, 1) == 5.0
    assert th.bullwhip_moving_average_lower_bound(2, 10) == pytest.approx(1 + 0.4 + 0.08)


def test_base_stock_review_period_by_day_of_cycle():
    # R = 3, L = 2, S = 60, lambda = 8: average the single-day formulas over the cycle by hand.
    lam, L, R, S = 8.0, 2, 3, 60
    r = th.base_stock_poisson(S, lam, L, review_days=R)
    k = np.arange(400)
    oh, bo, fill_short = [], [], []
    for j in range(R):
        px = stats.poisson.pmf(k, lam * (L + 1 + j))
        py = stats.poisson.pmf(k, lam * (L + j))
        oh.append(px @ np.maximum(S - k, 0))
        bo.append(px @ np.maximum(k - S, 0))
        fill_short.append(px @ np.maximum(k - S, 0) - py @ np.maximum(k - S, 0))
    assert r["on_hand"] == pytest.approx(np.mean(oh), rel=1e-10)
    assert r["backorders"] == pytest.approx(np.mean(bo), rel=1e-8)
    assert r["fill_rate"] == pytest.approx(1 - np.sum(fill_short) / (R * lam), rel=1e-10)
    # daily orders: Poisson(lambda R) every R-th day, else 0
    pq = stats.poisson.pmf(k, lam * R)
    m1 = (pq @ k) / R
    m2 = (pq @ k.astype(float) ** 2) / R
    assert r["orders_variance"] == pytest.approx(m2 - m1**2, rel=1e-10)
    assert r["order_frequency"] == pytest.approx((1 - pq[0]) / R)
    # R = 1 is the default
    assert th.base_stock_poisson(S, lam, L, review_days=1) == th.base_stock_poisson(S, lam, L)


def test_lot_sizing_reductions():
    keys = ("on_hand", "backorders", "fill_rate", "cycle_service_level", "order_frequency",
            "orders_variance")
    a, b = th.base_stock_lot_size_poisson(30, 4.0, 2, multiple=6), th.rQ_poisson(29, 6, 4.0, 2)
    for key in keys:
        assert a[key] == pytest.approx(b[key], rel=1e-9), key
    a, b = th.base_stock_lot_size_poisson(30, 4.0, 2), th.base_stock_poisson(30, 4.0, 2)
    for key in keys:
        assert a[key] == pytest.approx(b[key], rel=1e-9), key
    a = th.base_stock_lot_size_poisson(30, 4.0, 2, moq=10, multiple=4)
    assert a["orders_mean"] == pytest.approx(4.0)
    assert sum(a["ip_distribution"].values()) == pytest.approx(1.0)


def test_lot_sizing_moq_against_plain_recursion():
    # IP after ordering of base stock S = 20 with MOQ 7, lambda = 3, by a direct simulation of
    # the IP recursion (no lead time needed for the IP law); 200 000 days, batch-means tolerance.
    S, moq, lam = 20, 7, 3.0
    rng = np.random.default_rng(3)
    d = rng.poisson(lam, 200_000)
    ip, freq, ips = S, 0, np.empty(d.size)
    for t, x in enumerate(d):
        ip -= x
        if ip < S:
            ip += max(S - ip, moq)
            freq += 1
        ips[t] = ip
    r = th.base_stock_lot_size_poisson(S, lam, 0, moq=moq)
    dist = r["ip_distribution"]
    mean_ip = sum(k * v for k, v in dist.items())
    batches = ips.reshape(100, -1).mean(axis=1)
    assert abs(ips.mean() - mean_ip) < 5 * batches.std(ddof=1) / 10
    assert freq / d.size == pytest.approx(r["order_frequency"], abs=0.005)
