"""``chainsim compare`` end to end (DESIGN §7 command line; issue 6), through the Typer app in
this process: the results folder, the ranking table, and bad input (exit 2, nothing written)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "scenarios" / "examples"
ENV = {"COLUMNS": "160", "NO_COLOR": "1"}

BAD_YAML = """\
name: broken
nodes:
  - id: plant
    role: manufacturer
    infinite_supply: true
  - id: shop
    role: retailer
    demand: {dist: poisson, mean: 8}
    polcy: {type: base_stock, S: 42}
lanes:
  - {from: plant, to: shop}
"""


def _invoke(args: list[str], cwd: Path):
    import os

    from typer.testing import CliRunner

    from chainsim.cli import app

    here = os.getcwd()
    os.chdir(cwd)
    try:
        res = CliRunner().invoke(app, args, env=ENV)
    finally:
        os.chdir(here)
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    return res


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("compare")
    res = _invoke(["compare", str(EXAMPLES / "single_retailer.yaml"),
                   str(EXAMPLES / "serial_3tier.yaml"), "--replications", "3", "--days", "60",
                   "--out", "tmp"], tmp)
    return res, tmp / "tmp"


def test_compare_writes_the_results_folder(good):
    res, out = good
    assert res.exit_code == 0, res.stderr
    assert "Traceback" not in res.stdout + res.stderr
    for name in ("comparison.csv", "ranking.csv", "kpis.csv", "summary.csv", "nodes.csv",
                 "scenarios.csv", "report.html"):
        assert (out / name).is_file(), name
    for name in ("kpi_bars", "cost_breakdown", "inventory_by_tier", "coverage_margin"):
        assert (out / "figures" / f"{name}.png").is_file()
        assert (out / "figures" / f"{name}.svg").is_file()
    assert len(list((out / "scenarios").glob("*.resolved.yaml"))) == 2
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]  # no temp left

    kpis = pd.read_csv(out / "kpis.csv")
    assert list(kpis.columns) == ["scenario", "replication", "node", "metric", "value"]
    assert set(kpis["scenario"]) == {"single-retailer", "serial-3tier"}
    assert set(kpis["replication"]) == {0, 1, 2}
    table = pd.read_csv(out / "comparison.csv")
    assert list(table.columns) == [
        "scenario", "baseline", "node", "metric", "mean", "std", "ci_low", "ci_high", "n",
        "diff_mean", "diff_std", "diff_ci_low", "diff_ci_high", "diff_n", "p_best"]
    assert set(table["baseline"]) == {"single-retailer"}  # the first scenario by default
    ranked = table[(table["node"] == "network") & (table["metric"] == "channel_profit")]
    assert ranked["p_best"].sum() == pytest.approx(1.0)
    # the difference columns are the per-replication differences of kpis.csv
    net = kpis[(kpis["node"] == "network") & (kpis["metric"] == "channel_profit")]
    wide = net.pivot(index="replication", columns="scenario", values="value")
    d = wide["serial-3tier"] - wide["single-retailer"]
    row = ranked.set_index("scenario").loc["serial-3tier"]
    assert row["diff_mean"] == pytest.approx(d.mean()) and row["diff_n"] == 3
    # one seed for all, the first scenario's
    first_lines = [p.read_text(encoding="utf-8").splitlines()[0]
                   for p in (out / "scenarios").glob("*.resolved.yaml")]
    assert len({re.search(r"seed (\d+)", line).group(1) for line in first_lines}) == 1


def test_compare_prints_the_ranking(good):
    res, out = good
    text = res.stdout
    assert "single-retailer" in text and "serial-3tier" in text
    assert "P(best)" in text and "baseline" in text and "±" in text
    assert "report.html" in text and "tmp" in text
    # best first: the ranking rows appear in the order of ranking.csv
    order = list(pd.read_csv(out / "ranking.csv")["scenario"])
    assert text.index(f"│ {order[0]}") < text.index(f"│ {order[1]}")


def test_bad_file_exits_2_and_writes_nothing(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD_YAML, encoding="utf-8")
    res = _invoke(["compare", str(EXAMPLES / "single_retailer.yaml"), str(bad), "--out",
                   "tmp", "-q"], tmp_path)
    assert res.exit_code == 2
    assert f"{bad}:9:5: unknown key 'polcy'" in res.stderr
    assert "Traceback" not in res.stdout + res.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml"]


def test_unknown_baseline_exits_2(tmp_path):
    res = _invoke(["compare", str(EXAMPLES / "single_retailer.yaml"),
                   str(EXAMPLES / "serial_3tier.yaml"), "--baseline", "nope", "--out", "tmp",
                   "-q"], tmp_path)
    assert res.exit_code == 2
    assert "nope" in res.stderr and "single-retailer" in res.stderr
    assert list(tmp_path.iterdir()) == []
