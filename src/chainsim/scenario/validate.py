"""Checks that need the whole network: ids, lanes, cycles, supply of every stocking node.

Each check returns problems located in the raw YAML, so the user sees every mistake of a file at
once, each as ``FILE:LINE:COL: message`` with the fix.
"""

from __future__ import annotations

import difflib
import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, get_args

from pydantic import ValidationError

from chainsim.errors import Problem
from chainsim.scenario.facts import (
    CONSUMER_DEMAND_KEYS,
    has_consumer_demand,
    is_source,
    reserved_row_problem,
    takes_consumer_orders,
    tpl_channel_rows,
)
from chainsim.scenario.graph import find_cycle, outlet_regions, reachable, suppliers_of
from chainsim.scenario.paths import read_text_file
from chainsim.scenario.positions import locate
from chainsim.scenario.ranges import MAX_CSV_VALUE, shown
from chainsim.scenario.schema import DEMAND_ONLY, Empirical, Lane, Node, Role, Scenario
from chainsim.scenario.yamlread import plain

ROLES = set(get_args(Role))


@dataclass
class _NodeView:
    """What the network checks need of a node; None where the file does not say it clearly."""

    index: int
    id: str
    role: str | None
    infinite_supply: bool | None
    has_demand: bool
    has_policy: bool
    dists: list[tuple[str, str | None, str | None]] = field(default_factory=list)  # key, dist, csv
    rule: str | None = "single"  # sourcing rule (None: unclear in a broken file)
    broken: bool = False  # the node has schema errors of its own: judge only its id


@dataclass
class _LaneView:
    index: int
    src: str
    dst: str
    lead_dist: str | None
    csv: str | None

    @property
    def key(self) -> str:
        return f"{self.src}->{self.dst}"


def _dist_info(dist: Any) -> tuple[str | None, str | None]:
    if dist is None:
        return None, None
    if isinstance(dist, Mapping):
        name, csv = dist.get("dist"), dist.get("csv")
        name = name if isinstance(name, str) else None
        return name, csv if name == "empirical" and isinstance(csv, str) and csv else None
    return dist.dist, dist.csv if isinstance(dist, Empirical) else None


def _views_from_scenario(scn: Scenario) -> tuple[list[_NodeView], list[_LaneView], int]:
    nodes = [
        _NodeView(i, n.id, n.role, n.infinite_supply, has_consumer_demand(n), n.policy is not None,
                  [(k, *_dist_info(d)) for k, d in (("demand", n.demand),
                                                    ("production_lead_time", n.production_lead_time))
                   if d is not None],
                  rule=n.sourcing.rule)
        for i, n in enumerate(scn.nodes)
    ]
    lanes = [_LaneView(j, ln.src, ln.dst, *_dist_info(ln.lead_time)) for j, ln in enumerate(scn.lanes)]
    return nodes, lanes, len(scn.products)


def _views_from_raw(
    raw: Mapping, errors: set[tuple[Any, ...]]
) -> tuple[list[_NodeView], list[_LaneView], int]:
    """Best-effort views of a file that failed the schema: skip what is too broken to judge."""
    broken = {loc[1] for loc in errors if len(loc) >= 2 and loc[0] == "nodes"}
    nodes: list[_NodeView] = []
    raw_nodes = raw.get("nodes")
    for i, n in enumerate(raw_nodes if isinstance(raw_nodes, list) else []):
        if not isinstance(n, Mapping) or not isinstance(n.get("id"), str) or not n.get("id"):
            continue
        role = n.get("role") if isinstance(n.get("role"), str) and n.get("role") in ROLES else None
        inf = n.get("infinite_supply", False)
        nodes.append(_NodeView(
            i, n["id"], role, inf if isinstance(inf, bool) else None,
            any(n.get(k) is not None for k in CONSUMER_DEMAND_KEYS),
            n.get("policy") is not None,
            [(k, *_dist_info(n.get(k))) for k in ("demand", "production_lead_time")
             if isinstance(n.get(k), Mapping)],
            rule=_raw_rule(n.get("sourcing")),
            broken=i in broken,
        ))
    lanes: list[_LaneView] = []
    raw_lanes = raw.get("lanes")
    for j, ln in enumerate(raw_lanes if isinstance(raw_lanes, list) else []):
        if not isinstance(ln, Mapping):
            continue
        src, dst = ln.get("from", ln.get("src")), ln.get("to", ln.get("dst"))
        if not (isinstance(src, str) and isinstance(dst, str)):
            continue
        lt = ln.get("lead_time")
        lanes.append(_LaneView(j, src, dst, *(_dist_info(lt) if isinstance(lt, Mapping) else (None, None))))
    products = raw.get("products")
    return nodes, lanes, len(products) if isinstance(products, list) else 1


