"""Sweep files: a valid grid, and every problem at its FILE:LINE:COL (positions counted by hand)."""

from __future__ import annotations

from pathlib import Path

import pytest

from chainsim.errors import Problem, ScenarioError
from chainsim.experiments.sweepfile import load_sweep

from .helpers import at, has, only

ROOT = Path(__file__).resolve().parents[2]
BASE = (ROOT / "scenarios/examples/single_retailer.yaml").as_posix()


@pytest.fixture
def sweep_problems(write):
    def _problems(text: str) -> list[Problem]:
        path = write(text.replace("BASE", BASE), "sweep.yaml")
        with pytest.raises(ScenarioError) as info:
            load_sweep(path, allow_outside_paths=True)
        found = info.value.problems
        for p in found:
            assert p.file == str(path), str(p)
            assert "\n" not in p.message
        return found

    return _problems


def test_valid_grid_gives_six_points_and_scenarios(write):
    path = write(f"""\
        base: {BASE}
        replications: 5
        design: grid
        parameters:
          nodes.shop.policy.S: [30, 40, 50]
          lanes.plant->shop.lead_time.value: [2, 4]
        metrics: [fill_rate, total_cost]
        """, "sweep.yaml")
    sweep = load_sweep(path, allow_outside_paths=True)
    assert sweep.file == str(path)
    assert sweep.base_path == Path(BASE)
    assert sweep.design == "grid"
    assert sweep.parameters == ["nodes.shop.policy.S", "lanes.plant->shop.lead_time.value"]
    assert len(sweep.points) == 6 and len(sweep.scenarios) == 6
    assert sweep.points[1] == {"nodes.shop.policy.S": 30, "lanes.plant->shop.lead_time.value": 4}
    got = [(s.nodes[1].policy.S, s.lanes[0].lead_time.value) for s in sweep.scenarios]
    assert got == [(30, 2), (30, 4), (40, 2), (40, 4), (50, 2), (50, 4)]
    assert all(s.name == sweep.base.name for s in sweep.scenarios)
    assert sweep.replications == 5 and sweep.seed is None
    assert sweep.metrics == ["fill_rate", "total_cost"]
    assert sweep.base.nodes[1].policy.S == 42  # the base is left alone


def test_defaults_and_relative_base(write, tmp_path):
    (tmp_path / "scen").mkdir()
    (tmp_path / "scen" / "b.yaml").write_text(Path(BASE).read_text())
    path = write("""\
        base: ../scen/b.yaml
        parameters:
          nodes.shop.costs.holding: [0.5, 2]
        """, "exp/sweep.yaml")
    sweep = load_sweep(path, allow_outside_paths=True)
    assert sweep.base_path.resolve() == (tmp_path / "scen" / "b.yaml").resolve()
    assert sweep.replications == 10  # the base's
    assert sweep.design == "grid" and sweep.metrics is None
    assert [s.nodes[1].costs.holding for s in sweep.scenarios] == [0.5, 2.0]


def test_lhs_points_and_integer_rounding(write):
    path = write(f"""\
        base: {BASE}
        design: lhs
        samples: 5
        seed: 3
        parameters:
          nodes.shop.policy.S: [30, 50]
          nodes.shop.costs.holding: {{low: 0.5, high: 2.0}}
        """, "sweep.yaml")
    sweep = load_sweep(path, allow_outside_paths=True)
    assert len(sweep.points) == 5 == len(sweep.scenarios)
    assert all(type(p["nodes.shop.policy.S"]) is int for p in sweep.points)
    assert all(0.5 <= p["nodes.shop.costs.holding"] <= 2.0 for p in sweep.points)
    assert load_sweep(path, allow_outside_paths=True).points == sweep.points


def test_unknown_path_at_its_key(sweep_problems):
    found = sweep_problems("""\
        base: BASE
        parameters:
          nodes.shop.policy.SS: [30, 40]
        """)
    p = at(found, 3, 3)
    has(p.message, "nodes.shop.policy.SS", "no key 'SS'", "keys: type, review_days, moq, multiple, S")


def test_unknown_node_id_lists_nodes(sweep_problems):
    found = sweep_problems("""\
        base: BASE
        replications: 2
        parameters:
          nodes.shop.policy.S: [30, 40]
          nodes.shpo.costs.holding: [1, 2]
        """)
    p = only(found)
    assert (p.line, p.col) == (5, 3)
    has(p.message, "no node 'shpo'", "nodes: plant, shop", "did you mean 'shop'")


def test_wrong_type_and_negative_values_at_the_value(sweep_problems):
    found = sweep_problems("""\
        base: BASE
        parameters:
          nodes.shop.policy.S: [30, abc, -5]
        """)
    assert len(found) == 2
    has(at(found, 3, 29).message, "nodes.shop.policy.S = 'abc'", "must be a number")
    has(at(found, 3, 34).message, "nodes.shop.policy.S = -5", "0 or more")


def test_every_problem_at_once(sweep_problems):
    found = sweep_problems("""\
        base: BASE
        parameters:
          nodes.shop.policy.S: [-1, 40]
          lanes.plant->shp.lead_time.value: [2, 4]
          horizon_days: [100, 0.5]
        """)
    assert len(found) == 3
    has(at(found, 3, 25).message, "0 or more")
    has(at(found, 4, 3).message, "no lane 'plant->shp'", "lanes: plant->shop")
    has(at(found, 5, 23).message, "horizon_days = 0.5", "whole number")


def test_list_design_needs_equal_lengths(sweep_problems):
    found = sweep_problems("""\
        base: BASE
        design: list
        parameters:
          nodes.shop.policy.S: [30, 40, 50]
          lanes.plant->shop.lead_time.value: [2, 4]
        """)
    p = only(found)
    assert (p.line, p.col) == (3, 1)
    has(p.message, "same length", "nodes.shop.policy.S: 3", "lanes.plant->shop.lead_time.value: 2")


