"""Inventory policies: how much to order given the inventory position (IP).

IP = on hand + on order − backorders owed to buyers. Each policy is one small class; MOQ and case
packs are applied on top of any of them by ``lot_size``.
"""

from __future__ import annotations

import math

from chainsim.scenario import schema as s

EPS = 1e-9


def lot_size(q: float, moq: float, multiple: float | None) -> float:
    """The quantity actually ordered for a need of q: at least the MOQ, then rounded up to a
    whole number of case packs. Nothing is ordered for q <= 0."""
    if q <= EPS:
        return 0
    if q < moq:
        q = moq
    if multiple:
        q = math.ceil(q / multiple - EPS) * multiple
        if float(multiple).is_integer():
            q = int(round(q))
    return q


class Policy:
    """Base: ``need(ip)`` is the raw quantity the policy asks for; ``level`` its order-up-to
    level, used as the default starting stock. Forecasting policies also learn from each day's
    demand: the engine calls ``observe_day`` at the end of every day (``watches`` lists the
    nodes whose demand they follow) and ``bind`` gives them the node they order for."""

    level: float
    watches: list | None = None  # forecasting policies: the nodes whose demand they follow

    def need(self, ip: float) -> float:
        raise NotImplementedError

    def bind(self, node) -> None:
        pass


class BaseStockPolicy(Policy):
    """Order S − IP at every review."""

    def __init__(self, spec: s.BaseStock, **_):
        self.S = self.level = _num(spec.S)

    def need(self, ip):
        return self.S - ip


class SSPolicy(Policy):
    """When IP <= s, order S − IP."""

    def __init__(self, spec: s.SS, **_):
        self.s, self.S = _num(spec.s), _num(spec.S)
        self.level = self.S

    def need(self, ip):
        return self.S - ip if ip <= self.s else 0


class RQPolicy(Policy):
    """When IP <= r, order the smallest multiple of Q that lifts IP above r."""

    def __init__(self, spec: s.RQ, **_):
        self.r, self.Q = _num(spec.r), _num(spec.Q)
        self.level = self.r + self.Q

    def need(self, ip):
        if ip > self.r:
            return 0
        n = math.floor((self.r - ip) / self.Q + EPS) + 1
        return n * self.Q


POLICIES = {s.BaseStock: BaseStockPolicy, s.SS: SSPolicy, s.RQ: RQPolicy}


def make_policy(spec, **context) -> Policy:
    """The runtime policy of a spec; forecasting policies take ``context`` (see
    ``model.forecast``): lead, start, integer."""
    return POLICIES[type(spec)](spec, **context)


def _num(x: float) -> float | int:
    """Whole numbers as ints, so integer-valued networks stay in exact integer arithmetic."""
    return int(x) if float(x).is_integer() else x


class MakeToOrderPolicy(Policy):
    """Order exactly what was asked and not yet ordered (base stock with S = 0)."""

    level = 0

    def __init__(self, spec: s.MakeToOrder, **_):
        pass

    def need(self, ip):
        return -ip


class DropshipPolicy(Policy):
    """Orders are placed when consumer demand arrives (``model.node.DropshipNode``), not at
    the review."""

    level = 0

    def __init__(self, spec: s.Dropship, **_):
        pass

    def need(self, ip):
        return 0


POLICIES.update({s.MakeToOrder: MakeToOrderPolicy, s.Dropship: DropshipPolicy})
