"""Robustness of a study's recommendation: what if an assumption is off?

``sensitivity:`` names study settings by dotted path (the sweep's paths, on the study file:
``market.channels.marketplace.fee_pct``, ``market.coverage.k``, ``product.price``,
``strategies.2.price``) with a ``[low, high]`` range. Each varied study is expanded and sized
again — a changed assumption changes the networks and their stock, as a new study would — and
every strategy runs on the same random numbers (the study's seed, replications 0…n−1).

- Tornado: each assumption at its low and its high end, the others as written: the deciding
  firm's mean profit per strategy at each end.
- Influence: how far an assumption moves the recommended strategy's lead over the runner-up
  (the paired mean difference at the two ends; largest swing first).
- Decision map: the two most influential assumptions on a grid; at each point the strategy with
  the highest mean, and whether it is clear (its paired 95% CI against the second excludes 0).
- Flips: along each assumption, where the lead of the recommended strategy changes sign
  (linear between the base value and the end where another strategy wins), said in words.

The runs go through the sweep engine (``experiments.sweep.execute``: local processes or Dask),
so the numbers are the same for any number of workers.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from chainsim.engine.run import resolve
from chainsim.experiments.sweep import execute, plan_tasks
from chainsim.metrics.summary import t_half_width
from chainsim.scenario.facts import owner_row
from chainsim.scenario.load import load_scenario
from chainsim.scenario.variants import get_path, set_path
from chainsim.studies.expand import expand_templates, strategy_names
from chainsim.studies.spec import Study


@dataclass
class Robustness:
    """The tables of a sensitivity analysis (plain pandas, written as CSV)."""

    tornado: pd.DataFrame  # assumption, end, value, strategy, mean, ci_low, ci_high
    influence: pd.DataFrame  # assumption, low, high, lead_low, lead_high, swing
    decision: pd.DataFrame  # x, y, winner, second, lead, lead_low, lead_high, clear
    axes: tuple[str, str] | None
    flips: list[str]


def variant_study(data: dict, values: dict[str, Any]) -> Study:
    out = data
    for path, value in values.items():
        out = set_path(out, path, value)
    return Study.model_validate(out)


def variant_scenarios(study: Study) -> tuple[list[str], list]:
    """Every strategy of a (varied) study, expanded and sized, in file order."""
    nets = expand_templates(study)
    names = strategy_names(study)
    out = []
    for name, entry in zip(names, study.strategies, strict=True):
        out.append(load_scenario(nets[name] if entry.template is not None else entry.file))
    return names, out


def _scenarios(study: Study, replications: int, days: int | None):
    names, scns = variant_scenarios(study)
    return names, [resolve(s, replications=replications, days=days) for s in scns]


def evaluate(data: dict, variants: list[dict[str, Any]], replications: int, *, workers: int = 1,
             scheduler: str | None = None, days: int | None = None,
             progress: Callable[[int, int], None] | None = None) -> dict[int, pd.DataFrame]:
    """For each variant of the study: the firm's profit per replication (rows replication,
    columns strategy)."""
    scenarios, owner, names_of = [], [], []
    for v, values in enumerate(variants):
        study = variant_study(data, values)
        names, scns = _scenarios(study, replications, days)
        names_of.append(names)
        scenarios += scns
        owner += [(v, name) for name in names]
    firm = owner_row(Study.model_validate(data).perspective)
    tasks = plan_tasks(len(scenarios), replications)
    found: dict[tuple[int, str], dict[int, float]] = {key: {} for key in owner}
    finished = [0]

    def done(task, rows) -> None:
        for point, replication, node, metric, value in rows:
            if node == firm and metric == "profit":
                found[owner[point]][replication] = value
        finished[0] += 1
        if progress is not None:
            progress(finished[0], len(tasks))

    execute(scenarios, tasks, workers=workers, scheduler=scheduler, done=done)
    out = {}
    for v, names in enumerate(names_of):
        out[v] = pd.DataFrame({name: pd.Series(found[(v, name)]) for name in names}).sort_index()
    return out


def _mean_ci(values: np.ndarray) -> tuple[float, float, float]:
    mean = float(np.mean(values))
    half = t_half_width(float(np.std(values, ddof=1)), len(values)) if len(values) > 1 else math.nan
    return mean, mean - half, mean + half


def lead(table: pd.DataFrame, leader: str) -> tuple[float, float, float, str]:
    """The paired lead of ``leader`` over the best other strategy (mean, 95% CI) and that
    other strategy."""
    others = [c for c in table.columns if c != leader]
    rival = max(others, key=lambda c: table[c].mean())
    return (*_mean_ci((table[leader] - table[rival]).to_numpy()), rival)


def grid(low: float, high: float, steps: int, integer: bool) -> list[float]:
    values = np.linspace(low, high, steps)
    return sorted({int(round(v)) for v in values}) if integer else [float(v) for v in values]


def analyse(data: dict, ranges: dict[str, tuple[float, float]], recommended: str, *,
            replications: int, steps: int, workers: int = 1, scheduler: str | None = None,
            days: int | None = None, progress: Callable[[int, int], None] | None = None,
            map_progress: Callable[[int, int], None] | None = None) -> Robustness:
    """Tornado, influence, decision map and flips for the study ``data`` (its file as a plain
    mapping) around its recommendation."""
    paths = list(ranges)
    ends = [(p, end, ranges[p][i]) for p in paths for i, end in enumerate(("low", "high"))]
    tables = evaluate(data, [{p: v} for p, _, v in ends] + [{}], replications,
                      workers=workers, scheduler=scheduler, days=days, progress=progress)
    base_lead = lead(tables.pop(len(ends)), recommended)[0]  # the study as written
    rows, influence = [], []
    for (path, end, value), table in zip(ends, tables.values(), strict=True):
        for strategy in table.columns:
            rows.append((path, end, value, strategy, *_mean_ci(table[strategy].to_numpy())))
    tornado = pd.DataFrame(rows, columns=["assumption", "end", "value", "strategy", "mean",
                                          "ci_low", "ci_high"])
    for i, path in enumerate(paths):
        lo, hi = tables[2 * i], tables[2 * i + 1]
        lead_lo, lead_hi = lead(lo, recommended)[0], lead(hi, recommended)[0]
        influence.append((path, ranges[path][0], ranges[path][1], lead_lo, lead_hi,
                          abs(lead_hi - lead_lo)))
    influence_t = pd.DataFrame(influence, columns=["assumption", "low", "high", "lead_low",
                                                   "lead_high", "swing"])
    influence_t = influence_t.sort_values("swing", ascending=False, kind="stable",
                                          ignore_index=True)
    flips = flip_sentences(data, influence_t, tables, paths, recommended, base_lead)
    axes = tuple(influence_t["assumption"][:2]) if len(paths) >= 2 else None
    decision = pd.DataFrame(columns=["x", "y", "winner", "second", "lead", "lead_low",
                                     "lead_high", "clear"])
    if axes is not None:
        decision = decision_map(data, axes, ranges, replications=replications, steps=steps,
                                workers=workers, scheduler=scheduler, days=days,
                                progress=map_progress)
    return Robustness(tornado, influence_t, decision, axes, flips)


def decision_map(data: dict, axes: tuple[str, str], ranges: dict, *, replications: int,
                 steps: int, workers: int = 1, scheduler: str | None = None,
                 days: int | None = None,
                 progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    x_path, y_path = axes
    xs = grid(*ranges[x_path], steps, isinstance(get_path(data, x_path), int))
    ys = grid(*ranges[y_path], steps, isinstance(get_path(data, y_path), int))
    points = [(x, y) for y in ys for x in xs]
    tables = evaluate(data, [{x_path: x, y_path: y} for x, y in points], replications,
                      workers=workers, scheduler=scheduler, days=days, progress=progress)
    rows = []
    for (x, y), table in zip(points, tables.values(), strict=True):
        winner = max(table.columns, key=lambda c: table[c].mean())
        mean, low, high, second = lead(table, winner)
        rows.append((x, y, winner, second, mean, low, high, bool(low > 0)))
    return pd.DataFrame(rows, columns=["x", "y", "winner", "second", "lead", "lead_low",
                                       "lead_high", "clear"])


def flip_sentences(data: dict, influence: pd.DataFrame, tables: dict[int, pd.DataFrame],
                   paths: list[str], recommended: str, base_lead: float) -> list[str]:
    """Where the recommendation holds along each assumption, in words (most influential
    first): stays best over the whole range, or about where another strategy takes the lead
    (linear between the study's own value, where it leads by ``base_lead``, and the end where
    it no longer does)."""
    out = []
    for row in influence.itertuples():
        i = paths.index(row.assumption)
        base = float(get_path(data, row.assumption))
        ends = ((float(row.low), lead(tables[2 * i], recommended)),
                (float(row.high), lead(tables[2 * i + 1], recommended)))
        turned = [(v, lt) for v, lt in ends if lt[0] < 0]
        if not turned:
            out.append(f"{recommended} stays best over the whole range of {row.assumption} "
                       f"({_shown(row.low)} to {_shown(row.high)}).")
            continue
        for v, (mean, _, _, rival) in turned:
            where = base + (v - base) * base_lead / (base_lead - mean) if base_lead > 0 else v
            side = "below" if v > base else "above"
            out.append(f"{recommended} stays best while {row.assumption} is {side} about "
                       f"{_shown(where)}; at {_shown(v)} {rival} earns more (by "
                       f"{_shown(-mean)} a day).")
    return out


def _shown(value: float) -> str:
    return f"{value:.3g}" if abs(value) < 100 else f"{value:,.0f}"