def _raw_rule(sourcing: Any) -> str | None:
    if sourcing is None:
        return "single"
    rule = sourcing.get("rule", "single") if isinstance(sourcing, Mapping) else None
    return rule if isinstance(rule, str) else None


Found = list[tuple[tuple[Any, ...], str]]  # (location in the raw file, message) pairs


def network_problems(
    scn: Scenario | None, raw: Any, file: str, errors: set[tuple[Any, ...]] = frozenset()
) -> list[Problem]:
    """Problems of the network as a whole.

    ``scn`` is the validated scenario, or None when the file failed the schema (``errors`` are
    the pydantic locations that failed): then the checks run on the raw data, skipping entries
    too broken to judge, so that the user still sees every problem of the file at once.
    """
    if scn is not None:
        nodes, lanes, n_products = _views_from_scenario(scn)
    elif isinstance(raw, Mapping):
        nodes, lanes, n_products = _views_from_raw(raw, set(errors))
    else:
        return []
    found: Found = _id_problems(nodes, raw, n_products)
    found += row_name_problems(nodes, scn)
    graph = _LaneCheck(nodes, lanes, scn, raw)
    found += graph.found
    found += _supply_problems(nodes, lanes, graph)
    valid_nodes = _valid_parts(scn, raw, "nodes", Node)
    for i, node in valid_nodes:
        found += [(("nodes", i, *loc), message) for loc, message in fulfilment_problems(node)]
    found += sourcing_problems(valid_nodes, _valid_parts(scn, raw, "lanes", Lane))
    if scn is not None:
        found += market_problems(scn)
        found += horizon_problems(scn, raw)
    cycle = find_cycle([n.id for n in nodes], [(ln.src, ln.dst) for ln in graph.known])
    if cycle:
        lane = next(ln for ln in graph.known if (ln.src, ln.dst) == cycle[-2:])
        found.append((("lanes", lane.index),
                      f"the supply graph has a cycle {' -> '.join(cycle)}; goods must flow one "
                      "way, remove one of these lanes"))
    return [Problem(*locate(raw, loc, file), message) for loc, message in found]


def _id_problems(nodes: list[_NodeView], raw: Any, n_products: int) -> Found:
    """Node ids used twice; empty node or product lists; several products."""
    out: Found = []
    first_at: dict[str, int] = {}
    for n in nodes:
        if n.id in first_at:
            out.append((("nodes", n.index, "id"),
                        f"duplicate node id '{n.id}' (first used by nodes[{first_at[n.id]}]); "
                        "give every node its own id"))
        else:
            first_at[n.id] = n.index
    if isinstance(raw, Mapping) and raw.get("nodes") == []:
        out.append((("nodes",), "nodes is empty; list at least a source (infinite_supply: true) "
                    "and a node with demand"))
    if n_products == 0:
        out.append((("products",), "products is empty; list one product, or remove products: to "
                    "use the default product 'item'"))
    if n_products > 1:
        out.append((("products", 1), "several products are not supported yet; keep one product "
                    "per scenario"))
    return out


