"""The queueing oracles of ``chainsim.theory`` against textbook and hand-computed
numbers (no simulator): Erlang B/C tables, M/M/1, M/M/c, Pollaczek–Khinchine, and the
variance-based tolerance helpers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from chainsim import theory as th


def _erlang_c_direct(c: int, a: float) -> float:
    """The textbook sum form of Erlang C, to check the recursion against."""
    top = a**c / math.factorial(c) * c / (c - a)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


# --------------------------------------------------------------------------- Erlang B / C
@pytest.mark.parametrize("c, a, expected", [
    (1, 0.5, 0.5),          # C(1, a) = a
    (2, 1.0, 1 / 3),        # (1/2 · 2) / (1 + 1 + 1)
    (3, 2.0, 4 / 9),        # (8/6 · 3) / (1 + 2 + 2 + 4)
    (2, 2 / 3, 1 / 6),      # (2/9 · 3/2) / (1 + 2/3 + 1/3)
])
def test_erlang_c_table(c, a, expected):
    assert th.erlang_c(c, a) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("c, a, expected", [
    (1, 1.0, 0.5), (2, 1.0, 0.2),      # 1/(1+1); (1/2)/(1 + 1 + 1/2)
    (10, 5.0, 0.018385),               # Erlang B table (e.g. Kleinrock, Queueing Systems I)
    (5, 3.0, 0.110054),                # 40.5/2.4 / (1 + 3 + 4.5 + 4.5 + 3.375 + 2.025)
])
def test_erlang_b_table(c, a, expected):
    assert th.erlang_b(c, a) == pytest.approx(expected, abs=5e-7)


@pytest.mark.parametrize("c", [1, 2, 3, 5, 10, 30])
@pytest.mark.parametrize("rho", [0.1, 0.5, 0.7, 0.95])
def test_erlang_c_matches_sum_form(c, rho):
    a = rho * c
    assert th.erlang_c(c, a) == pytest.approx(_erlang_c_direct(c, a), rel=1e-10)
    assert th.erlang_b(c, a) <= th.erlang_c(c, a) <= 1.0


def test_erlang_c_bad_input():
    with pytest.raises(ValueError):
        th.erlang_c(2, 2.0)   # a = c: unstable
    with pytest.raises(ValueError):
        th.erlang_c(0, 0.5)


# --------------------------------------------------------------------------- M/M/1, M/M/c
def test_mm1_textbook():
    # λ = 2, μ = 3 (Hillier & Lieberman style example): ρ = 2/3, L = 2, Lq = 4/3, W = 1,
    # Wq = 2/3, P(wait) = 2/3.
    r = th.mm1(2.0, 3.0)
    assert r["rho"] == pytest.approx(2 / 3)
    assert r["p_wait"] == pytest.approx(2 / 3)
    assert r["L"] == pytest.approx(2.0)
    assert r["Lq"] == pytest.approx(4 / 3)
    assert r["W"] == pytest.approx(1.0)
    assert r["Wq"] == pytest.approx(2 / 3)


def test_mm1_picking_example():
    # the 3PL contract example: 200 orders/day, 5-minute picks -> λ = 200/1440 per minute,
    # μ = 1/5, ρ = 1000/1440 = 0.6944, Wq = ρ/(μ − λ) = 11.3636 minutes.
    lam, mu = 200 / 1440, 1 / 5
    r = th.mm1(lam, mu)
    assert r["rho"] == pytest.approx(1000 / 1440)
    assert r["Wq"] == pytest.approx((1000 / 1440) / (0.2 - 200 / 1440))
    assert r["Wq"] == pytest.approx(11.363636, rel=1e-6)


def test_mmc_hand_values_and_littles_law():
    # λ = 2, μ = 3, c = 2: a = 2/3, C = 1/6, Wq = C/(cμ − λ) = 1/24, W = 1/24 + 1/3.
    r = th.mmc(2.0, 3.0, 2)
    assert r["rho"] == pytest.approx(1 / 3)
    assert r["p_wait"] == pytest.approx(1 / 6)
    assert r["Wq"] == pytest.approx(1 / 24)
    assert r["W"] == pytest.approx(1 / 24 + 1 / 3)
    assert r["Lq"] == pytest.approx(2 / 24)
    assert r["L"] == pytest.approx(r["Lq"] + 2 / 3)   # L = Lq + a
    # c = 3, a = 2 (λ = 2, μ = 1): C = 4/9, Wq = (4/9)/(3 − 2) = 4/9
    r = th.mmc(2.0, 1.0, 3)
    assert r["p_wait"] == pytest.approx(4 / 9)
    assert r["Wq"] == pytest.approx(4 / 9)


@pytest.mark.parametrize("lam, mu", [(0.1, 1.0), (2.0, 3.0), (200 / 1440, 0.2)])
def test_mmc_with_one_server_is_mm1(lam, mu):
    a, b = th.mmc(lam, mu, 1), th.mm1(lam, mu)
    for key in b:
        assert a[key] == pytest.approx(b[key], rel=1e-12)


def test_mm1_unstable_rejected():
    with pytest.raises(ValueError):
        th.mm1(1.0, 1.0)
    with pytest.raises(ValueError):
        th.mmc(3.0, 1.0, 3)


# --------------------------------------------------------------------------- M/G/1, M/D/1
def test_pollaczek_khinchine():
    lam, es = 0.6, 1.0
    # exponential service: E[S²] = 2 E[S]² -> M/M/1
    assert th.mg1(lam, es, 2 * es**2)["Wq"] == pytest.approx(th.mm1(lam, 1 / es)["Wq"])
    # constant service: half the M/M/1 wait; ρ = 0.6 -> Wq = 0.6 · 1 / (2 · 0.4) = 0.75
    r = th.md1(lam, es)
    assert r["Wq"] == pytest.approx(0.75)
    assert r["Wq"] == pytest.approx(th.mm1(lam, 1 / es)["Wq"] / 2)
    assert r["p_wait"] == pytest.approx(0.6)
    assert r["W"] == pytest.approx(1.75)
    assert r["L"] == pytest.approx(0.6 * 1.75)
    # gamma service with cv 0.5: E[S²] = (1 + cv²) E[S]²; Wq = λ (1.25) / (2 · 0.4)
    assert th.mg1(lam, es, 1.25)["Wq"] == pytest.approx(0.6 * 1.25 / 0.8)
    with pytest.raises(ValueError):
        th.mg1(lam, es, 0.5)   # E[S²] < E[S]²


# --------------------------------------------------------------------------- M/M/1 variance
def test_mm1_wait_asymptotic_variance_limits():
    mu = 1.0
    # light traffic: waits are almost independent, σ² -> Var(Wq) = ρ(2 − ρ)/(μ(1 − ρ))² ≈ 2ρ
    rho = 1e-4
    assert th.mm1_wait_asymptotic_variance(rho, mu) == pytest.approx(2 * rho, rel=1e-3)
    # positive autocorrelation: σ² exceeds the one-customer variance at every load
    for rho in (0.3, 0.5, 0.7, 0.9):
        var1 = rho * (2 - rho) / (mu * (1 - rho)) ** 2
        assert th.mm1_wait_asymptotic_variance(rho, mu) > var1
    # scales as 1/μ² at fixed ρ (time unit change)
    assert th.mm1_wait_asymptotic_variance(0.35, 0.5) == pytest.approx(
        4 * th.mm1_wait_asymptotic_variance(0.7, 1.0))


def test_mm1_wait_asymptotic_variance_lindley():
    # Independent check by Lindley's recursion W_{n+1} = (W_n + S_n − A_{n+1})+ (not
    # chainsim), many short stationary runs at once: n · Var(mean of n waits) -> σ².
    # ρ = 0.5, μ = 1: σ² = 0.5 (2 + 2.5 − 1 + 0.125) / 0.5⁴ = 29. With 4000 runs the sample
    # variance has relative sd √(2/3999) ≈ 2.2 %; the finite-n bias (2/n) Σ k γ_k is < 1 % for
    # n = 4000 customers (correlation time ~ 1/(μ(1 − √ρ)²) ≈ 12): tolerance 12 %.
    lam, mu, runs, n = 0.5, 1.0, 4000, 4000
    rng = np.random.default_rng(2024)
    rho = lam / mu
    w = np.where(rng.random(runs) < rho, rng.exponential(1 / (mu - lam), runs), 0.0)
    total = np.zeros(runs)
    for _ in range(n):
        total += w
        w = np.maximum(w + rng.exponential(1 / mu, runs) - rng.exponential(1 / lam, runs), 0.0)
    means = total / n
    assert means.mean() == pytest.approx(th.mm1(lam, mu)["Wq"], rel=0.02)
    sigma2 = th.mm1_wait_asymptotic_variance(lam, mu)
    assert sigma2 == pytest.approx(29.0)
    assert n * means.var(ddof=1) == pytest.approx(sigma2, rel=0.12)
