"""Samplers (model/dists.py) against their formulas: moments of many draws, support, state.

Tolerances come from standard errors: |sample mean − μ| < 5·σ/√n and
|sample variance − σ²| < 5·√((m₄ − σ⁴)/n), with m₄ the sample's 4th central moment (the
asymptotic variance of the sample variance). With fixed seeds the tests are deterministic; with a
correct sampler each check would fail by chance with probability below 1e-6.
"""

from __future__ import annotations

import math
import typing

import numpy as np
import pytest

from chainsim.model import dists as d
from chainsim.scenario import schema as s

N = 200_000
K = 5  # standard errors


def rng(seed: int = 20240601) -> np.random.Generator:
    return np.random.default_rng(seed)


def assert_moments(x: np.ndarray, mean: float, var: float) -> None:
    n = len(x)
    se_mean = math.sqrt(var / n)
    assert abs(x.mean() - mean) < K * se_mean, (x.mean(), mean, se_mean)
    m4 = float(np.mean((x - x.mean()) ** 4))
    se_var = math.sqrt(max(m4 - var**2, 0.0) / n)
    assert abs(x.var(ddof=1) - var) < K * se_var, (x.var(ddof=1), var, se_var)


# (spec, mean, variance) from the textbook formulas of each family
MOMENT_CASES = [
    (s.Poisson(dist="poisson", mean=8), 8.0, 8.0),
    (s.Normal(dist="normal", mean=10, sd=2), 10.0, 4.0),  # P(clip) = Φ(−5) ≈ 3e-7: negligible
    (s.NegBin(dist="negbin", mean=20, var=60), 20.0, 60.0),
    (s.Gamma(dist="gamma", mean=3, cv=0.5), 3.0, (3 * 0.5) ** 2),
    (s.LogNormal(dist="lognormal", mean=5, cv=0.4), 5.0, (5 * 0.4) ** 2),
    (s.Uniform(dist="uniform", low=2, high=5), 3.5, 3**2 / 12),
    # triangular(a, c, b): mean (a+b+c)/3, var (a²+b²+c²−ab−ac−bc)/18
    (s.Triangular(dist="triangular", low=5, mode=7, high=12), 8.0,
     (25 + 144 + 49 - 60 - 35 - 84) / 18),
    (s.Exponential(dist="exponential", mean=3), 3.0, 9.0),
]


@pytest.mark.parametrize("spec, mean, var", MOMENT_CASES, ids=[c[0].dist for c in MOMENT_CASES])
def test_moments(spec, mean, var):
    x = d.make_sampler(spec, rng()).take(N).astype(float)
    assert x.shape == (N,)
    assert (x >= 0).all()
    assert_moments(x, mean, var)


@pytest.mark.parametrize("spec", [MOMENT_CASES[3][0], MOMENT_CASES[4][0]], ids=["gamma", "lognormal"])
def test_gamma_lognormal_cv(spec):
    """cv = sd / mean of the variable itself (not of its logarithm)."""
    x = d.make_sampler(spec, rng(7)).take(N)
    assert x.std(ddof=1) / x.mean() == pytest.approx(spec.cv, rel=0.02)


def test_normal_is_clipped_at_zero():
    """max(Z, 0) for Z ~ N(0, 1): mean φ(0) = 1/√(2π), variance 1/2 − 1/(2π), half the mass at 0."""
    x = d.make_sampler(s.Normal(dist="normal", mean=0, sd=1), rng()).take(N)
    assert x.min() == 0.0
    assert_moments(x, 1 / math.sqrt(2 * math.pi), 0.5 - 1 / (2 * math.pi))
    share0 = np.mean(x == 0)
    assert abs(share0 - 0.5) < K * math.sqrt(0.25 / N)


def test_integer_flags_and_dtypes():
    g = rng()
    assert d.make_sampler(s.Poisson(dist="poisson", mean=3), g).integer
    assert d.make_sampler(s.NegBin(dist="negbin", mean=3, var=5), g).integer
    assert not d.make_sampler(s.Gamma(dist="gamma", mean=3, cv=1), g).integer
    assert not d.make_sampler(s.Normal(dist="normal", mean=3, sd=1), g).integer
    c = d.make_sampler(s.Constant(dist="constant", value=4), g)
    assert c.integer and c.take(3).tolist() == [4, 4, 4]
    c = d.make_sampler(s.Constant(dist="constant", value=2.5), g)
    assert not c.integer and c.take(2).tolist() == [2.5, 2.5]


def test_uniform_and_triangular_support():
    u = d.make_sampler(s.Uniform(dist="uniform", low=2, high=5), rng()).take(N)
    assert u.min() >= 2 and u.max() <= 5
    t = d.make_sampler(s.Triangular(dist="triangular", low=5, mode=7, high=12), rng()).take(N)
    assert t.min() >= 5 and t.max() <= 12
    # P(X <= mode) = (c − a)/(b − a) = 2/7
    p = 2 / 7
    assert abs(np.mean(t <= 7) - p) < K * math.sqrt(p * (1 - p) / N)


