"""Bad 3PL fulfilment settings (orders, channels, shipping, working hours) give
FILE:LINE:COL: message naming the fix.

Line and column numbers are counted by hand from the YAML text in each test (1-based; the first
line of the text is line 1). Messages are checked for their key words, not their exact wording.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import chainsim

from .helpers import at, has, only

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "scenarios" / "examples" / "ecommerce_3pl.yaml"

# A small valid 3PL scenario; tests copy it and break one thing. Hand-counted positions:
#  line 7  "    orders: {per_day: 40}"                    'orders' col 5, 'per_day' col 14
#  line 8  "    channels:"                                'channels' col 5
#  line 9  "      - {id: web, kind: website, share: 0.6, shipping: standard}"
#          '{' col 9, 'id' col 10, 'kind' col 19, 'share' col 34, 'shipping' col 46
#  line 10 "      - {id: mkt, kind: marketplace, share: 0.4, shipping: express}"
#          'id' col 10, 'kind' col 19, 'share' col 38, 'shipping' col 50
#  line 11 "    pickers: 2"; line 12 "    hours: ..."; line 13 "    cutoff: 15" (keys at col 5)
#  line 14 "    shipping:"                                'shipping' col 5
#  line 16 "      - {method: express, transit_days: {dist: constant, value: 1}}"
#          'method' col 10, 'transit_days' col 27, 'dist' col 42
TPL = """\
name: shop
nodes:
  - {id: maker, role: manufacturer, infinite_supply: true}
  - id: fc
    role: 3pl
    policy: {type: base_stock, S: 500}
    orders: {per_day: 40}
    channels:
      - {id: web, kind: website, share: 0.6, shipping: standard}
      - {id: mkt, kind: marketplace, share: 0.4, shipping: express}
    pickers: 2
    hours: {start: 8, end: 18}
    cutoff: 15
    shipping:
      - {method: standard, transit_days: {dist: constant, value: 3}}
      - {method: express, transit_days: {dist: constant, value: 1}}
lanes:
  - {from: maker, to: fc}
"""

SHIPPING_BLOCK = """\
    shipping:
      - {method: standard, transit_days: {dist: constant, value: 3}}
      - {method: express, transit_days: {dist: constant, value: 1}}
