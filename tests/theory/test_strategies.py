"""The five strategies: the trade-offs of DESIGN §3 must emerge from the mechanics.

Directional checks on short runs, each a strict ordering of 95% confidence intervals over
replications (the intervals must not overlap), so a failure means the mechanics no longer produce
the trade-off, not noise. The expected directions come from the mechanics, not from a run:
- coverage rises with the outlets serving a region (1 − exp(−k·n)) and falls with a premium
  price: intensive (7 per region, discount) > selective (2, +10%) > exclusive (1, +30%);
- the manufacturer keeps the retail price only when it sells direct, so its profit per unit sold
  is highest there (it pays a 3PL and the marketplace, but no intermediary's margin);
- small retailers' case-pack orders reach the wholesaler in lumps: bullwhip > 1 there.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import chainsim

STRATEGIES = Path(__file__).resolve().parents[2] / "scenarios" / "strategies"
NAMES = ("direct", "indirect", "exclusive", "selective", "intensive")


@pytest.fixture(scope="module")
def summaries():
    return {name: chainsim.simulate(STRATEGIES / f"{name}.yaml", replications=5, days=150,
                                    warmup=40).summary for name in NAMES}


def ci(summaries, name, metric, node="network"):
    s = summaries[name]
    row = s[(s.node == node) & (s.metric == metric)].iloc[0]
    return row.ci_low, row.ci_high


def above(summaries, a, b, metric, node="network"):
    return ci(summaries, a, metric, node)[0] > ci(summaries, b, metric, node)[1]


def test_coverage_intensive_above_selective_above_exclusive(summaries):
    assert above(summaries, "intensive", "selective", "coverage")
    assert above(summaries, "selective", "exclusive", "coverage")


def test_direct_has_the_highest_manufacturer_margin(summaries):
    for other in NAMES[1:]:
        assert above(summaries, "direct", other, "manufacturer_margin"), other


def test_exclusive_has_the_highest_channel_margin_and_intensive_the_volume(summaries):
    for other in ("indirect", "selective", "intensive"):
        assert above(summaries, "exclusive", other, "channel_margin"), other
    for other in ("direct", "indirect", "exclusive", "selective"):
        assert above(summaries, "intensive", other, "units_sold"), other


def test_indirect_wholesaler_amplifies_order_variance(summaries):
    low, _ = ci(summaries, "indirect", "bullwhip", node="wholesaler")
    assert low > 1


def test_all_strategies_see_the_same_market(summaries):
    first = summaries["direct"]
    pot = first[(first.node == "network") & (first.metric == "potential_demand")]["mean"].iloc[0]
    for name in NAMES[1:]:
        s = summaries[name]
        assert s[(s.node == "network") & (s.metric == "potential_demand")]["mean"].iloc[0] == pot
