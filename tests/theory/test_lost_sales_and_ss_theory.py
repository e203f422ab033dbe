"""chainsim against lost-sales base stock (exact Markov chain), periodic-review (s, S) and
(r, Q) theory (exact stationary law of the inventory position). Expected values come from
``chainsim.theory``; tolerances are 5 replication standard errors with R = 16
replications (Student t with 15 df: false alarm 1.6e-4 per comparison), see ``theory_check``.
The chains mix within a few dozen days (the (s, S) chain regenerates at every order, the lost-sales
chain whenever L + 1 days pass without a stock-out), so a 200-day warm-up leaves no measurable
start-up bias."""

from __future__ import annotations

import pytest
from theory_check import check, run, single_stage

from chainsim import theory as th

DAYS, WARMUP = 6000, 200

LOST_METRICS = ("demand", "on_hand", "lost_sales", "lost_fraction", "fill_rate", "on_order",
                "backorders", "order_frequency", "orders_variance", "bullwhip", "holding_cost")


def test_lost_sales_newsvendor():
    # L = 0, S = 10, Poisson(8): every day starts with 10 on hand; lost = E[(D - 10)+] = 0.426,
    # fill = E[min(D, 10)] / 8 = 0.947; the order of a day is yesterday's sales min(D, 10), so
    # orders_variance = Var(min(D, 10)) and bullwhip = 0.587 < 1.
    lam, S = 8.0, 10
    scn = single_stage("lost-nv", {"dist": "poisson", "mean": lam},
                       {"type": "base_stock", "S": S}, 0, unmet="lost",
                       costs={"holding": 1.0}, days=DAYS, warmup=WARMUP, seed=201)
    exp = th.lost_sales_base_stock_poisson(S, lam, 0, holding=1.0)
    check(run(scn), "shop", {m: exp[m] for m in LOST_METRICS},
          exact=("on_order", "backorders"))


def test_lost_sales_with_lead_time():
    # L = 2, S = 16, Poisson(5): no closed form; exact stationary law of (on hand, order due
    # tomorrow) over 153 states. on_order = E[S - I] (IP = on hand + on order after ordering).
    lam, S, L = 5.0, 16, 2
    scn = single_stage("lost-L2", {"dist": "poisson", "mean": lam},
                       {"type": "base_stock", "S": S}, L, unmet="lost",
                       costs={"holding": 1.0}, days=DAYS, warmup=WARMUP, seed=202)
    exp = th.lost_sales_base_stock_poisson(S, lam, L, holding=1.0)
    check(run(scn), "shop", {m: exp[m] for m in LOST_METRICS}, exact=("backorders",))


POLICY_METRICS = ("demand", "on_hand", "backorders", "cycle_service_level", "fill_rate",
                  "on_order", "order_frequency", "orders_variance", "bullwhip", "holding_cost",
                  "backorder_cost", "ordering_cost", "total_cost", "lost_sales")


def test_sS_matches_markov_chain():
    # (s, S) = (10, 24), Poisson(4), L = 2, h = 1, b = 9, K = 20 per order.
    lam, s, S, L = 4.0, 10, 24, 2
    costs = {"holding": 1.0, "backorder": 9.0, "order": 20.0}
    scn = single_stage("sS", {"dist": "poisson", "mean": lam},
                       {"type": "sS", "s": s, "S": S}, L, costs=costs,
                       days=DAYS, warmup=WARMUP, seed=203)
    exp = th.sS_poisson(s, S, lam, L, holding=1.0, backorder=9.0, order_cost=20.0)
    check(run(scn), "shop", {m: exp[m] for m in POLICY_METRICS}, exact=("lost_sales",))


def test_rQ_matches_uniform_inventory_position():
    # (r, Q) = (10, 12), Poisson(4), L = 2: IP after ordering uniform on 11..22; an order of
    # several lots counts once in order_frequency.
    lam, r, Q, L = 4.0, 10, 12, 2
    costs = {"holding": 1.0, "backorder": 9.0, "order": 20.0}
    scn = single_stage("rQ", {"dist": "poisson", "mean": lam},
                       {"type": "rQ", "r": r, "Q": Q}, L, costs=costs,
                       days=DAYS, warmup=WARMUP, seed=204)
    exp = th.rQ_poisson(r, Q, lam, L, holding=1.0, backorder=9.0, order_cost=20.0)
    check(run(scn), "shop", {m: exp[m] for m in POLICY_METRICS}, exact=("lost_sales",))


def test_rQ_with_multi_lot_orders():
    # Q = 3 < mean daily demand 6: an order is often 2 or 3 lots; the "smallest multiple of Q
    # that lifts IP above r" rule keeps the IP after ordering uniform on r+1..r+Q.
    lam, r, Q, L = 6.0, 20, 3, 1
    scn = single_stage("rQ-multi", {"dist": "poisson", "mean": lam},
                       {"type": "rQ", "r": r, "Q": Q}, L, days=DAYS, warmup=WARMUP, seed=205)
    exp = th.rQ_poisson(r, Q, lam, L)
    check(run(scn), "shop", {m: exp[m] for m in ("on_hand", "backorders", "fill_rate",
                                                 "cycle_service_level", "order_frequency",
                                                 "orders_variance", "on_order")})


@pytest.mark.parametrize("moq, multiple", [(0, 6), (10, None), (9, 4)])
def test_base_stock_with_moq_and_case_packs(moq, multiple):
    # Base stock S = 16, Poisson(4), L = 2, with MOQ and/or case packs: the IP after ordering
    # lives in S .. S + max(moq, 1) + m - 1 with an exact stationary law (multiple alone is the
    # (r, Q) = (S - 1, m) policy).
    lam, S, L = 4.0, 16, 2
    policy = {"type": "base_stock", "S": S, "moq": moq}
    if multiple:
        policy["multiple"] = multiple
    scn = single_stage(f"bs-lots-{moq}-{multiple}", {"dist": "poisson", "mean": lam}, policy, L,
                       days=DAYS, warmup=WARMUP, seed=206 + moq)
    exp = th.base_stock_lot_size_poisson(S, lam, L, moq=moq, multiple=multiple)
    check(run(scn), "shop", {m: exp[m] for m in ("on_hand", "backorders", "fill_rate",
                                                 "cycle_service_level", "order_frequency",
                                                 "orders_variance", "on_order")})
