"""Build and wire the runtime network of one replication from a validated Scenario."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from chainsim.model import group as group_module
from chainsim.model.dists import demand_source, integer_valued, lead_time_source, mean_of
from chainsim.model.forecast import FORECASTING
from chainsim.model.group import GroupLink, RetailGroup, group_key, groupable
from chainsim.model.market import Market
from chainsim.model.node import Arrival, DropshipNode, InfiniteSource, Link, Node, Plant, SelfLink
from chainsim.model.policies import make_policy
from chainsim.model.rng import Streams
from chainsim.model.sourcing import Outages, route
from chainsim.model.tpl import Fulfilment
from chainsim.scenario.expected import start_demands
from chainsim.scenario.facts import (
    has_consumer_demand,
    is_dropship,
    is_market_outlet,
    takes_consumer_orders,
)
from chainsim.scenario.graph import (
    buyers_of,
    by_priority,
    lanes_into,
    outlet_regions,
    reachable,
    review_order,
    topological_order,
)
from chainsim.scenario.schema import Scenario


def selling_prices(scn: Scenario) -> dict[str, float]:
    """Each node's selling price: its ``price``; else its purchase price × (1 + ``markup``);
    else the product's list price if it sells to consumers; else its purchase price (resale
    at cost). Sources buy at the product's unit cost; a node with several suppliers at its
    first supplier's price (by lane priority, then lane order)."""
    product = scn.product
    supplier = {lane.dst: lane.src for lane in reversed(by_priority(scn.lanes))}
    prices: dict[str, float] = {}
    specs = {n.id: n for n in scn.nodes}
    for nid in topological_order(scn):
        node = specs[nid]
        buy = prices[supplier[nid]] if nid in supplier else product.unit_cost
        if node.price is not None:
            prices[nid] = node.price
        elif node.markup is not None:
            prices[nid] = buy * (1 + node.markup)
        elif has_consumer_demand(node):
            prices[nid] = product.price
        else:
            prices[nid] = buy
    return prices


@dataclass
class Network:
    nodes: list[Node]  # simulated one by one, in topological order (suppliers first)
    groups: list[RetailGroup]  # retail groups, each simulated over arrays
    review_order: list  # nodes and groups, consumer end first
    demand_nodes: list  # nodes and groups with consumer demand
    order: list[str]  # every node id, in topological order (rows of the results)
    outages: list  # model.sourcing.Outages of the nodes that can fail
    market: Market | None = None  # market mode: regions whose demand the outlets capture
    observers: list = ()  # forecasting policies, told each day's demand at its end
    served: dict = None  # supplier id -> ServedDemand: the consumer demand it serves

    def actors(self) -> list:
        return [*self.nodes, *self.groups]

    def kpi_nodes(self) -> list:
        """Every node as KPI functions read it, in topological order."""
        views = {v.id: v for g in self.groups for v in g.members()}
        views.update((n.id, n) for n in self.nodes)
        return [views[nid] for nid in self.order]


def plan_groups(scn: Scenario) -> dict[str, list[str]]:
    """Supplier id -> its buyers (in file order), for the suppliers whose buyers form a retail
    group (see ``model.group``)."""
    lanes_out = Counter(lane.src for lane in scn.lanes)
    lanes_in = Counter(lane.dst for lane in scn.lanes)
    specs = {n.id: n for n in scn.nodes}
    position = {n.id: i for i, n in enumerate(scn.nodes)}
    buyers = buyers_of(scn.lanes)
    delayed = {lane.dst for lane in scn.lanes if lane.order_delay}
    plan = {}
    for sup, ids in buyers.items():
        members = [specs[b] for b in ids]
        if (len(members) >= group_module.MIN_GROUP
                and not delayed.intersection(ids)
                and all(groupable(sp, lanes_out[sp.id], lanes_in[sp.id]) for sp in members)
                and len({group_key(sp) for sp in members}) == 1):
            plan[sup] = sorted(ids, key=position.__getitem__)
    return plan


