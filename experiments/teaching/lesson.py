"""Small helpers shared by the lesson's scripts: read a teaching scenario, run it, turn the KPI
rows into per-replication ratios, print tables, save the bullwhip figures."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from ruamel.yaml import YAML
from scipy import stats

import chainsim

ROOT = Path(__file__).resolve().parents[2]
TEACHING = ROOT / "scenarios" / "teaching"
ROLES = ["retailer", "wholesaler", "distributor", "factory"]  # from the consumer upstream


def scenario_dict(name: str) -> dict:
    """The scenario file scenarios/teaching/<name>.yaml as plain dicts and lists (to edit)."""
    return YAML(typ="safe").load((TEACHING / f"{name}.yaml").read_text(encoding="utf-8"))


def run(scenario, *, replications=None, weeks=None, warmup=None, timeseries=False):
    """chainsim.simulate with the scenario's own settings unless given."""
    return chainsim.simulate(scenario, replications=replications, days=weeks, warmup=warmup,
                             timeseries="first" if timeseries else False)


def per_replication(kpis, node: str, metric: str) -> np.ndarray:
    sel = kpis[(kpis["node"] == node) & (kpis["metric"] == metric)]
    return sel.sort_values("replication")["value"].to_numpy(dtype=float)


def amplification(kpis, node: str) -> np.ndarray:
    """Per replication: the node's ``amplification`` KPI, its orders variance over the variance
    of the consumers' demand it serves (Chen et al.'s Var(q_k)/Var(D)); its ``bullwhip`` KPI
    divides by the variance of what it was asked instead."""
    return per_replication(kpis, node, "amplification")


def mean_half(values: np.ndarray) -> tuple[float, float]:
    """Mean and 95% Student-t half-width over replications."""
    n = values.size
    if n < 2:
        return float(values.mean()), float("nan")
    half = stats.t.ppf(0.975, n - 1) * values.std(ddof=1) / math.sqrt(n)
    return float(values.mean()), float(half)


def fmt(values: np.ndarray, digits: int = 2) -> str:
    m, h = mean_half(values)
    if math.isnan(h):
        return f"{m:.{digits}f}"
    return f"{m:.{digits}f} ± {h:.{digits}f}"


def table(header: list[str], rows: list[list[str]]) -> str:
    """A plain text table, first column left-aligned, the others right-aligned."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(cells):
        return "  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True)))

    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])


def save_figures(results, folder: Path) -> list[Path]:
    """The figures of ``chainsim run --plot`` (bullwhip_orders needs timeseries='first')."""
    from chainsim.report.bullwhip import run_figures, write_run_figures

    return write_run_figures(run_figures(results), Path(folder))
