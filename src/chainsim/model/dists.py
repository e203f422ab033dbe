"""Samplers for the scenario's distributions; each draws from an injected numpy Generator.

A sampler's ``take(n)`` returns the next n values of its stream as a numpy array. Stateful
demand processes (AR(1), step) continue where the previous call stopped, so drawing a horizon in
chunks gives the same numbers as drawing it at once. ``Buffered`` serves scalars from chunks,
which keeps the per-day cost to a list index instead of a numpy call.
"""

from __future__ import annotations

import math

import numpy as np

from chainsim.scenario import schema as s
from chainsim.scenario.ranges import MAX_DAYS_EVER


class Sampler:
    """Base: ``take(n)`` -> ndarray of the next n values; ``integer`` if values are whole."""

    integer = False

    def take(self, n: int) -> np.ndarray:
        raise NotImplementedError


class ConstantSampler(Sampler):
    def __init__(self, spec: s.Constant, rng: np.random.Generator):
        self.value = spec.value
        self.integer = float(spec.value).is_integer()

    def take(self, n):
        return np.full(n, int(self.value) if self.integer else self.value)


class PoissonSampler(Sampler):
    integer = True

    def __init__(self, spec: s.Poisson, rng):
        self.mean, self.rng = spec.mean, rng

    def take(self, n):
        return self.rng.poisson(self.mean, n)


class NormalSampler(Sampler):
    """Normal, clipped at 0 (demand and times cannot be negative)."""

    def __init__(self, spec: s.Normal, rng):
        self.mean, self.sd, self.rng = spec.mean, spec.sd, rng

    def take(self, n):
        return np.maximum(self.rng.normal(self.mean, self.sd, n), 0.0)


class NegBinSampler(Sampler):
    """Negative binomial with mean m and variance v: r = m²/(v−m), p = m/v."""

    integer = True

    def __init__(self, spec: s.NegBin, rng):
        self.r = spec.mean**2 / (spec.var - spec.mean)
        self.p = spec.mean / spec.var
        self.rng = rng

    def take(self, n):
        return self.rng.negative_binomial(self.r, self.p, n)


class GammaSampler(Sampler):
    """Gamma with mean m and cv c: shape 1/c², scale m·c²."""

    def __init__(self, spec: s.Gamma, rng):
        self.shape = 1.0 / spec.cv**2
        self.scale = spec.mean * spec.cv**2
        self.rng = rng

    def take(self, n):
        return self.rng.gamma(self.shape, self.scale, n)


class LogNormalSampler(Sampler):
    """Lognormal with mean m and cv c: σ² = ln(1 + c²), μ = ln m − σ²/2."""

    def __init__(self, spec: s.LogNormal, rng):
        var = math.log1p(spec.cv**2)
        self.mu = math.log(spec.mean) - var / 2
        self.sigma = math.sqrt(var)
        self.rng = rng

    def take(self, n):
        return self.rng.lognormal(self.mu, self.sigma, n)


class UniformSampler(Sampler):
    def __init__(self, spec: s.Uniform, rng):
        self.low, self.high, self.rng = spec.low, spec.high, rng

    def take(self, n):
        return self.rng.uniform(self.low, self.high, n)


class TriangularSampler(Sampler):
    def __init__(self, spec: s.Triangular, rng):
        self.args, self.rng = (spec.low, spec.mode, spec.high), rng

    def take(self, n):
        return self.rng.triangular(*self.args, n)


class ExponentialSampler(Sampler):
    def __init__(self, spec: s.Exponential, rng):
        self.mean, self.rng = spec.mean, rng

    def take(self, n):
        return self.rng.exponential(self.mean, n)


class EmpiricalSampler(Sampler):
    """Resamples the given values uniformly with replacement."""

    def __init__(self, spec: s.Empirical, rng):
        if spec.values is not None:
            values = spec.values
        else:
            from chainsim.scenario.validate import read_csv_values

            values = read_csv_values(spec.csv)
        self.integer = all(float(v).is_integer() for v in values)
        self.values = np.asarray(values, dtype=np.int64 if self.integer else float)
        self.rng = rng

    def take(self, n):
        return self.values[self.rng.integers(0, len(self.values), n)]


class AR1Sampler(Sampler):
    """x_t = mean + phi (x_{t−1} − mean) + e_t, e_t ~ N(0, sd²); starts at the mean; values
    handed out are clipped at 0, the process itself is not."""

    def __init__(self, spec: s.AR1, rng):
        self.mean, self.phi, self.sd, self.rng = spec.mean, spec.phi, spec.sd, rng
        self.dev = 0.0  # x_{t-1} - mean

    def take(self, n):
        eps = self.rng.normal(0.0, self.sd, n)
        out = np.empty(n)
        dev, phi = self.dev, self.phi
        for i in range(n):
            dev = phi * dev + eps[i]
            out[i] = dev
        self.dev = dev
        return np.maximum(out + self.mean, 0.0)


