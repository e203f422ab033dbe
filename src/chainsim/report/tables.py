"""Rich tables of summaries for the terminal.

Numbers are never cut: every column is as wide as its widest value (a header wraps at its
spaces instead), and when the columns do not fit the terminal they go on in a second table
below the first, the key columns (node, scenario, …) repeated. Metric headers, formats and
directions come from the metric catalogue.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
from rich.console import Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from chainsim.metrics.catalog import NETWORK, header, is_percent, lower_is_better
from chainsim.report.words import count

DEFAULT_METRICS = ("demand", "fill_rate", "cycle_service_level", "on_hand", "backorders",
                   "bullwhip", "total_cost", "profit")
#: shown as well, by default, for a scenario with a 3PL: its service to consumers
FULFILMENT_METRICS = ("on_time_rate", "order_lead_time_mean", "order_lead_time_p95",
                      "utilization")
WIDTH = 80  # when the console's width is not known


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


# --------------------------------------------------------------------------- fitting
@dataclass(frozen=True)
class Col:
    """A column: its header (plain text), alignment and style; ``names``: its cells are names
    (a node, a scenario), which may fold onto several lines when the terminal is too narrow."""

    header: str
    justify: str = "right"
    style: str | None = None
    names: bool = False


def _cell_width(markup: str) -> int:
    lines = Text.from_markup(markup, emoji=False).plain.split("\n")  # :x: is 3 wide
    return max(Text(line).cell_len for line in lines)


def _header_width(text: str) -> int:
    """The narrowest a header may be: its longest word (it wraps at spaces)."""
    return max((Text(word).cell_len for word in text.split()), default=1)


def fit(title: str | None, columns: list[Col], rows: list[list[str]], width: int | None = None,
        keys: int = 1, caption: str | None = None):
    """A table (or several, one under the other) of ``rows`` (rich markup cells) that fits
    ``width`` columns without cutting a value: each value column is exactly as wide as its
    widest cell or the longest word of its header; the first ``keys`` columns start every
    table; key columns too wide to leave room for a value column fold (names, headers). The
    title (rich markup) goes above the first table."""
    width = width or WIDTH
    widths = [max([_header_width(c.header), *(_cell_width(r[i]) for r in rows)])
              for i, c in enumerate(columns)]
    key_cols, value_cols = list(range(keys)), list(range(keys, len(columns)))
    widest_value = max((widths[i] + 3 for i in value_cols), default=0)
    # key columns too wide for one value column beside them give way, widest first: a
    # header folds down to its column's widest cell, a name column down to 4 characters
    floor = {i: 4 if columns[i].names else max([4, *(_cell_width(r[i]) for r in rows)])
             for i in key_cols}
    while sum(widths[i] + 3 for i in key_cols) + 1 + widest_value > width:
        shrinkable = [i for i in key_cols if widths[i] > floor[i]]
        if not shrinkable:
            break
        widths[max(shrinkable, key=lambda i: widths[i])] -= 1
    key_total = sum(widths[i] + 3 for i in key_cols) + 1  # padding 2 + border 1 each, + edge
    chunks: list[list[int]] = []
    used = width  # start a new chunk at once
    for i in value_cols:
        if used + widths[i] + 3 > width and (not chunks or chunks[-1]):
            chunks.append([])
            used = key_total
        chunks[-1].append(i)
        used += widths[i] + 3
    chunks = chunks or [[]]
    tables = []
    for n, chunk in enumerate(chunks):
        # room left over widens the columns whose header would wrap, the cheapest first
        spare = width - key_total - sum(widths[i] + 3 for i in chunk)
        for i in sorted(chunk, key=lambda i: Text(columns[i].header).cell_len - widths[i]):
            more = Text(columns[i].header).cell_len - widths[i]
            if 0 < more <= spare:
                widths[i] += more
                spare -= more
        table = Table(caption=caption if n == len(chunks) - 1 else None, caption_justify="left")
        for i in [*key_cols, *chunk]:
            c = columns[i]
            # a fixed width no value exceeds: rich neither shrinks the column nor cuts a
            # value; a header longer than the values wraps at its spaces (or folds)
            table.add_column(escape(c.header), justify=c.justify, style=c.style,
                             width=widths[i], overflow="fold")
        for r in rows:
            if not chunk or any(r[i] for i in chunk):  # a row with nothing in this part: out
                table.add_row(*[r[i] for i in [*key_cols, *chunk]])
        tables.append(table)
    # the title above the tables wraps at the terminal's width, not at a narrow table's
    heading = [Text.from_markup(title, style="italic", emoji=False)] if title else []
    return Group(*heading, *tables)


def _value(index: pd.DataFrame, key, metric: str) -> str:
    if key not in index.index:
        return ""
    row = index.loc[key]
    return fmt(row["mean"], (row["ci_high"] - row["ci_low"]) / 2, metric)


# --------------------------------------------------------------------------- tables
def run_metrics(summary: pd.DataFrame) -> tuple[str, ...]:
    """The metrics ``chainsim run`` shows by default: DEFAULT_METRICS, and a 3PL's service
    (FULFILMENT_METRICS) when the scenario has one."""
    present = set(summary["metric"])
    extra = tuple(m for m in FULFILMENT_METRICS if m in present)
    return DEFAULT_METRICS + extra


def summary_table(summary: pd.DataFrame, title: str, metrics=DEFAULT_METRICS,
                  max_rows: int = 30, width: int | None = None):
    """Rows are nodes (network last), columns metrics, cells mean ± 95% CI half-width. A node
    with none of the metrics (e.g. a 3PL channel's row when its metrics are not shown) is left
    out."""
    metrics = [m for m in metrics if m in set(summary["metric"])]
    index = summary.set_index(["node", "metric"])
    nodes = [n for n in dict.fromkeys(summary["node"]) if n != NETWORK]
    if NETWORK in set(summary["node"]):
        nodes.append(NETWORK)
    rows = []
    for node in nodes:
        cells = [_value(index, (node, m), m) for m in metrics]
        if any(cells):
            rows.append([escape(str(node)), *cells])
    shown = rows if len(rows) <= max_rows else rows[: max_rows - 1] + rows[-1:]
    caption = (f"{count(len(rows) - len(shown), 'more node')} in summary.csv"
               if len(shown) < len(rows) else None)
    columns = [Col("node", "left", "bold", names=True), *(Col(header(m)) for m in metrics)]
    return fit(title, columns, shown, width, caption=caption)


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
                   nodes: pd.DataFrame | None = None, width: int | None = None):
    """One row per scenario: the network's trade-offs (mean ± 95% CI half-width). Bullwhip is
    the largest among the wholesalers and distributors (``nodes``: scenario, node, role)."""
    rows = []
    for name in scenarios:
        mine = summary[summary["scenario"] == name]
        net = mine[mine["node"] == NETWORK].set_index("metric")
        cells = []
        for m in TRADEOFF_METRICS:
            if m == "bullwhip":
                upstream = set() if nodes is None else set(nodes.loc[
                    (nodes["scenario"] == name) & nodes["role"].isin(UPSTREAM_ROLES), "node"])
                bw = mine[(mine["metric"] == "bullwhip") & mine["mean"].notna()
                          & mine["node"].isin(upstream)]
                top = bw.loc[bw["mean"].idxmax()] if len(bw) else None
                cells.append("–" if top is None else f"{top['mean']:.1f}")
            else:
                cells.append(_value(net, m, m))
        rows.append([escape(str(name)), *cells])
    columns = [Col("scenario", "left", "bold", names=True), *(Col(TRADEOFF_HEADERS[m])
                                                   for m in TRADEOFF_METRICS)]
    return fit(title, columns, rows, width, caption=TRADEOFF_CAPTION)


def ranking_table(ranking: pd.DataFrame, metric: str, baseline: str, settings: dict,
                  width: int | None = None):
    """The ranking metric's rows, best first: mean ± CI half-width, the paired difference to
    the baseline ± CI, P(best)."""
    from chainsim.report.html import plus_minus, share

    s = settings
    order = "lowest" if lower_is_better(metric) else "highest"
    title = (f"{escape(metric)} at the network, {order} first: "
             f"{count(s['replications'], 'replication')} × {count(s['days'], 'day')} (after "
             f"{s['warmup']} warm-up), seed {s['seed']} for all; mean ± 95% CI half-width")
    rows = []
    for r in ranking.itertuples():
        diff = ("baseline" if r.scenario == baseline else
                plus_minus(r.diff_mean, r.diff_ci_low, r.diff_ci_high, metric, signed=True))
        rows.append([str(r.rank), escape(str(r.scenario)),
                     escape(plus_minus(r.mean, r.ci_low, r.ci_high, metric)), escape(diff),
                     share(r.p_best)])
    columns = [Col("#"), Col("scenario", "left", "bold", names=True), Col(metric),
               Col(f"vs {baseline} (paired)"), Col("P(best)")]
    return fit(title, columns, rows, width, keys=2)


def sweep_table(summary: pd.DataFrame, parameters: list[str], metrics, rows: int = 10,
                width: int | None = None):
    """The best points by the first metric at node 'network' (else the first node)."""
    metric = (metrics or ["channel_profit"])[0]
    picked = summary[summary["metric"] == metric]
    node = NETWORK if (picked["node"] == NETWORK).any() else (
        picked["node"].iloc[0] if len(picked) else NETWORK)
    picked = picked[picked["node"] == node].sort_values(
        "mean", ascending=lower_is_better(metric)).head(rows)
    title = (f"best points by {escape(metric)} at {escape(str(node))} "
             "(mean ± 95% CI half-width)")
    body = []
    for row in picked.to_dict("records"):  # (parameter names are not identifiers)
        half = (row["ci_high"] - row["ci_low"]) / 2
        body.append([escape(str(row.get(p, ""))) for p in parameters]
                    + [str(row["point"]), f"{row['mean']:,.3f} ± {half:,.3f}"])
    columns = [*(Col(str(p)) for p in parameters), Col("point"), Col(metric)]
    return fit(title, columns, body, width, keys=len(parameters) + 1)
