"""The comparison's results folder and its self-contained HTML report.

``write_comparison`` writes everything into a temporary folder beside the target and renames it
into place, so a failed comparison leaves nothing partial behind (``results.atomic``):

- ``comparison.csv`` — scenario, baseline, node, metric, mean, std, ci_low, ci_high, n, the
  paired difference to the baseline (diff_mean, diff_std, diff_ci_low, diff_ci_high, diff_n) and,
  on the ranking metric's network rows, p_best;
- ``ranking.csv`` — the ranking metric's rows, best first;
- ``kpis.csv``, ``summary.csv`` — every scenario, shaped as the README says;
- ``nodes.csv`` (scenario, node, role), ``scenarios.csv`` (name, source, description, size);
- ``scenarios/NN_<name>.resolved.yaml`` — each scenario as it ran (same seed for all);
- ``figures/*.png`` and ``*.svg`` — see ``report.figures`` and ``report.bullwhip``;
- ``report.html`` — one file a strategist can open and forward: inline CSS, figures embedded as
  base64 PNG data URIs, no scripts and no links; every user-written string is escaped.
"""

from __future__ import annotations

import base64
import html
import math
from pathlib import Path

import pandas as pd

from chainsim.metrics.catalog import NETWORK, direction, get, is_percent, lower_is_better
from chainsim.report.bullwhip import EXPLANATION as BULLWHIP
from chainsim.report.words import count
from chainsim.results.atomic import atomic_folder, safe_name
from chainsim.results.manifest import compare_options, manifest, write_manifest
from chainsim.results.write import resolved_yaml

