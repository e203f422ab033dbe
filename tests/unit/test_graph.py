"""scenario.graph and scenario.facts: the supply-graph walks and the node predicates, checked on
small graphs worked by hand and against brute force on random graphs."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from chainsim.model.network import consumers_downstream
from chainsim.scenario.facts import (
    FULFILMENT_KEYS,
    has_consumer_demand,
    is_source,
    takes_consumer_orders,
    unused_fulfilment_defaults,
)
from chainsim.scenario.graph import (
    buyers_of,
    depths,
    downstream,
    find_cycle,
    reachable,
    review_order,
    topological_order,
    upstream,
)
from chainsim.scenario.load import load_scenario
from chainsim.scenario.schema import Scenario


def chain(n: int) -> dict:
    """plant -> n0 -> n1 -> ... -> n{n-1}, the last one with demand."""
    nodes = [{"id": "plant", "role": "manufacturer", "infinite_supply": True}]
    nodes += [{"id": f"n{i}", "role": "distributor", "policy": {"type": "base_stock", "S": 5}}
              for i in range(n)]
    nodes[-1].update(role="retailer", demand={"dist": "poisson", "mean": 1})
    ids = [x["id"] for x in nodes]
    lanes = [{"from": a, "to": b} for a, b in itertools.pairwise(ids)]
    return {"name": "chain", "horizon_days": 10, "nodes": nodes, "lanes": lanes}


def diamond() -> dict:
    """plant -> dc1, dc2 -> shop (split), plus dc1 -> kiosk."""
    bs = {"type": "base_stock", "S": 5}
    return {
        "name": "diamond", "horizon_days": 10,
        "nodes": [
            {"id": "shop", "role": "retailer", "policy": bs, "demand": {"dist": "poisson", "mean": 1},
             "sourcing": {"rule": "split"}},
            {"id": "dc1", "role": "distributor", "policy": bs},
            {"id": "plant", "role": "manufacturer", "infinite_supply": True},
            {"id": "dc2", "role": "distributor", "policy": bs},
            {"id": "kiosk", "role": "retailer", "policy": bs,
             "demand": {"dist": "poisson", "mean": 1}},
        ],
        "lanes": [{"from": "plant", "to": "dc1"}, {"from": "plant", "to": "dc2"},
                  {"from": "dc1", "to": "shop", "share": 0.5},
                  {"from": "dc2", "to": "shop", "share": 0.5},
                  {"from": "dc1", "to": "kiosk"}],
    }


def test_orders_of_a_diamond_by_hand():
    scn = load_scenario(diamond())
    # kiosk's only supplier dc1 is placed before shop's last one, dc2
    assert topological_order(scn) == ["plant", "dc1", "dc2", "kiosk", "shop"]
    assert depths(scn) == {"plant": 0, "dc1": 1, "dc2": 1, "shop": 2, "kiosk": 2}
    # deepest first, ties in file order: shop is listed before kiosk, dc1 before dc2
    assert review_order(scn) == ["shop", "kiosk", "dc1", "dc2", "plant"]
    assert upstream(scn, "shop") == {"dc1", "dc2", "plant"}
    assert set(downstream(scn, "plant")) == {"dc1", "dc2", "shop", "kiosk"}
    assert downstream(scn, "kiosk") == []


def test_a_long_serial_chain_needs_no_recursion():
    scn = load_scenario(chain(3000))
    order = topological_order(scn)
    assert order[0] == "plant" and order[-1] == "n2999" and len(order) == 3001
    assert review_order(scn)[0] == "n2999"
    assert len(upstream(scn, "n2999")) == 3000
    ids = [f"v{i}" for i in range(5000)]
    edges = list(itertools.pairwise(ids)) + [("v4999", "v0")]
    assert find_cycle(ids, edges) == (*ids, "v0")
    assert find_cycle(ids, edges[:-1]) is None


def _has_cycle_brute(n: int, edges: set[tuple[int, int]]) -> bool:
    """A directed graph has a cycle iff some node reaches itself (transitive closure)."""
    reach = {(a, b) for a, b in edges}
    for k, i, j in itertools.product(range(n), repeat=3):
        if (i, k) in reach and (k, j) in reach:
            reach.add((i, j))
    return any((i, i) in reach for i in range(n))


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.integers(1, 6).flatmap(lambda n: st.tuples(
    st.just(n), st.sets(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=12))))
def test_find_cycle_agrees_with_brute_force(case):
    n, edges = case
    ids = [str(i) for i in range(n)]
    named = [(str(a), str(b)) for a, b in sorted(edges)]
    cycle = find_cycle(ids, named)
    assert (cycle is not None) == _has_cycle_brute(n, edges)
    if cycle is not None:  # a real cycle of the graph: closed, every step an edge
        assert cycle[0] == cycle[-1]
        assert all(step in set(named) for step in itertools.pairwise(cycle))


def test_predicates_of_each_kind_of_node():
    scn = load_scenario("scenarios/strategies/direct.yaml")
    nodes = {n.id: n for n in scn.nodes}
    fc = nodes["fc"]  # a 3PL that is a market outlet: every captured unit is a consumer order
    assert takes_consumer_orders(fc) and has_consumer_demand(fc)
    assert unused_fulfilment_defaults(fc) == []
    plant = nodes["plant"]
    assert is_source(plant) and not takes_consumer_orders(plant)
    assert not has_consumer_demand(plant)
    assert set(unused_fulfilment_defaults(plant)) == set(FULFILMENT_KEYS)
    assert {"pickers", "packers", "pick_time", "pack_time", "hours", "cutoff", "fees",
            "shipping"} == set(FULFILMENT_KEYS)


def test_a_set_fulfilment_value_is_never_dropped():
    data = chain(1)
    data["nodes"][1]["fees"] = {"storage": 0.02}  # a storage fee on a retailer is charged
    node = load_scenario(data).nodes[1]
    assert "fees" not in unused_fulfilment_defaults(node)
    assert "pickers" in unused_fulfilment_defaults(node)


@st.composite
def _dags(draw):
    """A random network: node i may buy from any node before it; some nodes meet consumers."""
    n = draw(st.integers(2, 9))
    edges = sorted(draw(st.sets(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1))
                                .filter(lambda e: e[0] < e[1]), max_size=20)))
    with_demand = draw(st.sets(st.integers(1, n - 1)))
    return n, edges, with_demand


@given(_dags())
@settings(max_examples=60, deadline=None)
def test_consumers_downstream_is_the_depth_first_walk(case):
    """The linear-time gathering of the actors a supplier serves gives the same actors, in the
    same order, as walking down from it (the definition)."""
    n, edges, with_demand = case
    nodes = [{"id": "n0", "role": "manufacturer", "infinite_supply": True}]
    for i in range(1, n):
        node = {"id": f"n{i}", "role": "retailer", "policy": {"type": "base_stock", "S": 5}}
        if i in with_demand:
            node["demand"] = {"dist": "poisson", "mean": 1}
        nodes.append(node)
    lanes = [{"from": f"n{a}", "to": f"n{b}", "lead_time": {"dist": "constant", "value": 1}}
             for a, b in edges]
    # the schema alone: a node nobody supplies is fine for this question
    scn = Scenario.model_validate({"name": "dag", "horizon_days": 5, "nodes": nodes,
                                   "lanes": lanes})
    by_id = {node.id: object() for node in scn.nodes}
    served = consumers_downstream(scn, by_id, {})
    buyers = buyers_of(scn.lanes)
    expected = {}
    for start in buyers:
        actors = [by_id[b] for b in reachable(start, buyers) if has_consumer_demand(
            next(x for x in scn.nodes if x.id == b))]
        if actors:
            expected[start] = actors
    assert served == expected
