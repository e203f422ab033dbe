"""Stock levels from a service target (README: Sizing a policy from a service target).

A ``base_stock``, ``sS`` or ``rQ`` policy may give ``target: {fill_rate: β}`` or
``target: {cycle_service_level: α}`` instead of its levels. `size_scenario` computes them before
anything runs, so every later consumer (engine, writers, sweeps, compare) sees plain numbers and
a resolved scenario reruns without this module. `records` tells what was sized; `as_written`
gives the scenario back with the targets in place of the sized levels (what `with_values` and
sweeps vary, so that a changed lead time or target is sized again).

What a node is asked per day (mean μ, variance σ²) comes from scenario/expected.py: its own
consumers', plus what its buyers pass on (means add; variances add for independent buyers; a
buyer's orders are taken to vary as its demand does, which holds for daily base stock and is
optimistic under lot sizing or forecasting). Its lead time L is the supplying lane's (a split:
the mixture of its lanes by share), in whole days as chainsim rounds it (up), plus the lane's
``order_delay``; a producing manufacturer's ``production_lead_time`` (capacity left out); the
supplier is taken to ship on time. R is ``review_days``.

Day convention (README: Time and event conventions; chainsim.theory): with IP = y after a review,
the end-of-day net inventory j days later (j = 0 .. R − 1) is y − X_{L+1+j}, X_n the demand of n
days; so a review protects L + R days, L + 1 under daily review. The metrics sized for are
chainsim's own (README: Metrics), long-run:

- cycle_service_level = E_y[(1/R) Σ_j P(X_{L+1+j} ≤ y)] (the share of days without backorders;
  with R = 1 the textbook P(X_{L+1} ≤ S));
- fill_rate = 1 − E_y[E(X_{L+R} − y)⁺ − E(X_L − y)⁺] / (μ R): the two-term shortage per review
  cycle (Silver, Pyke & Thomas, *Inventory and Production Management in Supply Chains*, 4th
  ed., 2017, §6.7 and §7.3; Zipkin, *Foundations of Inventory Management*, 2000, §6.2).

E_y is over the IP just after a review: y = S for base stock (Zipkin §6.2); uniform on
r + 1 .. r + Q for (r, Q) (Hadley & Whitin 1963; Zipkin §6.5); for (s, S) with discrete demand
the exact renewal law, P(IP = S − k) ∝ u(k), k < S − s, u the renewal mass function of the
positive R-day demands (Zipkin §6.7; Axsäter, *Inventory Control*, 3rd ed., 2015, §4.4), and
for continuous demand uniform on (s, S] (Silver–Pyke–Thomas' approximation without undershoot:
conservative, as the IP sits at S more often). So an (s, S) shortage per replenishment cycle
≤ (1 − β) Q is the same condition, over a cycle instead of a day.

X_n is exact for Poisson (and negative binomial, whose n-day sums are negative binomial) and
constant demand; any other demand uses the normal approximation with the n-day mean and
variance (an AR(1)'s n-day variance with its autocorrelation), loss σ G(z) (Silver–Pyke–Thomas
§B). A random lead time mixes X over the whole-day lead's law, which adds μ² Var(L) to the
variance. Levels are the smallest that meet the target (whole units where demand comes in whole
units, else rounded up to 0.01). Q (and S − s) is the EOQ √(2 K μ / h) with K = ``costs.order``
and h = ``costs.holding`` (Harris 1913; Silver–Pyke–Thomas §5.2); when K or h is 0 or the EOQ is
below one review's demand, max(μ R, 1); then at least the MOQ (the policy's ``moq`` or the
supplier's ``min_order``) and rounded up to the case pack ``multiple``. An ``rQ`` may give
``Q`` itself (only r is sized). MOQ and case packs on the orders themselves are left out, and
a node with ``unmet: lost`` is sized as if it backordered (it then serves at least as well).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from chainsim import theory
from chainsim.errors import Problem
from chainsim.scenario import schema as s
from chainsim.scenario.expected import Moments, daily_moments, mean_of
from chainsim.scenario.graph import downstream, lanes_into
from chainsim.scenario.positions import locate
from chainsim.scenario.ranges import MAX_QUANTITY

_TAIL = 1e-12  # probability left out of a whole-day lead time's law
_GRID = 200  # points of a continuous uniform IP law
_RENEWAL_MAX = 20000  # above this many states an (s, S) IP law is taken uniform


# --------------------------------------------------------------------------- records
@dataclass(frozen=True)
class Sized:
    """One node's policy sized from its target: what ``chainsim validate`` prints."""

    node: str
    policy: str
    levels: tuple[tuple[str, float], ...]
    target: str  # cycle_service_level | fill_rate
    value: float
    written: dict  # the policy as written (with its target), for `as_written`

    def line(self) -> str:
        """e.g. ``shop: sS s=37 S=95 from fill_rate 0.98``."""
        shown = " ".join(f"{k}={v:.10g}" for k, v in self.levels)
        return f"{self.node}: {self.policy} {shown} from {self.target} {self.value:g}"


