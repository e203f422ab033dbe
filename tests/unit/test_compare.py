"""chainsim.experiments.compare and the comparison report (issue 6: `chainsim compare`).

The paired-difference statistics and P(best) are checked on hand-made KPI tables whose values
are worked out by hand here, the interval with scipy.stats.t; common random numbers are checked
by measuring the variance of paired differences with shared and with independent streams.
"""

from __future__ import annotations

import base64
import copy
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import chainsim
from chainsim.errors import ScenarioError
from chainsim.experiments.compare import (
    COMPARISON_COLUMNS,
    CompareError,
    compare,
    comparison_table,
    load_scenarios,
    p_best,
    paired_differences,
    ranking,
)
from chainsim.metrics.catalog import direction, lower_is_better
from chainsim.metrics.summary import summarize

ROOT = Path(__file__).resolve().parents[2]
SINGLE = ROOT / "scenarios" / "examples" / "single_retailer.yaml"
SERIAL = ROOT / "scenarios" / "examples" / "serial_3tier.yaml"

# network channel_profit per replication 0..3
PROFIT = {"A": [10.0, 12.0, 9.0, 11.0], "B": [13.0, 14.0, 12.0, 15.0], "C": [13.0, 15.0, 8.0, 15.0]}


def _kpis() -> pd.DataFrame:
    """A (baseline), B, C over 4 replications. Node shop only in A and B, dc only in C; the
    same numbers also stand as total_cost to check the lower-is-better direction."""
    rows = []
    for s, values in PROFIT.items():
        for r, v in enumerate(values):
            rows.append((s, r, "network", "channel_profit", v))
            rows.append((s, r, "network", "total_cost", v))
    for r, (a, b) in enumerate(zip([5.0, 6.0, 7.0, 8.0], [6.0, 6.0, 9.0, np.nan], strict=True)):
        rows.append(("A", r, "shop", "on_hand", a))
        rows.append(("B", r, "shop", "on_hand", b))
        rows.append(("C", r, "dc", "on_hand", 100.0 + r))
    return pd.DataFrame(rows, columns=["scenario", "replication", "node", "metric", "value"])


def _row(table, scenario, node, metric):
    sel = table[(table["scenario"] == scenario) & (table["node"] == node)
                & (table["metric"] == metric)]
    assert len(sel) == 1, (scenario, node, metric, sel)
    return sel.iloc[0]


def test_paired_differences_by_hand():
    diffs = paired_differences(_kpis(), "A")
    # B − A = [3, 2, 3, 4]: mean 3, sample variance ((0 + 1 + 0 + 1) / 3) = 2/3
    b = _row(diffs, "B", "network", "channel_profit")
    std = math.sqrt(2 / 3)
    half = stats.t.ppf(0.975, 3) * std / math.sqrt(4)
    assert b["baseline"] == "A" and b["diff_n"] == 4
    assert b["diff_mean"] == pytest.approx(3.0)
    assert b["diff_std"] == pytest.approx(std)
    assert b["diff_ci_low"] == pytest.approx(3.0 - half)
    assert b["diff_ci_high"] == pytest.approx(3.0 + half)
    # C − A = [3, 3, −1, 4]: mean 9/4, deviations [.75, .75, −3.25, 1.75]
    c = _row(diffs, "C", "network", "channel_profit")
    var = (0.75**2 + 0.75**2 + 3.25**2 + 1.75**2) / 3
    assert c["diff_mean"] == pytest.approx(2.25)
    assert c["diff_std"] == pytest.approx(math.sqrt(var))
    assert c["diff_ci_high"] - c["diff_mean"] == pytest.approx(
        stats.t.ppf(0.975, 3) * math.sqrt(var / 4))
    # the baseline against itself: exactly zero, zero-width interval
    a = _row(diffs, "A", "network", "channel_profit")
    assert (a["diff_mean"], a["diff_std"], a["diff_ci_low"], a["diff_ci_high"]) == (0, 0, 0, 0)
    # per node where both have it; a NaN replication is left out: shop B − A = [1, 0, 2]
    shop = _row(diffs, "B", "shop", "on_hand")
    assert shop["diff_n"] == 3 and shop["diff_mean"] == pytest.approx(1.0)
    assert shop["diff_std"] == pytest.approx(1.0)
    # nodes the baseline lacks get no difference
    assert diffs[(diffs["node"] == "dc")].empty