def build_network(scn: Scenario, env, streams: Streams, *, vectorize: bool = True,
                  trace: list | None = None) -> Network:
    """Runtime nodes, groups and links of one replication, wired (desmod's build, connect, then
    run). ``vectorize=False`` simulates every node on its own (the reference path the grouped
    one must agree with); ``trace`` collects the status rows of consumer orders. The order of
    the steps matters where they schedule SimPy events for the same moment: the lanes' starting
    pipelines before the plants' production pipelines."""
    prices = selling_prices(scn)
    plan = plan_groups(scn) if vectorize else {}
    by_id = make_nodes(scn, env, streams, prices, plan, trace)
    groups, member_of = make_groups(scn, plan, by_id, prices, streams, env)
    wire_lanes(scn, by_id, member_of, streams, env)
    market = make_market(scn, by_id, streams)
    outages = []
    specs = {n.id: n for n in scn.nodes}
    for nid, node in by_id.items():  # topological order: the order outages update each day
        if specs[nid].outage is not None:
            node.outages = Outages(node, specs[nid].outage, streams)
            outages.append(node.outages)
    for group in groups:
        group.wire(group.links)
    for nid, node in by_id.items():
        if isinstance(node, Plant) and specs[nid].initial.pipeline:
            start_production(node, specs[nid], env)
    served = consumers_downstream(scn, by_id, member_of)
    forecasting = [n for n in scn.nodes if isinstance(n.policy, FORECASTING)]
    nodes = list(by_id.values())
    return Network(
        nodes=nodes,
        groups=groups,
        review_order=reviewers(scn, by_id, member_of),
        demand_nodes=[n for n in nodes if n.demand is not None] + groups,
        order=topological_order(scn),
        outages=outages,
        market=market,
        observers=watch_demand(by_id, served, forecasting),
        served=served_demand({nid: a for nid, a in served.items() if nid in by_id}),
    )


def make_nodes(scn: Scenario, env, streams: Streams, prices: dict[str, float],
               plan: dict[str, list[str]], trace: list | None) -> dict[str, Node]:
    """The runtime node of every node outside a retail group, in topological order: the kind
    of node its spec calls for, with its policy, selling price and demand stream."""
    supplied = {lane.dst for lane in scn.lanes}
    grouped = {m for members in plan.values() for m in members}
    specs = {n.id: n for n in scn.nodes}
    policies = make_policies(scn)
    by_id: dict[str, Node] = {}
    for nid in topological_order(scn):
        if nid in grouped:
            continue
        spec = specs[nid]
        kw = dict(policy=policies.get(nid), price=prices[nid], unit_cost=scn.product.unit_cost,
                  env=env)
        if spec.infinite_supply:
            node = InfiniteSource(spec, **kw)
        elif takes_consumer_orders(spec):
            node = Fulfilment(spec, streams=streams, trace=trace, **kw)
        elif is_dropship(spec):
            node = DropshipNode(spec, **kw)
        elif spec.role == "manufacturer" and nid not in supplied:
            node = make_plant(spec, streams, kw)
        else:
            node = Node(spec, **kw)
        if spec.demand is not None:
            node.demand = demand_source(spec.demand, streams.generator("demand", nid),
                                        spec.integer)
        by_id[nid] = node
    return by_id


def make_plant(spec, streams: Streams, kw: dict) -> Plant:
    """A manufacturer that produces, with its production lead-time stream (``production/<id>``)."""
    if spec.production_lead_time is not None:
        production = lead_time_source(spec.production_lead_time,
                                      streams.generator("production", spec.id))
    else:
        production = _zero
    return Plant(spec, capacity=spec.capacity, production_time=production, **kw)


def make_groups(scn: Scenario, plan: dict[str, list[str]], by_id: dict[str, Node],
                prices: dict[str, float], streams: Streams, env) -> tuple[list, dict]:
    """The retail groups of the plan, and member id -> (group, index)."""
    specs = {n.id: n for n in scn.nodes}
    groups, member_of = [], {}
    for sup, ids in plan.items():
        members = [specs[m] for m in ids]
        group = RetailGroup(
            members, policies=[make_policy(sp.policy) for sp in members],
            prices=[prices[m] for m in ids], supplier=by_id[sup],
            moqs=[max(sp.policy.moq, specs[sup].min_order) for sp in members],
            streams=streams, env=env)
        group.links = [None] * len(ids)  # filled with the lanes, then wired
        groups.append(group)
        member_of.update((m, (group, i)) for i, m in enumerate(ids))
    return groups, member_of


