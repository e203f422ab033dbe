"""Competitors in market mode: an attraction model (``chainsim.model.market.captured_share``).

A consumer our n outlets reach also sees the rivals' and picks a firm by attraction n·p^−ε:
c = c_alone · n·p^−ε / (n·p^−ε + Σ m_f·p_f^−ε), c_alone = min(1, (1 − exp(−k·n))·(p/p_ref)^−ε).
With
real-valued constant demand the capture is exact (D·c split equally), so the simulated network
coverage must equal the hand-computed share to 1e-9.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chainsim.errors import ScenarioError
from chainsim.model.market import captured_share
from chainsim.scenario.load import load_scenario

from .helpers import run
from .test_market import approx, const, kpi_table, market_scn, outlet


def test_no_rival_is_the_formula_of_a_market_alone():
    """Without rivals the share is the market's alone, min(1, (1 − e^−kn)·(p/p_ref)^−ε),
    written out here; a free product with ε > 0 takes every consumer reached (capped at 1)."""
    for k, n, p, ref, eps in ((0.3, 3, 25, 25, 0), (0.5, 2, 30, 25, 1.5), (0.2, 1, 20, 25, 2.0)):
        alone = min(1.0, (1 - math.exp(-k * n)) * (p / ref) ** -eps)
        assert captured_share(k, n, p, ref, eps, rivals=()) == pytest.approx(alone, rel=1e-15)
    assert captured_share(0.2, 1, 0, 25, 2.0) == 1.0


def test_hand_worked_shares():
    # k 0.3, one outlet at 40 against a rival's 4 at 40, no elasticity: alone 1 − e^−0.3
    # = 0.2591817793182821, and we keep 1 of 5 attractions
    assert captured_share(0.3, 1, 40, 40, 0, ((4, 40),)) == pytest.approx(
        0.2591817793182821 / 5, abs=1e-15)
    # ε = 1.5, ours at 48 (reference 40), the rival's 4 at 30: alone 0.2591818 · (48/40)^−1.5;
    # attractions 48^−1.5 = 0.0030070 and 4·30^−1.5 = 0.0243432
    ours, theirs = 48 ** -1.5, 4 * 30 ** -1.5
    assert captured_share(0.3, 1, 48, 40, 1.5, ((4, 30),)) == pytest.approx(
        0.2591817793182821 * 1.2 ** -1.5 * ours / (ours + theirs), rel=1e-12)


@given(n=st.integers(1, 12), more=st.integers(1, 12), m=st.integers(1, 20),
       k=st.floats(0.05, 1.0), eps=st.sampled_from([0.0, 0.5, 1.5, 3.0]),
       rival_price=st.floats(10, 80))
@settings(max_examples=200, deadline=None)
def test_rivals_take_most_from_the_strategy_with_few_outlets(n, more, m, k, eps, rival_price):
    """More rival outlets never raise our share, and the share a few outlets keep is never a
    larger part of what they had alone than what more outlets keep (equal prices of ours)."""
    alone_few, alone_many = captured_share(k, n, 40, 40, eps), captured_share(k, n + more, 40,
                                                                              40, eps)
    few = captured_share(k, n, 40, 40, eps, ((m, rival_price),))
    many = captured_share(k, n + more, 40, 40, eps, ((m, rival_price),))
    assert captured_share(k, n, 40, 40, eps, ((m + 1, rival_price),)) < few
    assert few / alone_few < many / alone_many


def test_a_cheap_rival_costs_a_premium_price_more():
    premium = [captured_share(0.3, 2, 52, 40, 1.5, ((3, p),)) / captured_share(0.3, 2, 52, 40, 1.5)
               for p in (30, 50)]
    assert premium[0] < premium[1]


def test_the_simulated_market_captures_the_share_with_rivals():
    # D = 10.5 a day in north, our 2 outlets at 25, a rival with 3 outlets at 20, k 0.3, ε 1
    # (reference 25): alone 1 − e^−0.6 (at the reference price); attractions 2/25 = 0.08 and
    # 3/20 = 0.15: c = (1 − e^−0.6) · 0.08 / 0.23
    c = (1 - math.exp(-0.6)) * 0.08 / 0.23
    scn = market_scn([outlet("a"), outlet("b")], {"north": const(10.5)}, k=0.3,
                     elasticity={"epsilon": 1.0, "reference_price": 25})
    scn["market"]["competitors"] = [{"id": "rival", "outlets": 3, "price": 20}]
    t = kpi_table(run(scn))
    assert t["network"]["coverage"] == approx(c)
    assert t["a"]["demand"] == approx(10.5 * c / 2)


def test_a_rival_elsewhere_or_without_outlets_changes_nothing():
    base = market_scn([outlet("a")], {"north": const(10.5), "south": const(3.0)}, k=0.3)
    alone = kpi_table(run(base))
    for rival in ({"id": "r", "outlets": 4, "price": 20, "regions": ["south"]},
                  {"id": "r", "outlets": 0, "price": 20}):
        scn = market_scn([outlet("a")], {"north": const(10.5), "south": const(3.0)}, k=0.3)
        scn["market"]["competitors"] = [rival]
        assert repr(kpi_table(run(scn))) == repr(alone)  # repr: nan equals nan


def test_unknown_region_and_repeated_rival_are_refused():
    scn = market_scn([outlet("a")], {"north": const(10.5)})
    scn["market"]["competitors"] = [{"id": "r", "outlets": 1, "price": 20, "regions": ["nort"]},
                                    {"id": "r", "outlets": 1, "price": 20}]
    with pytest.raises(ScenarioError) as info:
        load_scenario(scn)
    text = str(info.value)
    assert "region 'nort' is not in the market; did you mean 'north'?" in text
    assert "competitor id 'r' is used twice" in text
