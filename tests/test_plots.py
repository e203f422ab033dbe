"""The bullwhip figures (issue 8): ``chainsim run --plot`` and the comparison report's variance
ratio per tier. Small scenarios written here; bar heights are checked against the summary."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ENV = {"COLUMNS": "160", "NO_COLOR": "1"}
PNG = b"\x89PNG\r\n\x1a\n"
FILES = ("bullwhip_orders.png", "bullwhip_orders.svg", "bullwhip_ratio.png",
         "bullwhip_ratio.svg")

# plant (an outside source, no tier) -> dc -> shop; written upstream first on purpose: tiers
# follow the network (shop, then dc), not the file
SERIAL = """\
name: serial-bw
horizon_days: 200
warmup_days: 20
replications: 3
seed: 7
nodes:
  - id: plant
    role: manufacturer
    infinite_supply: true
  - id: dc
    role: distributor
    policy: {type: sS, s: 40, S: 120, review_days: 4}
  - id: shop
    role: retailer
    demand: {dist: poisson, mean: 8}
    policy: {type: base_stock, S: 40}
lanes:
  - {from: plant, to: dc, lead_time: {dist: constant, value: 3}}
  - {from: dc, to: shop, lead_time: {dist: constant, value: 2}}
"""


def _wide(shops: int) -> str:
    """plant -> dc -> ``shops`` retailers: more than eight stocking nodes."""
    nodes = "".join(f"""\
  - id: s{i}
    role: retailer
    demand: {{dist: poisson, mean: {4 + i % 3}}}
    policy: {{type: sS, s: 10, S: {30 + i}}}
""" for i in range(shops))
    lanes = "".join(f"  - {{from: dc, to: s{i}, lead_time: {{dist: constant, value: 2}}}}\n"
                    for i in range(shops))
    return f"""\
name: wide-bw
horizon_days: 120
warmup_days: 10
replications: 2
seed: 3
nodes:
  - id: plant
    role: manufacturer
    infinite_supply: true
  - id: dc
    role: distributor
    policy: {{type: base_stock, S: 200}}
{nodes}lanes:
  - {{from: plant, to: dc, lead_time: {{dist: constant, value: 3}}}}
{lanes}"""


def _invoke(args: list[str], cwd: Path):
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


def _bar_heights(fig, gid: str | None = None) -> list[float]:
    """Heights of the bars of the first panel (only those of one metric with ``gid``)."""
    from matplotlib.patches import Rectangle

    ax = fig.axes[0]
    return [p.get_height() for p in ax.patches
            if isinstance(p, Rectangle) and (gid is None or p.get_gid() == gid)]


@pytest.fixture(scope="module")
def plotted(tmp_path_factory):
    """``chainsim run serial.yaml --plot --timeseries none`` -> (result, results folder)."""
    tmp = tmp_path_factory.mktemp("plot")
    (tmp / "serial.yaml").write_text(SERIAL, encoding="utf-8")
    res = _invoke(["run", "serial.yaml", "--plot", "--timeseries", "none", "--replications", "2",
                   "--out", "out", "-q"], tmp)
    return res, tmp / "out"


def test_run_plot_writes_the_four_figures(plotted):
    res, out = plotted
    assert res.exit_code == 0, res.stderr
    for name in FILES:
        path = out / "figures" / name
        assert path.is_file(), name
        assert f"out/figures/{name}" in res.stdout  # printed like the other outputs
        if name.endswith(".png"):
            assert path.read_bytes().startswith(PNG)
        else:
            assert ET.parse(path).getroot().tag.endswith("svg")
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]  # no staging left


def test_tiers_follow_the_network_and_skip_sources():
    from ruamel.yaml import YAML

    from chainsim.metrics.tiers import stocking_nodes, tiers
    from chainsim.scenario.load import load_scenario

    scn = load_scenario(YAML(typ="safe").load(SERIAL))
    assert stocking_nodes(scn) == ["shop", "dc"]  # consumer end first; plant never orders
    assert [(t.label, t.role, t.nodes) for t in tiers(scn)] == [
        ("shop", "retailer", ("shop",)), ("dc", "distributor", ("dc",))]


@pytest.fixture(scope="module")
def serial_results():
    from ruamel.yaml import YAML

    from chainsim.experiments.replicate import simulate

    return simulate(YAML(typ="safe").load(SERIAL), timeseries="first")


def test_bar_heights_are_the_summary_means(serial_results):
    from chainsim.metrics.tiers import tiers
    from chainsim.report.bullwhip import ratio_bars, ratio_table

    res = serial_results
    bw = res.summary[res.summary["metric"] == "bullwhip"].set_index("node")
    table = ratio_table(res.kpis, tiers(res.scenario))
    assert list(table["tier"]) == ["shop", "dc"]
    for column in ("mean", "ci_low", "ci_high"):
        assert table[column].to_numpy() == pytest.approx(bw.loc[["shop", "dc"], column].to_numpy())
    assert bw.loc["dc", "mean"] > 1.5  # an (s, S) stage amplifies; a base-stock one passes on
    fig = ratio_bars(res.kpis, res.scenario)
    assert _bar_heights(fig, "bullwhip") == pytest.approx(list(bw.loc[["shop", "dc"], "mean"]))
    amp = res.summary[res.summary["metric"] == "amplification"].set_index("node")
    assert _bar_heights(fig, "amplification") == pytest.approx(
        list(amp.loc[["shop", "dc"], "mean"]))
    assert "variance of orders / variance of demand" in fig.axes[0].get_ylabel()


def test_orders_figure_lines_and_period_label(serial_results):
    from chainsim.report.bullwhip import orders_inventory

    res = serial_results
    fig = orders_inventory(res.timeseries, res.scenario)
    top, bottom = fig.axes
    assert bottom.get_xlabel() == "day"
    # the x axis is labelled with the scenario's period (a label only)
    weekly = res.scenario.model_copy(update={"period": "week"})
    assert orders_inventory(res.timeseries, weekly).axes[1].get_xlabel() == "week"
    labels = [line.get_label() for line in top.get_lines()]
    assert set(labels) == {"shop (retailer)", "dc (distributor)", "consumer demand"}
    ts = res.timeseries[res.timeseries["replication"] == 0]
    drawn = {line.get_label(): line.get_ydata() for line in top.get_lines()}
    orders = ts[ts["node"] == "dc"]["orders"].to_numpy()
    assert np.array_equal(drawn["dc (distributor)"], orders)
    assert np.array_equal(drawn["consumer demand"], ts[ts["node"] == "shop"]["demand"].to_numpy())
    net = {line.get_label(): line.get_ydata() for line in bottom.get_lines()}
    shop = ts[ts["node"] == "shop"]
    assert np.array_equal(net["shop (retailer)"], (shop["on_hand"] - shop["backorders"]).to_numpy())


def test_many_stocking_nodes_are_drawn_per_role():
    from ruamel.yaml import YAML

    from chainsim.experiments.replicate import simulate
    from chainsim.metrics.tiers import tiers
    from chainsim.report.bullwhip import orders_inventory, ratio_bars, tier_series

    res = simulate(YAML(typ="safe").load(_wide(10)), timeseries="first")
    tier_list = tiers(res.scenario)
    assert [(t.label, t.role, len(t.nodes)) for t in tier_list] == [
        ("retailer ×10", "retailer", 10), ("distributor ×1", "distributor", 1)]
    orders, net, demand = tier_series(res.timeseries, res.scenario, tier_list)
    ts = res.timeseries[res.timeseries["replication"] == 0]
    shops = ts[ts["node"].astype(str).str.startswith("s")]
    assert orders["retailer ×10"].to_numpy() == pytest.approx(
        shops.groupby("day")["orders"].sum().to_numpy())
    assert demand.to_numpy() == pytest.approx(shops.groupby("day")["demand"].sum().to_numpy())
    # bars: per role, the mean over the role's nodes (every node here has a ratio each rep)
    bw = res.summary[res.summary["metric"] == "bullwhip"].set_index("node")["mean"]
    fig = ratio_bars(res.kpis, res.scenario)
    expected = [bw[[f"s{i}" for i in range(10)]].mean(), bw["dc"]]
    assert _bar_heights(fig, "bullwhip") == pytest.approx(expected)
    assert "mean over the role's nodes" in fig.axes[0].get_ylabel()
    labels = {line.get_label() for line in orders_inventory(res.timeseries, res.scenario)
              .axes[0].get_lines()}
    assert labels == {"retailer ×10", "distributor ×1", "consumer demand"}
    # at most eight stocking nodes: one tier each
    assert len(tiers(simulate(YAML(typ="safe").load(_wide(7)), replications=1).scenario)) == 8


def test_plot_with_timeseries_none_still_plots(plotted):
    """--plot records replication 0's series for the picture but writes no timeseries file."""
    res, out = plotted
    assert res.exit_code == 0, res.stderr
    assert all((out / "figures" / name).is_file() for name in FILES)
    assert not list(out.glob("timeseries.*"))
    assert "timeseries" not in res.stdout
    assert (out / "kpis.csv").is_file() and (out / "summary.csv").is_file()


