"""Inventory policies: how much to order given the inventory position (IP).

IP = on hand + on order − backorders owed to buyers. Each policy is one small class; MOQ and case
packs are applied on top of any of them by ``lot_size``.

Every rule has one home here, for numbers and for arrays: a node on its own asks its policy's
``need(ip)`` for one number; a retail group (``model.group``) stacks its members' policies with
``Policy.stack`` into one policy whose parameters are arrays and asks ``needs(ip)`` for all of
them at once. The two forms of a rule sit side by side in its class, and ``lot_size`` /
``lot_sizes`` side by side below; ``tests/unit/test_policy_arrays.py`` checks that they agree
element by element. (The scalar forms stay plain Python: numpy calls on single numbers would cost
the per-node path several times its time.)
"""

from __future__ import annotations

import math

import numpy as np

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


def lot_sizes(q: np.ndarray, moq: np.ndarray | None, multiple: np.ndarray | None) -> np.ndarray:
    """``lot_size`` of every entry at once: ``moq`` and ``multiple`` per entry (0 where there is
    none), or None when no entry has one (the common case costs no array operation)."""
    q = np.where(q > EPS, q, 0.0)
    if moq is not None:
        q = np.where((q > 0) & (q < moq), moq, q)
    if multiple is not None:
        packs = np.ceil(q / np.where(multiple > 0, multiple, 1.0) - EPS)
        q = np.where((q > 0) & (multiple > 0), packs * multiple, q)
    return q


class Policy:
    """Base: ``need(ip)`` is the raw quantity the policy asks for; ``level`` its order-up-to
    level, used as the default starting stock (``model.kernel.starting_stock``). Forecasting
    policies also learn from each day's demand: the engine calls ``observe_day`` at the end of
    every day (``watches`` lists the nodes whose demand they follow) and ``bind`` gives them the
    node they order for.

    A policy with ``params`` (the numbers that define it, fixed during a run) also has an array
    form: ``stack`` and ``needs``. Policies that keep state (forecasts) have none, so nodes with
    them are never grouped."""

    level: float
    params: tuple[str, ...] = ()  # the numbers that define it; () = no array form
    watches: list | None = None  # forecasting policies: the nodes whose demand they follow

    def need(self, ip: float) -> float:
        raise NotImplementedError

    def needs(self, ip: np.ndarray) -> np.ndarray:
        """``need`` of every stacked policy at once (on the result of ``stack``)."""
        raise NotImplementedError

    @classmethod
    def stack(cls, policies: list[Policy]) -> Policy:
        """Policies of this kind as one policy whose parameters (and ``level``) are float arrays,
        one entry per policy in order; its ``needs`` computes all their needs at once."""
        if not cls.params or any(type(p) is not cls for p in policies):
            raise TypeError(f"{cls.__name__} cannot stack {[type(p).__name__ for p in policies]}")
        stacked = cls.__new__(cls)
        for name in (*cls.params, "level"):
            setattr(stacked, name, np.array([getattr(p, name) for p in policies], np.float64))
        return stacked

    def bind(self, node) -> None:
        pass


def has_array_form(spec) -> bool:
    """Whether the policy of this spec can be stacked (``Policy.stack``) for a retail group."""
    return bool(POLICIES.get(type(spec), Policy).params)


class BaseStockPolicy(Policy):
    """Order S − IP at every review."""

    params = ("S",)

    def __init__(self, spec: s.BaseStock, **_):
        self.S = self.level = _num(spec.S)

    def need(self, ip):
        return self.S - ip

    needs = need  # the same expression serves arrays


class SSPolicy(Policy):
    """When IP <= s, order S − IP."""

    params = ("s", "S")

    def __init__(self, spec: s.SS, **_):
        self.s, self.S = _num(spec.s), _num(spec.S)
        self.level = self.S

    def need(self, ip):
        return self.S - ip if ip <= self.s else 0

    def needs(self, ip):
        return np.where(ip <= self.s, self.S - ip, 0.0)


class RQPolicy(Policy):
    """When IP <= r, order the smallest multiple of Q that lifts IP above r."""

    params = ("r", "Q")

    def __init__(self, spec: s.RQ, **_):
        self.r, self.Q = _num(spec.r), _num(spec.Q)
        self.level = self.r + self.Q

    def need(self, ip):
        if ip > self.r:
            return 0
        n = math.floor((self.r - ip) / self.Q + EPS) + 1
        return n * self.Q

    def needs(self, ip):
        lots = np.floor((self.r - ip) / self.Q + EPS) + 1
        return np.where(ip <= self.r, lots * self.Q, 0.0)


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
