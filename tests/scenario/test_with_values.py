"""``chainsim.with_values``: a variant of a scenario in Python, named by dotted paths.

Checked by hand: the named setting changes, everything else is equal; an unknown path or a
refused value is a ScenarioError that names the path (and the valid alternatives).
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

import chainsim
from chainsim import with_values
from chainsim.errors import ScenarioError
from chainsim.scenario.schema import Scenario

from .helpers import BASE, has

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def single() -> Scenario:
    return chainsim.load_scenario(ROOT / "scenarios/examples/single_retailer.yaml")


def _refused(scn: Scenario, values) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        with_values(scn, values)
    return [p.message for p in info.value.problems]


def test_the_value_changes_and_nothing_else(single):
    new = with_values(single, {"nodes.shop.policy.S": 32})
    assert isinstance(new, Scenario)
    expected = copy.deepcopy(single.model_dump())
    assert expected["nodes"][1]["id"] == "shop"
    expected["nodes"][1]["policy"]["S"] = 32.0
    assert new.model_dump() == expected
    assert single.node("shop").policy.S == 42  # the original is left as it was


def test_several_paths_lanes_by_their_ends(single):
    new = with_values(single, {"lanes.plant->shop.lead_time.value": 5, "horizon_days": 100,
                              "nodes.shop.costs.holding": 2.5})
    expected = copy.deepcopy(single.model_dump())
    expected["lanes"][0]["lead_time"]["value"] = 5.0
    expected["horizon_days"] = 100
    expected["nodes"][1]["costs"]["holding"] = 2.5
    assert new.model_dump() == expected


def test_no_values_gives_an_equal_scenario(single):
    assert with_values(single, {}) == single


def test_an_unknown_node_is_refused_naming_the_nodes(single):
    (msg,) = _refused(single, {"nodes.shp.policy.S": 32})
    has(msg, "unknown path 'nodes.shp.policy.S'", "no node 'shp'", "did you mean 'shop'",
        "(nodes: plant, shop)")


def test_an_unknown_key_is_refused_naming_the_keys(single):
    (msg,) = _refused(single, {"nodes.shop.policy.SS": 32})
    has(msg, "unknown path 'nodes.shop.policy.SS'", "no key 'SS' under nodes.shop.policy",
        "did you mean 'S'", "keys: type, review_days, moq, multiple, S")


def test_every_unknown_path_is_reported(single):
    assert len(_refused(single, {"nodes.x.policy.S": 1, "lanes.a->b.cost_per_unit": 1})) == 2


def test_an_invalid_value_is_refused_with_its_path(single):
    (msg,) = _refused(single, {"nodes.shop.policy.S": -1})
    assert msg.startswith("nodes.shop.policy.S = -1: ")
    has(msg, "must be 0 or more")
    (msg,) = _refused(single, {"horizon_days": "long"})
    assert msg.startswith("horizon_days = 'long': ")
    has(msg, "whole number")


def test_the_network_is_checked_too(single):
    """A lane to a node that does not exist is a network problem, not a schema one."""
    msgs = _refused(single, {"lanes.plant->shop.to": "nowhere"})
    assert msgs and all(m.startswith("lanes.plant->shop.to = 'nowhere': ") for m in msgs)
    assert any("nowhere" in m[len("lanes.plant->shop.to = 'nowhere': "):] for m in msgs)


def test_values_wrong_only_together_are_reported_together():
    base = chainsim.load_scenario(copy.deepcopy(BASE))  # dc: sS with s 40, S 120
    assert with_values(base, {"nodes.dc.policy.s": 110}).node("dc").policy.s == 110
    assert with_values(base, {"nodes.dc.policy.S": 100}).node("dc").policy.S == 100
    msgs = _refused(base, {"nodes.dc.policy.s": 110, "nodes.dc.policy.S": 100})
    assert msgs
    for m in msgs:
        assert m.startswith("with nodes.dc.policy.s = 110, nodes.dc.policy.S = 100: "), m


def test_values_must_be_a_mapping(single):
    (msg,) = _refused(single, [("nodes.shop.policy.S", 32)])
    has(msg, "mapping of dotted paths to values", "{'nodes.shop.policy.S': 32}")
