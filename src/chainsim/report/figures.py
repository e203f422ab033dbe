"""Figures of a comparison, drawn from the tidy tables only (kpis, summary, nodes).

Each function returns a matplotlib ``Figure`` drawn on the Agg canvas (no display, no global
backend switch); ``save`` writes it as PNG and SVG. matplotlib is imported inside the functions
so that importing chainsim stays fast. Text is drawn literally: a ``$`` in a scenario name is
not read as mathematics.

- ``kpi_bars``: a handful of network metrics per scenario, bars with 95% CI whiskers;
- ``cost_breakdown``: each actor's cost per day, stacked by kind, one panel per scenario;
- ``inventory_by_tier``: on-hand stock summed over the nodes of each role, with 95% CIs;
- ``coverage_margin``: network coverage (fill rate when there is no coverage metric) against
  margin per unit sold (channel profit / units sold), with 95% CIs on both.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

from chainsim.metrics.catalog import get
from chainsim.metrics.summary import t_half_width

NETWORK = "network"
KPI_METRICS = ("coverage", "units_sold", "manufacturer_margin", "channel_margin", "on_hand",
               "fill_rate", "channel_profit", "total_cost", "cost_to_serve", "lost_sales",
               "backorders")
MAX_KPI_PANELS = 6
COST_PARTS = ("holding_cost", "backorder_cost", "ordering_cost", "transport_cost",
              "pipeline_cost", "fees_cost", "channel_fees", "shipping_cost")
ROLE_ORDER = ("manufacturer", "wholesaler", "distributor", "retailer", "3pl")
MAX_ACTORS = 12  # a panel with more actors than this sums them by role


def metric_label(metric: str) -> str:
    """A panel or axis title from the metric catalogue: the name in words and its unit (a share
    is drawn as a fraction, so its unit reads "share")."""
    entry = get(metric)
    return f"{metric.replace('_', ' ')} ({entry.unit})" if entry is not None else metric


@contextmanager
def _plain_text():
    """Literal text (no mathtext from '$'), reproducible SVG ids, a compact font size. SVG text
    stays text (escaped ``<text>`` elements, searchable), not glyph outlines."""
    import matplotlib

    with matplotlib.rc_context({"text.parse_math": False, "svg.hashsalt": "chainsim",
                                "svg.fonttype": "none", "font.size": 9}):
        yield


def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=110, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _colors(n: int) -> list:
    from matplotlib import colormaps

    cmap = colormaps["tab10"]
    return [cmap(i % 10) for i in range(n)]


def _scenarios(table: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(table["scenario"]))


def _half(low, high) -> np.ndarray:
    half = (np.asarray(high, dtype=float) - np.asarray(low, dtype=float)) / 2
    return np.nan_to_num(half, nan=0.0)


def _mean_ci(values: pd.Series) -> tuple[float, float]:
    values = values.dropna()
    if values.empty:
        return float("nan"), float("nan")
    return float(values.mean()), t_half_width(float(values.std()), len(values))


def kpi_metrics(summary: pd.DataFrame, metric: str) -> list[str]:
    """The ranking metric, then the usual network metrics that are present, at most six."""
    present = set(summary.loc[summary["node"] == NETWORK, "metric"])
    chosen = [m for m in dict.fromkeys((metric, *KPI_METRICS)) if m in present]
    return chosen[:MAX_KPI_PANELS]


def kpi_bars(summary: pd.DataFrame, metrics: Sequence[str]):
    """One panel per network metric: a bar per scenario with its 95% CI whisker."""
    with _plain_text():
        scenarios = _scenarios(summary)
        cols = min(3, max(len(metrics), 1))
        rows = max(1, -(-len(metrics) // cols))
        fig = _figure(3.6 * cols, 2.2 + 2.4 * rows)
        net = summary[summary["node"] == NETWORK].set_index(["scenario", "metric"])
        colors = _colors(len(scenarios))
        x = np.arange(len(scenarios))
        for i, metric in enumerate(metrics):
            ax = fig.add_subplot(rows, cols, i + 1)
            keys = [(s, metric) for s in scenarios]
            rows_m = net.reindex(keys)
            ax.bar(x, rows_m["mean"].to_numpy(dtype=float), color=colors,
                   yerr=_half(rows_m["ci_low"], rows_m["ci_high"]), capsize=3,
                   error_kw={"elinewidth": 1})
            ax.set_title(metric_label(metric))
            ax.set_xticks(x, scenarios, rotation=30, ha="right")
            ax.axhline(0, color="0.6", linewidth=0.6)
        fig.suptitle("Network KPIs (mean, 95% CI)")
    return fig


def _actor_costs(summary: pd.DataFrame, nodes: pd.DataFrame, scenario: str,
                 parts: Sequence[str]) -> pd.DataFrame:
    """Rows: actors (nodes, or roles when there are many); columns: cost kinds per day."""
    own = summary[(summary["scenario"] == scenario) & summary["metric"].isin(parts)
                  & (summary["node"] != NETWORK) & ~summary["node"].str.contains("/", regex=False)]
    wide = own.pivot_table(index="node", columns="metric", values="mean", aggfunc="sum",
                           sort=False).reindex(columns=list(parts)).fillna(0.0)
    if len(wide) <= MAX_ACTORS:
        return wide
    roles = nodes[nodes["scenario"] == scenario].set_index("node")["role"]
    by_role = wide.groupby(wide.index.map(lambda n: roles.get(n, "other")), sort=False).sum()
    counts = pd.Series(wide.index.map(lambda n: roles.get(n, "other"))).value_counts()
    by_role.index = [f"{r} ×{counts[r]}" for r in by_role.index]
    return by_role


def cost_breakdown(summary: pd.DataFrame, nodes: pd.DataFrame):
    """Per scenario, each actor's cost per day stacked by kind (holding, backorder, ordering,
    transport, pipeline, 3PL fees, channel fees, parcel shipping)."""
    with _plain_text():
        scenarios = _scenarios(summary)
        used = summary[summary["metric"].isin(COST_PARTS) & (summary["node"] != NETWORK)]
        parts = [p for p in COST_PARTS
                 if p in set(used["metric"]) and (used.loc[used["metric"] == p, "mean"] != 0).any()]
        parts = parts or [p for p in COST_PARTS if p in set(used["metric"])][:1]
        cols = min(3, len(scenarios))
        rows = -(-len(scenarios) // cols)
        fig = _figure(3.8 * cols, 1.4 + 2.8 * rows)
        colors = _colors(len(COST_PARTS))
        axes = []
        for i, scenario in enumerate(scenarios):
            ax = fig.add_subplot(rows, cols, i + 1)
            axes.append(ax)
            wide = _actor_costs(summary, nodes, scenario, parts)
            x = np.arange(len(wide))
            bottom = np.zeros(len(wide))
            for part in parts:
                values = wide[part].to_numpy(dtype=float) if part in wide else np.zeros(len(wide))
                ax.bar(x, values, bottom=bottom, color=colors[COST_PARTS.index(part)],
                       label=part.replace("_", " "))
                bottom += values
            ax.set_xticks(x, [str(n) for n in wide.index], rotation=30, ha="right")
            ax.set_title(scenario)
            ax.set_ylabel("cost / day")
        if parts:
            handles, labels = axes[0].get_legend_handles_labels()
            fig.legend(handles, labels, loc="outside lower center", ncols=min(len(parts), 4))
        fig.suptitle("Cost per actor and kind (mean per day)")
    return fig


def tier_inventory(kpis: pd.DataFrame, nodes: pd.DataFrame) -> pd.DataFrame:
    """scenario, role, mean, half: on hand summed over the nodes of a role, per replication,
    then its mean and 95% CI half-width over replications."""
    on_hand = kpis[(kpis["metric"] == "on_hand")].merge(nodes, on=["scenario", "node"])
    per_rep = on_hand.groupby(["scenario", "role", "replication"], sort=False)["value"].sum()
    rows = [(s, r, *_mean_ci(v)) for (s, r), v in per_rep.groupby(level=[0, 1], sort=False)]
    return pd.DataFrame(rows, columns=["scenario", "role", "mean", "half"])


def inventory_by_tier(kpis: pd.DataFrame, nodes: pd.DataFrame):
    """Grouped bars: per scenario, mean on-hand units held at each tier (role), 95% CIs."""
    with _plain_text():
        table = tier_inventory(kpis, nodes)
        scenarios = _scenarios(kpis)
        roles = [r for r in ROLE_ORDER if r in set(table["role"])]
        roles += [r for r in dict.fromkeys(table["role"]) if r not in roles]
        fig = _figure(max(5.0, 1.2 + 1.1 * len(scenarios)), 3.8)
        ax = fig.add_subplot()
        width = 0.8 / max(len(roles), 1)
        x = np.arange(len(scenarios))
        colors = _colors(len(ROLE_ORDER) + len(roles))
        index = table.set_index(["scenario", "role"])
        for j, role in enumerate(roles):
            part = index.reindex([(s, role) for s in scenarios])
            ax.bar(x - 0.4 + width * (j + 0.5), part["mean"].to_numpy(dtype=float), width,
                   yerr=np.nan_to_num(part["half"].to_numpy(dtype=float)), capsize=2,
                   color=colors[j], label=role)
        ax.set_xticks(x, scenarios, rotation=30, ha="right")
        ax.set_ylabel("on hand (units, mean of end-of-day levels)")
        ax.legend(title="tier", fontsize=8)
        fig.suptitle("Inventory by tier (mean, 95% CI)")
    return fig


def margin_points(kpis: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """scenario, x, x_half, y, y_half and the x metric: network coverage when every scenario
    has it, else fill rate; y = channel profit / units sold, per replication, then mean ± CI."""
    net = kpis[kpis["node"] == NETWORK]
    wide = net.pivot_table(index=["scenario", "replication"], columns="metric", values="value",
                           sort=False)
    has_coverage = ("coverage" in wide.columns
                    and wide["coverage"].groupby(level=0, sort=False).count().min() > 0)
    x_metric = "coverage" if has_coverage else "fill_rate"
    units = wide.get("units_sold", pd.Series(np.nan, index=wide.index))
    margin = wide.get("channel_profit", pd.Series(np.nan, index=wide.index)) / units.where(units > 0)
    rows = []
    for scenario in _scenarios(kpis):
        if scenario not in wide.index.get_level_values(0):
            continue
        x = _mean_ci(wide.loc[scenario, x_metric]) if x_metric in wide else (np.nan, np.nan)
        y = _mean_ci(margin.loc[scenario])
        rows.append((scenario, *x, *y))
    return pd.DataFrame(rows, columns=["scenario", "x", "x_half", "y", "y_half"]), x_metric


def coverage_margin(kpis: pd.DataFrame):
    """Scatter: reach (coverage, or fill rate) against margin per unit sold, one point per
    scenario, with 95% CI bars on both axes."""
    with _plain_text():
        points, x_metric = margin_points(kpis)
        fig = _figure(5.6, 4.0)
        ax = fig.add_subplot()
        for (_, p), color in zip(points.iterrows(), _colors(len(points)), strict=True):
            ax.errorbar(p["x"], p["y"], xerr=np.nan_to_num(p["x_half"]),
                        yerr=np.nan_to_num(p["y_half"]), fmt="o", color=color, capsize=3)
            if np.isfinite(p["x"]) and np.isfinite(p["y"]):
                ax.annotate(p["scenario"], (p["x"], p["y"]), textcoords="offset points",
                            xytext=(5, 5), fontsize=8)
        ax.set_xlabel("market coverage" if x_metric == "coverage"
                      else "fill rate (no coverage metric)")
        ax.set_ylabel("margin per unit sold (channel profit / units sold)")
        ax.margins(0.15)
        fig.suptitle("Coverage vs margin (mean, 95% CI)")
    return fig


def comparison_figures(kpis: pd.DataFrame, summary: pd.DataFrame, nodes: pd.DataFrame,
                       metric: str) -> dict:
    """name -> Figure for every figure of a comparison."""
    return {
        "kpi_bars": kpi_bars(summary, kpi_metrics(summary, metric)),
        "cost_breakdown": cost_breakdown(summary, nodes),
        "inventory_by_tier": inventory_by_tier(kpis, nodes),
        "coverage_margin": coverage_margin(kpis),
    }


def save(fig, folder: Path, name: str) -> bytes:
    """Write ``name.png`` and ``name.svg`` into folder, each atomically (``results.atomic.write_bytes``);
    return the PNG's bytes. No software or date metadata, so the same tables give the same
    files."""
    import io

    from chainsim.results.atomic import write_bytes

    with _plain_text():
        buf = io.BytesIO()
        fig.savefig(buf, format="png", metadata={"Software": None})
        png = buf.getvalue()
        svg = io.BytesIO()
        fig.savefig(svg, format="svg", metadata={"Date": None, "Creator": None})
    write_bytes(folder / f"{name}.png", png)
    write_bytes(folder / f"{name}.svg", svg.getvalue())
    return png


def sweep_figure(summary: pd.DataFrame, parameters: Sequence[str], metric: str,
                 node: str = NETWORK):
    """A metric over the sweep's points at one node: against the parameter with a 95% CI band
    (one parameter), as a heatmap of means (two parameters on a grid), else a scatter of the
    first two parameters coloured by the mean. None when the metric is not there."""
    rows = summary[(summary["metric"] == metric) & (summary["node"] == node)]
    if rows.empty or not parameters:
        return None
    label = metric_label(metric)
    with _plain_text():
        fig = _figure(6.0, 4.0)
        ax = fig.add_subplot()
        x = parameters[0]
        if len(parameters) == 1:
            r = rows.sort_values(x)
            ax.plot(r[x], r["mean"], marker="o")
            ax.fill_between(r[x], r["ci_low"], r["ci_high"], alpha=0.25, label="95% CI")
            ax.set_xlabel(x)
            ax.set_ylabel(label)
            ax.legend()
        else:
            y = parameters[1]
            grid = rows.pivot_table(index=y, columns=x, values="mean")
            if grid.notna().all().all() and grid.size == len(rows):
                im = ax.imshow(grid.to_numpy(), origin="lower", aspect="auto", cmap="viridis")
                ax.set_xticks(range(len(grid.columns)), [f"{v:g}" for v in grid.columns])
                ax.set_yticks(range(len(grid.index)), [f"{v:g}" for v in grid.index])
            else:
                im = ax.scatter(rows[x], rows[y], c=rows["mean"], cmap="viridis", s=60)
            fig.colorbar(im, ax=ax, label=label)
            ax.set_xlabel(x)
            ax.set_ylabel(y)
        ax.set_title(f"{label} at {node} (mean over replications)")
    return fig
