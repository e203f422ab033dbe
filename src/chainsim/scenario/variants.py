"""Variants of a scenario: settings named by dotted paths, replaced, and the result validated.

A path such as ``nodes.shop.policy.S`` or ``lanes.plant->shop.lead_time.value`` names one setting
of a scenario held as a plain dict (``Scenario.model_dump(by_alias=True)``):

- in a list of mappings with ``id`` (nodes, products, market regions and channels) a part is the
  id of an item (``nodes.shop``);
- in a list of mappings with ``from`` and ``to`` (lanes) a part is ``from->to``, or
  ``from->to:mode`` when several lanes join the same two nodes;
- a whole number indexes any list (``nodes.1``);
- any other part is a mapping key.

Ids may hold dots: the id after which the rest of the path names a setting is taken (the longest
when none does, for the message). A path that could be read in two ways (ids ``a`` and ``a.b``
that both lead to a setting, or a label such as ``a->b->c`` that two lanes share) is refused
rather than guessed. An unknown part
raises `PathError` naming the valid alternatives at that level. `variant` (behind
`Scenario.with_values`) applies several paths to a scenario and validates the result as a whole;
sweeps (experiments/sweepfile.py) address their parameters with the same paths.
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Mapping
from typing import Any

from chainsim.errors import Problem, ScenarioError, scenario_error
from chainsim.scenario.load import load_scenario
from chainsim.scenario.messages import shown_value
from chainsim.scenario.schema import Scenario
from chainsim.scenario.sizing import as_written

# The "file" of problems found in a variant made in Python (printed as "<with_values>: ...").
WITH_VALUES = "<with_values>"


class PathError(ValueError):
    """A path that does not name a setting of the scenario; the message lists the alternatives."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


# What the items of a list addressed by id are called in messages.
_ITEM_NAMES = {"nodes": "node", "products": "product", "regions": "region",
               "channels": "channel", "lanes": "lane"}


def get_path(data: dict, path: str) -> Any:
    """The value at ``path`` in a scenario dict."""
    container, key = _resolve(data, path)[-1]
    return container[key]


def set_path(data: dict, path: str, value: Any) -> dict:
    """A deep copy of ``data`` with the setting at ``path`` replaced by ``value``."""
    out = copy.deepcopy(data)
    container, key = _resolve(out, path)[-1]
    container[key] = copy.deepcopy(value)
    return out


def check_path(data: dict, path: str) -> None:
    """Raise `PathError` unless ``path`` names a setting of ``data``."""
    _resolve(data, path)


def with_values(scenario: Scenario, values: Mapping[str, Any]) -> Scenario:
    """A new validated scenario: ``scenario`` with the setting at each dotted path replaced.

    The paths are applied in order (a later path sees what an earlier one set). Raises
    `ScenarioError` naming each unknown path with the valid alternatives, or each value the
    scenario refuses (``nodes.shop.policy.S = -1: ...``); values that are only wrong together
    are reported with all the values given.
    """
    if not isinstance(values, Mapping):
        raise scenario_error([Problem(WITH_VALUES, 0, 0, (
            f"with_values takes a mapping of dotted paths to values (got "
            f"{type(values).__name__}); write e.g. {{'nodes.shop.policy.S': 32}}"))])
    base = as_written(scenario)  # targets as written: the variant is sized again
    data = base
    unknown = []
    for path, value in values.items():
        try:
            data = set_path(data, path, value)
        except PathError as exc:
            unknown.append(Problem(WITH_VALUES, 0, 0, f"unknown path '{path}': {exc.message}"))
    if unknown:
        raise scenario_error(unknown)
    try:
        return load_scenario(data)
    except ScenarioError as exc:
        raise scenario_error(_blame(base, values, exc.problems)) from None


def _blame(base: dict, values: Mapping[str, Any], problems: list[Problem]) -> list[Problem]:
    """The problems of a variant, each put on the value the scenario refuses on its own; what is
    only wrong together (e.g. s above S) is reported with every value given."""
    blamed = []
    for path, value in values.items():
        try:
            load_scenario(set_path(base, path, value))
        except ScenarioError as exc:
            blamed += [Problem(WITH_VALUES, 0, 0, f"{path} = {shown_value(value)}: {p.message}")
                       for p in exc.problems]
    if blamed:
        return blamed
    given = ", ".join(f"{path} = {shown_value(v)}" for path, v in values.items())
    return [Problem(WITH_VALUES, 0, 0, f"with {given}: {p.message}") for p in problems]


