"""Retail groups: the consumer-facing buyers of one supplier, simulated together over numpy arrays.

On a large network most node-days are retailer-days, and a retailer's day (receive, review,
demand, statistics) is the same few operations for every retailer. A ``RetailGroup`` does them for
all buyers of one supplier at once, with the same rules as ``Node`` and the same random stream
per retailer (``demand/<id>``, ``lead_time/<from>/<to>``), so a grouped run gives the numbers of
the per-node run. Only the orders themselves go to the supplier one by one, in file order, as
``Node.review`` would send them. The rules themselves are not repeated here: the policies'
need and lot sizing come from ``model.policies`` in their array form, statistics, end of day,
billing, starting stock and the members' terms from ``model.kernel``, as for a ``Node``.

A supplier's buyers form a group when there are at least ``MIN_GROUP``, every one of them is a leaf (it
supplies nobody) with consumer demand, and they share the policy kind, review period and unmet
rule. Everything else keeps the per-node path.
"""

from __future__ import annotations

import numpy as np

from chainsim.model.dists import CHUNK, ConstantLead, demand_draws
from chainsim.model.kernel import MEMBER_FIELDS, NodeTerms, Stats, add_day, bill, starting_stock
from chainsim.model.policies import EPS, has_array_form, lot_sizes

# A group-day costs about 100 µs of numpy calls whatever its size, a retailer-day on the
# per-node path 2-3 µs: below about 45 retailers (benchmarks/README.md) the per-node path wins.
MIN_GROUP = 40


def groupable(spec, lanes_out: int, lanes_in: int) -> bool:
    """Whether a node may be simulated inside a retail group: a leaf with consumer demand, one
    supplier, a policy with an array form (base_stock, sS, rQ) and no outages."""
    return (lanes_out == 0 and lanes_in == 1 and spec.demand is not None
            and spec.policy is not None and has_array_form(spec.policy)
            and not spec.infinite_supply and spec.outage is None)


def group_key(spec) -> tuple:
    return (spec.policy.type, spec.policy.review_days, spec.unmet)


class GroupLink:
    """The lane from the group's supplier to member ``index``: ships into the group's arrays."""

    __slots__ = ("supplier", "group", "index", "lead_time", "cost_per_unit", "cost_per_shipment")

    def __init__(self, supplier, group, index, lead_time, cost_per_unit, cost_per_shipment):
        self.supplier, self.group, self.index = supplier, group, index
        self.lead_time = lead_time
        self.cost_per_unit, self.cost_per_shipment = cost_per_unit, cost_per_shipment

    def ship(self, qty):
        """As ``Link.ship``: the member pays the supplier's price and the transport."""
        g, i = self.group, self.index
        value, transport = bill(self.supplier, qty, self.cost_per_unit, self.cost_per_shipment)
        st = g.stats
        st.purchase[i] += value
        st.transport[i] += transport
        delay = self.lead_time()
        if delay == 0:
            g.receive_now(i, qty)
        else:
            g.in_transit[i] += qty
            g.due(g.env.now + delay, [i], [qty])

    def cancel(self, qty):
        """The supplier will never ship qty of this member's order (it loses the sale)."""
        self.group.on_order[self.index] -= qty


