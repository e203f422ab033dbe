"""The shared day kernel (model/kernel.py): hand-worked cases, and numbers vs arrays.

A node applies these rules to numbers, a retail group to arrays with one entry per member; entry i
of the array form must equal the rule applied to member i's numbers.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chainsim.model.kernel import (
    MEMBER_FIELDS,
    OUTLET_FLOWS,
    Stats,
    add_day,
    bill,
    starting_stock,
)
from chainsim.model.policies import make_policy
from chainsim.scenario import schema as s


def test_member_fields_are_every_stat_but_days_and_outlet_flows():
    assert set(MEMBER_FIELDS) | {"days", *OUTLET_FLOWS} == set(Stats.__slots__)
    assert len(set(Stats.__slots__)) == len(Stats.__slots__)
    group = Stats(3)
    assert group.days == 0
    for name in MEMBER_FIELDS:
        assert getattr(group, name).tolist() == [0.0, 0.0, 0.0]


def test_a_day_by_hand():
    st = Stats()
    add_day(st, 5, 12, on_hand=3, backorders=0, on_order=12, in_transit=7, lost_sales=False)
    add_day(st, 4, None, on_hand=0, backorders=1, on_order=12, in_transit=12, lost_sales=False)
    assert (st.days, st.asked, st.asked_sq, st.ordered, st.ordered_sq, st.order_days) == (
        2, 9, 41, 12, 144, 1)
    assert (st.on_hand, st.backorders, st.on_order, st.in_transit) == (3, 1, 24, 19)
    assert st.clean_days == 1  # the second day ended with a backorder


def test_a_day_that_lost_a_sale_is_not_clean():
    st = Stats()
    add_day(st, 5, None, 0, 0, 0, 0, lost_sales=True)  # nothing lost yet: clean
    st.lost += 2
    add_day(st, 5, None, 0, 0, 0, 0, lost_sales=True)  # lost 2 today, no backorders: not clean
    add_day(st, 5, None, 0, 0, 0, 0, lost_sales=True)  # nothing more lost: clean again
    assert st.clean_days == 2


quantity = st.one_of(st.integers(0, 50), st.floats(0, 50).map(lambda x: round(x, 3)))


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 5), st.booleans(), st.data())
def test_add_day_on_arrays_equals_add_day_per_member(n, lost_sales, data):
    members = [Stats() for _ in range(n)]
    group = Stats(n)
    for _ in range(data.draw(st.integers(1, 4))):
        day = {k: data.draw(st.lists(quantity, min_size=n, max_size=n))
               for k in ("asked", "on_hand", "backorders", "on_order", "in_transit", "lost")}
        ordered = data.draw(st.none() | st.lists(quantity, min_size=n, max_size=n))
        for i, m in enumerate(members):
            m.lost += day["lost"][i]
            add_day(m, day["asked"][i], None if ordered is None else ordered[i] or None,
                    day["on_hand"][i], day["backorders"][i], day["on_order"][i],
                    day["in_transit"][i], lost_sales)
        arr = {k: np.array(v, np.float64) for k, v in day.items()}
        group.lost += arr["lost"]
        add_day(group, arr["asked"], None if ordered is None else np.array(ordered, np.float64),
                arr["on_hand"], arr["backorders"], arr["on_order"], arr["in_transit"],
                lost_sales)
    assert group.days == members[0].days
    for name in MEMBER_FIELDS:
        assert getattr(group, name).tolist() == [float(getattr(m, name)) for m in members], name


def supplier(price):
    return SimpleNamespace(price=price, stats=Stats(), day_shipped=0)


def test_bill_by_hand():
    sup = supplier(2.5)
    assert bill(sup, 4, 0.1, 1.3) == (10.0, pytest.approx(1.7))
    assert (sup.stats.revenue, sup.stats.shipped, sup.day_shipped) == (10.0, 4, 4)


def test_bill_of_several_shipments_equals_one_call_each():
    qty, cpu, cps = [3.0, 0.7, 11.0], [0.11, 0.0, 0.3], [1.3, 2.0, 0.0]
    one_by_one, at_once = supplier(3.861), supplier(3.861)
    expected = [bill(one_by_one, q, u, c) for q, u, c in zip(qty, cpu, cps, strict=True)]
    value, transport = bill(at_once, np.array(qty), np.array(cpu), np.array(cps))
    assert value.tolist() == [v for v, _ in expected]
    assert transport.tolist() == [t for _, t in expected]
    for name in ("revenue", "shipped"):  # the same sums, added in the same order
        assert getattr(at_once.stats, name) == getattr(one_by_one.stats, name)
    assert at_once.day_shipped == one_by_one.day_shipped


@pytest.mark.parametrize("given, policy, expected", [
    (17, s.BaseStock(type="base_stock", S=40), 17),  # initial.on_hand wins
    (None, s.BaseStock(type="base_stock", S=40), 40),
    (None, s.SS(type="sS", s=10, S=30), 30),
    (None, s.RQ(type="rQ", r=5, Q=20), 25),  # r + Q
    (None, s.RQ(type="rQ", r=-30, Q=20), 0),  # r + Q < 0: starts empty
    (None, None, 0),
])
def test_starting_stock(given, policy, expected):
    runtime = make_policy(policy) if policy is not None else None
    assert starting_stock(given, runtime) == expected
