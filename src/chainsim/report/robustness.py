"""Figures of a study's robustness: the tornado and the decision map (from tables only).

- ``tornado``: one panel per strategy (in rank order, one colour each, shared x axis): for each
  assumption a bar from the firm's profit with the assumption at its low end to its high end,
  the study's own value as a line; assumptions sorted by influence.
- ``decision_map``: the two most influential assumptions on a grid; each cell coloured by the
  strategy with the highest mean profit for the firm, pale and marked "?" where that strategy's
  lead over the second is not statistically clear (its 95% CI holds 0).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from chainsim.report.figures import _colors, _figure, _plain_text

CAPTIONS = {
    "tornado": "Tornado: the deciding firm's profit per day with each assumption at its low and "
               "its high end (the others as the study says); the dashed line is the study's own "
               "result. Assumptions sorted by how much they move the recommended strategy's lead.",
    "decision_map": "Decision map: which strategy earns the deciding firm most over the two most "
                    "influential assumptions; pale cells marked ? are not statistically clear "
                    "(the leader's paired 95% CI against the second holds 0).",
}


def strategy_colors(order: list[str]) -> dict[str, tuple]:
    """One colour per strategy, by its place in the study's ranking (the same in every figure)."""
    return dict(zip(order, _colors(len(order)), strict=True))


def tornado(table: pd.DataFrame, influence: pd.DataFrame, base: dict[str, float],
            order: list[str], firm: str, currency: str):
    """``table``: studies.sensitivity tornado rows; ``base``: the firm's profit per strategy
    in the study as written."""
    assumptions = list(influence["assumption"])
    colors = strategy_colors(order)
    with _plain_text():
        fig = _figure(7.2, 1.0 + 0.55 * len(assumptions) * len(order) ** 0.5 + 0.4 * len(order))
        axes = fig.subplots(len(order), 1, sharex=True, squeeze=False)[:, 0]
        y = np.arange(len(assumptions))[::-1]
        for ax, strategy in zip(axes, order, strict=True):
            rows = table[table["strategy"] == strategy].set_index(["assumption", "end"])["mean"]
            lows = [rows.get((a, "low"), np.nan) for a in assumptions]
            highs = [rows.get((a, "high"), np.nan) for a in assumptions]
            left = np.minimum(lows, highs)
            ax.barh(y, np.abs(np.subtract(highs, lows)), left=left, color=colors[strategy],
                    height=0.6)
            for yy, lo, hi in zip(y, lows, highs, strict=True):
                ax.text(lo, yy, "low", va="center", ha="right" if lo <= hi else "left",
                        fontsize=7)
                ax.text(hi, yy, "high", va="center", ha="left" if hi >= lo else "right",
                        fontsize=7)
            ax.axvline(base.get(strategy, np.nan), color="0.3", linestyle="--", linewidth=0.8)
            ax.set_yticks(y, assumptions)
            ax.set_title(strategy, loc="left", fontsize=9)
        axes[-1].set_xlabel(f"{firm}'s profit ({currency}/day)")
    return fig


def decision_map(decision: pd.DataFrame, axes: tuple[str, str], order: list[str]):
    colors = strategy_colors(order)
    xs = sorted(decision["x"].unique())
    ys = sorted(decision["y"].unique())
    with _plain_text():
        fig = _figure(6.4, 4.2)
        ax = fig.subplots()
        for row in decision.itertuples():
            i, j = xs.index(row.x), ys.index(row.y)
            color = colors.get(row.winner, (0.6, 0.6, 0.6, 1.0))
            ax.add_patch(_cell(i, j, color, 1.0 if row.clear else 0.35))
            ax.text(i, j, row.winner + ("" if row.clear else " ?"), ha="center", va="center",
                    fontsize=7)
        ax.set_xlim(-0.5, len(xs) - 0.5)
        ax.set_ylim(-0.5, len(ys) - 0.5)
        ax.set_xticks(range(len(xs)), [f"{v:.3g}" for v in xs])
        ax.set_yticks(range(len(ys)), [f"{v:.3g}" for v in ys])
        ax.set_xlabel(axes[0])
        ax.set_ylabel(axes[1])
    return fig


def _cell(i: int, j: int, color, alpha: float):
    from matplotlib.patches import Rectangle

    return Rectangle((i - 0.5, j - 0.5), 1, 1, facecolor=color, alpha=alpha, edgecolor="white")
