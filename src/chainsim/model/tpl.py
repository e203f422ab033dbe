"""A 3PL fulfilment centre: a seller's stock, consumer orders one by one, picking, packing, parcels.

Consumer orders arrive in continuous time (a Poisson process, ``orders.per_day``) through the
seller's channels (chosen by share). Each order takes its units from the shared stock at once, or
waits for them first come first served (or loses what is missing, with ``unmet: lost``). Once all
its units are there it goes through picking, then packing — SimPy resources with ``pickers`` and
``packers`` servers and service times in minutes, working only within ``hours`` — and is handed to
the carrier of its channel's shipping method, which delivers it after the method's transit time.
Orders placed after the ``cutoff`` hour wait for the next working day.

The centre is replenished like any node: it reviews at the start of each day (README: Time and event conventions) and
receives its shipments then; the orders of day d arrive during [d, d+1).
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_right
from collections import deque
from itertools import accumulate

import numpy as np
import simpy

from chainsim.model.dists import Buffered, make_sampler, mean_of
from chainsim.model.node import EPS, Node
from chainsim.model.sourcing import divide
from chainsim.scenario import schema as s
from chainsim.scenario.facts import tpl_channels

MINUTES_PER_DAY = 1440.0


def _at_least_one(arr: np.ndarray) -> np.ndarray:
    """Order sizes are whole units, at least one."""
    return np.maximum(np.ceil(np.asarray(arr, dtype=float) - 1e-9), 1).astype(np.int64)


class Order:
    """One consumer order; it is the 'buyer' of its backlog entry, so receiving stock calls
    ``ship`` on it just as on a lane."""

    __slots__ = ("number", "channel", "size", "placed", "allocated", "centre", "period")

    def __init__(self, centre, number, channel, size, placed):
        self.centre, self.number, self.channel = centre, number, channel
        self.size, self.placed, self.allocated = size, placed, 0
        self.period = centre.period  # its statistics go there, whenever they happen

    def ship(self, qty):
        """qty more units set aside for this order; when complete, fulfilment starts."""
        self.centre.allocate(self, qty)

    def cancel(self, qty):
        """Units lost to a stockout (``unmet: lost``): the order goes on with what it got."""


class ChannelStats:
    __slots__ = ("orders", "units", "revenue", "fees", "lead_sum", "delivered", "on_time")

    def __init__(self):
        self.orders = self.units = self.revenue = self.fees = 0
        self.lead_sum = self.delivered = self.on_time = 0


class OrderStats:
    """The statistics of the consumer orders placed in one statistics period. Each order keeps
    the period it was placed in and counts there, even for what happens after the period ended:
    ``Fulfilment.reset_stats`` starts a new one at the end of warm-up, so an order placed during
    warm-up counts nowhere, not even when it is picked, shipped or completed after it."""

    __slots__ = ("lead_times", "waits", "busy", "by_channel")

    def __init__(self, channels: int):
        self.lead_times = array("d")  # days from placing to delivery, per order
        self.waits = array("d")  # minutes waited for a picker plus a packer, per order
        self.busy = [0.0, 0.0]  # server-days busy, pickers and packers
        self.by_channel = [ChannelStats() for _ in range(channels)]


class Fulfilment(Node):
    """A 3PL node (``role: 3pl``) with consumer orders."""

    def __init__(self, spec, *, streams, trace, **kw):
        super().__init__(spec, **kw)
        nid = spec.id
        env = self.env
        self.trace = trace  # a list to append rows to, or None
        if spec.orders is not None:  # its own Poisson stream of orders
            gaps = s.Exponential(dist="exponential", mean=1.0 / spec.orders.per_day)
            self.gap = Buffered(make_sampler(gaps, streams.generator("orders", nid)))
            self.size = Buffered(make_sampler(spec.orders.size,
                                              streams.generator("order_size", nid)),
                                 transform=_at_least_one)
        else:  # a market outlet: the units its regions send, one order each, during the day
            unit_day = s.Uniform(dist="uniform", low=0, high=1)
            self.arrival_time = Buffered(make_sampler(unit_day,
                                                      streams.generator("order_times", nid)))
        self.channels = tpl_channels(spec)
        self.cum_share = list(accumulate(c.share for c in self.channels))
        unit = s.Uniform(dist="uniform", low=0, high=self.cum_share[-1])
        self.channel_draw = Buffered(make_sampler(unit, streams.generator("channel", nid)))
        self.methods = spec.shipping
        self.method_of = [choose_method(c, spec.shipping) for c in self.channels]
        self.transit = [Buffered(make_sampler(m.transit_days,
                                              streams.generator("transit", nid, m.method)))
                        for m in spec.shipping]
        self.pickers = simpy.Resource(env, spec.pickers)
        self.packers = simpy.Resource(env, spec.packers)
        self.stages = (
            (self.pickers, Buffered(make_sampler(spec.pick_time, streams.generator("pick", nid))),
             "picked"),
            (self.packers, Buffered(make_sampler(spec.pack_time, streams.generator("pack", nid))),
             "packed"),
        )
        self.hours = spec.hours
        self.cutoff = spec.cutoff
        self.fees = spec.fees
        self.number = 0
        self.period = OrderStats(len(self.channels))  # orders placed since the last reset
        # a fixed allocation keeps one stock pool and one queue of waiting orders per channel
        self.allocation = None
        if any(c.allocation is not None for c in self.channels):
            self.allocation = [c.allocation for c in self.channels]
            whole = float(self.on_hand).is_integer()
            self.pools = divide(self.on_hand, self.allocation, whole)
            self.queues = [deque() for _ in self.channels]
        if spec.orders is not None:
            env.process(self._arrivals())

    # ------------------------------------------------------------------ consumer orders
    def _arrivals(self):
        """Consumer orders arrive one by one; each takes its units or waits for them."""
        timeout = self.env.timeout
        while True:
            yield timeout(self.gap())
            self._new_order(self.size())

    def _new_order(self, size):
        k = bisect_right(self.cum_share, self.channel_draw())
        order = Order(self, self.number, min(k, len(self.channels) - 1), size, self.env.now)
        self.number += 1
        self._log(order, "ordered", order.placed)
        order.period.by_channel[order.channel].orders += 1
        x = self.fill(order, order.size)  # counts the units as asked of the node today
        if x:
            self.allocate(order, x)

    def take_demand(self, d):
        """Market mode: the d units captured today arrive as one-unit orders at uniform times
        within the day; each waits for stock itself, so nothing is left for the market."""
        if d > 0:
            times = sorted(self.arrival_time() for _ in range(int(round(d))))
            self.env.process(self._market_orders(times))
        return 0

    def take_demand_switched(self, want):
        return want  # consumers of a store do not switch to an online shop

    def _market_orders(self, times):
        env, start = self.env, self.env.now
        for t in times:
            yield env.timeout(start + t - env.now)
            self._new_order(1)

    def allocate(self, order, qty):
        """Units set aside for an order are sold; a complete order goes to picking. With lost
        sales an order ships what it got (fill already lost the rest)."""
        order.allocated += qty
        st = self.stats
        st.sold += qty
        channel = self.channels[order.channel]
        value = qty * self.price
        st.revenue += value
        fee = channel.fee_pct * value
        if order.allocated >= order.size - EPS or self.lost:
            fee += channel.fee_per_order
            self.env.process(self._fulfil(order))
        st.channel_fees += fee
        cs = order.period.by_channel[order.channel]
        cs.units += qty
        cs.revenue += value
        cs.fees += fee

    # ------------------------------------------------------------------ channel pools
    def receive(self, qty):
        if self.allocation is None:
            return super().receive(qty)
        self.on_order -= qty
        self.on_hand += qty
        whole = float(qty).is_integer()
        for c, part in enumerate(divide(qty, self.allocation, whole)):
            self.pools[c] += part
        self.serve_backlog()

    def fill(self, link, qty):
        """With a fixed allocation an order takes units from its own channel's pool only."""
        if self.allocation is None:
            return super().fill(link, qty)
        c = link.channel
        self.day_asked += qty
        queue = self.queues[c]
        pool = 0 if (self.out or queue) else self.pools[c]
        x = qty if qty <= pool else pool
        if x > EPS:
            self.pools[c] -= x
            self.on_hand -= x
            self.stats.filled += x
        else:
            x = 0
        rest = qty - x
        if rest > EPS:
            self.short(link, rest, queue)
        return x

    def serve_backlog(self):
        if self.allocation is None:
            return super().serve_backlog()
        if self.out:
            return
        for c, queue in enumerate(self.queues):
            while queue and self.pools[c] > EPS:
                entry = queue[0]
                order, want = entry
                x = want if want <= self.pools[c] else self.pools[c]
                self.pools[c] -= x
                self.on_hand -= x
                self.backlog_qty -= x
                if x >= want - EPS:
                    queue.popleft()
                else:
                    entry[1] = want - x
                order.ship(x)

    def _fulfil(self, order):
        """Pick, then pack (each waiting for a free server within working hours), then ship."""
        env = self.env
        period = order.period
        if self.cutoff is not None and _hour(env.now) >= self.cutoff:
            yield env.timeout(self._next_opening(env.now))
        waited = 0.0
        for k, (resource, service, status) in enumerate(self.stages):
            closed = self._until_open(env.now)
            if closed:  # outside working hours: not a wait for a busy server
                yield env.timeout(closed)
            asked = env.now
            with resource.request() as req:
                yield req
                closed = self._until_open(env.now)
                if closed:  # still queued at closing time: the wait goes on overnight
                    yield env.timeout(closed)
                waited += env.now - asked
                minutes = service()
                period.busy[k] += minutes / MINUTES_PER_DAY
                yield env.timeout(minutes / MINUTES_PER_DAY)
            self._log(order, status, env.now)
        shipped = env.now
        m = self.method_of[order.channel]
        delivered = shipped + self.transit[m]()
        self._log(order, "shipped", shipped)
        self._log(order, "delivered", delivered)
        st = self.stats
        st.shipping += self.methods[m].cost_per_parcel
        st.fees += self.fees.per_order + self.fees.per_unit * order.allocated
        st.shipped += order.allocated
        lead = delivered - order.placed
        period.lead_times.append(lead)
        period.waits.append(waited * MINUTES_PER_DAY)
        cs = period.by_channel[order.channel]
        cs.delivered += 1
        cs.lead_sum += lead
        promise = self.channels[order.channel].promised_days
        cs.on_time += promise is None or lead <= promise + EPS

    def _log(self, order, status, time):
        if self.trace is not None:
            self.trace.append((order.number, self.id, self.channels[order.channel].id,
                               self.methods[self.method_of[order.channel]].method, status, time,
                               order.size))

    # ------------------------------------------------------------------ working hours
    def _until_open(self, t: float) -> float:
        """Days from t until pickers and packers work (0 if they work now)."""
        if self.hours is None:
            return 0.0
        h = _hour(t)
        if self.hours.start <= h < self.hours.end:
            return 0.0
        return self._next_opening(t)

    def _next_opening(self, t: float) -> float:
        """Days from t to the next start of a working day (midnight without working hours)."""
        start = self.hours.start if self.hours is not None else 0.0
        h = _hour(t)
        wait = (start - h) / 24.0 if h < start else (24.0 - h + start) / 24.0
        return max(wait, 0.0)

    # ------------------------------------------------------------------ results
    def reset_stats(self):
        """Statistics restart at the end of warm-up: the node's, and a new period of order
        statistics (orders placed before now no longer count, see ``OrderStats``)."""
        super().reset_stats()
        self.period = OrderStats(len(self.channels))

    @property
    def open_share(self) -> float:
        """The share of each day the centre works (its hours; 1 without)."""
        return ((self.hours.end - self.hours.start) / 24.0) if self.hours else 1.0


def choose_method(channel, methods) -> int:
    """The channel's shipping method: the one it names; else the first whose mean transit keeps
    its promise; else the first."""
    names = [m.method for m in methods]
    if channel.shipping is not None:
        return names.index(channel.shipping)
    if channel.promised_days is not None:
        for k, m in enumerate(methods):
            if mean_of(m.transit_days) <= channel.promised_days:
                return k
    return 0


def _hour(t: float) -> float:
    return (t - math.floor(t)) * 24.0
