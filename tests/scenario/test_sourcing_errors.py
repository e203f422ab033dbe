"""Bad supplier-coordination settings (several suppliers, split shares, primary/backup,
dropship, outages) give FILE:LINE:COL: message naming the fix.

Line and column numbers are counted by hand from the YAML text in each test (1-based; the first
line of the text is line 1). Messages are checked for their key words, not their exact wording.
"""

from __future__ import annotations

import pytest

import chainsim

from .helpers import at, has, only

# A valid split: hand-counted positions
#  line 9  "    policy: {type: base_stock, S: 42}"         'policy' col 5, 'type' col 14
#  line 10 "    sourcing: {rule: split}"                   'sourcing' col 5, 'rule' col 16
#  line 12 "  - {from: maker, to: shop, share: 0.7}"       '{' col 5, 'to' col 19, 'share' col 29
#  line 13 "  - {from: trader, to: shop, share: 0.3}"      '{' col 5, 'to' col 20, 'share' col 30
SPLIT = """\
name: multi
horizon_days: 100
nodes:
  - {id: maker, role: manufacturer, infinite_supply: true}
  - {id: trader, role: wholesaler, infinite_supply: true}
  - id: shop
    role: retailer
    demand: {dist: poisson, mean: 8}
    policy: {type: base_stock, S: 42}
    sourcing: {rule: split}
lanes:
  - {from: maker, to: shop, share: 0.7}
  - {from: trader, to: shop, share: 0.3}
"""

# A valid drop shipper whose supplier has outages: hand-counted positions
#  line 7  "    outage: {start_prob: 0.01, duration: {dist: constant, value: 5}}"
#          'outage' col 5, 'start_prob' col 14, 'duration' col 32, 'dist' col 43
#  line 10 "    demand: {dist: poisson, mean: 8}"          'demand' col 5
#  line 11 "    policy: {type: dropship}"                  'policy' col 5, 'type' col 14
DROP = """\
name: drop
horizon_days: 100
nodes:
  - id: maker
    role: manufacturer
    infinite_supply: true
    outage: {start_prob: 0.01, duration: {dist: constant, value: 5}}
  - id: shop
    role: retailer
    demand: {dist: poisson, mean: 8}
    policy: {type: dropship}
lanes:
  - {from: maker, to: shop, lead_time: {dist: constant, value: 2}}
"""


def _edit(old: str, new: str, text: str) -> str:
    out = text.replace(old, new, 1)
    assert out != text, f"{old!r} not in the template"
    return out


# --------------------------------------------------------------------------- valid files
def test_templates_are_valid(write):
    scn = chainsim.load_scenario(write(SPLIT))
    assert scn.node("shop").sourcing.rule == "split"
    assert [ln.share for ln in scn.lanes] == [0.7, 0.3]
    scn = chainsim.load_scenario(write(DROP))
    assert scn.node("shop").policy.type == "dropship"
    assert scn.node("maker").outage.start_prob == 0.01


def test_three_suppliers_and_primary_backup_are_valid(write):
    # three suppliers 0.5 / 0.3 / 0.2 (their float sum is 1 only within rounding)
    text = _edit("  - {id: trader,", "  - {id: broker, role: wholesaler, infinite_supply: true}\n"
                 "  - {id: trader,", SPLIT)
    text = _edit("share: 0.7}", "share: 0.5}\n  - {from: broker, to: shop, share: 0.2}", text)
    scn = chainsim.load_scenario(write(text))
    assert [ln.share for ln in scn.lanes] == [0.5, 0.2, 0.3]
    # primary/backup: no shares, priorities
    text = _edit("rule: split", "rule: primary_backup", SPLIT)
    text = _edit(", share: 0.7}", ", priority: 2}", text)
    text = _edit(", share: 0.3}", ", priority: 1}", text)
    scn = chainsim.load_scenario(write(text))
    assert [ln.priority for ln in scn.lanes] == [2, 1]


def test_problem_prints_as_file_line_col(problems, tmp_path):
    p = only(problems(_edit("share: 0.3}", "share: 0.2}", SPLIT)))
    assert str(p) == f"{tmp_path / 's.yaml'}:10:5: {p.message}"


