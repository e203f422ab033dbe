"""Read scenario files: safe YAML with positions, ``extends:`` merging, validation.

YAML is parsed by ruamel.yaml's round-trip loader, which builds only plain mappings, lists and
scalars (no Python objects: tags such as ``!!python/object`` are rejected), and remembers the line
and column of every key and item. Those positions turn each pydantic error into
``FILE:LINE:COL: message`` with the fix.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from chainsim.errors import Problem, ScenarioError
from chainsim.scenario.schema import Scenario

FILE_ATTR = "_chainsim_file"
ORIGIN_ATTR = "_chainsim_origin"


def read_yaml(path: Path) -> Any:
    """Parse one YAML file, tagging every mapping and list with the file it came from."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError([Problem(str(path), 0, 0, f"cannot read file: {exc.strerror}")]) from None
    yaml = YAML(typ="rt", pure=True)
    try:
        data = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        what = exc.problem or str(exc)
        raise ScenarioError(
            [Problem(str(path), line, col, f"malformed YAML: {what}; fix the syntax here")]
        ) from None
    except YAMLError as exc:
        raise ScenarioError([Problem(str(path), 0, 0, f"malformed YAML: {exc}")]) from None
    _tag(data, str(path))
    return data


def _tag(obj: Any, file: str) -> None:
    if isinstance(obj, CommentedMap):
        setattr(obj, FILE_ATTR, file)
        for v in obj.values():
            _tag(v, file)
    elif isinstance(obj, CommentedSeq):
        setattr(obj, FILE_ATTR, file)
        for v in obj:
            _tag(v, file)


def deep_merge(base: Any, child: Any) -> Any:
    """Mappings merge key by key (the child wins); lists and scalars from the child replace.

    A merged mapping remembers, per key, the mapping it came from, so that errors still point
    at the right file and line.
    """
    if not (isinstance(base, Mapping) and isinstance(child, Mapping)):
        return child
    merged = CommentedMap()
    origin: dict[Any, Any] = {}
    for key, value in base.items():
        merged[key] = value
        origin[key] = base
    for key, value in child.items():
        merged[key] = deep_merge(base[key], value) if key in base else value
        origin[key] = child
    setattr(merged, ORIGIN_ATTR, origin)
    setattr(merged, FILE_ATTR, getattr(child, FILE_ATTR, None))
    return merged


def resolve_extends(data: Any, path: Path, chain: tuple[Path, ...] = ()) -> Any:
    """Follow ``extends:`` (relative to the file that names it), merging each base underneath."""
    if not isinstance(data, Mapping) or "extends" not in data:
        return data
    rel = data["extends"]
    line, col = _key_pos(data, "extends")
    if not isinstance(rel, str):
        raise ScenarioError([Problem(str(path), line, col, "extends must be a file path")])
    base_path = (path.parent / rel).resolve()
    if base_path in chain or base_path == path.resolve():
        raise ScenarioError(
            [Problem(str(path), line, col, f"extends forms a loop through {rel}; remove one link")]
        )
    if not base_path.is_file():
        raise ScenarioError(
            [Problem(str(path), line, col, f"extends names {rel}, which does not exist; fix the path")]
        )
    base = resolve_extends(read_yaml(base_path), base_path, (*chain, path.resolve()))
    return deep_merge(base, data)


def _resolve_csv_paths(obj: Any, path: Path) -> None:
    """Make ``csv:`` paths of empirical distributions absolute, relative to their own file."""
    if isinstance(obj, Mapping):
        if obj.get("dist") == "empirical" and isinstance(obj.get("csv"), str):
            owner = Path(getattr(obj, FILE_ATTR, str(path)))
            obj["csv"] = str((owner.parent / obj["csv"]).resolve())
        for v in obj.values():
            _resolve_csv_paths(v, path)
    elif isinstance(obj, list):
        for v in obj:
            _resolve_csv_paths(v, path)


# --------------------------------------------------------------------------- positions
def _owner(mapping: Any, key: Any) -> Any:
    """The mapping, in the file it was read from, that holds ``key``."""
    origin = getattr(mapping, ORIGIN_ATTR, None)
    if origin and key in origin:
        return _owner(origin[key], key)
    return mapping


def _key_pos(mapping: Any, key: Any) -> tuple[int, int]:
    owner = _owner(mapping, key)
    try:
        line, col = owner.lc.key(key)
        return line + 1, col + 1
    except (AttributeError, KeyError, TypeError):
        return _own_pos(owner)