def test_p_best_splits_ties():
    kpis = _kpis()
    # highest wins. rep 0: B = C = 13 (half each); rep 1: C; rep 2: B; rep 3: B = C = 15
    best = p_best(kpis, "channel_profit")
    assert best.to_dict() == pytest.approx({"A": 0.0, "B": 0.5, "C": 0.5})
    # lowest wins (a cost). rep 0: A 10; rep 1: A 12; rep 2: C 8; rep 3: A 11
    cheap = p_best(kpis, "total_cost")
    assert cheap.to_dict() == pytest.approx({"A": 0.75, "B": 0.0, "C": 0.25})
    assert best.sum() == pytest.approx(1.0) and cheap.sum() == pytest.approx(1.0)


def test_p_best_three_way_tie_and_missing_values():
    rows = [("X", 0, "network", "fill_rate", 1.0), ("Y", 0, "network", "fill_rate", 1.0),
            ("Z", 0, "network", "fill_rate", 1.0),
            ("X", 1, "network", "fill_rate", np.nan), ("Y", 1, "network", "fill_rate", 0.9),
            ("Z", 1, "network", "fill_rate", 0.8),
            ("X", 2, "network", "fill_rate", np.nan), ("Y", 2, "network", "fill_rate", np.nan),
            ("Z", 2, "network", "fill_rate", np.nan)]
    kpis = pd.DataFrame(rows, columns=["scenario", "replication", "node", "metric", "value"])
    # rep 0: a third each; rep 1: Y (NaN never wins); rep 2: nobody has a value, not counted
    assert p_best(kpis, "fill_rate").to_dict() == pytest.approx(
        {"X": 1 / 6, "Y": 1 / 6 + 1 / 2, "Z": 1 / 6})


def test_lower_is_better_names():
    for metric in ("total_cost", "cost_to_serve", "backorders", "lost_sales", "bullwhip",
                   "holding_cost", "shipping_cost", "order_lead_time_mean", "order_lead_time_p95",
                   "queue_wait_mean", "queue_wait_prob"):
        assert lower_is_better(metric), metric
        assert direction(metric) == -1
    for metric in ("channel_profit", "fill_rate", "coverage", "units_sold", "revenue"):
        assert not lower_is_better(metric), metric
        assert direction(metric) == 1
    assert direction("on_hand") == 0 and not lower_is_better("on_hand")


def test_ranking_direction():
    kpis = _kpis()
    summary = summarize(kpis)
    diffs = paired_differences(kpis, "A")
    # means: A 10.5, B 13.5, C 12.75
    up = ranking(summary, diffs, kpis, "channel_profit")
    assert list(up["scenario"]) == ["B", "C", "A"] and list(up["rank"]) == [1, 2, 3]
    down = ranking(summary, diffs, kpis, "total_cost")
    assert list(down["scenario"]) == ["A", "C", "B"]
    assert list(down["p_best"]) == pytest.approx([0.75, 0.25, 0.0])
    assert down.set_index("scenario").loc["B", "diff_mean"] == pytest.approx(3.0)


def test_comparison_table_is_tidy():
    kpis = _kpis()
    summary = summarize(kpis)
    table = comparison_table(summary, paired_differences(kpis, "A"), kpis, "channel_profit", "A")
    assert list(table.columns) == COMPARISON_COLUMNS
    assert len(table) == len(summary) and set(table["baseline"]) == {"A"}
    ranked = (table["node"] == "network") & (table["metric"] == "channel_profit")
    assert table.loc[ranked, "p_best"].notna().all()
    assert table.loc[~ranked, "p_best"].isna().all()
    dc = _row(table, "C", "dc", "on_hand")  # the baseline has no dc: no difference
    assert dc["mean"] == pytest.approx(101.5) and pd.isna(dc["diff_mean"])


