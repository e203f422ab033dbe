"""Read scenario files: safe YAML with positions, ``extends:`` merging, validation.

YAML is parsed by ruamel.yaml's round-trip loader, which builds only plain mappings, lists and
scalars and remembers the line and column of every key and item. It never constructs Python
objects: a tag such as ``!!python/object/apply:os.system`` comes back as inert tagged data, which
is refused here with its position. Those positions turn each pydantic error into
``FILE:LINE:COL: message`` with the fix; checks of the whole network (validate.py) run as well,
so that every problem of a file is reported at once. Shared (aliased) data is walked once, and
bracket nesting is capped, so that a small hostile file cannot make loading slow.
"""

from __future__ import annotations

import difflib
import math
import os
import re
import reprlib
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.reader import ReaderError

from chainsim.errors import Problem, ScenarioError
from chainsim.scenario.paths import is_inside, outside_message, root_of
from chainsim.scenario.schema import CHANNEL_TAGS, Scenario

FILE_ATTR = "_chainsim_file"
ORIGIN_ATTR = "_chainsim_origin"

# Tags YAML resolves to plain values; any other tag (``!!python/object``, ``!custom``) is refused.
PLAIN_TAGS = {
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "map", "seq")
}

# Extra advice for the commonest YAML mistakes, keyed by a piece of ruamel.yaml's message.
YAML_HINTS = {
    "cannot start any token": "indent with spaces, not tabs, and quote values that start with @ or `",
    "mapping values are not allowed": "put a space after each ':' and quote values that contain ': '",
    "duplicate key": "remove one of the two keys",
    "expected a single document": "keep one scenario per file (remove the second '---')",
    "undefined alias": "define the anchor (&name) before using *name",
    "could not find expected ':'": "write each setting as key: value",
    "did not find expected key": "check the indentation of this line",
    "did not find expected node content": "add the missing value or close the bracket",
    "expected <block end>": "check the indentation of this line (and the lines above it)",
    "expected ',' or '}'": "close the '{' (or put ', ' between the items)",
    "expected ',' or ']'": "close the '[' (or put ', ' between the items)",
    "unexpected end of stream": "close the quote or bracket that is still open",
}


def _error(problems: list[Problem]) -> ScenarioError:
    """The error to raise, with every message on one printable line (names the user wrote may
    hold newlines or control characters: they are shown escaped)."""
    return ScenarioError([
        Problem(p.file, p.line, p.col, _printable(p.message)) for p in problems
    ])


def _printable(text: str) -> str:
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _line_col(text: str | bytes, index: int) -> tuple[int, int]:
    """1-based line and column of a character (or byte) offset."""
    nl = "\n" if isinstance(text, str) else b"\n"
    line = text.count(nl, 0, index) + 1
    col = index - (text.rfind(nl, 0, index) + 1) + 1
    return line, col


def read_yaml(path: Path) -> Any:
    """Parse one YAML file, tagging every mapping and list with the file it came from."""
    file = str(path)
    try:
        data_bytes = path.read_bytes()
    except OSError as exc:
        raise _error(
            [Problem(file, 0, 0, f"cannot read file: {exc.strerror or exc}; check the path")]
        ) from None
    if data_bytes.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _error([Problem(
            file, 1, 1, "the file is UTF-16 text (it starts with a UTF-16 byte order mark); "
            "save it as UTF-8",
        )])
    try:
        text = data_bytes.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _line_col(data_bytes, exc.start)
        raise _error(
            [Problem(file, line, col, f"the file is not UTF-8 text (byte 0x{data_bytes[exc.start]:02x}); "
                     "save it as UTF-8")]
        ) from None
    return parse_yaml_text(text, file)


