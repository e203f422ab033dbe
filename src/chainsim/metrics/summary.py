"""Summaries over replications: mean, sample std and a 95% Student-t confidence interval."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import stdtrit  # t quantile; far lighter to import than scipy.stats

SUMMARY_COLUMNS = ["scenario", "node", "metric", "mean", "std", "ci_low", "ci_high", "n"]


def t_half_width(std: float, n: int, level: float = 0.95) -> float:
    """Half-width of the two-sided t-interval for a mean of n values with sample std."""
    if n < 2 or not np.isfinite(std):
        return float("nan")
    return float(stdtrit(n - 1, 0.5 + level / 2) * std / np.sqrt(n))


def mean_ci(table: pd.DataFrame, keys: list[str], column: str = "value",
            level: float = 0.95) -> pd.DataFrame:
    """Per group of ``keys``: mean, sample std, n (NaN values left out) and the t-interval of
    ``column``, as columns mean, std, n, ci_low, ci_high."""
    out = table.groupby(keys, sort=False, dropna=False)[column].agg(
        mean="mean", std="std", n="count").reset_index()
    half = np.array([t_half_width(s, n, level) for s, n in zip(out["std"], out["n"], strict=True)],
                    dtype=float)
    out["ci_low"] = out["mean"] - half
    out["ci_high"] = out["mean"] + half
    return out


def summarize(kpis: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """One row per (scenario, node, metric) with mean, std, ci_low, ci_high and n (NaN values,
    e.g. a fill rate with no demand, are left out of n)."""
    if kpis.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    return mean_ci(kpis, ["scenario", "node", "metric"], level=level)[SUMMARY_COLUMNS]
