"""Runtime stocking nodes: stock, orders, shipments, backorders and incremental statistics.

A node is driven by the day's phases in ``engine.run.Simulation.step``: ``receive`` (arrivals,
phase 1), ``review`` (phase 2), ``serve_demand`` (phase 3) and ``close_day`` (phase 4). Between
nodes, ``take_order`` carries an order up a link and ``Link.ship`` carries stock down it.

Allocation: a supplier ships an order at once from on hand, first come first served; what it
cannot ship now waits in its backlog and is shipped as stock arrives (partial shipments). An
order larger than the stock never blocks the supplier: it ships what it has.
"""

from __future__ import annotations

from collections import deque

from simpy.core import URGENT
from simpy.events import Event

from chainsim.model.policies import EPS, lot_size

CONSUMER = None  # the buyer of a backlog entry for end-consumer demand


class Arrival(Event):
    """A shipment due at ``now + delay``; fires before the day's review (URGENT priority), so
    everything due on day d is received in phase 1 of day d."""

    def __init__(self, env, delay, link, qty):
        self.env = env
        self.callbacks = [link.deliver]
        self._value = qty
        self._ok = True
        env.schedule(self, URGENT, delay)


class Link:
    """A lane at runtime: supplier -> buyer, with its lead-time source and transport costs."""

    __slots__ = ("supplier", "buyer", "lead_time", "cost_per_unit", "cost_per_shipment", "env",
                 "order_delay")

    def __init__(self, env, supplier, buyer, lead_time, cost_per_unit, cost_per_shipment,
                 order_delay=0):
        self.env = env
        self.supplier, self.buyer = supplier, buyer
        self.lead_time = lead_time
        self.cost_per_unit, self.cost_per_shipment = cost_per_unit, cost_per_shipment
        self.order_delay = order_delay

    def order(self, qty):
        """Send the buyer's order to the supplier: at once, or with an order delay d it is
        taken in phase 2 of the day d days from now, just before the supplier reviews."""
        if self.order_delay:
            self.supplier.post(self, qty, int(self.env.now) + self.order_delay)
        else:
            self.supplier.take_order(self, qty)

    def ship(self, qty):
        """Send qty from the supplier: the buyer pays the supplier's price and the transport."""
        sup, buyer = self.supplier, self.buyer
        value = qty * sup.price
        sup_stats, buyer_stats = sup.stats, buyer.stats
        sup_stats.revenue += value
        sup_stats.shipped += qty
        sup.day_shipped += qty
        buyer_stats.purchase += value
        buyer_stats.transport += self.cost_per_unit * qty + self.cost_per_shipment
        delay = self.lead_time()
        if delay == 0:
            buyer.receive(qty)
        else:
            buyer.in_transit += qty
            Arrival(self.env, delay, self, qty)

    def deliver(self, event):
        qty = event._value
        self.buyer.in_transit -= qty
        self.buyer.receive(qty)

    def cancel(self, qty):
        """The supplier will never ship qty of the buyer's order (it loses the sale)."""
        self.buyer.on_order -= qty