# --------------------------------------------------------------------------- sourcing rule
def test_several_lanes_into_a_node_need_a_sourcing_rule(problems):
    # no sourcing line (the lanes move up one: lines 11 and 12) and no shares: the second lane
    # into shop is reported at its 'to' (col 20)
    text = _edit("    sourcing: {rule: split}\n", "", SPLIT)
    text = _edit(", share: 0.7}", "}", text)
    text = _edit(", share: 0.3}", "}", text)
    p = only(problems(text))
    assert (p.line, p.col) == (12, 20), str(p)
    has(p.message, "node 'shop'", "several suppliers", "maker, trader", "primary_backup", "split")


def test_several_lanes_without_a_rule_but_with_shares(problems):
    # shares written but no rule: the missing rule at lane 2's 'to', and each share is reported
    # as mattering only under split (lines 11 and 12 after the removed sourcing line)
    found = problems(_edit("    sourcing: {rule: split}\n", "", SPLIT))
    has(at(found, 12, 20).message, "several suppliers", "sourcing")
    has(at(found, 11, 29).message, "share", "rule: split")
    has(at(found, 12, 30).message, "share", "rule: split")
    assert len(found) == 3, "\n".join(map(str, found))


@pytest.mark.parametrize(
    ("rule", "near"),
    [("splt", "split"), ("primary-backup", "primary_backup"), ("Split", "split")],
)
def test_unknown_sourcing_rule_suggests_the_closest(problems, rule, near):
    p = only(problems(_edit("rule: split", f"rule: {rule}", SPLIT)))
    assert (p.line, p.col) == (10, 16), str(p)
    has(p.message, "sourcing.rule", f"'{rule}'", f"did you mean '{near}'", "single",
        "primary_backup")


def test_unknown_sourcing_key_suggests_rule(problems):
    p = only(problems(_edit("{rule: split}", "{rul: split}", SPLIT)))
    assert (p.line, p.col) == (10, 16), str(p)
    has(p.message, "unknown key 'rul'", "did you mean 'rule'")


# --------------------------------------------------------------------------- split shares
def test_split_with_a_missing_share(problems):
    # lane 2 without share: reported at the lane itself ('{' of line 13)
    p = only(problems(_edit(", share: 0.3}", "}", SPLIT)))
    assert (p.line, p.col) == (13, 5), str(p)
    has(p.message, "node 'shop'", "share")


@pytest.mark.parametrize(("share", "total"), [("0.2", "0.9"), ("0.5", "1.2")])
def test_split_shares_must_add_up_to_one(problems, share, total):
    p = only(problems(_edit("share: 0.3}", f"share: {share}}}", SPLIT)))
    assert (p.line, p.col) == (10, 5), str(p)  # the node's 'sourcing'
    has(p.message, "'shop'", f"add up to {total}", "add up to 1")


@pytest.mark.parametrize(
    ("share", "words"),
    [("0", ["share", "positive", "above 0"]), ("1.5", ["share", "at most 1"]),
     ("-0.3", ["share", "positive"])],
)
def test_share_outside_0_1(problems, share, words):
    found = problems(_edit("share: 0.3}", f"share: {share}}}", SPLIT))
    has(at(found, 13, 30).message, "lanes[1]", *words)


def test_share_on_lanes_into_a_node_that_does_not_split(problems):
    found = problems(_edit("rule: split", "rule: primary_backup", SPLIT))
    for line, col in ((12, 29), (13, 30)):
        has(at(found, line, col).message, "share only matters", "node 'shop'", "rule: split")
    assert len(found) == 2, "\n".join(map(str, found))


def test_share_on_the_only_lane_into_a_node(problems):
    # one supplier, no sourcing rule (single): its share is reported at the key
    text = _edit("    sourcing: {rule: split}\n", "", SPLIT)
    text = _edit("  - {from: trader, to: shop, share: 0.3}\n", "", text)
    text = _edit("  - {id: trader, role: wholesaler, infinite_supply: true}\n", "", text)
    # lines 5 and 10 removed: line 9 "lanes:", line 10 the maker lane, its share at col 29
    p = only(problems(text))
    assert (p.line, p.col) == (10, 29), str(p)
    has(p.message, "share only matters", "rule: split")


# --------------------------------------------------------------------------- dropship
def test_dropship_needs_consumer_demand(problems):
    # demand replaced by costs on line 10: shop has no demand
    found = problems(_edit("    demand: {dist: poisson, mean: 8}", "    costs: {holding: 1}", DROP))
    p = at(found, 11, 14)  # policy.type
    has(p.message, "dropship", "node 'shop'", "no demand", "add demand")


