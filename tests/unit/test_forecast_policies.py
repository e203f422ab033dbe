"""forecast_out and sterman policies, lane order_delay, initial pipeline and ``period`` (issue 8)
on deterministic demand, against hand recursions.

Every expected series here comes from ``hand_stage``, a plain-Python re-statement of the
specification (no chainsim code): DESIGN §2's day phases for one stocking node with an infinite
supplier, backorders, and the policy formulas of issue 8:

1. shipments due today arrive (net inventory up, on order down);
2. the node reviews (on review days) and orders; an order placed on day t reaches the supplier
   on day t + order_delay, which ships it at once (infinite supply), so it arrives at phase 1 of
   day t + order_delay + lead time (at once when both are 0);
3. the day's demand is served or backordered;
4. end-of-day levels are recorded (the time series); the forecast then learns the day's demand
   (so the review of day t uses demand of days <= t - 1).

A node supplied by another stocking node (``pre_review_asked``) is asked its buyers' orders in
phase 2, before it reviews (buyers review first), instead of in phase 3.

Initial pipeline p on a lane with lead time L and order delay d: p arrives on each of days
0..L-1 and p of orders in the mail reach the (infinite) supplier on each of days 0..d-1, which
ship them at once, so they arrive on days L..L+d-1; on order starts at p (L + d).

Rounding: with integer-valued demand, orders are rounded half up (floor(x + 1/2)); a raw order
too close to a tie to be decided reliably in floating point is refused by ``round_half_up`` so a
test can never depend on float noise (exact ties, representable in binary, are allowed).
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict, deque

import numpy as np
import pandas as pd
import pytest

import chainsim

# --------------------------------------------------------------------------- the hand model


def round_half_up(x: float) -> int:
    frac = x - math.floor(x)
    if abs(frac - 0.5) < 1e-7 and frac != 0.5:
        raise AssertionError(f"raw order {x!r} is too close to a rounding tie for an exact test")
    return math.floor(x + 0.5)


class BaseStockHand:
    def __init__(self, S):
        self.S = S

    def order(self, net, on_order):
        return max(self.S - (net + on_order), 0)

    def observe(self, demand):
        pass


class StermanHand:
    """order = max(0, L̂ + α_S (S' − (on_hand − backorders) − β on_order)), rounded;
    after each day L̂ ← θ D + (1 − θ) L̂."""

    def __init__(self, forecast, *, alpha_s=0.26, beta=0.34, theta=0.36, target=17.0,
                 integer=True):
        self.lhat, self.a, self.b, self.theta, self.S = forecast, alpha_s, beta, theta, target
        self.integer = integer
        self.raw: list[float] = []

    def order(self, net, on_order):
        x = self.lhat + self.a * (self.S - net - self.b * on_order)
        self.raw.append(x)
        x = max(x, 0.0)
        return round_half_up(x) if self.integer else x

    def observe(self, demand):
        self.lhat = self.theta * demand + (1 - self.theta) * self.lhat


class ForecastOutHand:
    """level = (L + R) F + k σ̂ √(L + R); order = level − IP when positive (rounded).
    moving average: F the mean of the last ``window`` daily demands (filled with the initial
    forecast at the start), σ̂ their sample sd (ddof = 1); exp smoothing: after each day
    e = D − F, s² ← (1 − α) s² + α e², F ← F + α e (s² starts at 0)."""

    def __init__(self, cover, forecast, *, window=None, alpha=None, k=0.0, integer=True):
        self.cover, self.k, self.integer = cover, k, integer
        self.window = deque([forecast] * window, maxlen=window) if window else None
        self.alpha, self.f, self.s2 = alpha, forecast, 0.0
        self.levels: list[float] = []

    def level(self):
        if self.window is not None:
            f = statistics.fmean(self.window)
            sd = statistics.stdev(self.window) if self.k else 0.0
        else:
            f, sd = self.f, math.sqrt(self.s2)
        return self.cover * f + self.k * sd * math.sqrt(self.cover)

    def order(self, net, on_order):
        y = self.level()
        self.levels.append(y)
        x = y - (net + on_order)
        if x <= 0:
            return 0
        return round_half_up(x) if self.integer else x

    def observe(self, demand):
        if self.window is not None:
            self.window.append(demand)
        else:
            e = demand - self.f
            self.s2 = (1 - self.alpha) * self.s2 + self.alpha * e * e
            self.f += self.alpha * e


def hand_stage(days, asked, policy, *, lead, delay=0, on_hand, pipeline=0.0, review_days=1,
               pre_review_asked=False, signal=None) -> pd.DataFrame:
    """End-of-day series of one node (see the module docstring). ``asked(t)``: quantity asked
    of the node on day t; ``signal(t)``: what the forecast learns after day t (default: asked)."""
    arrivals: dict[int, float] = defaultdict(float)
    for day in range(lead):
        arrivals[day] += pipeline
    for day in range(delay):
        arrivals[lead + day] += pipeline
    on_order = pipeline * (lead + delay)
    net = on_hand
    rows = []
    for t in range(days):
        got = arrivals.pop(t, 0.0)
        net += got
        on_order -= got
        d = asked(t)
        if pre_review_asked:
            net -= d
        q = policy.order(net, on_order) if t % review_days == 0 else 0
        if lead + delay == 0:
            net += q
        else:
            on_order += q
            arrivals[t + lead + delay] += q
        if not pre_review_asked:
            net -= d
        policy.observe(d if signal is None else signal(t))
        rows.append({"day": t, "on_hand": max(net, 0), "backorders": max(-net, 0),
                     "on_order": on_order, "demand": d, "orders": q})
    return pd.DataFrame(rows).set_index("day")


# --------------------------------------------------------------------------- chainsim side
FIELDS = ["on_hand", "backorders", "on_order", "demand", "orders"]


def shop_scenario(demand, policy, *, lead, delay=0, initial=None, days=30, name="hand",
                  integer=None, period=None) -> dict:
    shop = {"id": "shop", "role": "retailer", "demand": demand, "policy": policy}
    if initial is not None:
        shop["initial"] = initial
    if integer is not None:
        shop["integer"] = integer
    scn = {
        "name": name, "horizon_days": days, "warmup_days": 0, "replications": 1, "seed": 7,
        "products": [{"id": "item", "unit_cost": 10, "price": 25}],
        "nodes": [{"id": "plant", "role": "manufacturer", "infinite_supply": True}, shop],
        "lanes": [{"from": "plant", "to": "shop", "lead_time": {"dist": "constant", "value": lead},
                   "order_delay": delay}],
    }
    if period is not None:
        scn["period"] = period
    return scn


def series(scn: dict) -> dict[str, pd.DataFrame]:
    """Per node: its end-of-day series of replication 0, indexed by day."""
    ts = chainsim.simulate(scn, replications=1, timeseries=True).timeseries
    return {str(n): g.set_index("day")[FIELDS + ["shipments"]].astype(float)
            for n, g in ts.groupby("node", observed=True)}


def assert_series(got: pd.DataFrame, want: pd.DataFrame, *, fields=FIELDS, rel=1e-9):
    got = got.loc[want.index, fields].to_numpy(dtype=float)
    exp = want[fields].to_numpy(dtype=float)
    bad = ~np.isclose(got, exp, rtol=rel, atol=1e-9)
    if bad.any():
        table = pd.concat({"chainsim": pd.DataFrame(got, columns=fields, index=want.index),
                           "hand": want[fields]}, axis=1)
        day = int(want.index[np.argwhere(bad)[0][0]])
        raise AssertionError(f"first difference on day {day}:\n{table.head(day + 4).to_string()}")


def const(v):
    return {"dist": "constant", "value": v}


def step(before, after, day):
    return {"dist": "step", "before": before, "after": after, "day": day}


STERMAN = {"type": "sterman", "alpha_s": 0.26, "beta": 0.34, "theta": 0.36, "target_stock": 17}


# --------------------------------------------------------------------------- sterman
def test_sterman_review_sees_stock_after_receipt_so_brief_start_is_not_an_equilibrium():
    """The Beer Game start of the issue: on hand 12, pipeline 4, lead time 2, order delay 2,
    constant demand 4. At the review of day 0 the day's pipeline arrival has already come in
    (DESIGN §2 phase 1): on hand 16 and on order 12, not 12 and 16, so
    order = 4 + 0.26 (17 − 16 − 0.34·12) = 3.1992 → 3 (the 3.886 → 4 of the issue's text uses
    the previous end-of-day levels). The hand recursion: 3, 3, 3, 3, then 4 for ever, on hand
    settling at 8, on order at 16."""
    n = 20
    scn = shop_scenario(const(4), STERMAN, lead=2, delay=2,
                        initial={"on_hand": 12, "pipeline": 4}, days=n)
    hand = StermanHand(4.0)
    want = hand_stage(n, lambda t: 4, hand, lead=2, delay=2, on_hand=12, pipeline=4)
    assert hand.raw[0] == pytest.approx(4 + 0.26 * (17 - 16 - 0.34 * 12))
    assert list(want["orders"][:8]) == [3, 3, 3, 3, 4, 4, 4, 4]
    assert want["on_hand"].iloc[-1] == 8 and want["on_order"].iloc[-1] == 16
    assert_series(series(scn)["shop"], want)


def test_sterman_equilibrium_with_demand_4():
    """On hand 8 at the start, pipeline 4, lead time 2, order delay 2: at each review on hand is
    8 + 4 = 12 and on order 16 − 4 = 12, so order = 4 + 0.26 (17 − 12 − 0.34·12) = 4.2392 → 4:
    orders 4 every day, end-of-day on hand 8, on order 16, no backorders, for ever."""
    n = 25
    scn = shop_scenario(const(4), STERMAN, lead=2, delay=2,
                        initial={"on_hand": 8, "pipeline": 4}, days=n)
    got = series(scn)["shop"]
    assert (got["orders"] == 4).all(), got["orders"].tolist()
    assert (got["on_hand"] == 8).all(), got["on_hand"].tolist()
    assert (got["on_order"] == 16).all(), got["on_order"].tolist()
    assert (got["backorders"] == 0).all()
    assert_series(got, hand_stage(n, lambda t: 4, StermanHand(4.0), lead=2, delay=2, on_hand=8,
                                  pipeline=4))


def test_sterman_step_4_to_8_matches_hand_recursion():
    """The Beer Game step (4 → 8 on day 4) from the equilibrium above. By hand: days 0-4 order
    4 (L̂ = 4 until day 4's demand is known); day 5: L̂ = 0.36·8 + 0.64·4 = 5.44, net 12 − 4 = 8
    at the review (day 4 took 8), on order 12: 5.44 + 0.26 (17 − 8 − 4.08) = 6.7192 → 7; ..."""
    n = 40
    scn = shop_scenario(step(4, 8, 4), STERMAN, lead=2, delay=2,
                        initial={"on_hand": 8, "pipeline": 4}, days=n)
    hand = StermanHand(4.0)
    want = hand_stage(n, lambda t: 4 if t < 4 else 8, hand, lead=2, delay=2, on_hand=8,
                      pipeline=4)
    assert list(want["orders"][:6]) == [4, 4, 4, 4, 4, 7]
    assert hand.raw[5] == pytest.approx(5.44 + 0.26 * (17 - 8 - 0.34 * 12))
    assert want["backorders"].max() > 0  # the step makes the retailer run out: a real test
    assert_series(series(scn)["shop"], want)


def test_sterman_real_valued_demand_orders_are_not_rounded():
    """Non-whole step values (4.5 → 7.25) keep quantities real: the raw anchor-and-adjust
    order, never below 0, with another parameter set and an explicit initial forecast."""
    pol = {"type": "sterman", "alpha_s": 0.5, "beta": 0.2, "theta": 0.25, "target_stock": 20,
           "initial_forecast": 5.0}
    n = 30
    scn = shop_scenario(step(4.5, 7.25, 3), pol, lead=1, delay=1,
                        initial={"on_hand": 10, "pipeline": 4.5}, days=n)
    hand = StermanHand(5.0, alpha_s=0.5, beta=0.2, theta=0.25, target=20.0, integer=False)
    want = hand_stage(n, lambda t: 4.5 if t < 3 else 7.25, hand, lead=1, delay=1, on_hand=10,
                      pipeline=4.5)
    assert any(x % 1 for x in want["orders"])  # real orders do occur
    assert_series(series(scn)["shop"], want)


# --------------------------------------------------------------------------- forecast_out
def test_moving_average_step_integer_with_half_up_ties():
    """window 2, lead 2, no safety stock, on hand 12, step 4 → 9 on day 3: cover L + R = 3, so
    the level is 3 (D_{t-1} + D_{t-2}) / 2. Day 4 by hand: received 4 (day 2's order), net
    0 − 5 + 4 = −1, on order 4 (day 3's), IP 3; level 3 (4 + 9) / 2 = 19.5; order 16.5, an
    exact tie, rounded half up to 17 (not to even, 16). The hand recursion gives every day."""
    pol = {"type": "forecast_out", "method": "moving_average", "window": 2}
    n = 20
    scn = shop_scenario(step(4, 9, 3), pol, lead=2, initial={"on_hand": 12}, days=n)
    hand = ForecastOutHand(3, 4.0, window=2)
    want = hand_stage(n, lambda t: 4 if t < 3 else 9, hand, lead=2, on_hand=12)
    assert hand.levels[4] == 19.5 and want["orders"].iloc[4] == 17
    assert_series(series(scn)["shop"], want)


def test_moving_average_with_safety_stock_delay_and_integer_rounding():
    """window 3, safety factor 1 (σ̂ = sample sd, ddof 1, of the window), lead 1, order delay 1
    (cover L + R = 1 + 1 + 1 = 3), step 4 → 9 on day 3; integer orders."""
    pol = {"type": "forecast_out", "method": "moving_average", "window": 3, "safety_factor": 1.0}
    n = 20
    scn = shop_scenario(step(4, 9, 3), pol, lead=1, delay=1, initial={"on_hand": 12}, days=n)
    hand = ForecastOutHand(3, 4.0, window=3, k=1.0)
    want = hand_stage(n, lambda t: 4 if t < 3 else 9, hand, lead=1, delay=1, on_hand=12)
    # day 5 sees the window (4, 9, 9): σ̂ = sd(4, 9, 9) = 5/√3 · ... > 0
    assert hand.levels[5] == pytest.approx(3 * 22 / 3 + statistics.stdev([4, 9, 9]) * math.sqrt(3))
    assert_series(series(scn)["shop"], want)


def test_moving_average_real_valued_review_every_two_days():
    """Real quantities (step 4.5 → 8.25), window 3, safety factor 1.5, lead 2, review every 2
    days (cover L + R = 4): the level and order on even days only; between reviews the
    forecast still learns every day."""
    pol = {"type": "forecast_out", "method": "moving_average", "window": 3,
           "safety_factor": 1.5, "review_days": 2}
    n = 24
    scn = shop_scenario(step(4.5, 8.25, 5), pol, lead=2, initial={"on_hand": 20}, days=n)
    hand = ForecastOutHand(4, 4.5, window=3, k=1.5, integer=False)
    want = hand_stage(n, lambda t: 4.5 if t < 5 else 8.25, hand, lead=2, on_hand=20,
                      review_days=2)
    assert (want["orders"][1::2] == 0).all() and want["orders"].sum() > 0
    assert_series(series(scn)["shop"], want)


def test_exp_smoothing_real_valued_with_safety_stock_and_delay():
    """alpha 0.3, safety factor 1 (σ̂ = √s², s² ← 0.7 s² + 0.3 (D − F_before)², starting at
    0), lead 2, order delay 1 (cover 4), step 4.5 → 8.25 on day 4."""
    pol = {"type": "forecast_out", "method": "exp_smoothing", "alpha": 0.3,
           "safety_factor": 1.0}
    n = 30
    scn = shop_scenario(step(4.5, 8.25, 4), pol, lead=2, delay=1, initial={"on_hand": 18},
                        days=n)
    hand = ForecastOutHand(4, 4.5, alpha=0.3, k=1.0, integer=False)
    want = hand_stage(n, lambda t: 4.5 if t < 4 else 8.25, hand, lead=2, delay=1, on_hand=18)
    # day 5: F = 4.5 + 0.3·3.75 = 5.625, s² = 0.3·3.75² = 4.21875
    assert hand.levels[5] == pytest.approx(4 * 5.625 + math.sqrt(0.3 * 3.75**2) * 2)
    assert_series(series(scn)["shop"], want)


def test_exp_smoothing_integer_from_an_explicit_initial_forecast():
    """initial_forecast 7 on constant demand 5: the forecast decays to 5 as 5 + 2·0.6^t and the
    orders are the rounded level − IP (lead 1, cover 2; a start with on hand 10)."""
    pol = {"type": "forecast_out", "method": "exp_smoothing", "alpha": 0.4,
           "initial_forecast": 7}
    n = 25
    scn = shop_scenario(const(5), pol, lead=1, initial={"on_hand": 10}, days=n)
    want = hand_stage(n, lambda t: 5, ForecastOutHand(2, 7.0, alpha=0.4), lead=1, on_hand=10)
    assert_series(series(scn)["shop"], want)


def test_forecast_out_default_initial_forecast_is_the_step_before_value():
    """No initial_forecast: the window starts filled with the consumer demand expected at day
    0, the step's ``before`` value (6), not its ``after`` (20) — orders stay 6 a day until the
    step on day 10 is observed."""
    pol = {"type": "forecast_out", "method": "moving_average", "window": 4}
    n = 16
    scn = shop_scenario(step(6, 20, 10), pol, lead=3, initial={"on_hand": 0, "pipeline": 6},
                        days=n)
    want = hand_stage(n, lambda t: 6 if t < 10 else 20, ForecastOutHand(4, 6.0, window=4),
                      lead=3, on_hand=0, pipeline=6)
    assert list(want["orders"][:11]) == [6] * 11
    assert_series(series(scn)["shop"], want)


# --------------------------------------------------------------------------- signal: consumer
def two_stage(policy_w: dict, *, days: int, S_r: int = 20, demand=None) -> dict:
    """plant (infinite) -lead 2-> whole (policy_w) -lead 1-> shop (base stock S_r, demand)."""
    return {
        "name": "signal", "horizon_days": days, "warmup_days": 0, "replications": 1, "seed": 3,
        "products": [{"id": "item", "unit_cost": 10, "price": 25}],
        "nodes": [
            {"id": "plant", "role": "manufacturer", "infinite_supply": True},
            {"id": "whole", "role": "wholesaler", "policy": policy_w, "initial": {"on_hand": 40}},
            {"id": "shop", "role": "retailer", "demand": demand or step(5, 9, 4),
             "policy": {"type": "base_stock", "S": S_r}},
        ],
        "lanes": [{"from": "plant", "to": "whole", "lead_time": const(2)},
                  {"from": "whole", "to": "shop", "lead_time": const(1)}],
    }


def _two_stage_hand(days, make_policy, signal):
    """The shop's orders (base stock 20, starting with on hand 20) are what the wholesaler is
    asked, in phase 2 before it reviews; its forecast follows either those orders (own) or the
    consumers' demand at the shop (consumer)."""
    consumer = lambda t: 5 if t < 4 else 9  # noqa: E731
    shop = hand_stage(days, consumer, BaseStockHand(20), lead=1, on_hand=20)
    asked = shop["orders"].to_dict()
    whole = hand_stage(days, asked.__getitem__, make_policy(), lead=2, on_hand=40,
                       pre_review_asked=True,
                       signal=consumer if signal == "consumer" else None)
    return shop, whole


@pytest.mark.parametrize("signal", ["own", "consumer"])
def test_forecast_out_signal_own_or_consumer_at_a_wholesaler(signal):
    """Wholesaler: moving average window 3, cover 2 + 1 = 3. With signal own the forecast
    follows the shop's orders (its consumers' demand one day late: 0 on day 0, then D_{t-1});
    with signal consumer it follows the consumers' demand itself. Default initial forecast 5
    (consumer demand at day 0) either way."""
    n = 20
    pol = {"type": "forecast_out", "method": "moving_average", "window": 3, "signal": signal}
    got = series(two_stage(pol, days=n))
    shop, whole = _two_stage_hand(n, lambda: ForecastOutHand(3, 5.0, window=3), signal)
    assert_series(got["shop"], shop, fields=["orders", "demand"])
    assert_series(got["whole"], whole)
    assert_series(got["plant"], pd.DataFrame({"demand": whole["orders"]}), fields=["demand"])


def test_signals_differ_so_the_test_above_can_tell_them_apart():
    n = 20
    _, own = _two_stage_hand(n, lambda: ForecastOutHand(3, 5.0, window=3), "own")
    _, cons = _two_stage_hand(n, lambda: ForecastOutHand(3, 5.0, window=3), "consumer")
    assert list(own["orders"]) != list(cons["orders"])


@pytest.mark.parametrize("signal", ["own", "consumer"])
def test_sterman_signal_own_or_consumer_at_a_wholesaler(signal):
    """Sterman at the wholesaler: expected loss L̂ from the shop's orders (own) or from the
    consumers' demand (consumer); stock and supply line are the wholesaler's own."""
    n = 25
    pol = {**STERMAN, "target_stock": 30, "signal": signal}
    got = series(two_stage(pol, days=n))
    _, whole = _two_stage_hand(n, lambda: StermanHand(5.0, target=30.0), signal)
    assert_series(got["whole"], whole)


# --------------------------------------------------------------------------- order_delay
@pytest.mark.parametrize("lead, delay", [(2, 3), (0, 2), (3, 0), (1, 1)])
def test_order_delay_first_order_arrives_after_delay_plus_lead(lead, delay):
    """Base stock S = 30, on hand 0 at the start, constant demand 4: the first order (30, on
    day 0) reaches the supplier on day ``delay`` (its demand and shipments then) and the shop on
    day delay + lead; everything else by the hand recursion."""
    n = 20
    scn = shop_scenario(const(4), {"type": "base_stock", "S": 30}, lead=lead, delay=delay,
                        initial={"on_hand": 0}, days=n)
    got = series(scn)
    want = hand_stage(n, lambda t: 4, BaseStockHand(30), lead=lead, delay=delay, on_hand=0)
    assert want["orders"].iloc[0] == 30
    assert_series(got["shop"], want)
    # the supplier is asked each order `delay` days after it was placed and ships it then
    placed = want["orders"].to_numpy()
    reaching = np.r_[np.zeros(delay), placed[: n - delay]]
    np.testing.assert_allclose(got["plant"]["demand"].to_numpy(), reaching, atol=1e-9)
    np.testing.assert_allclose(got["plant"]["shipments"].to_numpy(), reaching, atol=1e-9)
    # nothing arrives before day delay + lead: backorders grow by 4 a day until then
    bo = got["shop"]["backorders"].to_numpy()
    np.testing.assert_allclose(bo[: delay + lead], 4 * np.arange(1, delay + lead + 1))
    assert bo[delay + lead] < 4 * (delay + lead + 1)


@pytest.mark.parametrize("lead, delay, extra", [(2, 3, 5), (1, 2, 0), (0, 4, 3), (3, 0, 2)])
def test_order_delay_steady_state_little_and_full_service(lead, delay, extra):
    """Constant demand d = 6, S = d (lead + delay + 1) + extra: after warm-up the shop orders d
    every day, each order is outstanding lead + delay days, so on order = d (lead + delay)
    (Little), end-of-day on hand = S − d (lead + delay + 1) = extra, no backorders, fill rate 1.
    Exact."""
    d = 6
    S = d * (lead + delay + 1) + extra
    scn = shop_scenario(const(d), {"type": "base_stock", "S": S}, lead=lead, delay=delay, days=50)
    scn["warmup_days"] = lead + delay + 2
    kpis = chainsim.simulate(scn, replications=1).kpis
    k = kpis[kpis["node"] == "shop"].set_index("metric")["value"]
    assert k["on_order"] == pytest.approx(d * (lead + delay), abs=1e-9)
    assert k["on_hand"] == pytest.approx(extra, abs=1e-9)
    assert k["backorders"] == pytest.approx(0, abs=1e-9)
    assert k["fill_rate"] == pytest.approx(1, abs=1e-9)
    assert k["orders_variance"] == pytest.approx(0, abs=1e-9)
    assert k["order_frequency"] == pytest.approx(1, abs=1e-9)


def test_order_delay_short_base_stock_backorders_exactly():
    """S = d (lead + delay + 1) − 2 with d = 6: each day the arrival of 6 first clears the 2
    backordered, 4 are served from stock, 2 wait: fill rate 4/6, backorders 2, CSL 0."""
    d, lead, delay = 6, 2, 2
    S = d * (lead + delay + 1) - 2
    scn = shop_scenario(const(d), {"type": "base_stock", "S": S}, lead=lead, delay=delay, days=40)
    scn["warmup_days"] = 10
    kpis = chainsim.simulate(scn, replications=1).kpis
    k = kpis[kpis["node"] == "shop"].set_index("metric")["value"]
    assert k["fill_rate"] == pytest.approx(4 / 6, abs=1e-9)
    assert k["backorders"] == pytest.approx(2, abs=1e-9)
    assert k["cycle_service_level"] == pytest.approx(0, abs=1e-9)
    assert k["on_order"] == pytest.approx(d * (lead + delay), abs=1e-9)


@pytest.mark.parametrize("lead, delay", [(3, 2), (1, 0), (0, 3)])
def test_initial_pipeline_on_order_at_end_of_day_0(lead, delay):
    """pipeline p = 5: on order starts at p (lead + delay), so with base stock S and on hand h
    the order of day 0 is q_0 = S − (h + p (lead + delay)). Day 0 receives p: in phase 1 when
    lead >= 1; with lead 0 the mail reaching the supplier on day 0 (phase 2, after the shop's
    review) ships and arrives at once. Either way on order at the end of day 0 is
    p (lead + delay) − p + q_0 (q_0 itself is still under way since lead + delay >= 1)."""
    p, h, S = 5, 7, 40
    n = 15
    scn = shop_scenario(const(5), {"type": "base_stock", "S": S}, lead=lead, delay=delay,
                        initial={"on_hand": h, "pipeline": p}, days=n)
    got = series(scn)["shop"]
    q0 = S - (h + p * (lead + delay))
    assert got["orders"].iloc[0] == pytest.approx(q0)
    assert got["on_order"].iloc[0] == pytest.approx(p * (lead + delay) - p + q0)
    want = hand_stage(n, lambda t: 5, BaseStockHand(S), lead=lead, delay=delay, on_hand=h,
                      pipeline=p)
    assert_series(got, want)


@pytest.mark.parametrize("policy, hand", [
    ({"type": "base_stock", "S": 24}, lambda: BaseStockHand(24)),
    ({"type": "forecast_out", "method": "moving_average", "window": 2},
     lambda: ForecastOutHand(3 + 1, 5.0, window=2)),
])
def test_manufacturer_production_pipeline_and_lead(policy, hand):
    """A manufacturer that produces itself (production lead time 3, no capacity limit):
    pipeline 5 finishes on each of days 0..2, its production orders finish 3 days after they
    start, and forecast_out covers production lead time + review = 4 days. Constant demand 5 then
    a step to 7 on day 6."""
    n = 20
    scn = {
        "name": "plant", "horizon_days": n, "warmup_days": 0, "replications": 1, "seed": 5,
        "products": [{"id": "item", "unit_cost": 10, "price": 25}],
        "nodes": [{"id": "maker", "role": "manufacturer", "demand": step(5, 7, 6),
                   "production_lead_time": const(3), "policy": policy,
                   "initial": {"on_hand": 9, "pipeline": 5}}],
        "lanes": [],
    }
    got = series(scn)["maker"]
    want = hand_stage(n, lambda t: 5 if t < 6 else 7, hand(), lead=3, on_hand=9, pipeline=5)
    assert got["on_order"].iloc[0] == pytest.approx(5 * 3 - 5 + want["orders"].iloc[0])
    assert_series(got, want)


# --------------------------------------------------------------------------- period
@pytest.mark.parametrize("scn", [
    shop_scenario({"dist": "poisson", "mean": 6}, {"type": "base_stock", "S": 30}, lead=3,
                  delay=1, days=200),
    shop_scenario({"dist": "normal", "mean": 20, "sd": 4},
                  {"type": "forecast_out", "method": "exp_smoothing", "alpha": 0.2,
                   "safety_factor": 1.0}, lead=2, days=200),
    shop_scenario(step(4, 8, 5), STERMAN, lead=2, delay=2,
                  initial={"on_hand": 12, "pipeline": 4}, days=60),
], ids=["poisson-base-stock", "normal-exp-smoothing", "sterman-step"])
def test_period_week_is_a_label_only(scn):
    """``period: week`` changes no number: the same KPIs (all replications, bit for bit) and
    the same time series as the default ``period: day`` and as no period at all."""
    base = chainsim.simulate(scn, replications=3, timeseries=True)
    for period in ("day", "week"):
        other = chainsim.simulate({**scn, "period": period}, replications=3, timeseries=True)
        pd.testing.assert_frame_equal(base.kpis, other.kpis)
        pd.testing.assert_frame_equal(base.timeseries, other.timeseries)
    assert chainsim.load_scenario({**scn, "period": "week"}).period == "week"


def test_consumer_signal_over_a_retail_group_equals_node_by_node():
    """40 identical shops under one wholesaler form a retail group (simulated over arrays): a
    consumer-signal forecast upstream must see the same summed demand as when every shop is
    simulated on its own (same KPIs and series, bit for bit up to float summation order)."""
    shops = [{"id": f"s{i}", "role": "retailer", "demand": {"dist": "poisson", "mean": 3},
              "policy": {"type": "base_stock", "S": 12}} for i in range(40)]
    scn = {
        "name": "group-signal", "horizon_days": 150, "warmup_days": 20, "replications": 2,
        "seed": 11, "products": [{"id": "item", "unit_cost": 10, "price": 25}],
        "nodes": [{"id": "plant", "role": "manufacturer", "infinite_supply": True},
                  {"id": "whole", "role": "wholesaler",
                   "policy": {"type": "forecast_out", "method": "exp_smoothing", "alpha": 0.3,
                              "safety_factor": 1.0, "signal": "consumer"}},
                  *shops],
        "lanes": [{"from": "plant", "to": "whole", "lead_time": const(2), "order_delay": 1},
                  *({"from": "whole", "to": s["id"], "lead_time": const(1)} for s in shops)],
    }
    fast = chainsim.simulate(scn, timeseries=True)
    slow = chainsim.simulate(scn, timeseries=True, vectorize=False)
    for res in (fast, slow):
        assert res.timeseries is not None
    kf = fast.kpis[fast.kpis["node"] == "whole"].reset_index(drop=True)
    ks = slow.kpis[slow.kpis["node"] == "whole"].reset_index(drop=True)
    pd.testing.assert_frame_equal(kf, ks, rtol=1e-9)
    tf = fast.timeseries[fast.timeseries["node"] == "whole"][FIELDS].reset_index(drop=True)
    ts = slow.timeseries[slow.timeseries["node"] == "whole"][FIELDS].reset_index(drop=True)
    pd.testing.assert_frame_equal(tf.astype(float), ts.astype(float), rtol=1e-9)
    assert tf["orders"].sum() > 0