def row_name_problems(nodes: list[_NodeView], scn: Scenario | None) -> Found:
    """Node ids the tables would confuse with other rows: a reserved name (``network``, the
    ``owner:`` and ``channel:`` rows), or the row of a 3PL's channel (``<id>/<channel>``); and two
    3PL channels whose rows share a name. The channels are judged only in a validated file."""
    out: Found = []
    for n in nodes:
        why = reserved_row_problem(n.id)
        if why:
            out.append((("nodes", n.index, "id"), why))
    if scn is None:
        return out
    channel_row_of: dict[str, tuple[int, str]] = {}  # row name -> (node index, 3PL id)
    for i, node in enumerate(scn.nodes):
        for k, row in enumerate(tpl_channel_rows(node)):
            if row in channel_row_of:
                if channel_row_of[row][0] == i:  # a channel id listed twice: said by its check
                    continue
                other = channel_row_of[row][1]
                out.append((("nodes", i, "channels", k, "id"),
                            f"the rows of this channel of '{node.id}' would be named '{row}', like "
                            f"those of a channel of '{other}'; rename the channel or the node"))
            else:
                channel_row_of[row] = (i, node.id)
    for n in nodes:
        if n.id in channel_row_of:
            owner = channel_row_of[n.id][1]
            out.append((("nodes", n.index, "id"),
                        f"node id '{n.id}' is the name of the rows of a channel of 3PL '{owner}' "
                        f"('{owner}/<channel>'); rename the node or the channel"))
    return out


class _LaneCheck:
    """The lanes' own problems (unknown ends, self-loops, repeats, a demand process as lead
    time), and what the node checks need to know of the lanes: each node's known supplying
    lanes, which nodes some lane aims at or ships from, and whether a lane naming an unknown
    node leaves it unsure which node was meant (then "no lane supplies it" is not said)."""

    def __init__(self, nodes: list[_NodeView], lanes: list[_LaneView], scn, raw):
        ids = [n.id for n in nodes]
        seen = set(ids)
        self.found: Found = []
        self.first_at = {}
        for n in nodes:
            self.first_at.setdefault(n.id, n.index)
        self.suppliers: dict[str, list[_LaneView]] = {nid: [] for nid in ids}
        self.known: list[_LaneView] = []
        self.aimed_at: set[str] = set()  # nodes some lane (perhaps from a misspelt node) supplies
        self.aimed_from: set[str] = set()  # nodes some lane (perhaps to a misspelt node) ships from
        raw_lanes = raw.get("lanes") if isinstance(raw, Mapping) else None
        # a lane too broken to read may be the missing one
        unreadable = scn is None and raw_lanes is not None and (
            not isinstance(raw_lanes, list) or len(raw_lanes) > len(lanes))
        self.unsure_buyers = self.unsure_sellers = unreadable
        count = Counter((lane.src, lane.dst) for lane in lanes)
        for lane in lanes:
            self.aimed_at.add(lane.dst)
            self.aimed_from.add(lane.src)
            self.unsure_sellers |= lane.src not in seen
            self.unsure_buyers |= lane.dst not in seen
            if self._lane_ok(lane, ids, count):
                self.suppliers[lane.dst].append(lane)
                self.known.append(lane)

    def _lane_ok(self, lane: _LaneView, ids: list[str], count: Counter) -> bool:
        bad = False
        for end, key in ((lane.src, "from"), (lane.dst, "to")):
            if end not in self.first_at:
                near = difflib.get_close_matches(end, ids, n=1, cutoff=0.5)
                hint = (f"did you mean '{near[0]}'?" if near
                        else f"use one of the node ids: {', '.join(ids)}" if ids
                        else "add the node under nodes:")
                self.found.append((("lanes", lane.index, key),
                                   f"lane {key} '{end}' names no node; {hint}"))
                bad = True
        if bad:
            return False
        if lane.src == lane.dst:
            self.found.append((("lanes", lane.index),
                               f"lane {lane.key} goes from a node to itself; remove it"))
            return False
        if count[(lane.src, lane.dst)] > 1 and any(
                (k.src, k.dst) == (lane.src, lane.dst) for k in self.known):
            self.found.append((("lanes", lane.index),
                               f"lane {lane.key} appears more than once; keep one"))
            return False
        if lane.lead_dist in DEMAND_ONLY:
            self.found.append((("lanes", lane.index, "lead_time", "dist"),
                               f"{lane.lead_dist} is a demand process, not a lead time; use e.g. "
                               "constant or gamma"))
        return True


