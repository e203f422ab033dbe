"""Dotted paths into a scenario held as a plain dict (``Scenario.model_dump(by_alias=True)``).

A path such as ``nodes.shop.policy.S`` or ``lanes.plant->shop.lead_time.value`` names one setting:

- in a list of mappings with ``id`` (nodes, products, market regions and channels) a part is the
  id of an item (``nodes.shop``);
- in a list of mappings with ``from`` and ``to`` (lanes) a part is ``from->to``, or
  ``from->to:mode`` when several lanes join the same two nodes;
- a whole number indexes any list (``nodes.1``);
- any other part is a mapping key.

Ids may hold dots: the longest id that matches the rest of the path is taken. An unknown part
raises `PathError` naming the valid alternatives at that level.
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Mapping
from typing import Any


class PathError(ValueError):
    """A path that does not name a setting of the scenario; the message lists the alternatives."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


# What the items of a list addressed by id are called in messages.
_ITEM_NAMES = {"nodes": "node", "products": "product", "regions": "region",
               "channels": "channel", "lanes": "lane"}


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
        part = parts[i]
        where = ".".join(done) or "the scenario"
        if isinstance(node, Mapping):
            if part not in node:
                keys = [str(k) for k in node]
                raise PathError(
                    f"no key '{part}' under {where}{_hint(part, keys)} (keys: {_listing(keys)})"
                )
            steps.append((node, part))
            node = node[part]
            done.append(part)
            i += 1
        elif isinstance(node, list):
            labels = _labels(node)
            chosen = None
            if labels is not None:
                # the longest run of parts that is a label (ids may hold dots)
                for j in range(len(parts), i, -1):
                    cand = ".".join(parts[i:j])
                    if cand in labels:
                        chosen = (labels.index(cand), cand, j)
                        break
            if chosen is None and part.isdigit() and int(part) < len(node):
                chosen = (int(part), part, i + 1)
            if chosen is None:
                owner = done[-1] if done else ""
                what = _ITEM_NAMES.get(owner, "item")
                if labels is not None:
                    raise PathError(
                        f"no {what} '{part}' in {where}{_hint(part, labels)} "
                        f"({owner or 'items'}: {_listing(labels)})"
                    )
                raise PathError(
                    f"no item '{part}' in {where}; use an index from 0 to {len(node) - 1}"
                    if node else f"no item '{part}' in {where}: the list is empty"
                )
            index, label, i = chosen
            steps.append((node, index))
            node = node[index]
            done.append(label)
        else:
            shown = "null" if node is None else repr(node)
            raise PathError(
                f"{where} is a single value ({shown}), so it has no '{part}'; "
                f"end the path at {where}"
            )
    return steps


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
