"""The bullwhip effect in pictures (issue 8): how order swings grow from the consumer upstream.

A *tier* is a stocking node that places orders (a node with a policy; an outside source with
``infinite_supply`` never orders and is no tier). Tiers run from the consumer end upstream, in
the network's review order (``metrics.tiers``, where a tier is defined). A network with more
than ``metrics.tiers.MAX_TIER_NODES`` stocking nodes is drawn per role instead: the series of a role's nodes
are summed, and its variance ratio is the mean over the role's nodes.

The *bullwhip ratio* (variance ratio) of a node is the ``bullwhip`` KPI: the sample variance of
the orders it places per day over the variance of the demand it receives per day; 1 means no
amplification. Its mean and 95% CI over replications come from the KPI rows.

- ``orders_inventory``: for one replication, orders placed and net inventory (on hand −
  backorders) per tier over time, consumer demand as the reference, two panels sharing time;
- ``ratio_bars``: the variance ratio per tier, mean with 95% CI whiskers;
- ``comparison_ratio_bars``: grouped bars, per scenario the variance ratio of each tier (role).

matplotlib is imported inside the functions (through ``report.figures``' helpers).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from chainsim.metrics.summary import mean_ci
from chainsim.metrics.tiers import Tier, consumer_nodes, tiers
from chainsim.report.figures import _colors, _figure, _half, _plain_text, save

METRIC = "bullwhip"
AMPLIFICATION = "amplification"
RATIO_COLUMNS = ["tier", "role", "nodes", "mean", "ci_low", "ci_high", "n"]
EXPLANATION = ("The bullwhip ratio of a tier is the variance of the orders it places divided by "
               "the variance of the demand it receives: 1 means no amplification, above 1 the "
               "tier passes on larger swings than it sees.")


def period(scenario) -> str:
    """What one simulated step stands for, for axis labels: "day" (default) or "week"."""
    return getattr(scenario, "period", None) or "day"


# --------------------------------------------------------------------------- data
def tier_series(timeseries: pd.DataFrame, scenario, tier_list: Sequence[Tier],
                replication: int = 0) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """For one replication: orders placed and net inventory (on hand − backorders) per day,
    one column per tier (the sum over its nodes), and the consumer demand (the demand asked of
    the consumer-facing nodes, summed)."""
    ts = timeseries[timeseries["replication"] == replication]
    ts = ts.assign(node=ts["node"].astype(str), net=ts["on_hand"] - ts["backorders"])

    def wide(column: str) -> pd.DataFrame:
        return ts.pivot(index="day", columns="node", values=column)

    orders, net, demand = wide("orders"), wide("net"), wide("demand")

    def by_tier(table: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame({t.label: table.reindex(columns=list(t.nodes)).sum(axis=1)
                             for t in tier_list}, index=table.index)

    consumers = demand.reindex(columns=consumer_nodes(scenario)).sum(axis=1)
    return by_tier(orders), by_tier(net), consumers.rename("consumer demand")


def ratio_table(kpis: pd.DataFrame, tier_list: Sequence[Tier],
                metric: str = METRIC) -> pd.DataFrame:
    """tier, role, nodes, mean, ci_low, ci_high, n of a variance ratio (``bullwhip`` or
    ``amplification``), in tier order: per replication the mean of the KPI over the tier's nodes
    (NaNs left out), then the mean and 95% t-interval over replications. For a one-node tier
    these are the summary's."""
    label = {nid: t.label for t in tier_list for nid in t.nodes}
    rows = kpis[(kpis["metric"] == metric) & kpis["node"].isin(label)]
    per_rep = (rows.assign(tier=rows["node"].map(label))
               .groupby(["tier", "replication"], sort=False)["value"].mean().reset_index())
    stats = mean_ci(per_rep, ["tier"]) if len(per_rep) else pd.DataFrame(
        columns=["tier", "mean", "std", "n", "ci_low", "ci_high"])
    stats = stats.set_index("tier").reindex([t.label for t in tier_list])
    out = pd.DataFrame({"tier": [t.label for t in tier_list],
                        "role": [t.role for t in tier_list],
                        "nodes": [len(t.nodes) for t in tier_list]})
    for column in ("mean", "ci_low", "ci_high", "n"):
        out[column] = stats[column].to_numpy()
    out["n"] = out["n"].fillna(0).astype(int)
    return out[RATIO_COLUMNS]