def _supply_problems(nodes: list[_NodeView], lanes: list[_LaneView], graph: _LaneCheck) -> Found:
    """Each node's supply: one supplier unless a sourcing rule says otherwise, none into an
    outside source, at least one into a stocking node, a policy, somewhere for its goods to go;
    and the distributions and csv files it names."""
    out: Found = []
    for node in nodes:
        if node.broken:
            continue
        ins = graph.suppliers.get(node.id, [])
        known = node.role is not None and node.infinite_supply is not None
        if len(ins) > 1 and node.rule == "single":
            out.append((("lanes", ins[1].index, "to"),
                        f"node '{node.id}' has several suppliers "
                        f"({', '.join(ln.src for ln in ins)}); give it sourcing: "
                        "{rule: primary_backup} or {rule: split} (with share: on each lane), "
                        "or keep one lane into it"))
        if node.infinite_supply and ins:
            out.append((("lanes", ins[0].index, "to"),
                        f"node '{node.id}' has infinite_supply, so no lane should supply it; "
                        "remove this lane"))
        first = graph.first_at.get(node.id) == node.index
        if (known and not is_source(node) and not ins and first
                and node.id not in graph.aimed_at and not graph.unsure_buyers):
            why = "has demand or orders" if node.has_demand else "stocks the product"
            out.append((("nodes", node.index, "id"),
                        f"node '{node.id}' {why} but no lane supplies it; add a lane "
                        f"{{from: <supplier>, to: {node.id}}} or set infinite_supply: true"))
        if node.infinite_supply is False and not node.has_policy:
            out.append((("nodes", node.index, "id"),
                        f"node '{node.id}' needs a policy (e.g. policy: {{type: base_stock, "
                        "S: 50}) or infinite_supply: true"))
        if (not node.has_demand and node.id not in graph.aimed_from and first
                and not graph.unsure_sellers):
            out.append((("nodes", node.index, "id"),
                        f"node '{node.id}' has no demand and supplies no node; add demand or a "
                        "lane from it"))
        for key, dist, csv in node.dists:
            if key == "production_lead_time" and dist in DEMAND_ONLY:
                out.append((("nodes", node.index, key, "dist"),
                            f"{dist} is a demand process, not a lead time; use e.g. constant or "
                            "gamma"))
            if csv is not None and (msg := _csv_problem(csv)):
                out.append((("nodes", node.index, key, "csv"), msg))
    for lane in lanes:
        if lane.csv is not None and (msg := _csv_problem(lane.csv)):
            out.append((("lanes", lane.index, "lead_time", "csv"), msg))
    return out


def _valid_parts(scn: Scenario | None, raw: Any, key: str, model) -> list[tuple[int, Any]]:
    """(index, item) of the nodes or lanes that pass the schema on their own, also when the file
    as a whole does not (so that their problems are still reported)."""
    if scn is not None:
        return list(enumerate(getattr(scn, key)))
    items = raw.get(key) if isinstance(raw, Mapping) else None
    out = []
    for i, item in enumerate(items if isinstance(items, list) else []):
        try:
            out.append((i, model.model_validate(plain(item))))
        except (ValidationError, TypeError, ValueError):
            continue
    return out