def _own_pos(obj: Any) -> tuple[int, int]:
    lc = getattr(obj, "lc", None)
    if lc is None or lc.line is None:
        return 0, 0
    return lc.line + 1, lc.col + 1


def locate(data: Any, loc: tuple[Any, ...], default_file: str) -> tuple[str, int, int]:
    """File, line and column of the deepest part of ``loc`` present in the raw data."""
    node = data
    file = getattr(data, FILE_ATTR, default_file)
    line, col = _own_pos(data)
    for part in loc:
        if isinstance(node, Mapping) and part in node:
            line, col = _key_pos(node, part)
            file = getattr(_owner(node, part), FILE_ATTR, None) or file
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            try:
                ln, cl = node.lc.item(part)
                line, col = ln + 1, cl + 1
            except (AttributeError, KeyError, TypeError):
                pass
            file = getattr(node, FILE_ATTR, file)
            node = node[part]
        # parts absent from the data (union tags, missing keys) keep the parent's position
    return file, line, col


def describe(data: Any, loc: tuple[Any, ...]) -> str:
    """A readable path such as ``nodes[1] (shop).policy.S``."""
    out = ""
    node = data
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
            if isinstance(node, list) and 0 <= part < len(node):
                node = node[part]
                if isinstance(node, Mapping) and isinstance(node.get("id"), str):
                    out += f" ({node['id']})"
                elif isinstance(node, Mapping) and "from" in node and "to" in node:
                    out += f" ({node['from']}->{node['to']})"
            continue
        if isinstance(node, Mapping) and part in node:
            out += ("." if out else "") + str(part)
            node = node[part]
        elif not isinstance(node, Mapping) or part not in _union_tags(node):
            out += ("." if out else "") + str(part)
    return out or "the file"


def _union_tags(node: Mapping) -> set[str]:
    return {str(node.get("dist")), str(node.get("type"))}


