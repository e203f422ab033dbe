"""A game's results: its table, bullwhip ratios, ``game.csv`` and the bullwhip figures.

Ratios are over the weeks played, sample variances (n − 1) as in ``metrics.kpi``:

- ``bullwhip``: variance of a role's weekly orders / variance of what was asked of it weekly
  (the ``bullwhip`` KPI of ``chainsim run``);
- ``amplification``: variance of its weekly orders / variance of the weekly consumer demand
  (the demand asked of the consumer-facing roles): how much the swings grew from the consumers
  to this role (the ``amplification`` KPI in a serial chain).

Both are drawn by ``report.bullwhip.ratio_bars``.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from chainsim.metrics.tiers import consumer_nodes, tiers
from chainsim.play.game import COLUMNS, Game
from chainsim.report.bullwhip import orders_inventory, ratio_bars
from chainsim.results.atomic import atomic_file

RATIO_COLUMNS = ["role", "played_by", "orders_variance", "bullwhip", "amplification"]


def game_frame(game: Game) -> pd.DataFrame:
    """One row per week per role (roles consumer end first), columns ``game.COLUMNS``."""
    return pd.DataFrame(game.rows, columns=COLUMNS)


def consumer_demand(frame: pd.DataFrame, scenario) -> pd.Series:
    """Weekly demand asked of the consumer-facing roles, summed, indexed by week."""
    rows = frame[frame["role"].isin(consumer_nodes(scenario))]
    weeks = sorted(frame["week"].unique())
    return rows.groupby("week")["incoming_order"].sum().reindex(weeks, fill_value=0)


def _ratio(num: float, den: float) -> float:
    return num / den if den > 0 and not math.isnan(num) else math.nan


def ratio_table(frame: pd.DataFrame, scenario) -> pd.DataFrame:
    """role, played_by, orders_variance, bullwhip, amplification (module doc); NaN where a
    variance is undefined (fewer than two weeks) or the reference variance is 0."""
    consumers = consumer_demand(frame, scenario).var(ddof=1)
    out = []
    for role, rows in frame.groupby("role", sort=False):
        orders = rows["order_placed"].var(ddof=1)
        out.append((role, rows["played_by"].iloc[0], orders,
                    _ratio(orders, rows["incoming_order"].var(ddof=1)),
                    _ratio(orders, consumers)))
    return pd.DataFrame(out, columns=RATIO_COLUMNS)


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """Write frame to path atomically: into a temporary file beside it, then renamed into
    place, so a reader never sees half a file and an old file stays whole until replaced."""
    path = Path(path)
    with atomic_file(path) as tmp, open(tmp, "w", encoding="utf-8", newline="") as f:
        frame.to_csv(f, index=False)
    return path


def figures(game: Game, ratios: pd.DataFrame) -> dict:
    """``bullwhip_orders`` (orders and net inventory per role over the weeks played) and
    ``bullwhip_ratio`` (each role's ``bullwhip`` and ``amplification``), drawn by
    ``report.bullwhip``."""
    scn = game.scenario
    series = game.sim.series.frame(scn.name, 0)
    series = series[series["day"] < game.played].copy()
    series["day"] += 1  # weeks count from 1, as in game.csv
    tier_list = tiers(scn)
    kpis = pd.concat([pd.DataFrame({"scenario": scn.name, "replication": 0,
                                    "node": ratios["role"], "metric": metric,
                                    "value": ratios[metric]})
                      for metric in ("bullwhip", "amplification")], ignore_index=True)
    return {"bullwhip_orders": orders_inventory(series, scn, tier_list),
            "bullwhip_ratio": ratio_bars(kpis, scn, tier_list)}