def market_problems(scn: Scenario) -> list[tuple[tuple[Any, ...], str]]:
    """Outlets name known regions and market channels; a market has outlets."""
    out: list[tuple[tuple[Any, ...], str]] = []
    market = scn.market
    regions = [r.id for r in market.regions] if market else []
    channels = [c.id for c in market.channels] if market else []
    for key, ids in (("regions", regions), ("channels", channels)):
        for k, rid in enumerate(ids):
            if rid in ids[:k]:
                out.append((("market", key, k, "id"),
                            f"{key[:-1]} id '{rid}' is used twice in the market; give each its "
                            "own id"))
    if market is not None and market.elasticity.epsilon > 0 and not (
            market.elasticity.reference_price or scn.product.price):
        out.append((("market", "elasticity"),
                    "elasticity needs a reference price: give the product a price (products: "
                    "[{price: ...}]) or elasticity.reference_price"))
    outlets = 0
    for i, node in enumerate(scn.nodes):
        names = [c for c in node.channels or [] if isinstance(c, str)]
        if (node.orders is not None or node.role == "3pl") and names:
            out.append((("nodes", i, "channels"),
                        f"a 3pl's channels are mappings like {{id: web, kind: website, share: 1}}; "
                        f"give node '{node.id}' those instead of names"))
            continue
        if node.region is None:
            if names:
                out.append((("nodes", i, "channels"),
                            f"channel names belong to market outlets; give node '{node.id}' a "
                            "region: or remove channels"))
            continue
        outlets += 1
        if market is None:
            out.append((("nodes", i, "region"),
                        f"node '{node.id}' names a region but the scenario has no market:; add "
                        "market: {regions: [{id: ..., demand: ...}]} or use demand:"))
            continue
        if node.role != "3pl" and any(not isinstance(c, str) for c in node.channels or []):
            out.append((("nodes", i, "channels"),
                        f"a market outlet lists market channel ids, e.g. channels: "
                        f"[{channels[0] if channels else 'store'}]"))
        wanted = [node.region] if isinstance(node.region, str) else list(node.region)
        if not wanted:
            out.append((("nodes", i, "region"),
                        f"node '{node.id}' serves no region; list at least one, or all"))
        for k, r in enumerate(wanted):
            if r in wanted[:k]:
                out.append((("nodes", i, "region"), f"region '{r}' is listed twice; list it once"))
            if r != "all" and r not in regions:
                near = difflib.get_close_matches(r, regions, n=1, cutoff=0.5)
                hint = f"did you mean '{near[0]}'?" if near else f"use one of: {', '.join(regions)}, all"
                out.append((("nodes", i, "region"), f"region '{r}' is not in the market; {hint}"))
        for c in names:
            if c not in channels:
                near = difflib.get_close_matches(c, channels, n=1, cutoff=0.5)
                hint = (f"did you mean '{near[0]}'?" if near else
                        f"use one of: {', '.join(channels)}" if channels else
                        "add it under market: channels:")
                out.append((("nodes", i, "channels"), f"channel '{c}' is not a market channel; {hint}"))
    out += territory_problems(scn, regions)
    if market is not None and outlets == 0:
        out.append((("market",), "the market has no outlet; give the retailers region: (and "
                                 "channels:) instead of demand:"))
    return out


def territory_problems(scn: Scenario, regions: list[str]) -> list[tuple[tuple[Any, ...], str]]:
    """Exclusive rights: one holder per region, and outlets there get the product only through
    the holder."""
    out: list[tuple[tuple[Any, ...], str]] = []
    holder: dict[str, str] = {}
    index = {n.id: i for i, n in enumerate(scn.nodes)}
    for i, node in enumerate(scn.nodes):
        for r in node.territory or []:
            if r not in regions:
                out.append((("nodes", i, "territory"),
                            f"territory region '{r}' is not in the market; use one of: "
                            f"{', '.join(regions)}"))
            elif r in holder:
                out.append((("nodes", i, "territory"),
                            f"'{node.id}' and '{holder[r]}' both hold exclusive rights for "
                            f"region '{r}'; give the region to one of them"))
            else:
                holder[r] = node.id
    if not holder:
        return out
    suppliers = suppliers_of(scn.lanes)
    for node in scn.nodes:
        if node.region is None:
            continue
        served = outlet_regions(scn, node)
        chain = {node.id, *reachable(node.id, suppliers)}
        for r in served:
            rights = holder.get(r)
            if rights is None or rights in chain:
                continue
            rival = next((n for n in chain if scn.nodes[index[n]].role == "distributor"), None)
            who = f"through '{rival}' " if rival else ""
            out.append((("nodes", index[node.id], "region"),
                        f"'{rights}' holds exclusive rights for region '{r}', but outlet "
                        f"'{node.id}' gets its stock {who}without it; supply it through "
                        f"'{rights}' or take '{r}' out of its regions"))
    return out