def test_zip_needs_equal_lengths_and_known_names(sweep_problems):
    found = sweep_problems("""\
        base: BASE
        parameters:
          nodes.shop.policy.S: [30, 40, 50]
          lanes.plant->shop.lead_time.value: [2, 4]
        zip:
          - [nodes.shop.policy.S, lanes.plant->shop.lead_time.value]
          - [nodes.shop.policy.s]
        """)
    assert len(found) == 2
    has(at(found, 6, 5).message, "same length")
    has(at(found, 7, 6).message, "'nodes.shop.policy.s'", "not a parameter", "did you mean")


def test_zip_groups_reduce_the_grid(write):
    path = write(f"""\
        base: {BASE}
        parameters:
          nodes.shop.policy.S: [30, 40]
          nodes.shop.costs.holding: [1, 2, 3]
          lanes.plant->shop.lead_time.value: [2, 4]
        zip: [[nodes.shop.policy.S, lanes.plant->shop.lead_time.value]]
        """, "sweep.yaml")
    sweep = load_sweep(path, allow_outside_paths=True)
    assert len(sweep.points) == 2 * 3
    assert [(p["nodes.shop.policy.S"], p["lanes.plant->shop.lead_time.value"])
            for p in sweep.points[::3]] == [(30, 2), (40, 4)]


def test_lhs_without_samples_or_bounds(sweep_problems):
    found = sweep_problems("""\
        base: BASE
        design: lhs
        parameters:
          nodes.shop.policy.S: [30, 40, 50]
          nodes.shop.costs.holding: [0.5, 2]
        """)
    assert len(found) == 2
    has(at(found, 2, 1).message, "samples")
    has(at(found, 4, 3).message, "[low, high]")


def test_lhs_bound_out_of_range(sweep_problems):
    found = sweep_problems("""\
        base: BASE
        design: lhs
        samples: 4
        parameters:
          nodes.shop.policy.S: [-100, 40]
        """)
    has(at(found, 5, 25).message, "(low)", "0 or more")


def test_unknown_key_bad_design_and_missing_base(sweep_problems):
    found = sweep_problems("""\
        replications: 0
        design: sobol
        parametres:
          nodes.shop.policy.S: [30]
        """)
    reps = [p for p in found if p.message.startswith("replications")]
    assert [(p.line, p.col) for p in reps] == [(1, 1)]
    has(reps[0].message, "at least 1")
    has(at(found, 2, 1).message, "grid, list or lhs")
    has(at(found, 3, 1).message, "unknown key 'parametres'", "did you mean 'parameters'")
    assert any("missing required field 'base'" in p.message for p in found)


def test_base_that_does_not_exist(sweep_problems):
    found = sweep_problems("""\
        replications: 2
        base: nowhere.yaml
        parameters:
          nodes.shop.policy.S: [30]
        """)
    has(at(found, 2, 1).message, "nowhere.yaml", "does not exist")


def test_parameter_not_a_list(sweep_problems):
    found = sweep_problems("""\
        base: BASE
        parameters:
          nodes.shop.policy.S: 30
        """)
    has(at(found, 3, 3).message, "must be a list")


def _policy_base(tmp_path: Path) -> str:
    """The example with an (s, S) policy at the shop, s = 10 and S = 42."""
    text = Path(BASE).read_text().replace(
        "policy: {type: base_stock, S: 42}", "policy: {type: sS, s: 10, S: 42}")
    path = tmp_path / "ss.yaml"
    path.write_text(text)
    return path.as_posix()


def test_values_valid_only_together_are_accepted(write, tmp_path):
    # s = 60 is above the base's S = 42 on its own, but every point sets S = 80
    path = write(f"""\
        base: {_policy_base(tmp_path)}
        parameters:
          nodes.shop.policy.s: [20, 60]
          nodes.shop.policy.S: [80]
        """, "sweep.yaml")
    sweep = load_sweep(path, allow_outside_paths=True)
    assert [(s.nodes[1].policy.s, s.nodes[1].policy.S) for s in sweep.scenarios] == [(20, 80), (60, 80)]


def test_values_that_clash_are_reported_for_the_point(write, tmp_path):
    path = write(f"""\
        base: {_policy_base(tmp_path)}
        parameters:
          nodes.shop.policy.s: [20, 30]
          nodes.shop.policy.S: [80, 15]
        """, "sweep.yaml")
    with pytest.raises(ScenarioError) as info:
        load_sweep(path, allow_outside_paths=True)
    found = info.value.problems
    assert {(p.line, p.col) for p in found} == {(2, 1)}
    assert len(found) == 2
    has(found[0].message, "point 1 (nodes.shop.policy.s = 20, nodes.shop.policy.S = 15)")
    has(found[1].message, "point 3 (nodes.shop.policy.s = 30, nodes.shop.policy.S = 15)")


def test_unknown_metric_names_are_refused_at_their_line(sweep_problems):
    found = sweep_problems("""\
        base: BASE
        replications: 5
        parameters:
          nodes.shop.policy.S: [30, 40]
        metrics: [fill_rate, total_cots]
        precision: {metric: fill_rat, node: shop, half_width: 0.01}
        """)
    assert [(p.line, p.col) for p in found] == [(5, 22), (6, 13)]  # the item; the key metric:
    assert "unknown metric 'total_cots' (did you mean 'total_cost'?)" in found[0].message
    assert "unknown metric 'fill_rat' (did you mean 'fill_rate'?)" in found[1].message
    assert "the metrics are: " in found[0].message
