"""Inventory and queueing theory: exact long-run values of simple systems (``chainsim.theory``).

The closed forms and small exact Markov chains that chainsim's own tests check the simulator
against, public so that a teacher or an analyst can put a formula beside a simulation:

- loss functions: ``normal_loss``, ``poisson_loss`` and their complements;
- the newsvendor: ``newsvendor_normal``, ``newsvendor_poisson``;
- single-stage policies: ``base_stock_poisson``, ``base_stock_normal``, ``sS_poisson``,
  ``rQ_poisson``, ``base_stock_lot_size_poisson`` (MOQ, case packs),
  ``lost_sales_base_stock_poisson``; ``littles_law_on_order`` for the pipeline;
- a serial line: ``serial_two_stage_poisson``;
- the bullwhip effect: ``bullwhip_moving_average_lower_bound`` (Chen et al. 2000);
- queues: ``mm1``, ``mmc``, ``erlang_b``, ``erlang_c``, ``mg1``, ``md1``,
  ``mm1_wait_asymptotic_variance``; ``window_sum_time_average_variance`` for the spread of a
  time average.

Each function's docstring names its symbols and its reference (book or paper). Pure functions
on numbers: numpy and scipy only, nothing else of chainsim, so this module sits below every
package. How close a simulation must come to these values is the tests' business
(``tests/theory/theory_check.py``), not this module's.

The inventory values are what chainsim's per-day metrics (the README's metric table) converge to
over a long horizon, under the day's phase order (``engine.run.Simulation.step``) for a node
that reviews every day:

1. shipments due on day d are received and waiting backorders are served from them;
2. the inventory position IP = on hand + on order − backorders is reviewed and an order is
   placed; an order placed on day d over a lane with lead time L arrives at step 1 of day d + L
   (with L = 0 it is received at once, before the day's demand);
3. the day's demand D_d arrives and is served from stock, backordered or lost;
4. end-of-day levels are recorded.

Common symbols, used in every docstring below:

- ``mean`` (λ): mean demand per day; demand is i.i.d. over days.
- ``lead_time`` (L): constant lead time in whole days.
- ``S``: order-up-to (base-stock) level; ``s`` reorder point of (s, S); ``r``, ``Q`` reorder
  point and lot size of (r, Q).
- NI: net inventory = on hand − backorders at the end of a day.
- X: demand over L + 1 consecutive days, the "protection period" (review period 1 + L).
- Y: demand over the L days before today (what has eaten the stock before today's demand).
- h, b, K: holding cost per unit-day on hand, backorder cost per unit-day backordered, cost per
  order placed (all charged on end-of-day levels, as chainsim does).

The returned dicts use chainsim's metric names (``on_hand``, ``backorders``, ``on_order``,
``cycle_service_level``, ``fill_rate``, ``lost_sales``, ``lost_fraction``, ``order_frequency``,
``orders_variance``, ``demand_variance``, ``bullwhip``, ``holding_cost``, ``backorder_cost``,
``ordering_cost``, ``total_cost``) so a test can compare them key by key.

Key identity used for fill rates (units served from stock on the day asked / units asked) under
backordering: with B0 the backorders just before today's demand and B1 those at the end of the
day, today's demand not served from stock is B1 − B0 (every unit of today's demand either is
served from on hand or adds one backorder). Hence, when NI before demand is P − Y and at the end
of the day P − X (X = Y + D), the long-run fill rate is

    fill_rate = 1 − (E[(X − P)+] − E[(Y − P)+]) / λ.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from scipy import stats

_TAIL = 1e-16  # probability mass left out when a Poisson support is truncated


# --------------------------------------------------------------------------- loss functions
def normal_loss(z):
    """Standard normal first-order loss function G(z) = E[(Z − z)+] = φ(z) − z (1 − Φ(z)).

    ``z``: a point (scalar or array); Z ~ N(0, 1); φ, Φ its density and distribution function.

    Reference: Snyder & Shen, *Fundamentals of Supply Chain Theory*, 2nd ed. (Wiley, 2019),
    appendix on loss functions.
    """
    z = np.asarray(z, dtype=float)
    return stats.norm.pdf(z) - z * stats.norm.sf(z)


def normal_complementary_loss(z):
    """Standard normal complementary loss E[(z − Z)+] = G(z) + z (see ``normal_loss``).

    Reference: Snyder & Shen, *Fundamentals of Supply Chain Theory*, 2nd ed. (Wiley, 2019),
    appendix on loss functions.
    """
    return normal_loss(z) + np.asarray(z, dtype=float)


def poisson_loss(x, mean):
    """Poisson first-order loss E[(X − x)+] for X ~ Poisson(``mean``) and a real ``x``.

    With k = ⌊x⌋ ≥ 0: E[(X − x)+] = λ P(X ≥ k) − x P(X ≥ k + 1), because E[X 1{X ≥ k+1}] =
    λ P(X ≥ k). For x < 0 it is λ − x. Scalar or array ``x``.

    Reference: Snyder & Shen, *Fundamentals of Supply Chain Theory*, 2nd ed. (Wiley, 2019),
    appendix on loss functions; Zipkin, *Foundations of Inventory Management* (McGraw-Hill,
    2000), ch. 6.
    """
    x = np.asarray(x, dtype=float)
    k = np.floor(x)
    above = mean * stats.poisson.sf(k - 1, mean) - x * stats.poisson.sf(k, mean)
    out = np.where(x < 0, mean - x, above)
    return out[()] if out.ndim == 0 else out


def poisson_complementary_loss(x, mean):
    """E[(x − X)+] for X ~ Poisson(``mean``) = x − λ + E[(X − x)+].

    Reference: Snyder & Shen, *Fundamentals of Supply Chain Theory*, 2nd ed. (Wiley, 2019),
    appendix on loss functions.
    """
    return np.asarray(x, dtype=float) - mean + poisson_loss(x, mean)


# --------------------------------------------------------------------------- helpers
def _poisson_pmf(mean: float) -> np.ndarray:
    """pmf of Poisson(mean) on 0..N, N the (1 − 1e-16) quantile + 5, renormalised."""
    if mean <= 0:
        return np.ones(1)
    n = int(stats.poisson.isf(_TAIL, mean)) + 5
    p = stats.poisson.pmf(np.arange(n + 1), mean)
    return p / p.sum()


def _pos(values: np.ndarray, probs: np.ndarray, level: float) -> float:
    """E[(V − level)+] for V with the given support and probabilities."""
    return float(np.dot(probs, np.maximum(values - level, 0.0)))


def _stationary(P: np.ndarray) -> np.ndarray:
    """Stationary distribution π = π P of a finite Markov chain with one recurrent class
    (transient states get probability 0)."""
    n = P.shape[0]
    A = P.T - np.eye(n)
    A[-1, :] = 1.0
    rhs = np.zeros(n)
    rhs[-1] = 1.0
    pi = np.linalg.solve(A, rhs)
    pi = np.clip(pi, 0.0, None)
    return pi / pi.sum()


def _costs(out: dict, holding: float, backorder: float, order_cost: float) -> dict:
    out["holding_cost"] = holding * out["on_hand"]
    out["backorder_cost"] = backorder * out.get("backorders", 0.0)
    out["ordering_cost"] = order_cost * out["order_frequency"]
    out["total_cost"] = out["holding_cost"] + out["backorder_cost"] + out["ordering_cost"]
    return out


# --------------------------------------------------------------------------- newsvendor
def newsvendor_normal(holding: float, stockout: float, mean: float, sd: float):
    """Optimal level and cost of the newsvendor with normal demand (Snyder & Shen, FoSCT §4.3).

    ``holding`` h: cost per unit left over; ``stockout`` p: cost per unit short; demand
    D ~ N(``mean`` μ, ``sd``² σ²). The critical fractile is α = p / (h + p), S* = μ + z_α σ and
    the expected cost g(S*) = h E[(S* − D)+] + p E[(D − S*)+] = (h + p) σ φ(z_α).
    Returns (S*, g(S*)).

    Reference: Snyder & Shen, *Fundamentals of Supply Chain Theory*, 2nd ed. (Wiley, 2019),
    §4.3 (example 4.3: h = 0.18, p = 0.70, N(50, 8²) gives S* = 56.60, g = 2.00).
    """
    alpha = stockout / (holding + stockout)
    z = stats.norm.ppf(alpha)
    return float(mean + z * sd), float((holding + stockout) * sd * stats.norm.pdf(z))


def newsvendor_poisson(holding: float, stockout: float, mean: float):
    """Optimal level and cost of the newsvendor with Poisson demand.

    ``holding`` h, ``stockout`` p as in ``newsvendor_normal``; D ~ Poisson(``mean``). S* is the
    smallest integer with P(D ≤ S*) ≥ p / (h + p); cost g(S) = h E[(S − D)+] + p E[(D − S)+].
    Returns (S*, g(S*)).

    Reference: Snyder & Shen, *Fundamentals of Supply Chain Theory*, 2nd ed. (Wiley, 2019),
    §4.3 (discrete demand).
    """
    alpha = stockout / (holding + stockout)
    S = int(stats.poisson.ppf(alpha, mean))
    cost = holding * poisson_complementary_loss(S, mean) + stockout * poisson_loss(S, mean)
    return S, float(cost)


# --------------------------------------------------------------------------- base stock
def base_stock_poisson(S: float, mean: float, lead_time: int, holding: float = 0.0,
                       backorder: float = 0.0, order_cost: float = 0.0,
                       review_days: int = 1) -> dict:
    """Periodic-review base-stock (order S − IP at each review), Poisson demand, backorders.

    ``S``: base-stock level; ``mean`` λ: Poisson demand per day; ``lead_time`` L ≥ 0 days;
    ``holding`` h, ``backorder`` b, ``order_cost`` K per unit-day / unit-day / order;
    ``review_days`` R ≥ 1: the node reviews every R days (R = 1: every day).

    R = 1. IP after ordering is always S, and every order placed on days ≤ d − L has arrived by
    step 1 of day d while none placed later has, so the end-of-day net inventory is NI = S − X
    with X ~ Poisson(λ (L + 1)) (demand of days d − L .. d); before today's demand NI = S − Y
    with Y ~ Poisson(λ L). Hence on_hand = E[(S − X)+], backorders = E[(X − S)+],
    cycle_service_level = P(X ≤ S), fill_rate = 1 − (E[(X − S)+] − E[(Y − S)+]) / λ. The order
    of day d is yesterday's demand D_{d−1}, so on_order (orders placed d − L + 1 .. d) has mean
    λ L (Little's law), orders_variance = λ, bullwhip = 1 and order_frequency = P(D > 0) =
    1 − e^{−λ}. With L = 0 this is the newsvendor: every day starts with S on hand.

    R > 1. On the j-th day of a review cycle (j = 0 .. R − 1, j = 0 the review day) the
    end-of-day NI is S − X_j with X_j ~ Poisson(λ (L + 1 + j)), and the levels are averages over
    j. With B(m) = E[(Poisson(λ m) − S)+] the day-j shortage is B(L + 1 + j) − B(L + j), which
    telescopes: fill_rate = 1 − (B(L + R) − B(L)) / (R λ). The order on a review day is the
    demand of the last R days, ~ Poisson(λ R), and nothing on other days: order_frequency =
    P(Poisson(λ R) > 0) / R, orders_variance = λ + λ² (R − 1) (daily series with zeros),
    bullwhip = orders_variance / λ; on_order has mean λ L (Little) whatever R.

    Reference: Zipkin, *Foundations of Inventory Management* (McGraw-Hill, 2000), ch. 6
    (base-stock, periodic review); Snyder & Shen, *Fundamentals of Supply Chain Theory*, 2nd
    ed. (Wiley, 2019), ch. 4.
    """
    R = int(review_days)
    js = range(R)
    ms = [mean * (lead_time + 1 + j) for j in js]
    bo = float(np.mean([poisson_loss(S, m) for m in ms]))
    oh = float(np.mean([poisson_complementary_loss(S, m) for m in ms]))
    csl = float(np.mean([stats.poisson.cdf(math.floor(S), m) for m in ms])) if S >= 0 else 0.0
    short = float(poisson_loss(S, mean * (lead_time + R)) - poisson_loss(S, mean * lead_time))
    var_orders = mean + mean * mean * (R - 1)
    out = {
        "demand": float(mean),
        "demand_variance": float(mean),
        "on_hand": oh,
        "backorders": bo,
        "cycle_service_level": csl,
        "fill_rate": 1.0 - short / (R * mean),
        "on_order": float(mean * lead_time),
        "lost_sales": 0.0,
        "lost_fraction": 0.0,
        "order_frequency": float(-np.expm1(-mean * R)) / R,
        "orders_variance": float(var_orders),
        "bullwhip": float(var_orders / mean),
    }
    return _costs(out, holding, backorder, order_cost)


def base_stock_normal(S: float, mean: float, sd: float, lead_time: int, holding: float = 0.0,
                      backorder: float = 0.0, order_cost: float = 0.0) -> dict:
    """Periodic-review base-stock with normal demand N(``mean`` μ, ``sd``² σ²) per day, backorders.

    ``S``: base-stock level; ``lead_time`` L ≥ 0 days; ``holding`` h, ``backorder`` b,
    ``order_cost`` K as in ``base_stock_poisson``.

    Same argument as ``base_stock_poisson`` with continuous demand: NI = S − X at the end of a
    day with X ~ N(μ (L + 1), σ² (L + 1)), and S − Y before today's demand with
    Y ~ N(μ L, σ² L). With σ_X = σ √(L + 1), z = (S − μ (L + 1)) / σ_X and G the standard normal
    loss: backorders = σ_X G(z), on_hand = σ_X (z + G(z)), cycle_service_level = Φ(z),
    fill_rate = 1 − (σ_X G(z) − σ_Y G(z_Y)) / μ. on_order = μ L; orders_variance = σ²; orders
    are placed every day (order_frequency 1). Valid when demand below 0 is negligible
    (chainsim clips normal demand at 0): choose μ/σ ≥ 5 or so.

    Reference: Zipkin, *Foundations of Inventory Management* (McGraw-Hill, 2000), ch. 6; Snyder
    & Shen, *Fundamentals of Supply Chain Theory*, 2nd ed. (Wiley, 2019), ch. 4.
    """
    sx = sd * math.sqrt(lead_time + 1)
    zx = (S - mean * (lead_time + 1)) / sx
    bo = float(sx * normal_loss(zx))
    if lead_time > 0:
        sy = sd * math.sqrt(lead_time)
        bo_before = float(sy * normal_loss((S - mean * lead_time) / sy))
    else:
        bo_before = max(-S, 0.0)
    out = {
        "demand": float(mean),
        "demand_variance": float(sd * sd),
        "on_hand": float(sx * normal_complementary_loss(zx)),
        "backorders": bo,
        "cycle_service_level": float(stats.norm.cdf(zx)),
        "fill_rate": 1.0 - (bo - bo_before) / mean,
        "on_order": float(mean * lead_time),
        "lost_sales": 0.0,
        "lost_fraction": 0.0,
        "order_frequency": 1.0,
        "orders_variance": float(sd * sd),
        "bullwhip": 1.0,
    }
    return _costs(out, holding, backorder, order_cost)


def littles_law_on_order(mean: float, mean_lead_time: float) -> float:
    """Little's law for the pipeline: mean units on order = throughput × mean time in the pipeline
    = λ × E[L] (``mean`` λ units ordered per day in the long run, ``mean_lead_time`` E[L] days).
    Holds for any lead-time distribution (orders may cross) and any policy whose long-run order
    rate equals the demand rate, as long as supply is never short.

    Reference: Little, "A proof for the queuing formula L = λW", Operations Research 9(3),
    1961.
    """
    return float(mean * mean_lead_time)


# --------------------------------------------------------------------------- lost sales
def lost_sales_base_stock_poisson(S: int, mean: float, lead_time: int, holding: float = 0.0,
                                  order_cost: float = 0.0) -> dict:
    """Periodic-review base-stock with Poisson demand and lost sales; exact via a Markov chain.

    ``S``: integer base-stock level; ``mean`` λ; ``lead_time`` L ≥ 0 (keep S^L small: the state
    space has about S^L / L! states); ``holding`` h, ``order_cost`` K.

    L = 0: every day starts with S on hand, so lost_sales = E[(D − S)+], on_hand = E[(S − D)+],
    fill_rate = E[min(D, S)] / λ.

    L ≥ 1: state after step 1 of day d is (I, q_1, …, q_{L−1}) with I on hand and q_i the order
    due in i days. Step 2 orders q_L = S − I − Σ q_i (IP = on hand + on order, no backorders);
    step 3 sells min(I, D) and loses (D − I)+; next day I' = I − min(I, D) + q_1 and the pipeline
    shifts. The chain is enumerated from (S, 0, …, 0) and solved for its stationary law π.
    Per day: on_hand = E[(I − D)+], lost_sales = E[(D − I)+], fill_rate = E[min(I, D)] / λ,
    on_order = E[S − I] (IP after ordering is S), order quantity q_L (= yesterday's sales) gives
    order_frequency = P(q_L > 0) and orders_variance = Var(q_L). ``no_stockout_probability``
    = P(D ≤ I) is the share of days without a lost sale.

    Reference: Karlin & Scarf, "Inventory models of the Arrow-Harris-Marschak type with time
    lag" (1958); Zipkin, "Old and new methods for lost-sales inventory systems", Operations
    Research 56(5), 2008.
    """
    S = int(S)
    if lead_time == 0:
        p = _poisson_pmf(mean)
        d = np.arange(len(p))
        sales = np.minimum(d, S)
        lost = float(poisson_loss(S, mean))
        es = float(np.dot(p, sales))
        out = {
            "on_hand": float(poisson_complementary_loss(S, mean)),
            "lost_sales": lost,
            "fill_rate": es / mean,
            "on_order": 0.0,
            "no_stockout_probability": float(stats.poisson.cdf(S, mean)),
            "order_frequency": float(np.dot(p, sales > 0)),
            "orders_variance": float(np.dot(p, sales**2) - es**2),
        }
    else:
        out = _lost_sales_chain(S, mean, lead_time)
    out.update(demand=float(mean), demand_variance=float(mean), backorders=0.0,
               lost_fraction=out["lost_sales"] / mean)
    out["bullwhip"] = out["orders_variance"] / mean
    return _costs(out, holding, 0.0, order_cost)


def _lost_sales_chain(S: int, mean: float, L: int) -> dict:
    p = _poisson_pmf(mean)
    start = (S,) + (0,) * (L - 1)
    index = {start: 0}
    states = [start]
    rows: list[list[tuple[int, float]]] = []
    i = 0
    while i < len(states):
        st = states[i]
        inv, pipe = st[0], st[1:]
        q = S - inv - sum(pipe)
        trans: dict[tuple, float] = {}
        for sold in range(inv + 1):
            if sold >= len(p):
                break
            prob = float(p[sold]) if sold < inv else float(p[inv:].sum())
            if prob == 0.0:
                continue
            arriving = pipe[0] if L >= 2 else q
            nxt = (inv - sold + arriving,) + (pipe[1:] + (q,) if L >= 2 else ())
            trans[nxt] = trans.get(nxt, 0.0) + prob
        row = []
        for nxt, prob in trans.items():
            if nxt not in index:
                index[nxt] = len(states)
                states.append(nxt)
            row.append((index[nxt], prob))
        rows.append(row)
        i += 1
    n = len(states)
    P = np.zeros((n, n))
    for a, row in enumerate(rows):
        for b_, prob in row:
            P[a, b_] += prob
    pi = _stationary(P)
    inv = np.array([st[0] for st in states], dtype=float)
    q = np.array([S - st[0] - sum(st[1:]) for st in states], dtype=float)
    d = np.arange(len(p))
    on_hand = np.array([np.dot(p, np.maximum(x - d, 0)) for x in inv])
    sales = np.array([np.dot(p, np.minimum(d, x)) for x in inv])
    no_stockout = np.array([p[: int(x) + 1].sum() for x in inv])
    eq = float(pi @ q)
    return {
        "on_hand": float(pi @ on_hand),
        "lost_sales": float(mean - pi @ sales),
        "fill_rate": float(pi @ sales) / mean,
        "on_order": float(pi @ (S - inv)),
        "no_stockout_probability": float(pi @ no_stockout),
        "order_frequency": float(pi @ (q > 0)),
        "orders_variance": float(pi @ q**2 - eq**2),
        "n_states": n,
    }


# --------------------------------------------------------------------------- (s, S) and (r, Q)
def _ip_policy_poisson(states: np.ndarray, reorder: Callable[[np.ndarray], np.ndarray],
                       mean: float, lead_time: int, holding: float, backorder: float,
                       order_cost: float) -> dict:
    """Shared engine of ``sS_poisson`` and ``rQ_poisson``: ``states`` the integer values of the
    inventory position after ordering, ``reorder(x)`` the order quantity at IP x (0 above the
    reorder point)."""
    p = _poisson_pmf(mean)
    d = np.arange(len(p))
    pos = {int(v): k for k, v in enumerate(states)}
    n = len(states)
    P = np.zeros((n, n))
    qty = np.zeros((n, len(p)))  # order placed tomorrow from state j after demand d today
    for j, v in enumerate(states):
        x = v - d
        q = reorder(x)
        qty[j] = q
        for nxt, prob in zip(x + q, p, strict=True):
            P[j, pos[int(nxt)]] += prob
    pi = _stationary(P)
    mx, my = mean * (lead_time + 1), mean * lead_time
    vals = states.astype(float)
    bo = float(pi @ poisson_loss(vals, mx))
    bo_before = float(pi @ poisson_loss(vals, my))
    joint = pi[:, None] * p[None, :]
    eq = float((joint * qty).sum())
    out = {
        "demand": float(mean),
        "demand_variance": float(mean),
        "ip_distribution": dict(zip(states.tolist(), pi.tolist(), strict=True)),
        "on_hand": float(pi @ poisson_complementary_loss(vals, mx)),
        "backorders": bo,
        "cycle_service_level": float(pi @ stats.poisson.cdf(np.floor(vals), mx)),
        "fill_rate": 1.0 - (bo - bo_before) / mean,
        "on_order": float(my),
        "lost_sales": 0.0,
        "lost_fraction": 0.0,
        "order_frequency": float((joint * (qty > 0)).sum()),
        "orders_mean": eq,
        "orders_variance": float((joint * qty**2).sum() - eq**2),
    }
    out["bullwhip"] = out["orders_variance"] / mean
    return _costs(out, holding, backorder, order_cost)


def sS_poisson(s: int, S: int, mean: float, lead_time: int, holding: float = 0.0,
               backorder: float = 0.0, order_cost: float = 0.0) -> dict:
    """Periodic-review (s, S) with daily review, Poisson demand, backorders, constant lead time.

    ``s`` < ``S`` integers: when IP ≤ s order S − IP. ``mean`` λ, ``lead_time`` L; ``holding``
    h, ``backorder`` b, ``order_cost`` K as in ``base_stock_poisson``.

    P_d, the IP after ordering on day d, lives in s + 1 .. S and is a Markov chain: P_{d+1} =
    P_d − D_d if that is > s, else S. Its stationary law π is solved exactly. Orders placed on
    days ≤ d have all arrived by the end of day d + L and later ones have not, so the end-of-day
    NI of day d + L is P_d − X with X ~ Poisson(λ (L + 1)) independent of P_d (and P_d − Y before
    that day's demand, Y ~ Poisson(λ L)). Hence on_hand = Σ π_j E[(j − X)+], backorders =
    Σ π_j E[(X − j)+], cycle_service_level = Σ π_j P(X ≤ j), fill_rate as in the module
    docstring, on_order = λ L (Little), and the order placed on day d + 1 is
    S − (P_d − D_d) when P_d − D_d ≤ s (else nothing): order_frequency, orders_variance and
    bullwhip = orders_variance / λ follow from π and the Poisson pmf. ``ip_distribution`` is π.

    Reference: Zipkin, *Foundations of Inventory Management* (McGraw-Hill, 2000), ch. 6 ((s, S)
    and (r, q) policies); Scarf, "The optimality of (s, S) policies in the dynamic inventory
    problem" (1960).
    """
    states = np.arange(int(s) + 1, int(S) + 1)
    return _ip_policy_poisson(states, lambda x: np.where(x <= s, S - x, 0), mean, lead_time,
                              holding, backorder, order_cost)


def rQ_poisson(r: int, Q: int, mean: float, lead_time: int, holding: float = 0.0,
               backorder: float = 0.0, order_cost: float = 0.0) -> dict:
    """Periodic-review (r, Q) with daily review, Poisson demand, backorders, constant lead time.

    ``r`` integer reorder point, ``Q`` ≥ 1 integer lot size: when IP ≤ r order the smallest
    multiple n Q that lifts IP above r (one order of n lots). Then the IP after ordering lives in
    r + 1 .. r + Q and, the transition being a circulant (doubly stochastic) matrix, it is
    uniform there (Hadley & Whitin; Zipkin §6). ``mean`` λ, ``lead_time`` L, ``holding`` h,
    ``backorder`` b, ``order_cost`` K as in ``sS_poisson``. The rest is as in ``sS_poisson``;
    order_frequency = P(an order is placed on a day) counts an order of n lots once.

    Reference: Hadley & Whitin, *Analysis of Inventory Systems* (Prentice-Hall, 1963); Zipkin,
    *Foundations of Inventory Management* (McGraw-Hill, 2000), ch. 6.
    """
    states = np.arange(int(r) + 1, int(r) + int(Q) + 1)

    def reorder(x):
        return np.where(x <= r, Q * (np.floor((r - x) / Q) + 1), 0)

    return _ip_policy_poisson(states, reorder, mean, lead_time, holding, backorder, order_cost)


def base_stock_lot_size_poisson(S: int, mean: float, lead_time: int, moq: int = 0,
                                multiple: int | None = None, holding: float = 0.0,
                                backorder: float = 0.0, order_cost: float = 0.0) -> dict:
    """Daily-review base stock with a minimum order quantity and/or case packs, Poisson demand,
    backorders, constant lead time.

    ``S`` integer level; ``moq`` integer MOQ; ``multiple`` integer case pack m (or None);
    ``mean`` λ, ``lead_time`` L, ``holding`` h, ``backorder`` b, ``order_cost`` K as in
    ``sS_poisson``. When IP < S the need S − IP is raised to the MOQ and then rounded up to a
    multiple of m (chainsim's lot-sizing rule), so the IP after ordering lives in S .. S + max(moq, 1) + m − 1. Its stationary law is
    solved like the (s, S) chain (``sS_poisson``), and the same formulas give the KPIs. With
    moq = 0 and m given, this is (r, Q) = (S − 1, m); with neither, plain base stock.

    Reference: Zheng & Chen, "Inventory policies with quantized ordering", Naval Research
    Logistics 39, 1992; Zipkin, *Foundations of Inventory Management* (McGraw-Hill, 2000), ch.
    6.
    """
    S, moq = int(S), int(moq)
    m = int(multiple) if multiple else 1
    states = np.arange(S, S + max(moq, 1) + m)

    def reorder(x):
        need = np.maximum(S - x, moq)
        return np.where(x < S, np.ceil(need / m) * m, 0)

    return _ip_policy_poisson(states, reorder, mean, lead_time, holding, backorder, order_cost)


# --------------------------------------------------------------------------- serial line
def serial_two_stage_poisson(S_up: int, S_down: int, mean: float, lead_up: int,
                             lead_down: int) -> dict:
    """Two-stage serial line with local base-stock levels, daily review, Poisson demand.

    Stages: an infinite source → U (upstream, level ``S_up``, lead time ``lead_up`` L_U ≥ 1 from
    the source) → D (downstream, level ``S_down``, lead time ``lead_down`` L_D ≥ 0 from U) →
    customers, demand Poisson(``mean`` λ) per day at D. Both review every day; D orders before
    U on the same day (phase 2 of the day), U ships at once from on hand, partially, and ships what
    it owes first-come-first-served as its stock arrives; all shortages are backordered.
    Each node's IP counts what its supplier still owes it as on order.

    Derivation (Clark–Scarf / echelon style, periodic review). Let D_t be the demand of day t.
    D's IP before its review on day t is S_D − D_{t−1}, so it orders o_t = D_{t−1}; U's IP drops
    by o_t when D's order arrives, so U orders o_t from the source at once. U's outstanding
    source orders after step 2 of day t are those placed t − L_U + 1 .. t, i.e. demand of days
    t − L_U .. t − 1, so U's net inventory after step 2 (and at the end) of day t is
    S_U − W_t with W_t ~ Poisson(λ L_U), and U's backorder to D is B_t = (W_t − S_U)+.
    Everything U has shipped by the end of day t is D's cumulative orders O(t) minus B_t, and a
    shipment leaving U on day t (step 1 or step 2) is received by D at step 1 of day t + L_D.
    So D's end-of-day net inventory is

        NI_D(t) = S_D + O(t − L_D) − B_{t−L_D} − Σ_{k ≤ t} D_k = S_D − X_t − B_{t−L_D},

    with X_t = D_{t−L_D} + … + D_t ~ Poisson(λ (L_D + 1)) independent of B_{t−L_D} (built from
    the L_U days before t − L_D). Before today's demand D's NI is S_D − Y − B with
    Y ~ Poisson(λ L_D). So D behaves like a single stage whose lead-time demand is X + B with
    B = (Poisson(λ L_U) − S_U)+: on_hand = E[(S_D − X − B)+], backorders = E[(X + B − S_D)+],
    cycle_service_level = P(X + B ≤ S_D), fill_rate from the module-docstring identity, and
    on_order = λ L_D + E[B] (in transit plus still owed by U). U is a base-stock stage facing
    the order stream o_t with an effective lead time L_U − 1 (it orders after it has shipped):
    on_hand_U = E[(S_U − W)+], backorders_U = E[B], cycle_service_level_U = P(W ≤ S_U),
    fill_rate_U = 1 − (E[B] − E[(W' − S_U)+]) / λ with W' ~ Poisson(λ (L_U − 1)),
    on_order_U = λ L_U. Both stages order o_t, so orders_variance = λ and bullwhip = 1.

    Returns {"downstream": {...}, "upstream": {...}} with chainsim metric names, plus the pmf of
    B under ``upstream["backorder_pmf"]`` and of X + B under ``downstream["lead_time_demand_pmf"]``.

    Reference: Clark & Scarf, "Optimal policies for a multi-echelon inventory problem",
    Management Science 6(4), 1960; Snyder & Shen, *Fundamentals of Supply Chain Theory*, 2nd
    ed. (Wiley, 2019), ch. 6.
    """
    if lead_up < 1:
        raise ValueError("serial_two_stage_poisson needs lead_up >= 1 (with L_U = 0 the upstream "
                         "stage is replenished within the day and the formula changes)")
    w = _poisson_pmf(mean * lead_up)
    b_pmf = np.zeros(max(len(w) - int(S_up), 1))
    for k, prob in enumerate(w):
        b_pmf[max(k - int(S_up), 0)] += prob
    x = _poisson_pmf(mean * (lead_down + 1))
    y = _poisson_pmf(mean * lead_down)
    t = np.convolve(x, b_pmf)
    ty = np.convolve(y, b_pmf)
    tv, tyv, bv = np.arange(len(t)), np.arange(len(ty)), np.arange(len(b_pmf))
    eb = float(np.dot(bv, b_pmf))
    bo_d = _pos(tv, t, S_down)
    down = {
        "demand": float(mean),
        "demand_variance": float(mean),
        "on_hand": _pos(-tv, t, -S_down),
        "backorders": bo_d,
        "cycle_service_level": float(t[: int(S_down) + 1].sum()),
        "fill_rate": 1.0 - (bo_d - _pos(tyv, ty, S_down)) / mean,
        "on_order": float(mean * lead_down + eb),
        "order_frequency": float(-np.expm1(-mean)),
        "orders_variance": float(mean),
        "bullwhip": 1.0,
        "lead_time_demand_pmf": t,
    }
    wv = np.arange(len(w))
    up = {
        "demand": float(mean),
        "demand_variance": float(mean),
        "on_hand": _pos(-wv, w, -S_up),
        "backorders": eb,
        "cycle_service_level": float(w[: int(S_up) + 1].sum()),
        "fill_rate": 1.0 - (eb - float(poisson_loss(S_up, mean * (lead_up - 1)))) / mean,
        "on_order": float(mean * lead_up),
        "order_frequency": float(-np.expm1(-mean)),
        "orders_variance": float(mean),
        "bullwhip": 1.0,
        "backorder_pmf": b_pmf,
    }
    return {"downstream": down, "upstream": up}


# --------------------------------------------------------------------------- statistics
def window_sum_time_average_variance(f: Callable[[np.ndarray], np.ndarray], mean: float,
                                     window: int, days: int | None = None) -> float:
    """Variance of the time average of f(X_t), X_t = D_{t−m+1} + … + D_t a moving sum of
    ``window`` m i.i.d. Poisson(``mean`` λ) daily demands — e.g. the end-of-day on hand
    (S − X_t)+ of a base-stock node, with m = L + 1.

    f(X_t) and f(X_{t+k}) share m − k demands, so with B ~ Poisson(λ (m − k)) the overlap and
    A ~ Poisson(λ k) the rest, Cov_k = Σ_b P(B = b) g_k(b)² − E[f]², g_k(b) = E[f(b + A)], and
    Cov_k = 0 for k ≥ m. ``days`` n given: returns the exact Var of the mean of n consecutive
    stationary values, (γ_0 + 2 Σ_{k=1}^{m−1} (1 − k/n) γ_k) / n; not given: the asymptotic
    variance σ²_∞ = γ_0 + 2 Σ γ_k (so Var(mean) ≈ σ²_∞ / n).

    Reference: Brockwell & Davis, *Introduction to Time Series and Forecasting* (Springer),
    §2.4 (the variance of a sample mean of a stationary series).
    """
    m = int(window)
    full = _poisson_pmf(mean * m)
    top = 2 * len(full) + 10
    fv = np.asarray(f(np.arange(top, dtype=float)), dtype=float)
    ef = float(np.dot(full, fv[: len(full)]))
    gammas = []
    for k in range(m):
        pb = _poisson_pmf(mean * (m - k))
        pa = _poisson_pmf(mean * k)
        g = np.array([np.dot(pa, fv[b: b + len(pa)]) for b in range(len(pb))])
        gammas.append(float(np.dot(pb, g * g)) - ef * ef)
    if days is None:
        return gammas[0] + 2.0 * sum(gammas[1:])
    n = int(days)
    return (gammas[0] + 2.0 * sum((1 - k / n) * gk for k, gk in enumerate(gammas) if k)) / n


def bullwhip_moving_average_lower_bound(lead_time: float, window: int) -> float:
    """Chen, Drezner, Ryan & Simchi-Levi (2000) lower bound on Var(q)/Var(D) for an order-up-to
    policy with a ``window``-period (p) moving-average forecast and a protection period of
    ``lead_time`` (L) periods: 1 + 2 L / p + 2 L² / p² (i.i.d. demand, equality when the safety
    stock is constant). With chainsim's daily review (order before the day's demand) the protection
    period is L_lane + 1.

    Reference: Chen, Drezner, Ryan & Simchi-Levi, "Quantifying the bullwhip effect in a simple
    supply chain: the impact of forecasting, lead times, and information", Management Science
    46(3), 2000.
    """
    L, p = float(lead_time), float(window)
    return 1.0 + 2.0 * L / p + 2.0 * L * L / (p * p)


# --------------------------------------------------------------------------- queueing
# Symbols of the queueing oracles below (any consistent time unit — chainsim's 3PL service
# times are in minutes, so a test converts orders per day to orders per minute, λ = per_day /
# 1440):
#
# - λ (``lam``): arrival rate of a Poisson process of orders (customers per unit of time);
# - μ (``mu``): service rate of one server = 1 / mean service time E[S];
# - c (``servers``): number of identical servers sharing one first-come-first-served queue;
# - a = λ / μ: offered load in Erlangs; ρ = a / c: utilisation of each server (< 1 for a
#   stable queue); also the long-run fraction of time a server is busy;
# - Wq: mean wait in queue (arrival → start of service), W = Wq + 1/μ mean time in system;
# - Lq = λ Wq, L = λ W: mean numbers in queue and in system (Little's law);
# - P(wait): probability that an arriving customer waits at all (by PASTA, the stationary
#   probability that all c servers are busy).
def _check_stable(lam: float, mu: float, servers: int = 1) -> tuple[float, float, int]:
    lam, mu, c = float(lam), float(mu), int(servers)
    if lam < 0 or mu <= 0 or c < 1:
        raise ValueError(f"need lam >= 0, mu > 0 and servers >= 1 (got {lam}, {mu}, {c})")
    if lam >= c * mu:
        raise ValueError(f"unstable queue: lam = {lam} >= servers * mu = {c * mu}")
    return lam, mu, c


def mm1(lam: float, mu: float) -> dict:
    """Stationary M/M/1 queue (Poisson arrivals λ = ``lam``, exponential service of rate μ =
    ``mu``, one server, FCFS), ρ = λ/μ < 1:

    - ``rho`` = ρ (server utilisation), ``p_wait`` = P(wait) = ρ;
    - ``Wq`` = ρ / (μ − λ) mean wait in queue, ``W`` = 1 / (μ − λ) mean time in system;
    - ``Lq`` = ρ² / (1 − ρ), ``L`` = ρ / (1 − ρ) mean numbers in queue and in system.

    Reference: Kleinrock, *Queueing Systems, Vol. 1: Theory* (Wiley, 1975), §3.2; Gross,
    Shortle, Thompson & Harris, *Fundamentals of Queueing Theory*, 4th ed. (Wiley, 2008), ch.
    2.
    """
    lam, mu, _ = _check_stable(lam, mu)
    rho = lam / mu
    return {"rho": rho, "p_wait": rho, "Wq": rho / (mu - lam), "W": 1.0 / (mu - lam),
            "Lq": rho * rho / (1.0 - rho), "L": rho / (1.0 - rho)}


def erlang_b(servers: int, load: float) -> float:
    """Erlang B blocking probability B(c, a) of an M/G/c/c loss system with c = ``servers``
    and offered load a = ``load`` = λ/μ Erlangs: B = (a^c / c!) / Σ_{k=0}^{c} a^k / k!.
    Computed by the stable recursion B(0) = 1, B(k) = a B(k−1) / (k + a B(k−1)).

    Reference: Kleinrock, *Queueing Systems, Vol. 1: Theory* (Wiley, 1975), §3.7 (M/M/m/m,
    Erlang's loss formula); Gross, Shortle, Thompson & Harris, *Fundamentals of Queueing
    Theory*, 4th ed. (Wiley, 2008), ch. 2.
    """
    c, a = int(servers), float(load)
    if c < 0 or a < 0:
        raise ValueError(f"need servers >= 0 and load >= 0 (got {c}, {a})")
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b


def erlang_c(servers: int, load: float) -> float:
    """Erlang C probability C(c, a) that an arrival waits in an M/M/c queue with c =
    ``servers`` and offered load a = ``load`` = λ/μ < c Erlangs:

        C(c, a) = (a^c / c!) · c/(c − a) / (Σ_{k=0}^{c−1} a^k / k! + (a^c / c!) · c/(c − a)),

    computed from Erlang B as C = c B / (c − a (1 − B)). C(1, a) = a (M/M/1: P(wait) = ρ).

    Reference: Kleinrock, *Queueing Systems, Vol. 1: Theory* (Wiley, 1975), §3.5 (Erlang's C
    formula); Gross, Shortle, Thompson & Harris, *Fundamentals of Queueing Theory*, 4th ed.
    (Wiley, 2008), ch. 2.
    """
    c, a = int(servers), float(load)
    if c < 1 or not 0 <= a < c:
        raise ValueError(f"need servers >= 1 and 0 <= load < servers (got {c}, {a})")
    b = erlang_b(c, a)
    return c * b / (c - a * (1.0 - b))


def mmc(lam: float, mu: float, servers: int) -> dict:
    """Stationary M/M/c queue (Poisson arrivals λ = ``lam``, exponential service of rate μ =
    ``mu``, c = ``servers`` servers, one FCFS queue), a = λ/μ, ρ = a/c < 1:

    - ``rho`` = ρ, ``p_wait`` = C(c, a) (Erlang C, see ``erlang_c``);
    - ``Wq`` = C(c, a) / (c μ − λ), ``W`` = Wq + 1/μ;
    - ``Lq`` = λ Wq, ``L`` = λ W (Little's law; L = Lq + a).
    With c = 1 it equals ``mm1``.

    Reference: Kleinrock, *Queueing Systems, Vol. 1: Theory* (Wiley, 1975), §3.5; Gross,
    Shortle, Thompson & Harris, *Fundamentals of Queueing Theory*, 4th ed. (Wiley, 2008), ch.
    2.
    """
    lam, mu, c = _check_stable(lam, mu, servers)
    a = lam / mu
    pw = erlang_c(c, a)
    wq = pw / (c * mu - lam)
    return {"rho": a / c, "p_wait": pw, "Wq": wq, "W": wq + 1.0 / mu,
            "Lq": lam * wq, "L": lam * (wq + 1.0 / mu)}


def mg1(lam: float, mean_service: float, second_moment: float) -> dict:
    """Stationary M/G/1 queue by the Pollaczek–Khinchine formula: Poisson arrivals λ = ``lam``,
    i.i.d. service times S with E[S] = ``mean_service`` and E[S²] = ``second_moment``
    (= Var S + E[S]²), one FCFS server, ρ = λ E[S] < 1:

    - ``rho`` = ρ, ``p_wait`` = ρ (PASTA: an arrival finds the server busy w.p. ρ);
    - ``Wq`` = λ E[S²] / (2 (1 − ρ)), ``W`` = Wq + E[S];
    - ``Lq`` = λ Wq, ``L`` = λ W.
    Exponential S (E[S²] = 2 E[S]²) gives ``mm1``; constant S (E[S²] = E[S]²) gives ``md1``.

    Reference: Kleinrock, *Queueing Systems, Vol. 1: Theory* (Wiley, 1975), ch. 5 (the
    Pollaczek–Khinchine mean-value formula); Gross, Shortle, Thompson & Harris, *Fundamentals
    of Queueing Theory*, 4th ed. (Wiley, 2008), ch. 5.
    """
    es, es2 = float(mean_service), float(second_moment)
    if es <= 0 or es2 < es * es:
        raise ValueError(f"need E[S] > 0 and E[S^2] >= E[S]^2 (got {es}, {es2})")
    lam, _, _ = _check_stable(lam, 1.0 / es)
    rho = lam * es
    wq = lam * es2 / (2.0 * (1.0 - rho))
    return {"rho": rho, "p_wait": rho, "Wq": wq, "W": wq + es, "Lq": lam * wq,
            "L": lam * (wq + es)}


def md1(lam: float, service: float) -> dict:
    """Stationary M/D/1 queue: Poisson arrivals λ = ``lam``, constant service time D =
    ``service``, ρ = λ D < 1; Pollaczek–Khinchine with E[S²] = D²: Wq = ρ D / (2 (1 − ρ)) —
    half the M/M/1 wait at the same ρ. Same keys as ``mg1``.

    Reference: Kleinrock, *Queueing Systems, Vol. 1: Theory* (Wiley, 1975), ch. 5.
    """
    return mg1(lam, service, float(service) ** 2)


def mm1_wait_asymptotic_variance(lam: float, mu: float) -> float:
    """Asymptotic variance σ² of the mean of the successive waits in queue W_1, W_2, … of a
    stationary M/M/1 queue (λ = ``lam``, μ = ``mu``, ρ = λ/μ):

        σ² = Σ_{k=−∞}^{∞} Cov(W_0, W_k) = ρ (2 + 5ρ − 4ρ² + ρ³) / (μ² (1 − ρ)⁴),

    so the average wait of n consecutive customers has Var ≈ σ² / n (Daley 1968; Whitt 1989,
    "Planning queueing simulations"). Large near ρ → 1: long runs are needed for tight waits.

    Reference: Daley, "The serial correlation coefficients of waiting times in a stationary
    single server queue", J. Australian Math. Soc. 8, 1968; Whitt, "Planning queueing
    simulations", Management Science 35(11), 1989.
    """
    lam, mu, _ = _check_stable(lam, mu)
    rho = lam / mu
    return rho * (2 + 5 * rho - 4 * rho**2 + rho**3) / (mu * mu * (1 - rho) ** 4)
