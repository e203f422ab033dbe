"""Plain helpers shared by the scenario loader tests (fixtures live in conftest.py)."""

from __future__ import annotations

import textwrap

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
