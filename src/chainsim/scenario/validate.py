"""Checks that need the whole network: ids, lanes, cycles, supply of every stocking node.

Each check returns problems located in the raw YAML, so the user sees every mistake of a file at
once, each as ``FILE:LINE:COL: message`` with the fix.
"""

from __future__ import annotations

import difflib
from collections import Counter
from pathlib import Path
from typing import Any

from chainsim.errors import Problem
from chainsim.scenario.load import locate
from chainsim.scenario.schema import DEMAND_ONLY, Empirical, Scenario


def is_source(node) -> bool:
    """A node that needs no supplier: an outside source, or a manufacturer that produces."""
    return node.infinite_supply or node.role == "manufacturer"


def network_problems(scn: Scenario, raw: Any, file: str) -> list[Problem]:
    problems: list[Problem] = []

    def add(loc: tuple[Any, ...], message: str) -> None:
        f, line, col = locate(raw, loc, file)
        problems.append(Problem(f, line, col, message))

    ids = [n.id for n in scn.nodes]
    seen: set[str] = set()
    for i, nid in enumerate(ids):
        if nid in seen:
            add(("nodes", i, "id"), f"duplicate node id '{nid}'; give every node its own id")
        seen.add(nid)

    if len(scn.products) > 1:
        add(("products", 1), "several products are not supported yet; keep one product per scenario")

    suppliers: dict[str, list[int]] = {nid: [] for nid in ids}
    buyers: dict[str, list[str]] = {nid: [] for nid in ids}
    lane_count = Counter((lane.src, lane.dst) for lane in scn.lanes)
    for j, lane in enumerate(scn.lanes):
        bad = False
        for end, key in ((lane.src, "from"), (lane.dst, "to")):
            if end not in seen:
                near = difflib.get_close_matches(end, ids, n=1, cutoff=0.5)
                hint = f"did you mean '{near[0]}'?" if near else f"known nodes: {', '.join(ids)}"
                add(("lanes", j, key), f"lane {key} '{end}' names no node; {hint}")
                bad = True
        if bad:
            continue
        if lane_count[(lane.src, lane.dst)] > 1:
            add(("lanes", j), f"lane {lane.key} appears more than once; keep one")
            lane_count[(lane.src, lane.dst)] = 1  # report once
        if lane.lead_time.dist in DEMAND_ONLY:
            add(("lanes", j, "lead_time", "dist"),
                f"{lane.lead_time.dist} is a demand process, not a lead time; use e.g. constant or gamma")
        suppliers[lane.dst].append(j)
        buyers[lane.src].append(lane.dst)

    for i, node in enumerate(scn.nodes):
        ins = suppliers.get(node.id, [])
        if node.infinite_supply and ins:
            add(("lanes", ins[0], "to"),
                f"node '{node.id}' has infinite_supply, so no lane should supply it; remove this lane")
        if len(ins) > 1:
            add(("lanes", ins[1], "to"),
                f"node '{node.id}' has several suppliers ({', '.join(scn.lanes[j].src for j in ins)}); "
                "multi-sourcing is not supported yet: keep one lane into it")
        if not is_source(node) and not ins:
            why = "has demand" if node.demand is not None else "stocks the product"
            add(("nodes", i, "id"),
                f"node '{node.id}' {why} but no lane supplies it; add a lane "
                f"{{from: <supplier>, to: {node.id}}} or set infinite_supply: true")
        if not node.infinite_supply and node.policy is None:
            add(("nodes", i, "id"),
                f"node '{node.id}' needs a policy (e.g. policy: {{type: base_stock, S: 50}}) "
                "or infinite_supply: true")
        if node.demand is None and not buyers.get(node.id) and node.id in seen:
            add(("nodes", i, "id"),
                f"node '{node.id}' has no demand and supplies no node; add demand or a lane from it")
        if node.production_lead_time is not None and node.production_lead_time.dist in DEMAND_ONLY:
            add(("nodes", i, "production_lead_time", "dist"),
                f"{node.production_lead_time.dist} is a demand process, not a lead time")
        for key, dist in (("demand", node.demand), ("production_lead_time", node.production_lead_time)):
            if isinstance(dist, Empirical) and dist.csv is not None:
                msg = _csv_problem(dist.csv)
                if msg:
                    add(("nodes", i, key, "csv"), msg)
    for j, lane in enumerate(scn.lanes):
        if isinstance(lane.lead_time, Empirical) and lane.lead_time.csv is not None:
            msg = _csv_problem(lane.lead_time.csv)
            if msg:
                add(("lanes", j, "lead_time", "csv"), msg)

    cycle = _find_cycle(ids, scn.lanes)
    if cycle:
        j = next(j for j, lane in enumerate(scn.lanes) if (lane.src, lane.dst) == cycle[-2:])
        add(("lanes", j), f"the supply graph has a cycle {' -> '.join(cycle)}; remove one of these lanes")
    return problems


def _csv_problem(path: str) -> str | None:
    try:
        read_csv_values(path)
    except (OSError, ValueError) as exc:
        return f"cannot use csv {path}: {exc}; give a file with one number per line"
    return None


def read_csv_values(path: str) -> list[float]:
    """First column of a CSV file as floats; a non-numeric first row is taken as a header."""
    values: list[float] = []
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    for k, line in enumerate(lines):
        cell = line.split(",")[0].strip()
        if not cell:
            continue
        try:
            v = float(cell)
        except ValueError:
            if k == 0:
                continue
            raise ValueError(f"line {k + 1} is not a number: {cell!r}") from None
        if v < 0:
            raise ValueError(f"line {k + 1} is negative: {cell}")
        values.append(v)
    if not values:
        raise ValueError("no values")
    return values


def _find_cycle(ids: list[str], lanes) -> tuple[str, ...] | None:
    graph: dict[str, list[str]] = {nid: [] for nid in ids}
    for lane in lanes:
        if lane.src in graph and lane.dst in graph:
            graph[lane.src].append(lane.dst)
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(u: str) -> tuple[str, ...] | None:
        state[u] = 1
        stack.append(u)
        for v in graph[u]:
            if state.get(v) == 1:
                return (*stack[stack.index(v):], v)
            if v not in state:
                found = visit(v)
                if found:
                    return found
        stack.pop()
        state[u] = 2
        return None

    for nid in ids:
        if nid not in state:
            found = visit(nid)
            if found:
                return found
    return None
