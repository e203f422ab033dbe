"""The tiers of a supply chain, consumer end first: what the bullwhip tables and figures group by.

A *tier* is a stocking node that places orders (a node with a policy; an outside source with
``infinite_supply`` never orders and is no tier). Tiers run from the consumer end upstream, in
the network's review order (deepest tier first, ``scenario.graph.review_order``). A network with
more than ``MAX_TIER_NODES`` stocking nodes is grouped per role instead.

These are facts of the scenario (``scenario.graph``, ``scenario.facts``) put together here,
below ``report``, for the report's figures and the Beer Game.
"""

from __future__ import annotations

from dataclasses import dataclass

from chainsim.scenario.facts import has_consumer_demand
from chainsim.scenario.graph import review_order

MAX_TIER_NODES = 8  # more stocking nodes than this are grouped per role


@dataclass(frozen=True)
class Tier:
    """What one line or bar stands for: a stocking node, or every stocking node of a role."""

    label: str
    role: str
    nodes: tuple[str, ...]
    by_role: bool = False


def stocking_nodes(scenario) -> list[str]:
    """Ids of the nodes that place orders (they have a policy), consumer end first."""
    ordering = {n.id for n in scenario.nodes if n.policy is not None and not n.infinite_supply}
    return [nid for nid in review_order(scenario) if nid in ordering]


def tiers(scenario, by_role: bool | None = None) -> list[Tier]:
    """The tiers of a scenario, consumer end first: one per stocking node, or per role
    (``by_role=True``, or None and more than ``MAX_TIER_NODES`` stocking nodes) ordered by the
    role's first node in review order."""
    ids = stocking_nodes(scenario)
    role = {n.id: n.role for n in scenario.nodes}
    if by_role is None:
        by_role = len(ids) > MAX_TIER_NODES
    if not by_role:
        return [Tier(nid, role[nid], (nid,)) for nid in ids]
    members: dict[str, list[str]] = {}
    for nid in ids:
        members.setdefault(role[nid], []).append(nid)
    return [Tier(f"{r} ×{len(m)}", r, tuple(m), by_role=True) for r, m in members.items()]


def consumer_nodes(scenario) -> list[str]:
    """Ids of the nodes consumers buy from (daily demand, 3PL orders or market regions)."""
    return [n.id for n in scenario.nodes if has_consumer_demand(n)]
