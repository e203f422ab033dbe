"""The file itself: malformed YAML, unsafe tags, odd shapes, encodings, hostile input."""

from __future__ import annotations

import time

import pytest

import chainsim
from chainsim.errors import ScenarioError

from .helpers import VALID, has, only


# --------------------------------------------------------------------------- malformed YAML
@pytest.mark.parametrize(
    ("text", "line", "col", "words"),
    [
        # an unclosed flow sequence: the parser notices at the end of the file (line 3, col 1)
        ("name: demo\nnodes: [\n", 3, 1, ["malformed YAML"]),
        # a tab used for indentation, at the start of line 2
        ("name: demo\n\tnodes: []\n", 2, 1, ["malformed YAML", "tab", "spaces"]),
        # 'a: b: c' - the second ':' is at line 1, col 11
        ("name: demo: x\n", 1, 11, ["malformed YAML", "mapping values are not allowed",
                                    "quote"]),
        # the same key twice: pointed at the second one, line 2 col 1
        ("name: a\nname: b\nnodes: []\n", 2, 1, ["duplicate key", "name", "remove one"]),
        # two documents in one file: the second '---' at line 3
        ("name: a\n---\nname: b\n", 2, 1, ["single document", "one scenario per file"]),
        # an alias to an anchor never defined: '*nope' at line 2, col 9
        ("name: a\nnodes: *nope\n", 2, 8, ["undefined alias", "nope", "anchor"]),
        # unbalanced flow mapping on line 2
        ("name: a\nnodes: [{id: x, role: retailer]\n", 2, 31, ["malformed YAML"]),
    ],
)
def test_malformed_yaml(problems, text, line, col, words):
    p = only(problems(text))
    assert (p.line, p.col) == (line, col), str(p)
    has(p.message, *words)


def test_malformed_yaml_message_is_one_line_and_names_file(write):
    path = write("name: demo\nnodes: [\n")
    with pytest.raises(ScenarioError) as info:
        chainsim.load_scenario(path)
    text = str(info.value)
    assert text.startswith(f"{path}:3:1: malformed YAML")
    assert "\n" not in text


def test_control_character(problems):
    p = only(problems("name: de\x01mo\nnodes: []\n"))
    assert (p.line, p.col) == (1, 9)
    has(p.message, "#x0001", "remove it")


def test_not_utf8(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: caf\u00e9\n".encode("latin-1"))
    with pytest.raises(ScenarioError) as info:
        chainsim.load_scenario(path)
    p = only(info.value.problems)
    assert (p.line, p.col) == (1, 10)
    has(p.message, "not UTF-8", "0xe9", "save it as UTF-8")


def test_utf8_bom_is_fine(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + VALID.encode())
    assert chainsim.load_scenario(path).name == "demo"


def test_missing_file(tmp_path):
    with pytest.raises(ScenarioError) as info:
        chainsim.load_scenario(tmp_path / "nowhere.yaml")
    p = only(info.value.problems)
    assert p.file == str(tmp_path / "nowhere.yaml")
    has(p.message, "cannot read file", "check the path")


def test_directory_instead_of_file(tmp_path):
    with pytest.raises(ScenarioError) as info:
        chainsim.load_scenario(tmp_path)
    has(only(info.value.problems).message, "cannot read file")


# --------------------------------------------------------------------------- file shapes
@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("", 1, ["holds no settings", "name:", "nodes:"]),
        ("# only a comment\n\n", 1, ["holds no settings"]),
        ("- id: shop\n- id: plant\n", 1, ["holds a list", "mapping"]),
        ("# a comment first\n- id: shop\n", 2, ["holds a list"]),
        ("just some words\n", 1, ["single value", "'just some words'", "mapping"]),
        ("42\n", 1, ["single value", "42"]),
        ("null\n", 1, ["holds no settings"]),
    ],
)
def test_file_that_is_not_a_mapping(problems, text, line, words):
    p = only(problems(text))
    assert (p.line, p.col) == (line, 1)
    has(p.message, *words)


# --------------------------------------------------------------------------- safe loading
def test_python_tags_are_rejected_and_never_run(problems, tmp_path):
    canary = tmp_path / "pwned"
    text = f'name: demo\ndescription: !!python/object/apply:os.system ["touch {canary}"]\n'
    p = only(problems(text))
    assert not canary.exists()
    # the tag starts at line 2, col 14 ("description: " is 13 characters)
    assert (p.line, p.col) == (2, 14)
    has(p.message, "!!python/object/apply:os.system", "not allowed", "remove the tag")