def records(scn: s.Scenario) -> tuple[Sized, ...]:
    """The policies of ``scn`` that were sized from a target when it was loaded."""
    return getattr(scn, "_sized", None) or ()


def as_written(scn: s.Scenario, **dump: Any) -> dict:
    """``scn`` as a plain dict (``model_dump(by_alias=True)``, or with the ``dump`` options)
    with each sized policy as it was written, target and all: the base that dotted paths
    (with_values, sweeps) change before the result is loaded, and sized, again."""
    data = scn.model_dump(**(dump or {"by_alias": True}))
    sized = {r.node: r.written for r in records(scn)}
    for node in data["nodes"]:
        if node["id"] in sized:
            node["policy"] = dict(sized[node["id"]])
    return data


# --------------------------------------------------------------------------- demand models
class _Model:
    """The demand of n days, X_n: ``cdf(n, y)`` = P(X_n ≤ y), ``loss(n, y)`` = E(X_n − y)⁺ for
    an array y; ``pmf(n, k)`` for discrete ones (None otherwise)."""

    discrete = False

    def __init__(self, mean: float):
        self.mean = mean

    def pmf(self, n: int, size: int) -> np.ndarray | None:
        return None


class _Poisson(_Model):
    discrete = True

    def cdf(self, n, y):
        return stats.poisson.cdf(np.floor(y), self.mean * n)

    def loss(self, n, y):
        return np.asarray(theory.poisson_loss(y, self.mean * n), dtype=float)

    def pmf(self, n, size):
        return stats.poisson.pmf(np.arange(size), self.mean * n)


class _NegBin(_Model):
    """n-day sums of i.i.d. NB(r, p) are NB(n r, p)."""

    discrete = True

    def __init__(self, mean: float, var: float):
        super().__init__(mean)
        self.var = var

    def _dist(self, n):
        return stats.nbinom(n * self.mean ** 2 / (self.var - self.mean), self.mean / self.var)

    def cdf(self, n, y):
        if n == 0:
            return (np.asarray(y) >= 0).astype(float)
        return self._dist(n).cdf(np.floor(y))

    def loss(self, n, y):
        """E(X − y)⁺ = E X − y + E(y − X)⁺, and E(y − X)⁺ = y F(k) − E[X 1{X ≤ k}], k = ⌊y⌋,
        with E[X 1{X ≤ k}] = E X · F_{r+1}(k − 1) (k p_r(k) = (r (1 − p) / p) p_{r+1}(k − 1))."""
        y = np.asarray(y, dtype=float)
        if n == 0:
            return np.maximum(-y, 0.0)
        k = np.floor(y)
        r, p = n * self.mean ** 2 / (self.var - self.mean), self.mean / self.var
        below = y * stats.nbinom.cdf(k, r, p) - self.mean * n * stats.nbinom.cdf(k - 1, r + 1, p)
        return self.mean * n - y + np.where(k >= 0, below, 0.0)

    def pmf(self, n, size):
        return self._dist(n).pmf(np.arange(size))


