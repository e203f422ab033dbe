"""What theory says about the bullwhip chains of ``scenarios/teaching/`` (pure functions, no
simulation): the formulas of Chen, Drezner, Ryan & Simchi-Levi (2000) and the exact variance of
every tier's orders in chainsim's own timing.

Symbols: p the moving-average window (weeks averaged), L a tier's cover = lane lead time ℓ +
order delay δ + review period R (R = 1: every tier reviews every week), D the consumer demand
(i.i.d., variance σ²), q_k the orders of tier k (k = 1 the retailer, counting upstream).

Chen et al. (2000), order-up-to level L × (p-week moving average), safety factor 0:

- one stage: Var(q)/Var(D) = 1 + 2L/p + 2L²/p²                                  (``chen``)
- k stages, each forecasting from the orders it receives ("decentralized"):
  Var(q_k)/Var(D) ≥ ∏_{i ≤ k} (1 + 2L_i/p + 2L_i²/p²)                 (``chen_decentralized``)
- k stages that all forecast from the consumers' demand ("centralized", information shared):
  Var(q_k)/Var(D) ≥ 1 + 2 ΣL_i/p + 2 (ΣL_i)²/p²                         (``chen_centralized``)

chainsim's timing (DESIGN §2 and §7) makes every order a fixed linear filter of the demand, as
long as no order is cut at 0, so ``chain_variances`` computes Var(q_k)/σ² exactly:

- the retailer reviews on day t before that day's consumers arrive; its inventory position
  after the review of t − 1 was its level y_{t−1}, and D_{t−1} came off it since, so
  q_1(t) = D_{t−1} + L_1 (F(t) − F(t−1)), F(t) the mean of D_{t−p} … D_{t−1}: Chen's
  one-stage model exactly;
- tier k ≥ 2 is asked a_k(t) = q_{k−1}(t − δ), the order mailed δ days ago (δ of the lane it
  supplies), opened just before its review, so q_k(t) = a_k(t) + L_k (F_k(t) − F_k(t−1)), where
  F_k averages a_k (own signal) or D (``signal: consumer``) over the p days up to yesterday.

The second point is why chainsim's upstream numbers differ from Chen's multi-stage formulas:
(a) the order opened today is not yet in today's forecast (a one-day information lag, so the
forecast jump and the order it reacts to do not add up: less amplification than Chen's
product); (b) with a mail delay δ > 0 a tier with shared information reacts to the consumers'
demand at once but to its buyer's order δ days later, so the terms of different tiers no longer
line up and add their variances instead of their standard deviations: less than Chen's
centralized value. With δ = 0 and shared information, chainsim gives Chen's centralized formula
exactly (``experiments/teaching/03_information_sharing.py`` checks it).
"""

from __future__ import annotations

import math

import numpy as np


def chen(cover: float, window: int) -> float:
    """Chen et al.'s one-stage ratio 1 + 2L/p + 2L²/p² (i.i.d. demand, safety factor 0)."""
    a = cover / window
    return 1.0 + 2.0 * a + 2.0 * a * a


def chen_decentralized(covers: list[float], window: int) -> list[float]:
    """∏_{i ≤ k} (1 + 2L_i/p + 2L_i²/p²) for k = 1 … n (tiers from the consumer up)."""
    return [float(x) for x in np.cumprod([chen(c, window) for c in covers])]


def chen_centralized(covers: list[float], window: int) -> list[float]:
    """1 + 2 ΣL_i/p + 2 (ΣL_i)²/p² for k = 1 … n: the cumulative covers."""
    return [chen(float(c), window) for c in np.cumsum(covers)]


def _lag(h: np.ndarray, k: int) -> np.ndarray:
    """The filter of x_{t−k} given the filter h of x_t."""
    return np.concatenate([np.zeros(k), h])[: h.size] if k else h


def _forecast_step(h: np.ndarray, window: int) -> np.ndarray:
    """Filter of F(t) − F(t−1) = (x_{t−1} − x_{t−1−p}) / p, given the filter h of x_t."""
    return (_lag(h, 1) - _lag(h, window + 1)) / window


def chain_variances(covers: list[float], delays: list[int], window: int | None,
                    shared: bool = False) -> list[float]:
    """Var(q_k) / Var(D) for each tier k of a serial chain in chainsim's timing, no truncation.

    ``covers[k]`` is tier k's L = ℓ + δ + 1 (tier 0 the retailer), ``delays[k]`` the order delay
    of the lane into tier k (its orders reach tier k + 1 that many days later), ``window`` the
    moving average of every tier, or None for base stock at every tier (the level never moves:
    each tier orders exactly what it was asked, so every ratio is 1). ``shared``: every tier
    forecasts the consumers' demand (``signal: consumer``)."""
    n = int(sum(covers)) * (window or 1) + sum(delays) + 8  # longer than any filter
    demand = np.zeros(n)
    demand[0] = 1.0  # D_t in terms of D_{t-j}: coefficient 1 at lag 0
    out = []
    asked = _lag(demand, 1)  # the retailer's orders answer yesterday's consumers
    for k, cover in enumerate(covers):
        if window is None:
            orders = asked
        else:
            signal = demand if (shared or k == 0) else asked
            orders = asked + cover * _forecast_step(signal, window)
        out.append(float(np.sum(orders**2)))
        if k + 1 < len(covers):
            asked = _lag(orders, delays[k])  # what the next role up opens, delays[k] later
    return out


def serial_chain(scenario) -> dict:
    """The tiers of a serial scenario from the consumer up: ids, covers L = mean lead time +
    order delay + review period, and the order delay of the lane into each tier."""
    into = {lane.dst: lane for lane in scenario.lanes}
    node = next(n for n in scenario.nodes if n.demand is not None)
    tiers, covers, delays = [], [], []
    while node.policy is not None and node.id in into:
        lane = into[node.id]
        lead = lane.lead_time.value  # constant lead times in the teaching chains
        tiers.append(node.id)
        covers.append(lead + lane.order_delay + node.policy.review_days)
        delays.append(lane.order_delay)
        node = scenario.node(lane.src)
    return {"tiers": tiers, "covers": covers, "delays": delays}


def critical_fractile_z(holding: float, backorder: float) -> float:
    """z = Φ⁻¹(b / (b + h)): the newsvendor safety factor for backorder cost b, holding h."""
    from scipy.stats import norm

    return float(norm.ppf(backorder / (backorder + holding)))


def base_stock_level(mean: float, sd: float, lead: float, review: int, z: float) -> float:
    """S = (L + R) μ + z σ √(L + R) for i.i.d. normal demand, L = lead time + order delay."""
    cover = lead + review
    return cover * mean + z * sd * math.sqrt(cover)