def sourcing_problems(nodes: list[tuple[int, Node]],
                      lanes: list[tuple[int, Lane]]) -> list[tuple[tuple[Any, ...], str]]:
    """Split needs shares that add up to 1; share and priority only where they act; drop
    shipping, channel pools and outages where they make sense."""
    out: list[tuple[tuple[Any, ...], str]] = []
    lane_at = dict(lanes)
    lanes_into: dict[str, list[int]] = {}
    seen_lanes = set()
    for j, lane in lanes:
        if lane.src != lane.dst and (lane.src, lane.dst) not in seen_lanes:  # else reported
            seen_lanes.add((lane.src, lane.dst))
            lanes_into.setdefault(lane.dst, []).append(j)
    for i, node in nodes:
        nid = node.id
        rule = node.sourcing.rule
        ins = lanes_into.get(nid, [])
        for j in ins:
            if lane_at[j].share is not None and rule != "split":
                out.append((("lanes", j, "share"),
                            f"share only matters when node '{nid}' has sourcing: {{rule: split}}; "
                            "remove it or set that rule"))
            if lane_at[j].priority is not None and rule != "primary_backup":
                out.append((("lanes", j, "priority"),
                            f"priority only matters when node '{nid}' has sourcing: "
                            "{rule: primary_backup}; remove it or set that rule"))
        if rule == "split" and ins:
            missing = [j for j in ins if lane_at[j].share is None]
            for j in missing:
                out.append((("lanes", j),
                            f"node '{nid}' splits its orders: give this lane a share: (0-1)"))
            total = sum(lane_at[j].share or 0 for j in ins)
            if not missing and abs(total - 1) > 1e-9:
                out.append((("nodes", i, "sourcing"),
                            f"the shares of the lanes into '{nid}' add up to {total:g}; make "
                            "them add up to 1"))
        if node.policy is not None and node.policy.type == "dropship" and node.demand is None:
            out.append((("nodes", i, "policy", "type"),
                        f"dropship passes consumer demand to the supplier; node '{nid}' has no "
                        "demand: use another policy or add demand"))
        if (node.policy is not None and node.policy.type == "dropship"
                and node.unmet == "lost"):
            out.append((("nodes", i, "unmet"),
                        f"node '{nid}' drop-ships: its consumers wait for the supplier's parcel; "
                        "set unmet: backorder"))
        allocated = any(not isinstance(c, str) and c.allocation is not None
                        for c in node.channels or [])
        if allocated and any(lane.src == nid for _, lane in lanes):
            out.append((("nodes", i, "channels"),
                        f"node '{nid}' keeps its stock in channel pools (allocation:), so it "
                        "cannot also supply other nodes; remove allocation: or the lanes from it"))
        if node.outage is not None and node.outage.duration.dist in DEMAND_ONLY:
            out.append((("nodes", i, "outage", "duration", "dist"),
                        f"{node.outage.duration.dist} is a demand process, not a duration; use "
                        "e.g. {dist: constant, value: 5} or {dist: uniform, low: 3, high: 10}"))
    return out


