"""chainsim against periodic-review base-stock theory (backorders), Little's law and the
newsvendor. Expected values come from ``chainsim.theory`` (exact formulas), never from
the simulator. Tolerances: see ``theory_check`` (5 replication standard errors with R = 16,
or 4.5 theory standard errors where theory gives the variance of the time average)."""

from __future__ import annotations

import math

import numpy as np
from theory_check import R, check, compare, run, single_stage, spread_consistent

from chainsim import theory as th

DAYS, WARMUP = 6000, 200


def test_base_stock_poisson_matches_theory():
    # shop: Poisson(8) demand, S = 42, L = 3, h = 1, b = 19 (the DESIGN example).
    lam, S, L, h, b = 8.0, 42, 3, 1.0, 19.0
    scn = single_stage("bs-poisson", {"dist": "poisson", "mean": lam},
                       {"type": "base_stock", "S": S}, L,
                       costs={"holding": h, "backorder": b, "order": 0.0},
                       days=DAYS, warmup=WARMUP, seed=101)
    kpis = run(scn)
    exp = th.base_stock_poisson(S, lam, L, holding=h, backorder=b)
    # Theory standard errors. After warm-up (> L days) the end-of-day NI is exactly S - X_t with
    # X_t the moving sum of the last L + 1 daily demands, so on hand, backorders, the no-backorder
    # indicator and the cost are f(X_t) for an (L+1)-window sum: Var of their mean over n days is
    # computed exactly by window_sum_time_average_variance (covariances vanish beyond lag L).
    # on_order at the end of day t is D_{t-L} + ... + D_{t-1} (window L, f(x) = x), demand is
    # i.i.d. (window 1). The grand mean of R independent replications has se = sqrt(Var / R).
    fns = {
        "on_hand": (lambda x: np.maximum(S - x, 0), L + 1),
        "backorders": (lambda x: np.maximum(x - S, 0), L + 1),
        "cycle_service_level": (lambda x: (x <= S).astype(float), L + 1),
        "holding_cost": (lambda x: h * np.maximum(S - x, 0), L + 1),
        "backorder_cost": (lambda x: b * np.maximum(x - S, 0), L + 1),
        "total_cost": (lambda x: h * np.maximum(S - x, 0) + b * np.maximum(x - S, 0), L + 1),
        "on_order": (lambda x: x, L),
        "demand": (lambda x: x, 1),
    }
    per_rep_var = {m: th.window_sum_time_average_variance(f, lam, w, days=DAYS)
                   for m, (f, w) in fns.items()}
    se = {m: math.sqrt(v / R) for m, v in per_rep_var.items()}
    metrics = ["demand", "on_hand", "backorders", "cycle_service_level", "fill_rate", "on_order",
               "order_frequency", "orders_variance", "demand_variance", "bullwhip",
               "holding_cost", "backorder_cost", "total_cost", "lost_sales", "lost_fraction",
               "ordering_cost"]
    expected = {m: exp[m] for m in metrics}
    # long run, every unit asked is sold (later if backordered) at the shop's price 25
    expected["revenue"] = 25.0 * lam
    failures, table = compare(kpis, "shop", expected, theory_se=se,
                              exact=("lost_sales", "lost_fraction", "ordering_cost"))
    # the spread across replications must match theory too (and replications must differ)
    failures += [msg for m in ("on_hand", "backorders", "on_order")
                 if (msg := spread_consistent(kpis, "shop", m, math.sqrt(per_rep_var[m])))]
    assert not failures, f"{len(failures)} problem(s):\n" + "\n".join(failures) + "\n\n" + table


def test_base_stock_normal_matches_theory():
    # Normal(100, 10) demand (clipped at 0 with probability Phi(-10) ~ 1e-23: negligible),
    # S = 320, L = 2: X ~ N(300, 300), z = 1.155.
    mu, sd, S, L = 100.0, 10.0, 320.0, 2
    scn = single_stage("bs-normal", {"dist": "normal", "mean": mu, "sd": sd},
                       {"type": "base_stock", "S": S}, L, days=DAYS, warmup=WARMUP, seed=102)
    kpis = run(scn)
    exp = th.base_stock_normal(S, mu, sd, L)
    metrics = ["demand", "on_hand", "backorders", "cycle_service_level", "fill_rate", "on_order",
               "order_frequency", "orders_variance", "demand_variance", "bullwhip",
               "lost_sales"]
    # order_frequency: demand > 0 every day, so an order every day (exactly 1).
    check(kpis, "shop", {m: exp[m] for m in metrics},
          exact=("order_frequency", "lost_sales"))


