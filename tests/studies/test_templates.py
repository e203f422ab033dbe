"""The five templates expand into the networks their documentation describes (hand-worked)."""

from __future__ import annotations

from pathlib import Path

import pytest
from ruamel.yaml import YAML

from chainsim.studies.expand import expand_templates
from chainsim.studies.spec import Study

ROOT = Path(__file__).resolve().parents[2]
STUDY = ROOT / "studies" / "five_strategies.yaml"


def study(**changes) -> Study:
    data = YAML(typ="safe").load(STUDY.read_text(encoding="utf-8"))
    data.update(changes)
    return Study.model_validate(data)


def nodes_of(scenario: dict) -> dict[str, dict]:
    return {n["id"]: n for n in scenario["nodes"]}


def supplier(scenario: dict, node_id: str) -> str:
    (src,) = [lane["from"] for lane in scenario["lanes"] if lane["to"] == node_id]
    return src


def test_selective_with_two_distributors_splits_the_regions():
    s = study(strategies=[{"template": "selective", "distributors": 2, "outlets_per_region": 2,
                           "price": 44}, {"template": "direct"}])
    net = expand_templates(s)["selective"]
    nodes = nodes_of(net)
    assert sorted(nodes) == sorted(["plant", "dist-1", "dist-2"] + [
        f"{r}-{k}" for r in ("metro", "city", "suburbs", "rural") for k in (1, 2)])
    assert nodes["plant"]["price"] == 16 and nodes["plant"]["owner"] == "brand"
    assert nodes["dist-1"]["markup"] == nodes["dist-2"]["markup"] == 0.2
    # regions round robin over the two distributors: metro, suburbs / city, rural
    assert {supplier(net, f"{r}-1") for r in ("metro", "suburbs")} == {"dist-1"}
    assert {supplier(net, f"{r}-2") for r in ("city", "rural")} == {"dist-2"}
    outlet = nodes["city-2"]
    assert outlet["price"] == 44 and outlet["region"] == "city" and outlet["channels"] == ["store"]
    assert outlet["policy"] == {"type": "sS", "target": {"fill_rate": 0.95}, "review_days": 1}
    # holding: 25% a year of the unit's value there, per day
    assert outlet["costs"]["holding"] == pytest.approx(0.25 * 44 / 365, abs=1e-6)
    assert nodes["dist-1"]["costs"]["holding"] == pytest.approx(0.25 * 16 * 1.2 / 365, abs=1e-6)


def test_exclusive_territories_and_premium_boutiques():
    net = expand_templates(study())["exclusive"]
    nodes = nodes_of(net)
    assert nodes["dist-1"]["territory"] == ["metro", "city"]
    assert nodes["dist-2"]["territory"] == ["suburbs", "rural"]
    outlets = [n for n in nodes.values() if n["role"] == "retailer"]
    assert len(outlets) == 4 and {n["price"] for n in outlets} == {52}
    assert {n["channels"][0] for n in outlets} == {"boutique"}
    assert supplier(net, "rural-1") == "dist-2" and supplier(net, "metro-1") == "dist-1"
    assert nodes["plant"]["price"] == 18


def test_indirect_wholesaler_moq_and_case_packs():
    net = expand_templates(study())["indirect"]
    nodes = nodes_of(net)
    assert nodes["wholesaler"]["role"] == "wholesaler" and nodes["wholesaler"]["markup"] == 0.25
    assert nodes["plant"]["min_order"] == 800
    outlets = [n for n in nodes.values() if n["role"] == "retailer"]
    assert len(outlets) == 12 and all(n["policy"]["multiple"] == 12 for n in outlets)
    lane = next(lane for lane in net["lanes"] if lane["to"] == "wholesaler")
    assert lane["lead_time"] == {"dist": "gamma", "mean": 5, "cv": 0.3}


def test_direct_is_the_brands_own_3pl_stock():
    net = expand_templates(study())["direct"]
    nodes = nodes_of(net)
    assert sorted(nodes) == ["fc", "plant"]
    fc = nodes["fc"]
    assert fc["role"] == "3pl" and fc["owner"] == "brand" and fc["region"] == "all"
    assert nodes["plant"]["price"] == 12  # the brand ships to its own stock at cost
    fees = {c["id"]: c.get("fee_pct", 0) for c in fc["channels"]}
    assert fees == {"website": 0, "marketplace": 0.15}  # the market's fee for the channel
    assert supplier(net, "fc") == "plant"


def test_intensive_marketplace_sellers_buy_from_the_distributor():
    net = expand_templates(study())["intensive"]
    nodes = nodes_of(net)
    assert len([n for n in nodes.values() if n["role"] == "retailer"]) == 4 * 6 + 1
    sellers = nodes["marketplace-sellers"]
    assert sellers["region"] == "all" and sellers["channels"] == ["marketplace"]
    assert supplier(net, "marketplace-sellers") == "dist"


def test_a_study_value_replaces_the_templates_and_names_repeat_apart():
    s = study(strategies=[
        {"template": "selective", "outlets_per_region": 1},
        {"template": "selective", "outlets_per_region": 3,
         "intermediaries": [{"role": "wholesaler", "markup": 0.1, "lead_days": 2}]}])
    nets = expand_templates(s)
    assert list(nets) == ["selective", "selective-2"]
    assert len(nodes_of(nets["selective"])) == 1 + 1 + 4
    second = nodes_of(nets["selective-2"])
    assert second["wholesaler"]["markup"] == 0.1 and len(second) == 1 + 1 + 12


def test_every_template_shares_the_market_and_the_run():
    s = study()
    for net in expand_templates(s).values():
        assert net["market"]["coverage"] == {"k": 0.3}
        assert net["horizon_days"] == 365 and net["seed"] == 2026
        assert net["products"] == [{"id": "gadget", "unit_cost": 12.0, "price": 40.0}]