class Node:
    """A stocking node (manufacturer, wholesaler, distributor or retailer)."""

    unlimited = False  # an outside source that never runs out


    def __init__(self, spec, *, policy, price, unit_cost, env):
        self.id = spec.id
        self.role = spec.role
        self.owner = spec.owner or spec.id
        self.env = env
        self.policy = policy
        self.review_days = spec.policy.review_days if spec.policy else 1
        self.moq = spec.policy.moq if spec.policy else 0
        self.multiple = spec.policy.multiple if spec.policy else None
        self.lost = spec.unmet == "lost"
        self.price = price
        self.unit_cost = unit_cost
        self.holding = spec.costs.holding
        self.backorder_cost = spec.costs.backorder
        self.order_cost = spec.costs.order
        self.pipeline_holding = spec.costs.pipeline_holding
        self.per_unit_sold = spec.costs.per_unit_sold
        self.storage_fee = spec.fees.storage  # a 3PL's charge per unit-day stored
        self.fee_pct = 0.0  # market outlets: channel fees, a share of consumer revenue
        self.outlet = spec.region is not None  # market mode: demand comes from its regions
        self.sells_to_consumers = spec.demand is not None or self.outlet
        self.supply: Link | None = None  # set when wired (the first lane with several)
        self.route = None  # with several suppliers: sends each order (model.sourcing)
        self.out = False  # in an outage: ships nothing (model.sourcing.Outages)
        self.outages = None
        self.demand = None  # next-demand callable for nodes with consumer demand
        start = spec.initial.on_hand
        # default start: the order-up-to level; (r, Q) with r + Q < 0 starts empty
        self.on_hand = start if start is not None else (max(policy.level, 0) if policy else 0)
        self.on_order = 0  # ordered, not yet received (owed by the supplier or in transit)
        self.in_transit = 0
        self.backlog: deque = deque()  # [buyer link or CONSUMER, qty]
        self.backlog_qty = 0
        self.mail: dict[int, list] = {}  # day -> [(link, qty)] of orders still on their way
        # today's totals, kept apart because their squares are needed (reset in close_day)
        self.day_asked = 0  # asked of this node today (consumer demand + buyers' orders)
        self.day_ordered = 0  # ordered by this node today
        self.day_shipped = 0  # shipped to buyers today (time series only)
        self.stats = Stats()  # flows are added as they happen; levels in close_day

    # ------------------------------------------------------------------ phase 1
    def receive(self, qty):
        """Stock arrives: serve the backlog first come first served, keep the rest."""
        self.on_order -= qty
        self.on_hand += qty
        if self.backlog:
            self.serve_backlog()

    def serve_backlog(self):
        """Ship waiting orders from stock, first come first served (not during an outage)."""
        if self.out:
            return
        on_hand = self.on_hand
        backlog = self.backlog
        while backlog and on_hand > EPS:
            entry = backlog[0]
            buyer, want = entry
            x = want if want <= on_hand else on_hand
            on_hand -= x
            self.backlog_qty -= x
            if x >= want - EPS:
                backlog.popleft()
            else:
                entry[1] = want - x
            if buyer is CONSUMER:
                self.stats.sold += x
                self.stats.revenue += x * self.price
            else:
                buyer.ship(x)
        self.on_hand = on_hand

    # ------------------------------------------------------------------ phase 2
    def review(self, day):
        """Review the inventory position and order from the supplier per the policy."""
        if self.mail:
            self.open_mail(day)
        if day % self.review_days:
            return
        ip = self.on_hand + self.on_order - self.backlog_qty
        q = lot_size(self.policy.need(ip), self.moq, self.multiple)
        if q:
            self.on_order += q
            self.day_ordered += q
            self.stats.orders += 1
            self.place_order(q)

    def place_order(self, qty):
        if self.route is None:
            self.supply.order(qty)
        else:
            self.route(qty)

    def post(self, link, qty, day):
        """An order that reaches this node on ``day`` (see ``Link.order``)."""
        self.mail.setdefault(day, []).append((link, qty))

    def open_mail(self, day):
        for link, qty in self.mail.pop(day, ()):
            self.take_order(link, qty)

    def take_order(self, link, qty):
        """A buyer's order: ship what is on hand now, backorder (or lose) the rest."""
        x = self.fill(link, qty)
        if x:
            link.ship(x)

    def take_orders(self, links, qtys) -> list:
        """Several buyers' orders in this order; the shipments are left to the caller (a retail
        group ships them all at once). Returns the quantity to ship for each."""
        fill = self.fill
        return [fill(link, q) for link, q in zip(links, qtys, strict=True)]

    def fill(self, link, qty):
        """Take qty from stock for an order and backorder (or lose) the rest; returns what is
        to be shipped now."""
        self.day_asked += qty
        on_hand = 0 if self.out else self.on_hand
        x = qty if qty <= on_hand else on_hand
        if x > EPS:
            self.on_hand -= x
            self.stats.filled += x
        else:
            x = 0
        rest = qty - x
        if rest > EPS:
            self.short(link, rest, self.backlog)
        return x

    def short(self, link, rest, queue):
        """What an order could not get now: lost, or waiting at the end of ``queue``."""
        if self.lost:
            self.stats.lost += rest
            link.cancel(rest)
        else:
            queue.append([link, rest])
            self.backlog_qty += rest

    # ------------------------------------------------------------------ phase 3
    def serve_demand(self):
        """Today's consumer demand: serve from stock, backorder or lose the rest."""
        rest = self.take_demand(self.demand())
        if rest > EPS:
            self.unserved(rest)

    def take_demand(self, d):
        """Consumers ask for d: serve what is on hand; returns what is missing."""
        self.day_asked += d
        x = d if d <= self.on_hand else self.on_hand
        if x > 0:
            self.on_hand -= x
            st = self.stats
            st.filled += x
            st.sold += x
            st.revenue += x * self.price
        return d - x

    def take_demand_switched(self, want):
        """Consumers who came from an out-of-stock outlet take what is on hand here (only what
        they get counts as asked of this node); returns what is still missing."""
        x = want if want <= self.on_hand else self.on_hand
        if x > 0:
            self.take_demand(x)  # x is on hand, so all of it is served
        return want - x

    def unserved(self, rest):
        """Consumer demand not served now waits (backorder) or is lost."""
        if self.lost:
            self.stats.lost += rest
        else:
            self.backlog.append([CONSUMER, rest])
            self.backlog_qty += rest

    # ------------------------------------------------------------------ phase 4
    def close_day(self):
        """Add today's end-of-day levels and totals to the statistics; costs on levels are
        charged from these sums (metrics.kpi)."""
        st = self.stats
        backlog = self.backlog_qty
        asked, ordered = self.day_asked, self.day_ordered
        st.days += 1
        st.asked += asked
        st.asked_sq += asked * asked
        st.ordered += ordered
        st.ordered_sq += ordered * ordered
        st.order_days += ordered > 0
        st.on_hand += self.on_hand
        st.backorders += backlog
        st.on_order += self.on_order
        st.in_transit += self.in_transit
        # a clean day ends with no backorders and lost no sale (so CSL means the same under
        # backorders and lost sales)
        st.clean_days += backlog <= EPS and st.lost == st.lost_at_close
        st.lost_at_close = st.lost
        self.day_asked = self.day_ordered = self.day_shipped = 0

    # ------------------------------------------------------------------ hooks (engine.run)
    def set_policy(self, policy, review_days: int = 1) -> None:
        """Let ``policy`` (anything with ``need(ip)``: the quantity wanted at inventory position
        ip) decide this node's orders from its next review on, every ``review_days`` days. Lot
        sizing (MOQ, case pack) still applies."""
        self.policy = policy
        self.review_days = review_days

    def watch_receipts(self, callback) -> None:
        """From now on call ``callback(qty)`` after each receipt into this node's stock (a
        shipment, or finished production at a plant). A node nobody watches pays nothing."""
        receive = self.receive

        def watched(qty):
            receive(qty)
            callback(qty)

        self.receive = watched  # every receipt goes through the attribute, so through here


