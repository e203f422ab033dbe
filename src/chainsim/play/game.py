"""The Beer Game's mechanics: one replication of a scenario advanced a week at a time, one
role's orders typed by a person.

A week is one simulated day of the scenario (``period: week`` only changes labels). Within a
week the phases of the day (README: Time and event conventions) run in the engine's order (``engine.run.Simulation.step``):

1. the shipments due this week are received; waiting backorders are served from them;
2. the nodes review from the consumer end upstream. Each first takes the orders that reach it
   this week — its buyer's order mailed ``order_delay`` weeks ago or, without an order delay,
   the order its buyer placed a moment ago in this same phase — and ships what it can from
   stock; then it orders from its supplier;
3. consumers buy from the retailer (what it cannot serve is backlogged);
4. holding and backlog costs are charged on end-of-week levels.

The player orders inside phase 2, exactly where their node's policy would: the node's policy is
replaced (``Simulation.replace_policy``, the engine's public hook) by a ``ManualPolicy`` whose
``need`` asks the game, which shows a ``Board`` — the node's state at that instant — and
returns the typed quantity (the engine then applies the scenario's MOQ and case pack, as for
any policy). So the board shows what the role knows when it orders, and nothing more:

- the shipment received this week (phase 1 is over);
- the orders that reached it this week, already shipped from stock as far as it went: on hand
  and backlog are after that shipment;
- for a role that sells to consumers (the retailer): this week's customers come in phase 3,
  after it orders, so the board shows last week's customers instead;
- the supply line (on order: ordered, not yet received) and the costs up to last week.

Weeks run on the engine's own day loop, one week per turn (``Simulation.run_until``); running
the loop in pieces processes the same events in the same order as one run, so a game of bots
only is the scenario's run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from chainsim.engine.run import Simulation, resolve
from chainsim.errors import ChainsimError
from chainsim.metrics.tiers import stocking_nodes
from chainsim.model.policies import Policy
from chainsim.scenario.schema import Scenario

PLAYER, BOT = "player", "bot"
# The largest order a player may place in a week. A billion units is far beyond any game, and
# keeps every stock, pipeline and cost of a game of at most limits.MAX_DAYS weeks many orders of
# magnitude from float64 overflow (an order of 1e308 made the next week's sums infinite).
MAX_ORDER = 1e9
COLUMNS = ["week", "role", "incoming_order", "shipment_received", "on_hand", "backlog",
           "on_order", "order_placed", "cost", "played_by"]


class PlayError(ChainsimError):
    """The game cannot be played as asked (unknown or unplayable role)."""


class WeekRow(NamedTuple):
    """One role's week, at its end: what was asked of it (its buyer's orders and its
    consumers), what it received, its end-of-week levels, what it ordered, and the week's
    holding + backlog cost."""

    week: int  # from 1
    role: str
    incoming_order: float
    shipment_received: float
    on_hand: float
    backlog: float
    on_order: float
    order_placed: float
    cost: float
    played_by: str


@dataclass(frozen=True)
class Board:
    """What the player's role knows at its review in week ``week`` (see the module doc)."""

    week: int  # from 1
    weeks: int
    period: str
    role: str
    buyers: tuple[str, ...]  # the nodes it supplies
    incoming: float  # orders from its buyers that reached it this week
    consumers: bool  # it sells to consumers, who buy after it orders
    last_consumers: float | None  # what its consumers asked last week (None in week 1)
    received: float  # shipments received this week
    shipped: float  # shipped to its buyers this week so far
    on_hand: float
    backlog: float  # owed to its buyers and consumers
    on_order: float  # the supply line: ordered, not yet received
    last_order: float | None
    cost: float  # its holding + backlog cost up to the end of last week
    team_cost: float  # the same for every role


class ManualPolicy(Policy):
    """A policy whose order is typed: ``need(ip)`` returns what ``ask(ip)`` returns (the
    inventory position is not used; the engine's lot sizing still applies)."""

    level = 0

    def __init__(self, ask: Callable[[float], float]):
        self.ask = ask

    def need(self, ip):
        return self.ask(ip)


def playable_roles(scn: Scenario) -> list[str]:
    """The nodes a person can play, consumer end first: those that order from a supplier at a
    review (a policy, a lane into them, not drop-shipping, not a 3PL with consumer orders)."""
    supplied = {lane.dst for lane in scn.lanes}
    specs = {n.id: n for n in scn.nodes}
    return [nid for nid in stocking_nodes(scn)
            if nid in supplied and specs[nid].policy.type != "dropship"
            and specs[nid].orders is None]


def choose_role(scn: Scenario, role: str | None) -> str:
    """The role to play: ``role``, or by default ``retailer`` if it can be played, else the
    playable node nearest the consumers. Raises PlayError naming the playable roles."""
    roles = playable_roles(scn)
    if not roles:
        raise PlayError(f"no node of {scn.name} orders from a supplier at a review: nothing to "
                        "play (a role needs a policy and a lane into it)")
    valid = f"the roles of {scn.name} are {', '.join(roles)}"
    if role is None:
        return "retailer" if "retailer" in roles else roles[0]
    if role in roles:
        return role
    if role not in {n.id for n in scn.nodes}:
        raise PlayError(f"unknown role {role!r}: {valid}")
    raise PlayError(f"{role} cannot be played: it does not order from a supplier at a review "
                    f"(an outside source, a node without a policy or supplier, drop-shipping); "
                    f"{valid}")


