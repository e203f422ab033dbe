"""Each class of bad input gives FILE:LINE:COL: message naming the fix.

Line and column numbers are counted by hand from the YAML text in each test (1-based; the first
line of the text is line 1). Messages are checked for their key words, not their exact wording.
"""

from __future__ import annotations

import pytest

import chainsim
from chainsim.errors import ScenarioError

from .helpers import VALID, at, has, only


def test_valid_scenario_loads(write):
    scn = chainsim.load_scenario(write(VALID))
    assert scn.name == "demo"
    assert [n.id for n in scn.nodes] == ["plant", "shop"]
    assert scn.lanes[0].lead_time.value == 3


def test_problem_prints_as_file_line_col(problems, tmp_path):
    p = only(problems(VALID.replace("horizon_days", "horizn_days")))
    assert str(p) == f"{tmp_path / 's.yaml'}:2:1: {p.message}"


# --------------------------------------------------------------------------- unknown keys
def test_unknown_top_level_key_suggests_closest(problems):
    p = only(problems(VALID.replace("horizon_days", "horizn_days")))
    assert (p.line, p.col) == (2, 1)
    has(p.message, "unknown key 'horizn_days'", "did you mean 'horizon_days'")


def test_unknown_node_key_suggests_closest(problems):
    p = only(problems("""
        name: demo
        nodes:
          - id: plant
            role: manufacturer
            infinite_supply: true
          - id: shop
            role: retailer
            demand: {dist: poisson, mean: 8}
            polcy: {type: base_stock, S: 42}
        lanes:
          - {from: plant, to: shop}
    """))
    assert (p.line, p.col) == (9, 5)
    has(p.message, "unknown key 'polcy'", "nodes[1] (shop)", "did you mean 'policy'")


def test_unknown_key_inside_flow_mapping(problems):
    text = VALID.replace("backorder: 19.0}", "backorder: 19.0, holdin: 2}")
    # line 11: "    costs: {holding: 1.0, backorder: 19.0, holdin: 2}"; 'holdin' starts at col 44
    p = only(problems(text))
    assert (p.line, p.col) == (11, 44)
    has(p.message, "unknown key 'holdin'", "costs", "did you mean 'holding'")


def test_unknown_key_without_close_match_says_remove_and_lists_keys(problems):
    text = VALID.replace("lead_time: {dist: constant, value: 3}}", "zzz: 1}")
    p = only(problems(text))
    # line 13: "  - {from: plant, to: shop, zzz: 1}"; 'zzz' starts at col 29
    assert (p.line, p.col) == (13, 29)
    has(p.message, "unknown key 'zzz'", "remove it", "lead_time", "cost_per_unit")


def test_unknown_parameter_of_a_distribution(problems):
    text = VALID.replace("{dist: poisson, mean: 8}", "{dist: poisson, mean: 8, sd: 2}")
    p = only(problems(text))
    # line 9: "    demand: {dist: poisson, mean: 8, sd: 2}"; 'sd' at col 38
    assert (p.line, p.col) == (9, 38)
    has(p.message, "unknown key 'sd'", "demand", "valid keys: dist, mean")


# --------------------------------------------------------------------------- wrong types
@pytest.mark.parametrize(
    ("old", "new", "line", "col", "words"),
    [
        ("horizon_days: 100", "horizon_days: lots", 2, 1, ["horizon_days", "whole number", "'lots'"]),
        ("horizon_days: 100", "horizon_days: 2.5", 2, 1, ["horizon_days", "whole number", "2.5"]),
        ("name: demo", "name: 2024", 1, 1, ["name", "must be text", "quotes"]),
        ("infinite_supply: true", "infinite_supply: maybe", 6, 5,
         ["nodes[0] (plant).infinite_supply", "true or false", "'maybe'"]),
        ("mean: 8}", "mean: many}", 9, 29, ["demand.mean", "must be a number", "'many'"]),
        ("lead_time: {dist: constant, value: 3}", "lead_time: 3", 13, 29,
         ["lead_time", "mapping", "{dist: constant, value: 3}", "got 3"]),
        ("policy: {type: base_stock, S: 42}", "policy: base_stock", 10, 5,
         ["policy", "mapping", "{type: base_stock, S: 40}"]),
        ("role: retailer", "role: shop", 8, 5, ["role", "'shop'", "retailer", "manufacturer"]),
        ("role: retailer", "role: retailr", 8, 5, ["did you mean 'retailer'"]),
    ],
)
def test_wrong_type(problems, old, new, line, col, words):
    text = VALID.replace(old, new, 1)
    assert text != VALID
    p = at(problems(text), line, col)
    has(p.message, *words)


