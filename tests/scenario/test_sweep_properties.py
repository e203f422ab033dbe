"""Property: any mutation of a shipped sweep file either loads or raises ScenarioError.

Each shipped ``experiments/*/sweep.yaml`` is copied with its base scenario into a temporary
folder (``base:`` then names the copy next to it) and mutated: keys deleted, values replaced by
other types, negatives, NaN, huge numbers, strings and lists; unknown dotted paths and nodes,
empty lists, duplicate entries, bad design names, zip groups of unequal length, precision blocks
with bad fields. `load_sweep` must then succeed or raise `ScenarioError` whose problems each name
a file, a line >= 1 and a one-line message; no other exception escapes. A few mutations also go
through ``chainsim sweep``: exit 2, no traceback, nothing written.
"""

from __future__ import annotations

import copy
import io
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from chainsim.errors import ScenarioError
from chainsim.experiments.sweepfile import Sweep, load_sweep

from .test_properties import text_mutation

ROOT = Path(__file__).resolve().parents[2]
SWEEPS = sorted((ROOT / "experiments").glob("*/sweep.yaml"))

# deterministic in CI: the same examples on every run, no example database
FIXED = dict(derandomize=True, deadline=None, database=None,
             suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

TOP_KEYS = ["base", "replications", "design", "samples", "seed", "parameters", "zip", "metrics",
            "precision"]
PATHS = ["nodes.shop.policy.S", "nodes.shop.policy.s", "nodes.nosuch.policy.S",
         "nodes.shop.policy.nosuch", "nodes.shop", "nodes", "nodes.1.policy.S", "nodes.99.price",
         "lanes.plant->shop.lead_time.value", "lanes.x->y.lead_time.value", "horizon_days",
         "replications", "seed", "name", "", ".", "..", "nodes..policy", "nodes.shop.policy.S.x",
         "market.regions.metro.population", "nodes.metro-1.price", "nodes.dist.policy.s",
         "nodes.dist.policy.S", "nodes.metro-1.channels", "warmup_days", "lanes.0", "-1"]

text_values = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=10)
numbers = st.one_of(
    st.integers(min_value=-(10**12), max_value=10**12),
    st.sampled_from([0, -1, 1, 2, 10**9, 10**30, -(10**30), 0.5, -0.5, 1e308, -1e308]),
    st.floats(allow_nan=True, allow_infinity=True),
)
scalars = st.one_of(
    numbers,
    text_values,
    st.sampled_from(TOP_KEYS + PATHS + ["grid", "list", "lhs", "GRID", "zip", "fill_rate",
                                        "total_cost", "backorders", "shop", "network", "nan",
                                        ".inf", "1e9", "-1"]),
    st.booleans(),
    st.none(),
)
values = st.one_of(
    scalars,
    st.lists(scalars, max_size=4),
    st.lists(st.lists(scalars, max_size=3), max_size=2),
    st.dictionaries(st.sampled_from(TOP_KEYS + ["metric", "half_width", "node", "low", "high"])
                    | text_values, scalars, max_size=3),
)


def load_yaml(text: str) -> Any:
    return YAML(typ="safe", pure=True).load(text)


def dump(data: Any) -> str:
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = None
    buf = io.StringIO()
    yaml.dump(data, buf)
    return buf.getvalue()


def copy_sweep(sweep: Path, dest: Path) -> dict:
    """Copy the sweep's base (and the YAML files of its folder, for ``extends:``) into
    ``dest``; return the sweep as data with ``base:`` naming the copy."""
    data = load_yaml(sweep.read_text(encoding="utf-8"))
    base = (sweep.parent / data["base"]).resolve()
    for f in base.parent.glob("*.yaml"):
        shutil.copy(f, dest / f.name)
    data["base"] = base.name
    return data