def game_scenario(scn: Scenario, weeks: int | None = None, seed: int | None = None) -> Scenario:
    """The scenario of one game: one replication of ``weeks`` weeks (default: its horizon),
    no warm-up (every week played counts), every default written out (``engine.run.resolve``)."""
    return resolve(scn, replications=1, days=weeks or scn.horizon_days, seed=seed, warmup=0)


class Game:
    """One game: the scenario's replication 0 advanced a week at a time.

    ``role`` is played through ``decide(board)``, which returns the order or None to stop the
    game (that week is then not kept); ``role=None`` plays every role by its policy. The
    player's role reviews every week whatever the scenario's ``review_days``. Rows of the weeks
    played are in ``rows`` (roles consumer end first).
    """

    def __init__(self, scenario: Scenario, role: str | None = None,
                 decide: Callable[[Board], float | None] | None = None):
        self.scenario = scenario
        self.weeks = scenario.warmup_days + scenario.horizon_days
        self.sim = Simulation(scenario, 0, timeseries=True, vectorize=False)
        self.nodes = {n.id: n for n in self.sim.net.nodes}  # read only: the board's state
        self.roles = stocking_nodes(scenario)
        self.column = {nid: j for j, nid in enumerate(self.sim.series.ids)}
        self.buyers = {nid: tuple(ln.dst for ln in scenario.lanes if ln.src == nid)
                       for nid in self.roles}
        self.received: dict[str, dict[int, float]] = {nid: {} for nid in self.roles}
        for nid in self.roles:
            self.sim.watch_receipts(nid, self._count_receipt(self.received[nid]))
        self.role, self.decide = role, decide
        if role is not None:  # the player reviews every week, whatever the scenario says
            self.sim.replace_policy(role, ManualPolicy(self._ask), review_days=1)
        self.rows: list[WeekRow] = []
        self.played = 0  # weeks played and kept
        self.stopped = False
        self._asked_at_review: list[float] = []  # the player's buyers' orders, per week

    @property
    def over(self) -> bool:
        return self.stopped or self.played >= self.weeks

    @staticmethod
    def _count_receipt(tally: dict[int, float]) -> Callable[[int, float], None]:
        """Adds what a role receives to its day's tally (see ``Simulation.watch_receipts``)."""

        def count(day: int, qty: float) -> None:
            tally[day] = tally.get(day, 0) + qty

        return count

    def play_week(self) -> bool:
        """Simulate the next week; False if the player stopped during it (it is not kept)."""
        if self.over:
            return False
        week = self.played
        self.sim.run_until(week + 1)
        if self.stopped:
            return False
        self._record(week)
        self.played += 1
        return True

    def play(self) -> Game:
        """Play the remaining weeks (until the end or until the player stops)."""
        while self.play_week():
            pass
        return self

    def _record(self, day: int) -> None:
        data = self.sim.series.data
        for nid in self.roles:
            j, node = self.column[nid], self.nodes[nid]
            on_hand, backlog = data["on_hand"][day, j], data["backorders"][day, j]
            self.rows.append(WeekRow(
                week=day + 1, role=nid,
                incoming_order=_num(data["demand"][day, j]),
                shipment_received=_num(self.received[nid].get(day, 0)),
                on_hand=_num(on_hand), backlog=_num(backlog),
                on_order=_num(data["on_order"][day, j]),
                order_placed=_num(data["orders"][day, j]),
                cost=float(node.holding * on_hand + node.backorder_cost * backlog),
                played_by=PLAYER if nid == self.role else BOT))

    def _ask(self, ip: float) -> float:
        """The player's order at this week's review (0 once the game is stopped)."""
        if self.stopped:
            return 0
        node = self.nodes[self.role]
        self._asked_at_review.append(node.day_asked)
        order = self.decide(self.board())
        if order is None:
            self.stopped = True
            return 0
        return order

    def board(self) -> Board:
        """The player's role now (meaningful at its review, see the module doc)."""
        role, week = self.role, self.played
        node = self.nodes[role]
        mine = [r for r in self.rows if r.role == role]
        last_consumers = None
        if mine and node.sells_to_consumers:
            last_consumers = _num(mine[-1].incoming_order - self._asked_at_review[week - 1])
        return Board(
            week=week + 1, weeks=self.weeks, period=self.scenario.period, role=role,
            buyers=self.buyers[role], incoming=_num(node.day_asked),
            consumers=node.sells_to_consumers, last_consumers=last_consumers,
            received=_num(self.received[role].get(week, 0)), shipped=_num(node.day_shipped),
            on_hand=_num(node.on_hand), backlog=_num(node.backlog_qty),
            on_order=_num(node.on_order),
            last_order=mine[-1].order_placed if mine else None,
            cost=sum(r.cost for r in mine), team_cost=sum(r.cost for r in self.rows))


def _num(x) -> float:
    """A plain Python number (numpy scalars print and compare as themselves)."""
    x = float(x)
    return int(x) if x.is_integer() else x