def test_nodes_must_be_a_list(problems):
    p = at(problems("""
        name: demo
        nodes: shop
    """), 2, 1)
    has(p.message, "nodes must be a list", "- {id: shop, role: retailer")


def test_node_must_be_a_mapping(problems):
    found = problems("""
        name: demo
        nodes:
          - plant
    """)
    # the list item 'plant' starts at line 3, col 5
    has(at(found, 3, 5).message, "nodes[0] must be a mapping", "id:", "got 'plant'")


# --------------------------------------------------------------------------- missing fields
def test_missing_name_points_at_top_of_file(problems):
    p = only(problems(VALID.replace("name: demo\n", "")))
    assert (p.line, p.col) == (1, 1)
    has(p.message, "missing required field 'name'", "add 'name:")


def test_missing_role_points_at_the_node(problems):
    text = VALID.replace("    role: retailer\n", "")
    # the shop node's mapping starts at line 7 ("  - id: shop"), col 5
    p = only(problems(text))
    assert (p.line, p.col) == (7, 5)
    has(p.message, "missing required field 'role'", "nodes[1] (shop)", "add 'role:")


def test_missing_policy_parameter(problems):
    text = VALID.replace("{type: base_stock, S: 42}", "{type: base_stock}")
    p = only(problems(text))
    assert (p.line, p.col) == (10, 5)  # the 'policy' key
    has(p.message, "missing required field 'S'", "policy", "add 'S:")


def test_missing_lane_end(problems):
    text = VALID.replace("{from: plant, to: shop, ", "{from: plant, ")
    found = problems(text)
    # the lane mapping '{' is at line 13, col 5
    has(at(found, 13, 5).message, "missing required field 'to'", "lanes[0]")


def test_missing_dist_tag(problems):
    text = VALID.replace("{dist: poisson, mean: 8}", "{mean: 8}")
    p = only(problems(text))
    assert (p.line, p.col) == (9, 5)
    has(p.message, "demand", "needs 'dist:'", "poisson", "gamma")


def test_misspelt_policy_tag_key(problems):
    text = VALID.replace("{type: base_stock, S: 42}", "{typ: base_stock, S: 42}")
    p = only(problems(text))
    # line 10: "    policy: {typ: base_stock, S: 42}"; 'typ' at col 14
    assert (p.line, p.col) == (10, 14)
    has(p.message, "needs 'type:'", "'typ:'", "rename", "base_stock")


# --------------------------------------------------------------------------- numbers out of range
@pytest.mark.parametrize(
    ("old", "new", "line", "col", "words"),
    [
        ("horizon_days: 100", "horizon_days: 0", 2, 1, ["horizon_days", "positive", "got 0", "above 0"]),
        ("horizon_days: 100", "horizon_days: -5", 2, 1, ["positive", "got -5"]),
        ("backorder: 19.0", "backorder: -19.0", 11, 27, ["costs.backorder", "0 or more", "-19",
                                                         "negative"]),
        ("value: 3}", "value: -3}", 13, 57, ["lead_time.value", "0 or more", "-3"]),
        ("S: 42}", "S: 42, review_days: 0}", 10, 39, ["review_days", "at least 1", "got 0"]),
        ("mean: 8}", "mean: -8}", 9, 29, ["demand.mean", "0 or more", "-8"]),
    ],
)
def test_number_out_of_range(problems, old, new, line, col, words):
    text = VALID.replace(old, new, 1)
    assert text != VALID
    p = only(problems(text))
    assert (p.line, p.col) == (line, col), str(p)
    has(p.message, *words)