class StepSampler(Sampler):
    """``before`` on days < ``day`` (counted from the start of the run), ``after`` from then on."""

    def __init__(self, spec: s.Step, rng):
        self.before, self.after, self.day = spec.before, spec.after, spec.day
        self.integer = float(spec.before).is_integer() and float(spec.after).is_integer()
        self.t = 0

    def take(self, n):
        days = np.arange(self.t, self.t + n)
        self.t += n
        out = np.where(days < self.day, self.before, self.after)
        return out.astype(np.int64) if self.integer else out


SAMPLERS: dict[type, type[Sampler]] = {
    s.Constant: ConstantSampler,
    s.Poisson: PoissonSampler,
    s.Normal: NormalSampler,
    s.NegBin: NegBinSampler,
    s.Gamma: GammaSampler,
    s.LogNormal: LogNormalSampler,
    s.Uniform: UniformSampler,
    s.Triangular: TriangularSampler,
    s.Exponential: ExponentialSampler,
    s.Empirical: EmpiricalSampler,
    s.AR1: AR1Sampler,
    s.Step: StepSampler,
}


def mean_of(spec) -> float:
    """The mean of a distribution (clipping at 0 ignored; AR(1) its long-run mean; step the
    value after the step)."""
    if isinstance(spec, s.Empirical) and spec.values is None:
        from chainsim.scenario.validate import read_csv_values

        return float(np.mean(read_csv_values(spec.csv)))
    return spec.mean_value()


def integer_valued(spec) -> bool:
    """Whether a distribution only gives whole numbers (its sampler says so; no draws made)."""
    return make_sampler(spec, np.random.Generator(np.random.PCG64(0))).integer


def make_sampler(spec, rng: np.random.Generator) -> Sampler:
    return SAMPLERS[type(spec)](spec, rng)


CHUNK = 256  # values drawn per call; a stream's numbers do not depend on it


class Buffered:
    """Scalars from a sampler, drawn ``chunk`` at a time; ``transform`` maps each chunk."""

    __slots__ = ("sampler", "chunk", "buf", "i", "transform")

    def __init__(self, sampler: Sampler, transform=None, chunk: int = CHUNK):
        self.sampler, self.chunk, self.transform = sampler, chunk, transform
        self.buf: list = []
        self.i = 0

    def __call__(self):
        i = self.i
        if i >= len(self.buf):
            arr = self.sampler.take(self.chunk)
            if self.transform is not None:
                arr = self.transform(arr)
            self.buf = arr.tolist()
            i = 0
        self.i = i + 1
        return self.buf[i]


def whole_days(arr: np.ndarray) -> np.ndarray:
    """Lead times in whole days: a shipment that arrives at time t+x is received on day
    ⌈t+x⌉'s receiving step (a small tolerance absorbs float noise in integer values). The
    schema keeps times within MAX_DAYS_EVER (README: Ranges); the clip makes sure that no draw
    beyond it wraps around int64 into a negative delay."""
    days = np.clip(np.ceil(np.asarray(arr, dtype=float) - 1e-9), 0, MAX_DAYS_EVER)
    return days.astype(np.int64)


class ConstantLead:
    """A lead time that never varies: no draws (retail groups read ``value`` directly)."""

    __slots__ = ("value",)

    def __init__(self, value: int):
        self.value = value

    def __call__(self) -> int:
        return self.value


def lead_time_source(spec, rng: np.random.Generator):
    """A zero-argument callable giving the next lead time in whole days (constant: no draws)."""
    if isinstance(spec, s.Constant):
        return ConstantLead(int(whole_days(np.array([spec.value]))[0]))
    return Buffered(make_sampler(spec, rng), transform=whole_days)


def rounded(arr: np.ndarray) -> np.ndarray:
    """Whole units, for a node that says ``integer: true`` about a continuous demand."""
    return np.rint(arr).astype(np.int64)


def demand_draws(spec, rng: np.random.Generator, integer: bool | None):
    """(sampler, transform or None) of a node's demand; ``integer: true`` rounds."""
    sampler = make_sampler(spec, rng)
    return sampler, (rounded if integer and not sampler.integer else None)


def demand_source(spec, rng: np.random.Generator, integer: bool | None):
    """The next-demand callable of a node (daily values drawn CHUNK days at a time)."""
    return Buffered(*demand_draws(spec, rng, integer))