def parse_yaml_text(text: str, file: str) -> Any:
    """Parse YAML text safely: plain mappings, lists and scalars only, every one with a position."""
    deep = _too_indented(text)
    if deep is not None:
        raise _error([Problem(
            file, *_line_col(text, deep),
            f"malformed YAML: nested too deeply (indented more than {MAX_INDENT} columns); flatten it",
        )])
    deep = _too_deep(text)
    if deep is not None:
        raise _error([Problem(
            file, *_line_col(text, deep),
            f"malformed YAML: brackets nested more than {MAX_FLOW_DEPTH} deep; flatten it",
        )])
    yaml = YAML(typ="rt", pure=True)
    try:
        data = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = " ".join(str(exc.problem or exc.context or "syntax error").split())
        context = " ".join(str(exc.context or "").split())
        if exc.problem and context and not context.startswith("while"):
            what = f"{context}, {what}"  # e.g. "expected a single document ..., but found ..."
        hint = next((h for k, h in YAML_HINTS.items() if k in what), "fix the syntax here")
        raise _error([Problem(file, line, col, f"malformed YAML: {what}; {hint}")]) from None
    except ReaderError as exc:
        line, col = _line_col(text, exc.position) if isinstance(exc.position, int) else (1, 1)
        raise _error(
            [Problem(file, line, col, f"malformed YAML: unacceptable character #x{exc.character:04x}; "
                     "remove it (control characters are not allowed)")]
        ) from None
    except RecursionError:
        raise _error(
            [Problem(file, 1, 1, "malformed YAML: the file is nested too deeply; flatten it")]
        ) from None
    except Exception as exc:  # noqa: BLE001 - any parser failure on bad input is a user error
        long_number = re.search(rf"\d{{{MAX_DIGITS},}}", text)
        if "integer string conversion" in str(exc) and long_number:
            raise _error([Problem(
                file, *_line_col(text, long_number.start()),
                f"a number with {len(long_number.group())} digits is too long to read; no "
                "setting needs more than a few digits, write a smaller number",
            )]) from None
        what = " ".join(str(exc).split()) or type(exc).__name__
        raise _error([Problem(file, 1, 1, f"malformed YAML: {what}; fix the syntax")]) from None
    problems = _check_tags(data, file)
    if problems:
        raise _error(problems)
    _tag(data, file)
    return data


MAX_FLOW_DEPTH = 100  # no scenario needs more; the YAML parser slows quadratically with depth
MAX_INDENT = 200  # columns of block indentation ('  ' and '- ' per level): 100 levels or more
MAX_DIGITS = 1000  # Python refuses to read integers of more than 4300 digits


def _too_indented(text: str) -> int | None:
    """Offset of the first line whose block nesting (spaces and '- ', '? ', ': ' markers before
    its content) reaches beyond MAX_INDENT columns: deep block nesting makes the parser slow and
    then recurse too deeply."""
    start = 0
    for line in text.split("\n"):
        indent = _BLOCK_INDENT.match(line, 0, MAX_INDENT + 2).end()  # + 2: room for "- "
        if indent > MAX_INDENT:
            return start + indent
        start += len(line) + 1
    return None


_BLOCK_INDENT = re.compile(r"(?:[ ]|[-?:](?=[ \t]))*")


def _too_deep(text: str) -> int | None:
    """Offset of the first ``[`` or ``{`` nested beyond MAX_FLOW_DEPTH (quotes and comments skipped)."""
    if text.count("[") + text.count("{") <= MAX_FLOW_DEPTH:
        return None  # cannot nest that deep (and the scan below is slow on a large file)
    depth = 0
    quote = ""
    prev = "\n"
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if quote:
            if c == quote:
                if quote == "'" and i + 1 < n and text[i + 1] == "'":
                    i += 1  # '' inside a single-quoted string
                else:
                    quote = ""
            elif c == "\\" and quote == '"':
                i += 1
            elif c == "\n" and quote == "'":
                pass
        elif c == "#" and prev in " \t\n":
            j = text.find("\n", i)
            i = n if j < 0 else j
            prev = "\n"
            continue
        elif c in "'\"" and prev in " \t\n[{,:-":
            quote = c
        elif c in "[{":
            depth += 1
            if depth > MAX_FLOW_DEPTH:
                return i
        elif c in "]}":
            depth = max(depth - 1, 0)
        prev = c
        i += 1
    return None


def _children(obj: Any) -> list[tuple[Any, Any]]:
    if isinstance(obj, Mapping):
        return list(obj.items())
    if isinstance(obj, list):
        return list(enumerate(obj))
    return []


def _tag_of(obj: Any) -> str | None:
    tag = getattr(obj, "tag", None)
    value = getattr(tag, "value", tag)
    return value if isinstance(value, str) else None