class _Constant(_Model):
    discrete = True

    def cdf(self, n, y):
        return (np.asarray(y) >= self.mean * n - 1e-9).astype(float)

    def loss(self, n, y):
        return np.maximum(self.mean * n - np.asarray(y, dtype=float), 0.0)

    def pmf(self, n, size):
        value = self.mean * n
        out = np.zeros(size)
        if float(value).is_integer() and value < size:
            out[int(value)] = 1.0
            return out
        return None


class _Normal(_Model):
    """Normal approximation: X_n ~ N(μ n, v(n)); v(n) = n σ², or an AR(1)'s n-day variance."""

    def __init__(self, mean: float, n_var: Callable[[int], float]):
        super().__init__(mean)
        self.n_var = n_var

    def _z(self, n, y):
        sd = math.sqrt(max(self.n_var(n), 0.0))
        return sd, (np.asarray(y, dtype=float) - self.mean * n) / sd if sd > 0 else None

    def cdf(self, n, y):
        sd, z = self._z(n, y)
        return stats.norm.cdf(z) if z is not None else (np.asarray(y) >= self.mean * n).astype(float)

    def loss(self, n, y):
        sd, z = self._z(n, y)
        if z is None:
            return np.maximum(self.mean * n - np.asarray(y, dtype=float), 0.0)
        return sd * theory.normal_loss(z)


def _ar1_n_var(spec: s.AR1) -> Callable[[int], float]:
    """Var(x_1 + … + x_n) of a stationary AR(1): σ_x² [n + 2 Σ_{k<n} (n − k) φ^k]."""
    var_x = spec.sd ** 2 / (1 - spec.phi ** 2)

    def n_var(n: int) -> float:
        ks = np.arange(1, n)
        return var_x * (n + 2 * float(np.sum((n - ks) * spec.phi ** ks)))

    return n_var


# --------------------------------------------------------------------------- the node's inputs
class CannotSize(Exception):
    """A target that cannot be met by sizing: the message says why and what to give instead."""


def _consumer_specs(scn: s.Scenario, node_ids: list[str]) -> list[Any]:
    """The consumer demand distributions that reach the given nodes' own demand."""
    out: list[Any] = []
    for nid in node_ids:
        n = scn.node(nid)
        if n.demand is not None:
            out.append(n.demand)
        if n.orders is not None:
            out.append(n.orders)
        if n.region is not None and scn.market is not None:
            wanted = [n.region] if isinstance(n.region, str) else n.region
            out += [r.demand for r in scn.market.regions if "all" in wanted or r.id in wanted]
    return out


def _whole(spec) -> bool:
    """A distribution that only draws whole numbers (as model.dists' samplers decide)."""
    if isinstance(spec, s.Poisson | s.NegBin):
        return True
    if isinstance(spec, s.Constant):
        return float(spec.value).is_integer()
    if isinstance(spec, s.Step):
        return float(spec.before).is_integer() and float(spec.after).is_integer()
    if isinstance(spec, s.Empirical) and spec.values is not None:
        return all(float(v).is_integer() for v in spec.values)
    return False


def demand_model(scn: s.Scenario, node: s.Node, moments: Moments) -> tuple[_Model, bool]:
    """X_n of the node and whether its quantities are whole units."""
    served = [node.id, *downstream(scn, node.id)]
    for nid in served[1:]:
        buyer = scn.node(nid)
        if buyer.policy is not None and buyer.policy.type in ("forecast_out", "sterman"):
            raise CannotSize(
                f"it supplies '{nid}', whose {buyer.policy.type} orders vary in a way chainsim "
                "cannot predict from the scenario; give the levels instead of target (e.g. "
                f"{_example(node.policy)})")
    specs = _consumer_specs(scn, served)
    mu, var = moments.mean, moments.variance
    if not specs or mu <= 0:
        raise CannotSize(f"no demand reaches it (expected {mu:g} units a day), so no level "
                         f"meets a target; give the levels instead (e.g. {_example(node.policy)})")
    regions = _region_specs(scn)
    whole = node.integer if node.integer is not None else all(
        isinstance(d, s.Orders) or _whole(d) or any(d is r for r in regions) for d in specs)
    only = specs[0] if len(specs) == 1 and node.demand is specs[0] else None
    if all(isinstance(d, s.Constant) for d in specs) or (var == 0 and only is not None):
        return _Constant(mu), whole
    poissonish = all(isinstance(d, s.Poisson) or (isinstance(d, s.Orders) and _unit_orders(d))
                     for d in specs)
    if poissonish and math.isclose(var, mu, rel_tol=1e-9):
        return _Poisson(mu), True
    if all(isinstance(d, s.NegBin) for d in specs) and var > mu:
        return _NegBin(mu, var), True
    if isinstance(only, s.AR1):
        return _Normal(mu, _ar1_n_var(only)), whole
    return _Normal(mu, lambda n: n * var), whole


