"""chainsim optimize (issue 15, items 2-5): the optimisation file, the search's bookkeeping
(budget, infeasible points, common random numbers), the results folder (outputs, --resume,
rerun, the output-folder rule) and the Python API. Small runs only: a few hundred days, four
replications per evaluation. The theory checks of the optimum live with the theory tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import chainsim
from chainsim.cli import app
from chainsim.errors import ScenarioError

HORIZON, WARMUP, REPS = 300, 20, 4
DAYS = (HORIZON + WARMUP) * REPS  # the work of one evaluation


def _base(policy=None, order_cost=0.0) -> dict:
    """The single retailer of scenarios/examples, shortened: Poisson(8), lead time 3, h = 1,
    b = 19 (critical fractile 0.95: S* = 42 from theory.base_stock_poisson)."""
    return {
        "name": "opt-test", "horizon_days": HORIZON, "warmup_days": WARMUP,
        "replications": REPS, "seed": 7,
        "products": [{"id": "item", "unit_cost": 10, "price": 25}],
        "nodes": [
            {"id": "plant", "role": "manufacturer", "infinite_supply": True, "price": 12},
            {"id": "shop", "role": "retailer", "demand": {"dist": "poisson", "mean": 8},
             "policy": policy or {"type": "base_stock", "S": 30}, "unmet": "backorder",
             "costs": {"holding": 1.0, "backorder": 19.0, "order": order_cost}}],
        "lanes": [{"from": "plant", "to": "shop",
                   "lead_time": {"dist": "constant", "value": 3}}],
    }


def _spec(budget=40 * DAYS, **extra) -> dict:
    return {"base": _base(), "objective": {"metric": "total_cost", "node": "shop"},
            "parameters": {"nodes.shop.policy.S": {"low": 20, "high": 70}},
            "budget": {"simulated_days": budget}, **extra}


def _write_files(folder: Path, spec: dict) -> Path:
    """The base scenario and an optimisation file naming it, as YAML files in ``folder``."""
    from ruamel.yaml import YAML

    folder.mkdir(parents=True, exist_ok=True)
    yaml = YAML(typ="safe", pure=True)
    with (folder / "base.yaml").open("w") as f:
        yaml.dump(spec["base"], f)
    with (folder / "opt.yaml").open("w") as f:
        yaml.dump({**spec, "base": "base.yaml"}, f)
    return folder / "opt.yaml"


def _cli(*args):
    return CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})


# ---------------------------------------------------------------------- the API and the search
def test_api_returns_the_documented_fields():
    res = chainsim.optimize(_spec())
    assert set(res.best) == {"nodes.shop.policy.S"}
    assert isinstance(res.best["nodes.shop.policy.S"], int)
    assert res.best_scenario.nodes[1].policy.S == res.best["nodes.shop.policy.S"]
    mean, hw = res.objective
    assert mean > 0 and hw > 0
    assert isinstance(res.statement, str) and "δ" in res.statement
    assert res.runner_up is None or set(res.runner_up) >= {"nodes.shop.policy.S"}
    cols = {"point", "nodes.shop.policy.S", "phase", "replications", "objective_mean",
            "objective_ci", "feasible"}
    assert cols <= set(res.candidates.columns)
    assert isinstance(res.simulated_days, int)


def test_budget_is_never_exceeded_and_work_is_days_times_replications():
    for budget in (DAYS, 3 * DAYS + 17, 12 * DAYS):
        res = chainsim.optimize(_spec(budget=budget))
        assert res.simulated_days <= budget
        assert res.simulated_days == int(res.candidates["replications"].sum()) * (
            HORIZON + WARMUP)


def test_a_budget_below_the_start_point_is_refused():
    with pytest.raises(ScenarioError, match="does not pay for the start point"):
        chainsim.optimize(_spec(budget=DAYS - 1))


def test_points_the_scenario_refuses_are_infeasible_not_errors():
    """(s, S) with s near S: the poll steps onto s >= S, which the scenario refuses."""
    spec = {**_spec(budget=60 * DAYS),
            "base": _base({"type": "sS", "s": 30, "S": 36}, order_cost=20.0),
            "parameters": {"nodes.shop.policy.s": {"low": 0, "high": 80},
                           "nodes.shop.policy.S": {"low": 1, "high": 120}}}
    res = chainsim.optimize(spec)
    refused = res.candidates[res.candidates["refused"] != ""]
    assert len(refused) >= 1
    assert not refused["feasible"].any()
    assert (refused["replications"] == 0).all()  # refused points cost nothing
    assert (refused["nodes.shop.policy.s"] >= refused["nodes.shop.policy.S"]).all()
    assert res.best["nodes.shop.policy.s"] < res.best["nodes.shop.policy.S"]


def test_constraints_on_means_decide_feasibility():
    """Minimum holding with fill rate >= 0.98: feasible exactly when the fill-rate mean meets
    it, and the choice is feasible."""
    spec = {**_spec(), "objective": {"metric": "holding_cost", "node": "shop"},
            "constraints": [{"metric": "fill_rate", "node": "shop", "at_least": 0.98}]}
    res = chainsim.optimize(spec)
    c = res.candidates[res.candidates["replications"] > 0]
    assert (c["feasible"] == (c["fill_rate@shop_mean"] >= 0.98)).all()
    chosen = c[c["nodes.shop.policy.S"] == res.best["nodes.shop.policy.S"]].iloc[0]
    assert chosen["feasible"]
    # the smallest feasible S among those evaluated, one below it evaluated and infeasible
    assert chosen["nodes.shop.policy.S"] == c[c["feasible"]]["nodes.shop.policy.S"].min()


def test_common_random_numbers_every_candidate_uses_the_same_replications():
    """Paired: replication r of every point ran with replication index r of the base's seed,
    so a point's objective equals simulating its scenario directly with the same seed."""
    res = chainsim.optimize(_spec(budget=8 * DAYS))
    row = res.candidates[res.candidates["replications"] == REPS].iloc[-1]
    scn = chainsim.with_values(_base(), {"nodes.shop.policy.S": int(row["nodes.shop.policy.S"])})
    direct = chainsim.simulate(scn).summary
    want = direct[(direct["node"] == "shop") & (direct["metric"] == "total_cost")]["mean"].iloc[0]
    assert row["objective_mean"] == pytest.approx(want, rel=1e-12)