def test_compare_report_has_the_bullwhip_ratio(tmp_path):
    from ruamel.yaml import YAML

    from chainsim.report.bullwhip import comparison_ratio_bars, comparison_ratio_table
    from chainsim.scenario.load import load_scenario

    (tmp_path / "serial.yaml").write_text(SERIAL, encoding="utf-8")
    (tmp_path / "wide.yaml").write_text(_wide(3), encoding="utf-8")
    res = _invoke(["compare", "serial.yaml", "wide.yaml", "--replications", "2", "--days",
                   "60", "--out", "cmp", "-q"], tmp_path)
    assert res.exit_code == 0, res.stderr
    out = tmp_path / "cmp"
    assert (out / "figures" / "bullwhip_ratio.png").read_bytes().startswith(PNG)
    ET.parse(out / "figures" / "bullwhip_ratio.svg")
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "variance of the orders it places divided by the variance of the demand" in page
    assert "1 means no amplification" in page
    assert page.count("data:image/png;base64,") == 5
    # grouped bars: per scenario and role, the mean over the role's nodes
    kpis = pd.read_csv(out / "kpis.csv")
    scenarios = [load_scenario(YAML(typ="safe").load(t)) for t in (SERIAL, _wide(3))]
    table = comparison_ratio_table(kpis, scenarios)
    assert list(zip(table["scenario"], table["role"], strict=True)) == [
        ("serial-bw", "retailer"), ("serial-bw", "distributor"),
        ("wide-bw", "retailer"), ("wide-bw", "distributor")]
    bw = kpis[kpis["metric"] == "bullwhip"]
    shops = bw[(bw["scenario"] == "wide-bw") & bw["node"].isin(["s0", "s1", "s2"])]
    assert table.loc[2, "mean"] == pytest.approx(shops["value"].mean())
    fig = comparison_ratio_bars(kpis, scenarios)
    heights = _bar_heights(fig)  # role by role, a bar per scenario
    assert heights == pytest.approx([table.loc[0, "mean"], table.loc[2, "mean"],
                                     table.loc[1, "mean"], table.loc[3, "mean"]])
