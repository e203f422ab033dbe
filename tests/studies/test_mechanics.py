"""Differences between strategies come from the mechanics (issue 16, "Checks"): each a paired,
directional test under common random numbers on the shipped study, shortened.

Every check changes one assumption of the study, expands and sizes the strategies again, and
compares replication by replication (same seed, same replication indices): the paired
difference's 95% CI must lie on the side the mechanism predicts. Store sales of a strategy
without marketplace outlets cannot depend on the marketplace fee at all, so that check is exact.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path

import pandas as pd
import pytest
from ruamel.yaml import YAML

from chainsim.experiments.replicate import simulate
from chainsim.metrics.summary import t_half_width
from chainsim.studies.sensitivity import evaluate, variant_scenarios, variant_study

ROOT = Path(__file__).resolve().parents[2]
REPS = 4


@pytest.fixture(scope="module")
def data() -> dict:
    raw = YAML(typ="safe").load((ROOT / "studies" / "five_strategies.yaml").read_text("utf-8"))
    raw["run"] = {"horizon_days": 120, "warmup_days": 30, "replications": REPS, "seed": 7}
    raw.pop("sensitivity", None)
    return raw


def paired_ci(a: pd.Series, b: pd.Series) -> tuple[float, float]:
    d = (a - b).to_numpy(dtype=float)
    half = t_half_width(float(d.std(ddof=1)), len(d))
    return float(d.mean()) - half, float(d.mean()) + half


def network_metric(data: dict, values: dict, strategy: str, metric: str,
                   node: str = "network") -> pd.Series:
    names, scns = variant_scenarios(variant_study(data, values))
    res = simulate(scns[names.index(strategy)])
    k = res.kpis
    return k[(k["node"] == node) & (k["metric"] == metric)].set_index("replication")["value"]


def test_a_higher_marketplace_fee_lowers_directs_profit_only(data):
    low, high = evaluate(data, [{"market.channels.marketplace.fee_pct": 0.10},
                                {"market.channels.marketplace.fee_pct": 0.25}], REPS).values()
    lo, hi = paired_ci(high["direct"], low["direct"])
    assert hi < 0  # the brand pays the fee on its own marketplace sales
    # intensive's stores sell the same, to the unit: the fee touches no store
    fee = "market.channels.marketplace.fee_pct"
    before = network_metric(data, {fee: 0.10}, "intensive", "units_sold", node="metro-1")
    after = network_metric(data, {fee: 0.25}, "intensive", "units_sold", node="metro-1")
    assert (before == after).all()


def test_a_higher_coverage_k_favours_the_strategy_with_more_outlets(data):
    """Captured demand c = 1 − exp(−k·n) grows with k by n·exp(−k·n): from k 0.2 to 0.4 a region
    with 7 outlets gains 0.186 of its consumers, one with a single outlet 0.149 — intensive
    (6 stores a region + marketplace sellers) gains more units a day than exclusive (1 boutique
    a region, at a premium price besides)."""
    k = "market.coverage.k"
    gain = {s: network_metric(data, {k: 0.4}, s, "demand") - network_metric(data, {k: 0.2}, s,
                                                                             "demand")
            for s in ("intensive", "exclusive")}
    lo, hi = paired_ci(gain["intensive"], gain["exclusive"])
    assert lo > 0


def test_a_premium_price_lowers_exclusives_volume(data):
    path = "strategies.2.price"
    assert data["strategies"][2]["template"] == "exclusive"
    at_list = network_metric(data, {path: 40}, "exclusive", "units_sold")
    premium = network_metric(data, {path: 60}, "exclusive", "units_sold")
    lo, hi = paired_ci(premium, at_list)
    assert hi < 0
    # the elasticity's own size: (60/40)^-1.5 = 0.544 of the captured demand
    assert premium.mean() / at_list.mean() == pytest.approx((60 / 40) ** -1.5, rel=0.08)


def test_rivals_take_demand_from_every_strategy_most_from_few_outlets(data):
    rivals = copy.deepcopy(data)
    rivals["market"]["competitors"] = [{"id": "rival", "outlets": 4, "price": 38}]
    alone = {s: network_metric(data, {}, s, "demand") for s in ("exclusive", "intensive")}
    with_rivals = {s: network_metric(rivals, {}, s, "demand")
                   for s in ("exclusive", "intensive")}
    kept = {}
    for s in alone:
        lo, hi = paired_ci(with_rivals[s], alone[s])
        assert hi < 0, s
        kept[s] = with_rivals[s].mean() / alone[s].mean()
    assert kept["exclusive"] < kept["intensive"]


def test_no_rivals_is_the_market_as_before(data):
    empty = copy.deepcopy(data)
    empty["market"]["competitors"] = []
    none = network_metric(empty, {}, "selective", "profit")
    absent = network_metric(data, {}, "selective", "profit")
    assert (none == absent).all()


def test_each_strategy_meets_the_service_target_it_was_sized_for(data):
    """Every stocking outlet of every strategy is sized for a 95% fill rate; its simulated fill
    rate must reach the target within its CI (a little above is the rounding up of levels)."""
    names, scns = variant_scenarios(variant_study(data, {"run.horizon_days": 240}))
    for name, scn in zip(names, scns, strict=True):
        k = simulate(scn).kpis
        outlets = [n.id for n in scn.nodes if n.region is not None]
        for node in outlets:
            fr = k[(k["node"] == node) & (k["metric"] == "fill_rate")]["value"]
            half = t_half_width(float(fr.std(ddof=1)), len(fr))
            assert fr.mean() + max(half, 0.005) >= 0.95, (name, node, fr.mean(), half)
            assert math.isfinite(fr.mean())
