"""Compare scenarios side by side with common random numbers (README: Command line, compare).

Every scenario runs with the same seed, the same replication indices, the same horizon and the
same warm-up. chainsim's random streams are named by what they drive (``demand/<node>``,
``lead_time/<from>/<to>``, region ids in market mode) and seeded from (seed, replication, name),
so two scenarios that share a name see the same numbers in the same replication: the market's
demand is the same draw for every strategy. A difference between scenarios in replication r is
then mostly the effect of the change, not of luck, and the paired differences

    d_r = x_r(scenario) − x_r(baseline),   r = 0 … n−1

have a far smaller variance than the difference of two independent runs. Their mean, sample
standard deviation and 95% Student-t interval (mean ± t(n−1, 0.975) · std / √n) are reported
per scenario, node and metric. The ranking metric (node ``network``) also gets the probability
that each scenario is best: the share of replications in which it wins, a tie splitting the win
equally among the tied scenarios.

Direction: the metric catalogue (``metrics/catalog.py``) says whether lower or higher is better;
a metric where lower is better (costs, shortfalls, variances, lead times, waits) is ranked lowest
first, every other metric highest first. The ranking metric must be a network metric of the
catalogue; a name that is not is refused before anything is simulated.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from chainsim.errors import ChainsimError, Problem, ScenarioError
from chainsim.metrics import catalog
from chainsim.metrics.catalog import lower_is_better
from chainsim.metrics.summary import mean_ci
from chainsim.scenario.facts import NETWORK_ROW, OWNER_ROW_PREFIX

NETWORK = NETWORK_ROW
DEFAULT_METRIC = "channel_profit"

DIFF_COLUMNS = ["diff_mean", "diff_std", "diff_ci_low", "diff_ci_high", "diff_n"]
COMPARISON_COLUMNS = ["scenario", "baseline", "node", "metric", "mean", "std", "ci_low",
                      "ci_high", "n", *DIFF_COLUMNS, "p_best"]
RANKING_COLUMNS = ["rank", "scenario", "metric", "mean", "std", "ci_low", "ci_high", "n",
                   "diff_mean", "diff_ci_low", "diff_ci_high", "diff_n", "p_best"]


class CompareError(ChainsimError):
    """Bad input to a comparison that is not a scenario file's (unknown baseline or metric)."""


# --------------------------------------------------------------------------- statistics
def paired_differences(kpis: pd.DataFrame, baseline: str, level: float = 0.95) -> pd.DataFrame:
    """Per (scenario, node, metric) present in both the scenario and the baseline: the mean,
    sample std, t-interval and count of d_r = x_r(scenario) − x_r(baseline), paired by
    replication. Replications where either value is NaN are left out of n."""
    base = kpis.loc[kpis["scenario"] == baseline, ["replication", "node", "metric", "value"]]
    if base.empty:
        raise CompareError(f"baseline {baseline!r} has no KPI rows")
    merged = kpis.merge(base, on=["replication", "node", "metric"], suffixes=("", "_base"))
    merged["diff"] = merged["value"] - merged["value_base"]
    out = mean_ci(merged, ["scenario", "node", "metric"], "diff", level).rename(columns={
        "mean": "diff_mean", "std": "diff_std", "n": "diff_n", "ci_low": "diff_ci_low",
        "ci_high": "diff_ci_high"})
    out.insert(1, "baseline", baseline)
    return out[["scenario", "baseline", "node", "metric", *DIFF_COLUMNS]]


def p_best(kpis: pd.DataFrame, metric: str, node: str = NETWORK) -> pd.Series:
    """Share of replications in which each scenario has the best value of ``metric`` at
    ``node`` (lowest if lower is better, else highest); k tied scenarios get 1/k each. A NaN
    value never wins; replications where every value is NaN are not counted."""
    sel = kpis[(kpis["node"] == node) & (kpis["metric"] == metric)]
    order = list(dict.fromkeys(sel["scenario"]))
    wide = sel.pivot(index="replication", columns="scenario", values="value").reindex(columns=order)
    values = wide.to_numpy(dtype=float)
    if lower_is_better(metric):
        values = -values
    present = ~np.isnan(values)
    best = np.where(present, values, -np.inf).max(axis=1, initial=-np.inf)
    wins = present & (values == best[:, None])
    counts = wins.sum(axis=1)
    counted = counts > 0
    if not counted.any():
        return pd.Series(np.nan, index=pd.Index(order, name="scenario"), name="p_best")
    shares = wins[counted] / counts[counted, None]
    return pd.Series(shares.sum(axis=0) / counted.sum(), index=pd.Index(order, name="scenario"),
                     name="p_best")


