"""The executive summary of a study: plain sentences generated from the comparison's numbers.

Nothing here knows a strategy by name: the recommendation is the strategy best for the deciding
firm on the ranking metric, its margin is the paired (common-random-number) difference to the
runner-up with its 95% interval, and the trade-offs are read off the network's volume, the
channel's profit and the firm's share of it. A difference inside the practical-equivalence
band (default 0.5% of the runner-up's value) or whose interval holds 0 is called a tie.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from chainsim.metrics.catalog import lower_is_better
from chainsim.metrics.summary import t_half_width

NETWORK = "network"
DEFAULT_BAND = 0.005  # a relative difference below 0.5% is practically nothing


@dataclass(frozen=True)
class Paired:
    """The paired difference a − b of one metric at one row over replications."""

    mean: float
    low: float
    high: float
    n: int


def paired(kpis: pd.DataFrame, a: str, b: str, node: str, metric: str) -> Paired:
    """Mean and 95% Student-t interval of x_r(a) − x_r(b), paired by replication."""
    sel = kpis[(kpis["node"] == node) & (kpis["metric"] == metric)]
    wide = sel.pivot(index="replication", columns="scenario", values="value")
    d = (wide[a] - wide[b]).dropna().to_numpy(dtype=float)
    n = len(d)
    if n == 0:
        return Paired(math.nan, math.nan, math.nan, 0)
    mean = float(d.mean())
    if n < 2:
        return Paired(mean, math.nan, math.nan, n)
    half = t_half_width(float(d.std(ddof=1)), n)
    return Paired(mean, mean - half, mean + half, n)


def summary_row(summary: pd.DataFrame, scenario: str, node: str, metric: str) -> pd.Series | None:
    """The summary row of one scenario, node and metric (None when it is not written)."""
    row = summary[(summary["scenario"] == scenario) & (summary["node"] == node)
                  & (summary["metric"] == metric)]
    return row.iloc[0] if len(row) else None


def mean_of(summary: pd.DataFrame, scenario: str, node: str, metric: str) -> float:
    row = summary_row(summary, scenario, node, metric)
    return float(row["mean"]) if row is not None else math.nan


def is_tie(diff: Paired, reference: float, band: float = DEFAULT_BAND) -> bool:
    """The two are practically equal: the interval holds 0, or the whole interval lies within
    ±band × |reference|."""
    if not (math.isfinite(diff.low) and math.isfinite(diff.high)):
        return True
    if diff.low <= 0 <= diff.high:
        return True
    limit = band * abs(reference)
    return -limit <= diff.low and diff.high <= limit


def money(value: float, currency: str) -> str:
    if not math.isfinite(value):
        return "–"
    return f"{value:,.0f} {currency}" if abs(value) >= 100 else f"{value:,.2f} {currency}"


def executive_summary(ranking: pd.DataFrame, summary: pd.DataFrame, kpis: pd.DataFrame, *,
                      firm: str, firm_row: str, metric: str, currency: str,
                      band: float = DEFAULT_BAND) -> list[str]:
    """The summary's sentences, recommendation first (plain text; the caller escapes)."""
    order = list(ranking["scenario"])
    if not order:
        return []
    best = order[0]
    best_value = float(ranking["mean"].iloc[0])
    unit = f"{currency}/day" if metric in ("profit", "revenue", "total_cost") else ""
    shown = (lambda v: money(v, f"{currency}/day")) if unit else (lambda v: f"{v:,.3g}")
    out = []
    if len(order) == 1:
        return [f"Only {best} was studied: {firm}'s {metric} {shown(best_value)}."]
    runner = order[1]
    diff = paired(kpis, best, runner, firm_row, metric)
    p_best = float(ranking["p_best"].iloc[0]) if "p_best" in ranking else math.nan
    tail = (f"; it is best in {p_best:.0%} of the replications" if math.isfinite(p_best)
            else "")
    if is_tie(diff, float(ranking["mean"].iloc[1]), band):
        out.append(f"{best} and {runner} are practically tied for {firm}: {metric} "
                   f"{shown(best_value)} against {shown(float(ranking['mean'].iloc[1]))} "
                   f"(paired difference {shown(diff.mean)}, 95% CI {shown(diff.low)} to "
                   f"{shown(diff.high)}, inside the ±{band:.1%} band or holding 0){tail}.")
    else:
        better = "lower" if lower_is_better(metric) else "more"
        out.append(f"Recommendation for {firm}: {best}. Its {metric} is {shown(best_value)}, "
                   f"{shown(abs(diff.mean))} {better} than {runner} (95% CI "
                   f"{shown(abs(diff.high if lower_is_better(metric) else diff.low))} to "
                   f"{shown(abs(diff.low if lower_is_better(metric) else diff.high))}){tail}.")
    out += _tradeoffs(order, summary, firm=firm, firm_row=firm_row, currency=currency)
    return out


def _tradeoffs(order: list[str], summary: pd.DataFrame, *, firm: str, firm_row: str,
               currency: str) -> list[str]:
    """Volume against the firm's profit, and who captures the channel's profit."""
    best = order[0]
    volume = {s: mean_of(summary, s, NETWORK, "units_sold") for s in order}
    profit = {s: mean_of(summary, s, firm_row, "profit") for s in order}
    channel = {s: mean_of(summary, s, NETWORK, "channel_profit") for s in order}
    out = []
    top = max(order, key=lambda s: volume[s] if math.isfinite(volume[s]) else -np.inf)
    if top != best and volume[best] > 0 and profit[top] < profit[best]:
        less = 1 - profit[top] / profit[best] if profit[best] > 0 else math.nan
        out.append(f"{top} sells {volume[top] / volume[best]:.1f}× the volume of {best} "
                   f"({volume[top]:,.0f} against {volume[best]:,.0f} units a day) but leaves "
                   f"{firm} {less:.0%} less profit.")
    richest = max(order, key=lambda s: channel[s] if math.isfinite(channel[s]) else -np.inf)
    if math.isfinite(channel[richest]) and channel[richest] > 0:
        kept = profit[richest] / channel[richest]
        text = (f"The whole channel earns most under {richest} "
                f"({money(channel[richest], currency + '/day')}), of which {firm} keeps "
                f"{kept:.0%}")
        if richest != best and channel[best] > 0:
            text += (f"; under {best} it keeps {profit[best] / channel[best]:.0%} of "
                     f"{money(channel[best], currency + '/day')}")
        out.append(text + ".")
    return out