def test_dropship_cannot_lose_sales(problems):
    # a new line 12 "    unmet: lost" ('unmet' col 5)
    p = only(problems(_edit("    policy: {type: dropship}\n",
                            "    policy: {type: dropship}\n    unmet: lost\n", DROP)))
    assert (p.line, p.col) == (12, 5), str(p)
    has(p.message, "node 'shop'", "drop", "unmet: backorder")


def test_unknown_policy_type_suggests_dropship(problems):
    p = only(problems(_edit("{type: dropship}", "{type: dropshp}", DROP)))
    assert (p.line, p.col) == (11, 14), str(p)
    has(p.message, "unknown type 'dropshp'", "did you mean 'dropship'", "make_to_order")


# --------------------------------------------------------------------------- outages
@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("1", ["start_prob", "less than 1", "got 1"]),
        ("1.5", ["start_prob", "less than 1", "got 1.5"]),
        ("-0.1", ["start_prob", "0 or more", "got -0.1"]),
    ],
)
def test_outage_start_prob_must_be_a_probability_below_one(problems, value, words):
    p = only(problems(_edit("start_prob: 0.01", f"start_prob: {value}", DROP)))
    assert (p.line, p.col) == (7, 14), str(p)
    has(p.message, "nodes[0] (maker).outage", *words)


@pytest.mark.parametrize(
    "duration",
    ["{dist: ar1, mean: 5, phi: 0.5, sd: 1}", "{dist: step, before: 1, after: 5, day: 10}"],
)
def test_outage_duration_cannot_be_a_demand_process(problems, duration):
    text = _edit("duration: {dist: constant, value: 5}", f"duration: {duration}", DROP)
    p = only(problems(text))
    assert (p.line, p.col) == (7, 43), str(p)  # duration's 'dist'
    has(p.message, duration.split(",")[0].split()[-1], "demand process", "duration")


def test_outage_duration_demand_process_message_names_the_fix(problems):
    text = _edit("duration: {dist: constant, value: 5}",
                 "duration: {dist: ar1, mean: 5, phi: 0.5, sd: 1}", DROP)
    has(only(problems(text)).message, "use", "constant")


def test_outage_needs_start_prob_and_a_duration_mapping(problems):
    p = only(problems(_edit("start_prob: 0.01, ", "", DROP)))
    assert (p.line, p.col) == (7, 5), str(p)  # the 'outage' key
    has(p.message, "missing required field 'start_prob'", "outage")
    p = only(problems(_edit("{dist: constant, value: 5}}", "5}", DROP)))
    assert (p.line, p.col) == (7, 32), str(p)  # 'duration'
    has(p.message, "outage.duration", "mapping")


# --------------------------------------------------------------------------- all at once
ALL_AT_ONCE = """\
name: many
horizon_days: 100
nodes:
  - {id: maker, role: manufacturer, infinite_supply: true,
     outage: {start_prob: 0.1, duration: {dist: step, before: 1, after: 5, day: 10}}}
  - {id: trader, role: wholesaler, infinite_supply: true}
  - id: shop
    role: retailer
    demand: {dist: poisson, mean: 8}
    policy: {type: base_stock, S: 42}
    sourcing: {rule: split}
  - id: seller
    role: retailer
    demand: {dist: poisson, mean: 3}
    policy: {type: dropship}
    unmet: lost
lanes:
  - {from: maker, to: shop, share: 0.7}
  - {from: trader, to: shop, share: 0.2}
  - {from: maker, to: seller, share: 1}
"""


def test_all_sourcing_problems_of_a_file_at_once(problems):
    found = problems(ALL_AT_ONCE)
    expected = {
        (5, 43): ["step is a demand process"],  # line 5 "     outage: {... duration: {dist"
        (11, 5): ["add up to 0.9"],  # shop's 'sourcing'
        (16, 5): ["node 'seller'", "unmet: backorder"],  # seller's 'unmet'
        (20, 31): ["share only matters", "node 'seller'"],  # the seller lane's 'share'
    }
    for (line, col), words in expected.items():
        has(at(found, line, col).message, *words)
    assert len(found) == len(expected), "\n".join(map(str, found))


def test_sourcing_problems_reported_with_schema_errors(problems):
    # ALL_AT_ONCE with horizon_days: 0 on line 2 (positions unchanged)
    found = problems(_edit("horizon_days: 100", "horizon_days: 0", ALL_AT_ONCE))
    has(at(found, 2, 1).message, "horizon_days", "positive")
    has(at(found, 11, 5).message, "add up to 0.9")
    has(at(found, 16, 5).message, "unmet: backorder")
