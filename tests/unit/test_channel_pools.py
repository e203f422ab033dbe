"""Multi-channel integration: one stock pool for every channel against a fixed allocation.

Risk pooling: with the same total stock and the same demand, one pool covers whichever channel
happens to be busy, while fixed shares run out in one channel while another still has stock. So on
the same demand streams (common random numbers) pooled stock must give a higher fill rate and fewer
backorders. The comparison is paired per replication: the paired 95% t-interval of the fill-rate
difference must lie above 0, and a one-sided sign test on backorders must reject "no difference".
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
from scipy import stats

import chainsim
from chainsim.errors import ScenarioError

EXAMPLE = Path(__file__).resolve().parents[2] / "scenarios" / "examples" / "ecommerce_3pl.yaml"


def _fc(raw):
    return next(n for n in raw["nodes"] if n["id"] == "fc")


def _per_replication(res, metric):
    k = res.kpis
    rows = k[(k.node == "fc") & (k.metric == metric)].sort_values("replication")
    return rows["value"].to_numpy()


def test_pooled_stock_gives_fewer_stockouts_than_fixed_allocation():
    pooled = chainsim.load_scenario(EXAMPLE).model_dump(by_alias=True)
    pooled.update(replications=8, horizon_days=150, warmup_days=20)
    fc = _fc(pooled)
    fc["policy"] = {"type": "sS", "s": 850, "S": 1500}  # tight enough that stockouts happen
    split = copy.deepcopy(pooled)
    for channel in _fc(split)["channels"]:
        channel["allocation"] = channel["share"]  # stock kept in proportion to the orders
    a, b = chainsim.simulate(pooled), chainsim.simulate(split)
    # same demand: the consumer orders are identical draws in both runs
    assert (_per_replication(a, "demand") == _per_replication(b, "demand")).all()
    diff = _per_replication(a, "fill_rate") - _per_replication(b, "fill_rate")
    n = len(diff)
    low = diff.mean() - stats.t.ppf(0.975, n - 1) * diff.std(ddof=1) / np.sqrt(n)
    assert low > 0, f"fill rate: pooled - split = {diff} (paired 95% CI low {low:.4g})"
    # backorders are too skewed across replications for a t-interval: a sign test instead
    # (under "pooling does not matter" each replication is equally likely to go either way)
    fewer = _per_replication(b, "backorders") - _per_replication(a, "backorders")
    wins = int((fewer > 0).sum())
    p = stats.binomtest(wins, n, 0.5, alternative="greater").pvalue
    assert p < 0.05, f"backorders: split - pooled = {fewer} ({wins} of {n} favour pooling)"


def test_fixed_allocation_needs_shares_for_every_channel(tmp_path):
    raw = chainsim.load_scenario(EXAMPLE).model_dump(by_alias=True)
    _fc(raw)["channels"][0]["allocation"] = 1.0
    try:
        chainsim.load_scenario(raw)
    except ScenarioError as exc:
        assert any("allocation" in p.message for p in exc.problems)
    else:
        raise AssertionError("a partial allocation was accepted")