def _variant(name: str, s_level: float | None = None, **top) -> dict:
    data = chainsim.load_scenario(SINGLE).model_dump(by_alias=True, exclude_none=True)
    data = copy.deepcopy(data)
    data["name"] = name
    data.update(top)
    if s_level is not None:
        shop = next(n for n in data["nodes"] if n["id"] == "shop")
        shop["policy"]["S"] = s_level
    return data


def _values(kpis, scenario, metric, node="network") -> pd.Series:
    sel = kpis[(kpis["scenario"] == scenario) & (kpis["node"] == node)
               & (kpis["metric"] == metric)]
    return sel.set_index("replication")["value"].sort_index()


def test_common_random_numbers_shrink_the_variance_of_differences():
    """Var(X − Y) = Var X + Var Y − 2 Cov(X, Y). With shared streams the same Poisson demand
    drives both S = 42 and S = 45 in each replication, so the two runs move together (Cov close
    to Var) and the difference keeps only the effect of the 3 extra units; with independent
    streams Cov = 0 and the difference carries both runs' demand noise. On-hand stock differs by
    about 3 units on almost every day under CRN; channel profit's revenue part (same units sold
    at the same price) cancels. So the paired variance must be a small fraction of the
    independent one — we ask for under a quarter (the measured ratios are far smaller; with 20
    replications a ratio of sample variances rarely strays by more than a factor 2.5)."""
    reps, days, warmup = 20, 365, 50
    cmp = compare([_variant("S42"), _variant("S45", 45)], metric="channel_profit",
                  replications=reps, days=days, warmup=warmup)
    seed = cmp.settings["seed"]
    # same demand, replication by replication
    pd.testing.assert_series_equal(_values(cmp.kpis, "S42", "demand", "shop"),
                                   _values(cmp.kpis, "S45", "demand", "shop"))
    independent = chainsim.simulate(_variant("S45", 45), replications=reps, days=days,
                                    warmup=warmup, seed=seed + 1).kpis
    for metric in ("on_hand", "channel_profit"):
        base = _values(cmp.kpis, "S42", metric)
        shared = _values(cmp.kpis, "S45", metric) - base
        apart = _values(independent, "S45", metric) - base
        ratio = shared.var() / apart.var()
        assert ratio < 0.25, (metric, ratio)
        # the comparison reports exactly these paired differences
        row = _row(cmp.comparison, "S45", "network", metric)
        assert row["diff_mean"] == pytest.approx(shared.mean())
        assert row["diff_std"] == pytest.approx(shared.std())
    assert _row(cmp.comparison, "S45", "network", "on_hand")["diff_mean"] == pytest.approx(3, abs=0.5)


def test_every_scenario_runs_with_the_first_ones_settings():
    a = _variant("a", seed=7, replications=2, horizon_days=30, warmup_days=3)
    b = _variant("b", 45, seed=99, replications=5, horizon_days=80, warmup_days=20)
    cmp = compare([a, b])
    assert cmp.settings == {"replications": 2, "days": 30, "warmup": 3, "seed": 7}
    for scn in cmp.scenarios:
        assert (scn.seed, scn.replications, scn.horizon_days, scn.warmup_days) == (7, 2, 30, 3)
    assert sorted(cmp.kpis["replication"].unique()) == [0, 1]
    over = compare([a, b], seed=5, replications=3, days=10, warmup=0, baseline="b")
    assert over.settings == {"replications": 3, "days": 10, "warmup": 0, "seed": 5}
    assert over.baseline == "b" and set(over.comparison["baseline"]) == {"b"}


