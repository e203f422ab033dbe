"""The day kernel: the rules of a stocking node's day that the two simulation paths share.

A node is simulated either on its own (``model.node``: one Python object, numbers) or as a member
of a retail group (``model.group``: the leaf retailers of one supplier, numpy arrays with one entry
per member). Both must give the same numbers, so every rule they have in common is written here
once, in expressions that work on numbers and on arrays alike: the statistics a node keeps
(``Stats`` and its field lists), the end-of-day sums (``add_day``, with the clean-day rule), the
money of a shipment (``bill``), the starting stock (``starting_stock``) and the fixed terms KPIs
read (``NodeTerms``). The policies' need and lot sizing live in ``model.policies``, scalar and
array forms side by side. ``tests/unit/test_groups.py`` checks that the two paths agree.
"""

from __future__ import annotations

import numpy as np

from chainsim.model.policies import EPS
from chainsim.scenario.facts import has_consumer_demand, is_market_outlet

# ---------------------------------------------------------------------------- statistics fields
# The running sums of a node (``Stats``), by when they grow. One list for both paths: a group
# keeps every member field as an array, a node as a number.
DAY_TOTALS = ("asked", "asked_sq", "ordered", "ordered_sq", "order_days", "clean_days",
              "lost_at_close")  # once a day, in add_day (lost_at_close: lost sales so far)
LEVELS = ("on_hand", "backorders", "on_order", "in_transit")  # end-of-day levels, in add_day
FLOWS = ("filled", "lost", "sold", "orders", "shipped", "revenue", "purchase", "transport")
OUTLET_FLOWS = ("fees", "channel_fees", "shipping", "switched")  # 3PL and market outlets only
# what a retail-group member can have: it is never a market outlet nor a 3PL (model.group)
MEMBER_FIELDS = DAY_TOTALS + LEVELS + FLOWS


class Stats:
    """Running sums since the end of warm-up (the engine calls each actor's ``reset_stats`` at
    the boundary); KPIs are ratios of these (metrics.kpi). Flows are added as they happen,
    day totals and levels once a day by ``add_day``.

    ``Stats()`` holds numbers (a node); ``Stats(size)`` holds an array of ``size`` zeros for every
    member field (a retail group, one entry per member); ``days`` is one number either way."""

    __slots__ = ("days", *DAY_TOTALS, *LEVELS, *FLOWS, *OUTLET_FLOWS)

    def __init__(self, size: int | None = None):
        for name in self.__slots__:
            setattr(self, name, 0)
        if size is not None:
            for name in MEMBER_FIELDS:
                setattr(self, name, np.zeros(size))


def add_day(st: Stats, asked, ordered, on_hand, backorders, on_order, in_transit,
            lost_sales: bool) -> None:
    """Add one day's totals and end-of-day levels to ``st`` (numbers, or arrays per member).

    ``ordered`` is None on a day without any order: its sums would not change (adding 0), and a
    group skips three array operations. Costs on levels are charged from these sums (metrics.kpi).
    """
    st.days += 1
    st.asked += asked
    st.asked_sq += asked * asked
    if ordered is not None:
        st.ordered += ordered
        st.ordered_sq += ordered * ordered
        st.order_days += ordered > 0
    st.on_hand += on_hand
    st.backorders += backorders
    st.on_order += on_order
    st.in_transit += in_transit
    # a clean day ends with no backorders and lost no sale, so the cycle service level means
    # the same under backorders and lost sales (under backorders nothing is ever lost)
    clean = backorders <= EPS
    if lost_sales:
        clean = clean & (st.lost == st.lost_at_close)
        st.lost_at_close = st.lost + 0  # + 0: a copy when the sums are arrays
    st.clean_days += clean


# ---------------------------------------------------------------------------- money
def bill(supplier, qty, cost_per_unit, cost_per_shipment):
    """The money of shipping ``qty`` from ``supplier`` over a lane: the supplier earns qty × its
    price and counts qty shipped (here); returns ``(purchase, transport)``, what the buyer pays —
    the supplier's price and the lane's cost per unit and per shipment — for the caller to add to
    the buyer's sums.

    ``qty`` is one shipment (a number) or several, to different buyers (an array, with the
    lanes' costs as arrays too); the supplier's sums then grow one shipment at a time in array
    order, exactly as separate calls would add them (a float sum depends on its order)."""
    value = qty * supplier.price
    st = supplier.stats
    if type(qty) is np.ndarray:
        for v, x in zip(value.tolist(), qty.tolist(), strict=True):
            st.revenue += v
            st.shipped += x
            supplier.day_shipped += x
    else:
        st.revenue += value
        st.shipped += qty
        supplier.day_shipped += qty
    return value, cost_per_unit * qty + cost_per_shipment


# ---------------------------------------------------------------------------- start and terms
def starting_stock(on_hand: float | None, policy) -> float:
    """A node's stock on day 0: ``initial.on_hand`` if the scenario gives it, else its policy's
    order-up-to level (S, or r + Q for rQ), never below 0 (an (r, Q) with r + Q < 0 starts
    empty); 0 without a policy (README: Results, defaults that change numbers)."""
    if on_hand is not None:
        return on_hand
    return max(policy.level, 0) if policy is not None else 0


class NodeTerms:
    """What KPIs read of a node besides its statistics: who it is, its selling price and its cost
    and fee rates (metrics.kpi). A ``Node`` and a retail group's ``MemberView`` both take them
    from the node's spec here."""

    def __init__(self, spec, price):
        self.id = spec.id
        self.role = spec.role
        self.owner = spec.owner or spec.id
        self.price = price
        self.holding = spec.costs.holding
        self.backorder_cost = spec.costs.backorder
        self.order_cost = spec.costs.order
        self.pipeline_holding = spec.costs.pipeline_holding
        self.per_unit_sold = spec.costs.per_unit_sold
        self.storage_fee = spec.fees.storage  # a 3PL's charge per unit-day stored
        self.fee_pct = 0.0  # market outlets: channel fees, a share of consumer revenue (wired)
        self.outlet = is_market_outlet(spec)  # market mode: demand comes from its regions
        self.sells_to_consumers = has_consumer_demand(spec)
