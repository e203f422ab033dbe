"""Property: any mutation of a valid scenario either loads or raises ScenarioError.

Every problem then names the file, a line >= 1 and a column >= 1 inside the file, and a one-line
message; no other exception ever escapes the loader.
"""

from __future__ import annotations

import copy
import io
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

import chainsim
from chainsim.errors import ScenarioError
from chainsim.scenario.schema import Scenario

from .helpers import BASE

KEYS = ["name", "nodes", "lanes", "id", "role", "dist", "type", "mean", "S", "s", "Q", "r",
        "from", "to", "lead_time", "policy", "demand", "costs", "extends", "var", "low", "high"]

text_values = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=12)
scalars = st.one_of(
    text_values,
    st.sampled_from(KEYS + ["poisson", "sS", "retailer", "plant", "shop", "", "-1", "1e9"]),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.integers(max_value=0),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
)
values = st.one_of(
    scalars,
    st.lists(scalars, max_size=3),
    st.dictionaries(st.sampled_from(KEYS) | text_values, scalars, max_size=3),
)


def paths(obj: Any, prefix: tuple = ()) -> list[tuple]:
    out = []
    items = obj.items() if isinstance(obj, dict) else enumerate(obj) if isinstance(obj, list) else []
    for k, v in items:
        out.append((*prefix, k))
        out.extend(paths(v, (*prefix, k)))
    return out


def parent_of(data: Any, path: tuple) -> Any:
    for k in path[:-1]:
        data = data[k]
    return data


def mutate(data: dict, draw) -> dict:
    data = copy.deepcopy(data)
    kind = draw(st.sampled_from(["delete", "set", "rename", "dup_node", "drop_lane", "drop_node",
                                 "negate"]))
    all_paths = paths(data)
    if kind in ("delete", "set", "rename", "negate") and all_paths:
        path = draw(st.sampled_from(all_paths))
        parent, key = parent_of(data, path), path[-1]
        if kind == "delete":
            del parent[key]
        elif kind == "set":
            parent[key] = draw(values)
        elif kind == "negate":
            old = parent[key]
            parent[key] = -old if isinstance(old, int | float) and not isinstance(old, bool) \
                else draw(st.sampled_from([-1, -0.5, 0, -(10**9)]))
        elif isinstance(parent, dict):
            new = draw(st.sampled_from(KEYS) | text_values)
            parent[new] = parent.pop(key)
        else:
            parent[key] = {draw(st.sampled_from(KEYS)): parent[key]}
    elif kind == "dup_node" and isinstance(data, dict) and _nonempty_list(data.get("nodes")):
        nodes = data["nodes"]
        nodes.append(copy.deepcopy(draw(st.sampled_from(nodes))))
    elif kind in ("drop_lane", "drop_node") and isinstance(data, dict):
        items = data.get("lanes" if kind == "drop_lane" else "nodes")
        if _nonempty_list(items):
            items.pop(draw(st.integers(0, len(items) - 1)))
    return data


def _nonempty_list(x: Any) -> bool:
    return isinstance(x, list) and len(x) > 0


def dump(data: Any) -> str:
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = None  # block style outside, flow style for small leaves
    buf = io.StringIO()
    yaml.dump(data, buf)
    return buf.getvalue()


def text_mutation(text: str, draw) -> str:
    kind = draw(st.sampled_from(["none", "truncate", "garbage", "replace_line", "indent"]))
    if kind == "truncate":
        return text[: draw(st.integers(0, len(text)))]
    if kind == "garbage":
        at = draw(st.integers(0, len(text)))
        junk = draw(st.text(max_size=20) | st.sampled_from(
            [":", "- ", "[", "{", "}", "]", "\t", "&a ", "*a", "!!python/object/apply:os.system [x]",
             "<<: *a\n", "---\n", "%YAML 1.1\n", "? ", "|\n", "'", '"', "#", "\x00", "\ufeff"]))
        return text[:at] + junk + text[at:]
    lines = text.splitlines(keepends=True)
    if not lines:
        return text
    i = draw(st.integers(0, len(lines) - 1))
    if kind == "replace_line":
        lines[i] = draw(st.text(max_size=30)) + "\n"
    elif kind == "indent":
        lines[i] = " " * draw(st.integers(1, 5)) + lines[i]
    return "".join(lines)


def check(path: Path, raw: bytes) -> None:
    try:
        scn = chainsim.load_scenario(path)
    except ScenarioError as exc:
        assert exc.problems
        event(f"rejected: {len(exc.problems) > 1 and 'several' or 'one'} problem(s)")
        event("first: " + exc.problems[0].message.split("(")[0].split(";")[0][:40])
        text = raw.decode("utf-8", errors="replace")
        n_lines = len(text.splitlines()) + 1  # YAML also breaks lines at \r, \x85, \u2028
        for p in exc.problems:
            assert p.file == str(path), str(p)
            assert p.line >= 1 and p.col >= 1, f"position missing: {p}"
            assert p.line <= n_lines, f"line beyond the file ({n_lines} lines): {p}"
            assert p.message and "\n" not in p.message, repr(p.message)
            assert "Traceback" not in p.message
        return
    event("loaded")
    assert isinstance(scn, Scenario)


def test_base_scenario_is_valid(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(dump(BASE), encoding="utf-8")
    assert chainsim.load_scenario(path).name == "prop"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_scenarios_load_or_report_positions(tmp_path_factory, data):
    scenario = BASE
    for _ in range(data.draw(st.integers(0, 3), label="structural mutations")):
        scenario = mutate(scenario, data.draw)
    text = dump(scenario)
    for _ in range(data.draw(st.integers(0, 2), label="text mutations")):
        text = text_mutation(text, data.draw)
    raw = text.encode("utf-8", errors="surrogatepass")
    path = tmp_path_factory.mktemp("prop") / "s.yaml"
    path.write_bytes(raw)
    check(path, raw)


@settings(max_examples=60, deadline=None)
@given(raw=st.binary(max_size=200))
def test_arbitrary_bytes(tmp_path_factory, raw):
    path = tmp_path_factory.mktemp("bytes") / "s.yaml"
    path.write_bytes(raw)
    check(path, raw)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_base_file_is_named_in_problems(tmp_path_factory, data):
    """Problems of a mutated base file name that file, at a line inside it."""
    scenario = BASE
    for _ in range(data.draw(st.integers(1, 2), label="structural mutations")):
        scenario = mutate(scenario, data.draw)
    text = text_mutation(dump(scenario), data.draw)
    folder = tmp_path_factory.mktemp("ext")
    base = folder / "base.yaml"
    base.write_text(text, encoding="utf-8")
    child = folder / "child.yaml"
    child.write_text("extends: base.yaml\ndescription: child\n", encoding="utf-8")
    try:
        chainsim.load_scenario(child)
    except ScenarioError as exc:
        sizes = {str(base): len(text.splitlines()) + 1, str(child): 3}
        for p in exc.problems:
            assert p.file in sizes, str(p)
            assert 1 <= p.line <= sizes[p.file] and p.col >= 1, str(p)
            assert "\n" not in p.message


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_mutated_mappings_load_or_raise_scenario_error(data):
    """``load_scenario(dict)``: the same promise without a file (positions are then 0:0)."""
    scenario = BASE
    for _ in range(data.draw(st.integers(1, 3))):
        scenario = mutate(scenario, data.draw)
    if not isinstance(scenario, dict):
        return
    try:
        chainsim.load_scenario(scenario)
    except ScenarioError as exc:
        assert all(p.file == "<dict>" and "\n" not in p.message for p in exc.problems)
