"""The supply graph of a scenario: who supplies whom, and in which order nodes act.

Lanes run from a supplier to a buyer (``lane.src -> lane.dst``). Every rule that walks the graph
lives here, so the validator, the model and the writers agree on it: the topological order
(suppliers first: the rows of the results and the order of receiving), the review order (the
consumer end first, README: Time and event conventions), the nodes up- and downstream of a node, cycle finding and the
regions a market outlet serves. The walks are iterative, so a long serial chain cannot exhaust
Python's recursion limit.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable


def buyers_of(lanes) -> dict[str, list[str]]:
    """Supplier id -> the ids of the nodes it supplies, in lane order."""
    out: dict[str, list[str]] = {}
    for lane in lanes:
        out.setdefault(lane.src, []).append(lane.dst)
    return out


def suppliers_of(lanes) -> dict[str, list[str]]:
    """Buyer id -> the ids of its suppliers, in lane order."""
    out: dict[str, list[str]] = {}
    for lane in lanes:
        out.setdefault(lane.dst, []).append(lane.src)
    return out


def by_priority(lanes) -> list:
    """Lanes by their priority (lanes without one after, in file order): a node's first lane is
    its primary supplier, whose price it pays and whose lead time its forecasts cover."""
    return sorted(lanes, key=lambda ln: (ln.priority is None, ln.priority or 0))


def lanes_into(scn, node_id: str) -> list:
    """The lanes that supply ``node_id``, by priority."""
    return by_priority([lane for lane in scn.lanes if lane.dst == node_id])


def topological_order(scn) -> list[str]:
    """Node ids, every supplier before its buyers: the nodes without a supplier in file order,
    then each node as soon as its last supplier is placed (Kahn's algorithm, first in first
    out). Nodes on a cycle are left out (the validator refuses cycles before anything runs)."""
    indeg = {n.id: 0 for n in scn.nodes}
    out: dict[str, list[str]] = {n.id: [] for n in scn.nodes}
    for lane in scn.lanes:
        indeg[lane.dst] += 1
        out[lane.src].append(lane.dst)
    ready = deque(n.id for n in scn.nodes if indeg[n.id] == 0)
    order: list[str] = []
    while ready:
        u = ready.popleft()
        order.append(u)
        for v in out[u]:
            indeg[v] -= 1
            if indeg[v] == 0:
                ready.append(v)
    return order


def depths(scn) -> dict[str, int]:
    """Each node's tier counted from the sources: the longest supply path from a node without
    a supplier (0 for those)."""
    suppliers = suppliers_of(scn.lanes)
    depth: dict[str, int] = {}
    for nid in topological_order(scn):
        depth[nid] = max((depth[s] + 1 for s in suppliers.get(nid, ())), default=0)
    return depth


def review_order(scn) -> list[str]:
    """Node ids from the consumer end upstream: deepest tier first, so every node reviews after
    all the nodes it supplies (README: Time and event conventions); ties in file order."""
    depth = depths(scn)
    position = {n.id: i for i, n in enumerate(scn.nodes)}
    return sorted(depth, key=lambda nid: (-depth[nid], position[nid]))


def reachable(start: str, neighbours: dict[str, list[str]]) -> list[str]:
    """The ids reachable from ``start`` (not itself) through ``neighbours``, depth first."""
    seen, stack, found = {start}, [start], []
    while stack:
        for v in neighbours.get(stack.pop(), ()):
            if v not in seen:
                seen.add(v)
                stack.append(v)
                found.append(v)
    return found


def upstream(scn, node_id: str) -> set[str]:
    """Every node the goods of ``node_id`` may come through (its suppliers, theirs, ...)."""
    return set(reachable(node_id, suppliers_of(scn.lanes)))


def downstream(scn, node_id: str) -> list[str]:
    """Every node that ``node_id`` supplies directly or through other nodes."""
    return reachable(node_id, buyers_of(scn.lanes))


def find_cycle(ids: Iterable[str], edges: Iterable[tuple[str, str]]) -> tuple[str, ...] | None:
    """A cycle of the directed graph as ``(a, b, ..., a)``, or None. Edges with an end outside
    ``ids`` are ignored. Iterative depth-first search (white/grey/black)."""
    ids = list(ids)
    graph: dict[str, list[str]] = {nid: [] for nid in ids}
    for src, dst in edges:
        if src in graph and dst in graph:
            graph[src].append(dst)
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for root in ids:
        if root in state:
            continue
        path: list[str] = [root]
        todo = [iter(graph[root])]
        state[root] = 1
        while todo:
            v = next(todo[-1], None)
            if v is None:
                todo.pop()
                state[path.pop()] = 2
            elif state.get(v) == 1:
                return (*path[path.index(v):], v)
            elif v not in state:
                state[v] = 1
                path.append(v)
                todo.append(iter(graph[v]))
    return None


def outlet_regions(scn, spec) -> list[str]:
    """The market regions a market outlet serves (``all``: every region; a region listed twice
    is one outlet)."""
    wanted = [spec.region] if isinstance(spec.region, str) else spec.region
    regions = [r.id for r in scn.market.regions] if "all" in wanted else wanted
    return list(dict.fromkeys(regions))
