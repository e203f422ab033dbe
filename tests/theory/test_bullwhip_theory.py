"""Bullwhip of an order-up-to policy with a moving-average forecast (Chen, Drezner, Ryan &
Simchi-Levi 2000), for the ``forecast_out`` policy of DESIGN §7. Skipped until the policy exists.

With review every day (R = 1), lane lead time L and a p-day moving average F_t of the demand
observed up to yesterday, the level is (L + 1) F_t + k σ̂ √(L + 1), and with k = 0 the order is
q_t = level_t − (level_{t−1} − D_{t−1}) = D_{t−1} + (L + 1)(D_{t−1} − D_{t−1−p}) / p, so for
i.i.d. demand Var(q) / Var(D) = (1 + (L+1)/p)² + ((L+1)/p)² = 1 + 2 (L+1)/p + 2 (L+1)²/p²,
Chen et al.'s bound with equality (their lead time is our protection period L + 1). This needs
negative orders never to be truncated: with D ~ N(100, 10²), p = 10, L = 2, q has mean 100 and
sd 13.3, so P(q < 0) ~ 1e-14. With k > 0 the varying σ̂ only adds variance: the bound holds.
Tolerance: 5 replication standard errors (R = 16), see ``theory_check``.
"""

from __future__ import annotations

import pytest
from theory_check import K, R, check, run, single_stage, values

import chainsim
from chainsim import theory as th

DAYS, WARMUP = 6000, 200


def _scenario(safety_factor: float, seed: int) -> dict:
    policy = {"type": "forecast_out", "method": "moving_average", "window": 10,
              "safety_factor": safety_factor}
    scn = single_stage("bullwhip-ma", {"dist": "normal", "mean": 100.0, "sd": 10.0}, policy, 2,
                       days=DAYS, warmup=WARMUP, seed=seed)
    try:
        chainsim.load_scenario(scn)
    except Exception as exc:
        msg = str(exc)
        if "unknown type 'forecast_out'" not in msg:
            raise  # the policy exists but rejects this scenario: a real failure
        pytest.skip(f"forecast_out policy not implemented yet: {msg.splitlines()[0]}")
    return scn


def test_moving_average_bullwhip_equals_chen_bound_without_safety_stock():
    scn = _scenario(0.0, seed=401)
    bound = th.bullwhip_moving_average_lower_bound(2 + 1, 10)  # 1.78
    check(run(scn), "shop", {"bullwhip": bound, "demand_variance": 100.0,
                             "orders_variance": 100.0 * bound, "demand": 100.0})


def test_moving_average_bullwhip_at_least_chen_bound_with_safety_stock():
    scn = _scenario(1.5, seed=402)
    kpis = run(scn)
    bound = th.bullwhip_moving_average_lower_bound(2 + 1, 10)
    v = values(kpis, "shop", "bullwhip")
    se = v.std(ddof=1) / R**0.5
    assert v.mean() >= bound - K * se, (
        f"bullwhip {v.mean():.4g} below Chen et al.'s lower bound {bound:.4g} "
        f"by more than {K} se ({se:.3g})")