def test_infinite_number_is_refused(problems):
    text = VALID.replace("S: 42}", "S: .inf}")
    p = only(problems(text))
    # line 10: "    policy: {type: base_stock, S: .inf}"; 'S' at col 32
    assert (p.line, p.col) == (10, 32)
    has(p.message, "policy.S", "finite number", "inf")


# --------------------------------------------------------------------------- policies
@pytest.mark.parametrize(
    ("policy", "words"),
    [
        ("{type: sS, s: 50, S: 42}", ["s < S", "s 50", "S 42", "lower s or raise S"]),
        ("{type: sS, s: 42, S: 42}", ["s < S", "lower s or raise S"]),
        ("{type: rQ, r: 10, Q: 0}", ["policy.Q", "positive", "got 0"]),
        ("{type: rQ, r: 10, Q: -5}", ["policy.Q", "positive", "got -5"]),
        ("{type: base_stock, S: -1}", ["policy.S", "0 or more", "-1"]),
        ("{type: sS, s: 5, S: -1}", ["policy.S", "0 or more"]),
        ("{type: base_stok, S: 4}", ["unknown type 'base_stok'", "did you mean 'base_stock'", "sS", "rQ"]),
    ],
)
def test_impossible_policy(problems, policy, words):
    text = VALID.replace("{type: base_stock, S: 42}", policy)
    found = problems(text)
    # every policy problem is on line 10, at the policy key (col 5) or a key inside it
    p = only(found)
    assert p.line == 10, str(p)
    if "type" in words[0]:
        assert p.col == 14  # the 'type' key in "    policy: {type: ..."
    has(p.message, *words)


def test_policy_cross_field_error_points_at_policy(problems):
    text = VALID.replace("{type: base_stock, S: 42}", "{type: sS, s: 50, S: 42}")
    p = only(problems(text))
    assert (p.line, p.col) == (10, 5)


# --------------------------------------------------------------------------- distributions
@pytest.mark.parametrize(
    ("demand", "col", "words"),
    [
        ("{dist: negbin, mean: 8, var: 4}", 5, ["negbin", "var 4 <= mean 8", "raise var", "poisson"]),
        ("{dist: negbin, mean: 8, var: 8}", 5, ["var > mean"]),
        ("{dist: uniform, low: 5, high: 2}", 5, ["uniform", "low <= high", "low 5", "high 2", "swap"]),
        ("{dist: triangular, low: 1, mode: 9, high: 5}", 5, ["triangular", "low <= mode <= high", "between"]),
        ("{dist: gamma, mean: 3}", 5, ["missing required field 'cv'", "demand"]),
        ("{dist: normal, mean: 3, sd: -1}", 37, ["demand.sd", "0 or more"]),
        ("{dist: normal, sd: 1}", 5, ["missing required field 'mean'"]),
        ("{dist: empirical, values: []}", 5, ["empirical", "must not be empty", "at least one value"]),
        ("{dist: empirical}", 5, ["empirical", "values", "csv"]),
        ("{dist: ar1, mean: 5, phi: 1, sd: 1}", 34, ["phi", "less than 1"]),
        ("{dist: exponential, mean: 0}", 33, ["demand.mean", "positive"]),
        ("{dist: poison, mean: 8}", 14, ["unknown dist 'poison'", "did you mean 'poisson'"]),
    ],
)
def test_bad_distribution(problems, demand, col, words):
    # line 9 is "    demand: {dist: ...": 'demand' at col 5, 'dist' at col 14, keys after it
    # are counted in each case; a problem of the whole mapping points at 'demand'
    text = VALID.replace("{dist: poisson, mean: 8}", demand)
    p = only(problems(text))
    assert (p.line, p.col) == (9, col), str(p)
    has(p.message, *words)


