"""The 3PL order trace (``chainsim.simulate(..., trace=True).trace``): consistency of every
consumer order's statuses and times, and the order KPIs recomputed from the trace.

Trace contract: one row per order per status, columns scenario, replication, order, node,
channel, method, status, time (days), quantity; statuses ordered → picked → packed → shipped →
delivered; ``picked``/``packed`` = when picking/packing ended, ``shipped`` = handed to the
carrier (= packed), ``delivered`` = shipped + the method's transit time. Order KPIs (documented
in ``metrics.orders.order_kpis``) cover the orders placed after warm-up and shipped by the end of
the run: ``order_lead_time_mean``/``_p95`` over their delivered − ordered (days; the p95 by
``numpy.percentile``, linear interpolation), ``consumer_orders`` = orders placed after warm-up
per day, ``queue_wait_mean`` in minutes, ``on_time_rate`` = share delivered within the
channel's promised days.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import chainsim

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "scenarios" / "examples" / "ecommerce_3pl.yaml"
STATUSES = ["ordered", "picked", "packed", "shipped", "delivered"]
COLUMNS = ["scenario", "replication", "order", "node", "channel", "method", "status", "time",
           "quantity"]
MIN_PER_DAY = 1440.0
EXACT = 1e-9
PICK, PACK = 5.0, 2.0  # constant service minutes of the hand scenario


def _fc(**over) -> dict:
    node = {
        "id": "fc", "role": "3pl",
        "policy": {"type": "base_stock", "S": 100000},
        "orders": {"per_day": 150, "size": {"dist": "empirical", "values": [1, 2]}},
        "channels": [
            {"id": "web", "kind": "website", "share": 0.7, "promised_days": 3.5,
             "shipping": "standard"},
            {"id": "mkt", "kind": "marketplace", "share": 0.3, "fee_pct": 0.1,
             "promised_days": 1.001, "shipping": "express"},
        ],
        "pickers": 2, "pick_time": {"dist": "constant", "value": PICK},
        "packers": 1, "pack_time": {"dist": "constant", "value": PACK},
        "shipping": [
            {"method": "standard", "transit_days": {"dist": "constant", "value": 3},
             "cost_per_parcel": 4},
            {"method": "express", "transit_days": {"dist": "constant", "value": 1},
             "cost_per_parcel": 9},
        ],
        "fees": {"per_order": 1.0, "per_unit": 0.2, "storage": 0.01},
    }
    node.update(over)
    return node


def _hand(name: str, *, lead: float = 1, **over) -> dict:
    return {
        "name": name, "horizon_days": 40, "warmup_days": 5, "replications": 2, "seed": 7,
        "products": [{"id": "item", "unit_cost": 5, "price": 20}],
        "nodes": [{"id": "src", "role": "manufacturer", "infinite_supply": True}, _fc(**over)],
        "lanes": [{"from": "src", "to": "fc", "lead_time": {"dist": "constant", "value": lead}}],
    }


# hand: 24 h a day, effectively infinite stock, constant pick and pack (waits reconstructible)
# tight: finite stock (orders wait for units, backordered), working hours and a cut-off,
#        random service times
# lost: finite stock with lost sales (orders that get nothing never leave 'ordered')
SCENARIOS = {
    "hand": _hand("hand"),
    "tight": _hand("tight", lead=2, policy={"type": "base_stock", "S": 280},
                   hours={"start": 8, "end": 18}, cutoff=15,
                   pick_time={"dist": "exponential", "mean": 4},
                   pack_time={"dist": "gamma", "mean": 3, "cv": 0.5}),
    "lost": _hand("lost", lead=2, policy={"type": "base_stock", "S": 250}, unmet="lost",
                  pick_time={"dist": "exponential", "mean": 4}),
}
NAMES = ["example", *SCENARIOS]


@functools.cache
def _run(name: str):
    """Results of a scenario and the resolved scenario they ran (the example shortened)."""
    if name == "example":
        if not EXAMPLE.exists():
            pytest.skip(f"{EXAMPLE} not written yet")
        res = chainsim.simulate(EXAMPLE, replications=2, days=60, warmup=10, trace=True)
    else:
        res = chainsim.simulate(SCENARIOS[name], trace=True)
    return res.scenario, res


def _setup(name: str):
    """(resolved scenario spec, results, trace with a wide table per order)."""
    scn, res = _run(name)
    tr = res.trace
    assert tr is not None and len(tr), "simulate(trace=True) returned no trace"
    wide = tr.pivot_table(index=["replication", "node", "order"], columns="status",
                          values="time", aggfunc="first")
    wide = wide.reindex(columns=STATUSES)
    return scn, res, tr, wide


def _tpl_nodes(scn):
    return {n.id: n for n in scn.nodes if n.role == "3pl"}


def _kpi(res, node: str, metric: str) -> pd.Series:
    k = res.kpis
    sel = k[(k["node"] == node) & (k["metric"] == metric)]
    assert len(sel), f"{node}.{metric} missing from kpis"
    return sel.set_index("replication")["value"]


# --------------------------------------------------------------------------- structure
@pytest.mark.parametrize("name", NAMES)
def test_trace_columns_and_statuses(name):
    scn, res, tr, _ = _setup(name)
    assert list(tr.columns) == COLUMNS
    assert set(tr["status"]) <= set(STATUSES)
    assert set(tr["scenario"]) == {scn.name}
    assert set(tr["replication"]) == set(range(scn.replications))
    assert set(tr["node"]) <= set(_tpl_nodes(scn))
    assert np.all(np.isfinite(tr["time"].to_numpy(dtype=float)))
    # one row per order per status
    assert not tr.duplicated(["replication", "node", "order", "status"]).any()
    # channel, method and size are properties of the order: the same on all its rows
    per_order = tr.groupby(["replication", "node", "order"])[["channel", "method", "quantity"]]
    assert (per_order.nunique() == 1).all().all()
    q = tr["quantity"].to_numpy(dtype=float)
    assert np.all(q >= 1) and np.all(q == np.round(q))


@pytest.mark.parametrize("name", NAMES)
def test_every_later_status_has_all_earlier_ones(name):
    _, _, _, wide = _setup(name)
    present = wide.notna().to_numpy()
    assert present[:, 0].all(), "an order without an 'ordered' row"
    # the statuses an order has are a prefix of ordered → picked → packed → shipped → delivered
    later_without_earlier = present[:, 1:] & ~present[:, :-1]
    bad = wide[later_without_earlier.any(axis=1)]
    assert bad.empty, f"orders with a later status but not an earlier one:\n{bad.head()}"
    # 'shipped' and 'delivered' come together (the delivery time is known at hand-over)
    assert (present[:, 3] == present[:, 4]).all()


@pytest.mark.parametrize("name", NAMES)
def test_timestamps_never_go_backwards(name):
    scn, _, _, wide = _setup(name)
    t = wide.to_numpy(dtype=float)
    steps = np.diff(t, axis=1)  # NaN where a status is missing (covered by the prefix test)
    assert not np.any(steps[np.isfinite(steps)] < 0), "a status earlier than the one before it"
    # handed to the carrier the moment packing ends
    both = np.isfinite(t[:, 2]) & np.isfinite(t[:, 3])
    assert np.array_equal(t[both, 2], t[both, 3])
    # nothing happens before time 0; everything but the delivery happens within the run
    end = scn.warmup_days + scn.horizon_days
    assert np.nanmin(t) >= 0
    assert np.nanmax(t[:, :4]) <= end + EXACT
    # orders are numbered in arrival order, per replication and node
    for _, g in wide.groupby(level=["replication", "node"]):
        g = g.sort_index(level="order")
        assert np.all(np.diff(g["ordered"].to_numpy(dtype=float)) >= 0)
        assert np.array_equal(g.index.get_level_values("order"), np.arange(len(g)))


@pytest.mark.parametrize("name", NAMES)
def test_delivered_is_shipped_plus_the_methods_transit(name):
    scn, _, tr, wide = _setup(name)
    methods = tr.groupby(["replication", "node", "order"])["method"].first()
    transit = (wide["delivered"] - wide["shipped"]).dropna()
    methods = methods.loc[transit.index]
    nodes = _tpl_nodes(scn)
    for (node_id, method), dt in transit.groupby([transit.index.get_level_values("node"),
                                                  methods.to_numpy()]):
        spec = {m.method: m for m in nodes[node_id].shipping}
        assert method in spec, f"{node_id}: unknown shipping method {method!r} in the trace"
        dist = spec[method].transit_days
        v = dt.to_numpy(dtype=float)
        if dist.dist == "constant":  # constant transit: delivered − shipped is exact
            assert np.allclose(v, dist.value, rtol=0, atol=EXACT), (method, v.min(), v.max())
        elif dist.dist == "uniform":
            assert v.min() >= dist.low - EXACT and v.max() <= dist.high + EXACT
        else:
            assert v.min() >= 0


@pytest.mark.parametrize("name", NAMES)
def test_channel_uses_its_shipping_method(name):
    scn, _, tr, _ = _setup(name)
    for node_id, node in _tpl_nodes(scn).items():
        rows = tr[tr["node"] == node_id]
        chosen = rows.groupby("channel")["method"].unique()
        for ch in node.channels or []:
            if ch.id not in chosen.index:
                continue
            assert len(chosen[ch.id]) == 1, f"{ch.id} ships by {list(chosen[ch.id])}"
            if ch.shipping is not None:
                assert chosen[ch.id][0] == ch.shipping


# --------------------------------------------------------------------------- KPIs from the trace
def _counted(scn, wide):
    """Per order: placed after warm-up and shipped (delivered row) — the KPI population."""
    warmup = scn.warmup_days
    placed = wide["ordered"] >= warmup
    return warmup, placed, placed & wide["delivered"].notna()


@pytest.mark.parametrize("name", NAMES)
def test_order_kpis_match_the_trace(name):
    scn, res, tr, wide = _setup(name)
    warmup, placed, counted = _counted(scn, wide)
    days = scn.horizon_days
    lead = (wide["delivered"] - wide["ordered"])[counted]
    channel = tr.groupby(["replication", "node", "order"])["channel"].first()
    for node_id, node in _tpl_nodes(scn).items():
        promised = {c.id: c.promised_days for c in node.channels or []}
        for rep, mean in _kpi(res, node_id, "order_lead_time_mean").items():
            lt = lead.xs((rep, node_id), level=["replication", "node"]).to_numpy(dtype=float)
            assert len(lt) > 0
            assert mean == pytest.approx(lt.mean(), rel=0, abs=EXACT)
            p95 = _kpi(res, node_id, "order_lead_time_p95")[rep]
            assert p95 == pytest.approx(np.percentile(lt, 95), rel=0, abs=EXACT)
            n = placed.xs((rep, node_id), level=["replication", "node"]).sum()
            assert _kpi(res, node_id, "consumer_orders")[rep] == pytest.approx(n / days,
                                                                              abs=EXACT)
            # on time: delivered within the channel's promise (no promise: on time)
            ch = channel.loc[lead.index].xs((rep, node_id), level=["replication", "node"])
            promise = np.array([promised.get(c) or np.inf for c in ch], dtype=float)
            on_time = float(np.mean(lt <= promise + 1e-9))
            assert _kpi(res, node_id, "on_time_rate")[rep] == pytest.approx(on_time, abs=EXACT)
            # per channel: orders per day and mean lead time
            for c in node.channels or []:
                sel = (ch == c.id).to_numpy()
                key = f"{node_id}/{c.id}"
                assert _kpi(res, key, "order_lead_time_mean")[rep] == pytest.approx(
                    lt[sel].mean(), abs=EXACT)


def test_waits_and_demand_of_the_deterministic_hand_scenario():
    # 24 h a day, stock never short, constant pick (5 min) and pack (2 min): an order's time in
    # the building is exactly its waits plus 7 minutes, so queue_wait_mean (minutes waited for
    # a picker plus for a packer) and queue_wait_prob follow from the trace alone.
    scn, res, tr, wide = _setup("hand")
    warmup, placed, counted = _counted(scn, wide)
    days = scn.horizon_days
    inside = ((wide["shipped"] - wide["ordered"]) * MIN_PER_DAY - PICK - PACK)[counted]
    assert inside.min() >= -1e-6  # never faster than the service times
    units = tr[tr["status"] == "ordered"].set_index(["replication", "node", "order"])["quantity"]
    for rep in range(scn.replications):
        w = inside.xs((rep, "fc"), level=["replication", "node"]).to_numpy(dtype=float)
        assert _kpi(res, "fc", "queue_wait_mean")[rep] == pytest.approx(w.mean(), abs=1e-6)
        assert _kpi(res, "fc", "queue_wait_prob")[rep] == pytest.approx(np.mean(w > 1e-6),
                                                                       abs=EXACT)
        # units asked per day after warm-up; with stock never short all are served at once
        u = units.xs((rep, "fc"), level=["replication", "node"])[
            placed.xs((rep, "fc"), level=["replication", "node"]).to_numpy()].sum()
        assert _kpi(res, "fc", "demand")[rep] == pytest.approx(u / days, abs=EXACT)
        assert _kpi(res, "fc", "fill_rate")[rep] == pytest.approx(1.0, abs=EXACT)
        assert _kpi(res, "fc", "backorders")[rep] == pytest.approx(0.0, abs=EXACT)
        assert _kpi(res, "fc", "lost_sales")[rep] == pytest.approx(0.0, abs=EXACT)


def test_picker_utilization_of_the_deterministic_hand_scenario():
    # utilization_pickers = busy time / (pickers × time open). With constant 5-minute picks the
    # trace gives every picking interval [picked − 5 min, picked]; their overlap with the
    # statistics window [warm-up, end] is the busy time, up to edge effects: the engine counts
    # the picks of the orders placed after warm-up, so picks of orders placed before warm-up
    # (in the window, not in the engine's count) and orders placed after warm-up that have no
    # 'picked' row (possibly in service at the end: in the engine's count, not in ours) may
    # differ, each by at most one pick of 5 minutes.
    scn, res, _, wide = _setup("hand")
    warmup, end, c = scn.warmup_days, scn.warmup_days + scn.horizon_days, 2
    m = PICK / MIN_PER_DAY
    for rep in range(scn.replications):
        w = wide.xs((rep, "fc"), level=["replication", "node"])
        picked = w["picked"].dropna().to_numpy(dtype=float)
        busy = np.clip(np.minimum(picked, end) - np.maximum(picked - m, warmup), 0, None).sum()
        before = int(((w["ordered"] < warmup) & (w["picked"] > warmup)).sum())
        running = int(((w["ordered"] >= warmup) & w["picked"].isna()).sum())
        assert running <= 3 * c  # only the last few orders of the run
        util = _kpi(res, "fc", "utilization_pickers")[rep]
        diff = util - busy / (c * scn.horizon_days)
        scale = m / (c * scn.horizon_days)  # one pick in utilisation units
        assert -before * scale - EXACT <= diff <= running * scale + EXACT, (diff / scale,
                                                                           before, running)
        assert _kpi(res, "fc", "utilization_packers")[rep] > 0


def test_lost_orders_stop_at_ordered_and_tight_orders_wait_for_stock():
    # with lost sales some orders get no unit and never leave 'ordered' (stock runs short with
    # S = 250 against ~225 units of demand over the 2-day lead time + 1 day)
    _, res, _, wide = _setup("lost")
    assert wide["picked"].isna().sum() > 0
    assert _kpi(res, "fc", "lost_sales").mean() > 0
    # backordered orders all ship eventually, apart from the last ones
    scn, res, _, wide = _setup("tight")
    end = scn.warmup_days + scn.horizon_days
    stuck = wide[wide["shipped"].isna()]
    assert (stuck["ordered"] > end - 5).all(), stuck.head()
    assert _kpi(res, "fc", "backorders").mean() > 0
    # working hours 8-18: picking and packing end only inside working hours (a service that
    # starts before 18:00 may run past it, by at most one service time ~ well under 2 hours)
    hour = (wide["picked"].dropna() % 1.0) * 24
    assert ((hour >= 8 - 1e-9) & (hour <= 20)).all()


def test_cutoff_and_working_hours_delay_picking():
    # tight: hours 8-18, cut-off 15:00. An order placed after the cut-off is picked the next
    # working day (not before 8:00 of the next day); one placed before 8:00 is picked after
    # 8:00 the same day.
    _, _, _, wide = _setup("tight")
    w = wide.dropna(subset=["picked"])
    day = np.floor(w["ordered"].to_numpy(dtype=float))
    hour = (w["ordered"].to_numpy(dtype=float) - day) * 24
    picked = w["picked"].to_numpy(dtype=float)
    late = hour >= 15
    early = hour < 8
    assert late.any() and early.any()
    assert np.all(picked[late] >= day[late] + 1 + 8 / 24 - EXACT)
    assert np.all(picked[early] >= day[early] + 8 / 24 - EXACT)