@pytest.mark.parametrize(
    "value",
    [
        "!!python/name:os.system",
        "!!python/object/new:os.system [ls]",
        "!!python/object:builtins.dict {}",
        "!!python/module:os",
        "!custom {a: 1}",
        "!env HOME",
    ],
)
def test_other_tags_are_rejected(problems, value):
    text = VALID.replace("name: demo", f"name: {value}")
    p = only(problems(text))
    assert (p.line, p.col) == (1, 7)
    has(p.message, "YAML tag", "not allowed")


def test_tags_in_nested_places_are_all_reported(problems):
    text = VALID.replace("mean: 8}", "mean: !!python/name:os.getpid }").replace(
        "value: 3}", "value: !x 3}")
    found = problems(text)
    assert [(p.line, p.col) for p in found] == [(9, 35), (13, 64)], "\n".join(map(str, found))


def test_plain_explicit_tags_are_fine(write):
    text = VALID.replace("name: demo", "name: !!str 2024").replace("S: 42", "S: !!int '42'")
    scn = chainsim.load_scenario(write(text))
    assert scn.name == "2024"
    assert scn.node("shop").policy.S == 42


def test_alias_bomb_is_cheap(problems):
    """'Billion laughs': nine levels of nine aliases must not be expanded."""
    lines = ['name: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    prev = "a"
    for k in "bcdefgh":
        lines.append(f"{k}: &{k} [" + ",".join([f"*{prev}"] * 9) + "]")
        prev = k
    lines.append("nodes: [" + ",".join([f"*{prev}"] * 9) + "]")
    start = time.perf_counter()
    found = problems("\n".join(lines) + "\n")
    assert time.perf_counter() - start < 5
    assert all(len(p.message) < 300 for p in found)
    has(found[0].message, "once its aliases (*name) are written out")  # refused as read


def test_deep_nesting_is_refused_quickly(problems):
    start = time.perf_counter()
    p = only(problems("name: demo\nnodes: " + "[" * 2000 + "]" * 2000 + "\n"))
    assert time.perf_counter() - start < 2
    # the 101st '[' on line 2: "nodes: " is 7 characters, so col 8 + 100
    assert (p.line, p.col) == (2, 108)
    has(p.message, "nested more than 100 deep", "flatten")


def test_brackets_in_quotes_and_comments_do_not_count(write):
    text = VALID.replace("name: demo", "name: demo  # " + "[" * 300) + (
        "description: '" + "{" * 300 + "'\n")
    assert chainsim.load_scenario(write(text)).description == "{" * 300


def test_deep_block_nesting(problems):
    text = "name: demo\nnodes:\n" + "".join(" " * i + "k:\n" for i in range(1, 1200))
    p = only(problems(text))
    assert p.line >= 1
    has(p.message, "nested too deeply")


def test_anchors_and_aliases_are_allowed(write):
    text = VALID.replace("policy: {type: base_stock, S: 42}", "policy: &pol {type: base_stock, S: 42}")
    text += "  - {from: plant, to: kiosk}\n"
    text = text.replace("lanes:", "  - {id: kiosk, role: retailer, demand: {dist: poisson, mean: 1},"
                        " policy: *pol}\nlanes:")
    scn = chainsim.load_scenario(write(text))
    assert scn.node("kiosk").policy == scn.node("shop").policy


def test_yaml_merge_key_positions(problems):
    found = problems("""\
name: demo
defaults: &d
  role: retailer
  policy: {type: base_stock, S: -1}
nodes:
  - {id: plant, role: manufacturer, infinite_supply: true}
  - <<: *d
    id: shop
    demand: {dist: poisson, mean: 8}
lanes:
  - {from: plant, to: shop}
""")
    assert [(p.line, p.col) for p in found] == [(2, 1), (4, 30)], "\n".join(map(str, found))
    has(found[0].message, "unknown key 'defaults'")
    # the bad S is inherited through '<<: *d': pointed at where it is written, line 4
    has(found[1].message, "policy.S", "0 or more")


def test_tags_on_keys_are_rejected(problems):
    found = problems("name: x\n? !!python/name:os.system\n: 1\n!foo bar: 2\nnodes: []\n")
    # the explicit key '? <tag>' starts at line 2, col 3; '!foo bar' at line 4, col 1
    assert [(p.line, p.col) for p in found] == [(2, 3), (4, 1)], "\n".join(map(str, found))
    for p in found:
        has(p.message, "YAML tag", "not allowed")