def fulfilment_problems(node) -> list[tuple[tuple[Any, ...], str]]:
    """Problems of a 3PL's consumer orders, channels and shipping (location within the node)."""
    out: list[tuple[tuple[Any, ...], str]] = []
    methods = [m.method for m in node.shipping or []]
    for k, method in enumerate(methods):
        if method in methods[:k]:
            out.append((("shipping", k, "method"), f"shipping method '{method}' is listed twice; "
                        "give each method its own name or remove one"))
    for k, m in enumerate(node.shipping or []):
        if m.transit_days.dist in DEMAND_ONLY:
            out.append((("shipping", k, "transit_days", "dist"),
                        f"{m.transit_days.dist} is a demand process, not a transit time; use "
                        "e.g. {dist: constant, value: 2} or {dist: uniform, low: 2, high: 5}"))
    if not takes_consumer_orders(node):
        for key in ("channels", "shipping"):
            if key == "channels" and all(isinstance(c, str) for c in node.channels or []):
                continue  # market channel names: market_problems checks them
            if getattr(node, key) is not None:
                out.append(((key,), f"{key}: only matters for consumer orders; add orders: {{per_day: ...}} "
                                    f"to node '{node.id}' or remove {key}"))
        return out
    if not methods:
        out.append((("orders",), f"node '{node.id}' takes consumer orders but has no shipping "
                                 "method; add shipping: [{method: standard, transit_days: "
                                 "{dist: constant, value: 2}, cost_per_parcel: 5}]"))
    if node.orders is not None and node.orders.size.dist in DEMAND_ONLY:
        out.append((("orders", "size", "dist"),
                    f"{node.orders.size.dist} is a demand process, not an order size; use e.g. "
                    "{dist: poisson, mean: 2} or {dist: empirical, values: [1, 1, 2]}"))
    channels = [c for c in node.channels or [] if not isinstance(c, str)]
    ids = [c.id for c in channels]
    for k, c in enumerate(channels):
        if c.id in ids[:k]:
            out.append((("channels", k, "id"), f"channel id '{c.id}' is listed twice; give "
                        "each channel its own id"))
        if c.shipping is not None and methods and c.shipping not in methods:
            near = difflib.get_close_matches(c.shipping, methods, n=1, cutoff=0.5)
            hint = f"did you mean '{near[0]}'?" if near else f"use one of: {', '.join(methods)}"
            out.append((("channels", k, "shipping"),
                        f"channel '{c.id}' ships by '{c.shipping}', which is not a shipping "
                        f"method of node '{node.id}'; {hint}"))
    total = sum(c.share for c in channels)
    if channels and abs(total - 1) > 1e-9:
        out.append((("channels",), f"channel shares add up to {total:g}; make them add up to 1"))
    allocated = [c.allocation for c in channels if c.allocation is not None]
    if allocated and (len(allocated) < len(channels) or abs(sum(allocated) - 1) > 1e-9):
        out.append((("channels",), "with a fixed allocation of stock, every channel needs "
                                   "allocation: and they add up to 1; or remove allocation: to "
                                   "share one pool"))
    return out