# --------------------------------------------------------------------------- path resolution
def _resolve(data: Any, path: str) -> list[tuple[Any, Any]]:
    """The (container, key) pairs along ``path``; the last pair holds the addressed setting."""
    if not isinstance(path, str) or not path.strip():
        raise PathError(f"empty path {path!r}; write a dotted path such as nodes.shop.policy.S")
    parts = path.split(".")
    steps: list[tuple[Any, Any]] = []
    node = data
    done: list[str] = []  # the parts consumed so far, for messages
    i = 0
    while i < len(parts):
        where = ".".join(done) or "the scenario"
        if isinstance(node, Mapping):
            key, label, i = _mapping_step(node, parts, i, where)
        elif isinstance(node, list):
            key, label, i = _list_step(node, parts, i, where, done[-1] if done else "")
        else:
            shown = "null" if node is None else repr(node)
            raise PathError(
                f"{where} is a single value ({shown}), so it has no '{parts[i]}'; "
                f"end the path at {where}"
            )
        steps.append((node, key))
        node = node[key]
        done.append(label)
    return steps


def _mapping_step(node: Mapping, parts: list[str], i: int, where: str) -> tuple[Any, str, int]:
    """(key, label, next part) for part ``i`` of a path inside a mapping: a key of it."""
    part = parts[i]
    if part not in node:
        keys = [str(k) for k in node]
        raise PathError(f"no key '{part}' under {where}{_hint(part, keys)} (keys: {_listing(keys)})")
    return part, part, i + 1


def _list_step(node: list, parts: list[str], i: int, where: str,
               owner: str) -> tuple[int, str, int]:
    """(index, label, next part) for the parts from ``i`` on inside a list (``owner`` names the
    list): the longest run of parts that is an item's label (ids may hold dots), else an index."""
    labels = _labels(node)
    what = _ITEM_NAMES.get(owner, "item")
    if labels is not None:
        # every run of parts that is an item's label, longest first
        found = [(j, ".".join(parts[i:j])) for j in range(len(parts), i, -1)
                 if ".".join(parts[i:j]) in labels]
        for _, cand in found:
            if labels.count(cand) > 1:
                where_all = ", ".join(f"{owner}.{k}" for k, lbl in enumerate(labels) if lbl == cand)
                raise PathError(f"'{cand}' names {labels.count(cand)} {what}s in {where}; name "
                                f"the one you mean by its index ({where_all})")
        fits = [(j, cand) for j, cand in found if _rest_resolves(node[labels.index(cand)],
                                                                  parts[j:])]
        if len(fits) > 1:
            options = " or ".join(f"{what} '{cand}'" for _, cand in fits)
            raise PathError(f"the path can be read through {options} in {where}; the ids are "
                            f"ambiguous there, so rename one of them")
        if found:
            j, cand = fits[0] if fits else found[0]
            return labels.index(cand), cand, j
    part = parts[i]
    if part.isdigit() and int(part) < len(node):
        return int(part), part, i + 1
    if labels is not None:
        raise PathError(f"no {what} '{part}' in {where}{_hint(part, labels)} "
                        f"({owner or 'items'}: {_listing(labels)})")
    raise PathError(f"no item '{part}' in {where}; use an index from 0 to {len(node) - 1}"
                    if node else f"no item '{part}' in {where}: the list is empty")


def _rest_resolves(item: Any, rest: list[str]) -> bool:
    """Whether the parts ``rest`` name a setting inside ``item`` (nothing left: the item itself)."""
    if not rest:
        return True
    try:
        _resolve(item, ".".join(rest))
    except PathError:
        return False
    return True


def _lane_label(item: Mapping) -> str:
    return f"{item.get('from')}->{item.get('to')}"


def _labels(items: list) -> list[str] | None:
    """The labels by which the items of a list may be named, or None for a plain list."""
    if items and all(isinstance(i, Mapping) and isinstance(i.get("id"), str) for i in items):
        return [i["id"] for i in items]
    if items and all(isinstance(i, Mapping) and "from" in i and "to" in i for i in items):
        plain = [_lane_label(i) for i in items]
        return [
            f"{lbl}:{i.get('mode')}" if plain.count(lbl) > 1 and i.get("mode") else lbl
            for lbl, i in zip(plain, items, strict=True)
        ]
    return None


def _hint(word: str, options: list[str]) -> str:
    near = difflib.get_close_matches(word, options, n=1, cutoff=0.5)
    return f"; did you mean '{near[0]}'?" if near else ""


def _listing(options: list[str], limit: int = 40) -> str:
    shown = options[:limit]
    return ", ".join(shown) + (", ..." if len(options) > limit else "")
