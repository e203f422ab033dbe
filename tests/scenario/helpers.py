"""Plain helpers shared by the scenario loader tests (fixtures live in conftest.py)."""

from __future__ import annotations

import textwrap
from typing import Any

from chainsim.errors import Problem

# A small valid scenario; tests copy it and break one thing.
VALID = """\
name: demo
horizon_days: 100
nodes:
  - id: plant
    role: manufacturer
    infinite_supply: true
  - id: shop
    role: retailer
    demand: {dist: poisson, mean: 8}
    policy: {type: base_stock, S: 42}
    costs: {holding: 1.0, backorder: 19.0}
lanes:
  - {from: plant, to: shop, lead_time: {dist: constant, value: 3}}
"""


# A richer valid scenario as data: three echelons, every policy type, several distributions.
BASE: dict[str, Any] = {
    "name": "prop",
    "description": "three echelons",
    "horizon_days": 200,
    "warmup_days": 10,
    "replications": 3,
    "seed": 1,
    "products": [{"id": "item", "unit_cost": 10, "price": 25}],
    "nodes": [
        {"id": "plant", "role": "manufacturer", "infinite_supply": True},
        {"id": "dc", "role": "distributor",
         "policy": {"type": "sS", "s": 40, "S": 120, "review_days": 2},
         "costs": {"holding": 0.5, "backorder": 5, "order": 20}},
        {"id": "shop", "role": "retailer",
         "demand": {"dist": "negbin", "mean": 8, "var": 20},
         "policy": {"type": "base_stock", "S": 42}, "unmet": "backorder",
         "costs": {"holding": 1.0, "backorder": 19.0}},
        {"id": "kiosk", "role": "retailer",
         "demand": {"dist": "uniform", "low": 1, "high": 5},
         "policy": {"type": "rQ", "r": 5, "Q": 10}, "unmet": "lost", "initial": {"on_hand": 3}},
    ],
    "lanes": [
        {"from": "plant", "to": "dc", "lead_time": {"dist": "gamma", "mean": 3, "cv": 0.5}},
        {"from": "dc", "to": "shop", "lead_time": {"dist": "constant", "value": 1}},
        {"from": "dc", "to": "kiosk", "lead_time": {"dist": "triangular", "low": 1, "mode": 2,
                                                    "high": 4}, "cost_per_unit": 0.1},
    ],
}


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def only(found: list[Problem]) -> Problem:
    assert len(found) == 1, "\n".join(map(str, found))
    return found[0]


def at(found: list[Problem], line: int, col: int) -> Problem:
    """The single problem at line:col."""
    hits = [p for p in found if (p.line, p.col) == (line, col)]
    assert len(hits) == 1, f"want one problem at {line}:{col}, got:\n" + "\n".join(map(str, found))
    return hits[0]


def has(message: str, *words: str) -> None:
    low = message.lower()
    missing = [w for w in words if w.lower() not in low]
    assert not missing, f"{missing} not in: {message}"
