"""What a game's cost is measured against: the same weeks of the same scenario played by bots.

The benchmark puts every role on base-stock (order-up-to S every week), S chosen from the data
of the start only:

    S = the role's inventory position at the start (on hand + on order − backlog, the
        scenario's ``initial`` stock and pipeline) + for a role that sells to consumers, their
        expected demand in the first week (``step``: the demand before the step).

The consumers' term is there because a retailer reviews before the week's customers buy (README:
Time and event conventions). With this S every role starts in the game's own opening state, orders exactly what it was
asked (base-stock passes demand on one for one: no amplification) and never anticipates a
change in demand — after the Beer Game's step from 4 to 8 it carries the backlog that the
stock it started with cannot cover. Simple and known in advance, not optimal.
"""

from __future__ import annotations

from chainsim.engine.run import Simulation, resolve
from chainsim.model.dists import mean_of
from chainsim.play.game import Game
from chainsim.scenario import schema as s
from chainsim.scenario.schema import Scenario


def base_stock_levels(scn: Scenario, roles: list[str]) -> dict[str, float]:
    """S of each role (see the module doc), from the network as built, before any week runs."""
    nodes = {n.id: n for n in Simulation(scn, 0, vectorize=False).net.nodes}
    specs = {n.id: n for n in scn.nodes}
    levels = {}
    for nid in roles:
        node, demand = nodes[nid], specs[nid].demand
        first = 0.0
        if demand is not None:
            first = demand.before if isinstance(demand, s.Step) else mean_of(demand)
        level = node.on_hand + node.on_order - node.backlog_qty + first
        levels[nid] = int(level) if float(level).is_integer() else level
    return levels


def base_stock_scenario(scn: Scenario, roles: list[str]) -> Scenario:
    """The scenario with every role's policy replaced by ``{type: base_stock, S}``, reviewed
    every week, its starting stock kept (``scn`` must be resolved: initial on hand written)."""
    levels = base_stock_levels(scn, roles)
    data = scn.model_dump(by_alias=True)
    for raw in data["nodes"]:
        if raw["id"] in levels:
            raw["policy"] = {"type": "base_stock", "S": levels[raw["id"]]}
    data["name"] = f"{scn.name} (base-stock benchmark)"
    return Scenario.model_validate(data)


def bots_game(scn: Scenario, weeks: int) -> Game:
    """The first ``weeks`` weeks of a game scenario with every role played by its policy."""
    return Game(resolve(scn, days=weeks)).play()


def benchmark_game(scn: Scenario, roles: list[str], weeks: int) -> Game:
    """The first ``weeks`` weeks with every role on base-stock (see the module doc)."""
    return bots_game(base_stock_scenario(scn, roles), weeks)
