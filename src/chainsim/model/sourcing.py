"""Supplier coordination: which supplier gets an order, and suppliers that fail for a while.

A node with one lane in orders from that supplier. With several, its ``sourcing`` rule decides:
``split`` sends every order to all of them by the lanes' shares; ``primary_backup`` sends it to
the first supplier (by lane ``priority``, then lane order) that is available — not in an outage
and with stock on hand — or to the first one when none is.

An ``outage`` makes a node ship nothing for a while: each day it is available it starts one with
probability q, lasting D days (rounded up, at least 1). Over a long run it is available a share
(1 − q) / (1 − q + q·E[D]) of the days (≈ 1 / (1 + q·E[D]) for small q).
"""

from __future__ import annotations

import math

import numpy as np

from chainsim.model.dists import Buffered, make_sampler
from chainsim.model.policies import EPS
from chainsim.scenario import schema as s


def divide(qty, shares, whole: bool) -> list:
    """qty divided by shares; in whole units by largest remainder when ``whole``."""
    parts = [qty * share for share in shares]
    if not whole:
        return parts
    floors = [math.floor(p + EPS) for p in parts]
    left = int(round(qty - sum(floors)))
    by_remainder = sorted(range(len(parts)), key=lambda k: floors[k] - parts[k])
    for k in by_remainder[:left]:
        floors[k] += 1
    return floors


class Split:
    """Every order divided among the suppliers by share (an order of whole units in whole units,
    by largest remainder)."""

    def __init__(self, links, shares):
        self.links, self.shares = links, shares

    def __call__(self, qty):
        parts = divide(qty, self.shares, float(qty).is_integer())
        for link, part in zip(self.links, parts, strict=True):
            if part > EPS:
                link.order(part)


class PrimaryBackup:
    """Each order to the first available supplier in priority order, else to the primary."""

    def __init__(self, links):
        self.links = links

    def __call__(self, qty):
        for link in self.links:
            sup = link.supplier
            if not sup.out and (sup.on_hand > EPS or sup.unlimited):
                break
        else:
            link = self.links[0]
        link.order(qty)


def route(rule: str, links, shares):
    """The order router of a node with several suppliers (links in priority order)."""
    if rule == "split":
        return Split(links, shares)
    return PrimaryBackup(links)


class Outages:
    """Starts and ends a node's outages at the start of each day and counts its available days
    (since the last ``reset_stats``: the node's own, at the end of warm-up)."""

    def __init__(self, node, spec: s.Outage, streams):
        self.node = node
        self.start_prob = spec.start_prob
        unit = s.Uniform(dist="uniform", low=0, high=1)
        self.draw = Buffered(make_sampler(unit, streams.generator("outage", node.id)))
        self.duration = Buffered(make_sampler(spec.duration,
                                              streams.generator("outage_duration", node.id)),
                                 transform=_at_least_one_day)
        self.until = 0
        self.reset_stats()

    def reset_stats(self):
        """The available days are counted from the next ``update`` on: called at the end of
        warm-up (by ``Node.reset_stats``), before the first day after it starts."""
        self.up_days = 0

    def update(self, day: int) -> None:
        """At the start of ``day``: end an outage that is over, perhaps start a new one, and
        ship what waited if the node is up."""
        node = self.node
        recovered = node.out and day >= self.until
        if recovered:
            node.out = False
        if not node.out and self.draw() < self.start_prob:
            node.out = True
            self.until = day + self.duration()
        if recovered and not node.out:
            node.serve_backlog()
        if not node.out:
            self.up_days += 1


def _at_least_one_day(arr: np.ndarray) -> np.ndarray:
    return np.maximum(np.ceil(np.asarray(arr, dtype=float) - 1e-9), 1).astype(np.int64)
