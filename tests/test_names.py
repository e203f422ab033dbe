"""Names that must not collide: random streams, the tables' rows, dotted paths; and deep (long)
networks walked without recursion."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import chainsim
from chainsim.errors import ScenarioError
from chainsim.model.rng import Streams, name_key, stream_name
from chainsim.scenario import facts
from chainsim.scenario.variants import PathError, get_path


# ------------------------------------------------------------------------------ stream names
@given(st.lists(st.text(), min_size=1, max_size=4), st.lists(st.text(), min_size=1, max_size=4))
def test_distinct_parts_give_distinct_stream_names(a, b):
    if a != b:
        assert stream_name(*a) != stream_name(*b)


@given(st.lists(st.text(alphabet=st.characters(blacklist_characters="/%")), min_size=1,
                max_size=4))
def test_ordinary_parts_are_joined_as_before(parts):
    # the numbers of every existing scenario stay those of the plain '/' join
    assert stream_name(*parts) == "/".join(parts)


def test_ids_with_slashes_get_their_own_streams():
    streams = Streams(1, 0)
    one = streams.generator("lead_time", "a", "b/c").random(4)
    two = streams.generator("lead_time", "a/b", "c").random(4)
    assert name_key("lead_time", "a", "b/c") != name_key("lead_time", "a/b", "c")
    assert list(one) != list(two)


def _chain(ids: list[str], *, days: int = 20) -> dict:
    """A source feeding each of ``ids``, a retailer with its own Poisson demand."""
    nodes = [{"id": "plant", "role": "manufacturer", "infinite_supply": True}]
    nodes += [{"id": i, "role": "retailer", "demand": {"dist": "poisson", "mean": 8},
               "policy": {"type": "base_stock", "S": 30}} for i in ids]
    lanes = [{"from": "plant", "to": i, "lead_time": {"dist": "constant", "value": 2}}
             for i in ids]
    return {"name": "t", "horizon_days": days, "warmup_days": 0, "replications": 1,
            "nodes": nodes, "lanes": lanes}


def test_nodes_c_and_b_slash_c_see_different_demand():
    kpis = chainsim.simulate(_chain(["c", "b/c", "b"])).kpis
    sold = kpis[kpis["metric"] == "units_sold"].set_index("node")["value"]
    assert sold["c"] != sold["b/c"]


# ------------------------------------------------------------------------------ table rows
def test_writers_name_rows_as_the_validator_reserves():
    assert facts.owner_row("acme").startswith(facts.RESERVED_ROW_PREFIXES)
    assert facts.market_channel_row("web").startswith(facts.RESERVED_ROW_PREFIXES)
    kpis = chainsim.simulate("scenarios/examples/ecommerce_3pl.yaml", replications=1,
                             days=20, warmup=0).kpis
    nodes = set(kpis["node"])
    assert facts.NETWORK_ROW in nodes
    assert facts.tpl_channel_row("fc", "web") in nodes


@pytest.mark.parametrize("node_id", ["network", "owner:acme", "channel:web"])
def test_reserved_row_names_are_refused(node_id):
    with pytest.raises(ScenarioError, match="rename the node"):
        chainsim.load_scenario(_chain([node_id]))


def test_node_named_like_the_default_channel_row_of_a_3pl_is_refused():
    data = chainsim.load_scenario("scenarios/examples/ecommerce_3pl.yaml").model_dump(
        by_alias=True)
    fc = next(n for n in data["nodes"] if n["id"] == "fc")
    fc["channels"] = None  # the default channel, 'website'
    data["nodes"].append({"id": "fc/website", "role": "retailer",
                          "demand": {"dist": "poisson", "mean": 8},
                          "policy": {"type": "base_stock", "S": 30}})
    data["lanes"].append({"from": "maker", "to": "fc/website",
                          "lead_time": {"dist": "constant", "value": 2}})
    with pytest.raises(ScenarioError, match="'fc/website' is the name of the rows of a channel"):
        chainsim.load_scenario(data)


# ------------------------------------------------------------------------------ dotted paths
def test_a_path_two_lanes_answer_to_is_refused():
    # lanes a -> b->c and a->b -> c are both labelled 'a->b->c'
    scn = _chain(["a", "b->c", "a->b", "c"])
    scn["nodes"][1] = {"id": "a", "role": "wholesaler", "policy": {"type": "base_stock", "S": 9}}
    scn["nodes"][3] = {"id": "a->b", "role": "wholesaler",
                       "policy": {"type": "base_stock", "S": 9}}
    scn["lanes"] = [{"from": f, "to": t, "lead_time": {"dist": "constant", "value": 1}}
                    for f, t in [("plant", "a"), ("plant", "a->b"), ("a", "b->c"), ("a->b", "c")]]
    data = chainsim.load_scenario(scn).model_dump(by_alias=True)
    with pytest.raises(PathError, match="names 2 lanes.*lanes.2, lanes.3"):
        get_path(data, "lanes.a->b->c.lead_time.value")
    with pytest.raises(ScenarioError, match="names 2 lanes"):
        chainsim.with_values(scn, {"lanes.a->b->c.lead_time.value": 3})
    assert get_path(data, "lanes.2.lead_time.value") == 1  # the index still names one


def test_a_path_two_ids_with_dots_answer_to_is_refused():
    scn = _chain(["a", "a.policy"])
    data = chainsim.load_scenario(scn).model_dump(by_alias=True)
    # nodes.a.policy.S: node 'a', key policy.S, or node 'a.policy', key S? 'a.policy' has no S
    assert get_path(data, "nodes.a.policy.S") == 30
    assert get_path(data, "nodes.a.policy.policy.S") == 30
    scn = _chain(["a", "a.policy"])
    scn["nodes"][2]["policy"] = {"type": "base_stock", "S": 31}
    scn["nodes"][2]["demand"] = {"dist": "poisson", "mean": 8}
    data = chainsim.load_scenario(scn).model_dump(by_alias=True)
    data["nodes"][2]["S"] = 1  # a mapping in which both readings name a setting
    with pytest.raises(PathError, match="node 'a.policy' or node 'a'"):
        get_path(data, "nodes.a.policy.S")


# ------------------------------------------------------------------------------ long chains
def _serial(n: int) -> dict:
    nodes = [{"id": "n0", "role": "manufacturer", "infinite_supply": True}]
    nodes += [{"id": f"n{i}", "role": "wholesaler", "policy": {"type": "base_stock", "S": 20}}
              for i in range(1, n)]
    nodes[-1].update(role="retailer", demand={"dist": "poisson", "mean": 5})
    lanes = [{"from": f"n{i - 1}", "to": f"n{i}", "lead_time": {"dist": "constant", "value": 1}}
             for i in range(1, n)]
    return {"name": "chain", "horizon_days": 3, "warmup_days": 0, "replications": 1,
            "nodes": nodes, "lanes": lanes}


def _write_yaml(path, data: dict) -> None:
    lines = [f"name: {data['name']}", "horizon_days: 3", "warmup_days: 0", "replications: 1",
             "nodes:"]
    for n in data["nodes"]:
        extra = "".join(f", {k}: {{{', '.join(f'{a}: {b}' for a, b in v.items())}}}"
                        for k, v in n.items() if isinstance(v, dict))
        flags = ", infinite_supply: true" if n.get("infinite_supply") else ""
        lines.append(f"  - {{id: {n['id']}, role: {n['role']}{flags}{extra}}}")
    lines.append("lanes:")
    lines += [f"  - {{from: {ln['from']}, to: {ln['to']}, lead_time: {{dist: constant, value: 1}}}}"
              for ln in data["lanes"]]
    path.write_text("\n".join(lines) + "\n")


def test_a_1500_node_serial_chain_validates_and_runs(tmp_path):
    from typer.testing import CliRunner

    from chainsim.cli import app

    path = tmp_path / "chain.yaml"
    _write_yaml(path, _serial(1500))
    runner = CliRunner()
    res = runner.invoke(app, ["validate", str(path)])
    assert res.exit_code == 0, res.output
    assert "1500 nodes" in res.output
    res = runner.invoke(app, ["run", str(path), "--days", "2", "--out", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "out" / "kpis.csv").exists()


def test_a_20000_node_serial_chain_validates_in_seconds():
    # measured: ~3 s from a mapping on the reference machine (the YAML parser adds ~35 s for
    # the 20,000-line file itself, which is why this test starts from a mapping)
    start = time.perf_counter()
    scn = chainsim.load_scenario(_serial(20000))
    assert len(scn.nodes) == 20000
    assert time.perf_counter() - start < 60


# ------------------------------------------------------------------------------ extends chains
def _extends_chain(folder, depth: int) -> None:
    """s.yaml extends b1.yaml, which extends b2.yaml, ... b<depth>.yaml holds the network."""
    (folder / "s.yaml").write_text("extends: b1.yaml\nname: s\n")
    for i in range(1, depth):
        (folder / f"b{i}.yaml").write_text(f"extends: b{i + 1}.yaml\n")
    (folder / f"b{depth}.yaml").write_text(
        "horizon_days: 5\nnodes:\n  - {id: plant, role: manufacturer, infinite_supply: true}\n"
        "  - {id: shop, role: retailer, demand: {dist: poisson, mean: 8},"
        " policy: {type: base_stock, S: 42}}\n"
        "lanes:\n  - {from: plant, to: shop, lead_time: {dist: constant, value: 3}}\n")


def test_an_extends_chain_at_the_limit_loads(tmp_path):
    from chainsim.scenario.extends import MAX_EXTENDS_DEPTH

    _extends_chain(tmp_path, MAX_EXTENDS_DEPTH)
    assert chainsim.load_scenario(tmp_path / "s.yaml").horizon_days == 5


def test_a_1200_deep_extends_chain_is_refused_at_the_first_extends(tmp_path):
    from chainsim.scenario.extends import MAX_EXTENDS_DEPTH

    _extends_chain(tmp_path, 1200)
    start = time.perf_counter()
    with pytest.raises(ScenarioError) as info:
        chainsim.load_scenario(tmp_path / "s.yaml")
    assert time.perf_counter() - start < 5
    (problem,) = info.value.problems
    assert (Path(problem.file).name, problem.line) == ("s.yaml", 1)
    assert f"more than {MAX_EXTENDS_DEPTH} files deep" in problem.message
    assert f"b{MAX_EXTENDS_DEPTH}.yaml" in problem.message
