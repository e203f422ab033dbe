"""Each node's expected daily demand, and its spread, from the scenario alone (no simulation).

One home for "how much will this node be asked per day": the forecasting policies start from it
(``start_demands``, model/forecast.py) and target sizing reads it with its variance
(``daily_moments``, scenario/sizing.py). A node's own demand is its consumers': ``demand:``, a
3PL's ``orders:`` (orders per day × mean size), or a market outlet's equal part of each of its
regions' captured demand (1 − exp(−k · outlets); elasticity and switching left out). A supplier
is asked what its buyers pass on: the sum over its buyers (a split lane its share; otherwise the
buyer's first lane by priority carries it all).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from chainsim.scenario import schema as s
from chainsim.scenario.graph import by_priority, outlet_regions, topological_order


def mean_of(spec) -> float:
    """The mean of a distribution (clipping at 0 ignored; AR(1) its long-run mean; step the
    value after the step; a csv file's values read)."""
    if isinstance(spec, s.Empirical) and spec.values is None:
        return float(np.mean(_csv_values(spec)))
    return spec.mean_value()


def variance_of(spec) -> float:
    """The variance of one draw of a distribution (clipping at 0 ignored; AR(1) its stationary
    variance sd² / (1 − φ²); step and constant 0)."""
    if isinstance(spec, s.Poisson):
        return float(spec.mean)
    if isinstance(spec, s.Normal):
        return spec.sd ** 2
    if isinstance(spec, s.NegBin):
        return float(spec.var)
    if isinstance(spec, s.Gamma | s.LogNormal):
        return (spec.cv * spec.mean) ** 2
    if isinstance(spec, s.Uniform):
        return (spec.high - spec.low) ** 2 / 12
    if isinstance(spec, s.Triangular):
        a, c, b = spec.low, spec.mode, spec.high
        return (a * a + b * b + c * c - a * b - a * c - b * c) / 18
    if isinstance(spec, s.Exponential):
        return spec.mean ** 2
    if isinstance(spec, s.Empirical):
        values = spec.values if spec.values is not None else _csv_values(spec)
        return float(np.var(values))
    if isinstance(spec, s.AR1):
        return spec.sd ** 2 / (1 - spec.phi ** 2)
    return 0.0  # constant, step


def _csv_values(spec) -> list[float]:
    from chainsim.scenario.validate import read_csv_values  # validate imports this module's users

    return read_csv_values(spec.csv)


def _first_day_mean(spec) -> float:
    return spec.before if isinstance(spec, s.Step) else mean_of(spec)


def own_demand(scn: s.Scenario, moment: Callable[[object], float],
               *, thinned: Callable[[object, float, int], float]) -> dict[str, float]:
    """A moment of each node's own consumer demand per day: ``moment(dist)`` of ``demand:``;
    a 3PL's orders through ``thinned(orders, 1, 1)``; a market outlet ``thinned(region demand,
    c, n)``: the region's captured share c = 1 − exp(−k n) spread over its n outlets."""
    own = {n.id: 0.0 for n in scn.nodes}
    for n in scn.nodes:
        if n.demand is not None:
            own[n.id] += moment(n.demand)
        if n.orders is not None:
            own[n.id] += thinned(n.orders, 1.0, 1)
    if scn.market is not None:
        outlets: dict[str, list[str]] = {}
        for n in scn.nodes:
            if n.region is None:
                continue
            for r in outlet_regions(scn, n):
                outlets.setdefault(r, []).append(n.id)
        k = scn.market.coverage.k
        for region in scn.market.regions:
            ids = outlets.get(region.id, [])
            if ids:
                covered = 1 - math.exp(-k * len(ids))
                for nid in ids:
                    own[nid] += thinned(region.demand, covered, len(ids))
    return own


def passed_upstream(scn: s.Scenario, own: dict[str, float], *, power: int = 1) -> dict[str, float]:
    """``own`` plus, for a supplier, the sum over its buyers of their totals × share**power
    (a split lane's share; else 1 on the buyer's first lane by priority and 0 on the others)."""
    lanes_into: dict[str, list] = {}
    for lane in by_priority(scn.lanes):
        lanes_into.setdefault(lane.dst, []).append(lane)
    total = dict(own)
    for nid in reversed(topological_order(scn)):  # buyers before their suppliers
        lanes = lanes_into.get(nid, [])
        for i, lane in enumerate(lanes):
            part = lane.share if lane.share is not None else float(i == 0)
            total[lane.src] += total[nid] * part ** power
    return total


def start_demands(scn: s.Scenario) -> dict[str, float]:
    """Each node's expected daily demand on day 0: its consumers' (``step`` before the step,
    market outlets their equal part of each region's captured demand, a 3PL its orders × mean
    size), and for a supplier the sum over its buyers (split lanes: their share; otherwise
    the buyer's first lane by priority carries it all)."""

    def thinned(spec, covered: float, count: int) -> float:
        if isinstance(spec, s.Orders):
            return spec.per_day * mean_of(spec.size)
        return _first_day_mean(spec) * covered / count

    return passed_upstream(scn, own_demand(scn, _first_day_mean, thinned=thinned))


@dataclass(frozen=True)
class Moments:
    """Long-run mean and variance of a node's daily demand."""

    mean: float
    variance: float


def daily_moments(scn: s.Scenario) -> dict[str, Moments]:
    """Each node's long-run daily demand mean and variance. Means as in ``start_demands`` but
    long-run (``step`` after the step, AR(1) its mean). Variances: a 3PL's compound Poisson
    orders λ E[size²]; a market outlet captures each whole unit with probability p, so
    p² σ² + p (1 − p) μ (binomial thinning); up the chain the buyers' variances add (independent
    buyers; a buyer's orders taken to vary as its demand does), a split lane's × share²."""

    def mean_thinned(spec, covered: float, count: int) -> float:
        if isinstance(spec, s.Orders):
            return spec.per_day * mean_of(spec.size)
        return mean_of(spec) * covered / count

    def var_thinned(spec, covered: float, count: int) -> float:
        if isinstance(spec, s.Orders):
            m = mean_of(spec.size)
            return spec.per_day * (variance_of(spec.size) + m * m)
        p, m = covered / count, mean_of(spec)
        return p * p * variance_of(spec) + p * (1 - p) * m

    means = passed_upstream(scn, own_demand(scn, mean_of, thinned=mean_thinned))
    variances = passed_upstream(scn, own_demand(scn, variance_of, thinned=var_thinned), power=2)
    return {nid: Moments(means[nid], variances[nid]) for nid in means}