def _check_tags(data: Any, file: str) -> list[Problem]:
    """Refuse YAML tags that do not stand for plain values; unwrap an explicit ``!!str``."""
    problems: list[Problem] = []
    seen: set[int] = set()

    def refused(obj: Any, line: int, col: int) -> bool:
        tag = _tag_of(obj)
        if tag is None or tag in PLAIN_TAGS:
            return False
        shown = tag.replace("tag:yaml.org,2002:", "!!")
        problems.append(Problem(
            file, line, col,
            f"YAML tag {shown} is not allowed; scenario files hold plain values only, "
            "remove the tag",
        ))
        return True

    def visit(obj: Any, line: int, col: int) -> None:
        if id(obj) in seen:
            return
        seen.add(id(obj))
        if refused(obj, line, col):
            return
        if isinstance(obj, Mapping):
            for key in list(obj):
                if _tag_of(key) is not None:
                    kl, kc = _key_pos(obj, key)
                    refused(key, kl, kc)
        for key, value in _children(obj):
            ln, cl = _value_pos(obj, key) or (line, col)
            if isinstance(value, TaggedScalar):
                vtag = _tag_of(value)
                if vtag in PLAIN_TAGS:
                    obj[key] = value.value  # an explicit !!str (the only plain tag kept as such)
                    continue
            visit(value, ln, cl)

    first = _own_pos(data)
    visit(data, *(first if first != (0, 0) else (1, 1)))
    return problems


def _value_pos(container: Any, key: Any) -> tuple[int, int] | None:
    lc = getattr(container, "lc", None)
    try:
        line, col = lc.value(key) if isinstance(container, Mapping) else lc.item(key)
        return line + 1, col + 1
    except (AttributeError, KeyError, TypeError, IndexError):
        return None


def _tag(obj: Any, file: str) -> None:
    """Remember on every mapping and list the file it was read from (shared aliases once)."""
    seen: set[int] = set()
    stack = [obj]
    while stack:
        item = stack.pop()
        if not isinstance(item, CommentedMap | CommentedSeq) or id(item) in seen:
            continue
        seen.add(id(item))
        setattr(item, FILE_ATTR, file)
        stack.extend(v for _, v in _children(item))


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


def _shown_path(path: Path) -> str:
    """A path as the user would write it: relative stays relative, ``a/../b`` becomes ``b``."""
    return os.path.normpath(path)


def resolve_extends(data: Any, path: Path, chain: tuple[Path, ...] = (), *,
                    root: Path | None = None) -> Any:
    """Follow ``extends:`` (relative to the file that names it), merging each base underneath.

    With a ``root`` folder, a base that resolves outside it is refused (paths.py).
    """
    if not isinstance(data, Mapping) or "extends" not in data:
        return data
    rel = data["extends"]
    file = str(path)
    line, col = _key_pos(data, "extends")
    if not isinstance(rel, str) or not rel.strip():
        raise _error([Problem(
            file, line, col,
            f"extends must be the path of a base scenario file (got {_got(rel)}); "
            "e.g. extends: base.yaml",
        )])
    base_path = Path(_shown_path(path.parent / rel))
    if root is not None and not is_inside(base_path, root):
        raise _error([Problem(file, line, col, outside_message("extends", rel, root))])
    here = path.resolve()
    if base_path.resolve() in (*chain, here):
        links = " -> ".join(p.name for p in (*chain, here, base_path.resolve()))
        raise _error([Problem(
            file, line, col, f"extends forms a loop ({links}); remove one of these extends",
        )])
    if not base_path.is_file():
        raise _error([Problem(
            file, line, col,
            f"extends names {rel}, which does not exist"
            + (f" (looked for {base_path})" if str(base_path) != rel else "") + "; fix the path",
        )])
    base_raw = read_yaml(base_path)
    if not isinstance(base_raw, Mapping):
        bl, bc = _own_pos(base_raw)
        raise _error([Problem(
            str(base_path), max(bl, 1), max(bc, 1),
            f"{_shape(base_raw)}, but a base scenario named by extends must be a mapping of keys",
        )])
    base = resolve_extends(base_raw, base_path, (*chain, here), root=root)
    return deep_merge(base, data)