def wire_lanes(scn: Scenario, by_id: dict[str, Node], member_of: dict, streams: Streams,
               env) -> None:
    """A runtime link per lane with its lead-time stream (``lead_time/<from>/<to>``); each buyer
    gets its supplying links by priority (and a sourcing route when it has several), starts
    with its pipeline and takes its suppliers' MOQs."""
    specs = {n.id: n for n in scn.nodes}
    into: dict[str, list] = {}
    for j, lane in enumerate(scn.lanes):
        lead = lead_time_source(lane.lead_time, streams.generator("lead_time", lane.src, lane.dst))
        if lane.dst in member_of:
            group, i = member_of[lane.dst]
            group.links[i] = GroupLink(by_id[lane.src], group, i, lead, lane.cost_per_unit,
                                       lane.cost_per_shipment)
            continue
        link = Link(env, by_id[lane.src], by_id[lane.dst], lead, lane.cost_per_unit,
                    lane.cost_per_shipment, lane.order_delay)
        into.setdefault(lane.dst, []).append((lane.priority, j, lane.share, link))
        if specs[lane.dst].initial.pipeline:
            start_pipeline(link, lane, specs[lane.dst].initial.pipeline, env)
    for nid, links in into.items():
        buyer, spec = by_id[nid], specs[nid]
        links.sort(key=lambda x: (x[0] is None, x[0] or 0, x[1]))  # as graph.by_priority
        buyer.supply = links[0][3]
        if len(links) > 1 or spec.sourcing.rule != "single":
            buyer.route = route(spec.sourcing.rule, [x[3] for x in links],
                                [x[2] for x in links])
        # the suppliers' MOQs bind the buyer's orders on top of its own policy MOQ (with several
        # suppliers the largest: an order must be acceptable to whichever gets it)
        buyer.moq = max([buyer.moq] + [specs[x[3].supplier.id].min_order for x in links])


def make_market(scn: Scenario, by_id: dict[str, Node], streams: Streams) -> Market | None:
    """Market mode: each region's outlets, each outlet with its market channels and their mean
    fee."""
    if scn.market is None:
        return None
    fee = {c.id: c.fee_pct for c in scn.market.channels}
    specs = {n.id: n for n in scn.nodes}
    outlets_of: dict[str, list] = {}
    for nid, node in by_id.items():
        spec = specs[nid]
        if not is_market_outlet(spec):
            continue
        names = [c for c in spec.channels or [] if isinstance(c, str)]
        node.channel_names = names
        node.fee_pct = sum(fee[c] for c in names) / len(names) if names else 0.0
        for r in outlet_regions(scn, spec):
            outlets_of.setdefault(r, []).append(node)
    return Market(scn.market, outlets_of, scn.product.price, streams)


def reviewers(scn: Scenario, by_id: dict[str, Node], member_of: dict) -> list:
    """The actors that review, consumer end first (``graph.review_order``): a retail group
    where its first member would; an outside source only if orders reach it by mail."""
    mailed = {lane.src for lane in scn.lanes if lane.order_delay}
    out: list = []
    for nid in review_order(scn):
        if nid in member_of:
            group, i = member_of[nid]
            if i == 0:
                out.append(group)
        elif not isinstance(by_id[nid], InfiniteSource) or nid in mailed:
            out.append(by_id[nid])
    return out


def make_policies(scn: Scenario) -> dict:
    """A fresh runtime policy per node with one (forecasting policies keep state, so each
    replication needs its own); forecasting ones get their lead time, starting demand and
    whether to order whole units."""
    forecasting = any(isinstance(n.policy, FORECASTING) for n in scn.nodes)
    starts = start_demands(scn) if forecasting else {}
    integer = integer_quantities(scn) if forecasting else False
    policies = {}
    for spec in scn.nodes:
        if isinstance(spec.policy, FORECASTING):
            policies[spec.id] = make_policy(spec.policy, lead=cover_lead(scn, spec),
                                            start=starts[spec.id],
                                            integer=integer or bool(spec.integer))
        elif spec.policy is not None:
            policies[spec.id] = make_policy(spec.policy)
    return policies


def integer_quantities(scn: Scenario) -> bool:
    """Whether every consumer demand comes in whole units (then forecasting policies order
    whole units too)."""
    demands = [(n.demand, n.integer) for n in scn.nodes if n.demand is not None]
    if scn.market is not None:
        demands += [(r.demand, None) for r in scn.market.regions]
    return bool(demands) and all(whole or integer_valued(d) for d, whole in demands)


def cover_lead(scn: Scenario, spec) -> float:
    """L of an order-up-to forecast: the mean lead time of the node's first supplying lane
    plus its order delay, or a manufacturer's mean production lead time."""
    lanes = lanes_into(scn, spec.id)
    if lanes:
        return mean_of(lanes[0].lead_time) + lanes[0].order_delay
    if spec.production_lead_time is not None:
        return mean_of(spec.production_lead_time)
    return 0.0


