"""Summaries over replications (metrics/summary.py): Student-t interval, n, NaN handling."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from chainsim.metrics.summary import SUMMARY_COLUMNS, summarize, t_half_width


def test_t_half_width_hand_value():
    """Values 1, 2, 3, 4: mean 2.5, sample sd √(5/3); t(0.975, 3 df) = 3.182446305 (tables):
    half-width 3.182446305 · √(5/3) / 2 = 2.054260."""
    sd = math.sqrt(5 / 3)
    assert t_half_width(sd, 4) == pytest.approx(3.182446305 * sd / 2, rel=1e-9)
    assert t_half_width(sd, 4) == pytest.approx(2.054260, abs=1e-6)


@pytest.mark.parametrize("n", [2, 3, 5, 10, 30, 200])
@pytest.mark.parametrize("level", [0.95, 0.9, 0.99])
def test_t_half_width_matches_scipy(n, level):
    sd = 1.7
    expected = stats.t.ppf(0.5 + level / 2, n - 1) * sd / math.sqrt(n)
    assert t_half_width(sd, n, level) == pytest.approx(expected, rel=1e-10)


def test_t_half_width_small_n_values():
    # t(0.975, 1) = 12.7062047, t(0.975, 2) = 4.3026527 (tables)
    assert t_half_width(1.0, 2) == pytest.approx(12.7062047 / math.sqrt(2), rel=1e-7)
    assert t_half_width(1.0, 3) == pytest.approx(4.3026527 / math.sqrt(3), rel=1e-7)


@pytest.mark.parametrize("std, n", [(1.0, 1), (1.0, 0), (float("nan"), 5), (float("inf"), 5)])
def test_t_half_width_undefined_is_nan(std, n):
    assert math.isnan(t_half_width(std, n))


def kpi_frame(rows):
    return pd.DataFrame(rows, columns=["scenario", "replication", "node", "metric", "value"])


def test_summarize_by_hand():
    k = kpi_frame([
        ("s", 0, "shop", "fill_rate", 0.9), ("s", 1, "shop", "fill_rate", 0.8),
        ("s", 2, "shop", "fill_rate", 1.0), ("s", 3, "shop", "fill_rate", 0.7),
        ("s", 0, "shop", "on_hand", 10.0), ("s", 1, "shop", "on_hand", 10.0),
        ("s", 2, "shop", "on_hand", 10.0), ("s", 3, "shop", "on_hand", 10.0),
    ])
    out = summarize(k)
    assert list(out.columns) == SUMMARY_COLUMNS
    row = out[(out.metric == "fill_rate")].iloc[0]
    sd = np.std([0.9, 0.8, 1.0, 0.7], ddof=1)
    half = stats.t.ppf(0.975, 3) * sd / 2
    assert row["mean"] == pytest.approx(0.85)
    assert row["std"] == pytest.approx(sd)
    assert row["ci_low"] == pytest.approx(0.85 - half)
    assert row["ci_high"] == pytest.approx(0.85 + half)
    assert row["n"] == 4
    row = out[(out.metric == "on_hand")].iloc[0]
    assert (row["mean"], row["std"], row["ci_low"], row["ci_high"]) == (10, 0, 10, 10)


def test_summarize_one_replication_gives_nan_interval():
    out = summarize(kpi_frame([("s", 0, "shop", "fill_rate", 0.9)]))
    row = out.iloc[0]
    assert row["mean"] == 0.9 and row["n"] == 1
    assert math.isnan(row["std"]) and math.isnan(row["ci_low"]) and math.isnan(row["ci_high"])


def test_summarize_leaves_nan_values_out_of_n():
    out = summarize(kpi_frame([
        ("s", 0, "shop", "bullwhip", float("nan")), ("s", 1, "shop", "bullwhip", 2.0),
        ("s", 2, "shop", "bullwhip", 4.0),
    ]))
    row = out.iloc[0]
    assert row["n"] == 2 and row["mean"] == 3.0
    assert row["ci_high"] - row["mean"] == pytest.approx(
        stats.t.ppf(0.975, 1) * math.sqrt(2) / math.sqrt(2))


def test_summarize_groups_by_scenario_node_metric():
    k = kpi_frame([
        ("a", 0, "shop", "demand", 1.0), ("a", 1, "shop", "demand", 3.0),
        ("b", 0, "shop", "demand", 5.0), ("b", 1, "shop", "demand", 7.0),
        ("a", 0, "network", "demand", 2.0), ("a", 1, "network", "demand", 2.0),
    ])
    out = summarize(k).set_index(["scenario", "node", "metric"])
    assert out.loc[("a", "shop", "demand"), "mean"] == 2.0
    assert out.loc[("b", "shop", "demand"), "mean"] == 6.0
    assert out.loc[("a", "network", "demand"), "std"] == 0.0
    assert len(out) == 3


def test_summarize_empty():
    out = summarize(kpi_frame([]))
    assert out.empty and list(out.columns) == SUMMARY_COLUMNS
