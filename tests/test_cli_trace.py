"""``chainsim run --trace`` on the e-commerce example: the order trace file and the 3PL KPIs.

Trace contract: one row per consumer order per status reached, columns scenario, replication,
order, node, channel, method, status, time (days), quantity; statuses ordered → picked →
packed → shipped → delivered, with non-decreasing times. The file is trace.parquet, or
trace.csv when pyarrow is missing.

Two identical runs are separate processes started together (bit-identical output across
processes); the other runs go through the Typer app in this process.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "scenarios" / "examples" / "ecommerce_3pl.yaml"
EXE = Path(sys.executable).with_name("chainsim")
CMD = [str(EXE)] if EXE.exists() else [sys.executable, "-m", "chainsim.cli"]
SHORT = ["--days", "20", "--warmup", "2", "--replications", "2"]

STATUSES = ["ordered", "picked", "packed", "shipped", "delivered"]
TRACE_COLUMNS = ["scenario", "replication", "order", "node", "channel", "method", "status",
                 "time", "quantity"]
CHANNELS = {"web", "marketplace", "social"}
FC_METRICS = ["order_lead_time_mean", "order_lead_time_p95", "queue_wait_mean",
              "queue_wait_prob", "utilization_pickers", "on_time_rate"]


def _trace_file(folder: Path) -> Path | None:
    for name in ("trace.parquet", "trace.csv"):
        if (folder / name).exists():
            return folder / name
    return None


def _read_trace(folder: Path) -> pd.DataFrame:
    path = _trace_file(folder)
    assert path is not None, f"no trace file in {sorted(p.name for p in folder.iterdir())}"
    return pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """name -> (CompletedProcess, results folder) for every invocation."""
    from typer.testing import CliRunner

    import chainsim.results.write as files
    from chainsim.cli import app

    tmp = tmp_path_factory.mktemp("trace")
    env = {**os.environ, "COLUMNS": "120", "NO_COLOR": "1"}
    procs = {
        name: subprocess.Popen(
            [*CMD, "run", str(EXAMPLE), "--trace", *SHORT, "--out", str(tmp / name)],
            cwd=tmp, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for name in ("a", "b")
    }
    results = {}
    runner = CliRunner()
    in_process = {
        "plain": ["run", str(EXAMPLE), *SHORT, "-q", "--out", str(tmp / "plain")],
        "csv": ["run", str(EXAMPLE), "--trace", *SHORT, "-q", "--out", str(tmp / "csv")],
    }
    for name, args in in_process.items():
        with pytest.MonkeyPatch.context() as mp:
            if name == "csv":  # as if pyarrow were not installed
                mp.setattr(files, "parquet_available", lambda: False)
            res = runner.invoke(app, args, env={"COLUMNS": "120", "NO_COLOR": "1"})
        assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
        results[name] = (subprocess.CompletedProcess(args, res.exit_code, res.stdout, res.stderr),
                         tmp / name)
    for name, p in procs.items():
        out, err = p.communicate(timeout=120)
        results[name] = (subprocess.CompletedProcess(p.args, p.returncode, out, err), tmp / name)
    return results


def _ok(res):
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stdout + res.stderr


@pytest.fixture(scope="module")
def trace(runs) -> pd.DataFrame:
    res, folder = runs["a"]
    _ok(res)
    return _read_trace(folder)


# --------------------------------------------------------------------------- the trace file
def test_run_with_trace_writes_the_trace_file(runs):
    from chainsim.results.write import parquet_available

    res, folder = runs["a"]
    _ok(res)
    want = "trace.parquet" if parquet_available() else "trace.csv"
    assert (folder / want).is_file(), sorted(p.name for p in folder.iterdir())
    assert want in res.stdout  # the results line lists it
    for name in ("kpis.csv", "summary.csv", "scenario.resolved.yaml"):
        assert (folder / name).is_file(), name


def test_trace_columns_and_values(trace):
    assert list(trace.columns) == TRACE_COLUMNS
    assert len(trace) > 0
    assert set(trace["scenario"]) == {"ecommerce-3pl"}
    assert sorted(trace["replication"].unique()) == [0, 1]
    assert set(trace["node"]) == {"fc"}
    assert set(trace["channel"]) == CHANNELS
    assert set(trace["status"]) <= set(STATUSES)
    assert set(trace["status"]) == set(STATUSES)  # 20 days of 60 orders a day: all reached
    assert trace["time"].notna().all() and (trace["time"] >= 0).all()
    assert (trace["quantity"] >= 1).all()
    assert (trace["quantity"] == trace["quantity"].round()).all()
    # the marketplace's promise needs express; website and social ship standard
    methods = trace.groupby("channel")["method"].unique()
    assert list(methods["marketplace"]) == ["express"]
    assert list(methods["web"]) == ["standard"]
    assert list(methods["social"]) == ["standard"]


def test_trace_statuses_in_order_per_order(trace):
    t = trace.assign(rank=trace["status"].map(STATUSES.index))
    t = t.sort_values(["replication", "order", "rank"], kind="stable")
    by_order = t.groupby(["replication", "order"], sort=False)
    # each status at most once per order
    assert not t.duplicated(["replication", "order", "status"]).any()
    # every order that reached a status has all the earlier ones: ranks are 0..max
    ranks = by_order["rank"].agg(["count", "max", "min"])
    assert (ranks["min"] == 0).all(), "an order without 'ordered'"
    bad = ranks[ranks["count"] != ranks["max"] + 1]
    assert bad.empty, f"orders missing an earlier status:\n{bad.head()}"
    # times do not decrease along ordered -> picked -> packed -> shipped -> delivered
    step = by_order["time"].diff().dropna()
    assert (step >= 0).all(), t.loc[step[step < 0].index]
    # an order keeps its channel, method and size
    assert (by_order[["channel", "method", "quantity"]].nunique() == 1).all().all()


def test_trace_orders_are_numbered_from_zero_per_replication(trace):
    placed = trace[trace["status"] == "ordered"]
    for _, orders in placed.groupby("replication")["order"]:
        assert sorted(orders) == list(range(len(orders)))


def test_trace_csv_without_pyarrow(runs, trace):
    res, folder = runs["csv"]
    _ok(res)
    assert (folder / "trace.csv").is_file()
    assert not (folder / "trace.parquet").exists()
    from_csv = pd.read_csv(folder / "trace.csv")
    assert list(from_csv.columns) == TRACE_COLUMNS
    # the same seed and arguments as run 'a': the same rows
    pd.testing.assert_frame_equal(from_csv, trace.reset_index(drop=True), check_dtype=False,
                                  rtol=1e-12)


def test_no_trace_file_without_the_option(runs):
    res, folder = runs["plain"]
    _ok(res)
    assert (folder / "kpis.csv").is_file()
    assert _trace_file(folder) is None, sorted(p.name for p in folder.iterdir())


def test_same_seed_gives_identical_trace_bytes(runs):
    (ra, a), (rb, b) = runs["a"], runs["b"]
    _ok(ra)
    _ok(rb)
    ta, tb = _trace_file(a), _trace_file(b)
    assert ta is not None and tb is not None and ta.name == tb.name
    assert ta.read_bytes() == tb.read_bytes()
    assert (a / "kpis.csv").read_bytes() == (b / "kpis.csv").read_bytes()


# --------------------------------------------------------------------------- 3PL KPIs
@pytest.fixture(scope="module")
def kpis(runs) -> pd.DataFrame:
    res, folder = runs["a"]
    _ok(res)
    return pd.read_csv(folder / "kpis.csv")


def test_kpis_have_a_row_per_channel(kpis):
    nodes = set(kpis["node"])
    assert {"fc/web", "fc/marketplace", "fc/social"} <= nodes, sorted(nodes)
    for node in ("fc/web", "fc/marketplace", "fc/social"):
        rows = kpis[kpis["node"] == node]
        assert sorted(rows["replication"].unique()) == [0, 1], node


def test_kpis_have_the_order_metrics_of_the_3pl(kpis):
    fc = kpis[kpis["node"] == "fc"]
    metrics = set(fc["metric"])
    missing = [m for m in FC_METRICS if m not in metrics]
    assert not missing, f"{missing} not among {sorted(metrics)}"
    for metric in FC_METRICS:
        values = fc.loc[fc["metric"] == metric, "value"]
        assert len(values) == 2, metric  # one per replication
        assert all(math.isfinite(v) and v >= 0 for v in values), (metric, list(values))
    for metric in ("queue_wait_prob", "on_time_rate", "utilization_pickers"):
        values = fc.loc[fc["metric"] == metric, "value"]
        assert values.between(0, 1).all(), (metric, list(values))
    mean = fc.loc[fc["metric"] == "order_lead_time_mean", "value"]
    p95 = fc.loc[fc["metric"] == "order_lead_time_p95", "value"]
    assert (p95.to_numpy() >= mean.to_numpy()).all()


def test_summary_utilization_within_zero_and_one(runs):
    res, folder = runs["a"]
    _ok(res)
    summary = pd.read_csv(folder / "summary.csv")
    util = summary[summary["metric"].str.startswith("utilization")]
    assert {"utilization", "utilization_pickers"} <= set(util["metric"]), sorted(util["metric"])
    assert util["mean"].notna().all()
    assert util["mean"].between(0, 1).all(), util[["node", "metric", "mean"]]