def _resolve_csv_paths(obj: Any, path: Path, root: Path | None = None) -> None:
    """Make ``csv:`` paths of empirical distributions absolute, relative to their own file.

    With a ``root`` folder, every path that resolves outside it is refused (paths.py).
    """
    outside: list[Problem] = []
    seen: set[int] = set()
    stack = [obj]
    while stack:
        item = stack.pop()
        if not isinstance(item, Mapping | list) or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, Mapping) and item.get("dist") == "empirical":
            csv = item.get("csv")
            if isinstance(csv, str) and csv:
                owner = Path(getattr(_owner(item, "csv"), FILE_ATTR, None) or str(path))
                target = (owner.parent / csv).resolve()
                if root is not None and not is_inside(target, root):
                    outside.append(Problem(str(owner), *_key_pos(item, "csv"),
                                           outside_message("csv", csv, root)))
                    continue
                item["csv"] = str(target)
        stack.extend(v for _, v in _children(item))
    if outside:
        raise _error(_dedupe(outside))


# --------------------------------------------------------------------------- positions
def _owner(mapping: Any, key: Any) -> Any:
    """The mapping, in the file it was read from, that holds ``key``.

    Follows ``extends:`` merges and YAML merge keys (``<<: *anchor``).
    """
    origin = getattr(mapping, ORIGIN_ATTR, None)
    if origin and key in origin:
        return _owner(origin[key], key)
    own = getattr(mapping, "_ok", None)
    if own is not None and key not in own:
        for source in getattr(mapping, "merge", None) or ():
            if isinstance(source, Mapping) and key in source:
                return _owner(source, key)
    return mapping


def _key_pos(mapping: Any, key: Any) -> tuple[int, int]:
    owner = _owner(mapping, key)
    try:
        line, col = owner.lc.key(key)
        return line + 1, col + 1
    except (AttributeError, KeyError, TypeError, IndexError):
        return _own_pos(owner)


def _own_pos(obj: Any) -> tuple[int, int]:
    lc = getattr(obj, "lc", None)
    if lc is None or getattr(lc, "line", None) is None:
        return 0, 0
    return lc.line + 1, lc.col + 1


def locate(data: Any, loc: tuple[Any, ...], default_file: str) -> tuple[str, int, int]:
    """File, line and column of the deepest part of ``loc`` present in the raw data."""
    node = data
    file = getattr(data, FILE_ATTR, None) or default_file
    line, col = _own_pos(data)
    if (line, col) == (0, 0):
        line, col = 1, 1  # the top of the file (e.g. a mapping merged by extends)
    for part in loc:
        if isinstance(node, Mapping) and part in node:
            line, col = _key_pos(node, part)
            file = getattr(_owner(node, part), FILE_ATTR, None) or file
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            try:
                ln, cl = node.lc.item(part)
                line, col = ln + 1, cl + 1
            except (AttributeError, KeyError, TypeError, IndexError):
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
        elif part in CHANNEL_TAGS:
            continue
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
        if part in CHANNEL_TAGS:  # a union tagged by the value's type
            tp = CHANNEL_TAGS[part]
            continue
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
_short = reprlib.Repr()
_short.maxstring = 40
_short.maxother = 40
_short.maxlist = _short.maxdict = _short.maxtuple = _short.maxset = 4
_short.maxlevel = 2


