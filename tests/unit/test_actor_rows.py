"""Money per firm (owner:) and per market channel add up the nodes' own rows (by definition)."""

from __future__ import annotations

from pathlib import Path

import pytest

import chainsim

STRATEGIES = Path(__file__).resolve().parents[2] / "scenarios" / "strategies"


@pytest.fixture(scope="module")
def direct():
    res = chainsim.simulate(STRATEGIES / "direct.yaml", replications=2, days=40, warmup=10)
    k = res.kpis
    return {(r.replication, r.node, r.metric): r.value for r in k.itertuples()}


def value(rows, node, metric, rep=0):
    return rows[(rep, node, metric)]


def test_owner_rows_add_up_the_owned_nodes(direct):
    owned = ("plant", "webshop", "marketplace-shop")  # owner: brand in direct.yaml
    for metric in ("revenue", "purchase_cost", "total_cost", "profit", "units_sold"):
        want = sum(value(direct, n, metric) for n in owned)
        assert value(direct, "owner:brand", metric) == pytest.approx(want, rel=1e-12)


def test_network_profit_counts_each_node_once(direct):
    nodes = ("plant", "webshop", "marketplace-shop")
    want = sum(value(direct, n, "profit") for n in nodes)
    assert value(direct, "network", "channel_profit") == pytest.approx(want, rel=1e-12)


def test_channel_rows_are_their_outlets_sales(direct):
    # each online shop sells through one channel: its row is that shop's sales and fees
    for shop, channel in (("webshop", "website"), ("marketplace-shop", "marketplace")):
        sold = value(direct, shop, "units_sold")
        assert value(direct, f"channel:{channel}", "units_sold") == pytest.approx(sold)
        assert value(direct, f"channel:{channel}", "revenue") == pytest.approx(sold * 40)
    fees = value(direct, "channel:marketplace", "channel_fees")
    assert fees == pytest.approx(0.15 * value(direct, "channel:marketplace", "revenue"))
    assert value(direct, "channel:website", "channel_fees") == 0