def _region_specs(scn: s.Scenario) -> list[Any]:
    """Market regions' demand: captured one whole unit at a time."""
    return [r.demand for r in scn.market.regions] if scn.market is not None else []


def _unit_orders(orders: s.Orders) -> bool:
    return isinstance(orders.size, s.Constant) and orders.size.value <= 1


def _example(policy) -> str:
    return {"base_stock": "S: 40", "sS": "s: 20, S: 60"}.get(policy.type, "r: 20, Q: 40")


def whole_day_lead(spec) -> dict[int, float]:
    """The law of a lead time in whole days, as chainsim rounds each draw (up; README: Random
    lead times); its tail beyond 1 − 1e-12 left out and the rest renormalised."""
    if isinstance(spec, s.Constant):
        return {math.ceil(spec.value - 1e-9): 1.0}
    if isinstance(spec, s.Empirical):
        values = spec.values if spec.values is not None else _csv(spec)
        days = [math.ceil(v - 1e-9) for v in values]
        return {d: days.count(d) / len(days) for d in sorted(set(days))}
    dist = _scipy_lead(spec)
    top = int(math.ceil(dist.isf(_TAIL))) + 1
    cdf = dist.cdf(np.arange(top + 1))
    probs = np.diff(np.concatenate([[0.0], cdf]))
    probs = probs / probs.sum()
    return {k: float(p) for k, p in enumerate(probs) if p > 0}


def _csv(spec) -> list[float]:
    from chainsim.scenario.validate import read_csv_values

    return read_csv_values(spec.csv)


def _scipy_lead(spec):
    if isinstance(spec, s.Poisson):
        return stats.poisson(spec.mean)
    if isinstance(spec, s.NegBin):
        return stats.nbinom(spec.mean ** 2 / (spec.var - spec.mean), spec.mean / spec.var)
    if isinstance(spec, s.Normal):  # clipped at 0: P(X ≤ 0) lands on day 0
        return stats.norm(spec.mean, spec.sd) if spec.sd > 0 else stats.uniform(spec.mean, 0)
    if isinstance(spec, s.Gamma):
        return stats.gamma(1 / spec.cv ** 2, scale=spec.mean * spec.cv ** 2)
    if isinstance(spec, s.LogNormal):
        sigma2 = math.log1p(spec.cv ** 2)
        return stats.lognorm(math.sqrt(sigma2), scale=spec.mean * math.exp(-sigma2 / 2))
    if isinstance(spec, s.Uniform):
        return stats.uniform(spec.low, spec.high - spec.low)
    if isinstance(spec, s.Triangular):
        width = spec.high - spec.low
        return stats.triang((spec.mode - spec.low) / width, loc=spec.low, scale=width)
    return stats.expon(scale=spec.mean)  # exponential


def node_lead(scn: s.Scenario, node: s.Node) -> dict[int, float]:
    """The node's replenishment lead in whole days: its supplying lane's lead plus order delay
    (a split: the lanes mixed by share; otherwise the first lane by priority), or a producing
    manufacturer's production lead time."""
    lanes = lanes_into(scn, node.id)
    if not lanes:
        spec = node.production_lead_time
        return whole_day_lead(spec) if spec is not None else {0: 1.0}
    if node.sourcing.rule != "split":
        lanes = lanes[:1]
    out: dict[int, float] = {}
    for lane in lanes:
        weight = lane.share if len(lanes) > 1 else 1.0
        for days, p in whole_day_lead(lane.lead_time).items():
            out[days + lane.order_delay] = out.get(days + lane.order_delay, 0.0) + weight * p
    return out