"""
# one more method after line 16: line 17, 'method' at col 10
DUPLICATE_METHOD = SHIPPING_BLOCK + "      - {method: standard, transit_days: {dist: constant, value: 2}}\n"


def _edit(old: str, new: str, text: str = TPL) -> str:
    out = text.replace(old, new, 1)
    assert out != text, f"{old!r} not in the template"
    return out


# --------------------------------------------------------------------------- valid files
def test_template_is_valid(write):
    scn = chainsim.load_scenario(write(TPL))
    fc = scn.node("fc")
    assert fc.orders.per_day == 40
    assert [c.id for c in fc.channels] == ["web", "mkt"]
    assert [m.method for m in fc.shipping] == ["standard", "express"]


def test_example_ecommerce_3pl_validates():
    scn = chainsim.load_scenario(EXAMPLE)
    fc = scn.node("fc")
    assert fc.role == "3pl"
    assert [c.id for c in fc.channels] == ["web", "marketplace", "social"]
    assert sum(c.share for c in fc.channels) == pytest.approx(1)
    assert {m.method for m in fc.shipping} == {"standard", "express"}
    assert (fc.pickers, fc.packers, fc.cutoff) == (2, 1, 15)


def test_example_ecommerce_3pl_validates_on_the_command_line():
    from typer.testing import CliRunner

    from chainsim.cli import app

    res = CliRunner().invoke(app, ["validate", str(EXAMPLE)], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.stderr
    assert "OK" in res.stdout and "ecommerce-3pl" in res.stdout


def test_problem_prints_as_file_line_col(problems, tmp_path):
    p = only(problems(_edit("pickers: 2", "pickers: 0")))
    assert str(p) == f"{tmp_path / 's.yaml'}:11:5: {p.message}"


# --------------------------------------------------------------------------- servers and hours
@pytest.mark.parametrize(
    ("old", "new", "line", "words"),
    [
        ("    pickers: 2", "    pickers: 0", 11,
         ["nodes[1] (fc).pickers", "at least 1", "got 0", "set it to at least 1"]),
        ("    pickers: 2", "    pickers: -3", 11, ["pickers", "at least 1", "got -3"]),
        ("    pickers: 2", "    pickers: 1.5", 11, ["pickers", "whole number", "1.5"]),
        # a new line 12 after pickers: the packers key at col 5
        ("    pickers: 2", "    pickers: 2\n    packers: 0", 12,
         ["nodes[1] (fc).packers", "at least 1", "got 0"]),
    ],
)
def test_no_pickers_or_packers(problems, old, new, line, words):
    p = only(problems(_edit(old, new)))
    assert (p.line, p.col) == (line, 5), str(p)
    has(p.message, *words)


@pytest.mark.parametrize(
    ("hours", "got"),
    [("{start: 18, end: 8}", "18 to 8"), ("{start: 8, end: 8}", "8 to 8")],
)
def test_hours_start_not_before_end(problems, hours, got):
    p = only(problems(_edit("{start: 8, end: 18}", hours)))
    assert (p.line, p.col) == (12, 5), str(p)  # the 'hours' key
    has(p.message, "nodes[1] (fc).hours", "start < end", got)


def test_hours_start_out_of_range(problems):
    # line 12: "    hours: {start: 24, end: 24}"; '{' col 12, 'start' col 13
    found = problems(_edit("{start: 8, end: 18}", "{start: 24, end: 24}"))
    has(at(found, 12, 13).message, "hours.start", "less than 24", "got 24")


@pytest.mark.parametrize(
    ("cutoff", "words"),
    [
        ("25", ["nodes[1] (fc).cutoff", "at most 24", "got 25", "set it to at most 24"]),
        ("24.5", ["cutoff", "at most 24", "24.5"]),
        ("0", ["cutoff", "positive", "got 0", "above 0"]),
        ("-3", ["cutoff", "positive", "got -3"]),
    ],
)
def test_cutoff_out_of_range(problems, cutoff, words):
    p = only(problems(_edit("cutoff: 15", f"cutoff: {cutoff}")))
    assert (p.line, p.col) == (13, 5), str(p)
    has(p.message, *words)


# --------------------------------------------------------------------------- channels
@pytest.mark.parametrize(
    ("share", "total"),
    [("share: 0.3", "0.9"), ("share: 0.5", "1.1")],
)
def test_channel_shares_must_add_up_to_one(problems, share, total):
    p = only(problems(_edit("share: 0.4", share)))
    assert (p.line, p.col) == (8, 5), str(p)  # the 'channels' key
    has(p.message, "channel shares", f"add up to {total}", "make them add up to 1")


def test_channel_share_above_one(problems):
    p = only(problems(_edit("share: 0.4", "share: 1.4")))
    assert (p.line, p.col) == (10, 38), str(p)  # 'share' of mkt
    has(p.message, "channels[1] (mkt).share", "at most 1", "1.4")


def test_channel_names_unknown_shipping_method_with_suggestion(problems):
    p = only(problems(_edit("shipping: express}", "shipping: exprss}")))
    assert (p.line, p.col) == (10, 50), str(p)
    has(p.message, "channel 'mkt'", "'exprss'", "not a shipping method of node 'fc'",
        "did you mean 'express'")


def test_channel_names_unknown_shipping_method_without_close_match(problems):
    p = only(problems(_edit("shipping: standard}", "shipping: drone}")))
    assert (p.line, p.col) == (9, 46), str(p)
    has(p.message, "channel 'web'", "'drone'", "not a shipping method", "standard, express")


def test_duplicate_channel_id(problems):
    p = only(problems(_edit("{id: mkt,", "{id: web,")))
    assert (p.line, p.col) == (10, 10), str(p)  # the second channel's 'id'
    has(p.message, "channel id 'web'", "twice")


@pytest.mark.parametrize(
    ("kind", "near"),
    [("markteplace", "marketplace"), ("socal", "social"), ("webshop", "website")],
)
def test_unknown_channel_kind_suggests_closest(problems, kind, near):
    p = only(problems(_edit("kind: marketplace", f"kind: {kind}")))
    assert (p.line, p.col) == (10, 19), str(p)
    has(p.message, "nodes[1] (fc).channels[1] (mkt).kind", f"'{kind}'", f"did you mean '{near}'",
        "store", "website", "marketplace", "social")


def test_unknown_channel_kind_without_close_match_lists_kinds(problems):
    p = only(problems(_edit("kind: marketplace", "kind: pigeon")))
    assert (p.line, p.col) == (10, 19), str(p)
    has(p.message, "'pigeon'", "use one of", "store", "website", "marketplace", "social")
    assert "did you mean" not in p.message


def test_channels_and_shipping_without_orders(problems):
    # daily demand instead of consumer orders: channels and shipping serve nothing
    found = problems(_edit("    orders: {per_day: 40}", "    demand: {dist: poisson, mean: 40}"))
    has(at(found, 8, 5).message, "channels: only matters for consumer orders",
        "add orders: {per_day: ...} to node 'fc'", "remove channels")
    has(at(found, 14, 5).message, "shipping", "add orders:", "remove shipping")
    assert len(found) == 2, "\n".join(map(str, found))


def test_channels_without_orders_or_demand(problems):
    # no orders line: every line after line 6 moves up one ('channels' on 7, 'shipping' on 13)
    found = problems(_edit("    orders: {per_day: 40}\n", ""))
    has(at(found, 7, 5).message, "channels: only matters for consumer orders", "add orders:", "remove channels")
    has(at(found, 13, 5).message, "shipping", "add orders:", "remove shipping")
    # and the node has nothing to do: "  - id: fc" on line 4, 'id' at col 5
    has(at(found, 4, 5).message, "'fc' has no demand", "add demand")


# --------------------------------------------------------------------------- orders and shipping
def test_orders_without_shipping_methods(problems):
    text = _edit(SHIPPING_BLOCK, "")
    text = _edit(", shipping: standard}", "}", text)
    text = _edit(", shipping: express}", "}", text)
    p = only(problems(text))
    assert (p.line, p.col) == (7, 5), str(p)  # the 'orders' key
    has(p.message, "node 'fc' takes consumer orders", "no shipping method", "add shipping:",
        "method:", "transit_days:")


def test_duplicate_shipping_method(problems):
    p = only(problems(_edit(SHIPPING_BLOCK, DUPLICATE_METHOD)))
    assert (p.line, p.col) == (17, 10), str(p)  # the third method's 'method'
    has(p.message, "shipping method 'standard'", "twice")


def test_demand_process_as_transit_time(problems):
    p = only(problems(_edit("transit_days: {dist: constant, value: 1}",
                            "transit_days: {dist: step, before: 1, after: 2, day: 3}")))
    assert (p.line, p.col) == (16, 42), str(p)
    has(p.message, "step is a demand process", "transit time")


def test_demand_process_as_order_size(problems):
    # line 7: "    orders: {per_day: 40, size: {dist: ar1, ...}}"; 'size' col 27, 'dist' col 34
    p = only(problems(_edit("{per_day: 40}", "{per_day: 40, size: {dist: ar1, mean: 2, phi: 0.5, sd: 1}}")))
    assert (p.line, p.col) == (7, 34), str(p)
    has(p.message, "not an order size")


def test_orders_per_day_must_be_positive(problems):
    p = only(problems(_edit("{per_day: 40}", "{per_day: 0}")))
    assert (p.line, p.col) == (7, 14), str(p)
    has(p.message, "orders.per_day", "positive", "got 0", "above 0")


@pytest.mark.parametrize("role", ["retailer", "distributor"])
def test_orders_on_a_node_that_is_not_a_3pl(problems, role):
    p = only(problems(_edit("role: 3pl", f"role: {role}")))
    assert (p.line, p.col) == (4, 5), str(p)  # the node "  - id: fc"
    has(p.message, "nodes[1] (fc)", "3pl", "set role: 3pl", "use demand:")


def test_both_demand_and_orders(problems):
    p = only(problems(_edit("    orders: {per_day: 40}\n",
                            "    orders: {per_day: 40}\n    demand: {dist: poisson, mean: 3}\n")))
    assert (p.line, p.col) == (4, 5), str(p)
    has(p.message, "nodes[1] (fc)", "either demand", "or orders", "not both")


def test_3pl_without_supplier(problems):
    found = problems(_edit("lanes:\n  - {from: maker, to: fc}\n", "lanes: []\n"))
    has(at(found, 4, 5).message, "node 'fc'", "no lane supplies it",
        "{from: <supplier>, to: fc}", "infinite_supply: true")
    # the maker now supplies nobody: "  - {id: maker, ..." on line 3, 'id' at col 6
    has(at(found, 3, 6).message, "'maker'", "supplies no node")
    assert len(found) == 2, "\n".join(map(str, found))


def test_3pl_without_supplier_but_other_nodes_supplied(problems):
    text = _edit("lanes:\n", """\
  - id: shop
    role: retailer
    demand: {dist: poisson, mean: 3}
    policy: {type: base_stock, S: 20}
