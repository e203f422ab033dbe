"""Money per firm (owner:) and per market channel add up the nodes' own rows (by definition)."""

from __future__ import annotations

from pathlib import Path

import pytest

import chainsim

STRATEGIES = Path(__file__).resolve().parents[2] / "scenarios" / "strategies"


def rows_of(name):
    res = chainsim.simulate(STRATEGIES / f"{name}.yaml", replications=2, days=30, warmup=10)
    return {(r.replication, r.node, r.metric): r.value for r in res.kpis.itertuples()}


@pytest.fixture(scope="module")
def direct():
    return rows_of("direct")


@pytest.fixture(scope="module")
def intensive():
    return rows_of("intensive")


def value(rows, node, metric, rep=0):
    return rows[(rep, node, metric)]


def test_owner_rows_add_up_the_owned_nodes(direct):
    owned = ("plant", "fc")  # owner: brand in direct.yaml (the plant and its 3PL stock)
    for metric in ("revenue", "purchase_cost", "total_cost", "profit", "units_sold"):
        want = sum(value(direct, n, metric) for n in owned)
        assert value(direct, "owner:brand", metric) == pytest.approx(want, rel=1e-12)


def test_network_profit_counts_each_node_once(direct):
    want = sum(value(direct, n, "profit") for n in ("plant", "fc"))
    assert value(direct, "network", "channel_profit") == pytest.approx(want, rel=1e-12)


def test_channel_rows_are_their_outlets_sales(intensive):
    # every store sells through channel 'store', the marketplace sellers through 'marketplace'
    stores = [n for (rep, n, m) in intensive if rep == 0 and m == "units_sold"
              and n.split("-")[0] in ("metro", "city", "suburbs", "rural")]
    assert len(stores) == 24
    sold = sum(value(intensive, n, "units_sold") for n in stores)
    assert value(intensive, "channel:store", "units_sold") == pytest.approx(sold)
    assert value(intensive, "channel:store", "revenue") == pytest.approx(sold * 38)
    assert value(intensive, "channel:store", "channel_fees") == 0
    online = value(intensive, "marketplace-sellers", "units_sold")
    assert value(intensive, "channel:marketplace", "units_sold") == pytest.approx(online)
    fees = value(intensive, "channel:marketplace", "channel_fees")
    assert fees == pytest.approx(0.15 * value(intensive, "channel:marketplace", "revenue"))