# --------------------------------------------------------------------------- the service formulas
@dataclass(frozen=True)
class Exposure:
    """A node's demand over its lead time and review period (the module docstring)."""

    model: _Model
    lead: dict[int, float]  # whole days -> probability
    review: int

    def cdf(self, k: int, y) -> np.ndarray:
        """P(X_{L+k} ≤ y), L random."""
        return sum(p * self.model.cdf(days + k, y) for days, p in self.lead.items())

    def loss(self, k: int, y) -> np.ndarray:
        """E(X_{L+k} − y)⁺, L random."""
        return sum(p * self.model.loss(days + k, y) for days, p in self.lead.items())

    def service(self, kind: str, levels: np.ndarray, weights: np.ndarray) -> float:
        """The long-run metric ``kind`` when the IP just after a review is ``levels`` with
        probabilities ``weights``."""
        R = self.review
        if kind == "cycle_service_level":
            per_day = sum(self.cdf(1 + j, levels) for j in range(R)) / R
            return float(np.dot(weights, per_day))
        short = self.loss(R, levels) - self.loss(0, levels)
        return 1.0 - float(np.dot(weights, short)) / (self.model.mean * R)

    def spread(self) -> tuple[float, float]:
        """Mean and a generous standard deviation of X_{L+R} (for the search's first bracket)."""
        mean_days = sum(d * p for d, p in self.lead.items()) + self.review
        var_days = sum(d * d * p for d, p in self.lead.items()) - (mean_days - self.review) ** 2
        mu = self.model.mean
        var = getattr(self.model, "var", mu) * mean_days + mu * mu * max(var_days, 0.0)
        if isinstance(self.model, _Normal):
            var = self.model.n_var(max(1, math.ceil(mean_days))) + mu * mu * max(var_days, 0.0)
        return mu * mean_days, math.sqrt(max(var, 0.0))


def smallest_level(meets: Callable[[float], bool], start: float, lowest: float,
                   whole: bool) -> float:
    """The smallest t (whole, or to 0.01) with ``meets(t)``, ``meets`` monotone in t and false
    at ``lowest``; the search doubles past ``start`` until it holds."""
    lo, hi = lowest, max(start, lowest + 1)
    while not meets(hi):
        if hi >= MAX_QUANTITY:
            raise CannotSize(f"meeting it needs levels above {MAX_QUANTITY:g} units, the most a "
                             "level may be (README: Ranges); lower the target or give the levels")
        lo, hi = hi, min(hi + 2 * (hi - lowest) + 10, MAX_QUANTITY)
    if whole:
        lo, hi = math.floor(lo), math.ceil(hi)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            lo, hi = (lo, mid) if meets(mid) else (mid, hi)
        return float(hi)
    for _ in range(100):
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if meets(mid) else (mid, hi)
        if hi - lo < 1e-4:
            break
    return math.ceil(hi * 100 - 1e-6) / 100


def ip_law(policy: str, Q: float, exposure: Exposure, whole: bool) -> tuple[np.ndarray, np.ndarray]:
    """Offsets o and probabilities of the IP just after a review, IP = t + o with t the level
    searched (S for base stock, r for rQ, s for sS; the module docstring)."""
    if policy == "base_stock":
        return np.zeros(1), np.ones(1)
    if whole:
        offsets = np.arange(1, int(Q) + 1, dtype=float)
        if policy == "sS" and int(Q) <= _RENEWAL_MAX:
            u = _renewal(exposure.model, exposure.review, int(Q))
            if u is not None:  # P(IP = S − k) ∝ u(k): offsets Q − k
                return offsets, (u[::-1] / u.sum())
        return offsets, np.full(len(offsets), 1 / len(offsets))
    offsets = (np.arange(_GRID) + 0.5) / _GRID * Q
    return offsets, np.full(_GRID, 1 / _GRID)


def _renewal(model: _Model, review: int, Q: int) -> np.ndarray | None:
    """u(0..Q−1): the probability that the running sum of the positive review-period demands
    hits k (u(0) = 1); None where the demand has no pmf."""
    p = model.pmf(review, Q + 1)
    if p is None or p[0] >= 1:
        return None
    q = p / (1 - p[0])
    q[0] = 0.0
    u = np.zeros(Q)
    u[0] = 1.0
    for k in range(1, Q):
        u[k] = float(np.dot(q[1:k + 1], u[k - 1::-1]))
    return u


