"""Supplier coordination on hand-worked cases: split sourcing, primary/backup, outages day by
day, make_to_order and dropship (README "Supplier coordination", DESIGN §2).

Demand and lead times are constant unless a test says otherwise, so every expected number below
is worked out by hand from the phase order: 1. receive (serve backorders FIFO), 2. outages start
or end, then review and order from the consumer end upstream, 3. demand, 4. end-of-day levels.
A base-stock node that starts at S orders nothing on day 0 and, from day 1 on, yesterday's
demand. Random cases (Poisson demand, outages) are checked day by day against an oracle written
here from the documented rule, never against the simulator's own numbers.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from chainsim.engine.run import Simulation, resolve
from chainsim.errors import ScenarioError

from .helpers import const, kpis, lane, node, run, scenario, series, source


def shop(node_id="shop", S=0, demand=None, policy=None, **extra):
    return {"id": node_id, "role": "retailer",
            "demand": demand if demand is not None else const(4),
            "policy": policy or {"type": "base_stock", "S": S}, **extra}


def poisson(mean):
    return {"dist": "poisson", "mean": mean}


class Recorded(Simulation):
    """A simulation that also records, at the end of each day, whether each node is out."""

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.out = {n.id: [] for n in self.net.nodes}

    def close(self, day):
        for n in self.net.nodes:
            self.out[n.id].append(n.out)
        super().close(day)


def recorded(scn) -> Recorded:
    return Recorded(resolve(scn), 0, timeseries=True, vectorize=False).run()


def col(sim, node_id, field) -> np.ndarray:
    return series(sim, node_id)[field].to_numpy()


def largest_remainder(q: int, shares: list[str]) -> list[int]:
    """Oracle: whole-unit parts of an order of q units by largest remainder, in exact
    arithmetic (shares as decimal strings); ties go to the earlier lane."""
    exact = [q * Fraction(s) for s in shares]
    parts = [math.floor(x) for x in exact]
    left = q - sum(parts)
    order = sorted(range(len(parts)), key=lambda k: -(exact[k] - parts[k]))  # stable: lane order
    for k in order[:left]:
        parts[k] += 1
    return parts


# --------------------------------------------------------------------------- split
@pytest.mark.parametrize(
    ("demand", "shares", "parts"),
    [
        # 10 units at 0.7/0.3: 7 and 3 exactly
        (10, ["0.7", "0.3"], [7, 3]),
        # 7 units at 0.7/0.3: 4.9 and 2.1 -> floors 4 + 2 = 6, the unit left goes to the larger
        # remainder (0.9): 5 and 2
        (7, ["0.7", "0.3"], [5, 2]),
        # 10 units at 0.5/0.3/0.2: 5, 3, 2 exactly
        (10, ["0.5", "0.3", "0.2"], [5, 3, 2]),
        # 7 units at 0.5/0.3/0.2: 3.5, 2.1, 1.4 -> floors 3 + 2 + 1 = 6, one unit left, to the
        # largest remainder 0.5: 4, 2, 1
        (7, ["0.5", "0.3", "0.2"], [4, 2, 1]),
    ],
)
def test_split_sends_each_supplier_its_share_of_every_order(demand, shares, parts):
    # shop: constant demand d, base stock S = 2d, lead time 1 from every supplier; from day 1
    # it orders d every day, split by the lanes' shares. Warm-up 1 day: every counted day has
    # one order of d.
    names = ["a", "b", "c"][:len(shares)]
    scn = scenario([*(source(n) for n in names),
                    shop(S=2 * demand, demand=const(demand), sourcing={"rule": "split"})],
                   [lane(n, "shop", 1, share=float(s)) for n, s in zip(names, shares, strict=True)],
                   horizon=40, warmup=1)
    sim = run(scn)
    assert kpis(sim, "shop")["orders"] == demand
    for n, part in zip(names, parts, strict=True):
        k = kpis(sim, n)
        assert (k["demand"], k["shipped"]) == (part, part), n
        # each order's part is within one unit of q * share
        assert abs(part - demand * float(shares[names.index(n)])) < 1
    # nothing is lost: the shop ends every day at S - 2d = 0 on hand, no backorders
    k = kpis(sim, "shop")
    assert (k["on_hand"], k["backorders"], k["fill_rate"]) == (0, 0, 1)


@pytest.mark.parametrize("shares", [["0.7", "0.3"], ["0.5", "0.3", "0.2"]])
def test_split_of_random_orders_is_largest_remainder_every_day(shares):
    # Poisson(8) demand: the shop's order on day t is the demand of day t - 1, a random whole
    # number; each supplier is asked, that same day, exactly its largest-remainder part.
    names = ["a", "b", "c"][:len(shares)]
    scn = scenario([*(source(n) for n in names),
                    shop(S=30, demand=poisson(8), sourcing={"rule": "split"})],
                   [lane(n, "shop", 2, share=float(s)) for n, s in zip(names, shares, strict=True)],
                   horizon=400, seed=5)
    sim = run(scn)
    orders = col(sim, "shop", "orders").astype(int)
    asked = np.column_stack([col(sim, n, "demand") for n in names])
    shipped = np.column_stack([col(sim, n, "shipments") for n in names])
    assert orders.sum() > 3000  # ~ 8 a day
    expected = np.array([largest_remainder(int(q), shares) for q in orders])
    np.testing.assert_array_equal(asked, expected)
    np.testing.assert_array_equal(shipped, expected)  # infinite sources ship at once
    # The bound: every order's parts add up to it and each differs from q * share by < 1 unit
    # (by <= 1/2 with two suppliers: largest remainder is then rounding to the nearest unit),
    # so over N orders supplier i's total is within N (N / 2 with two) of share_i * total.
    w = np.array([float(s) for s in shares])
    np.testing.assert_array_equal(asked.sum(axis=1), orders)
    err = asked - orders[:, None] * w
    bound = 0.5 if len(shares) == 2 else 1.0
    assert np.all(np.abs(err) <= bound + 1e-9) and np.all(np.abs(err) < 1)
    n_orders = int((orders > 0).sum())
    assert np.all(np.abs(asked.sum(axis=0) - w * orders.sum()) <= bound * n_orders)


def test_split_rejects_priority():
    # priority only orders primary and backups; on a split it would do nothing, so it is an error
    scn = scenario([source("a"), source("b"),
                    shop(S=20, demand=const(10), sourcing={"rule": "split"})],
                   [lane("a", "shop", 1, share=0.7, priority=2),
                    lane("b", "shop", 1, share=0.3, priority=1)], horizon=20, warmup=1)
    with pytest.raises(ScenarioError, match="priority only matters"):
        run(scn)


def _split_dc_under_real_valued_orders():
    # dc (integer S, no consumer demand) splits its orders 0.5/0.5 between two infinite
    # sources; the shop below it has normal (real-valued) demand, so the shop's orders, and
    # hence the dc's (base stock: order what was taken out), are not whole numbers.
    nodes = [source("a"), source("b"),
             {"id": "dc", "role": "distributor", "policy": {"type": "base_stock", "S": 100},
              "sourcing": {"rule": "split"}},
             shop(S=40, demand={"dist": "normal", "mean": 10.3, "sd": 2})]
    lanes = [lane("a", "dc", 1, share=0.5), lane("b", "dc", 1, share=0.5),
             lane("dc", "shop", 1)]
    return run(scenario(nodes, lanes, horizon=200))


def test_split_at_a_node_ordering_real_quantities_asks_for_every_unit_ordered():
    sim = _split_dc_under_real_valued_orders()
    ordered = col(sim, "dc", "orders").sum()
    asked = col(sim, "a", "demand").sum() + col(sim, "b", "demand").sum()
    assert asked == pytest.approx(ordered, rel=1e-12)
    dc = node(sim, "dc")
    # infinite sources ship at once: all the dc has on order is in transit
    assert dc.on_order == pytest.approx(dc.in_transit, abs=1e-9)


# --------------------------------------------------------------------------- outages
def _outage_run():
    # sup (infinite, outage q = 0.3 a day, 2 days) -> shop (constant demand 4, S = 12, L = 1).
    # The shop orders 4 every day from day 1 whatever the supplier does (its inventory position
    # counts what the supplier owes).
    scn = scenario([source("sup", outage={"start_prob": 0.3, "duration": const(2)}),
                    shop(S=12, demand=const(4))],
                   [lane("sup", "shop", 1)], horizon=200, seed=1)
    return recorded(scn)


def _restart_days(out: list[bool], m: int) -> set[int]:
    """Days on which an outage of m days ended and the next began at once: in a run of
    consecutive out days, the days at positions m, 2m, ... (durations are constant m)."""
    days, k = set(), 0
    for t, o in enumerate(out):
        k = k + 1 if o else 0
        if o and k > 1 and (k - 1) % m == 0:
            days.add(t)
    return days


def test_outage_holds_the_orders_and_ships_them_all_on_recovery():
    sim = _outage_run()
    out = sim.out["sup"]
    orders = col(sim, "shop", "orders")
    asked, shipped = col(sim, "sup", "demand"), col(sim, "sup", "shipments")
    backlog = col(sim, "sup", "backorders")
    np.testing.assert_array_equal(orders, [0] + [4] * 199)
    np.testing.assert_array_equal(asked, orders)
    restarts = _restart_days(out, 2)
    assert 20 < sum(out) < 120  # ~ 0.3 * 2 / (0.7 + 0.6) = 46 % of the days (seed 1)
    owed = 0.0  # asked of sup and not yet shipped, before today
    for t in range(200):
        owed_today = owed + asked[t]
        if not out[t]:
            # available: everything owed ships today (an infinite source), nothing waits
            assert (shipped[t], backlog[t]) == (owed_today, 0), t
        elif t not in restarts:
            # in an outage: nothing ships, today's order joins the backlog
            assert (shipped[t], backlog[t]) == (0, owed_today), t
        owed = owed_today - shipped[t]
    # a recovery day after one outage of 2 days ships the 2 held orders and today's: 12
    recoveries = [t for t in range(3, 200) if out[t - 1] and out[t - 2] and not out[t - 3]
                  and not out[t]]
    assert recoveries
    for t in recoveries:
        assert shipped[t] == 12, t


def test_a_supplier_ships_nothing_on_any_day_it_is_out():
    sim = _outage_run()
    out = np.array(sim.out["sup"])
    assert _restart_days(sim.out["sup"], 2)  # the case occurs with this seed
    shipped = col(sim, "sup", "shipments")
    assert not np.any(shipped[out]), np.flatnonzero(out & (shipped > 0))


def test_availability_counts_the_days_up_after_warmup():
    # availability = days not out after warm-up / days after warm-up, from the recorded flags
    scn = scenario([source("sup", outage={"start_prob": 0.2, "duration": const(3)}),
                    shop(S=12, demand=const(4))],
                   [lane("sup", "shop", 1)], horizon=150, warmup=30, seed=4)
    sim = recorded(scn)
    up = 150 - sum(sim.out["sup"][30:])
    assert kpis(sim, "sup")["availability"] == pytest.approx(up / 150, abs=1e-12)
    assert "availability" not in kpis(sim, "shop")


# --------------------------------------------------------------------------- primary / backup
def _primary_backup(lanes, *, maker_extra=None, demand=None, horizon=60, warmup=1, seed=1):
    nodes = [source("maker", **(maker_extra or {})), source("trader"),
             shop(S=16, demand=demand or poisson(8), sourcing={"rule": "primary_backup"})]
    return scenario(nodes, lanes, horizon=horizon, warmup=warmup, seed=seed)


@pytest.mark.parametrize("maker_extra", [{}, {"outage": {"start_prob": 0.0, "duration": const(5)}}])
def test_backup_ships_nothing_while_the_primary_never_fails(maker_extra):
    scn = _primary_backup([lane("maker", "shop", 1), lane("trader", "shop", 1)],
                          maker_extra=maker_extra)
    sim = run(scn)
    t, m, s = kpis(sim, "trader"), kpis(sim, "maker"), kpis(sim, "shop")
    assert (t["demand"], t["shipped"]) == (0, 0)
    assert m["demand"] == s["orders"] > 0
    if maker_extra:
        assert m["availability"] == 1


@pytest.mark.parametrize(
    ("lanes", "first"),
    [
        # no priority: lane order decides, the first lane is the primary
        ([lane("trader", "shop", 1), lane("maker", "shop", 1)], "trader"),
        # priority overrides lane order: lower goes first
        ([lane("trader", "shop", 1, priority=2), lane("maker", "shop", 1, priority=1)], "maker"),
        ([lane("maker", "shop", 1, priority=5), lane("trader", "shop", 1, priority=-1)], "trader"),
    ],
)
def test_priority_overrides_lane_order(lanes, first):
    sim = run(_primary_backup(lanes))
    other = {"maker": "trader", "trader": "maker"}[first]
    assert kpis(sim, first)["demand"] == kpis(sim, "shop")["orders"] > 0
    assert kpis(sim, other)["demand"] == 0


def test_backup_gets_exactly_the_orders_of_the_primary_s_out_days():
    # maker (primary, infinite, outage q = 0.15, 1-4 days) and trader (backup, infinite); shop
    # with constant demand 4 and base stock orders 4 every day from day 1. An infinite primary
    # that is up ships at once, so it never owes anything: each order goes to the trader iff
    # the maker is out that day.
    scn = _primary_backup([lane("maker", "shop", 2), lane("trader", "shop", 1)],
                          maker_extra={"outage": {"start_prob": 0.15,
                                                  "duration": {"dist": "uniform", "low": 0.5,
                                                               "high": 4}}},
                          demand=const(4), horizon=300, warmup=20, seed=3)
    sim = recorded(scn)
    out = np.array(sim.out["maker"])
    assert 30 < out.sum() < 200
    want = np.where(np.arange(320) >= 1, 4.0, 0.0)
    np.testing.assert_array_equal(col(sim, "trader", "demand"), np.where(out, want, 0))
    np.testing.assert_array_equal(col(sim, "maker", "demand"), np.where(out, 0, want))
    np.testing.assert_array_equal(col(sim, "maker", "backorders"), 0)
    # so, after warm-up (an order of 4 every day): backup demand = 4 (1 - availability)
    avail = kpis(sim, "maker")["availability"]
    assert kpis(sim, "trader")["demand"] == pytest.approx(4 * (1 - avail), abs=1e-12)
    assert kpis(sim, "maker")["demand"] == pytest.approx(4 * avail, abs=1e-12)


# the shop must review before the dc whatever the order of its lanes (DESIGN §2: a node
# reviews after every node it supplies); depth is the longest supply path, not the last lane's


@pytest.mark.parametrize("backup_lane_last", [
    False, True])
def test_backup_takes_over_while_a_stocking_primary_has_nothing_on_hand(backup_lane_last):
    # plant -> dc (primary: base stock S = 10, lead time 20) -> shop; trader (backup, infinite)
    # -> shop; both shop lanes lead time 0, dc first by priority (the lanes' order in the file
    # must not matter). Shop: demand 4, S = 4.
    # day 0: nobody orders (both start at S); shop sells 4, on hand 0.
    # days 1, 2: shop orders 4 from dc (on hand 10, then 6): dc ships 4, orders 4 (due 21, 22).
    # day 3: dc has 2 > 0, so it gets the order: ships 2, owes 2; dc IP = 0 + 8 - 2 -> orders 4
    #   (due 23). Shop: 2 received, on order 2, sells 2, backorders 2.
    # days 4..20: dc on hand 0 -> the order (IP 0 + 2 - 2 = 0: 4) goes to the trader.
    # day 21: dc receives 4, ships the 2 it owes, keeps 2: the shop's order goes to dc again
    #   (ships 2, owes 2, reorders 4 due 41); likewise days 22, 23; days 24..40 trader again; ...
    into_shop = [lane("dc", "shop", 0, priority=1), lane("trader", "shop", 0, priority=2)]
    if not backup_lane_last:
        into_shop.reverse()
    scn = scenario(
        [source("plant"), source("trader"),
         {"id": "dc", "role": "distributor", "policy": {"type": "base_stock", "S": 10}},
         shop(S=4, demand=const(4), sourcing={"rule": "primary_backup"})],
        [lane("plant", "dc", 20), *into_shop], horizon=45)
    sim = run(scn)
    dc_days = {1, 2, 3, 21, 22, 23, 41, 42, 43}
    trader_days = set(range(1, 45)) - dc_days
    days = np.arange(45)
    np.testing.assert_array_equal(col(sim, "dc", "demand"), np.isin(days, list(dc_days)) * 4)
    np.testing.assert_array_equal(col(sim, "trader", "demand"),
                                  np.isin(days, list(trader_days)) * 4)
    np.testing.assert_array_equal(col(sim, "dc", "shipments")[[1, 2, 3, 21, 22, 23]],
                                  [4, 4, 2, 4, 4, 4])  # day 21+: the 2 owed and 2 of today's
    np.testing.assert_array_equal(col(sim, "shop", "backorders")[[0, 1, 2, 3, 4, 20, 21]],
                                  [0, 0, 0, 2, 2, 2, 2])


# --------------------------------------------------------------------------- make_to_order
@pytest.mark.parametrize("L", [0, 1, 3])
def test_make_to_order_orders_yesterday_s_demand_and_holds_nothing(L):
    # shop with make_to_order (S = 0, starts empty), constant demand 5, lead time L.
    # Day 0: IP 0, no order; demand 5 backordered. Day t >= 1: IP = -(what was asked and not
    # ordered) = -5: it orders 5, received on day t + L (at once with L = 0) and given to the
    # waiting consumers. End of day t: on hand 0, backorders = demand of days max(0, t-L)..t =
    # 5 min(t + 1, L + 1), on order = 5 min(t, L).
    d = 5
    scn = scenario([source(), shop(policy={"type": "make_to_order"}, demand=const(d))],
                   [lane("src", "shop", L)], horizon=20)
    sim = run(scn)
    t = np.arange(20)
    np.testing.assert_array_equal(col(sim, "shop", "orders"), np.where(t >= 1, d, 0))
    np.testing.assert_array_equal(col(sim, "shop", "on_hand"), 0)
    np.testing.assert_array_equal(col(sim, "shop", "backorders"), d * np.minimum(t + 1, L + 1))
    np.testing.assert_array_equal(col(sim, "shop", "on_order"), d * np.minimum(t, L))
    # after warm-up (L + 1 days) in steady state
    scn["warmup_days"] = L + 1
    k = kpis(run(scn), "shop")
    assert k["on_hand"] == 0 and k["backorders"] == d * (L + 1) and k["on_order"] == d * L
    assert k["fill_rate"] == 0  # every unit waits at least until the next day's order
    assert k["units_sold"] == d and k["order_frequency"] == 1 and k["cycle_service_level"] == 0


def test_make_to_order_with_random_demand():
    # orders[t] = demand[t-1]; backorders[t] = demand[t-L] + ... + demand[t] (L = 2)
    scn = scenario([source(), shop(policy={"type": "make_to_order"}, demand=poisson(6))],
                   [lane("src", "shop", 2)], horizon=300, seed=9)
    sim = run(scn)
    dem, orders = col(sim, "shop", "demand"), col(sim, "shop", "orders")
    np.testing.assert_array_equal(orders, np.concatenate([[0], dem[:-1]]))
    window = np.convolve(dem, np.ones(3))[:300]
    np.testing.assert_array_equal(col(sim, "shop", "backorders"), window)
    np.testing.assert_array_equal(col(sim, "shop", "on_hand"), 0)


def test_make_to_order_upstream_passes_orders_on_the_same_day():
    # plant -(L2 = 2)-> dc (make_to_order) -(L1 = 1)-> shop (base stock S = 23, demand 5).
    # A supplier reviews after its buyers (DESIGN §2): the shop's order of day t is backordered
    # at the dc, whose IP is then -5, so the dc orders 5 that same day; it arrives on t + 2 and
    # is shipped at once, reaching the shop on t + 3. So the shop sees lead time 3: S = 23 =
    # 4 * 5 + 3 leaves 3 on hand at the end of each day from day 3 on, no backorders.
    # The dc: on hand 0, owes the orders of the last 2 days (10), has 10 on order.
    scn = scenario([source("plant"),
                    {"id": "dc", "role": "distributor", "policy": {"type": "make_to_order"}},
                    shop(S=23, demand=const(5))],
                   [lane("plant", "dc", 2), lane("dc", "shop", 1)], horizon=30)
    sim = run(scn)
    np.testing.assert_array_equal(col(sim, "dc", "orders"), col(sim, "shop", "orders"))
    np.testing.assert_array_equal(col(sim, "shop", "on_hand")[:5], [18, 13, 8, 3, 3])
    np.testing.assert_array_equal(col(sim, "shop", "on_hand")[3:], 3)
    np.testing.assert_array_equal(col(sim, "shop", "backorders"), 0)
    np.testing.assert_array_equal(col(sim, "dc", "on_hand"), 0)
    np.testing.assert_array_equal(col(sim, "dc", "backorders")[2:], 10)
    np.testing.assert_array_equal(col(sim, "dc", "on_order")[2:], 10)


# --------------------------------------------------------------------------- dropship
@pytest.mark.parametrize("L", [1, 2, 5])
def test_dropship_consumers_wait_exactly_the_lead_time(L):
    # seller with dropship, constant demand 4, infinite supplier, lead time L: day t's demand is
    # backordered and ordered at once (orders = demand the same day), reaches the consumers on
    # day t + L. End of day t: on hand 0, backorders = demand of days t-L+1..t = 4 min(t+1, L).
    d = 4
    scn = scenario([source(), shop(policy={"type": "dropship"}, demand=const(d))],
                   [lane("src", "shop", L)], horizon=20)
    sim = run(scn)
    t = np.arange(20)
    np.testing.assert_array_equal(col(sim, "shop", "orders"), col(sim, "shop", "demand"))
    np.testing.assert_array_equal(col(sim, "shop", "on_hand"), 0)
    np.testing.assert_array_equal(col(sim, "shop", "backorders"), d * np.minimum(t + 1, L))
    scn["warmup_days"] = L
    k = kpis(run(scn), "shop")
    # Little: backorders / units sold a day = L days of waiting
    assert k["backorders"] == d * L and k["units_sold"] == d and k["demand"] == d
    assert k["on_hand"] == 0 and k["on_order"] == d * L and k["order_frequency"] == 1
    assert k["fill_rate"] == 0 and k["cycle_service_level"] == 0


def test_dropship_with_random_demand_orders_the_same_day_s_demand():
    L = 3
    scn = scenario([source(), shop(policy={"type": "dropship"}, demand=poisson(6))],
                   [lane("src", "shop", L)], horizon=300, seed=2)
    sim = run(scn)
    dem = col(sim, "shop", "demand")
    np.testing.assert_array_equal(col(sim, "shop", "orders"), dem)
    np.testing.assert_array_equal(col(sim, "src", "demand"), dem)
    np.testing.assert_array_equal(col(sim, "shop", "backorders"), np.convolve(dem, np.ones(L))[:300])
    np.testing.assert_array_equal(col(sim, "shop", "on_hand"), 0)


def _dropship_no_lead_time():
    scn = scenario([source(), shop(policy={"type": "dropship"}, demand=const(4))],
                   [lane("src", "shop", 0)], horizon=20, warmup=1)
    return run(scn)


def test_dropship_with_no_lead_time_serves_every_consumer_the_same_day():
    sim = _dropship_no_lead_time()
    k = kpis(sim, "shop")
    np.testing.assert_array_equal(col(sim, "shop", "backorders"), 0)
    np.testing.assert_array_equal(col(sim, "shop", "on_hand"), 0)
    assert k["units_sold"] == k["demand"] == 4 and k["cycle_service_level"] == 1


def test_dropship_fill_rate_is_zero_even_without_lead_time():
    # README: consumers are served from the supplier's shipments, never from stock on the day
    # asked, so fill_rate is 0 even with L = 0 (units_sold and backorders tell the service)
    assert kpis(_dropship_no_lead_time(), "shop")["fill_rate"] == 0