FIGURE_CAPTIONS = {
    "kpi_bars": "Network KPIs per scenario: mean over replications with 95% CI whiskers.",
    "cost_breakdown": "Cost per day of each actor, stacked by kind (holding, backorder, "
                      "ordering, transport, pipeline, 3PL fees, channel fees, parcel shipping).",
    "inventory_by_tier": "Mean on-hand units held at each tier (node role), summed over the "
                         "tier's nodes, with 95% CIs.",
    "coverage_margin": "Reach against margin: market coverage (fill rate when the scenarios have "
                       "no coverage metric) against channel profit per unit sold, with 95% CIs.",
    "bullwhip_ratio": "Bullwhip ratio of each tier (node role, mean over the role's nodes; "
                      "consumer end first) per scenario, with 95% CIs. " + BULLWHIP,
}

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;
margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1d2125;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem;
border-bottom:1px solid #d0d7de;padding-bottom:.2rem}
p.meta{color:#57606a;margin-top:0}
table{border-collapse:collapse;margin:.6rem 0;font-size:.9rem}
th,td{border:1px solid #d0d7de;padding:.25rem .55rem;vertical-align:top}
th{background:#f3f5f7;text-align:left}td.num{text-align:right;white-space:nowrap;
font-variant-numeric:tabular-nums}
tr.base td{background:#f8f8f0}
td.better{background:#e6f4ea}td.worse{background:#fce8e6}td.sig{background:#eef1f8}
figure{margin:1.2rem 0}figure img{max-width:100%;height:auto;border:1px solid #e5e7ea}
figcaption{color:#57606a;font-size:.88rem}
.note{color:#57606a;font-size:.88rem}
.box{overflow-x:auto;max-width:100%}
"""


def esc(value) -> str:
    """Any value as HTML text, quotes included."""
    return html.escape("" if value is None else str(value), quote=True)


def _finite(value) -> bool:
    try:
        return value is not None and not pd.isna(value) and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _digits(size: float) -> int:
    return 3 if size < 1 else 2 if size < 100 else 1


def number(value, metric: str = "", signed: bool = False, like=None) -> str:
    """A value for reading: shares in percent (percentage points when signed), otherwise with
    3 decimals below 1, 2 below 100, else 1 — chosen by ``like``'s size when given (so a
    half-width gets its mean's decimals)."""
    if not _finite(value):
        return "–"
    value = float(value)
    sign = "+" if signed else ""
    if is_percent(metric):
        return f"{value * 100:{sign},.1f}" + (" pp" if signed else "%")
    size = abs(float(like)) if _finite(like) else abs(value)
    return f"{value:{sign},.{_digits(size)}f}"


def share(value) -> str:
    """A probability in whole percent."""
    return f"{float(value) * 100:.0f}%" if _finite(value) else "–"


def plus_minus(mean, low, high, metric: str = "", signed: bool = False) -> str:
    """``mean ± half-width`` of a CI given by its ends, both with the mean's decimals."""
    text = number(mean, metric, signed)
    if _finite(low) and _finite(high):
        half = (float(high) - float(low)) / 2
        if is_percent(metric):
            text += f" ± {half * 100:,.1f}" + (" pp" if signed else "%")
        else:
            like = max(abs(float(mean)), half) if _finite(mean) else half
            text += " ± " + number(half, like=like)
    return text


def verdict(low, high, metric: str) -> str:
    """CSS class of a difference: better/worse when its CI excludes 0 and the metric has a
    direction, sig when it excludes 0 otherwise, '' when the CI contains 0 (or is unknown)."""
    if not (_finite(low) and _finite(high)) or float(low) <= 0 <= float(high):
        return ""
    d = direction(metric)
    if d == 0:
        return "sig"
    return "better" if (float(low) > 0) == (d > 0) else "worse"


def _table(headers: list[str], rows: list[list[tuple[str, str]]],
           row_classes: list[str] | None = None) -> str:
    """An HTML table; each cell is (already escaped text, css class)."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = []
    for i, row in enumerate(rows):
        cls = row_classes[i] if row_classes else ""
        cells = "".join(f'<td class="{c}">{t}</td>' if c else f"<td>{t}</td>" for t, c in row)
        body.append(f'<tr class="{cls}">{cells}</tr>' if cls else f"<tr>{cells}</tr>")
    # in a box of its own that scrolls sideways when the table is wider than the window, so
    # that the page itself never does
    return (f'<div class="box"><table><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table></div>")


def _metric_label(metric: str) -> str:
    """The metric's name with its meaning and unit from the catalogue, as escaped HTML."""
    entry = get(metric)
    if entry is None:
        return esc(metric)
    return (f'{esc(metric)}<br><span class="note">{esc(entry.meaning)} '
            f"({esc(entry.shown_unit)})</span>")


def _meaning_note(metric: str) -> str:
    entry = get(metric)
    if entry is None:
        return ""
    return f'<p class="note">{esc(f"{metric}: {entry.meaning} ({entry.shown_unit})")}</p>'


def _unit(metric: str) -> str:
    entry = get(metric)
    return f"{entry.shown_unit}; " if entry is not None else ""


def _scenarios_section(info: pd.DataFrame) -> str:
    rows = [[(esc(r.scenario), ""), (esc(r.description), ""), (esc(r.source), ""),
             (esc(r.nodes), "num"), (esc(r.lanes), "num")] for r in info.itertuples()]
    return _table(["scenario", "description", "file", "nodes", "lanes"], rows)


def _ranking_section(ranking: pd.DataFrame, metric: str, baseline: str) -> str:
    rows, classes = [], []
    for r in ranking.itertuples():
        is_base = r.scenario == baseline
        diff = ("baseline" if is_base
                else plus_minus(r.diff_mean, r.diff_ci_low, r.diff_ci_high, metric, signed=True))
        rows.append([
            (esc(r.rank), "num"), (esc(r.scenario), ""),
            (esc(plus_minus(r.mean, r.ci_low, r.ci_high, metric)), "num"),
            (esc(f"[{number(r.ci_low, metric)}, {number(r.ci_high, metric)}]"), "num"),
            (esc(diff), "" if is_base else
             f"num {verdict(r.diff_ci_low, r.diff_ci_high, metric)}".strip()),
            (esc(share(r.p_best)), "num"),
        ])
        classes.append("base" if is_base else "")
    return _table(["rank", "scenario", f"{metric} ({_unit(metric)}mean ± 95% CI)", "95% CI",
                   f"difference vs {baseline} (paired, ± 95% CI)", "P(best)"], rows, classes)


def _differences_section(comparison: pd.DataFrame, baseline: str) -> str:
    net = comparison[comparison["node"] == NETWORK]
    scenarios = [s for s in dict.fromkeys(net["scenario"]) if s != baseline]
    metrics = list(dict.fromkeys(net.loc[net["scenario"] == baseline, "metric"]))
    index = net.set_index(["scenario", "metric"])
    rows = []
    for metric in metrics:
        base = index.loc[(baseline, metric)]
        row = [(_metric_label(metric), ""), (esc(plus_minus(base["mean"], base["ci_low"], base["ci_high"],
                                                   metric)), "num")]
        for s in scenarios:
            if (s, metric) not in index.index:
                row.append(("–", "num"))
                continue
            r = index.loc[(s, metric)]
            row.append((esc(plus_minus(r["diff_mean"], r["diff_ci_low"], r["diff_ci_high"],
                                       metric, signed=True)),
                        f"num {verdict(r['diff_ci_low'], r['diff_ci_high'], metric)}".strip()))
        rows.append(row)
    return _table(["metric (network)", f"{baseline} (baseline, mean ± 95% CI)",
                   *[f"{s} − {baseline}" for s in scenarios]], rows)


def render_report(comparison: pd.DataFrame, ranking: pd.DataFrame, info: pd.DataFrame,
                  settings: dict, metric: str, baseline: str, figures: dict[str, bytes],
                  version: str = "") -> str:
    """The whole report as one HTML string, from the comparison's tables and PNG figures."""
    order = "lowest" if lower_is_better(metric) else "highest"
    n = settings.get("replications")
    meta = (f"{count(len(info), 'scenario')} · {count(n, 'replication')} × "
            f"{count(settings.get('days'), 'day')} after "
            f"{settings.get('warmup')} warm-up days · seed {settings.get('seed')} for all "
            f"(common random numbers) · baseline {baseline} · chainsim {version}")
    figs = []
    for name, png in figures.items():
        data = base64.b64encode(png).decode("ascii")
        caption = FIGURE_CAPTIONS.get(name, name)
        figs.append(f'<figure><img src="data:image/png;base64,{data}" alt="{esc(caption)}">'
                    f"<figcaption>{esc(caption)}</figcaption></figure>")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(f'chainsim comparison: {metric}')}</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>{esc('Comparison of ' + ', '.join(info['scenario']))}</h1>",
        f'<p class="meta">{esc(meta)}</p>',
        "<h2>Scenarios</h2>", _scenarios_section(info),
        f"<h2>{esc(f'Ranking by {metric} at the network ({order} first)')}</h2>",
        _ranking_section(ranking, metric, baseline),
        _meaning_note(metric),
        '<p class="note">' + esc(
            f"P(best) is the share of the {count(n, 'replication')} in which the scenario has the "
            f"{order} {metric} (ties split). Differences are paired replication by replication: "
            f"every scenario saw the same random numbers, so their 95% CIs are narrower than "
            f"the scenarios' own.") + "</p>",
        f"<h2>{esc(f'Paired differences against {baseline} (network)')}</h2>",
        _differences_section(comparison, baseline),
        '<p class="note">' + esc(
            "Green: better than the baseline, red: worse, with the 95% CI excluding zero; blue: "
            "different but with no better direction. Per-node differences are in "
            "comparison.csv.") + "</p>",
        "<h2>Figures</h2>", *figs,
        '<p class="note">' + esc(
            "Files beside this report: comparison.csv, ranking.csv, kpis.csv, summary.csv, "
            "nodes.csv, scenarios.csv, scenarios/*.resolved.yaml, figures/*.png and *.svg.")
        + "</p>",
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"



def write_comparison(cmp, out_dir: Path, version: str, *, kind: str = "compare",
                     render=None, extra=None, more_figures=None) -> list[Path]:
    """Write a Comparison's tables, resolved scenarios, figures and report.html to out_dir,
    whole or not at all. Returns the folder's top-level entries. A study passes its own
    ``render(figures) -> html`` and ``extra(folder)`` for the files only it writes."""
    from chainsim.report.bullwhip import comparison_ratio_bars
    from chainsim.report.figures import comparison_figures, save

    out_dir = Path(out_dir)
    with atomic_folder(out_dir) as tmp:
        write_manifest(tmp, manifest(kind, version, compare_options(cmp)))
        cmp.comparison.to_csv(tmp / "comparison.csv", index=False)
        cmp.ranking.to_csv(tmp / "ranking.csv", index=False)
        cmp.kpis.to_csv(tmp / "kpis.csv", index=False)
        cmp.summary.to_csv(tmp / "summary.csv", index=False)
        cmp.nodes.to_csv(tmp / "nodes.csv", index=False)
        cmp.info.to_csv(tmp / "scenarios.csv", index=False)
        (tmp / "scenarios").mkdir()
        for i, scn in enumerate(cmp.scenarios, 1):
            (tmp / "scenarios" / f"{i:02d}_{safe_name(scn.name)}.resolved.yaml").write_text(
                resolved_yaml(scn, version), encoding="utf-8")
        (tmp / "figures").mkdir()
        figures = comparison_figures(cmp.kpis, cmp.summary, cmp.nodes, cmp.metric)
        figures["bullwhip_ratio"] = comparison_ratio_bars(cmp.kpis, cmp.scenarios)
        pngs = {name: save(fig, tmp / "figures", name) for name, fig in figures.items()}
        if more_figures is not None:  # a study's robustness figures, first in its report
            pngs = {**more_figures(tmp / "figures"), **pngs}
        page = render(pngs) if render is not None else render_report(
            cmp.comparison, cmp.ranking, cmp.info, cmp.settings, cmp.metric, cmp.baseline,
            pngs, version)
        if extra is not None:
            extra(tmp)
        (tmp / "report.html").write_text(page, encoding="utf-8")
    return sorted(out_dir.iterdir())
