"""``extends:`` deep-merges a base file; problems still name the file and line they come from."""

from __future__ import annotations

import pytest

import chainsim
from chainsim.errors import ScenarioError

from .helpers import VALID, has, only

BASE_BAD = """\
name: base
horizon_days: -10
seed: 7
nodes:
  - id: plant
    role: manufacturer
    infinite_supply: true
  - id: shop
    role: retailer
    demand: {dist: poisson, mean: 8}
    policy: {type: base_stock, S: -42}
lanes:
  - {from: plant, to: shop}
"""


def errors_of(path, **kw) -> list:
    with pytest.raises(ScenarioError) as info:
        chainsim.load_scenario(path, **kw)
    return info.value.problems


def test_child_overrides_and_inherits(write):
    write(VALID, "base.yaml")
    child = write("extends: base.yaml\nname: child\nseed: 99\n", "child.yaml")
    scn = chainsim.load_scenario(child)
    assert (scn.name, scn.seed, scn.horizon_days) == ("child", 99, 100)
    assert [n.id for n in scn.nodes] == ["plant", "shop"]


def test_lists_from_the_child_replace(write):
    write(VALID, "base.yaml")
    child = write("""\
        extends: base.yaml
        nodes:
          - {id: src, role: manufacturer, infinite_supply: true}
          - {id: shop, role: retailer, demand: {dist: poisson, mean: 2}, policy: {type: base_stock, S: 9}}
        lanes:
          - {from: src, to: shop}
    """, "child.yaml")
    scn = chainsim.load_scenario(child)
    assert [n.id for n in scn.nodes] == ["src", "shop"]
    assert scn.name == "demo"


def test_errors_in_base_name_the_base_file_and_line(write, tmp_path):
    base = write(BASE_BAD, "base.yaml")
    child = write("extends: base.yaml\nname: child\nreplications: 0\n", "sub/../child.yaml")
    found = errors_of(child)
    by_file = {(p.file, p.line, p.col) for p in found}
    assert (str(base), 2, 1) in by_file  # horizon_days: -10
    assert (str(base), 11, 32) in by_file  # S: -42 in "    policy: {type: base_stock, S: -42}"
    assert (str(child), 3, 1) in by_file  # replications: 0 in the child
    assert len(found) == 3, "\n".join(map(str, found))


def test_base_in_another_directory(write, tmp_path):
    write(BASE_BAD, "bases/base.yaml")
    child = write("extends: ../bases/base.yaml\nname: child\n", "sub/child.yaml")
    found = errors_of(child, allow_outside_paths=True)  # ../bases is outside sub/ (paths.py)
    files = {p.file for p in found}
    assert files == {str(tmp_path / "bases" / "base.yaml")}, "\n".join(map(str, found))
    has(found[0].message, "horizon_days")


def test_child_fixes_base_error(write):
    write(BASE_BAD.replace("S: -42", "S: 42"), "base.yaml")
    child = write("extends: base.yaml\nhorizon_days: 30\n", "child.yaml")
    assert chainsim.load_scenario(child).horizon_days == 30


def test_chain_of_three(write):
    write(VALID, "a.yaml")
    write("extends: a.yaml\nseed: 5\n", "b.yaml")
    c = write("extends: b.yaml\nname: c\n", "c.yaml")
    scn = chainsim.load_scenario(c)
    assert (scn.name, scn.seed) == ("c", 5)


def test_malformed_base_names_the_base(write):
    base = write("name: base\nnodes: [\n", "base.yaml")
    child = write("extends: base.yaml\n", "child.yaml")
    p = only(errors_of(child))
    assert (p.file, p.line, p.col) == (str(base), 3, 1)
    has(p.message, "malformed YAML")


def test_unsafe_tag_in_base_names_the_base(write):
    base = write("name: !!python/object/apply:os.getpid []\n", "base.yaml")
    child = write("extends: base.yaml\n", "child.yaml")
    p = only(errors_of(child))
    assert (p.file, p.line, p.col) == (str(base), 1, 7)
    has(p.message, "not allowed")


def test_missing_base(write):
    child = write("name: x\nextends: nowhere.yaml\n", "child.yaml")
    p = only(errors_of(child))
    assert (p.file, p.line, p.col) == (str(child), 2, 1)
    has(p.message, "nowhere.yaml", "does not exist", "fix the path")


@pytest.mark.parametrize("value", ["5", "[a.yaml]", "''", "null"])
def test_extends_must_be_a_path(write, value):
    child = write(f"name: x\nextends: {value}\n", "child.yaml")
    p = only(errors_of(child))
    assert (p.line, p.col) == (2, 1)
    has(p.message, "extends must be the path", "e.g. extends: base.yaml")


@pytest.mark.parametrize("text", ["", "- 1\n- 2\n", "hello\n"])
def test_base_that_is_not_a_mapping(write, text):
    base = write(text, "base.yaml")
    child = write("extends: base.yaml\nname: x\n", "child.yaml")
    p = only(errors_of(child))
    assert (p.file, p.line, p.col) == (str(base), 1, 1)
    has(p.message, "base scenario", "mapping")


def test_extends_itself(write):
    child = write("name: x\nextends: s.yaml\n", "s.yaml")
    p = only(errors_of(child))
    assert (p.file, p.line, p.col) == (str(child), 2, 1)
    has(p.message, "loop", "s.yaml -> s.yaml", "remove one")


def test_extends_loop_of_two(write):
    write("extends: b.yaml\nname: a\n", "a.yaml")
    b = write("nodes: []\nextends: a.yaml\n", "b.yaml")
    p = only(errors_of(b.parent / "a.yaml"))
    # reported where the loop closes: b.yaml line 2 names a.yaml again
    assert (p.file, p.line, p.col) == (str(b), 2, 1)
    has(p.message, "loop", "a.yaml -> b.yaml -> a.yaml")


def test_extends_loop_of_three(write):
    write("extends: b.yaml\n", "a.yaml")
    write("extends: c.yaml\n", "b.yaml")
    c = write("extends: ./a.yaml\n", "c.yaml")
    p = only(errors_of(c.parent / "a.yaml"))
    assert (p.file, p.line, p.col) == (str(c), 1, 1)
    has(p.message, "a.yaml -> b.yaml -> c.yaml -> a.yaml")


def test_missing_name_everywhere_points_at_child_top(write):
    write("nodes: []\n", "base.yaml")
    child = write("extends: base.yaml\ndescription: d\n", "child.yaml")
    found = errors_of(child)
    p = next(p for p in found if "name" in p.message)
    assert (p.file, p.line, p.col) == (str(child), 1, 1)


def test_csv_path_in_base_is_relative_to_base(write, tmp_path):
    (tmp_path / "bases").mkdir()
    (tmp_path / "bases" / "d.csv").write_text("1\n2\n", encoding="utf-8")
    write(VALID.replace("{dist: poisson, mean: 8}", "{dist: empirical, csv: d.csv}"),
          "bases/base.yaml")
    child = write("extends: bases/base.yaml\nname: child\n", "child.yaml")
    scn = chainsim.load_scenario(child)
    assert scn.node("shop").demand.csv == str((tmp_path / "bases" / "d.csv").resolve())
