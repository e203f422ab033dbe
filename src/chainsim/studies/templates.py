"""The five distribution strategies as templates of one network builder (README: Studies).

A strategy is described at the level a strategist thinks: the consumer price, which
intermediaries stand between the brand's plant and the outlets (a wholesaler, one or more
distributors, distributors with exclusive territories) and their terms, how many outlets each
region gets and through which channels they sell, and which online outlets serve every region
(the brand's own web shop at a 3PL, marketplace sellers). `build_network` turns one such
description into an ordinary scenario (nodes and lanes, in market mode); the five templates of
the domain text are nothing but documented defaults of that description (`TEMPLATES`), so every
difference between two strategies comes from the network, the prices and the terms written in
the study — never from code that knows which strategy it builds.

Stock: every stocking node gets the study's stock rule (a policy type sized from a service
target, ``scenario/sizing.py``), its order cost and a holding cost of the study's yearly rate on
the unit's value at that node. Demand at each node is whatever the market's coverage and
elasticity give its outlets; sizing works it out from the network.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

DAYS_PER_YEAR = 365

# The 3PL service of a brand's own web shop (direct): typical e-commerce rates. Two pickers
# (3 min an order), one packer (2 min), 8:00-18:00 with a 15:00 cut-off; fees 1.50 an order,
# 0.20 a unit, 0.01 a unit-day stored; parcels standard (2-4 days, 4.50) or express (1 day, 8.00).
FULFILMENT_DEFAULTS: dict[str, Any] = {
    "pickers": 2, "pick_time": {"dist": "gamma", "mean": 3, "cv": 0.5},
    "packers": 1, "pack_time": {"dist": "gamma", "mean": 2, "cv": 0.3},
    "hours": {"start": 8, "end": 18}, "cutoff": 15,
    "fees": {"per_order": 1.5, "per_unit": 0.2, "storage": 0.01},
    "shipping": [
        {"method": "standard", "transit_days": {"dist": "uniform", "low": 2, "high": 4},
         "cost_per_parcel": 4.5},
        {"method": "express", "transit_days": {"dist": "constant", "value": 1},
         "cost_per_parcel": 8.0}],
}

# Each template: the description's defaults. A study entry ``{template: selective, ...}`` starts
# from these and replaces what it gives. Prices: ``price`` is the consumer price (None: the
# product's list price), ``brand_price`` what the first intermediary pays the brand.
TEMPLATES: dict[str, dict[str, Any]] = {
    "direct": {
        "description": "the brand sells online only (its own website and a marketplace shop); "
                       "its stock sits at a 3PL that picks, packs and ships parcels",
        "price": None, "intermediaries": [], "outlets_per_region": 0,
        "online": [{"id": "fc", "owner": "brand", "fulfilment": {},
                    "channels": [{"id": "website", "share": 0.5, "promised_days": 4},
                                 {"id": "marketplace", "share": 0.5, "promised_days": 2}]}],
        "outlet_lead_days": 3,
    },
    "indirect": {
        "description": "brand -> a wholesaler (meeting the brand's MOQ) -> many small retailers",
        "price": None, "brand_price": 16.0, "brand_moq": 800,
        "intermediaries": [{"role": "wholesaler", "markup": 0.25, "lead_days": 5}],
        "outlets_per_region": 3, "outlet_channels": ["store"], "case_pack": 12,
    },
    "exclusive": {
        "description": "one distributor per territory with exclusive rights -> one premium "
                       "boutique per region, premium price",
        "price": 52.0, "brand_price": 18.0,
        "intermediaries": [{"role": "distributor", "markup": 0.35, "lead_days": 4,
                            "territories": "pairs"}],
        "outlets_per_region": 1, "outlet_channels": ["boutique"],
    },
    "selective": {
        "description": "brand -> a few distributors -> a limited set of chosen retailers",
        "price": 44.0, "brand_price": 16.0,
        "intermediaries": [{"role": "distributor", "markup": 0.20, "lead_days": 4}],
        "outlets_per_region": 2, "outlet_channels": ["store"],
    },
    "intensive": {
        "description": "brand -> a distributor -> very many outlets plus marketplace sellers",
        "price": 38.0, "brand_price": 15.0,
        "intermediaries": [{"role": "distributor", "markup": 0.15, "lead_days": 4}],
        "outlets_per_region": 6, "outlet_channels": ["store"],
        "online": [{"id": "marketplace-sellers", "channels": ["marketplace"]}],
    },
}

# Shortcuts a study may give instead of a whole ``intermediaries`` list (the issue's
# ``{template: selective, distributors: 1}``): how many intermediaries the last tier has.
COUNT_KEYS = ("distributors", "wholesalers")


def describe(entry: Mapping[str, Any]) -> dict[str, Any]:
    """A strategy's whole description: its template's defaults with the study's values over
    them (``intermediaries`` replaced as a list; ``distributors: n`` sets the count of the last
    tier)."""
    template = entry.get("template")
    out = copy.deepcopy(TEMPLATES[template]) if template else {}
    for key, value in entry.items():
        if key in COUNT_KEYS:
            continue
        out[key] = copy.deepcopy(value)
    for key in COUNT_KEYS:
        if key in entry and out.get("intermediaries"):
            out["intermediaries"][-1]["count"] = entry[key]
    out.setdefault("name", template)
    return out


def build_network(strategy: Mapping[str, Any], study: Mapping[str, Any]) -> dict[str, Any]:
    """The scenario (a mapping, as a scenario file) of one strategy on the study's market.

    ``study`` holds the shared parts: ``perspective`` (the brand's firm id), ``product``
    (id, unit_cost, price), ``market`` (regions, channels, coverage, switching, elasticity),
    ``stock`` (policy type, target, review_days, holding_pct_per_year, order costs),
    ``transport`` (lane costs and the outlets' lead time) and the run settings.
    """
    product, stock, transport = study["product"], study["stock"], study["transport"]
    regions = [r["id"] for r in study["market"]["regions"]]
    price = strategy.get("price") or product["price"]
    tiers = strategy.get("intermediaries") or []
    plant_price = strategy.get("brand_price") if tiers else None
    plant = {"id": "plant", "role": "manufacturer", "infinite_supply": True,
             "price": plant_price if plant_price is not None else product["unit_cost"],
             "owner": study["perspective"]}
    if tiers and strategy.get("brand_moq"):
        plant["min_order"] = strategy["brand_moq"]
    nodes, lanes, supplier_of_region = _intermediaries(tiers, regions, plant, stock, transport)
    nodes.insert(0, plant)
    default_supplier = supplier_of_region.get(None, "plant")

    pack = strategy.get("case_pack")
    outlet_costs = {"holding": _holding(stock, price), "order": stock["order_cost_outlet"]}
    outlet_lane = {"lead_time": {"dist": "constant",
                                 "value": strategy.get("outlet_lead_days",
                                                       transport["outlet_lead_days"])},
                   "cost_per_unit": transport["outlet_cost_per_unit"]}
    for region in regions:
        for k in range(strategy.get("outlets_per_region", 0)):
            oid = f"{region}-{k + 1}"
            nodes.append({"id": oid, "role": "retailer", "region": region,
                          "channels": list(strategy.get("outlet_channels", ["store"])),
                          "price": price, "unmet": "lost", "policy": _policy(stock, pack),
                          "costs": dict(outlet_costs)})
            lanes.append({"from": supplier_of_region.get(region, default_supplier), "to": oid,
                          **copy.deepcopy(outlet_lane)})
    for online in strategy.get("online") or []:
        nodes.append(_online_outlet(online, study["perspective"], price, _policy(stock, pack),
                                    outlet_costs, study["market"]))
        lanes.append({"from": default_supplier, "to": online["id"],
                      **copy.deepcopy(outlet_lane)})
    return {"name": strategy["name"], "description": strategy.get("description", ""),
            **{k: study[k] for k in ("horizon_days", "warmup_days", "replications", "seed")
               if k in study},
            "products": [dict(product)], "market": copy.deepcopy(study["market"]),
            "nodes": nodes, "lanes": lanes}


def _holding(stock: Mapping[str, Any], value: float) -> float:
    """Holding cost per unit-day: the yearly rate on the unit's value there."""
    return round(stock["holding_pct_per_year"] * value / DAYS_PER_YEAR, 6)


def _policy(stock: Mapping[str, Any], case_pack: int | None = None) -> dict[str, Any]:
    """The study's stock rule: its policy type sized from its service target."""
    out = {"type": stock["policy"], "target": dict(stock["target"]),
           "review_days": stock["review_days"]}
    if case_pack and case_pack > 1:
        out["multiple"] = case_pack
    return out


def _intermediaries(tiers: list, regions: list[str], plant: Mapping[str, Any],
                    stock: Mapping[str, Any], transport: Mapping[str, Any]):
    """The intermediaries' nodes and lanes, tier by tier: each node of a tier buys from one
    node of the tier above (round robin) at its selling price, and the last tier's nodes split
    the regions among them. Returns (nodes, lanes, region → supplier id; None → the default
    supplier of online outlets: the last tier's first node)."""
    nodes: list[dict[str, Any]] = []
    lanes: list[dict[str, Any]] = []
    above = [(plant["id"], plant["price"])]
    supplier_of: dict[str | None, str] = {}
    for t, tier in enumerate(tiers):
        last = t == len(tiers) - 1
        groups = _region_groups(tier, regions)
        here = []
        for k, served in enumerate(groups):
            src, buy = above[k % len(above)]
            value = buy * (1 + tier["markup"])
            nid = _tier_id(tier, k, len(groups))
            node = {"id": nid, "role": tier["role"], "markup": tier["markup"],
                    "policy": _policy(stock),
                    "costs": {"holding": _holding(stock, value),
                              "order": stock["order_cost_tier"]}}
            if tier.get("territories") and last:
                node["territory"] = list(served)
            nodes.append(node)
            lanes.append({"from": src, "to": nid,
                          "lead_time": {"dist": "gamma", "mean": tier["lead_days"],
                                        "cv": transport["tier_lead_cv"]},
                          "cost_per_unit": transport["tier_cost_per_unit"],
                          "cost_per_shipment": transport["tier_cost_per_shipment"]})
            here.append((nid, value))
            if last:
                supplier_of.update((r, nid) for r in served)
        above = here
    supplier_of[None] = above[0][0]
    return nodes, lanes, supplier_of


def _region_groups(tier: Mapping[str, Any], regions: list[str]) -> list[list[str]]:
    """Which regions each node of a tier serves: given territories (a mapping name → regions),
    ``pairs`` (neighbouring regions two by two, the exclusive template's default), or ``count``
    nodes splitting the regions round robin (default one node serving all)."""
    territories = tier.get("territories")
    if isinstance(territories, Mapping):
        return [list(v) for v in territories.values()]
    if territories == "pairs":
        return [regions[i:i + 2] for i in range(0, len(regions), 2)]
    count = max(1, min(int(tier.get("count", 1)), len(regions)))
    return [regions[k::count] for k in range(count)]


def _tier_id(tier: Mapping[str, Any], k: int, n: int) -> str:
    """A tier node's id: the territory's name, the role (one node) or role-1, role-2, ..."""
    territories = tier.get("territories")
    if isinstance(territories, Mapping):
        return str(list(territories)[k])
    short = {"wholesaler": "wholesaler", "distributor": "dist"}[tier["role"]]
    return short if n == 1 else f"{short}-{k + 1}"


def _online_outlet(online: Mapping[str, Any], brand: str, price: float, policy: dict,
                   costs: dict, market: Mapping[str, Any]) -> dict[str, Any]:
    """An outlet serving every region online: a plain retailer selling through marketplace or
    social channels, or (``fulfilment:`` given) stock at a 3PL taking one-unit consumer orders
    per channel."""
    node: dict[str, Any] = {"id": online["id"], "region": "all", "price": price,
                            "unmet": "backorder", "policy": policy, "costs": dict(costs)}
    if online.get("owner"):
        node["owner"] = brand if online["owner"] == "brand" else online["owner"]
    if online.get("fulfilment") is None:
        node.update(role="retailer", channels=list(online["channels"]))
        return node
    kinds = {c["id"]: c for c in market.get("channels", [])}
    channels = []
    for ch in online["channels"]:
        base = kinds.get(ch["id"], {})
        entry = {"id": ch["id"], "kind": base.get("kind", ch.get("kind", "website")),
                 "share": ch["share"], "promised_days": ch["promised_days"]}
        if base.get("fee_pct"):
            entry["fee_pct"] = base["fee_pct"]
        channels.append(entry)
    node.update(role="3pl", channels=channels,
                **copy.deepcopy({**FULFILMENT_DEFAULTS, **online["fulfilment"]}))
    return node