class Stats:
    """Running sums since the end of warm-up (the engine replaces a node's Stats then); KPIs
    are ratios of these (metrics.kpi). Flows (filled, lost, sold, revenue, ...) are added as
    they happen, levels once a day in ``close_day``."""

    __slots__ = (
        "days", "asked", "asked_sq", "filled", "lost", "sold", "ordered", "ordered_sq",
        "order_days", "orders", "shipped", "on_hand", "backorders", "on_order", "in_transit",
        "clean_days", "lost_at_close", "revenue", "purchase", "transport",
        "fees", "channel_fees", "shipping", "switched",
    )

    def __init__(self):
        for name in self.__slots__:
            setattr(self, name, 0)


class InfiniteSource(Node):
    """An outside source that never runs out: every order ships in full at once (after the
    outage, if it is in one)."""

    unlimited = True

    def fill(self, link, qty):
        self.day_asked += qty
        if self.out:
            self.backlog.append([link, qty])
            self.backlog_qty += qty
            return 0
        self.stats.filled += qty
        self.stats.purchase += qty * self.unit_cost
        return qty

    def serve_backlog(self):
        if self.out:
            return
        while self.backlog:
            link, qty = self.backlog.popleft()
            self.backlog_qty -= qty
            self.stats.purchase += qty * self.unit_cost
            link.ship(qty)

    def serve_demand(self):
        d = self.demand()
        self.day_asked += d
        st = self.stats
        st.filled += d
        st.sold += d
        st.revenue += d * self.price
        st.purchase += d * self.unit_cost

    def review(self, day):
        if self.mail:
            self.open_mail(day)


class DropshipNode(Node):
    """A seller that holds no stock: each day's consumer demand is ordered from the supplier at
    once and reaches the consumers over the lane's lead time (they wait as backorders)."""

    def serve_demand(self):
        super().serve_demand()
        rest = self.backlog_qty - self.on_order  # demand not yet passed on
        if rest > EPS:
            self.on_order += rest
            self.day_ordered += rest
            self.stats.orders += 1
            self.place_order(rest)


class Plant(Node):
    """A manufacturer that makes its own stock: its orders are production orders, started up to
    ``capacity`` units a day in order of arrival, each finishing after a production lead time.
    Production costs the product's unit cost per unit started."""

    def __init__(self, spec, *, capacity, production_time, **kw):
        super().__init__(spec, **kw)
        self.capacity = capacity
        self.queue: deque = deque()  # production orders not yet started
        self.queued = 0
        self.production_time = production_time

    def place_order(self, qty):
        """A production order: it waits for capacity in order of arrival."""
        self.queue.append(qty)
        self.queued += qty

    def review(self, day):
        super().review(day)
        self._start_production()

    def _start_production(self):
        room = self.capacity if self.capacity is not None else float("inf")
        started = 0
        while self.queue and room > EPS:
            q = self.queue[0]
            x = q if q <= room else room
            room -= x
            started += x
            if x >= q - EPS:
                self.queue.popleft()
            else:
                self.queue[0] = q - x
        if started:
            self.queued -= started
            self.stats.purchase += started * self.unit_cost
            delay = self.production_time()
            if delay == 0:
                self.receive(started)
            else:
                self.in_transit += started
                Arrival(self.env, delay, SelfLink(self), started)


class SelfLink:
    """Delivery of finished production into the plant's own stock."""

    __slots__ = ("node",)

    def __init__(self, node):
        self.node = node

    def deliver(self, event):
        self.node.in_transit -= event._value
        self.node.receive(event._value)