def test_newsvendor_normal_cost_at_critical_fractile():
    # L = 0: every day starts with S on hand (the order of the day is received at once, before
    # demand). At S* = mu + z_0.95 sd (h = 1, b = 19) the expected daily cost is
    # (h + b) sd phi(z) = 20.63 and the cycle service level is 0.95.
    mu, sd, h, b = 100.0, 10.0, 1.0, 19.0
    S, cost = th.newsvendor_normal(h, b, mu, sd)
    scn = single_stage("newsvendor-normal", {"dist": "normal", "mean": mu, "sd": sd},
                       {"type": "base_stock", "S": S}, 0,
                       costs={"holding": h, "backorder": b}, days=DAYS, warmup=WARMUP, seed=103)
    kpis = run(scn)
    exp = th.base_stock_normal(S, mu, sd, 0, holding=h, backorder=b)
    assert abs(exp["total_cost"] - cost) < 1e-12
    check(kpis, "shop", {m: exp[m] for m in ("total_cost", "holding_cost", "backorder_cost",
                                             "cycle_service_level", "fill_rate", "on_hand",
                                             "backorders", "on_order")},
          exact=("on_order",))


def test_newsvendor_poisson_and_order_frequency():
    # Poisson(2), h = 1, b = 4: fractile 0.8, S* = 3 (F(2) = 0.68, F(3) = 0.86). Nothing is
    # ordered on days after a zero-demand day, so order_frequency = 1 - e^-2 = 0.865.
    lam, h, b = 2.0, 1.0, 4.0
    S, cost = th.newsvendor_poisson(h, b, lam)
    assert S == 3
    scn = single_stage("newsvendor-poisson", {"dist": "poisson", "mean": lam},
                       {"type": "base_stock", "S": S}, 0,
                       costs={"holding": h, "backorder": b}, days=DAYS, warmup=WARMUP, seed=104)
    kpis = run(scn)
    exp = th.base_stock_poisson(S, lam, 0, holding=h, backorder=b)
    assert abs(exp["total_cost"] - cost) < 1e-12
    check(kpis, "shop", {m: exp[m] for m in ("total_cost", "on_hand", "backorders",
                                             "cycle_service_level", "fill_rate",
                                             "order_frequency", "orders_variance", "bullwhip",
                                             "on_order")},
          exact=("on_order",))


def test_base_stock_review_period():
    # Review every R = 3 days, L = 2, Poisson(8), S = 48 (protection L + R = 5 days). Levels are
    # averages over the day of the cycle; orders are Poisson(24) every third day, zero else:
    # orders_variance = lambda + lambda^2 (R - 1) = 136, bullwhip = 17.
    lam, S, L, Rv = 8.0, 48, 2, 3
    scn = single_stage("bs-review", {"dist": "poisson", "mean": lam},
                       {"type": "base_stock", "S": S, "review_days": Rv}, L,
                       days=DAYS, warmup=WARMUP, seed=105)
    kpis = run(scn)
    exp = th.base_stock_poisson(S, lam, L, review_days=Rv)
    check(kpis, "shop", {m: exp[m] for m in ("on_hand", "backorders", "cycle_service_level",
                                             "fill_rate", "on_order", "order_frequency",
                                             "orders_variance", "bullwhip")})


def test_littles_law_with_random_lead_times():
    # Lead time uniform on {1, ..., 5} days (empirical), orders may cross. Little's law: mean
    # units on order = units ordered per day (lambda, as S is high enough that the base-stock
    # order is yesterday's demand) x mean days in the pipeline (E[L] = 3) = 24. With
    # pipeline_holding 0.5 per unit-day in transit the pipeline cost is 0.5 x 24 = 12 a day;
    # transport 0.5 per unit + 3 per shipment costs 0.5 lambda + 3 P(order today) =
    # 4 + 3 (1 - e^-8) a day (one shipment per order from an infinite source). total_cost is
    # their sum (h = b = K = 0).
    lam = 8.0
    scn = single_stage("little", {"dist": "poisson", "mean": lam},
                       {"type": "base_stock", "S": 70},
                       {"dist": "empirical", "values": [1, 2, 3, 4, 5]},
                       costs={"pipeline_holding": 0.5},
                       lane={"cost_per_unit": 0.5, "cost_per_shipment": 3.0},
                       days=DAYS, warmup=WARMUP, seed=106)
    kpis = run(scn)
    on_order = th.littles_law_on_order(lam, 3.0)
    transport = 0.5 * lam + 3.0 * -math.expm1(-lam)
    check(kpis, "shop", {"on_order": on_order, "demand": lam, "bullwhip": 1.0,
                         "orders_variance": lam, "transport_cost": transport,
                         "total_cost": 0.5 * on_order + transport})