def ranking(summary: pd.DataFrame, diffs: pd.DataFrame, kpis: pd.DataFrame, metric: str,
            node: str = NETWORK) -> pd.DataFrame:
    """One row per scenario for ``metric`` at ``node``: summary, difference to the baseline and
    P(best), best first (ascending when lower is better); ``rank`` counts from 1."""
    rows = summary[(summary["node"] == node) & (summary["metric"] == metric)]
    d = diffs[(diffs["node"] == node) & (diffs["metric"] == metric)]
    out = rows.merge(d[["scenario", "diff_mean", "diff_ci_low", "diff_ci_high", "diff_n"]],
                     on="scenario", how="left")
    out = out.merge(p_best(kpis, metric, node).reset_index(), on="scenario", how="left")
    out = out.sort_values(["mean", "p_best"], ascending=[lower_is_better(metric), False],
                          na_position="last", kind="stable", ignore_index=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    out["diff_n"] = out["diff_n"].astype("Int64")
    return out[RANKING_COLUMNS]


def comparison_table(summary: pd.DataFrame, diffs: pd.DataFrame, kpis: pd.DataFrame,
                     metric: str, baseline: str, node: str = NETWORK) -> pd.DataFrame:
    """The tidy comparison: every summary row with its paired difference to the baseline
    (NaN where the baseline lacks that node or metric) and, on the ranking metric's rows of
    the ranking node, P(best)."""
    out = summary.merge(diffs.drop(columns="baseline"), on=["scenario", "node", "metric"],
                        how="left")
    out.insert(1, "baseline", baseline)
    best = p_best(kpis, metric, node)
    ranked = (out["node"] == node) & (out["metric"] == metric)
    out["p_best"] = np.where(ranked, out["scenario"].map(best), np.nan)
    out["diff_n"] = out["diff_n"].astype("Int64")
    return out[COMPARISON_COLUMNS]


# --------------------------------------------------------------------------- inputs
def network_metrics() -> list[str]:
    """The catalogue's metrics written for node ``network``: what a comparison can rank by."""
    return [m.name for m in catalog.CATALOG.values() if "network" in m.scopes]


def check_metric(metric: str, node: str = NETWORK) -> None:
    """Raise CompareError at once when ``metric`` is not a metric of the catalogue written for
    the ranking node (``network``, or a firm's ``owner:<name>`` row)."""
    if node != NETWORK:
        scope = "owner" if node.startswith(OWNER_ROW_PREFIX) else "node"
        choices = [m.name for m in catalog.CATALOG.values() if scope in m.scopes]
        if metric not in choices:
            raise CompareError(f"--metric {catalog.named(metric, choices)} is not written for "
                               f"{node}; use one of: {', '.join(choices)}")
        return
    choices = network_metrics()
    if metric not in choices:
        raise CompareError(f"--metric {catalog.named(metric, choices)} is not a network metric; "
                           f"use one of: {', '.join(choices)}")


def _scenario_files(inputs: Iterable[Any]) -> list[tuple[Any, bool]]:
    """(item, explicit) per input; a directory becomes its *.yaml / *.yml files (not explicit)."""
    items: list[tuple[Any, bool]] = []
    for item in inputs:
        if isinstance(item, str | Path) and Path(item).is_dir():
            items.extend((p, False) for p in sorted(Path(item).iterdir())
                         if p.suffix in (".yaml", ".yml") and p.is_file()
                         and not p.name.startswith("."))
        else:
            items.append((item, True))
    return items


MAX_FOLDER_NAME = 60


def default_folder(inputs: Iterable[Any], root: Path = Path("results")) -> Path:
    """Where a comparison is written when no ``--out`` is given: ``results/compare-<what>/``,
    ``<what>`` the names of the inputs as given (a folder's name, a file's name without
    ``.yaml``) joined by ``_vs_``, e.g. ``results/compare-strategies/`` or
    ``results/compare-direct_vs_selective/``. Made safe as a folder name; a name longer than
    60 characters is cut to 51 and ends with 8 hex digits of its SHA-256, so different inputs
    keep different folders."""
    import hashlib

    from chainsim.results.atomic import safe_name

    parts = []
    for item in inputs:
        path = Path(item) if isinstance(item, str | Path) else None
        if path is None:
            parts.append("scenario")
        else:
            parts.append(path.resolve().name if path.is_dir() else path.stem)
    what = safe_name("_vs_".join(parts) or "scenarios")
    if len(what) > MAX_FOLDER_NAME:
        digest = hashlib.sha256(what.encode("utf-8")).hexdigest()[:8]
        what = f"{what[:MAX_FOLDER_NAME - 9]}-{digest}"
    return root / f"compare-{what}"


def load_scenarios(inputs: Iterable[Any], *,
                   allow_outside_paths: bool = False) -> tuple[list[Any], list[str]]:
    """Load every scenario named by ``inputs`` (files, directories, mappings or Scenarios).

    A directory contributes each of its YAML files that is a scenario: a file whose top level
    (after ``extends:``) has no ``nodes:`` — a shared base such as a ``market.yaml`` — is meant
    to be extended and is skipped. Returns the scenarios and where each came from. Raises
    ScenarioError with every problem of every file (and scenario names used twice), or
    CompareError when there are fewer than two scenarios to compare. A file may name
    (``extends:``, ``csv:``) only files in its own folder, unless ``allow_outside_paths``.
    """
    from chainsim.scenario.load import (
        check_base,
        is_base_file,
        load_raw,
        load_scenario,
        parse_scenario,
    )
    from chainsim.scenario.positions import locate

    scenarios, sources, problems = [], [], []
    seen: dict[str, str] = {}
    inputs = list(inputs)
    for item, explicit in _scenario_files(inputs):
        raw = None
        try:
            if isinstance(item, str | Path):
                path = Path(item)
                raw = load_raw(path, allow_outside_paths=allow_outside_paths)
                if not explicit and is_base_file(raw):
                    check_base(raw, str(path))  # what it says must still be right
                    continue  # a base meant to be extended, e.g. the strategies' market.yaml
                scn = parse_scenario(raw, str(path))
                source = str(path)
            else:
                scn = load_scenario(item)
                source = "<dict>" if isinstance(item, Mapping) else "<scenario>"
        except ScenarioError as exc:
            problems.extend(exc.problems)
            continue
        except RecursionError:
            problems.append(Problem(str(item), 1, 1, "the file is nested too deeply; flatten it"))
            continue
        if scn.name in seen:
            file, line, col = (locate(raw, ("name",), source) if raw is not None
                               else (source, 0, 0))
            problems.append(Problem(file, line, col,
                                    f"scenario name {scn.name!r} is also the name of "
                                    f"{seen[scn.name]}; give each compared scenario its own name"))
            continue
        seen[scn.name] = source
        scenarios.append(scn)
        sources.append(source)
    if problems:  # a base's own problems also show up in the files that extend it
        raise ScenarioError(list(dict.fromkeys(problems)))
    if len(scenarios) < 2:
        shown = ", ".join(str(i) for i in inputs) or "(nothing)"
        found = f"only {scenarios[0].name!r}" if scenarios else "none"
        raise CompareError(f"a comparison needs at least two scenarios; {shown} gave {found} "
                           "(a scenario is a *.yaml file with nodes:); name more scenario files "
                           "or folders that hold them")
    return scenarios, sources


def _check_limits(scenarios: list[Any], sources: list[str], *, replications: int | None,
                  days: int | None, warmup: int | None, settings: dict[str, int]) -> None:
    """Refuse a comparison over the run-size limits. The settings are the first scenario's
    (or the arguments'), so days and replications are checked there; sizes everywhere."""
    from chainsim.scenario.limits import LimitError, over_limits, raw_for

    problems: list[Problem] = []
    flags: list[str] = []
    for i, (scn, src) in enumerate(zip(scenarios, sources, strict=True)):
        given = (dict(replications=replications, days=days, warmup=warmup) if i == 0 else
                 dict(replications=settings["replications"], days=settings["days"],
                      warmup=settings["warmup"]))
        found, over = over_limits(scn, None, src, **given)
        if found and Path(src).is_file():
            found, over = over_limits(scn, raw_for(src), src, **given)
        problems += found
        flags += over if i == 0 else []
    if problems:
        raise ScenarioError(problems)
    if flags:
        raise LimitError(flags)


# --------------------------------------------------------------------------- the comparison
@dataclass
class Comparison:
    """What a comparison produced: the tables (shaped like the CSV files) and the settings.

    ``kpis`` and ``summary`` hold every scenario; ``comparison`` adds paired differences and
    P(best); ``ranking`` is the ranking metric's table, best first; ``nodes`` lists each
    scenario's nodes and roles; ``scenarios`` each scenario's name, source and description.
    """

    scenarios: list[Any]
    kpis: pd.DataFrame
    summary: pd.DataFrame
    comparison: pd.DataFrame
    ranking: pd.DataFrame
    nodes: pd.DataFrame
    info: pd.DataFrame
    metric: str
    baseline: str
    settings: dict[str, int] = field(default_factory=dict)
    node: str = NETWORK  # the row the ranking compares

    def __repr__(self) -> str:  # the dataclass's would print every table and scenario
        names = ", ".join(repr(s.name) for s in self.scenarios)
        return (f"<Comparison of {names} by {self.metric} against {self.baseline!r}: "
                f"{self.settings.get('replications')} replications; tables .ranking, "
                f".comparison, .kpis, .summary>")


def common_settings(scenarios: list[Any], *, replications: int | None = None,
                    days: int | None = None, warmup: int | None = None,
                    seed: int | None = None) -> dict[str, int]:
    """The settings every scenario runs with: the caller's, else the first scenario's."""
    first = scenarios[0]
    return {
        "replications": replications if replications is not None else first.replications,
        "days": days if days is not None else first.horizon_days,
        "warmup": warmup if warmup is not None else first.warmup_days,
        "seed": seed if seed is not None else first.seed,
    }


def compare(inputs: Iterable[Any], *, metric: str = DEFAULT_METRIC, node: str = NETWORK,
            baseline: str | None = None,
            replications: int | None = None, days: int | None = None,
            warmup: int | None = None, seed: int | None = None,
            progress: Callable[[int, int], None] | None = None,
            allow_outside_paths: bool = False, allow_large: bool = True) -> Comparison:
    """Simulate every scenario with common random numbers and compare them to the baseline.

    ``inputs``: scenario files, directories of them, mappings or Scenarios. ``baseline``: a
    scenario name (default the first scenario). Replications, days after warm-up, warm-up and
    seed default to the first scenario's and are the same for all. ``node``: the row the
    ranking compares (``network``, a node id, or a firm's ``owner:<name>``). ``progress(done, total)`` is
    called after each replication, counting over scenarios × replications. Raises
    ScenarioError for bad files, CompareError for an unknown baseline or ranking metric.
    ``allow_large=False`` (the command line's default) refuses runs over the limits of
    scenario/limits.py: ScenarioError for values in files, LimitError for the arguments.
    """
    from chainsim.engine.run import resolve
    from chainsim.experiments.replicate import simulate

    check_metric(metric, node)
    scenarios, sources = load_scenarios(inputs, allow_outside_paths=allow_outside_paths)
    names = [s.name for s in scenarios]
    baseline = names[0] if baseline is None else baseline
    if baseline not in names:
        raise CompareError(f"--baseline {baseline!r} is not one of the compared scenarios "
                           f"({', '.join(names)}); use one of these names")
    settings = common_settings(scenarios, replications=replications, days=days, warmup=warmup,
                               seed=seed)
    resolved = [resolve(s, replications=settings["replications"], days=settings["days"],
                        warmup=settings["warmup"], seed=settings["seed"]) for s in scenarios]
    if not allow_large:
        _check_limits(scenarios, sources, replications=replications, days=days, warmup=warmup,
                      settings=settings)
    total = len(resolved) * settings["replications"]
    kpis, summaries = [], []
    for i, scn in enumerate(resolved):
        done = i * settings["replications"]
        tick = None if progress is None else (lambda r, done=done: progress(done + r, total))
        res = simulate(scn, progress=tick)
        ranked = res.kpis[res.kpis["node"] == node]
        if metric not in set(ranked["metric"]):
            available = ", ".join(sorted(set(ranked["metric"]))) or "none"
            raise CompareError(f"--metric {metric!r} is not written for {node} in scenario "
                               f"{scn.name!r}; its metrics there: {available}")
        kpis.append(res.kpis)
        summaries.append(res.summary)
    kpis_all = pd.concat(kpis, ignore_index=True)
    summary_all = pd.concat(summaries, ignore_index=True)
    diffs = paired_differences(kpis_all, baseline)
    nodes = pd.DataFrame([(s.name, n.id, n.role) for s in resolved for n in s.nodes],
                         columns=["scenario", "node", "role"])
    info = pd.DataFrame([(s.name, src, s.description, len(s.nodes), len(s.lanes))
                         for s, src in zip(resolved, sources, strict=True)],
                        columns=["scenario", "source", "description", "nodes", "lanes"])
    return Comparison(
        scenarios=resolved, kpis=kpis_all, summary=summary_all,
        comparison=comparison_table(summary_all, diffs, kpis_all, metric, baseline, node),
        ranking=ranking(summary_all, diffs, kpis_all, metric, node), nodes=nodes, info=info,
        metric=metric, baseline=baseline, settings=settings, node=node,
    )