def test_base_stock_optimum_is_near_the_theory_optimum():
    """S* = 42 (critical fractile); the chosen S's exact cost (theory.base_stock_poisson) is
    within a few CI half-widths of the exact optimum cost."""
    from chainsim import theory

    res = chainsim.optimize(_spec(budget=60 * DAYS))

    def exact(S):
        return theory.base_stock_poisson(S, 8, 3, holding=1.0, backorder=19.0)["total_cost"]

    best_exact = min(exact(S) for S in range(30, 60))
    assert exact(42) == best_exact
    assert exact(res.best["nodes.shop.policy.S"]) - best_exact <= 3 * res.objective[1]


def test_same_seed_same_candidates_on_one_and_two_workers(tmp_path):
    a = chainsim.optimize(_spec(budget=16 * DAYS), out=tmp_path / "w1", workers=1)
    b = chainsim.optimize(_spec(budget=16 * DAYS), out=tmp_path / "w2", workers=2)
    assert a.best == b.best
    assert (tmp_path / "w1" / "candidates.csv").read_bytes() == (
        tmp_path / "w2" / "candidates.csv").read_bytes()


def test_two_nodes_at_once_a_distributor_and_its_retailers():
    base = _base()
    base["nodes"] = [
        {"id": "plant", "role": "manufacturer", "infinite_supply": True, "price": 12},
        {"id": "dc", "role": "distributor", "policy": {"type": "base_stock", "S": 60},
         "costs": {"holding": 0.5, "backorder": 5.0}},
        *({"id": s, "role": "retailer", "demand": {"dist": "poisson", "mean": 4},
           "policy": {"type": "base_stock", "S": 20}, "unmet": "backorder",
           "costs": {"holding": 1.0, "backorder": 19.0}} for s in ("east", "west"))]
    base["lanes"] = [{"from": "plant", "to": "dc", "lead_time": {"dist": "constant", "value": 2}},
                     *({"from": "dc", "to": s, "lead_time": {"dist": "constant", "value": 1}}
                       for s in ("east", "west"))]
    spec = {"base": base, "objective": {"metric": "total_cost", "node": "network"},
            "parameters": {"nodes.dc.policy.S": {"low": 10, "high": 120},
                           "nodes.east.policy.S": {"low": 5, "high": 60},
                           "nodes.west.policy.S": {"low": 5, "high": 60}},
            "budget": {"simulated_days": 50 * DAYS}}
    res = chainsim.optimize(spec)
    assert set(res.best) == set(spec["parameters"])
    assert res.simulated_days <= 50 * DAYS
    start = res.candidates.iloc[0]
    assert res.objective[0] <= start["objective_mean"]


# ---------------------------------------------------------------------- the results folder
def test_outputs_and_chainsim_run_best_yaml(tmp_path):
    opt = _write_files(tmp_path / "in", _spec(budget=12 * DAYS))
    out = tmp_path / "res"
    res = _cli("optimize", opt, "--out", out, "--workers", "1")
    assert res.exit_code == 0, res.output
    for name in ("best.yaml", "candidates.csv", "manifest.json", "search.png",
                 "base.resolved.yaml"):
        assert (out / name).is_file(), name
    assert "best: nodes.shop.policy.S = " in res.stdout and "selection:" in res.stdout
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kind"] == "optimize" and "statement" in manifest["result"]
    assert manifest["result"]["simulated_days"] <= 12 * DAYS
    best = chainsim.load_scenario(out / "best.yaml")
    assert best.nodes[1].policy.S == manifest["result"]["best"]["nodes.shop.policy.S"]
    ran = _cli("run", out / "best.yaml", "--out", tmp_path / "run", "-q")
    assert ran.exit_code == 0, ran.output


