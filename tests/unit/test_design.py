"""Design points: grid order and size, zip groups, list pairing, Latin hypercube strata."""

from __future__ import annotations

import math

import pytest

from chainsim.experiments.design import DesignError, points


def test_grid_is_the_product_last_fastest():
    got = points("grid", {"S": [30, 40, 50], "L": [2, 4]})
    assert len(got) == 6
    assert got == [
        {"S": 30, "L": 2}, {"S": 30, "L": 4},
        {"S": 40, "L": 2}, {"S": 40, "L": 4},
        {"S": 50, "L": 2}, {"S": 50, "L": 4},
    ]


def test_grid_size_is_the_product_of_lengths():
    got = points("grid", {"a": [1, 2], "b": [1, 2, 3], "c": [1, 2, 3, 4]})
    assert len(got) == 2 * 3 * 4
    assert len({tuple(p.values()) for p in got}) == 24


def test_zip_group_is_one_axis():
    got = points("grid", {"a": [1, 2], "c": [7, 8, 9], "b": [3, 4]}, zip_groups=[["a", "b"]])
    assert len(got) == 2 * 3
    assert got == [
        {"a": 1, "c": 7, "b": 3}, {"a": 1, "c": 8, "b": 3}, {"a": 1, "c": 9, "b": 3},
        {"a": 2, "c": 7, "b": 4}, {"a": 2, "c": 8, "b": 4}, {"a": 2, "c": 9, "b": 4},
    ]


def test_zip_needs_equal_lengths():
    with pytest.raises(DesignError, match="same length"):
        points("grid", {"a": [1, 2], "b": [3]}, zip_groups=[["a", "b"]])


def test_list_pairs_the_ith_values():
    got = points("list", {"a": [1, 2, 3], "b": ["x", "y", "z"]})
    assert got == [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}, {"a": 3, "b": "z"}]


def test_list_needs_equal_lengths():
    with pytest.raises(DesignError, match="same length"):
        points("list", {"a": [1, 2, 3], "b": [1, 2]})


def test_lhs_one_sample_per_stratum():
    n = 10
    got = points("lhs", {"x": [0.0, 5.0], "y": {"low": -1.0, "high": 1.0}}, samples=n, seed=7)
    assert len(got) == n
    for name, (low, high) in {"x": (0.0, 5.0), "y": (-1.0, 1.0)}.items():
        strata = sorted(math.floor((p[name] - low) / (high - low) * n) for p in got)
        assert strata == list(range(n))
        assert all(isinstance(p[name], float) for p in got)


def test_lhs_is_deterministic_for_a_seed():
    params = {"x": [0.0, 1.0], "y": [10.0, 20.0]}
    a = points("lhs", params, samples=8, seed=3)
    assert a == points("lhs", params, samples=8, seed=3)
    assert a != points("lhs", params, samples=8, seed=4)


def test_lhs_integer_bounds_round_to_int():
    got = points("lhs", {"S": [20, 60], "h": [0.5, 2.0]}, samples=40, seed=1)
    for p in got:
        assert type(p["S"]) is int and 20 <= p["S"] <= 60
        assert type(p["h"]) is float
    # 40 strata of width 1 over [20, 60]: each sample rounds within its stratum's ends
    strata = sorted(p["S"] for p in got)
    assert all(20 + k <= s <= 20 + k + 1 for k, s in enumerate(strata))


def test_lhs_needs_samples_and_bounds():
    with pytest.raises(DesignError, match="samples"):
        points("lhs", {"x": [0, 1]})
    with pytest.raises(DesignError, match="low, high"):
        points("lhs", {"x": [0, 1, 2]}, samples=3)
    with pytest.raises(DesignError, match="low <= high"):
        points("lhs", {"x": [3, 1]}, samples=3)


def test_unknown_design():
    with pytest.raises(DesignError, match="grid, list, lhs"):
        points("sobol", {"x": [1]})