# --------------------------------------------------------------------------- empirical
@pytest.mark.parametrize(
    "values, expected",
    [([1, 4, 9], {1: 1 / 3, 4: 1 / 3, 9: 1 / 3}),
     ([2, 2, 7], {2: 2 / 3, 7: 1 / 3}),  # each listed value (position) equally likely
     ([0.5, 1.5, 2.25, 10.0], {0.5: 0.25, 1.5: 0.25, 2.25: 0.25, 10.0: 0.25})],
)
def test_empirical_resamples_only_its_values_with_equal_frequency(values, expected):
    smp = d.make_sampler(s.Empirical(dist="empirical", values=values), rng())
    x = smp.take(N)
    assert set(np.unique(x).tolist()) == set(expected)
    for v, p in expected.items():
        assert abs(np.mean(x == v) - p) < K * math.sqrt(p * (1 - p) / N), v
    whole = all(float(v).is_integer() for v in values)
    assert smp.integer is whole
    assert (x.dtype.kind == "i") is whole


def test_empirical_from_csv(tmp_path):
    path = tmp_path / "demand.csv"
    path.write_text("qty,note\n3,a\n5,b\n\n8,c\n", encoding="utf-8")
    smp = d.make_sampler(s.Empirical(dist="empirical", csv=str(path)), rng())
    x = smp.take(30_000)
    assert set(np.unique(x).tolist()) == {3, 5, 8}
    assert smp.integer
    for v in (3, 5, 8):
        assert abs(np.mean(x == v) - 1 / 3) < K * math.sqrt(2 / 9 / 30_000)


# --------------------------------------------------------------------------- AR(1)
@pytest.mark.parametrize("phi", [0.7, -0.5])
def test_ar1_stationary_variance_and_autocorrelation(phi):
    """x_t − m = φ(x_{t−1} − m) + e_t, e ~ N(0, sd²): stationary variance sd²/(1 − φ²), lag-1
    autocorrelation φ. The mean is far above 0, so clipping never happens. Standard errors for a
    Gaussian AR(1): mean σ_x·√((1+φ)/(1−φ)/n), variance σ_x²·√(2(1+φ²)/(1−φ²)/n), lag-1
    autocorrelation √((1−φ²)/n)."""
    mean, sd = 100.0, 5.0
    burn = 2_000
    x = d.make_sampler(s.AR1(dist="ar1", mean=mean, phi=phi, sd=sd), rng(11)).take(N + burn)[burn:]
    n = len(x)
    var = sd**2 / (1 - phi**2)
    se_mean = math.sqrt(var * (1 + phi) / (1 - phi) / n)
    se_var = var * math.sqrt(2 * (1 + phi**2) / (1 - phi**2) / n)
    se_rho = math.sqrt((1 - phi**2) / n)
    assert abs(x.mean() - mean) < K * se_mean
    assert abs(x.var(ddof=1) - var) < K * se_var
    xc = x - x.mean()
    rho = float(np.dot(xc[1:], xc[:-1]) / np.dot(xc, xc))
    assert abs(rho - phi) < K * se_rho


def test_ar1_starts_at_mean_and_zero_sd_is_constant():
    x = d.make_sampler(s.AR1(dist="ar1", mean=12, phi=0.9, sd=0), rng()).take(50)
    assert x.tolist() == [12.0] * 50
    # the first value is mean + e_1: N(mean, sd²), not the stationary law
    firsts = np.array([d.make_sampler(s.AR1(dist="ar1", mean=50, phi=0.9, sd=2), rng(k)).take(1)[0]
                       for k in range(4000)])
    assert_moments(firsts, 50.0, 4.0)


def test_ar1_clips_values_not_the_process():
    """With mean 0 the handed-out values are max(X_t, 0) of a Gaussian AR(1) that is itself
    unclipped: E = σ_x/√(2π), σ_x² = sd²/(1−φ²). The clipped values' autocorrelations are below
    φ^k in size, so the SE of their mean is at most sd(max(X,0))·√((1+φ)/(1−φ)/n)."""
    phi, sd = 0.5, 1.0
    burn = 2_000
    x = d.make_sampler(s.AR1(dist="ar1", mean=0, phi=phi, sd=sd), rng(5)).take(N + burn)[burn:]
    assert x.min() == 0.0
    sx2 = sd**2 / (1 - phi**2)
    expected = math.sqrt(sx2 / (2 * math.pi))
    sd_clipped = math.sqrt(sx2 * (0.5 - 1 / (2 * math.pi)))
    se = sd_clipped * math.sqrt((1 + phi) / (1 - phi) / len(x))
    assert abs(x.mean() - expected) < K * se


# --------------------------------------------------------------------------- step
def test_step_switches_exactly_at_day():
    smp = d.make_sampler(s.Step(dist="step", before=4, after=8, day=10), rng())
    x = smp.take(25)
    assert x.tolist() == [4] * 10 + [8] * 15
    assert smp.integer and x.dtype.kind == "i"
    # continues counting days across calls
    assert smp.take(3).tolist() == [8, 8, 8]