def lot_size(node: s.Node, supplier_moq: float, mean: float, whole: bool) -> float:
    """Q for sS (S − s) and rQ: EOQ, or max(μ R, 1) when K or h is 0 or the EOQ is below one
    review's demand; at least the MOQ; rounded up to the case pack."""
    K, h, R = node.costs.order, node.costs.holding, node.policy.review_days
    eoq = math.sqrt(2 * K * mean / h) if K > 0 and h > 0 else 0.0
    q = eoq if eoq >= mean * R else max(mean * R, 1.0)
    q = max(q, node.policy.moq, supplier_moq)
    if node.policy.multiple:
        m = node.policy.multiple
        q = math.ceil(q / m - 1e-9) * m
    return float(math.ceil(q - 1e-9)) if whole else math.ceil(q * 100 - 1e-6) / 100


def size_policy(scn: s.Scenario, node: s.Node, moments: Moments) -> dict[str, float]:
    """The levels that meet the node's target (the module docstring)."""
    policy = node.policy
    model, whole = demand_model(scn, node, moments)
    exposure = Exposure(model, node_lead(scn, node), policy.review_days)
    kind, value = policy.target.kind, policy.target.value
    Q = 0.0
    if policy.type != "base_stock":
        given = getattr(policy, "Q", None)
        lanes = lanes_into(scn, node.id)
        moq = max((scn.node(ln.src).min_order for ln in lanes), default=0.0)
        Q = given if given is not None else lot_size(node, moq, model.mean, whole)
    offsets, weights = ip_law(policy.type, Q, exposure, whole)

    def meets(t: float) -> bool:
        return exposure.service(kind, t + offsets, weights) >= value

    mean, sd = exposure.spread()
    t = smallest_level(meets, min(mean + 6 * sd + 1, MAX_QUANTITY), -float(offsets.max()) - 1,
                       whole)
    levels = ({"S": t} if policy.type == "base_stock" else
              {"s": t, "S": t + Q} if policy.type == "sS" else {"r": t, "Q": Q})
    for name, level in levels.items():
        if abs(level) > MAX_QUANTITY:
            raise CannotSize(f"it needs {name} = {level:.4g} units, more than {MAX_QUANTITY:g}, "
                             "the most a level may be (README: Ranges); lower the target or "
                             "give the levels")
    return levels


# --------------------------------------------------------------------------- the loader's step
def size_scenario(scn: s.Scenario, raw: Any, file: str) -> tuple[s.Scenario, list[Problem]]:
    """``scn`` with every target replaced by the levels it computes (and `records` kept), or
    the problems of the targets that cannot be sized, each at its target's line."""
    todo = [(i, n) for i, n in enumerate(scn.nodes)
            if isinstance(n.policy, s.SIZED_POLICIES) and n.policy.target is not None]
    if not todo:
        return scn, []
    moments = daily_moments(scn)
    nodes = list(scn.nodes)
    sized: list[Sized] = []
    problems: list[Problem] = []
    for i, node in todo:
        policy = node.policy
        try:
            levels = size_policy(scn, node, moments[node.id])
        except CannotSize as exc:
            problems.append(Problem(*locate(raw, ("nodes", i, "policy", "target"), file),
                                    f"node '{node.id}' cannot be sized from its target: {exc}"))
            continue
        written = policy.model_dump(mode="json", by_alias=True, exclude_none=True)
        plain_policy = type(policy).model_validate(
            {**policy.model_dump(exclude={"target"}), **levels})
        nodes[i] = node.model_copy(update={"policy": plain_policy})
        sized.append(Sized(node.id, policy.type, tuple(levels.items()), policy.target.kind,
                           policy.target.value, written))
    if problems:
        return scn, problems
    out = scn.model_copy(update={"nodes": nodes})
    out._sized = tuple(sized)
    return out, []


__all__ = ["Sized", "as_written", "mean_of", "records", "size_scenario"]
