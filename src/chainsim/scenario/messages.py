"""Turn what pydantic refuses into messages a user can act on, each at its place in the file.

`message_for` rewrites one pydantic error (``extra_forbidden``, ``missing``, a bound, a wrong
type, ...) into a sentence that names the setting as the user sees it (``nodes[1] (shop).policy.S``)
and says the fix: the nearest valid key, the valid options, an example. `validation_problems`
places each at its file, line and column. Two checks that pydantic cannot make add their own
problems: `nonfinite_problems` (``.inf``/``.nan`` anywhere) and `bool_problems` (true/false
where a number belongs, which pydantic would read as 1/0).
"""

from __future__ import annotations

import difflib
import math
import reprlib
import types
import typing
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from chainsim.errors import Problem
from chainsim.scenario.fields import field, keys_of, model_at, strip, tag_options
from chainsim.scenario.positions import children, describe, locate

_short = reprlib.Repr()
_short.maxstring = 40
_short.maxother = 40
_short.maxlist = _short.maxdict = _short.maxtuple = _short.maxset = 4
_short.maxlevel = 2


def shown_value(value: Any) -> str:
    """A short readable form of a value the user wrote (bounded even for huge aliased data)."""
    text = _shown_long(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _shown_long(value: Any) -> str:
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


def shape(value: Any) -> str:
    """What the top of a file holds, when it is not a mapping."""
    if value is None:
        return "the file holds no settings"
    if isinstance(value, list):
        return "the file holds a list"
    return f"the file holds a single value ({shown_value(value)})"


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

EMPTY_LIST_FIX = {
    "regions": "add at least one region, e.g. {id: north, demand: {dist: poisson, mean: 20}}",
}


def _example_for(loc: tuple[Any, ...]) -> str:
    """An example of what belongs at ``loc`` (a field name, or a list item of nodes/lanes)."""
    last = loc[-1] if loc else None
    if isinstance(last, int) and len(loc) >= 2:
        last = loc[-2]
    return _EXAMPLES.get(str(last), "")


def unknown_top_key(key: str, keys: list[str], kind: str) -> str:
    """The message for a top-level key a file of ``kind`` (sweep, optimisation, study file)
    does not have: the closest valid key, and all of them."""
    near = difflib.get_close_matches(key, keys, n=1, cutoff=0.5)
    hint = f"did you mean '{near[0]}'?" if near else "remove it"
    return f"unknown key '{key}' in the {kind}; {hint} (valid keys: {', '.join(keys)})"


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
        return loc, f"key {shown_value(value)} in {describe(raw, loc[:-1])} is not a setting name; {fix}"
    if kind == "missing":
        if not loc[:-1]:
            return loc[:-1], f"missing required field '{loc[-1]}' at the top of the file; add '{loc[-1]}: ...'"
        return loc[:-1], f"missing required field '{loc[-1]}' in {describe(raw, loc[:-1])}; add '{loc[-1]}: ...'"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        return _union_tag_message(kind, loc, where, value, ctx)
    if kind == "literal_error":
        expected = ctx.get("expected", "")
        options = [t.strip().strip("'") for t in expected.replace(" or ", ",").split(",")]
        near = difflib.get_close_matches(str(value), options, n=1, cutoff=0.5)
        hint = f"did you mean '{near[0]}'? " if near else ""
        return loc, f"{where} is {shown_value(value)}; {hint}use one of {expected}"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return loc, _bound_message(kind, where, value, ctx)
    if kind == "value_error":
        msg = str(ctx.get("error", err["msg"]))
        return loc, f"{where}: {msg}"
    return loc, _type_message(kind, loc, where, value, err["msg"])


def _union_tag_message(kind: str, loc: tuple[Any, ...], where: str, value: Any,
                       ctx: dict[str, Any]) -> tuple[tuple[Any, ...], str]:
    """A ``dist:``/``type:`` that is missing (perhaps misspelt as a key) or names no option."""
    tag = str(ctx.get("discriminator", "")).strip("'")
    options = tag_options(tag)
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


def _bound_message(kind: str, where: str, value: Any, ctx: dict[str, Any]) -> str:
    """A number beyond its bound (gt, ge, lt, le): what it must be and how to fix it."""
    bound = next(iter(ctx.values()), "")
    text = f"{bound:g}" if isinstance(bound, float) else str(bound)
    if kind == "greater_than" and bound == 0:
        need, fix = "a positive number", "set it above 0"
    elif kind == "greater_than_equal" and bound == 0:
        need, fix = "0 or more", "it cannot be negative"
    else:
        op, fix = {"greater_than": ("greater than", "set it above"),
                   "greater_than_equal": ("at least", "set it to at least"),
                   "less_than": ("less than", "set it below"),
                   "less_than_equal": ("at most", "set it to at most")}[kind]
        need, fix = f"{op} {text}", f"{fix} {text}"
    return f"{where} must be {need} (got {shown_value(value)}); {fix}"


def _type_message(kind: str, loc: tuple[Any, ...], where: str, value: Any, msg: str) -> str:
    """A value of the wrong type (a mapping, list, number, text or true/false was expected), an
    empty name or list; anything else in pydantic's own words."""
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        example = _example_for(loc)
        like = f" such as {example}" if example else " of keys"
        return f"{where} must be a mapping{like} (got {shown_value(value)})"
    if kind == "list_type":
        example = _example_for(loc + (0,))
        like = f", one '- {example}' entry per item" if example else ""
        return f"{where} must be a list{like} (got {shown_value(value)})"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"{where} must be a whole number (got {shown_value(value)}); write e.g. 10"
    if kind == "int_parsing_size":  # a whole number beyond int64 (README: Ranges)
        return f"{where} is far too large (got {shown_value(value)}); write a smaller whole number"
    if kind in ("float_parsing", "float_type"):
        return f"{where} must be a number (got {shown_value(value)}); write e.g. 2.5"
    if kind in ("bool_parsing", "bool_type"):
        return f"{where} must be true or false (got {shown_value(value)})"
    if kind in ("string_type",):
        fix = "; put it in quotes" if isinstance(value, int | float | bool) or value is None \
            or type(value).__module__ == "datetime" else "; write text"
        return f"{where} must be text (got {shown_value(value)}){fix}"
    if kind == "string_too_short":
        return f"{where} must not be empty; write a name"
    if kind == "too_short":
        example = EMPTY_LIST_FIX.get(str(loc[-1]), "add at least one")
        return f"{where} is empty; {example}"
    return f"{where}: {msg}"


def validation_problems(exc: ValidationError, raw: Any, file: str) -> list[Problem]:
    """Every error of a pydantic validation, as a message at its place in the file."""
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
        stack.extend((loc + (k,), v) for k, v in children(obj))
    return problems


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
        for key, value in children(obj):
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
                f"{describe(raw, loc + (key,))} must be {need} (got {shown_value(value)}); "
                f"write e.g. {example}",
            ))
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
        found = field(model, key) if model else None
        return found.annotation if found else None
    if not loc:
        return None
    model = model_at(loc[:-1], raw)
    found = field(model, loc[-1]) if model else None
    tp = strip(found.annotation) if found else None
    return typing.get_args(tp)[0] if typing.get_origin(tp) is list else None