def test_demand_process_as_lead_time(problems):
    text = VALID.replace("{dist: constant, value: 3}", "{dist: step, before: 1, after: 2, day: 3}")
    p = only(problems(text))
    # line 13: "  - {from: plant, to: shop, lead_time: {dist: step, ..."; 'dist' at col 41
    assert (p.line, p.col) == (13, 41)
    has(p.message, "step is a demand process", "not a lead time", "constant")


def test_empirical_csv_relative_to_file(write, tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "d.csv").write_text("demand\n3\n5\n", encoding="utf-8")
    text = VALID.replace("{dist: poisson, mean: 8}", "{dist: empirical, csv: d.csv}")
    scn = chainsim.load_scenario(write(text, "sub/s.yaml"))
    assert scn.node("shop").demand.csv == str((tmp_path / "sub" / "d.csv").resolve())


def test_empirical_csv_bad_content(problems, tmp_path):
    (tmp_path / "d.csv").write_text("3\nlots\n", encoding="utf-8")
    text = VALID.replace("{dist: poisson, mean: 8}", "{dist: empirical, csv: d.csv}")
    p = only(problems(text))
    # line 9: "    demand: {dist: empirical, csv: d.csv}"; 'csv' at col 31
    assert (p.line, p.col) == (9, 31)
    has(p.message, "cannot use csv", "line 2", "lots", "one number per line")


def test_empirical_csv_missing_file(problems):
    text = VALID.replace("{dist: poisson, mean: 8}", "{dist: empirical, csv: nowhere.csv}")
    p = only(problems(text))
    assert (p.line, p.col) == (9, 31)
    has(p.message, "cannot use csv", "nowhere.csv")


# --------------------------------------------------------------------------- network
def test_duplicate_node_id(problems):
    found = problems("""
        name: demo
        nodes:
          - {id: plant, role: manufacturer, infinite_supply: true}
          - id: shop
            role: retailer
            demand: {dist: poisson, mean: 8}
            policy: {type: base_stock, S: 42}
          - id: shop
            role: retailer
            demand: {dist: poisson, mean: 8}
            policy: {type: base_stock, S: 42}
        lanes:
          - {from: plant, to: shop}
    """)
    p = only(found)
    assert (p.line, p.col) == (8, 5)  # the second "  - id: shop"
    has(p.message, "duplicate node id 'shop'", "nodes[1]", "its own id")


def test_lane_names_unknown_node_with_suggestion(problems):
    text = VALID.replace("{from: plant, to: shop,", "{from: plnt, to: shop,")
    p = only(problems(text))
    assert (p.line, p.col) == (13, 6)  # 'from' inside "  - {from: plnt, ..."
    has(p.message, "lane from 'plnt' names no node", "did you mean 'plant'")


def test_lane_names_unknown_node_without_close_match_lists_ids(problems):
    text = VALID.replace("{from: plant, to: shop,", "{from: plant, to: warehouse,")
    found = problems(text)
    p = at(found, 13, 19)  # 'to'
    has(p.message, "lane to 'warehouse' names no node", "plant, shop")
    # shop is aimed at by no valid lane, but the broken lane is the one thing to fix
    assert len(found) == 1, "\n".join(map(str, found))


def test_unsupplied_retailer(problems):
    found = problems("""
        name: demo
        nodes:
          - {id: plant, role: manufacturer, infinite_supply: true}
          - id: shop
            role: retailer
            demand: {dist: poisson, mean: 8}
            policy: {type: base_stock, S: 42}
          - id: kiosk
            role: retailer
            demand: {dist: poisson, mean: 2}
            policy: {type: base_stock, S: 10}
        lanes:
          - {from: plant, to: shop}
    """)
    p = only(found)
    assert (p.line, p.col) == (8, 5)  # "  - id: kiosk"
    has(p.message, "node 'kiosk' has demand", "no lane supplies it",
        "{from: <supplier>, to: kiosk}", "infinite_supply: true")


