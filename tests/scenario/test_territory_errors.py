"""Exclusive territory rights: one holder per region, and outlets there are supplied through it."""

from __future__ import annotations

import pytest

import chainsim
from chainsim.errors import ScenarioError

TEXT = """\
name: territories
market:
  regions:
    - {id: east, demand: {dist: poisson, mean: 10}}
    - {id: west, demand: {dist: poisson, mean: 10}}
nodes:
  - {id: plant, role: manufacturer, infinite_supply: true}
  - {id: d1, role: distributor, territory: [east], policy: {type: sS, s: 20, S: 60}}
  - {id: d2, role: distributor, territory: [west], policy: {type: sS, s: 20, S: 60}}
  - {id: shop-east, role: retailer, region: east, policy: {type: sS, s: 5, S: 20}}
  - {id: shop-west, role: retailer, region: west, policy: {type: sS, s: 5, S: 20}}
lanes:
  - {from: plant, to: d1}
  - {from: plant, to: d2}
  - {from: d1, to: shop-east}
  - {from: d2, to: shop-west}
"""


def problems(tmp_path, text):
    path = tmp_path / "t.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        chainsim.load_scenario(path)
    return info.value.problems


def test_valid_territories_load(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text(TEXT, encoding="utf-8")
    assert chainsim.load_scenario(path).node("d1").territory == ["east"]


def test_second_holder_names_both(tmp_path):
    found = problems(tmp_path, TEXT.replace("territory: [west]", "territory: [east]"))
    (p,) = found
    assert (p.line, p.col) == (9, 33)  # the territory key
    assert "'d2' and 'd1'" in p.message and "region 'east'" in p.message


def test_outlet_supplied_around_the_holder(tmp_path):
    found = problems(tmp_path, TEXT.replace("{from: d2, to: shop-west}",
                                            "{from: d2, to: shop-east}").replace(
        "{from: d1, to: shop-east}", "{from: d1, to: shop-west}"))
    messages = {(p.line, p.col): p.message for p in found}
    assert "'d1' holds exclusive rights for region 'east'" in messages[(10, 37)]
    assert "through 'd2'" in messages[(10, 37)]
    assert "'d2' holds exclusive rights for region 'west'" in messages[(11, 37)]


def test_unknown_territory_region(tmp_path):
    (p,) = problems(tmp_path, TEXT.replace("territory: [west]", "territory: [wset]"))
    assert (p.line, p.col) == (9, 33) and "'wset' is not in the market" in p.message