def test_rerun_repeats_the_search_identically(tmp_path):
    opt = _write_files(tmp_path / "in", _spec(budget=10 * DAYS))
    out = tmp_path / "res"
    assert _cli("optimize", opt, "--out", out, "-q", "--workers", "1").exit_code == 0
    res = _cli("rerun", out, "--workers", "2")
    assert res.exit_code == 0, res.output
    assert "identical" in res.stdout and "candidates.csv" in res.stdout


class _Interrupt(Exception):
    pass


def test_resume_after_an_interrupted_search_gives_the_same_result(tmp_path):
    whole = chainsim.optimize(_spec(budget=16 * DAYS), out=tmp_path / "whole")
    calls = 0

    def stop_soon(used, total):
        nonlocal calls
        calls += 1
        if calls == 6:
            raise _Interrupt

    with pytest.raises(_Interrupt):
        chainsim.optimize(_spec(budget=16 * DAYS), out=tmp_path / "cut", progress=stop_soon)
    assert not (tmp_path / "cut" / "candidates.csv").exists()
    assert len(list((tmp_path / "cut" / "parts").glob("*.csv"))) >= 2
    again = chainsim.optimize(_spec(budget=16 * DAYS), out=tmp_path / "cut", resume=True)
    assert again.best == whole.best
    assert again.simulated_days == whole.simulated_days
    assert (tmp_path / "cut" / "candidates.csv").read_bytes() == (
        tmp_path / "whole" / "candidates.csv").read_bytes()


def test_resume_refuses_a_different_optimisation(tmp_path):
    chainsim.optimize(_spec(budget=4 * DAYS), out=tmp_path / "r")
    with pytest.raises(ValueError, match="different optimisation"):
        chainsim.optimize(_spec(budget=5 * DAYS), out=tmp_path / "r", resume=True)


def test_the_output_folder_rule(tmp_path, monkeypatch):
    opt = _write_files(tmp_path / "in", _spec(budget=4 * DAYS))
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    res = _cli("optimize", opt, "--out", foreign, "-q")
    assert res.exit_code == 2 and "did not write" in res.output
    assert sorted(p.name for p in foreign.iterdir()) == ["notes.txt"]
    done = tmp_path / "done"
    assert _cli("optimize", opt, "--out", done, "-q", "--workers", "1").exit_code == 0
    again = _cli("optimize", opt, "--out", done, "-q")
    assert again.exit_code == 2 and "--resume" in again.output
    assert _cli("optimize", opt, "--out", tmp_path / "in", "-q").exit_code == 2  # an input's
    # the default folder: results/optimize-<file stem>/ under the current folder
    monkeypatch.chdir(tmp_path)
    assert _cli("optimize", opt, "-q", "--workers", "1").exit_code == 0
    assert (tmp_path / "results" / "optimize-opt" / "candidates.csv").is_file()


def test_shipped_example_loads():
    from chainsim.experiments.optimizefile import load_optimization

    here = Path(__file__).resolve().parents[1] / "experiments" / "optimize"
    for file in sorted(here.glob("*.yaml")):
        opt = load_optimization(file)
        assert opt.budget_days >= opt.replications * opt.days_per_replication


def test_dask_local_cluster_gives_the_same_candidates(tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    local = chainsim.optimize(_spec(budget=3 * DAYS), out=tmp_path / "local")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        remote = chainsim.optimize(_spec(budget=3 * DAYS), out=tmp_path / "dask",
                                   scheduler=cluster.scheduler_address)
    assert remote.best == local.best
    assert (tmp_path / "dask" / "candidates.csv").read_bytes() == (
        tmp_path / "local" / "candidates.csv").read_bytes()


def test_a_service_target_can_be_the_parameter():
    """A sized policy keeps its target as written, so the target itself can be searched; each
    point is sized again and the chosen scenario holds the computed level."""
    spec = {**_spec(budget=10 * DAYS),
            "base": _base({"type": "base_stock", "target": {"cycle_service_level": 0.9}}),
            "parameters": {"nodes.shop.policy.target.cycle_service_level":
                           {"low": 0.5, "high": 0.99, "integer": False}}}
    res = chainsim.optimize(spec)
    level = res.best["nodes.shop.policy.target.cycle_service_level"]
    assert 0.5 <= level <= 0.99
    assert res.best_scenario.nodes[1].policy.S >= 32  # at least the median of Poisson(32)
