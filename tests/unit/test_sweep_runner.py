"""The sweep runner: the same table whatever the number of workers, and resume loses nothing."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from chainsim.engine.run import resolve
from chainsim.experiments.sweep import Task, plan_tasks, run_sweep

EXAMPLE = Path(__file__).resolve().parents[2] / "scenarios" / "examples" / "single_retailer.yaml"


def make_sweep(levels=(30, 40, 50), replications=5):
    base = resolve(EXAMPLE, days=60, warmup=10, replications=replications)
    points = [{"nodes.shop.policy.S": s} for s in levels]
    scenarios = []
    for s in levels:
        raw = base.model_dump(by_alias=True)
        raw["nodes"][1]["policy"]["S"] = s
        scenarios.append(resolve(raw))
    return SimpleNamespace(file="sweep.yaml", base_path=EXAMPLE, design="grid",
                           parameters=["nodes.shop.policy.S"], points=points,
                           replications=replications, metrics=None, scenarios=scenarios)


def test_tasks_cover_every_point_and_replication_once():
    tasks = plan_tasks(points=3, replications=5)
    covered = sorted((t.point, r) for t in tasks for r in range(t.first, t.last))
    assert covered == [(p, r) for p in range(3) for r in range(5)]
    assert len({t.name for t in tasks}) == len(tasks)


def test_one_and_two_workers_give_the_same_table(tmp_path):
    sweep = make_sweep()
    one, _ = run_sweep(sweep, tmp_path / "one", workers=1)
    two, _ = run_sweep(sweep, tmp_path / "two", workers=2)
    pd.testing.assert_frame_equal(one, two)
    assert set(one["point"]) == {0, 1, 2} and set(one["replication"]) == set(range(5))
    assert (one["nodes.shop.policy.S"] == one["point"].map({0: 30, 1: 40, 2: 50})).all()


def test_common_random_numbers_across_points(tmp_path):
    kpis, _ = run_sweep(make_sweep(), tmp_path / "s", workers=1)
    demand = kpis[(kpis.node == "shop") & (kpis.metric == "demand")]
    by_point = demand.pivot(index="replication", columns="point", values="value")
    assert (by_point[0] == by_point[1]).all() and (by_point[1] == by_point[2]).all()


def test_resume_after_losing_some_tasks_gives_the_same_table(tmp_path):
    sweep = make_sweep()
    full, _ = run_sweep(sweep, tmp_path / "full", workers=1)
    run_sweep(sweep, tmp_path / "cut", workers=1)
    parts = sorted((tmp_path / "cut" / "parts").glob("*.csv"))
    for p in parts[::2]:  # as if the run had stopped before these tasks finished
        p.unlink()
    (tmp_path / "cut" / "kpis.csv").unlink()
    again, _ = run_sweep(sweep, tmp_path / "cut", workers=2, resume=True)
    pd.testing.assert_frame_equal(full, again)
    assert not again.duplicated(["point", "replication", "node", "metric"]).any()


def test_resume_refuses_a_different_sweep(tmp_path):
    run_sweep(make_sweep(), tmp_path / "s", workers=1)
    with pytest.raises(ValueError, match="different sweep"):
        run_sweep(make_sweep(levels=(10, 20)), tmp_path / "s", workers=1, resume=True)


def test_summary_has_a_row_per_point_node_metric(tmp_path):
    _, summary = run_sweep(make_sweep(), tmp_path / "s", workers=1)
    shop = summary[(summary.node == "shop") & (summary.metric == "on_hand")]
    assert list(shop["point"]) == [0, 1, 2] and (shop["n"] == 5).all()
    # on hand = E[(S - X)+] grows with S: the means must rise with the point's S
    assert list(shop["mean"]) == sorted(shop["mean"])


def test_task_names_sort_by_point_then_replication():
    names = [Task(p, r, r + 1).name for p in (0, 10) for r in (0, 5)]
    assert names == sorted(names)


def test_figures_per_metric(tmp_path):
    sweep = make_sweep()
    sweep.metrics = ["total_cost", "no_such_metric"]
    run_sweep(sweep, tmp_path / "s", workers=1)
    figures = sorted(p.name for p in (tmp_path / "s" / "figures").iterdir())
    assert figures == ["total_cost.png", "total_cost.svg"]  # a missing metric draws nothing


def _precision(metric="backorders", half_width=0.05, max_replications=20, node="shop"):
    return SimpleNamespace(metric=metric, half_width=half_width,
                           max_replications=max_replications, node=node)


def test_precision_stops_each_point_at_its_target(tmp_path):
    sweep = make_sweep(levels=(30, 42), replications=4)
    sweep.precision = _precision()
    _, summary = run_sweep(sweep, tmp_path / "p", workers=1)
    rows = summary[(summary.node == "shop") & (summary.metric == "backorders")]
    for r in rows.itertuples():
        half = (r.ci_high - r.ci_low) / 2
        assert r.n % 4 == 0 and r.n <= 20  # whole batches, never past the maximum
        assert half <= 0.05 or r.n == 20  # stopped at the target, or at the maximum
    # S = 30 leaves many more backorders (S well below lead-time demand), so more variance:
    # it needs at least as many replications as S = 42
    n = dict(zip(rows["point"], rows["n"], strict=True))
    assert n[0] >= n[1]


def test_precision_with_an_easy_target_runs_one_batch(tmp_path):
    sweep = make_sweep(levels=(30, 42), replications=4)
    sweep.precision = _precision(half_width=1e9)
    _, summary = run_sweep(sweep, tmp_path / "p", workers=1)
    shop = summary[(summary.node == "shop") & (summary.metric == "backorders")]
    assert list(shop["n"]) == [4, 4]
