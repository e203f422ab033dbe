"""Run a study: every strategy with common random numbers, ranked for the deciding firm.

The strategies' scenarios (templates expanded, policies sized from the study's service target)
are compared with `experiments.compare.compare`, ranked by the study's metric at the
perspective firm's row (``owner:<perspective>``, default its profit per day); the paired
differences are then taken against the recommended strategy, the one a reader compares with.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from chainsim.experiments.compare import (
    Comparison,
    compare,
    comparison_table,
    paired_differences,
    ranking,
)
from chainsim.scenario.facts import owner_row
from chainsim.studies.sensitivity import Robustness, analyse
from chainsim.studies.studyfile import LoadedStudy


@dataclass
class StudyResult:
    comparison: Comparison
    robustness: Robustness | None


def run_study(study: LoadedStudy, *, replications: int | None = None, workers: int = 1,
              scheduler: str | None = None,
              progress: Callable[[str, int, int], None] | None = None,
              allow_large: bool = True) -> StudyResult:
    """The comparison of the study's strategies for the perspective firm (differences against
    the best strategy), then its sensitivity analysis if the study asks for one.
    ``progress(phase, done, total)``."""
    cmp = compare_strategies(study, replications=replications, allow_large=allow_large,
                             progress=None if progress is None else
                             (lambda d, t: progress("strategies × replications", d, t)))
    sens = study.spec.sensitivity
    robustness = None
    if sens is not None:
        robustness = analyse(
            study.data, dict(sens.ranges), cmp.ranking["scenario"].iloc[0],
            replications=sens.replications, steps=sens.steps, days=sens.horizon_days,
            workers=workers,
            scheduler=scheduler, progress=None if progress is None else
            (lambda d, t: progress("sensitivity: tornado", d, t)),
            map_progress=None if progress is None else
            (lambda d, t: progress("sensitivity: decision map", d, t)))
    return StudyResult(cmp, robustness)


def compare_strategies(study: LoadedStudy, *, replications: int | None = None,
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


def write_study(study: LoadedStudy, result: StudyResult, out_dir: Path, version: str, *,
                page=None) -> list[Path]:
    """The comparison's folder with the study's report, the profit split, the robustness
    tables and figures, and the study file as it was read (``page``: the report's contents
    when the caller built them already, `studies.page.build_page`)."""
    from chainsim.report.figures import save
    from chainsim.report.html import write_comparison
    from chainsim.report.robustness import decision_map, tornado
    from chainsim.report.study import render_study
    from chainsim.studies.page import build_page

    cmp, rob = result.comparison, result.robustness
    if page is None:
        page = build_page(study, cmp, rob)

    def render(figures: dict[str, bytes]) -> str:
        page.figures = {**page.figures, **figures}
        return render_study(page, cmp, version)

    def extra(folder: Path) -> None:
        page.split.to_csv(folder / "profit_split.csv", index=False)
        page.stock.to_csv(folder / "stock_value.csv", index=False)
        (folder / "study.yaml").write_text(Path(study.file).read_text(encoding="utf-8"),
                                           encoding="utf-8")
        if rob is None:
            return
        rob.tornado.to_csv(folder / "tornado.csv", index=False)
        rob.influence.to_csv(folder / "influence.csv", index=False)
        rob.decision.to_csv(folder / "decision_map.csv", index=False)

    def robustness_figures(folder: Path) -> dict[str, bytes]:
        if rob is None:
            return {}
        order = list(cmp.ranking["scenario"])
        base = dict(zip(cmp.ranking["scenario"], cmp.ranking["mean"], strict=True))
        out = {"tornado": save(tornado(rob.tornado, rob.influence, base, order,
                                       study.spec.perspective, study.spec.currency),
                               folder, "tornado")}
        if rob.axes is not None:
            out["decision_map"] = save(decision_map(rob.decision, rob.axes, order), folder,
                                       "decision_map")
        return out

    return write_comparison(cmp, out_dir, version, render=render, extra=extra,
                            more_figures=robustness_figures)
