"""Dotted paths into a scenario dict: nodes and lanes by id, nested keys, errors with choices."""

from __future__ import annotations

from pathlib import Path

import pytest

from chainsim.scenario.load import load_scenario
from chainsim.scenario.variants import PathError, get_path, set_path

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def data() -> dict:
    return load_scenario(ROOT / "scenarios/examples/single_retailer.yaml").model_dump(by_alias=True)


def test_get_by_node_id_and_lane_ends(data):
    assert get_path(data, "nodes.shop.policy.S") == 42
    assert get_path(data, "nodes.plant.price") == 12
    assert get_path(data, "lanes.plant->shop.lead_time.value") == 3
    assert get_path(data, "products.item.price") == 25
    assert get_path(data, "horizon_days") == 3650


def test_numeric_parts_index_lists(data):
    assert get_path(data, "nodes.1.id") == "shop"
    assert get_path(data, "lanes.0.to") == "shop"


def test_set_returns_a_copy(data):
    out = set_path(data, "nodes.shop.policy.S", 50)
    assert get_path(out, "nodes.shop.policy.S") == 50
    assert get_path(data, "nodes.shop.policy.S") == 42
    out2 = set_path(out, "lanes.plant->shop.lead_time.value", 4)
    assert out2["lanes"][0]["lead_time"]["value"] == 4
    assert out["lanes"][0]["lead_time"]["value"] == 3
    assert load_scenario(out2).nodes[1].policy.S == 50


def test_a_default_field_may_be_set(data):
    out = set_path(data, "nodes.plant.costs.holding", 2.5)
    assert load_scenario(out).nodes[0].costs.holding == 2.5


def test_unknown_node_lists_the_nodes(data):
    with pytest.raises(PathError) as info:
        get_path(data, "nodes.shpo.policy.S")
    msg = info.value.message
    assert "no node 'shpo'" in msg
    assert "(nodes: plant, shop)" in msg
    assert "did you mean 'shop'" in msg


def test_unknown_lane_lists_the_lanes(data):
    with pytest.raises(PathError) as info:
        set_path(data, "lanes.shop->plant.lead_time.value", 1)
    assert "no lane 'shop->plant'" in str(info.value)
    assert "(lanes: plant->shop)" in str(info.value)


def test_unknown_key_lists_the_keys(data):
    with pytest.raises(PathError) as info:
        get_path(data, "nodes.shop.policy.SS")
    msg = str(info.value)
    assert "no key 'SS' under nodes.shop.policy" in msg
    assert "keys: type, review_days, moq, multiple, S" in msg


def test_path_past_a_value(data):
    with pytest.raises(PathError, match="single value"):
        get_path(data, "nodes.shop.policy.S.x")


def test_empty_path(data):
    with pytest.raises(PathError):
        get_path(data, "")


def test_ids_with_dots_and_parallel_lanes():
    data = {
        "nodes": [{"id": "a.b", "x": 1}, {"id": "a", "x": 2}],
        "lanes": [
            {"from": "a", "to": "a.b", "mode": "air", "cost": 5},
            {"from": "a", "to": "a.b", "mode": "sea", "cost": 1},
        ],
    }
    assert get_path(data, "nodes.a.b.x") == 1
    assert get_path(data, "nodes.a.x") == 2
    assert get_path(data, "lanes.a->a.b:sea.cost") == 1
    with pytest.raises(PathError, match=r"lanes: a->a\.b:air, a->a\.b:sea"):
        get_path(data, "lanes.a->a.b.cost")
