"""Two-stage serial line (source -> U -> D -> customers) with local base-stock levels.

Three layers of checks:

1. ``reference_serial`` below is a plain-Python day-by-day recursion written from the DESIGN §2
   rules alone (it does not use chainsim). It checks the oracle
   ``theory.serial_two_stage_poisson``: pathwise, the identity the oracle is derived from
   (NI_D(t) = S_D − X_t − B_{t−L_D}) must hold exactly on every day, and the long-run means of
   the recursion must match the oracle's exact expectations.
2. chainsim's per-replication KPIs must match the oracle (tolerance: 5 replication standard
   errors, R = 16, see ``theory_check``).
3. A differential check: chainsim's own daily demand path is fed to the reference recursion and
   the daily levels must agree exactly (to 1e-9). Only the input (the random demand) is taken
   from chainsim; the expected levels come from the independent recursion.
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
import pytest
from theory_check import R, check, run

import chainsim
from chainsim import theory as th

DAYS, WARMUP = 6000, 200


def reference_serial(demand, S_up: float, S_down: float, L_up: int, L_down: int) -> dict:
    """Simulate the serial line day by day under DESIGN §2; return daily end-of-day arrays.

    Day t: (1) receipts, most upstream first: U receives what the source ships to it today and
    ships what it owes D (FIFO; one buyer, so a number); D receives what is due today (a shipment
    over a lane with lead time 0 arrives in the same step) and serves its customers' backorders;
    (2) D reviews (IP = on hand + in transit + owed by U − backorders) and orders S_D − IP from
    U, which ships at once what it has and owes the rest; then U reviews (IP = on hand + on
    order − owed to D) and orders S_U − IP from the source; (3) D's demand is served or
    backordered; (4) levels are recorded.
    """
    n = len(demand)
    st = {"u_oh": float(S_up), "u_owed": 0.0, "u_on_order": 0.0,
          "d_oh": float(S_down), "d_bo": 0.0, "d_transit": 0.0}
    u_pipe: dict[int, float] = defaultdict(float)
    d_pipe: dict[int, float] = defaultdict(float)
    out = {k: np.zeros(n) for k in ("d_oh", "d_bo", "d_on_order", "d_filled", "u_oh", "u_owed",
                                    "u_on_order", "u_asked", "u_shipped_now", "d_ordered",
                                    "u_ordered")}

    def d_receive(q: float) -> None:
        st["d_oh"] += q
        x = min(st["d_oh"], st["d_bo"])
        st["d_oh"] -= x
        st["d_bo"] -= x

    def u_ship(q: float, t: int) -> None:
        if q <= 0:
            return
        if L_down == 0:
            d_receive(q)
        else:
            d_pipe[t + L_down] += q
            st["d_transit"] += q

    def u_receive(q: float, t: int) -> None:
        st["u_oh"] += q
        x = min(st["u_oh"], st["u_owed"])
        st["u_oh"] -= x
        st["u_owed"] -= x
        u_ship(x, t)

    for t in range(n):
        # (1) receipts, upstream first
        arr = u_pipe.pop(t, 0.0)
        st["u_on_order"] -= arr
        u_receive(arr, t)
        arr = d_pipe.pop(t, 0.0)
        st["d_transit"] -= arr
        d_receive(arr)
        # (2) D reviews and orders; U ships at once; then U reviews and orders
        ip_d = st["d_oh"] + st["d_transit"] + st["u_owed"] - st["d_bo"]
        q = max(S_down - ip_d, 0.0)
        out["d_ordered"][t] = q
        out["u_asked"][t] = q
        ship = min(st["u_oh"], q)
        st["u_oh"] -= ship
        st["u_owed"] += q - ship
        out["u_shipped_now"][t] = ship
        u_ship(ship, t)
        ip_u = st["u_oh"] + st["u_on_order"] - st["u_owed"]
        qu = max(S_up - ip_u, 0.0)
        out["u_ordered"][t] = qu
        if qu > 0:
            if L_up == 0:
                u_receive(qu, t)
            else:
                u_pipe[t + L_up] += qu
                st["u_on_order"] += qu
        # (3) demand
        d = float(demand[t])
        served = min(st["d_oh"], d)
        st["d_oh"] -= served
        st["d_bo"] += d - served
        out["d_filled"][t] = served
        # (4) record
        out["d_oh"][t], out["d_bo"][t] = st["d_oh"], st["d_bo"]
        out["d_on_order"][t] = st["d_transit"] + st["u_owed"]
        out["u_oh"][t], out["u_owed"][t] = st["u_oh"], st["u_owed"]
        out["u_on_order"][t] = st["u_on_order"]
    return out


CASES = [  # (lam, S_up, S_down, L_up, L_down)
    (5.0, 12, 20, 3, 2),
    (5.0, 8, 8, 2, 0),
    (3.0, 0, 10, 2, 1),
]


@pytest.mark.parametrize("lam, S_up, S_down, L_up, L_down", CASES)
def test_reference_recursion_satisfies_the_oracle_identity(lam, S_up, S_down, L_up, L_down):
    rng = np.random.default_rng(11)
    demand = rng.poisson(lam, size=3000)
    ref = reference_serial(demand, S_up, S_down, L_up, L_down)
    c = np.concatenate([[0], np.cumsum(demand)])  # c[k] = demand of days 0..k-1

    def window(a, b):  # demand of days a..b inclusive
        return c[b + 1] - c[a]

    for t in range(L_up + L_down + 1, len(demand)):
        w = window(t - L_down - L_up, t - L_down - 1)
        b = max(w - S_up, 0)
        ni_d = S_down - window(t - L_down, t) - b
        assert ref["d_oh"][t] - ref["d_bo"][t] == ni_d, t
        ni_u = S_up - window(t - L_up, t - 1)
        assert ref["u_oh"][t] - ref["u_owed"][t] == ni_u, t
        assert ref["u_owed"][t] == max(-ni_u, 0), t
        assert ref["d_ordered"][t] == demand[t - 1] and ref["u_ordered"][t] == demand[t - 1]


@pytest.mark.parametrize("lam, S_up, S_down, L_up, L_down", CASES)
def test_oracle_matches_reference_long_run(lam, S_up, S_down, L_up, L_down):
    # 200 000 days of the reference recursion; standard error by batch means (100 batches of
    # 2 000 days, far longer than the L_U + L_D + 1 days over which the levels are correlated),
    # tolerance 5 se (t with 99 df: two-sided 2.4e-6).
    n, nb = 200_000, 100
    rng = np.random.default_rng(12)
    demand = rng.poisson(lam, size=n + 100)
    ref = reference_serial(demand, S_up, S_down, L_up, L_down)
    exp = th.serial_two_stage_poisson(S_up, S_down, lam, L_up, L_down)
    sl = slice(100, None)
    series = {
        ("downstream", "on_hand"): ref["d_oh"][sl],
        ("downstream", "backorders"): ref["d_bo"][sl],
        ("downstream", "cycle_service_level"): (ref["d_bo"][sl] == 0).astype(float),
        ("downstream", "on_order"): ref["d_on_order"][sl],
        ("upstream", "on_hand"): ref["u_oh"][sl],
        ("upstream", "backorders"): ref["u_owed"][sl],
        ("upstream", "cycle_service_level"): (ref["u_owed"][sl] == 0).astype(float),
        ("upstream", "on_order"): ref["u_on_order"][sl],
    }
    problems = []
    for (stage, metric), x in series.items():
        batches = x.reshape(nb, -1).mean(axis=1)
        se = batches.std(ddof=1) / math.sqrt(nb)
        if abs(x.mean() - exp[stage][metric]) > 5 * se + 1e-12:
            problems.append(f"{stage}.{metric}: oracle {exp[stage][metric]:.6g}, "
                            f"reference {x.mean():.6g}, tol {5 * se:.3g}")
    # fill rates: ratio of sums; the batch means of the ratio estimate its se well at this size
    for stage, served, asked in (("downstream", ref["d_filled"], demand),
                                 ("upstream", ref["u_shipped_now"], ref["u_asked"])):
        s, a = served[sl].reshape(nb, -1).sum(axis=1), asked[sl].reshape(nb, -1).sum(axis=1)
        f = s.sum() / a.sum()
        se = (s / a).std(ddof=1) / math.sqrt(nb)
        if abs(f - exp[stage]["fill_rate"]) > 5 * se + 1e-12:
            problems.append(f"{stage}.fill_rate: oracle {exp[stage]['fill_rate']:.6g}, "
                            f"reference {f:.6g}, tol {5 * se:.3g}")
    assert not problems, "\n".join(problems)


def serial_scenario(name, lam, S_up, S_down, L_up, L_down, seed):
    return {
        "name": name, "horizon_days": DAYS, "warmup_days": WARMUP, "replications": R,
        "seed": seed,
        "products": [{"id": "item", "unit_cost": 10, "price": 25}],
        "nodes": [
            {"id": "plant", "role": "manufacturer", "infinite_supply": True},
            {"id": "dc", "role": "distributor", "policy": {"type": "base_stock", "S": S_up}},
            {"id": "shop", "role": "retailer", "demand": {"dist": "poisson", "mean": lam},
             "policy": {"type": "base_stock", "S": S_down}, "unmet": "backorder"},
        ],
        "lanes": [
            {"from": "plant", "to": "dc", "lead_time": {"dist": "constant", "value": L_up}},
            {"from": "dc", "to": "shop", "lead_time": {"dist": "constant", "value": L_down}},
        ],
    }


METRICS = ("demand", "on_hand", "backorders", "cycle_service_level", "fill_rate", "on_order",
           "order_frequency", "orders_variance", "bullwhip")


@pytest.mark.parametrize("lam, S_up, S_down, L_up, L_down", CASES[:2])
def test_chainsim_serial_line_matches_theory(lam, S_up, S_down, L_up, L_down):
    scn = serial_scenario("serial", lam, S_up, S_down, L_up, L_down, seed=301 + L_down)
    kpis = run(scn)
    exp = th.serial_two_stage_poisson(S_up, S_down, lam, L_up, L_down)
    failures = []
    for node, stage in (("shop", "downstream"), ("dc", "upstream")):
        try:
            check(kpis, node, {m: exp[stage][m] for m in METRICS})
        except AssertionError as e:  # report both nodes
            failures.append(str(e))
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("lam, S_up, S_down, L_up, L_down", CASES[:2])
def test_chainsim_serial_path_equals_reference_recursion(lam, S_up, S_down, L_up, L_down):
    # One replication, 400 days, every day compared (warm-up included: both start with on hand
    # = S and nothing in transit). Tolerance 1e-9: the rules are deterministic given demand.
    scn = serial_scenario("serial-path", lam, S_up, S_down, L_up, L_down, seed=7)
    res = chainsim.simulate(scn, replications=1, days=400, warmup=0, seed=7, timeseries=True)
    ts = res.timeseries
    shop = ts[ts["node"] == "shop"].sort_values("day")
    dc = ts[ts["node"] == "dc"].sort_values("day")
    ref = reference_serial(shop["demand"].to_numpy(), S_up, S_down, L_up, L_down)
    pairs = {
        "shop.on_hand": (shop["on_hand"], ref["d_oh"]),
        "shop.backorders": (shop["backorders"], ref["d_bo"]),
        "shop.on_order": (shop["on_order"], ref["d_on_order"]),
        "shop.orders": (shop["orders"], ref["d_ordered"]),
        "dc.on_hand": (dc["on_hand"], ref["u_oh"]),
        "dc.backorders": (dc["backorders"], ref["u_owed"]),
        "dc.on_order": (dc["on_order"], ref["u_on_order"]),
        "dc.orders": (dc["orders"], ref["u_ordered"]),
        "dc.demand": (dc["demand"], ref["u_asked"]),
    }
    problems = []
    for name, (got, want) in pairs.items():
        got = got.to_numpy(dtype=float)
        bad = np.flatnonzero(np.abs(got - want) > 1e-9)
        if bad.size:
            d = int(bad[0])
            problems.append(f"{name}: first differs on day {d}: chainsim {got[d]:g}, "
                            f"reference {want[d]:g} ({bad.size} days differ)")
    assert not problems, "\n".join(problems)
