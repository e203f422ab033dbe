"""The study's report.html: a recommendation a strategist can forward, then its evidence.

Order of the page: the executive summary (sentences from ``report.recommend``), the ranking for
the deciding firm (paired differences to the recommended strategy, ties inside the
practical-equivalence band shown as ties), who earns what (the channel's profit by party), service
volume and stock (with the money tied up in it), the assumptions the study made (everything it
said and the defaults it filled), the figures, and the paired differences of every network metric.
Self-contained: inline CSS, figures as data URIs, no scripts, no links; every user-written string
is escaped. Tables are narrow enough for an 800 px window; wider ones scroll inside their own box
(``report.html._table``), never the page.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

import pandas as pd

from chainsim.metrics.catalog import NETWORK, get
from chainsim.report.html import (
    CSS,
    FIGURE_CAPTIONS,
    _differences_section,
    _table,
    esc,
    number,
    plus_minus,
    share,
)
from chainsim.report.recommend import is_tie, paired, summary_row
from chainsim.report.robustness import CAPTIONS as ROBUSTNESS_CAPTIONS
from chainsim.report.words import count

STUDY_CSS = CSS + """
body{max-width:60rem}
.summary{background:#f6f8fa;border-left:4px solid #2f6fb0;padding:.6rem 1rem;margin:1rem 0}
.summary p{margin:.35rem 0}
td.tie{background:#f3f3f3;color:#57606a}
td.wrap{white-space:normal}
table{max-width:100%}
@media (max-width:40rem){body{margin:1rem auto;padding:0 .5rem}table{font-size:.8rem}
th,td{padding:.2rem .3rem}}
"""


@dataclass
class StudyPage:
    """What the study page shows besides the comparison's own tables (plain data)."""

    title: str
    description: str
    firm: str
    firm_row: str
    currency: str
    metric: str
    band: float
    sentences: list[str]
    assumptions: list[tuple[str, str, str]]  # (part, key, value as written or defaulted)
    strategies: list[tuple[str, str, str]]  # (name, template or file, description)
    robustness: list[str]  # where the recommendation holds, in sentences (none: no analysis)
    split: pd.DataFrame  # studies.split.profit_split
    stock: pd.DataFrame  # studies.split.stock_value
    figures: dict[str, bytes] = field(default_factory=dict)


def _money(value, currency: str, like=None) -> str:
    return f"{number(value, like=like)} {currency}" if pd.notna(value) else "–"


def _ranking(page: StudyPage, ranking: pd.DataFrame, kpis: pd.DataFrame) -> str:
    best = ranking["scenario"].iloc[0]
    unit = f"{page.currency}/day" if page.metric in ("profit", "revenue") else ""
    rows, classes = [], []
    for r in ranking.itertuples():
        if r.scenario == best:
            diff_text, cls = "recommended", ""
        else:
            d = paired(kpis, r.scenario, best, page.firm_row, page.metric)
            diff_text = plus_minus(d.mean, d.low, d.high, page.metric, signed=True)
            cls = "num tie" if is_tie(d, float(r.mean), page.band) else "num"
            if "tie" in cls:
                diff_text += " (tie)"
        rows.append([(esc(r.rank), "num"), (esc(r.scenario), ""),
                     (esc(plus_minus(r.mean, r.ci_low, r.ci_high, page.metric)), "num"),
                     (esc(diff_text), cls), (esc(share(r.p_best)), "num")])
        classes.append("base" if r.scenario == best else "")
    head = f"{page.firm}'s {page.metric}" + (f" ({unit}, ± 95% CI)" if unit else " (± 95% CI)")
    return _table(["rank", "strategy", head, f"vs {best} (paired)", "P(best)"], rows, classes)


def _split(page: StudyPage, order: list[str]) -> str:
    rows = []
    for scenario in order:
        part = page.split[page.split["scenario"] == scenario]
        for i, r in enumerate(part.itertuples()):
            rows.append([(esc(scenario) if i == 0 else "", ""), (esc(r.party), ""),
                         (esc(plus_minus(r.mean, r.ci_low, r.ci_high)), "num"),
                         (esc(number(r.per_unit)), "num"), (esc(share(r.share)), "num")])
    return _table(["strategy", "party", f"profit ({page.currency}/day, ± 95% CI)",
                   f"per unit sold ({page.currency})", "share of the channel"], rows)


def _service(page: StudyPage, summary: pd.DataFrame, order: list[str]) -> str:
    """One row per measure, one column per strategy (in rank order): narrow enough for a
    phone with five strategies."""
    metrics = [m for m in ("units_sold", "coverage", "fill_rate", "lost_sales", "on_hand")
               if (summary["metric"] == m).any()]
    rows = []
    for m in metrics:
        label = f"{m} ({get(m).shown_unit})" if get(m) else m
        row = [(esc(label), "")]
        for scenario in order:
            r = summary_row(summary, scenario, NETWORK, m)
            row.append((esc(plus_minus(r["mean"], r["ci_low"], r["ci_high"], m)) if r is not None
                        else "–", "num"))
        rows.append(row)
    value = {s: page.stock.loc[page.stock["scenario"] == s, "mean"] for s in order}
    rows.append([(esc(f"stock value at cost ({page.currency})"), "")] + [
        (esc(_money(v.iloc[0], page.currency) if len(v) else "–"), "num")
        for v in value.values()])
    rows.append([("online orders: lead time, on time", "")] + [
        (esc(_online_orders(summary, s)), "num wrap") for s in order])
    rows.append([("highest bullwhip (node)", "")] + [
        (esc(_highest_bullwhip(summary, s)), "num wrap") for s in order])
    return _table(["network", *order], rows)


def _node_rows(summary: pd.DataFrame, scenario: str, metric: str) -> pd.DataFrame:
    return summary[(summary["scenario"] == scenario) & (summary["metric"] == metric)
                   & (summary["node"] != NETWORK) & ~summary["node"].str.contains(":")]


def _online_orders(summary: pd.DataFrame, scenario: str) -> str:
    """Mean order lead time (days) and on-time rate of the consumer orders at the strategy's
    3PL (its first, if several); – without one."""
    lead = _node_rows(summary, scenario, "order_lead_time_mean")
    lead = lead[~lead["node"].str.contains("/")]  # the 3PL's own row, not a channel's
    if lead.empty:
        return "–"
    node = lead["node"].iloc[0]
    on_time = summary_row(summary, scenario, node, "on_time_rate")
    text = f"{lead['mean'].iloc[0]:.2f} days"
    return text + (f", {on_time['mean']:.1%}" if on_time is not None else "")


def _highest_bullwhip(summary: pd.DataFrame, scenario: str) -> str:
    """The largest order-variance amplification among the strategy's nodes, and where."""
    rows = _node_rows(summary, scenario, "bullwhip").dropna(subset=["mean"])
    if rows.empty:
        return "–"
    top = rows.loc[rows["mean"].idxmax()]
    return f"{number(top['mean'])} ({top['node']})"


def _assumptions(page: StudyPage) -> str:
    rows = [[(esc(part), ""), (esc(key), ""), (esc(value), "")]
            for part, key, value in page.assumptions]
    return _table(["part", "assumption", "value"], rows)


def _strategies(page: StudyPage) -> str:
    rows = [[(esc(name), ""), (esc(source), ""), (esc(text), "")]
            for name, source, text in page.strategies]
    return _table(["strategy", "from", "what it is"], rows)


def _figures(figures: dict[str, bytes]) -> list[str]:
    out = []
    for name, png in figures.items():
        data = base64.b64encode(png).decode("ascii")
        caption = {**FIGURE_CAPTIONS, **ROBUSTNESS_CAPTIONS}.get(name, name)
        out.append(f'<figure><img src="data:image/png;base64,{data}" alt="{esc(caption)}">'
                   f"<figcaption>{esc(caption)}</figcaption></figure>")
    return out


def _robustness(page: StudyPage) -> list[str]:
    """Where the recommendation holds: the sentences, the tornado and the decision map."""
    if not page.robustness:
        return []
    figures = {k: v for k, v in page.figures.items() if k in ROBUSTNESS_CAPTIONS}
    return ["<h2>Would the answer change?</h2>",
            *[f"<p>{esc(s)}</p>" for s in page.robustness], *_figures(figures)]


def render_study(page: StudyPage, cmp, version: str = "") -> str:
    """The whole study report as one HTML string."""
    order = list(cmp.ranking["scenario"])
    settings = cmp.settings
    meta = (f"{count(len(order), 'strategy', 'strategies')} · "
            f"{count(settings.get('replications'), 'replication')} × "
            f"{count(settings.get('days'), 'day')} after {settings.get('warmup')} warm-up days "
            f"· seed {settings.get('seed')} for all (common random numbers) · money in "
            f"{page.currency} · chainsim {version}")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(f'chainsim study: {page.title}')}</title>",
        f"<style>{STUDY_CSS}</style></head><body>",
        f"<h1>{esc(page.title)}</h1>",
        f'<p class="meta">{esc(page.description)}</p>' if page.description else "",
        f'<p class="meta">{esc(meta)}</p>',
        '<div class="summary">' + "".join(f"<p>{esc(s)}</p>" for s in
                                          [*page.sentences, *page.robustness[:1]]) + "</div>",
        f"<h2>{esc(f'Ranking for {page.firm}')}</h2>",
        _ranking(page, cmp.ranking, cmp.kpis),
        '<p class="note">' + esc(
            f"Differences are paired replication by replication (every strategy saw the same "
            f"consumers). A difference whose 95% CI holds 0 or lies within ±{page.band:.1%} of "
            f"the value is a tie. P(best): share of replications in which the strategy earns "
            f"{page.firm} the most.") + "</p>",
        *_robustness(page),
        "<h2>Who earns what</h2>", _split(page, order),
        '<p class="note">' + esc(
            f"{page.firm}: every node it owns; every other node is an independent firm, summed "
            "by its role. The parties of a strategy add up to the channel's profit.") + "</p>",
        "<h2>Service, volume and stock</h2>", _service(page, cmp.summary, order),
        "<h2>Strategies</h2>", _strategies(page),
        "<h2>Assumptions</h2>", _assumptions(page),
        "<h2>Figures</h2>", *_figures({k: v for k, v in page.figures.items()
                                       if k not in ROBUSTNESS_CAPTIONS}),
        f"<h2>{esc(f'Paired differences against {cmp.baseline} (network)')}</h2>",
        _differences_section(cmp.comparison, cmp.baseline),
        "</body></html>",
    ]
    return "\n".join(p for p in parts if p) + "\n"
