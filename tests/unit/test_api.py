"""The public Python API (``chainsim.simulate``, ``chainsim.compare``, ``repr(Results)``) and
the layering it rests on (the engine imports no metrics)."""

from __future__ import annotations

import ast
import inspect
import pydoc
from pathlib import Path

import pandas as pd
import pytest

import chainsim
from chainsim.experiments.compare import COMPARISON_COLUMNS, DEFAULT_METRIC, RANKING_COLUMNS

SRC = Path(chainsim.__file__).parent
SIMULATE_ARGS = ["replications", "days", "seed", "warmup", "timeseries", "vectorize", "trace",
                 "progress"]
COMPARE_ARGS = ["metric", "baseline", "replications", "days", "seed", "warmup"]


def serial(name: str = "serial", S: int = 26) -> dict:
    return {
        "name": name, "horizon_days": 30, "warmup_days": 5, "replications": 3, "seed": 11,
        "nodes": [
            {"id": "plant", "role": "manufacturer", "infinite_supply": True},
            {"id": "shop", "role": "retailer", "demand": {"dist": "poisson", "mean": 8},
             "policy": {"type": "base_stock", "S": S}},
        ],
        "lanes": [{"from": "plant", "to": "shop",
                   "lead_time": {"dist": "constant", "value": 2}}],
    }