def horizon_problems(scn: Scenario, raw: Any = None) -> Found:
    """Times longer than the whole run (horizon + warm-up): an order that would arrive, a review
    that would come, an outage that would end, a parcel that would be delivered only after the
    last day. The run would "succeed" with numbers that describe nothing the user meant
    (README: Ranges). A random time is judged by its mean. Not judged when the run's length is
    written as true/false (reported on its own)."""
    if isinstance(raw, Mapping) and any(isinstance(raw.get(k), bool)
                                        for k in ("horizon_days", "warmup_days")):
        return []
    run = scn.horizon_days + scn.warmup_days
    length = (f"the whole run (horizon_days {scn.horizon_days} + warmup_days {scn.warmup_days} = "
              f"{run} days)" if scn.warmup_days else f"the whole run (horizon_days {run})")
    fix = "; shorten it or raise horizon_days"
    out: Found = []

    def too_long(days: float | None) -> bool:
        return days is not None and days > run

    for j, lane in enumerate(scn.lanes):
        lead, delay = _mean_days(lane.lead_time), lane.order_delay
        if too_long(lead):
            out.append((("lanes", j, "lead_time"),
                        f"lane {lane.key} takes {shown(lead)} days on average, longer than {length}: "
                        f"nothing ordered over it would arrive before the end{fix}"))
        elif too_long(delay) or too_long((lead or 0) + delay):
            out.append((("lanes", j, "order_delay"),
                        f"lane {lane.key}: order_delay {delay} days"
                        + (f" + lead time {shown(lead)} days" if lead else "")
                        + f" is longer than {length}: nothing ordered over it would arrive before "
                        f"the end{fix}"))
    for i, node in enumerate(scn.nodes):
        where = f"node '{node.id}'"
        if node.production_lead_time is not None and too_long(
                days := _mean_days(node.production_lead_time)):
            out.append((("nodes", i, "production_lead_time"),
                        f"{where} takes {shown(days)} days on average to produce, longer than "
                        f"{length}: nothing started would be finished before the end{fix}"))
        if node.policy is not None and too_long(node.policy.review_days):
            out.append((("nodes", i, "policy", "review_days"),
                        f"{where} reviews every {node.policy.review_days} days, longer than "
                        f"{length}: it would order once, at the start{fix} (or review_days)"))
        if node.outage is not None and too_long(days := _mean_days(node.outage.duration)):
            out.append((("nodes", i, "outage", "duration"),
                        f"the outages of {where} last {shown(days)} days on average, longer than "
                        f"{length}; for a supplier lost for good from a random day, give "
                        f"duration: {{dist: constant, value: {run}}}"))
        for k, method in enumerate(node.shipping or []):
            if too_long(days := _mean_days(method.transit_days)):
                out.append((("nodes", i, "shipping", k, "transit_days"),
                            f"shipping '{method.method}' of {where} takes {shown(days)} days "
                            f"on average, longer than {length}: no parcel would be delivered "
                            f"before the end{fix}"))
    return out


def _mean_days(spec) -> float | None:
    """The mean of a time distribution (a csv file read here; None if it cannot be read: that
    is reported on its own)."""
    if isinstance(spec, Empirical) and spec.csv is not None:
        try:
            values = read_csv_values(spec.csv)
        except (OSError, ValueError):
            return None
        return sum(values) / len(values)
    return spec.mean_value()


def _csv_problem(path: str) -> str | None:
    try:
        read_csv_values(path)
    except OSError as exc:  # the path is in the message already: say only what went wrong
        return f"cannot use csv {path}: {exc.strerror or exc}; give a file with one number per line"
    except ValueError as exc:
        return f"cannot use csv {path}: {exc}"
    return None


CSV_FIX = "give a file with one number per line"


def read_csv_values(path: str) -> list[float]:
    """First column of a CSV file as floats; a non-numeric first row is taken as a header.

    Each value must be a finite number from 0 to ranges.MAX_CSV_VALUE (the most a quantity and
    a time in days may be: a csv file may hold either; README: Ranges). A ValueError names
    the line and says what to change.
    """
    values: list[float] = []
    try:
        lines = read_text_file(path).splitlines()  # a regular file of bounded size (paths.py)
    except ValueError as exc:  # a FIFO, device or folder, or a file over the size limit
        raise ValueError(f"{exc}; {CSV_FIX}") from None
    for k, line in enumerate(lines):
        cell = line.split(",")[0].strip()
        if not cell:
            continue
        try:
            v = float(cell)
        except ValueError:
            if k == 0:
                continue
            raise ValueError(f"line {k + 1} is not a number: {cell!r}; {CSV_FIX}") from None
        if not math.isfinite(v):
            raise ValueError(f"line {k + 1} is not a finite number: {cell!r}; write a number "
                             f"from 0 to {shown(MAX_CSV_VALUE)} (a blank line is skipped)")
        if v < 0:
            raise ValueError(f"line {k + 1} is negative: {cell}; {CSV_FIX}, 0 or more")
        if v > MAX_CSV_VALUE:
            raise ValueError(f"line {k + 1} is {cell}, more than {shown(MAX_CSV_VALUE)}, the most a "
                             "quantity or a time in days may be (README: Ranges); lower it")
        values.append(v)
    if not values:
        raise ValueError(f"no values; {CSV_FIX}")
    return values