def test_cycle_in_supply_graph(problems):
    found = problems("""
        name: demo
        nodes:
          - {id: plant, role: manufacturer, infinite_supply: true}
          - {id: dc1, role: distributor, policy: {type: base_stock, S: 50}}
          - {id: dc2, role: distributor, policy: {type: base_stock, S: 50}}
          - id: shop
            role: retailer
            demand: {dist: poisson, mean: 8}
            policy: {type: base_stock, S: 42}
        lanes:
          - {from: plant, to: dc1}
          - {from: dc1, to: dc2}
          - {from: dc2, to: dc1}
          - {from: dc2, to: shop}
    """)
    cyc = [p for p in found if "cycle" in p.message]
    assert len(cyc) == 1, "\n".join(map(str, found))
    assert (cyc[0].line, cyc[0].col) == (13, 5)  # the lane closing the loop, dc2 -> dc1
    has(cyc[0].message, "dc1 -> dc2 -> dc1", "remove one of these lanes")


def test_lane_from_node_to_itself(problems):
    text = VALID.replace(
        "  - {from: plant, to: shop, lead_time: {dist: constant, value: 3}}",
        "  - {from: plant, to: shop, lead_time: {dist: constant, value: 3}}\n  - {from: shop, to: shop}",
    )
    p = only(problems(text))
    assert (p.line, p.col) == (14, 5)
    has(p.message, "shop->shop", "itself", "remove it")


def test_duplicate_lane(problems):
    text = VALID + "  - {from: plant, to: shop}\n"
    found = problems(text)
    has(at(found, 14, 5).message, "plant->shop", "more than once")


def test_node_without_policy(problems):
    text = VALID.replace("    policy: {type: base_stock, S: 42}\n", "")
    p = only(problems(text))
    assert (p.line, p.col) == (7, 5)
    has(p.message, "node 'shop' needs a policy", "base_stock")


def test_node_with_nothing_to_do(problems):
    found = problems("""
        name: demo
        nodes:
          - {id: plant, role: manufacturer, infinite_supply: true}
          - {id: dc, role: distributor, policy: {type: base_stock, S: 5}}
        lanes:
          - {from: plant, to: dc}
    """)
    p = only(found)
    assert (p.line, p.col) == (4, 6)
    has(p.message, "'dc' has no demand and supplies no node", "add demand or a lane")


def test_infinite_supply_node_with_policy(problems):
    text = VALID.replace("    infinite_supply: true\n",
                         "    infinite_supply: true\n    policy: {type: base_stock, S: 1}\n")
    p = only(problems(text))
    assert (p.line, p.col) == (4, 5)
    has(p.message, "infinite_supply", "remove its policy")


# --------------------------------------------------------------------------- all at once
def test_all_problems_of_a_file_at_once(problems):
    found = problems("""
        name: demo
        horizon_days: -1
        replicatons: 3
        nodes:
          - {id: plant, role: manufacturer, infinite_supply: true}
          - id: shop
            role: retailer
            demand: {dist: negbin, mean: 8, var: 2}
            policy: {type: sS, s: 9, S: 3}
          - id: shop
            role: retailer
            demand: {dist: poisson, mean: 1}
            policy: {type: base_stock, S: 4}
          - id: kiosk
            role: retailer
            demand: {dist: poisson, mean: 1}
            policy: {type: rQ, r: 1, Q: 0}
        lanes:
          - {from: plant, to: shop}
          - {from: plnt, to: kiosk}
    """)
    where = {(p.line, p.col) for p in found}
    assert {(2, 1), (3, 1), (8, 5), (9, 5), (10, 5), (17, 30), (20, 6)} <= where, \
        "\n".join(map(str, found))
    assert len(found) == 7, "\n".join(map(str, found))