def _got(value: Any) -> str:
    """A short readable form of a value the user wrote (bounded even for huge aliased data)."""
    text = _got_long(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _got_long(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "null"}[value]
    if isinstance(value, str):
        return _short.repr(str(value))
    if isinstance(value, int | float):
        text = str(value)
        return text if len(text) <= 40 else text[:37] + "..."
    if isinstance(value, Mapping):
        return _short.repr(dict(list(value.items())[:5]))
    if isinstance(value, list):
        return _short.repr(list(value[:5]))
    return _short.repr(value)


def _shape(value: Any) -> str:
    """What the top of a file holds, when it is not a mapping."""
    if value is None:
        return "the file holds no settings"
    if isinstance(value, list):
        return "the file holds a list"
    return f"the file holds a single value ({_got(value)})"


_EXAMPLES = {
    "demand": "{dist: poisson, mean: 8}",
    "lead_time": "{dist: constant, value: 3}",
    "production_lead_time": "{dist: constant, value: 2}",
    "policy": "{type: base_stock, S: 40}",
    "costs": "{holding: 1, backorder: 9}",
    "initial": "{on_hand: 20}",
    "nodes": "{id: shop, role: retailer, ...}",
    "lanes": "{from: plant, to: shop}",
    "products": "{id: item, unit_cost: 10, price: 25}",
}


def _tag_options(tag: str) -> list[str]:
    """The values a union tag (``dist`` or ``type``) may take."""
    from chainsim.scenario import schema

    union = schema.Dist if tag == "dist" else schema.Policy
    out: list[str] = []
    for member in typing.get_args(_strip(union)):
        f = member.model_fields.get(tag)
        if f is not None:
            out.extend(typing.get_args(f.annotation))
    return out


def _example_for(loc: tuple[Any, ...]) -> str:
    """An example of what belongs at ``loc`` (a field name, or a list item of nodes/lanes)."""
    last = loc[-1] if loc else None
    if isinstance(last, int) and len(loc) >= 2:
        last = loc[-2]
    return _EXAMPLES.get(str(last), "")


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
    if kind == "invalid_key":
        loc = loc[:-1] + (value,)  # the key as written (pydantic shows null as 'None')
        model = model_at(loc[:-1], raw)
        valid = keys_of(model) if model else []
        fix = f"use one of: {', '.join(valid)}" if valid else "remove it"
        return loc, f"key {_got(value)} in {describe(raw, loc[:-1])} is not a setting name; {fix}"
    if kind == "missing":
        if not loc[:-1]:
            return loc[:-1], f"missing required field '{loc[-1]}' at the top of the file; add '{loc[-1]}: ...'"
        return loc[:-1], f"missing required field '{loc[-1]}' in {describe(raw, loc[:-1])}; add '{loc[-1]}: ...'"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        tag = str(ctx.get("discriminator", "")).strip("'")
        options = _tag_options(tag)
        listing = ", ".join(options)
        if kind == "union_tag_not_found":
            keys = [str(k) for k in value] if isinstance(value, Mapping) else []
            near = difflib.get_close_matches(tag, keys, n=1, cutoff=0.5)
            if near:
                return loc + (near[0],), (
                    f"{where} needs '{tag}:' but has '{near[0]}:'; rename it to '{tag}' "
                    f"(one of {listing})"
                )
            return loc, f"{where} needs '{tag}:' naming one of {listing}; add it"
        got = ctx.get("tag")
        near = difflib.get_close_matches(str(got), options, n=1, cutoff=0.5)
        hint = f"did you mean '{near[0]}'? " if near else ""
        return loc + (tag,), f"unknown {tag} '{got}' in {where}; {hint}use one of {listing}"
    if kind == "literal_error":
        expected = ctx.get("expected", "")
        options = [t.strip().strip("'") for t in expected.replace(" or ", ",").split(",")]
        near = difflib.get_close_matches(str(value), options, n=1, cutoff=0.5)
        hint = f"did you mean '{near[0]}'? " if near else ""
        return loc, f"{where} is {_got(value)}; {hint}use one of {expected}"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        bound = next(iter(ctx.values()), "")
        shown = f"{bound:g}" if isinstance(bound, float) else str(bound)
        if kind == "greater_than" and bound == 0:
            need, fix = "a positive number", "set it above 0"
        elif kind == "greater_than_equal" and bound == 0:
            need, fix = "0 or more", "it cannot be negative"
        else:
            op, fix = {"greater_than": ("greater than", "set it above"),
                       "greater_than_equal": ("at least", "set it to at least"),
                       "less_than": ("less than", "set it below"),
                       "less_than_equal": ("at most", "set it to at most")}[kind]
            need, fix = f"{op} {shown}", f"{fix} {shown}"
        return loc, f"{where} must be {need} (got {_got(value)}); {fix}"
    if kind == "value_error":
        msg = str(ctx.get("error", err["msg"]))
        return loc, f"{where}: {msg}"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        example = _example_for(loc)
        like = f" such as {example}" if example else " of keys"
        return loc, f"{where} must be a mapping{like} (got {_got(value)})"
    if kind == "list_type":
        example = _example_for(loc + (0,))
        like = f", one '- {example}' entry per item" if example else ""
        return loc, f"{where} must be a list{like} (got {_got(value)})"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return loc, f"{where} must be a whole number (got {_got(value)}); write e.g. 10"
    if kind in ("float_parsing", "float_type"):
        return loc, f"{where} must be a number (got {_got(value)}); write e.g. 2.5"
    if kind in ("bool_parsing", "bool_type"):
        return loc, f"{where} must be true or false (got {_got(value)})"
    if kind in ("string_type",):
        fix = "; put it in quotes" if isinstance(value, int | float | bool) or value is None \
            or type(value).__module__ == "datetime" else "; write text"
        return loc, f"{where} must be text (got {_got(value)}){fix}"
    if kind == "string_too_short":
        return loc, f"{where} must not be empty; write a name"
    if kind == "too_short":
        example = EMPTY_LIST_FIX.get(str(loc[-1]), "add at least one")
        return loc, f"{where} is empty; {example}"
    return loc, f"{where}: {err['msg']}"


EMPTY_LIST_FIX = {
    "regions": "add at least one region, e.g. {id: north, demand: {dist: poisson, mean: 20}}",
}


def validation_problems(exc: ValidationError, raw: Any, file: str) -> list[Problem]:
    problems = []
    for err in exc.errors(include_url=False, include_context=True, include_input=True):
        loc, msg = message_for(err, raw)
        f, line, col = locate(raw, loc, file)
        problems.append(Problem(f, line, col, msg))
    return problems


def nonfinite_problems(raw: Any, file: str, skip: set[tuple[Any, ...]]) -> list[Problem]:
    """Every ``.inf`` or ``.nan`` the user wrote: no scenario setting may be infinite."""
    problems: list[Problem] = []
    seen: set[int] = set()
    stack: list[tuple[tuple[Any, ...], Any]] = [((), raw)]
    while stack:
        loc, obj = stack.pop()
        if isinstance(obj, float) and not math.isfinite(obj):
            if loc not in skip:
                f, line, col = locate(raw, loc, file)
                problems.append(Problem(
                    f, line, col,
                    f"{describe(raw, loc)} must be a finite number (got {obj}); write a number",
                ))
            continue
        if not isinstance(obj, Mapping | list) or id(obj) in seen:
            continue
        seen.add(id(obj))
        stack.extend((loc + (k,), v) for k, v in _children(obj))
    return problems


def _number_type(tp: Any) -> type | None:
    """int or float when a field takes only numbers (pydantic would read true/false as 1/0)."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _number_type(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        kinds = {_number_type(a) for a in typing.get_args(tp) if a is not type(None)}
        return kinds.pop() if len(kinds) == 1 else None
    return tp if tp in (int, float) else None


def _item_type(raw: Any, loc: tuple[Any, ...], key: Any, container: Any) -> Any:
    """The declared type of ``container[key]`` (container at ``loc``), or None if unknown."""
    if isinstance(container, Mapping):
        model = model_at(loc, raw)
        field = _field(model, key) if model else None
        return field.annotation if field else None
    if not loc:
        return None
    model = model_at(loc[:-1], raw)
    field = _field(model, loc[-1]) if model else None
    tp = _strip(field.annotation) if field else None
    return typing.get_args(tp)[0] if typing.get_origin(tp) is list else None


def bool_problems(raw: Any, file: str, skip: set[tuple[Any, ...]]) -> list[Problem]:
    """Every true/false written where a number belongs (pydantic would take it as 1 or 0)."""
    problems: list[Problem] = []
    seen: set[int] = set()
    stack: list[tuple[tuple[Any, ...], Any]] = [((), raw)]
    while stack:
        loc, obj = stack.pop()
        if not isinstance(obj, Mapping | list) or id(obj) in seen:
            continue
        seen.add(id(obj))
        for key, value in _children(obj):
            if not isinstance(value, bool):
                stack.append((loc + (key,), value))
                continue
            kind = _number_type(_item_type(raw, loc, key, obj))
            if kind is None or loc + (key,) in skip:
                continue
            f, line, col = locate(raw, loc + (key,), file)
            need, example = ("a whole number", "10") if kind is int else ("a number", "2.5")
            problems.append(Problem(
                f, line, col,
                f"{describe(raw, loc + (key,))} must be {need} (got {_got(value)}); "
                f"write e.g. {example}",
            ))
    return problems


# --------------------------------------------------------------------------- entry point
def parse_scenario(raw: Any, file: str) -> Scenario:
    """Validate raw data (as read from ``file``) into a Scenario, then check the network.

    Every problem found is reported at once: schema errors, and the network checks that can
    still be made on what was written.
    """
    from chainsim.scenario.validate import network_problems

    if not isinstance(raw, Mapping):
        line, col = _own_pos(raw)
        raise _error([Problem(
            file, max(line, 1), max(col, 1),
            f"{_shape(raw)}, but a scenario must be a mapping of keys; start with "
            "'name: ...', 'nodes:' and 'lanes:'",
        )])
    try:
        scenario: Scenario | None = Scenario.model_validate(plain(raw, {}))
        bad: set[tuple[Any, ...]] = set()
        problems: list[Problem] = []
    except ValidationError as exc:
        scenario = None
        bad = {tuple(e["loc"]) for e in exc.errors(include_url=False)}
        problems = validation_problems(exc, raw, file)
    problems = _value_problems(problems, raw, file, bad)
    problems += network_problems(scenario, raw, file, bad)
    if problems:
        raise _error(_dedupe(problems))
    assert scenario is not None
    return scenario


def _value_problems(schema: list[Problem], raw: Any, file: str,
                    bad: set[tuple[Any, ...]]) -> list[Problem]:
    """The schema's problems plus every non-finite number and true/false where a number
    belongs; at a place where both speak, the latter says what is really wrong (a nan is
    not "below 0")."""
    extra = nonfinite_problems(raw, file, bad) + bool_problems(raw, file, bad)
    taken = {(p.file, p.line, p.col) for p in extra}
    return [p for p in schema if (p.file, p.line, p.col) not in taken] + extra


def is_base_file(raw: Any) -> bool:
    """A file with no ``nodes:`` is a base for ``extends:`` (e.g. a shared market)."""
    return isinstance(raw, Mapping) and "nodes" not in raw


def check_base(raw: Any, file: str) -> None:
    """Validate a base file: what it says must be right, and it may leave out anything, nodes
    included (the files that extend it add them)."""
    from chainsim.scenario.schema import ScenarioBase

    bad: set[tuple[Any, ...]] = set()
    problems: list[Problem] = []
    try:
        ScenarioBase.model_validate(plain(raw, {}))
    except ValidationError as exc:
        bad = {tuple(e["loc"]) for e in exc.errors(include_url=False)}
        problems = validation_problems(exc, raw, file)
    problems = _value_problems(problems, raw, file, bad)
    if problems:
        raise _error(_dedupe(problems))


def _dedupe(problems: list[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))


def plain(obj: Any, memo: dict[int, Any] | None = None) -> Any:
    """Plain dicts/lists for pydantic (ruamel's scalars subclass the builtins already).

    Aliased (shared) parts are converted once and stay shared, so that a small file full of
    nested aliases cannot blow up into an enormous structure.
    """
    if memo is None:
        memo = {}
    if isinstance(obj, Mapping | list):
        if id(obj) in memo:
            return memo[id(obj)]
        if isinstance(obj, Mapping):
            out: Any = {}
            memo[id(obj)] = out
            for k, v in obj.items():
                out[k] = plain(v, memo)
        else:
            out = []
            memo[id(obj)] = out
            out.extend(plain(v, memo) for v in obj)
        return out
    return obj


def load_raw(path: str | Path, *, allow_outside_paths: bool = False) -> Any:
    """Read a scenario file with its ``extends:`` chain merged and csv paths made absolute.

    Files named by ``extends:`` and ``csv:`` must lie in the scenario's folder or below it,
    unless ``allow_outside_paths`` (paths.py).
    """
    path = Path(path)
    root = None if allow_outside_paths else root_of(path)
    raw = resolve_extends(read_yaml(path), path, root=root)
    _resolve_csv_paths(raw, path, root)
    return raw


def load_scenario(source: str | Path | Mapping[str, Any] | Scenario, *,
                  allow_outside_paths: bool = False) -> Scenario:
    """A validated Scenario from a file path, a mapping, or a Scenario (returned as is).

    A file may name (``extends:``, ``csv:``) only files in its folder or below it, unless
    ``allow_outside_paths``. Raises `ScenarioError` listing every problem as
    ``FILE:LINE:COL: message``.
    """
    if isinstance(source, Scenario):
        return source
    if isinstance(source, Mapping):
        return parse_scenario(source, "<dict>")
    try:
        return parse_scenario(load_raw(source, allow_outside_paths=allow_outside_paths),
                              str(source))
    except RecursionError:
        raise _error(
            [Problem(str(source), 1, 1, "the file is nested too deeply; flatten it")]
        ) from None
