"""The figure of an optimisation: the best feasible objective found against the simulated days
used, and the evaluated points over the first two parameters coloured by their objective."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from chainsim.report.figures import _figure, _plain_text


def search_figure(candidates: pd.DataFrame, history: Sequence[tuple[int, float]],
                  parameters: Sequence[str], objective: str, budget: int):
    """Left: best-so-far objective against work; right: the points over two parameters (one
    parameter: objective against it), infeasible points hollow."""
    with _plain_text():
        fig = _figure(10, 4)
        left, right = fig.subplots(1, 2)
        if history:
            days = [d for d, _ in history]
            best = [b for _, b in history]
            left.step(days, best, where="post", color="tab:blue")
            left.plot(days[-1:], best[-1:], "o", color="tab:blue")
        left.axvline(budget, color="grey", linestyle=":", label="budget")
        left.set_xlabel("simulated days (horizon + warm-up) × replications")
        left.set_ylabel(f"best feasible {objective}")
        left.set_title("search progress")
        left.legend(loc="best")
        run = candidates[candidates["replications"] > 0]
        feasible = run[run["feasible"]]
        other = run[~run["feasible"]]
        if len(parameters) >= 2:
            x, y = parameters[0], parameters[1]
            if not feasible.empty:
                sc = right.scatter(feasible[x], feasible[y], c=feasible["objective_mean"],
                                   cmap="viridis", s=22)
                fig.colorbar(sc, ax=right, label=objective)
            if not other.empty:
                right.scatter(other[x], other[y], facecolors="none", edgecolors="tab:red",
                              s=22, label="infeasible")
                right.legend(loc="best")
            right.set_xlabel(x)
            right.set_ylabel(y)
        elif parameters:
            x = parameters[0]
            right.plot(feasible[x], feasible["objective_mean"], "o", color="tab:blue")
            right.plot(other[x], other["objective_mean"], "o", mfc="none", color="tab:red")
            right.set_xlabel(x)
            right.set_ylabel(objective)
        right.set_title(f"{len(run)} evaluated points")
        for ax in (left, right):
            ax.grid(alpha=0.3)
        if history and not all(math.isfinite(b) for _, b in history):
            left.set_yscale("linear")
    return fig


def _values(values: dict) -> str:
    return ", ".join(f"{k} = {v:g}" if isinstance(v, float) else f"{k} = {v}"
                     for k, v in values.items())


def _constraint_lines(result) -> list[str]:
    """Each constraint's mean and 95% CI at the chosen point (its candidates.csv row)."""
    table = result.candidates
    if not result.best or table is None or table.empty:
        return []
    rows = table
    for path, value in result.best.items():
        if path in rows:
            rows = rows[rows[path] == value]
    if rows.empty:
        return []
    row = rows.sort_values("replications").iloc[-1]
    out = []
    for column in table.columns:
        if column.endswith("_mean") and column != "objective_mean" and "@" in column:
            name = column.removesuffix("_mean")
            metric, node = name.split("@", 1)
            out.append(f"  {metric} at {node}: {row[column]:.6g} ± {row[name + '_ci']:.3g} "
                       "(95% CI)")
    return out


def summary_lines(result) -> list[str]:
    """The terminal summary: chosen values, objective with CI, runner-up, the statement."""
    mean, hw = result.objective
    lines = [f"best: {_values(result.best) or '(none)'}",
             f"  {result.metric} at {result.node} ({result.sense}): {mean:.6g} ± {hw:.3g} "
             "(95% CI)"]
    lines += _constraint_lines(result)
    if result.runner_up:
        ru = dict(result.runner_up)
        rm, rhw = ru.pop("objective_mean"), ru.pop("objective_ci")
        lines.append(f"runner-up: {_values(ru)}: {rm:.6g} ± {rhw:.3g}")
    lines.append(f"selection: {result.statement}")
    evaluated = int((result.candidates["replications"] > 0).sum())
    lines.append(f"work: {result.simulated_days:,} of {result.budget_days:,} simulated days, "
                 f"{evaluated} points evaluated")
    return lines