def test_problems_are_sorted_by_position(problems):
    found = problems("""
        name: demo
        seed: -1
        horizon_days: 0
        nodes: 5
    """)
    assert [(p.line, p.col) for p in found] == [(2, 1), (3, 1), (4, 1)]


def test_dict_source_reports_dict_as_file():
    with pytest.raises(ScenarioError) as info:
        chainsim.load_scenario({"name": "x", "nodes": [], "horizon_days": 0})
    assert info.value.problems[0].file == "<dict>"
    has(info.value.problems[0].message, "horizon_days", "positive")


# --------------------------------------------------------------------------- odd values (found by fuzzing)
def test_key_with_a_newline_is_shown_escaped(problems):
    p = only(problems(VALID.replace("horizon_days: 100", '"horizon\\ndays": 100')))
    assert (p.line, p.col) == (2, 1)
    has(p.message, "unknown key 'horizon\\ndays'")


def test_mapping_where_a_word_belongs(problems):
    text = VALID.replace("role: retailer", "role: {dist: poisson}")
    p = only(problems(text))
    assert (p.line, p.col) == (8, 5)
    has(p.message, "nodes[1] (shop).role", "use one of", "retailer")


def test_node_id_that_is_not_text(problems):
    text = VALID.replace("id: shop", "id: [shop]")
    found = problems(text)
    # "  - id: [shop]" on line 7: the 'id' key at col 5; the lane to 'shop' then names no node
    has(at(found, 7, 5).message, "id must be text")
    has(at(found, 13, 19).message, "lane to 'shop' names no node")


def test_empty_node_list(problems):
    p = only(problems("name: demo\nnodes: []\n"))
    assert (p.line, p.col) == (2, 1)
    has(p.message, "nodes is empty", "infinite_supply: true", "demand")


def test_empty_product_list(problems):
    p = only(problems(VALID.replace("nodes:\n", "products: []\nnodes:\n", 1)))
    assert (p.line, p.col) == (3, 1)
    has(p.message, "products is empty", "default product")


def test_null_node_list(problems):
    p = only(problems("name: demo\nnodes:\n"))
    assert (p.line, p.col) == (2, 1)
    has(p.message, "nodes must be a list", "got null")


def test_capacity_on_a_retailer(problems):
    text = VALID.replace("    role: retailer\n", "    role: retailer\n    capacity: 5\n")
    p = only(problems(text))
    assert (p.line, p.col) == (7, 5)  # the node "  - id: shop"
    has(p.message, "only a manufacturer", "remove them or set role: manufacturer")


@pytest.mark.parametrize(("key", "shown"), [("7", "key 7"), ("null", "key null"), ("1.5", "key 1.5")])
def test_key_that_is_not_a_word(problems, key, shown):
    text = VALID.replace("    role: retailer\n", f"    role: retailer\n    {key}: 1\n")
    p = only(problems(text))
    assert (p.line, p.col) == (9, 5)
    has(p.message, shown, "nodes[1] (shop)", "not a setting name", "use one of: id, role")


def test_bad_item_inside_a_flow_list(problems):
    text = VALID.replace("{dist: poisson, mean: 8}", "{dist: empirical, values: [1, -2, 3]}")
    p = only(problems(text))
    # line 9: "    demand: {dist: empirical, values: [1, -2, 3]}"; '-2' at col 43
    assert (p.line, p.col) == (9, 43)
    has(p.message, "demand.values[1]", "0 or more", "-2")


def test_bad_item_inside_a_block_list(problems):
    text = VALID.replace("{dist: poisson, mean: 8}", "\n      dist: empirical\n      values:\n"
                         "        - 1\n        - lots\n")
    p = only(problems(text))
    # "        - lots" is line 13 (demand: on 9, dist 10, values 11, '- 1' 12); 'lots' at col 11
    assert (p.line, p.col) == (13, 11)
    has(p.message, "values[1]", "must be a number", "'lots'")
