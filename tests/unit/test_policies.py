"""Policies and lot sizing (model/policies.py) on hand-worked cases."""

from __future__ import annotations

import pytest

from chainsim.model.policies import lot_size, make_policy
from chainsim.scenario import schema as s


@pytest.mark.parametrize(
    "need, moq, multiple, expected",
    [
        (3, 10, None, 10),      # below the MOQ: raised to it
        (13, 10, None, 13),     # above the MOQ: unchanged
        (13, 0, 12, 24),        # two case packs of 12
        (12, 0, 12, 12),        # exactly one pack, no extra pack from float noise
        (24.0000000001, 0, 12, 24),
        (0, 10, 4, 0),          # no need, no order, whatever the MOQ
        (-5, 10, None, 0),      # negative need: nothing
        (3, 10, 4, 12),         # MOQ 10 first, then up to packs of 4
        (11, 0, 2.5, 12.5),     # fractional case pack
        (1, 0, 1, 1),
        (0.5, 0, None, 0.5),
    ],
)
def test_lot_size_hand_cases(need, moq, multiple, expected):
    got = lot_size(need, moq, multiple)
    assert got == pytest.approx(expected, abs=1e-12)


def test_lot_size_keeps_integers_integer():
    assert isinstance(lot_size(13, 0, 12), int)
    assert isinstance(lot_size(3, 10, 4.0), int)


def base_stock(S, **kw):
    return make_policy(s.BaseStock(type="base_stock", S=S, **kw))


def ss(s_, S, **kw):
    return make_policy(s.SS(type="sS", s=s_, S=S, **kw))


def rq(r, Q, **kw):
    return make_policy(s.RQ(type="rQ", r=r, Q=Q, **kw))


@pytest.mark.parametrize("ip, need", [(42, 0), (30, 12), (0, 42), (-8, 50), (50, -8)])
def test_base_stock_orders_S_minus_IP(ip, need):
    p = base_stock(42)
    assert p.need(ip) == need
    assert p.level == 42


@pytest.mark.parametrize("ip, need", [(21, 0), (20, 30), (20.5, 0), (0, 50), (-5, 55), (49, 0)])
def test_sS_orders_up_to_S_only_at_or_below_s(ip, need):
    p = ss(20, 50)
    assert p.need(ip) == need
    assert p.level == 50


@pytest.mark.parametrize(
    "ip, need",
    [
        (11, 0),    # above r: nothing
        (10.5, 0),
        (10, 5),    # at r: one Q lifts IP to 15 > 10
        (6, 5),     # 6 + 5 = 11 > 10
        (5, 10),    # 5 + 5 = 10 is not above r: two lots
        (5.5, 5),
        (0, 15),    # 0 + 10 = 10 not above; 15 is
        (-3, 15),   # -3 + 15 = 12
        (-5, 20),   # -5 + 15 = 10 not above; 20
    ],
)
def test_rQ_orders_smallest_multiple_of_Q_lifting_IP_above_r(ip, need):
    p = rq(10, 5)
    assert p.need(ip) == need
    assert ip + need > 10 or need == 0
    if need:
        assert ip + need - 5 <= 10  # one lot fewer would not be enough
    assert p.level == 15


def test_rQ_with_float_Q_at_the_boundary():
    p = rq(1.0, 0.1)
    # IP = 0.7: needs IP + nQ > 1.0 → n = 4 (0.7 + 0.3 = 1.0 is not above r in exact terms)
    assert p.need(0.7) == pytest.approx(0.4)


def test_policies_keep_whole_numbers_as_ints():
    assert isinstance(base_stock(42.0).S, int)
    assert isinstance(ss(20.0, 50.0).S, int)
    assert isinstance(rq(10.0, 5.0).Q, int)
    assert base_stock(42.5).S == 42.5