def mutate(data: Any, draw) -> Any:
    data = copy.deepcopy(data)
    if not isinstance(data, dict):
        return data
    kind = draw(st.sampled_from([
        "delete_key", "set_key", "unknown_key", "param_value", "param_element", "param_empty",
        "param_dup", "param_add", "param_delete", "design", "samples", "zip", "precision",
        "metrics", "base"]))
    params = data.get("parameters")
    names = list(params) if isinstance(params, dict) else []
    if kind == "delete_key" and data:
        del data[draw(st.sampled_from(sorted(data)))]
    elif kind == "set_key":
        data[draw(st.sampled_from(TOP_KEYS))] = draw(values)
    elif kind == "unknown_key":
        data[draw(text_values | st.sampled_from(["param", "sample", "Design", "zips"]))] = \
            draw(values)
    elif kind in ("param_value", "param_element", "param_empty", "param_dup") and names:
        name = draw(st.sampled_from(names))
        old = params[name]
        if kind == "param_value":
            params[name] = draw(values)
        elif kind == "param_empty":
            params[name] = draw(st.sampled_from([[], {}, "", None, [[]]]))
        elif isinstance(old, list) and old:
            i = draw(st.integers(0, len(old) - 1))
            if kind == "param_element":
                old[i] = draw(scalars | st.lists(scalars, max_size=2))
            else:
                old.append(old[i])
    elif kind == "param_add" and isinstance(params, dict):
        path = draw(st.sampled_from(PATHS) | text_values)
        params[path] = draw(st.lists(numbers | scalars, max_size=3) | values)
    elif kind == "param_delete" and names:
        del params[draw(st.sampled_from(names))]
    elif kind == "design":
        data["design"] = draw(st.sampled_from(["grid", "list", "lhs", "GRID", "factorial", "",
                                               None, 3, ["grid"]]))
        if data["design"] == "lhs" and draw(st.booleans()):
            data["samples"] = draw(st.integers(0, 6) | numbers)
    elif kind == "samples":
        data["samples"] = draw(numbers | scalars)
    elif kind == "zip":
        group = draw(st.lists(st.sampled_from(names + ["nosuch", ""]) if names else
                              st.sampled_from(["nosuch", ""]), max_size=3))
        data["zip"] = draw(st.sampled_from([[group], [group, group], group, [[]], "x"]))
        if names and draw(st.booleans()):  # unequal lengths in the group
            params[names[0]] = list(range(30, 30 + draw(st.integers(1, 5))))
    elif kind == "precision":
        block = {"metric": "backorders", "node": "shop", "half_width": 0.02,
                 "max_replications": 60}
        field = draw(st.sampled_from(sorted(block) + ["extra"]))
        if draw(st.booleans()):
            block.pop(field, None)
        else:
            block[field] = draw(st.sampled_from(["no_such_metric", "", "nosuch", 0, -1, 1,
                                                 float("nan"), float("inf"), 10**30, None, []])
                                | values)
        data["precision"] = block
    elif kind == "metrics":
        data["metrics"] = draw(st.sampled_from([[], ["no_such_metric"], ["fill_rate", "fill_rate"],
                                                "fill_rate", [1], [None]]) | values)
    elif kind == "base":
        data["base"] = draw(st.sampled_from(["", ".", "..", "nosuch.yaml", "/dev/null",
                                             "../../../../etc/passwd", "market.yaml", 3, None,
                                             ["single_retailer.yaml"]]))
    return data


def check(path: Path, note=event) -> Sweep | None:
    n_lines = len(path.read_bytes().decode("utf-8", "replace").splitlines()) + 1
    try:
        sweep = load_sweep(path)
    except ScenarioError as exc:
        assert exc.problems
        note("rejected: " + exc.problems[0].message.split("(")[0].split(";")[0][:40])
        for p in exc.problems:
            assert p.file, str(p)
            assert p.line >= 1, f"line missing: {p}"
            if p.file == str(path):
                assert p.line <= n_lines, f"line beyond the file ({n_lines} lines): {p}"
            assert p.message.strip() and "\n" not in p.message, repr(p.message)
            assert "Traceback" not in p.message
        return None
    note("loaded")
    assert isinstance(sweep, Sweep) and len(sweep.scenarios) == len(sweep.points)
    return sweep


@pytest.mark.parametrize("sweep", SWEEPS, ids=lambda p: p.parent.name)
def test_shipped_sweeps_load_from_a_copy(tmp_path, sweep):
    data = copy_sweep(sweep, tmp_path)
    path = tmp_path / "sweep.yaml"
    path.write_text(dump(data), encoding="utf-8")
    assert check(path, note=lambda _: None) is not None