class RetailGroup:
    """Leaf buyers of one supplier with consumer demand, one array entry per member."""

    def __init__(self, specs, *, policies, prices, supplier, moqs, streams, env):
        self.env = env
        self.specs = specs
        self.ids = [sp.id for sp in specs]
        self.supplier = supplier
        # the members' policies as one of their kind over arrays (group_key: all of one kind)
        self.policy = type(policies[0]).stack(policies)
        self.review_days = specs[0].policy.review_days
        self.lost = specs[0].unmet == "lost"
        n = len(specs)
        f = np.float64
        self.price = np.array(prices, f)
        moq = np.array(moqs, f)
        multiple = np.array([sp.policy.multiple or 0.0 for sp in specs], f)
        self.moq = moq if moq.any() else None  # None: no member has one (lot_sizes skips it)
        self.multiple = multiple if multiple.any() else None
        self.on_hand = np.array([starting_stock(sp.initial.on_hand, p)
                                 for sp, p in zip(specs, policies, strict=True)], f)
        self.on_order = np.zeros(n)
        self.in_transit = np.zeros(n)
        self.backlog = np.zeros(n)  # consumer backorders (a leaf owes no buyer)
        self.pending: dict[int, tuple[list, list]] = {}  # due day -> (members, quantities)
        self.links: list[GroupLink] = []
        draws = [demand_draws(sp.demand, streams.generator("demand", sp.id), sp.integer)
                 for sp in specs]
        self.samplers = [s for s, _ in draws]
        self.transforms = [t for _, t in draws]
        self.demand_rows = np.zeros((0, n))
        self.row = 0
        self.day_demand = np.zeros(n)
        self.no_order = np.zeros(n)
        self.day_order = self.no_order
        self.ordered_today = False
        self.lead_times = None  # per member, when every lane's lead time is constant (wire())
        self.same_lead = 0  # that lead time, when it is the same for all and not 0
        self.cost_per_unit = np.zeros(n)
        self.cost_per_shipment = np.zeros(n)
        self.reset_stats()

    def wire(self, links):
        """Attach the member's lanes (one per member, in member order)."""
        self.links = links
        self.cost_per_unit = np.array([lk.cost_per_unit for lk in links], np.float64)
        self.cost_per_shipment = np.array([lk.cost_per_shipment for lk in links], np.float64)
        if all(isinstance(lk.lead_time, ConstantLead) for lk in links):
            self.lead_times = np.array([lk.lead_time.value for lk in links], np.int64)
            if len(set(self.lead_times.tolist())) == 1 and self.lead_times[0] > 0:
                self.same_lead = int(self.lead_times[0])

    # ------------------------------------------------------------------ statistics
    def reset_stats(self):
        """Statistics restart: called by the engine at the end of warm-up (and at the start)."""
        self.stats = Stats(len(self.ids))

    # ------------------------------------------------------------------ phase 1
    def receive_due(self, day):
        """Receive today's arrivals, then serve waiting consumers first come first served."""
        pending = self.pending.pop(day, None)
        if pending is None:
            return
        idx = np.array(pending[0], np.intp)
        qty = np.array(pending[1], np.float64)
        np.add.at(self.on_hand, idx, qty)
        np.subtract.at(self.on_order, idx, qty)
        np.subtract.at(self.in_transit, idx, qty)
        if not self.lost:
            self._serve_backlog()

    def receive_now(self, i, qty):
        """An arrival with lead time 0 (during another node's step)."""
        self.on_order[i] -= qty
        self.on_hand[i] += qty
        if self.backlog[i] > 0:
            self._serve_backlog()

    def due(self, day, members: list, qtys: list):
        """Shipments to ``members`` that arrive on ``day`` (received in phase 1 of that day)."""
        pending = self.pending.get(day)
        if pending is None:
            self.pending[day] = pending = ([], [])
        pending[0].extend(members)
        pending[1].extend(qtys)

    def _serve_backlog(self):
        x = np.minimum(self.backlog, self.on_hand)
        if x.any():
            self.on_hand -= x
            self.backlog -= x
            st = self.stats
            st.sold += x
            st.revenue += x * self.price

    # ------------------------------------------------------------------ phase 2
    def review(self, day):
        """Every member reviews its inventory position; orders go to the supplier in order."""
        if day % self.review_days:
            return
        ip = self.on_hand + self.on_order - self.backlog
        q = lot_sizes(self.policy.needs(ip), self.moq, self.multiple)
        idx = np.flatnonzero(q > 0)
        if idx.size == 0:
            return
        qi = q[idx]
        self.on_order[idx] += qi
        self.stats.orders[idx] += 1
        self.day_order = q
        self.ordered_today = True
        links = self.links
        shipped = np.array(self.supplier.take_orders([links[i] for i in idx.tolist()],
                                                     qi.tolist()), np.float64)
        now = shipped > 0
        if now.any():
            self._ship(idx[now], shipped[now])

    def _ship(self, idx, qty):
        """``Link.ship`` for the supplier's shipments of today's orders, all at once."""
        values, transport = bill(self.supplier, qty, self.cost_per_unit[idx],
                                 self.cost_per_shipment[idx])
        st = self.stats
        st.purchase[idx] += values
        st.transport[idx] += transport
        if self.same_lead:  # common case: one constant lead time > 0 for every member
            self.in_transit[idx] += qty
            self.due(self.env.now + self.same_lead, idx.tolist(), qty.tolist())
            return
        if self.lead_times is not None:
            delays = self.lead_times[idx]
        else:
            links = self.links
            delays = np.array([links[i].lead_time() for i in idx.tolist()], np.int64)
        at_once = delays == 0
        if at_once.any():
            i0, q0 = idx[at_once], qty[at_once]
            self.on_order[i0] -= q0
            self.on_hand[i0] += q0
            if not self.lost:
                self._serve_backlog()
            later = ~at_once
            idx, qty, delays = idx[later], qty[later], delays[later]
        if idx.size == 0:
            return
        self.in_transit[idx] += qty
        now = self.env.now
        for delay in np.unique(delays).tolist():
            pick = delays == delay
            self.due(now + delay, idx[pick].tolist(), qty[pick].tolist())

    # ------------------------------------------------------------------ phase 3
    def serve_demand(self):
        """Today's consumer demand of every member: serve, backorder or lose."""
        if self.row >= len(self.demand_rows):
            self._draw_demand()
        d = self.demand_rows[self.row]
        self.row += 1
        self.day_demand = d
        served = np.minimum(d, self.on_hand)
        self.on_hand -= served
        st = self.stats
        st.filled += served
        st.sold += served
        st.revenue += served * self.price
        rest = d - served
        rest = np.where(rest > EPS, rest, 0.0)
        if self.lost:
            st.lost += rest
        else:
            self.backlog += rest

    def _draw_demand(self):
        """The next CHUNK days of every member's own stream (as Node's Buffered draws them)."""
        cols = []
        for sampler, transform in zip(self.samplers, self.transforms, strict=True):
            arr = sampler.take(CHUNK)
            cols.append(transform(arr) if transform is not None else arr)
        self.demand_rows = np.array(cols, np.float64).T.copy()
        self.row = 0

    @property
    def day_asked(self) -> float:
        """Today's consumer demand over all members (what forecasts upstream may follow)."""
        return float(self.day_demand.sum())

    # ------------------------------------------------------------------ phase 4
    def close_day(self):
        """``Node.close_day`` for every member: the same ``add_day``, over arrays."""
        ordered = None
        if self.ordered_today:
            ordered = self.day_order
            self.ordered_today = False
            self.day_order = self.no_order
        add_day(self.stats, self.day_demand, ordered, self.on_hand, self.backlog, self.on_order,
                self.in_transit, self.lost)

    # ------------------------------------------------------------------ results
    def members(self):
        """One read-only view per member with the attributes KPIs read from a Node."""
        cols = {name: getattr(self.stats, name).tolist() for name in MEMBER_FIELDS}
        views = []
        for i, spec in enumerate(self.specs):
            st = Stats()
            st.days = self.stats.days
            for name in MEMBER_FIELDS:
                setattr(st, name, cols[name][i])
            views.append(MemberView(spec, self.price[i].item(), st))
        return views

    def levels(self):
        """Today's per-member values for the time series, by field."""
        return {"on_hand": self.on_hand, "backorders": self.backlog, "on_order": self.on_order,
                "demand": self.day_demand, "orders": self.day_order, "shipments": 0.0}


class MemberView(NodeTerms):
    """A group member as the KPI functions see a Node: its terms (as a Node takes them from its
    spec), its policy spec and its statistics."""

    def __init__(self, spec, price, stats):
        super().__init__(spec, price)
        self.policy = spec.policy
        self.demand = spec.demand
        self.stats = stats