def test_unknown_baseline_or_metric_is_bad_input():
    a, b = _variant("a", horizon_days=5, replications=2), _variant("b", 45)
    with pytest.raises(CompareError, match="baseline 'zzz'.*a, b"):
        compare([a, b], baseline="zzz")
    with pytest.raises(CompareError, match="metric 'zzz'.*channel_profit"):
        compare([a, b], metric="zzz")


def test_a_folder_skips_files_that_are_only_extended(tmp_path):
    (tmp_path / "market.yaml").write_text(
        "name: market\nproducts:\n  - {id: item, unit_cost: 10, price: 25}\n", encoding="utf-8")
    for name, s_level in (("one", 42), ("two", 45)):
        (tmp_path / f"{name}.yaml").write_text(
            f"extends: market.yaml\nname: {name}\nnodes:\n"
            "  - {id: plant, role: manufacturer, infinite_supply: true}\n"
            "  - id: shop\n    role: retailer\n    demand: {dist: poisson, mean: 8}\n"
            f"    policy: {{type: base_stock, S: {s_level}}}\n"
            "lanes:\n  - {from: plant, to: shop}\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not yaml", encoding="utf-8")
    scenarios, sources = load_scenarios([tmp_path])
    assert [s.name for s in scenarios] == ["one", "two"]
    assert [Path(p).name for p in sources] == ["one.yaml", "two.yaml"]
    # a base in the folder is still checked: a wrong value in it is reported at its line
    (tmp_path / "broken_base.yaml").write_text("name: base\nseed: -1\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as exc:
        load_scenarios([tmp_path])
    assert re.search(r"broken_base\.yaml:2:\d+: .*seed", str(exc.value))
    (tmp_path / "broken_base.yaml").unlink()
    # named explicitly, a file without nodes is an error with its position, not skipped
    with pytest.raises(ScenarioError) as exc:
        load_scenarios([tmp_path / "market.yaml", tmp_path / "one.yaml"])
    assert re.search(r"market\.yaml:\d+:\d+: .*nodes", str(exc.value))


def test_two_files_with_one_name_are_reported_at_the_name(tmp_path):
    copy_ = tmp_path / "copy.yaml"
    copy_.write_text(SINGLE.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(ScenarioError) as exc:
        load_scenarios([SINGLE, copy_])
    line = next(i for i, t in enumerate(copy_.read_text().splitlines(), 1) if t.startswith("name:"))
    assert f"{copy_}:{line}:1: scenario name 'single-retailer'" in str(exc.value)


def test_report_is_self_contained_and_escapes_user_text(tmp_path):
    from chainsim.report.html import write_comparison

    nasty = _variant("<b>x</b>&", description='<script>alert("hi")</script> & "quoted"',
                     replications=3, horizon_days=20, warmup_days=0)
    other = _variant("plain $x$", 45)
    cmp = compare([nasty, other])
    out = tmp_path / "cmp"
    written = write_comparison(cmp, out, "test")
    assert {p.name for p in written} >= {"comparison.csv", "kpis.csv", "summary.csv",
                                         "report.html", "figures"}
    page = (out / "report.html").read_text(encoding="utf-8")
    for forbidden in ("http://", "https://", "<script", "<b>x</b>", "<link", "@import"):
        assert forbidden not in page, forbidden
    assert "&lt;b&gt;x&lt;/b&gt;&amp;" in page
    assert "&lt;script&gt;alert(&quot;hi&quot;)&lt;/script&gt; &amp; &quot;quoted&quot;" in page
    images = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) == 5  # four comparison figures and the bullwhip ratio
    for data in images:
        assert base64.b64decode(data).startswith(b"\x89PNG\r\n\x1a\n")
    # only data URIs as sources
    assert re.findall(r'(?:src|href)="([^"]*)"', page) == [f"data:image/png;base64,{d}"
                                                           for d in images]
    for name in ("kpi_bars", "cost_breakdown", "inventory_by_tier", "coverage_margin"):
        assert (out / "figures" / f"{name}.png").stat().st_size > 0
        assert (out / "figures" / f"{name}.svg").stat().st_size > 0
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp left
