"""Run a study: every strategy with common random numbers, ranked for the deciding firm.

The strategies' scenarios (templates expanded, policies sized from the study's service target)
are compared with `experiments.compare.compare`, ranked by the study's metric at the
perspective firm's row (``owner:<perspective>``, default its profit per day); the paired
differences are then taken against the recommended strategy, the one a reader compares with.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from chainsim.experiments.compare import (
    Comparison,
    compare,
    comparison_table,
    paired_differences,
    ranking,
)
from chainsim.scenario.facts import owner_row
from chainsim.studies.studyfile import LoadedStudy


def run_study(study: LoadedStudy, *, replications: int | None = None,
              progress: Callable[[int, int], None] | None = None,
              allow_large: bool = True) -> Comparison:
    """The comparison of the study's strategies from the perspective firm's point of view,
    its differences against the best strategy."""
    spec = study.spec
    node = owner_row(spec.perspective)
    cmp = compare(study.scenarios, metric=spec.metric, node=node, replications=replications,
                  progress=progress, allow_large=allow_large)
    best = cmp.ranking["scenario"].iloc[0]
    if best == cmp.baseline:
        return cmp
    diffs = paired_differences(cmp.kpis, best)
    return dataclasses.replace(
        cmp, baseline=best,
        comparison=comparison_table(cmp.summary, diffs, cmp.kpis, cmp.metric, best, node),
        ranking=ranking(cmp.summary, diffs, cmp.kpis, cmp.metric, node))


def write_study(study: LoadedStudy, cmp: Comparison, out_dir: Path, version: str) -> list[Path]:
    """The comparison's folder with the study's report, the profit split and the study file
    as it was read."""
    from chainsim.report.html import write_comparison
    from chainsim.report.study import render_study
    from chainsim.studies.page import build_page

    page = build_page(study, cmp)

    def render(figures: dict[str, bytes]) -> str:
        page.figures = figures
        return render_study(page, cmp, version)

    def extra(folder: Path) -> None:
        page.split.to_csv(folder / "profit_split.csv", index=False)
        page.stock.to_csv(folder / "stock_value.csv", index=False)
        (folder / "study.yaml").write_text(Path(study.file).read_text(encoding="utf-8"),
                                           encoding="utf-8")

    return write_comparison(cmp, out_dir, version, render=render, extra=extra)
