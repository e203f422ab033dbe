"""Policies that order from a forecast of demand: ``forecast_out`` (order-up-to a forecast of
the demand over lead time + review, the textbook source of the bullwhip effect) and ``sterman``
(Sterman's 1989 anchor-and-adjust rule, how people order in the Beer Game).

Both learn after every day: the engine calls ``observe_day`` at the end of each day with the
day's demand still on the nodes they ``watch`` (the node itself, or with ``signal: consumer``
the demand nodes it serves — information sharing). A review on day t therefore uses the demand
observed up to day t − 1 (README: Results).
"""

from __future__ import annotations

import math
from collections import deque

from chainsim.model.policies import POLICIES, Policy
from chainsim.scenario import schema as s


class MovingAverage:
    """Mean and sample standard deviation of the last ``window`` values (kept as running sums,
    recomputed from the window once per window length so rounding errors cannot build up)."""

    def __init__(self, window: int, start: float):
        self.window = window
        self.values = deque([start] * window, maxlen=window)
        self.added = 0
        self._resum()

    def _resum(self):
        self.total = math.fsum(self.values)
        self.total_sq = math.fsum(v * v for v in self.values)

    def add(self, x: float):
        old = self.values[0]
        self.values.append(x)
        self.added += 1
        if self.added % self.window == 0:
            self._resum()
        else:
            self.total += x - old
            self.total_sq += x * x - old * old

    @property
    def mean(self) -> float:
        return self.total / self.window

    def sd(self) -> float:
        p = self.window
        if p < 2:
            return 0.0
        var = (self.total_sq - self.total * self.total / p) / (p - 1)
        return math.sqrt(var) if var > 0 else 0.0


class ExpSmoothing:
    """F ← F + α (x − F); the spread is the smoothed squared one-step error (starts at 0)."""

    def __init__(self, alpha: float, start: float):
        self.alpha = alpha
        self.mean = start
        self.var = 0.0

    def add(self, x: float):
        e = x - self.mean
        self.mean += self.alpha * e
        self.var += self.alpha * (e * e - self.var)

    def sd(self) -> float:
        return math.sqrt(self.var)


def _whole(x: float) -> float:
    """Round half up (orders of an integer-valued network)."""
    return math.floor(x + 0.5)


class ForecastOutPolicy(Policy):
    """Order up to (L + R) F + k σ̂ √(L + R): F and σ̂ the forecast of daily demand and its
    spread, L the supplying lane's mean lead time (plus its order delay), R the review period."""

    def __init__(self, spec: s.ForecastOut, *, lead: float = 0.0, start: float = 0.0,
                 integer: bool = False):
        if spec.initial_forecast is not None:
            start = spec.initial_forecast
        self.cover = lead + spec.review_days
        self.safety = spec.safety_factor * math.sqrt(self.cover)
        if spec.method == "moving_average":
            self.forecast = MovingAverage(spec.window, start)
        else:
            self.forecast = ExpSmoothing(spec.alpha, start)
        self.integer = integer
        self.level = self._level()
        if integer:
            self.level = _whole(self.level)

    def _level(self) -> float:
        f = self.forecast
        level = self.cover * f.mean
        return level + self.safety * f.sd() if self.safety else level

    def need(self, ip):
        q = self._level() - ip
        return _whole(q) if self.integer else q

    def observe_day(self):
        self.forecast.add(sum(n.day_asked for n in self.watches))


class StermanPolicy(Policy):
    """order = max(0, L̂ + α_S (S' − stock − β · supply line)), stock = on hand − backorders,
    supply line = on order; L̂ ← θ D + (1 − θ) L̂ after each day. With the defaults (Sterman's
    estimates) a Beer Game tier in equilibrium at 4 a week holds S' − β · 4 · 4 ≈ 12 cases."""

    def __init__(self, spec: s.Sterman, *, lead: float = 0.0, start: float = 0.0,
                 integer: bool = False):
        if spec.initial_forecast is not None:
            start = spec.initial_forecast
        self.expected = start
        self.alpha_s, self.beta, self.theta = spec.alpha_s, spec.beta, spec.theta
        self.target = spec.target_stock
        self.integer = integer
        # the stock that keeps orders at the expected demand with a full supply line
        self.level = max(self.target - self.beta * start * (lead + spec.review_days - 1), 0.0)
        if integer:
            self.level = _whole(self.level)
        self.node = None

    def bind(self, node):
        self.node = node

    def need(self, ip):
        on_order = self.node.on_order
        stock = ip - on_order
        q = self.expected + self.alpha_s * (self.target - stock - self.beta * on_order)
        if q <= 0:
            return 0
        return _whole(q) if self.integer else q

    def observe_day(self):
        d = sum(n.day_asked for n in self.watches)
        self.expected += self.theta * (d - self.expected)


POLICIES.update({s.ForecastOut: ForecastOutPolicy, s.Sterman: StermanPolicy})
FORECASTING = (s.ForecastOut, s.Sterman)