lanes:
  - {from: maker, to: shop}
""")
    text = _edit("  - {from: maker, to: fc}\n", "", text)
    p = only(problems(text))
    assert (p.line, p.col) == (4, 5), str(p)
    has(p.message, "node 'fc'", "no lane supplies it", "{from: <supplier>, to: fc}")


# --------------------------------------------------------------------------- every message names its fix
# The convention of every loader message: "what is wrong; what to do" (the fix after "; ").


@pytest.mark.parametrize(
    ("old", "new", "line", "col"),
    [
        ("    pickers: 2", "    pickers: 0", 11, 5),
        ("cutoff: 15", "cutoff: 25", 13, 5),
        ("share: 0.4", "share: 0.3", 8, 5),
        ("shipping: express}", "shipping: exprss}", 10, 50),
        ("kind: marketplace", "kind: markteplace", 10, 19),
        ("role: 3pl", "role: retailer", 4, 5),
        ("{id: mkt,", "{id: web,", 10, 10),
        (SHIPPING_BLOCK, DUPLICATE_METHOD, 17, 10),
        ("{start: 8, end: 18}", "{start: 18, end: 8}", 12, 5),
        ("transit_days: {dist: constant, value: 1}",
                     "transit_days: {dist: step, before: 1, after: 2, day: 3}", 16, 42),
        ("{per_day: 40}", "{per_day: 40, size: {dist: ar1, mean: 2, phi: 0.5, sd: 1}}",
                     7, 34),
    ],
)
def test_message_names_the_fix(problems, old, new, line, col):
    message = at(problems(_edit(old, new)), line, col).message
    problem, sep, fix = message.partition("; ")
    assert sep and fix.strip(), f"no fix in: {message}"


def test_no_shipping_methods_and_channels_naming_methods(problems):
    found = problems(_edit(SHIPPING_BLOCK, ""))
    has(at(found, 7, 5).message, "no shipping method", "add shipping:")
    for p in found:
        assert not p.message.rstrip().endswith("use one of:"), str(p)


# --------------------------------------------------------------------------- all at once
ALL_AT_ONCE = """\
name: shop
nodes:
  - {id: maker, role: manufacturer, infinite_supply: true}
  - id: fc
    role: 3pl
    policy: {type: base_stock, S: 500}
    orders: {per_day: 40}
    channels:
      - {id: web, kind: website, share: 0.6, shipping: standard}
      - {id: web, kind: marketplace, share: 0.3, shipping: exprss}
    shipping:
      - {method: standard, transit_days: {dist: constant, value: 3}}
      - {method: express, transit_days: {dist: constant, value: 1}}
      - {method: standard, transit_days: {dist: constant, value: 2}}
  - id: fc2
    role: 3pl
    policy: {type: base_stock, S: 50}
    orders: {per_day: 5}
