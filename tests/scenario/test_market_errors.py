"""Bad market-mode settings (regions, market channels, coverage, switching, outlets) give
FILE:LINE:COL: message naming the fix (DESIGN §7 "Market mode", ``validate.market_problems``).

Line and column numbers are counted by hand from the YAML text in each test (1-based; the first
line of the text is line 1). Messages are checked for their key words, not their exact wording.
"""

from __future__ import annotations

import pytest

import chainsim

from .helpers import at, has, only

# A small valid market scenario; tests copy it and break one thing. Hand-counted positions:
#  line 3  "market:"                                             'market' col 1
#  line 4  "  regions:"                                          'regions' col 3
#  line 5  "    - {id: north, demand: {dist: poisson, mean: 20}}" 'id' col 8
#  line 6  "    - {id: south, demand: {dist: poisson, mean: 10}}" 'id' col 8
#  line 8  "    - {id: store, kind: store}"                      'id' col 8
#  line 9  "    - {id: web, kind: website, fee_pct: 0.05}"        'id' col 8, 'kind' col 17,
#                                                                'fee_pct' col 32
#  line 10 "  coverage: {k: 0.5}"                                'coverage' col 3, 'k' col 14
#  line 11 "  switching: {prob: 0.3}"                            'switching' col 3, 'prob' col 15
#  line 14 "  - id: shop"                                        'id' col 5
#  line 16 "    region: north"                                   'region' col 5
#  line 17 "    channels: [store]"                               'channels' col 5
#  line 19 "  - id: kiosk"                                       'id' col 5
#  line 21 "    region: [north, south]"                          'region' col 5
#  line 22 "    channels: [store, web]"                          'channels' col 5
MARKET = """\
name: market-demo
horizon_days: 100
market:
  regions:
    - {id: north, demand: {dist: poisson, mean: 20}}
    - {id: south, demand: {dist: poisson, mean: 10}}
  channels:
    - {id: store, kind: store}
    - {id: web, kind: website, fee_pct: 0.05}
  coverage: {k: 0.5}
  switching: {prob: 0.3}
nodes:
  - {id: plant, role: manufacturer, infinite_supply: true}
  - id: shop
    role: retailer
    region: north
    channels: [store]
    policy: {type: base_stock, S: 42}
  - id: kiosk
    role: retailer
    region: [north, south]
    channels: [store, web]
    policy: {type: base_stock, S: 30}
lanes:
  - {from: plant, to: shop}
  - {from: plant, to: kiosk}
"""

MARKET_BLOCK = """\
market:
  regions:
    - {id: north, demand: {dist: poisson, mean: 20}}
    - {id: south, demand: {dist: poisson, mean: 10}}
  channels:
    - {id: store, kind: store}
    - {id: web, kind: website, fee_pct: 0.05}
  coverage: {k: 0.5}
  switching: {prob: 0.3}
"""

# a 3PL taking consumer orders, inserted before "lanes:" (lines 24-30), and its lane
#  line 24 "  - id: fc"                                          'id' col 5
#  line 28 "    channels: [store]"                               'channels' col 5
TPL_NODE = """\
  - id: fc
    role: 3pl
    policy: {type: base_stock, S: 500}
    orders: {per_day: 40}
    channels: [store]
    shipping:
      - {method: standard, transit_days: {dist: constant, value: 3}}
"""


def _edit(old: str, new: str, text: str = MARKET) -> str:
    out = text.replace(old, new, 1)
    assert out != text, f"{old!r} not in the template"
    return out


# --------------------------------------------------------------------------- valid files
def test_market_template_is_valid(write):
    scn = chainsim.load_scenario(write(MARKET))
    assert [r.id for r in scn.market.regions] == ["north", "south"]
    assert [c.id for c in scn.market.channels] == ["store", "web"]
    assert scn.market.channels[1].fee_pct == 0.05
    assert scn.market.coverage.k == 0.5
    assert scn.market.switching.prob == 0.3
    assert scn.node("shop").region == "north"
    assert scn.node("shop").channels == ["store"]
    assert scn.node("kiosk").region == ["north", "south"]
    assert scn.node("shop").demand is None


def test_region_all_and_a_market_without_channels_are_valid(write):
    text = _edit("    region: [north, south]\n    channels: [store, web]\n",
                 "    region: all\n")
    text = _edit("    channels: [store]\n", "", text)
    text = _edit("  channels:\n    - {id: store, kind: store}\n"
                 "    - {id: web, kind: website, fee_pct: 0.05}\n", "", text)
    scn = chainsim.load_scenario(write(text))
    assert scn.market.channels == []
    assert scn.node("kiosk").region == "all"


def test_market_defaults(write):
    text = _edit("  coverage: {k: 0.5}\n  switching: {prob: 0.3}\n", "")
    scn = chainsim.load_scenario(write(text))
    assert scn.market.coverage.k > 0
    assert scn.market.switching.prob == 0.0
    assert scn.market.elasticity.epsilon == 0.0


# --------------------------------------------------------------------------- regions
def test_unknown_region_suggests_the_closest(problems):
    p = only(problems(_edit("    region: north\n", "    region: nort\n")))
    assert (p.line, p.col) == (16, 5)
    has(p.message, "region 'nort'", "not in the market", "did you mean 'north'")


def test_unknown_region_without_a_close_match_lists_the_regions(problems):
    p = only(problems(_edit("    region: north\n", "    region: zzz\n")))
    assert (p.line, p.col) == (16, 5)
    has(p.message, "region 'zzz'", "north", "south", "all")


def test_unknown_region_in_a_list(problems):
    p = only(problems(_edit("region: [north, south]", "region: [north, sout]")))
    assert (p.line, p.col) == (21, 5)
    has(p.message, "region 'sout'", "did you mean 'south'")


