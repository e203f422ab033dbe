"""Array forms of the policies (model/policies.py) against their scalar rules, element by element.

A retail group stacks its members' policies (``Policy.stack``) and orders with ``needs`` and
``lot_sizes``; a node on its own uses ``need`` and ``lot_size``. For any inventory positions and
any parameters, MOQs and case packs, entry i of the array forms must be exactly what the scalar
forms give for member i (the scalar rules themselves are checked by hand in test_policies.py).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chainsim.model.policies import (
    BaseStockPolicy,
    MakeToOrderPolicy,
    RQPolicy,
    SSPolicy,
    has_array_form,
    lot_size,
    lot_sizes,
    make_policy,
)
from chainsim.scenario import schema as s

# whole and fractional numbers, as scenarios give them (policies keep whole numbers as ints)
number = st.one_of(st.integers(-50, 200), st.floats(-50, 200).map(lambda x: round(x, 3)))
positive = st.one_of(st.integers(1, 60), st.floats(0.1, 60).map(lambda x: round(x, 3)))
level = st.one_of(st.integers(0, 200), st.floats(0, 200).map(lambda x: round(x, 3)))


@st.composite
def spec(draw, kind):
    """A valid policy spec of ``kind`` (S >= 0, s < S, Q > 0, as the schema requires)."""
    if kind == "base_stock":
        return s.BaseStock(type=kind, S=draw(level))
    if kind == "sS":
        up_to = draw(level)
        return s.SS(type=kind, s=up_to - draw(positive), S=up_to)
    return s.RQ(type=kind, r=draw(number), Q=draw(positive))


@st.composite
def members(draw):
    """A group's worth of one policy kind: specs and one inventory position each."""
    kind = draw(st.sampled_from(["base_stock", "sS", "rQ"]))
    n = draw(st.integers(1, 8))
    specs = [draw(spec(kind)) for _ in range(n)]
    ips = [draw(st.one_of(number, boundary(sp))) for sp in specs]
    return specs, ips


def boundary(sp):
    """Inventory positions on a rule's edges: at the reorder point, at S, and for (r, Q) where
    one lot more or less is just enough (r − k·Q)."""
    if isinstance(sp, s.BaseStock):
        return st.just(sp.S)
    if isinstance(sp, s.SS):
        return st.sampled_from([sp.s, sp.S])
    return st.integers(0, 5).map(lambda k: sp.r - k * sp.Q)


def same(got: np.ndarray, expected: list) -> None:
    """Exactly equal, entry by entry (an int from the scalar rule equals its float)."""
    assert got.shape == (len(expected),)
    assert got.tolist() == [float(x) for x in expected]


@settings(max_examples=300, deadline=None)
@given(members())
def test_stacked_needs_equal_the_scalar_needs(group):
    specs, ips = group
    policies = [make_policy(sp) for sp in specs]
    stacked = type(policies[0]).stack(policies)
    same(stacked.needs(np.array(ips, np.float64)),
         [p.need(ip) for p, ip in zip(policies, ips, strict=True)])
    same(stacked.level, [p.level for p in policies])


lot_rule = st.tuples(
    st.one_of(st.just(0), st.sampled_from([5, 10, 12.5]), st.floats(0, 40)),  # moq
    st.one_of(st.none(), st.sampled_from([1, 6, 12, 2.5, 0.1]), st.floats(0.05, 30)),  # pack
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.one_of(number, st.floats(-1e-8, 1e-8)), lot_rule),
                min_size=1, max_size=10))
def test_lot_sizes_equal_lot_size(entries):
    needs = [q for q, _ in entries]
    moqs = [moq for _, (moq, _) in entries]
    packs = [pack for _, (_, pack) in entries]
    expected = [lot_size(q, moq, pack) for q, moq, pack in zip(needs, moqs, packs, strict=True)]
    moq_arr = np.array(moqs, np.float64)
    pack_arr = np.array([p or 0.0 for p in packs], np.float64)
    got = lot_sizes(np.array(needs, np.float64), moq_arr if moq_arr.any() else None,
                    pack_arr if pack_arr.any() else None)
    same(got, expected)


@settings(max_examples=200, deadline=None)
@given(members(), st.lists(lot_rule, min_size=8, max_size=8))
def test_a_groups_orders_equal_each_members_order(group, rules):
    """need then lot sizing, as RetailGroup.review and Node.review order."""
    specs, ips = group
    rules = rules[:len(specs)]
    policies = [make_policy(sp) for sp in specs]
    expected = [lot_size(p.need(ip), moq, pack)
                for p, ip, (moq, pack) in zip(policies, ips, rules, strict=True)]
    stacked = type(policies[0]).stack(policies)
    moq = np.array([m for m, _ in rules], np.float64)
    pack = np.array([p or 0.0 for _, p in rules], np.float64)
    same(lot_sizes(stacked.needs(np.array(ips, np.float64)), moq, pack), expected)


def test_only_fixed_stock_policies_have_an_array_form():
    assert has_array_form(s.BaseStock(type="base_stock", S=3))
    assert has_array_form(s.SS(type="sS", s=1, S=3))
    assert has_array_form(s.RQ(type="rQ", r=1, Q=3))
    assert not has_array_form(s.MakeToOrder(type="make_to_order"))
    assert not has_array_form(s.Dropship(type="dropship"))
    assert not has_array_form(s.ForecastOut(type="forecast_out", method="moving_average",
                                            window=4))


def test_stack_refuses_mixed_kinds():
    a = BaseStockPolicy(s.BaseStock(type="base_stock", S=3))
    b = SSPolicy(s.SS(type="sS", s=1, S=3))
    with pytest.raises(TypeError):
        BaseStockPolicy.stack([a, b])
    with pytest.raises(TypeError):
        MakeToOrderPolicy.stack([MakeToOrderPolicy(s.MakeToOrder(type="make_to_order"))])
    assert RQPolicy.stack([RQPolicy(s.RQ(type="rQ", r=1, Q=3))]).Q.tolist() == [3.0]