def comparison_ratio_table(kpis: pd.DataFrame, scenarios: Sequence) -> pd.DataFrame:
    """scenario, then ``ratio_table``'s columns: each scenario's variance ratio per role, its
    roles from the consumer end upstream."""
    parts = []
    for scn in scenarios:
        table = ratio_table(kpis[kpis["scenario"] == scn.name], tiers(scn, by_role=True))
        table.insert(0, "scenario", scn.name)
        parts.append(table)
    if not parts:
        return pd.DataFrame(columns=["scenario", *RATIO_COLUMNS])
    return pd.concat(parts, ignore_index=True)


# --------------------------------------------------------------------------- figures
def _tier_name(t: Tier) -> str:
    return t.label if t.by_role else f"{t.label} ({t.role})"


def _no_tiers(ax) -> None:
    ax.text(0.5, 0.5, "no stocking node places orders", ha="center", va="center",
            transform=ax.transAxes)


def orders_inventory(timeseries: pd.DataFrame, scenario, tier_list: Sequence[Tier] | None = None,
                     replication: int = 0):
    """Two panels sharing the time axis: orders placed per tier with the consumer demand as the
    reference line, and net inventory (on hand − backorders) per tier; warm-up shaded."""
    tier_list = tiers(scenario) if tier_list is None else list(tier_list)
    summed = any(t.by_role for t in tier_list)
    unit = period(scenario)
    with _plain_text():
        orders, net, demand = tier_series(timeseries, scenario, tier_list, replication)
        fig = _figure(8.0, 5.6)
        top = fig.add_subplot(2, 1, 1)
        bottom = fig.add_subplot(2, 1, 2, sharex=top)
        colors = _colors(len(tier_list))
        warmup = getattr(scenario, "warmup_days", 0) or 0
        for ax in (top, bottom):
            if warmup:
                ax.axvspan(-0.5, warmup - 0.5, color="0.93", zorder=0,
                           label="warm-up" if ax is top else None)
        # upstream tiers first, so the consumer end (smaller swings) is drawn on top
        for i in reversed(range(len(tier_list))):
            t = tier_list[i]
            top.plot(orders.index, orders[t.label], color=colors[i], linewidth=0.8,
                     label=_tier_name(t))
            bottom.plot(net.index, net[t.label], color=colors[i], linewidth=0.8,
                        label=_tier_name(t))
        top.plot(demand.index, demand.to_numpy(dtype=float), color="black", linewidth=0.8,
                 label="consumer demand")
        bottom.axhline(0, color="0.5", linewidth=0.6)
        if not tier_list:
            _no_tiers(top)
        each = "summed over the role's nodes" if summed else "per tier"
        top.set_ylabel(f"units per {unit}")
        top.set_title(f"Orders placed ({each}) and consumer demand")
        bottom.set_ylabel("units")
        bottom.set_title(f"Net inventory: on hand − backorders, end of {unit} ({each})")
        bottom.set_xlabel(unit)
        top.tick_params(labelbottom=False)
        handles, labels = top.get_legend_handles_labels()
        order = sorted(range(len(labels)), key=lambda k: _legend_rank(labels[k], tier_list))
        fig.legend([handles[k] for k in order], [labels[k] for k in order],
                   loc="outside right upper", fontsize=8, title="consumer end first")
        fig.suptitle(f"{scenario.name}: the bullwhip effect (replication {replication})")
    return fig


def _legend_rank(label: str, tier_list: Sequence[Tier]) -> int:
    """Legend order: consumer demand, the tiers from the consumer end upstream, warm-up."""
    names = [_tier_name(t) for t in tier_list]
    if label == "consumer demand":
        return -1
    return names.index(label) if label in names else len(names)


def _bar_label(t: Tier) -> str:
    return t.label if t.by_role else f"{t.label}\n{t.role}"


