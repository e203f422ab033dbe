"""``chainsim.theory``, the public formula module, against hand calculations and a published
example; and its place in the layering (pure math, nothing else of chainsim)."""

from __future__ import annotations

import ast
import importlib
import inspect
import math
from fractions import Fraction

import pytest

import chainsim.theory as th


def test_theory_is_public_documented_and_pure():
    assert importlib.import_module("chainsim.theory") is th
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("chainsim.metrics.theory")
    tree = ast.parse(inspect.getsource(th))
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert not {m for m in imported if m.startswith("chainsim")}
    public = [f for name, f in vars(th).items()
              if inspect.isfunction(f) and not name.startswith("_") and f.__module__ == th.__name__]
    assert len(public) >= 20
    for f in public:
        doc = inspect.getdoc(f) or ""
        assert "Reference:" in doc, f"{f.__name__} names no reference"
        for name in inspect.signature(f).parameters:
            assert name in doc, f"{f.__name__}'s docstring does not say what {name} is"
    # the tests' tolerances are not theory
    assert not any("tolerance" in name or "false_alarm" in name for name in vars(th))


def test_newsvendor_normal_published_example():
    """Snyder & Shen, FoSCT example 4.3: h = 0.18, p = 0.70, D ~ N(50, 8²)."""
    S, cost = th.newsvendor_normal(0.18, 0.70, 50, 8)
    assert S == pytest.approx(56.60, abs=0.005)
    assert cost == pytest.approx(2.00, abs=0.005)
    # the critical fractile p / (h + p) is the probability that demand is at most S*
    assert 0.5 * math.erfc(-(S - 50) / (8 * math.sqrt(2))) == pytest.approx(0.70 / 0.88)


def test_newsvendor_poisson_by_hand():
    """h = 1, p = 3, D ~ Poisson(2): α = 3/4; P(D ≤ 2) = 5e⁻² < 3/4 ≤ P(D ≤ 3) = 19e⁻²/3, so
    S* = 3. E[(3 − D)+] = 3e⁻² + 2·2e⁻² + 2e⁻² = 9e⁻², E[(D − 3)+] = 2 − 3 + 9e⁻², cost
    9e⁻² + 3 (9e⁻² − 1) = 36e⁻² − 3."""
    S, cost = th.newsvendor_poisson(1, 3, 2)
    assert S == 3
    assert cost == pytest.approx(36 * math.exp(-2) - 3, rel=1e-12)


def test_base_stock_poisson_newsvendor_case_by_hand():
    """L = 0, S = 1, λ = 1: each day starts with 1 on hand. On hand E[(1 − D)+] = P(D = 0) =
    e⁻¹, backorders E[(D − 1)+] = λ − 1 + e⁻¹ = e⁻¹, CSL P(D ≤ 1) = 2e⁻¹, fill rate
    E[min(D, 1)] / λ = 1 − e⁻¹; orders repeat yesterday's demand: P(order) = 1 − e⁻¹."""
    k = th.base_stock_poisson(1, 1.0, 0)
    e = math.exp(-1)
    assert k["on_hand"] == pytest.approx(e, rel=1e-12)
    assert k["backorders"] == pytest.approx(e, rel=1e-12)
    assert k["cycle_service_level"] == pytest.approx(2 * e, rel=1e-12)
    assert k["fill_rate"] == pytest.approx(1 - e, rel=1e-12)
    assert k["order_frequency"] == pytest.approx(1 - e, rel=1e-12)
    assert k["on_order"] == 0 and k["bullwhip"] == 1


def erlang_c_by_hand(c: int, a: int) -> Fraction:
    """C(c, a) from its definition, in exact fractions."""
    top = Fraction(a**c, math.factorial(c)) * Fraction(c, c - a)
    return top / (sum(Fraction(a**k, math.factorial(k)) for k in range(c)) + top)


@pytest.mark.parametrize(("c", "a", "value"), [(1, 0, Fraction(0)), (2, 1, Fraction(1, 3)),
                                               (3, 2, Fraction(4, 9))])
def test_erlang_c_by_hand(c, a, value):
    """M/M/2 at a = 1: (1/2 · 2) / (1 + 1 + 1) = 1/3; M/M/3 at a = 2: 4 / (5 + 4) = 4/9."""
    assert erlang_c_by_hand(c, a) == value
    assert th.erlang_c(c, a) == pytest.approx(float(value), abs=1e-15)


def test_erlang_b_and_mmc_by_hand():
    # B(2, 1) = (1/2) / (1 + 1 + 1/2) = 1/5
    assert th.erlang_b(2, 1) == pytest.approx(0.2, rel=1e-14)
    # M/M/3, λ = 2, μ = 1: Wq = C / (cμ − λ) = 4/9, Lq = λ Wq = 8/9, W = Wq + 1
    q = th.mmc(2.0, 1.0, 3)
    assert q["rho"] == pytest.approx(2 / 3)
    assert q["Wq"] == pytest.approx(4 / 9) and q["Lq"] == pytest.approx(8 / 9)
    assert q["W"] == pytest.approx(13 / 9) and q["L"] == pytest.approx(26 / 9)


def test_single_server_queues_by_hand():
    # M/M/1, λ = 1, μ = 2: ρ = 1/2, Wq = ρ / (μ − λ) = 1/2, W = 1, Lq = 1/2, L = 1
    assert th.mm1(1.0, 2.0) == pytest.approx(
        {"rho": 0.5, "p_wait": 0.5, "Wq": 0.5, "W": 1.0, "Lq": 0.5, "L": 1.0})
    # M/D/1 at the same ρ waits half as long: ρ D / (2 (1 − ρ)) = 0.5 · 0.5 / 1 = 1/4
    assert th.md1(1.0, 0.5)["Wq"] == pytest.approx(0.25)


def test_chen_bullwhip_bound_by_hand():
    # L = 2, p = 4: 1 + 2·2/4 + 2·4/16 = 2.5; a longer window lowers the bound towards 1
    assert th.bullwhip_moving_average_lower_bound(2, 4) == pytest.approx(2.5)
    assert th.bullwhip_moving_average_lower_bound(1, 1) == pytest.approx(5.0)
    assert th.bullwhip_moving_average_lower_bound(2, 400) < 1.011


def test_loss_functions_by_hand():
    assert float(th.normal_loss(0.0)) == pytest.approx(1 / math.sqrt(2 * math.pi))
    # Poisson(1): E[(X − 1)+] = λ − 1 + P(X = 0) = e⁻¹; E[(1 − X)+] = P(X = 0) = e⁻¹
    assert float(th.poisson_loss(1, 1.0)) == pytest.approx(math.exp(-1))
    assert float(th.poisson_complementary_loss(1, 1.0)) == pytest.approx(math.exp(-1))
    assert float(th.poisson_loss(-2, 1.0)) == pytest.approx(3.0)  # λ − x below 0