lanes:
  - {from: maker, to: fc}
"""


def test_all_fulfilment_problems_of_a_file_at_once(problems):
    found = problems(ALL_AT_ONCE)
    expected = {
        (8, 5): ["channel shares add up to 0.9"],  # 'channels' of fc
        (10, 10): ["channel id 'web'", "twice"],  # the second channel's 'id'
        (10, 50): ["'exprss'", "did you mean 'express'"],  # its 'shipping' (id: web is as long as id: mkt)
        (14, 10): ["shipping method 'standard'", "twice"],  # the third method's 'method'
        (15, 5): ["node 'fc2'", "no lane supplies it"],  # "  - id: fc2"
        (18, 5): ["node 'fc2'", "no shipping method"],  # fc2's 'orders'
    }
    for (line, col), words in expected.items():
        has(at(found, line, col).message, *words)
    assert len(found) == len(expected), "\n".join(map(str, found))


def test_fulfilment_problems_reported_with_schema_errors(problems):
    # ALL_AT_ONCE plus one schema error: horizon_days: 0 on a new line 2 (every line after moves
    # down one)
    found = problems(_edit("name: shop\n", "name: shop\nhorizon_days: 0\n", ALL_AT_ONCE))
    has(at(found, 2, 1).message, "horizon_days", "positive")
    has(at(found, 9, 5).message, "channel shares add up to 0.9")
    has(at(found, 11, 50).message, "did you mean 'express'")
    has(at(found, 19, 5).message, "node 'fc2'", "no shipping method")


def test_schema_problems_of_a_3pl_at_once(problems):
    text = _edit("    pickers: 2\n", "    pickers: 0\n    packers: -1\n")
    text = _edit("cutoff: 15", "cutoff: 30", text)  # now line 14
    text = _edit("kind: marketplace", "kind: markteplace", text)
    found = problems(text)
    has(at(found, 10, 19).message, "did you mean 'marketplace'")
    has(at(found, 11, 5).message, "pickers", "at least 1")
    has(at(found, 12, 5).message, "packers", "at least 1")
    has(at(found, 14, 5).message, "cutoff", "at most 24")
    assert len(found) == 4, "\n".join(map(str, found))