def start_pipeline(link: Link, lane, flow: float, env) -> None:
    """A steady flow already under way at the start: ``flow`` due on each day of the lane's
    lead time (its mean, rounded up) and ordered on each day of its order delay (a split lane
    carries its share)."""
    flow = flow * (lane.share if lane.share is not None else 1)
    buyer = link.buyer
    for k in range(math.ceil(mean_of(lane.lead_time) - 1e-9)):
        buyer.on_order += flow
        buyer.in_transit += flow
        Arrival(env, k, link, flow)
    for k in range(lane.order_delay):
        buyer.on_order += flow
        link.supplier.post(link, flow, k)


def start_production(plant: Plant, spec, env) -> None:
    """A manufacturer's steady flow under way at the start: ``initial.pipeline`` finishing
    production on each day of its mean production lead time (rounded up)."""
    flow = spec.initial.pipeline
    lead = mean_of(spec.production_lead_time) if spec.production_lead_time is not None else 0
    for k in range(math.ceil(lead - 1e-9)):
        plant.on_order += flow
        plant.in_transit += flow
        Arrival(env, k, SelfLink(plant), flow)


def consumers_downstream(scn: Scenario, by_id: dict, member_of: dict) -> dict[str, list]:
    """For every node that supplies others: the consumer-facing actors (nodes, or retail groups
    as one) that it serves directly or through other nodes, in the order a depth-first walk
    finds them (the order their demand is summed).

    Which actors a node serves is gathered once per node from its buyers' sets (upstream from
    the consumer end), so a long serial chain costs linear time; the walk that fixes their
    order is taken only for a node that serves several actors."""
    specs = {n.id: n for n in scn.nodes}
    buyers = buyers_of(scn.lanes)
    actor_of = {}
    for n in scn.nodes:
        if n.id in member_of:
            actor_of[n.id] = member_of[n.id][0]
        elif has_consumer_demand(specs[n.id]):
            actor_of[n.id] = by_id[n.id]
    below: dict[str, frozenset] = {}  # node -> ids of the actors it or its buyers are
    for nid in reversed(topological_order(scn)):
        parts = [below[b] for b in buyers.get(nid, ())]
        mine = frozenset((id(actor_of[nid]),)) if nid in actor_of else frozenset()
        below[nid] = parts[0] if len(parts) == 1 and not mine else mine.union(*parts)
    by_key = {id(a): a for a in actor_of.values()}
    served = {}
    for start in buyers:
        reached = frozenset().union(*(below[b] for b in buyers[start]))
        if len(reached) == 1:
            served[start] = [by_key[next(iter(reached))]]
        elif reached:
            actors = {}
            for b in reachable(start, buyers):
                if b in actor_of:
                    actors[id(actor_of[b])] = actor_of[b]
            served[start] = list(actors.values())
    return served


def watch_demand(by_id: dict, served: dict, forecasting: list) -> list:
    """Bind each forecasting policy to its node and the nodes whose daily demand it follows:
    the node itself, or (``signal: consumer``) the consumer-facing nodes downstream of it (the
    node itself if it has none). Returns the policies, to be told each day's demand at its end."""
    observers = []
    for spec in forecasting:
        node = by_id[spec.id]
        policy = node.policy
        policy.bind(node)
        if spec.policy.signal == "consumer" and spec.id in served:
            policy.watches = served[spec.id]
        else:
            policy.watches = [node]
        observers.append(policy)
    return observers


class ServedDemand:
    """The daily consumer demand of a set of consumer-facing actors, summed, as running sums
    since the end of warm-up: the reference of a supplier's ``amplification``."""

    __slots__ = ("actors", "days", "total", "total_sq")

    def __init__(self, actors: list):
        self.actors = actors
        self.reset_stats()

    def reset_stats(self):
        self.days = 0
        self.total = self.total_sq = 0.0

    def add_day(self):
        d = 0
        for actor in self.actors:
            d += actor.day_asked
        self.days += 1
        self.total += d
        self.total_sq += d * d


def served_demand(served: dict) -> dict[str, ServedDemand]:
    """One running sum per distinct set of consumer actors (a serial chain has one)."""
    sums: dict[tuple, ServedDemand] = {}
    out = {}
    for nid, actors in served.items():
        key = tuple(sorted(id(a) for a in actors))
        if key not in sums:
            sums[key] = ServedDemand(actors)
        out[nid] = sums[key]
    return out


def _zero() -> int:
    return 0