def test_step_chunks_straddling_the_day_and_day_zero():
    smp = d.make_sampler(s.Step(dist="step", before=2.5, after=1, day=3), rng())
    assert smp.take(2).tolist() == [2.5, 2.5]
    assert smp.take(3).tolist() == [2.5, 1, 1]
    assert not smp.integer
    smp0 = d.make_sampler(s.Step(dist="step", before=4, after=8, day=0), rng())
    assert smp0.take(4).tolist() == [8, 8, 8, 8]


# --------------------------------------------------------------------------- chunking
CHUNK_SPECS = [c[0] for c in MOMENT_CASES] + [
    s.Empirical(dist="empirical", values=[1, 2, 3, 10]),
    s.AR1(dist="ar1", mean=20, phi=0.8, sd=4),
    s.AR1(dist="ar1", mean=0, phi=0.8, sd=4),  # clipping must not touch the carried state
    s.Step(dist="step", before=3, after=9, day=150),
    s.Constant(dist="constant", value=2),
]


@pytest.mark.parametrize("spec", CHUNK_SPECS, ids=lambda c: c.dist)
def test_take_in_chunks_equals_take_at_once(spec):
    a = d.make_sampler(spec, rng(3))
    b = d.make_sampler(spec, rng(3))
    chunked = np.concatenate([a.take(100), a.take(100)])
    np.testing.assert_array_equal(chunked, b.take(200))


def test_every_distribution_of_the_schema_has_a_sampler():
    union = typing.get_args(typing.get_args(s.Dist)[0])
    assert set(union) == set(d.SAMPLERS)


# --------------------------------------------------------------------------- whole days, buffering
def test_whole_days_is_a_ceiling_with_float_tolerance():
    arr = np.array([0.0, 0.2, 1.0, 1.0 + 1e-12, 1.01, 2.5, 3 - 1e-12, 7.0, 0.999999])
    assert d.whole_days(arr).tolist() == [0, 1, 1, 1, 2, 3, 3, 7, 1]
    assert d.whole_days(arr).dtype.kind == "i"
    assert d.whole_days(np.array([-0.5])).tolist() == [0]


def test_lead_time_source_constant_rounds_up_and_draws_nothing():
    g = rng()
    before = g.bit_generator.state
    src = d.lead_time_source(s.Constant(dist="constant", value=2.5), g)
    assert [src() for _ in range(5)] == [3] * 5
    assert g.bit_generator.state == before
    src = d.lead_time_source(s.Constant(dist="constant", value=4), g)
    assert src() == 4


def test_lead_time_source_random_gives_ceilings_of_the_draws():
    spec = s.Gamma(dist="gamma", mean=4, cv=0.3)
    src = d.lead_time_source(spec, rng(9))
    got = [src() for _ in range(600)]
    ref = d.make_sampler(spec, rng(9))
    raw = np.concatenate([ref.take(256) for _ in range(3)])[:600]
    assert got == np.ceil(raw - 1e-9).astype(int).tolist()
    assert all(isinstance(v, int) for v in got)


@pytest.mark.parametrize("chunk", [1, 7, 256])
def test_buffered_returns_the_underlying_chunks_in_order(chunk):
    spec = s.NegBin(dist="negbin", mean=6, var=15)
    buf = d.Buffered(d.make_sampler(spec, rng(4)), chunk=chunk)
    got = [buf() for _ in range(700)]
    ref = d.make_sampler(spec, rng(4))
    chunks = np.concatenate([ref.take(chunk) for _ in range(-(-700 // chunk))])
    assert got == chunks[:700].tolist()


def test_buffered_applies_transform_per_chunk():
    spec = s.Normal(dist="normal", mean=5, sd=3)
    buf = d.Buffered(d.make_sampler(spec, rng(2)), chunk=10, transform=lambda a: a * 2)
    got = [buf() for _ in range(25)]
    ref = d.make_sampler(spec, rng(2))
    expected = np.concatenate([ref.take(10) for _ in range(3)])[:25] * 2
    np.testing.assert_allclose(got, expected, rtol=0, atol=0)


def test_demand_source_integer_rounds_continuous_demand():
    spec = s.Normal(dist="normal", mean=5, sd=3)
    nxt = d.demand_source(spec, rng(8), integer=True)
    got = [nxt() for _ in range(300)]
    ref = d.make_sampler(spec, rng(8))
    expected = np.rint(np.concatenate([ref.take(256), ref.take(256)])[:300]).astype(int)
    assert got == expected.tolist()
    assert all(isinstance(v, int) for v in got)
    assert d.demand_draws(spec, rng(8), integer=None)[1] is None  # no rounding asked
    poisson = s.Poisson(dist="poisson", mean=5)
    assert d.demand_draws(poisson, rng(8), integer=True)[1] is None  # already whole