# --------------------------------------------------------------------------- model lookup
def model_at(loc: tuple[Any, ...], raw: Any) -> type[BaseModel] | None:
    """The pydantic model that validates the mapping at ``loc`` (for key suggestions)."""
    tp: Any = Scenario
    node = raw
    for part in loc:
        tp = _strip(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            if _is_tag(tp, part):
                continue
            field = _field(tp, part)
            if field is None:
                return None
            tp = field.annotation
            node = node.get(part) if isinstance(node, Mapping) else None
        elif typing.get_origin(tp) is list:
            tp = typing.get_args(tp)[0]
            node = node[part] if isinstance(node, list) and isinstance(part, int) and part < len(node) else None
        else:
            return None
        tp = _strip(tp)
        tp = _pick_member(tp, node)
    tp = _strip(tp)
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


def _is_tag(model: type[BaseModel], part: Any) -> bool:
    for tag in ("dist", "type"):
        f = model.model_fields.get(tag)
        if f is not None and part in typing.get_args(f.annotation):
            return True
    return False


def _field(model: type[BaseModel], name: Any):
    for fname, f in model.model_fields.items():
        if name in (fname, f.alias):
            return f
    return None


def _strip(tp: Any) -> Any:
    """Remove Annotated and Optional wrappers."""
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(args) == 1:
                tp = args[0]
            else:
                return tp
        else:
            return tp


def _pick_member(tp: Any, node: Any) -> Any:
    """For a tagged union, the member chosen by the raw mapping's ``dist``/``type``."""
    if typing.get_origin(tp) not in (typing.Union, types.UnionType) or not isinstance(node, Mapping):
        return tp
    for member in typing.get_args(tp):
        member = _strip(member)
        if not (isinstance(member, type) and issubclass(member, BaseModel)):
            continue
        for tag in ("dist", "type"):
            f = member.model_fields.get(tag)
            if f is not None and node.get(tag) in typing.get_args(f.annotation):
                return member
    return tp


def keys_of(model: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items()]


# --------------------------------------------------------------------------- messages
def _got(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def message_for(err: dict[str, Any], raw: Any) -> tuple[tuple[Any, ...], str]:
    """Turn one pydantic error into (location to point at, message with the fix)."""
    loc = tuple(err["loc"])
    kind = err["type"]
    ctx = err.get("ctx") or {}
    where = describe(raw, loc)
    value = err.get("input")
    if kind == "extra_forbidden":
        key = loc[-1]
        model = model_at(loc[:-1], raw)
        valid = keys_of(model) if model else []
        near = difflib.get_close_matches(str(key), valid, n=1, cutoff=0.5)
        hint = f"did you mean '{near[0]}'?" if near else "remove it"
        listing = f" (valid keys: {', '.join(valid)})" if valid else ""
        return loc, f"unknown key '{key}' in {describe(raw, loc[:-1])}; {hint}{listing}"
    if kind == "missing":
        return loc[:-1], f"missing required field '{loc[-1]}' in {describe(raw, loc[:-1])}; add it"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        tag = ctx.get("discriminator", "").strip("'")
        expected = ctx.get("expected_tags", "")
        if kind == "union_tag_not_found":
            return loc, f"{where} needs '{tag}:' naming one of {expected}"
        got = ctx.get("tag")
        options = [t.strip().strip("'") for t in expected.split(",")]
        near = difflib.get_close_matches(str(got), options, n=1, cutoff=0.5)
        hint = f"did you mean '{near[0]}'? " if near else ""
        return loc + (tag,), f"unknown {tag} '{got}' in {where}; {hint}use one of {expected}"
    if kind == "literal_error":
        expected = ctx.get("expected", "")
        options = [t.strip().strip("'") for t in expected.replace(" or ", ",").split(",")]
        near = difflib.get_close_matches(str(value), options, n=1, cutoff=0.5)
        hint = f"did you mean '{near[0]}'? " if near else ""
        return loc, f"{where} is {_got(value)}; {hint}use one of {expected}"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        op = {"greater_than": "> ", "greater_than_equal": ">= ", "less_than": "< ",
              "less_than_equal": "<= "}[kind]
        bound = next(iter(ctx.values()), "")
        bound = f"{bound:g}" if isinstance(bound, float) else bound
        need = "a positive number" if kind == "greater_than" and bound == 0 else f"{op}{bound}"
        return loc, f"{where} must be {need} (got {_got(value)}); change it"
    if kind == "value_error":
        msg = str(ctx.get("error", err["msg"]))
        return loc, f"{where}: {msg}"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return loc, f"{where} must be a mapping of keys (got {_got(value)})"
    if kind == "list_type":
        return loc, f"{where} must be a list (got {_got(value)})"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return loc, f"{where} must be a whole number (got {_got(value)})"
    if kind in ("float_parsing", "float_type"):
        return loc, f"{where} must be a number (got {_got(value)})"
    if kind in ("bool_parsing", "bool_type"):
        return loc, f"{where} must be true or false (got {_got(value)})"
    if kind in ("string_type",):
        return loc, f"{where} must be text (got {_got(value)})"
    if kind == "string_too_short":
        return loc, f"{where} must not be empty"
    return loc, f"{where}: {err['msg']}"


def validation_problems(exc: ValidationError, raw: Any, file: str) -> list[Problem]:
    problems = []
    for err in exc.errors(include_url=False):
        loc, msg = message_for(err, raw)
        f, line, col = locate(raw, loc, file)
        problems.append(Problem(f, line, col, msg))
    return problems


# --------------------------------------------------------------------------- entry point
def parse_scenario(raw: Any, file: str) -> Scenario:
    """Validate raw data (as read from ``file``) into a Scenario, then check the network."""
    from chainsim.scenario.validate import network_problems

    if not isinstance(raw, Mapping):
        raise ScenarioError(
            [Problem(file, 1, 1, "a scenario must be a mapping with name, nodes and lanes")]
        )
    try:
        scenario = Scenario.model_validate(_plain(raw))
    except ValidationError as exc:
        raise ScenarioError(validation_problems(exc, raw, file)) from None
    problems = network_problems(scenario, raw, file)
    if problems:
        raise ScenarioError(problems)
    return scenario


def _plain(obj: Any) -> Any:
    """Plain dicts/lists for pydantic (ruamel's scalars subclass the builtins already)."""
    if isinstance(obj, Mapping):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_plain(v) for v in obj]
    return obj


def load_raw(path: str | Path) -> Any:
    """Read a scenario file with its ``extends:`` chain merged and csv paths made absolute."""
    path = Path(path)
    raw = resolve_extends(read_yaml(path), path)
    _resolve_csv_paths(raw, path)
    return raw


def load_scenario(source: str | Path | Mapping[str, Any] | Scenario) -> Scenario:
    """A validated Scenario from a file path, a mapping, or a Scenario (returned as is)."""
    if isinstance(source, Scenario):
        return source
    if isinstance(source, Mapping):
        return parse_scenario(source, "<dict>")
    return parse_scenario(load_raw(source), str(source))