def chainsim_imports(path: Path) -> set[str]:
    """The chainsim modules a file imports, at module level or inside functions."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return {n for n in names if n.startswith("chainsim")}


# --------------------------------------------------------------------------- layering
def test_the_engine_imports_nothing_above_it():
    above = ("chainsim.metrics", "chainsim.experiments", "chainsim.report", "chainsim.play",
             "chainsim.cli")
    for path in (SRC / "engine").glob("*.py"):
        wrong = {m for m in chainsim_imports(path) if m.startswith(above)}
        assert not wrong, f"{path.name} imports {wrong}"


def test_import_chainsim_loads_no_simulator():
    """``import chainsim`` stays light: the simulator loads on first use of ``simulate``."""
    import subprocess
    import sys

    code = "import sys, chainsim; print('pandas' in sys.modules, 'simpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


# --------------------------------------------------------------------------- simulate
def test_simulate_shows_its_real_arguments():
    from chainsim.experiments.replicate import simulate

    assert chainsim.simulate is simulate
    params = inspect.signature(chainsim.simulate).parameters
    assert not any(p.kind is p.VAR_KEYWORD or p.kind is p.VAR_POSITIONAL
                   for p in params.values())
    assert list(params) == ["scenario", *SIMULATE_ARGS]
    text = pydoc.render_doc(chainsim.simulate, renderer=pydoc.plaintext)
    for name in SIMULATE_ARGS:
        assert f"{name}:" in text, f"help(chainsim.simulate) does not explain {name}"
    for table in (".kpis", ".summary", ".timeseries", ".trace"):
        assert table in text


def test_simulate_arguments_override_the_scenario():
    res = chainsim.simulate(serial(), replications=2, days=12, seed=3, warmup=1)
    scn = res.scenario
    assert (scn.replications, scn.horizon_days, scn.seed, scn.warmup_days) == (2, 12, 3, 1)
    assert sorted(res.kpis["replication"].unique()) == [0, 1]
    shop = res.kpis[(res.kpis["node"] == "shop") & (res.kpis["metric"] == "demand")]
    assert len(shop) == 2  # one row per replication
    assert res.timeseries is None and res.trace is None
    series = chainsim.simulate(serial(), replications=2, days=12, timeseries="first").timeseries
    assert set(series["replication"]) == {0}
    assert len(series) == 2 * (12 + 5)  # one row per node and day, warm-up days too


def test_results_repr_is_short_and_points_at_the_tables():
    res = chainsim.simulate(serial("short-repr"))
    text = repr(res)
    assert text.startswith("<Results 'short-repr'") and len(text) < 200, text
    assert "3 replications x 30 days" in text and "after 5 warm-up" in text
    assert f"{len(res.kpis)} KPI rows" in text
    assert ".kpis" in text and ".summary" in text
    assert ".timeseries" not in text  # not kept, so not offered
    assert "plant" not in text and "lanes" not in text  # not the scenario itself
    one = chainsim.simulate(serial("one"), replications=1, timeseries="first")
    assert "1 replication x" in repr(one) and ".timeseries" in repr(one)


# --------------------------------------------------------------------------- compare
def test_compare_shows_its_real_arguments():
    params = inspect.signature(chainsim.compare).parameters
    assert list(params)[0] == "scenarios"
    assert all(params[name].kind is inspect.Parameter.KEYWORD_ONLY for name in COMPARE_ARGS)
    assert not any(p.kind is p.VAR_KEYWORD for p in params.values())
    assert params["metric"].default == DEFAULT_METRIC
    doc = inspect.getdoc(chainsim.compare)
    for word in (*COMPARE_ARGS, ".comparison", ".ranking", ".kpis", ".summary"):
        assert word in doc


def test_compare_returns_the_tables_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    # "copy" is the baseline under another name: common random numbers make every paired
    # difference exactly 0, and the two tie in every replication (P(best) 1/2 each)
    cmp = chainsim.compare([serial("base"), serial("copy"), serial("more", S=40)],
                           metric="fill_rate", replications=4, days=40, seed=2, warmup=3)
    assert list(tmp_path.iterdir()) == []
    for table in (cmp.comparison, cmp.ranking, cmp.kpis, cmp.summary):
        assert isinstance(table, pd.DataFrame) and not table.empty
    assert list(cmp.comparison.columns) == COMPARISON_COLUMNS
    assert list(cmp.ranking.columns) == RANKING_COLUMNS
    assert cmp.baseline == "base" and cmp.metric == "fill_rate"
    assert cmp.settings == {"replications": 4, "days": 40, "warmup": 3, "seed": 2}
    copy = cmp.comparison[cmp.comparison["scenario"] == "copy"]
    paired = copy.dropna(subset=["diff_mean"])  # NaN: a ratio without denominator
    assert len(paired) > 0.8 * len(copy)
    assert (paired["diff_mean"] == 0).all() and (paired["diff_std"].fillna(0) == 0).all()
    assert (copy["diff_n"] <= 4).all()
    # a higher base-stock level cannot lower the fill rate on the same demand
    ranked = cmp.ranking.set_index("scenario")
    assert ranked.loc["more", "diff_mean"] >= 0
    assert ranked.loc["more", "rank"] == 1
    assert ranked.loc["base", "p_best"] == pytest.approx(ranked.loc["copy", "p_best"])
    assert ranked["p_best"].sum() == pytest.approx(1.0)
    text = repr(cmp)
    assert len(text) < 200 and "'base', 'copy', 'more'" in text and ".ranking" in text


def test_compare_baseline_and_errors():
    from chainsim.experiments.compare import CompareError

    cmp = chainsim.compare([serial("a"), serial("b", S=20)], baseline="b", metric="total_cost",
                           replications=2, days=10)
    assert cmp.baseline == "b"
    assert (cmp.comparison["baseline"] == "b").all()
    with pytest.raises(CompareError, match="nosuch"):
        chainsim.compare([serial("a"), serial("b")], baseline="nosuch", replications=2)
    with pytest.raises(CompareError, match="at least two"):
        chainsim.compare([serial("a")])


# --------------------------------------------------------------------------- simulation hooks
class Constant:
    """A policy that wants ``qty`` at every review, whatever the inventory position."""

    level = 0

    def __init__(self, qty: float):
        self.qty = qty

    def need(self, ip: float) -> float:
        return self.qty


def kernel(data: dict, **kw):
    from chainsim.engine.run import Simulation, resolve

    return Simulation(resolve(data), 0, timeseries=True, vectorize=False, **kw)


def test_replace_policy_orders_by_the_new_policy_from_the_next_day():
    """Lead time 2 from an infinite source: the shop's order of day d arrives on day d + 2, so
    with 5 ordered every day from day 10 on, 5 arrives every day from day 12 on."""
    data = serial(S=26)
    days = 5 + 30
    before = kernel(data).run()
    sim = kernel(data)
    received: dict[int, float] = {}
    sim.watch_receipts("shop", lambda day, qty: received.__setitem__(
        day, received.get(day, 0) + qty))
    sim.run_until(10)
    sim.replace_policy("shop", Constant(5), review_days=1)
    sim.run()
    shop = sim.series.ids.index("shop")
    orders = sim.series.data["orders"][:, shop]
    assert (orders[:10] == before.series.data["orders"][:10, shop]).all()  # untouched before
    assert (orders[10:] == 5).all()
    assert all(received[d] == 5 for d in range(12, days))
    # every unit ordered before the end, except the last two days' orders, was received
    assert sum(received.values()) == orders[:-2].sum()


def test_replace_policy_stops_a_forecasting_policy_learning():
    data = serial()
    data["nodes"][1]["policy"] = {"type": "forecast_out", "method": "moving_average",
                                  "window": 5}
    sim = kernel(data)
    old = sim.node("shop").policy
    assert old in sim.observers
    sim.replace_policy("shop", Constant(1))
    assert old not in sim.observers and sim.node("shop").policy.qty == 1
    sim.run()  # the day loop runs on without it


def test_node_hooks_refuse_unknown_and_grouped_nodes():
    from chainsim.engine.run import Simulation, resolve

    with pytest.raises(ValueError, match="no node 'nosuch'"):
        kernel(serial()).replace_policy("nosuch", Constant(1))
    many = serial()
    shop = many["nodes"].pop()
    many["nodes"] += [{**shop, "id": f"shop{i}"} for i in range(40)]
    many["lanes"] = [{**many["lanes"][0], "to": f"shop{i}"} for i in range(40)]
    grouped = Simulation(resolve(many), 0)  # 40 alike retailers: one array-based group
    with pytest.raises(ValueError, match="vectorize=False"):
        grouped.replace_policy("shop3", Constant(1))