@pytest.mark.parametrize("sweep", SWEEPS, ids=lambda p: p.parent.name)
@settings(max_examples=40, **FIXED)
@given(data=st.data())
def test_mutated_sweeps_load_or_report_positions(tmp_path_factory, sweep, data):
    folder = tmp_path_factory.mktemp("sweep")
    doc = copy_sweep(sweep, folder)
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        doc = mutate(doc, data.draw)
    text = dump(doc)
    if data.draw(st.booleans(), label="text mutation"):
        text = text_mutation(text, data.draw)
    path = folder / "sweep.yaml"
    path.write_bytes(text.encode("utf-8", errors="surrogatepass"))
    check(path)


@pytest.mark.parametrize("sweep", [s for s in SWEEPS if s.parent.name != "precision"],
                         ids=lambda p: p.parent.name)
@settings(max_examples=30, **FIXED)
@given(data=st.data())
def test_mutated_parameter_values_load_or_report_positions(tmp_path_factory, sweep, data):
    """Deeper: the keys stay valid, the values and the design change (bounds, lengths, types)."""
    folder = tmp_path_factory.mktemp("values")
    doc = copy_sweep(sweep, folder)
    params = doc["parameters"]
    for _ in range(data.draw(st.integers(1, 3), label="value mutations")):
        name = data.draw(st.sampled_from(sorted(params)))
        params[name] = data.draw(st.one_of(
            st.lists(numbers, min_size=1, max_size=4),
            st.lists(numbers | scalars, max_size=3),
            st.fixed_dictionaries({"low": numbers, "high": numbers}),
            st.builds(lambda v, n: [v] * n, numbers, st.integers(2, 3)),  # duplicates
            values))
    doc["design"] = data.draw(st.sampled_from(["grid", "list", "lhs"]), label="design")
    if doc["design"] == "lhs":
        doc["samples"] = data.draw(st.integers(1, 4) | st.sampled_from([10**6, 10**12]))
        doc["seed"] = data.draw(st.integers(0, 2**70) | st.none())
    else:
        doc.pop("samples", None)
        doc.pop("seed", None)
    path = folder / "sweep.yaml"
    path.write_text(dump(doc), encoding="utf-8")
    check(path)


# mutations that must be refused, each through the command line
BAD = {
    "unknown_node": lambda d: d["parameters"].update({"nodes.nosuch.policy.S": [1, 2]}),
    "nan_value": lambda d: d["parameters"].update({"nodes.shop.policy.S": [float("nan")]}),
    "empty_list": lambda d: d["parameters"].update({"nodes.shop.policy.S": []}),
    "bad_design": lambda d: d.update(design="factorial"),
    "zip_unequal": lambda d: d.update(zip=[list(d["parameters"])]) or
    d["parameters"].update({"nodes.shop.policy.S": [30, 40, 50]}),
    "bad_precision": lambda d: d.update(precision={"metric": "backorders", "half_width": -1}),
    "huge_replications": lambda d: d.update(replications=10**30),
    "string_seed": lambda d: d.update(seed="abc"),
    "huge_design": lambda d: d.update(design="lhs", samples=10**12) or d["parameters"].update(
        {"nodes.shop.policy.S": [1, 50], "lanes.plant->shop.lead_time.value": [1, 4]}),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_cli_refuses_mutated_sweeps(tmp_path, name):
    from typer.testing import CliRunner

    from chainsim.cli import app

    doc = copy_sweep(ROOT / "experiments" / "base_stock_grid" / "sweep.yaml", tmp_path)
    BAD[name](doc)
    path = tmp_path / "sweep.yaml"
    text = dump(doc)
    path.write_text(text, encoding="utf-8")
    before = sorted(p.name for p in tmp_path.iterdir())
    here = os.getcwd()
    os.chdir(tmp_path)  # the default results folder would be here
    try:
        res = CliRunner().invoke(app, ["sweep", str(path), "--out", str(tmp_path / "out"), "-q",
                                       "--workers", "1"], env={"COLUMNS": "200", "NO_COLOR": "1"})
    finally:
        os.chdir(here)
    output = res.stdout + res.stderr
    assert res.exit_code == 2, (res.exit_code, output, res.exception)
    assert "Traceback" not in output
    assert f"{path}:" in output
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written
