"""Rich tables of summaries for the terminal."""

from __future__ import annotations

import math

import pandas as pd
from rich.table import Table

from chainsim.metrics.catalog import header, is_percent

DEFAULT_METRICS = ("demand", "fill_rate", "cycle_service_level", "on_hand", "backorders",
                   "bullwhip", "total_cost", "profit")


def fmt(mean: float, half: float, metric: str) -> str:
    """mean ± half-width, in percent for shares (the catalogue's format)."""
    if mean is None or (isinstance(mean, float) and math.isnan(mean)):
        return "–"
    percent = is_percent(metric)
    scale, unit = (100.0, "") if percent else (1.0, "")
    digits = 1 if percent else (2 if abs(mean) < 100 else 1)
    text = f"{mean * scale:,.{digits}f}{unit}"
    if half is not None and not math.isnan(half):
        text += f"\n[dim]±{half * scale:,.{digits}f}[/dim]"
    return text


def summary_table(summary: pd.DataFrame, title: str, metrics=DEFAULT_METRICS,
                  max_rows: int = 30) -> Table:
    """Rows are nodes (network last), columns metrics, cells mean ± 95% CI half-width."""
    metrics = [m for m in metrics if m in set(summary["metric"])]
    table = Table(title=title, title_justify="left")
    table.add_column("node", style="bold", no_wrap=True)
    for m in metrics:
        table.add_column(header(m), justify="right")
    nodes = [n for n in dict.fromkeys(summary["node"]) if n != "network"]
    if "network" in set(summary["node"]):
        nodes.append("network")
    shown = nodes if len(nodes) <= max_rows else nodes[: max_rows - 1] + nodes[-1:]
    index = summary.set_index(["node", "metric"])
    for node in shown:
        cells = []
        for m in metrics:
            if (node, m) in index.index:
                row = index.loc[(node, m)]
                cells.append(fmt(row["mean"], (row["ci_high"] - row["ci_low"]) / 2, m))
            else:
                cells.append("")
        table.add_row(node, *cells)
    if len(shown) < len(nodes):
        table.caption = f"{len(nodes) - len(shown)} more nodes in summary.csv"
    return table


TRADEOFF_METRICS = ("coverage", "units_sold", "fill_rate", "channel_margin",
                    "manufacturer_margin", "on_hand", "bullwhip")
TRADEOFF_HEADERS = {"coverage": "cover%", "units_sold": "units", "fill_rate": "fill%",
                    "channel_margin": "chan/u", "manufacturer_margin": "maker/u",
                    "on_hand": "stock", "bullwhip": "bullwh"}
TRADEOFF_CAPTION = ("cover% = captured share of the market; units = sold per day; chan/u, "
                    "maker/u = profit per unit sold of the whole channel and of the "
                    "manufacturer; stock = units on hand; bullwh = largest bullwhip among "
                    "wholesalers and distributors")
UPSTREAM_ROLES = ("wholesaler", "distributor")


def tradeoff_table(summary: pd.DataFrame, scenarios: list[str], title: str,
                   nodes: pd.DataFrame | None = None) -> Table:
    """One row per scenario: the network's trade-offs (mean ± 95% CI half-width). Bullwhip is
    the largest among the wholesalers and distributors (``nodes``: scenario, node, role)."""
    table = Table(title=title, title_justify="left", caption=TRADEOFF_CAPTION,
                  caption_justify="left")
    table.add_column("scenario", style="bold", no_wrap=True)
    for m in TRADEOFF_METRICS:
        table.add_column(TRADEOFF_HEADERS[m], justify="right")
    for name in scenarios:
        rows = summary[summary["scenario"] == name]
        net = rows[rows["node"] == "network"].set_index("metric")
        cells = []
        for m in TRADEOFF_METRICS:
            if m == "bullwhip":
                upstream = set() if nodes is None else set(nodes.loc[
                    (nodes["scenario"] == name) & nodes["role"].isin(UPSTREAM_ROLES), "node"])
                bw = rows[(rows["metric"] == "bullwhip") & rows["mean"].notna()
                          & rows["node"].isin(upstream)]
                top = bw.loc[bw["mean"].idxmax()] if len(bw) else None
                cells.append("–" if top is None else f"{top['mean']:.1f}")
            elif m in net.index:
                r = net.loc[m]
                cells.append(fmt(r["mean"], (r["ci_high"] - r["ci_low"]) / 2, m))
            else:
                cells.append("")
        table.add_row(name, *cells)
    return table
