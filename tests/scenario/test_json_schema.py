"""The JSON Schema of the scenario file (printed by ``chainsim schema`` for editors)."""

from __future__ import annotations

import json

import pytest

from chainsim.scenario.schema import Scenario

from .helpers import BASE

DISTS = ["Constant", "Poisson", "Normal", "NegBin", "Gamma", "LogNormal", "Uniform", "Triangular",
         "Exponential", "Empirical", "AR1", "Step"]


@pytest.fixture(scope="module")
def schema() -> dict:
    out = Scenario.model_json_schema(by_alias=True)
    json.dumps(out)  # serialisable as is
    return out


def test_top_level(schema):
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"name", "nodes"}
    for key in ("name", "horizon_days", "warmup_days", "replications", "seed", "products",
                "nodes", "lanes", "extends"):
        assert key in schema["properties"], key


def test_definitions_of_nodes_lanes_policies_and_distributions(schema):
    defs = schema["$defs"]
    for name in ("Node", "Lane", "Costs", "Product", "BaseStock", "SS", "RQ", *DISTS):
        assert name in defs, name
        assert defs[name]["additionalProperties"] is False, name  # editors flag unknown keys


def test_node_definition(schema):
    node = schema["$defs"]["Node"]
    assert set(node["required"]) == {"id", "role"}
    assert set(node["properties"]["role"]["enum"]) == {
        "manufacturer", "wholesaler", "distributor", "retailer", "3pl"}
    assert set(node["properties"]["unmet"]["enum"]) == {"backorder", "lost"}


def _union(prop: dict) -> dict:
    """The discriminated union inside an optional property."""
    for option in prop.get("anyOf", [prop]):
        if "discriminator" in option:
            return option
    raise AssertionError(f"no discriminator in {prop}")


def test_policy_is_a_union_tagged_by_type(schema):
    union = _union(schema["$defs"]["Node"]["properties"]["policy"])
    assert union["discriminator"]["propertyName"] == "type"
    assert union["discriminator"]["mapping"] == {
        "base_stock": "#/$defs/BaseStock", "sS": "#/$defs/SS", "rQ": "#/$defs/RQ",
        "make_to_order": "#/$defs/MakeToOrder", "dropship": "#/$defs/Dropship",
        "forecast_out": "#/$defs/ForecastOut", "sterman": "#/$defs/Sterman"}


def test_demand_is_a_union_tagged_by_dist(schema):
    union = _union(schema["$defs"]["Node"]["properties"]["demand"])
    assert union["discriminator"]["propertyName"] == "dist"
    assert set(union["discriminator"]["mapping"]) == {
        "constant", "poisson", "normal", "negbin", "gamma", "lognormal", "uniform", "triangular",
        "exponential", "empirical", "ar1", "step"}


def test_lane_uses_from_and_to(schema):
    lane = schema["$defs"]["Lane"]
    assert set(lane["required"]) == {"from", "to"}
    assert "src" not in lane["properties"] and "dst" not in lane["properties"]
    assert lane["properties"]["lead_time"]["default"] == {"dist": "constant", "value": 0.0}


def _number(prop: dict) -> dict:
    return next((p for p in prop.get("anyOf", [prop]) if p.get("type") != "null"), prop)


def test_numeric_bounds_are_in_the_schema(schema):
    defs = schema["$defs"]
    # a level may be left out for a service target: its number is the non-null branch
    assert _number(defs["RQ"]["properties"]["Q"])["exclusiveMinimum"] == 0
    assert _number(defs["BaseStock"]["properties"]["S"])["minimum"] == 0
    assert defs["Costs"]["properties"]["holding"]["minimum"] == 0
    assert schema["properties"]["horizon_days"]["exclusiveMinimum"] == 0


def test_example_scenario_satisfies_the_schema(schema):
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(BASE, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**BASE, "horizn_days": 3}, schema)
