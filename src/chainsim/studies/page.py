"""What the study's report shows besides the comparison: sentences, assumptions, profit split."""

from __future__ import annotations

from typing import Any

from chainsim.experiments.compare import Comparison
from chainsim.report.recommend import executive_summary
from chainsim.report.study import StudyPage
from chainsim.scenario.facts import owner_row
from chainsim.studies.sensitivity import Robustness
from chainsim.studies.spec import Study
from chainsim.studies.split import profit_split, stock_value
from chainsim.studies.studyfile import LoadedStudy
from chainsim.studies.templates import describe

BAND = 0.005  # practical equivalence: a relative difference below 0.5% is a tie


def _flat(prefix: str, value: Any) -> list[tuple[str, str]]:
    """(dotted key, value) of nested mappings; lists of mappings by their index."""
    if isinstance(value, dict):
        out = []
        for k, v in value.items():
            out += _flat(f"{prefix}.{k}" if prefix else str(k), v)
        return out
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        out = []
        for i, v in enumerate(value):
            label = v.get("id", i)
            out += _flat(f"{prefix}[{label}]", {k: x for k, x in v.items() if k != "id"})
        return out
    return [(prefix, "–" if value is None else str(value))]


def assumptions(spec: Study) -> list[tuple[str, str, str]]:
    """Everything the study said, with the defaults it filled, part by part."""
    rows = [("study", "perspective", spec.perspective), ("study", "currency", spec.currency),
            ("study", "ranking metric", f"{spec.metric} of {spec.perspective}")]
    for part in ("run", "product", "market", "stock", "transport"):
        data = getattr(spec, part).model_dump(mode="json", exclude_none=True)
        rows += [(part, key, value) for key, value in _flat("", data)]
    return rows


def strategies(study: LoadedStudy) -> list[tuple[str, str, str]]:
    rows = []
    for name, entry, scn in zip(study.names, study.spec.strategies, study.scenarios,
                                strict=True):
        if entry.template is None:
            rows.append((name, entry.file or "", scn.description))
            continue
        full = describe({**entry.values(), "name": name})
        said = ", ".join(f"{k} {v}" for k, v in entry.values().items()
                         if k not in ("template", "name"))
        text = full.get("description", "") + (f" (study: {said})" if said else "")
        rows.append((name, f"template {entry.template}", text))
    return rows


def build_page(study: LoadedStudy, cmp: Comparison, rob: Robustness | None = None) -> StudyPage:
    spec = study.spec
    firm_row = owner_row(spec.perspective)
    robust = []
    if rob is not None:
        robust = list(rob.flips)
        if rob.axes is not None and len(rob.decision):
            unclear = int((~rob.decision["clear"].astype(bool)).sum())
            winners = ", ".join(f"{w} in {n}" for w, n in
                                rob.decision["winner"].value_counts().items())
            robust.append(f"Over {rob.axes[0]} and {rob.axes[1]} together "
                          f"({len(rob.decision)} points): {winners} of them"
                          + (f"; {unclear} not statistically clear." if unclear else "."))
    return StudyPage(
        title=spec.study, description=spec.description, firm=spec.perspective,
        firm_row=firm_row, currency=spec.currency, metric=spec.metric, band=BAND,
        sentences=executive_summary(cmp.ranking, cmp.summary, cmp.kpis, firm=spec.perspective,
                                    firm_row=firm_row, metric=spec.metric,
                                    currency=spec.currency, band=BAND),
        assumptions=assumptions(spec), strategies=strategies(study),
        robustness=robust,
        split=profit_split(cmp.kpis, cmp.scenarios, spec.perspective),
        stock=stock_value(cmp.kpis, cmp.scenarios))
