"""The finite range of every number in a scenario file, derived once (README: Ranges).

The schema (schema.py) uses these bounds on its fields, and checks every distribution by the
largest value it can practically draw (``*_upper`` below, from its parameters alone: no
sampling), so that whatever loads also runs: no overflow, no int64 wrap-around, no sampler
that refuses its parameters. The horizon check (a time longer than the run) is in validate.py.

Facts the bounds come from:

* float64 represents every integer up to 2**53 ≈ 9.0e15 exactly; int64 holds up to
  2**63 − 1 ≈ 9.2e18 and wraps around (silently, in numpy's ``astype``) beyond it. A lead time
  of 1e19 days became a negative delay that way.
* ``MAX_QUANTITY`` = 1e9 units: the most a day's demand, an order, a stock level or a policy
  parameter may be. A run within the size limits (limits.py: 1e5 days, 2e4 nodes) then sums at
  most 1e9 × 1e5 × 2e4 = 2e18 units, inside int64, and one node's total over a run (≤ 1e14)
  is exact in float64.
* ``MAX_MONEY`` = 1e12 per unit, unit-day or order: money × quantity × days × nodes stays
  below 1e12 × 1e9 × 1e5 × 2e4 = 2e30, far from float64's 1.8e308. A price is 0 or at least
  ``MIN_PRICE`` = 1e-6, so that the elasticity factor (price / reference)^−ε with ε ≤
  ``MAX_ELASTICITY`` = 10 stays below (1e-6 / 1e12)^−10 = 1e180.
* ``MAX_DAYS_EVER`` = 1e9 days (2.7 million years): any day count (horizon, warm-up, lead
  time, review period, order delay, window). A 3PL's clock counts minutes (× 1440): 1.4e12,
  with float64 steps of 2e-4 minutes there. Times longer than the run itself are refused by
  validate.py; this bound keeps them representable until then.
* ``MAX_COUNT`` = 1e9: replications, pickers, packers, priorities.
* ``MAX_SEED`` = 2**63 − 1: seeds are written to int64 columns of the results.
* ``MAX_COVERAGE_K`` = 40: 1 − exp(−k) rounds to exactly 1 in float64 from k ≈ 37 on, so a
  larger k means nothing more.
* ``MAX_SAFETY_FACTOR`` = 40: a normal tail beyond z ≈ 38.5 is below float64's smallest
  normal number (1e-308); no service level asks for more.
* ``MAX_POPULATION`` = 1e12 people (for reports only).
* ``MIN_CV`` = 1e-6: gamma's shape is 1/cv², which for cv below 1e-154 is infinite.
  ``MIN_NEGBIN_MEAN`` = 1e-6: negbin's r = mean²/(var − mean) underflows to 0 for a tiny mean.
* numpy's Poisson refuses a mean above ``POISSON_LAM_MAX`` ≈ 9.2e18 (and negbin draws a
  Poisson of a gamma draw, so its gamma draws must stay below it).

A random quantity or time must have a mean within its range, and its largest practical draw
must stay below ``MAX_DRAW`` = 2**53: a rare draw beyond the range is then still exact, and sums
stay far from int64's end. A bounded distribution (constant, uniform, triangular, empirical,
step) must stay within the range itself.

Largest practical draw (``TAIL`` = 100: each bound is exceeded with probability below e^−100 ≈
4e-44, i.e. never in 1e5 days × 1e4 replications × 2e4 nodes = 2e13 draws). Sub-gamma
concentration: a Gamma(a, θ) draw exceeds θ·(a + √(2·a·t) + t) with probability ≤ e^−t, a
Poisson(λ) draw λ + √(2·λ·t) + t, and a normal draw mean + √(2·t)·sd. A lognormal
exp(μ + σ·Z) is bounded through its normal Z, an AR(1) through its stationary deviation
sd / √(1 − φ²).
"""

from __future__ import annotations

import math

MAX_QUANTITY = 1e9
MAX_MONEY = 1e12
MIN_PRICE = 1e-6
MAX_ELASTICITY = 10.0
MAX_DAYS_EVER = 10**9
MINUTES_PER_DAY = 1440
MAX_MINUTES = float(MAX_DAYS_EVER * MINUTES_PER_DAY)
MAX_COUNT = 10**9
# a csv file's values may be demand or a time in days: one range serves both
MAX_CSV_VALUE = min(MAX_QUANTITY, MAX_DAYS_EVER)
MAX_SEED = 2**63 - 1
MAX_COVERAGE_K = 40.0
MAX_SAFETY_FACTOR = 40.0
MAX_POPULATION = 1e12
MAX_MARKUP = 1e6  # selling price = purchase × (1 + markup): at most a millionfold
MIN_CV = 1e-6
MAX_CV = 1e3
MIN_NEGBIN_MEAN = 1e-6
POISSON_LAM_MAX = 9.223372006484771e18  # numpy: int64 max − 10·√(int64 max)

MAX_DRAW = 2.0**53  # the largest practical draw of a random quantity or time (see above)
TAIL = 100.0
_NORMAL_Z = math.sqrt(2 * TAIL)  # ≈ 14.1 standard deviations


def shown(x: float, digits: int = 3) -> str:
    """A bound or parameter in messages: 1e9, 2.5, 1.01e304."""
    text = f"{x:.{digits}g}" if isinstance(x, float) or abs(x) >= 1e6 else str(x)
    return text.replace("e+0", "e").replace("e+", "e").replace("e-0", "e-")


def _finite(x: float) -> float:
    return x if math.isfinite(x) else math.inf


def gamma_upper(shape: float, scale: float) -> float:
    """Largest practical draw of Gamma(shape, scale)."""
    return _finite(scale * (shape + math.sqrt(2 * shape * TAIL) + TAIL))


def poisson_upper(mean: float) -> float:
    return _finite(mean + math.sqrt(2 * mean * TAIL) + TAIL)


def normal_upper(mean: float, sd: float) -> float:
    return _finite(mean + _NORMAL_Z * sd)


def gamma_mean_cv_upper(mean: float, cv: float) -> float:
    """Gamma with mean m and cv c: shape 1/c², scale m·c², so m·(1 + √(2t)·c + t·c²)."""
    return _finite(mean * (1 + _NORMAL_Z * cv + TAIL * cv * cv))


def negbin_gamma_upper(mean: float, var: float) -> float:
    """The largest practical gamma draw inside a negbin (shape m²/(v−m), scale (v−m)/m), the
    Poisson mean numpy then draws with."""
    excess = var - mean
    return _finite(mean + math.sqrt(2 * excess * TAIL) + TAIL * excess / mean)


def negbin_upper(mean: float, var: float) -> float:
    return poisson_upper(negbin_gamma_upper(mean, var))


def lognormal_upper(mean: float, cv: float) -> float:
    """σ² = ln(1 + c²), μ = ln m − σ²/2: exp(μ + √(2t)·σ)."""
    var = math.log1p(cv * cv)
    exponent = math.log(mean) - var / 2 + _NORMAL_Z * math.sqrt(var)
    return math.exp(exponent) if exponent < 709 else math.inf


def ar1_upper(mean: float, phi: float, sd: float) -> float:
    return normal_upper(mean, sd / math.sqrt(1 - phi * phi))


def exponential_upper(mean: float) -> float:
    return _finite(mean * (1 + TAIL))