def ratio_bars(kpis: pd.DataFrame, scenario, tier_list: Sequence[Tier] | None = None):
    """Two variance ratios per tier, consumer end first, mean over replications with 95% CI
    whiskers: ``bullwhip`` (orders / the demand the tier receives: what this tier adds) and
    ``amplification`` (orders / consumer demand: what the chain has built up by this tier);
    a dashed line at 1 (no amplification)."""
    tier_list = tiers(scenario) if tier_list is None else list(tier_list)
    summed = any(t.by_role for t in tier_list)
    with _plain_text():
        fig = _figure(max(4.5, 1.6 + 1.1 * len(tier_list)), 3.8)
        ax = fig.add_subplot()
        x = np.arange(len(tier_list))
        width = 0.4
        kinds = ((METRIC, "vs demand received (bullwhip)", -width / 2, 1.0),
                 (AMPLIFICATION, "vs consumer demand (amplification)", width / 2, 0.5))
        for metric, label, shift, alpha in kinds:
            table = ratio_table(kpis, tier_list, metric)
            means = table["mean"].to_numpy(dtype=float)
            ax.bar(x + shift, np.nan_to_num(means), width, color=_colors(len(table)),
                   alpha=alpha, edgecolor="0.2", linewidth=0.5, label=label, gid=metric,
                   yerr=_half(table["ci_low"], table["ci_high"]), capsize=3,
                   error_kw={"elinewidth": 1})
        ax.axhline(1, color="0.3", linewidth=0.8, linestyle="--", label="1 = no amplification")
        ax.set_xticks(x, [_bar_label(t) for t in tier_list])
        ax.set_xlabel("tier, consumer end first" + (" (per role)" if summed else ""))
        ax.set_ylabel("variance of orders / variance of demand"
                      + ("\n(mean over the role's nodes)" if summed else ""))
        ax.legend(fontsize=8)
        if not tier_list:
            _no_tiers(ax)
        fig.suptitle(f"{scenario.name}: variance ratios per tier (mean, 95% CI)")
    return fig


def comparison_ratio_bars(kpis: pd.DataFrame, scenarios: Sequence):
    """Grouped bars: per scenario, the variance ratio of each tier (role; mean over the role's
    nodes), roles from the consumer end upstream, 95% CI whiskers, a dashed line at 1."""
    with _plain_text():
        table = comparison_ratio_table(kpis, scenarios)
        names = [s.name for s in scenarios]
        # a role's place: its mean position from the consumer end over the scenarios
        place = table.assign(pos=table.groupby("scenario", sort=False).cumcount())
        roles = list(place.groupby("role", sort=False)["pos"].mean().sort_values(kind="stable")
                     .index)
        fig = _figure(max(5.5, 1.6 + 0.4 * len(roles) * len(names)), 4.0)
        ax = fig.add_subplot()
        width = 0.8 / max(len(roles), 1)
        x = np.arange(len(names))
        colors = _colors(len(roles))
        index = table.set_index(["scenario", "role"])
        for j, role in enumerate(roles):
            part = index.reindex([(s, role) for s in names])
            ax.bar(x - 0.4 + width * (j + 0.5), part["mean"].to_numpy(dtype=float), width,
                   yerr=_half(part["ci_low"], part["ci_high"]), capsize=2, color=colors[j],
                   label=role)
        ax.axhline(1, color="0.3", linewidth=0.8, linestyle="--", label="1 = no amplification")
        ax.set_xticks(x, names, rotation=30 if len(names) > 3 else 0,
                      ha="right" if len(names) > 3 else "center")
        ax.set_ylabel("variance of orders / variance of demand\n(mean over the tier's nodes)")
        ax.legend(title="tier, consumer end first", fontsize=8)
        fig.suptitle("Bullwhip ratio per tier (mean, 95% CI)")
    return fig


def run_figures(results, replication: int = 0) -> dict:
    """name -> Figure: ``bullwhip_orders`` (needs ``results.timeseries`` with the replication)
    and ``bullwhip_ratio``."""
    scenario = results.scenario
    tier_list = tiers(scenario)
    return {
        "bullwhip_orders": orders_inventory(results.timeseries, scenario, tier_list, replication),
        "bullwhip_ratio": ratio_bars(results.kpis, scenario, tier_list),
    }


def write_run_figures(figures: dict, folder: Path) -> list[Path]:
    """Save each figure as PNG and SVG into folder (created); return the files written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, fig in figures.items():
        save(fig, folder, name)
        written += [folder / f"{name}.png", folder / f"{name}.svg"]
    return written


def write_results_with_figures(results, figures: dict, out_dir: Path,
                               version: str) -> tuple[list[Path], list[Path]]:
    """``results.write.write_results`` plus ``figures/``, whole or not at all: the figures are
    saved into the results folder while it is still a temporary folder beside out_dir, which
    then replaces out_dir whole. Returns the folder's top-level entries and the figure files."""
    from chainsim.results.atomic import replace_folder, temp_folder
    from chainsim.results.write import write_results

    out_dir = Path(out_dir)
    with temp_folder(out_dir) as staging:
        write_results(results, staging / "run", version)
        write_run_figures(figures, staging / "run" / "figures")
        replace_folder(staging / "run", out_dir)
    drawn = [out_dir / "figures" / f"{name}.{ext}" for name in figures for ext in ("png", "svg")]
    return sorted(out_dir.iterdir()), drawn