def test_region_on_a_node_when_the_scenario_has_no_market(problems):
    # without the 9 market lines, shop's "    region: north" is line 7 and kiosk's line 12
    found = problems(_edit(MARKET_BLOCK, ""))
    assert len(found) == 2, "\n".join(map(str, found))
    has(at(found, 7, 5).message, "node 'shop'", "no market", "market:", "demand")
    has(at(found, 12, 5).message, "node 'kiosk'", "no market")


def test_outlet_with_both_demand_and_region(problems):
    # line 17 becomes "    demand: {dist: poisson, mean: 3}"; the problem is the node (line 14)
    p = only(problems(_edit("    region: north\n",
                            "    region: north\n    demand: {dist: poisson, mean: 3}\n")))
    assert (p.line, p.col) == (14, 5)
    has(p.message, "shop", "region", "remove demand")


def test_market_without_outlets(problems):
    text = _edit("    region: north\n    channels: [store]\n",
                 "    demand: {dist: poisson, mean: 3}\n")
    text = _edit("    region: [north, south]\n    channels: [store, web]\n",
                 "    demand: {dist: poisson, mean: 3}\n", text)
    p = only(problems(text))
    assert (p.line, p.col) == (3, 1)
    has(p.message, "no outlet", "region:")


def test_empty_regions_list(problems):
    text = _edit("""  regions:
    - {id: north, demand: {dist: poisson, mean: 20}}
    - {id: south, demand: {dist: poisson, mean: 10}}
""", "  regions: []\n")
    found = problems(text)
    # line 4 "  regions: []": 'regions' col 3 (the outlets' regions are then unknown too)
    has(at(found, 4, 3).message, "regions", "is empty", "add at least one region")


# --------------------------------------------------------------------------- channels
def test_channel_not_in_the_market_suggests_the_closest(problems):
    p = only(problems(_edit("channels: [store]", "channels: [stor]")))
    assert (p.line, p.col) == (17, 5)
    has(p.message, "channel 'stor'", "not a market channel", "did you mean 'store'")


def test_channel_names_when_the_market_has_no_channels(problems):
    text = _edit("  channels:\n    - {id: store, kind: store}\n"
                 "    - {id: web, kind: website, fee_pct: 0.05}\n", "")
    # three lines fewer: shop's channels on line 14, kiosk's on line 19
    found = problems(text)
    assert len(found) == 3, "\n".join(map(str, found))
    has(at(found, 14, 5).message, "channel 'store'", "market: channels")
    for p in found[1:]:
        assert (p.line, p.col) == (19, 5)


def test_a_3pl_given_channel_names(problems):
    text = _edit("lanes:\n", TPL_NODE + "lanes:\n") + "  - {from: plant, to: fc}\n"
    p = only(problems(text))
    assert (p.line, p.col) == (28, 5)
    has(p.message, "3pl", "mappings", "fc", "instead of names")


def test_unknown_channel_kind(problems):
    p = only(problems(_edit("kind: website", "kind: webshop")))
    assert (p.line, p.col) == (9, 17)
    has(p.message, "webshop", "did you mean 'website'")


def test_channel_fee_of_100_percent_or_more(problems):
    p = only(problems(_edit("fee_pct: 0.05", "fee_pct: 5")))
    assert (p.line, p.col) == (9, 32)
    has(p.message, "fee_pct", "less than 1")


# --------------------------------------------------------------------------- coverage, switching
@pytest.mark.parametrize("k", ["0", "-1", "0.0"])
def test_coverage_k_must_be_positive(problems, k):
    p = only(problems(_edit("{k: 0.5}", f"{{k: {k}}}")))
    assert (p.line, p.col) == (10, 14)
    has(p.message, "coverage.k", "positive", "above 0")


@pytest.mark.parametrize(("prob", "words"), [("1.5", ("at most 1",)), ("-0.1", ("negative",))])
def test_switching_prob_must_be_a_probability(problems, prob, words):
    p = only(problems(_edit("{prob: 0.3}", f"{{prob: {prob}}}")))
    assert (p.line, p.col) == (11, 15)
    has(p.message, "switching.prob", *words)


# --------------------------------------------------------------------------- once bugs, now fixed
def test_channel_names_on_a_node_without_region_give_one_problem(problems):
    p = only(problems(_edit("    region: north\n", "    demand: {dist: poisson, mean: 3}\n")))
    assert (p.line, p.col) == (17, 5)
    has(p.message, "region")


def test_duplicate_region_id(problems):
    text = _edit("{id: south, demand", "{id: north, demand")
    text = _edit("region: [north, south]", "region: [north]", text)
    found = problems(text)
    p = next((q for q in found if q.line == 6), None)
    assert p is not None, "\n".join(map(str, found))
    has(p.message, "north")


def test_duplicate_channel_id(problems):
    text = _edit("{id: web, kind", "{id: store, kind")
    text = _edit("channels: [store, web]", "channels: [store]", text)
    found = problems(text)
    p = next((q for q in found if q.line == 9), None)
    assert p is not None, "\n".join(map(str, found))
    has(p.message, "store")


def test_empty_region_list_on_an_outlet(problems):
    p = only(problems(_edit("    region: north\n", "    region: []\n")))
    assert (p.line, p.col) == (16, 5)


def test_empty_regions_message_names_the_fix(problems):
    text = _edit("""  regions:
    - {id: north, demand: {dist: poisson, mean: 20}}
    - {id: south, demand: {dist: poisson, mean: 10}}
""", "  regions: []\n")
    p = at(problems(text), 4, 3)
    assert "List should have" not in p.message
    has(p.message, "id", "demand")
