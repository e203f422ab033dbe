"""Where a piece of a scenario file was written: its file, line and column.

The YAML reader (yamlread.py) keeps ruamel.yaml's round-trip data: every mapping and list knows
the line and column of its keys and items, and carries the file it was read from (`FILE_ATTR`).
A mapping merged by ``extends:`` (extends.py) remembers per key the mapping it came from
(`ORIGIN_ATTR`). With those, `locate` turns a pydantic error location such as
``("nodes", 1, "policy", "S")`` into ``(file, line, col)`` even across ``extends:`` chains and
YAML merge keys, and `describe` turns it into ``nodes[1] (shop).policy.S`` for the message.
Lines and columns are 1-based; ``(0, 0)`` means "not known" (data that did not come from a file).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chainsim.scenario.schema import CHANNEL_TAGS

FILE_ATTR = "_chainsim_file"  # on every mapping and list: the file it was read from
ORIGIN_ATTR = "_chainsim_origin"  # on a mapping merged by extends: key -> the mapping it came from


def children(obj: Any) -> list[tuple[Any, Any]]:
    """The (key, value) pairs of a mapping, (index, item) pairs of a list; none for a scalar."""
    if isinstance(obj, Mapping):
        return list(obj.items())
    if isinstance(obj, list):
        return list(enumerate(obj))
    return []


def owner(mapping: Any, key: Any) -> Any:
    """The mapping, in the file it was read from, that holds ``key``.

    Follows ``extends:`` merges and YAML merge keys (``<<: *anchor``).
    """
    origin = getattr(mapping, ORIGIN_ATTR, None)
    if origin and key in origin:
        return owner(origin[key], key)
    own = getattr(mapping, "_ok", None)
    if own is not None and key not in own:
        for source in getattr(mapping, "merge", None) or ():
            if isinstance(source, Mapping) and key in source:
                return owner(source, key)
    return mapping


def own_pos(obj: Any) -> tuple[int, int]:
    """Line and column where a mapping or list starts; (0, 0) if unknown."""
    lc = getattr(obj, "lc", None)
    if lc is None or getattr(lc, "line", None) is None:
        return 0, 0
    return lc.line + 1, lc.col + 1


def key_pos(mapping: Any, key: Any) -> tuple[int, int]:
    """Line and column of ``key`` in the file that holds it (else where its mapping starts)."""
    holder = owner(mapping, key)
    try:
        line, col = holder.lc.key(key)
        return line + 1, col + 1
    except (AttributeError, KeyError, TypeError, IndexError):
        return own_pos(holder)


def value_pos(container: Any, key: Any) -> tuple[int, int] | None:
    """Line and column of the value at ``key`` (a mapping key or a list index), or None."""
    lc = getattr(container, "lc", None)
    try:
        line, col = lc.value(key) if isinstance(container, Mapping) else lc.item(key)
        return line + 1, col + 1
    except (AttributeError, KeyError, TypeError, IndexError):
        return None


def locate(data: Any, loc: tuple[Any, ...], default_file: str) -> tuple[str, int, int]:
    """File, line and column of the deepest part of ``loc`` present in the raw data."""
    node = data
    file = getattr(data, FILE_ATTR, None) or default_file
    line, col = own_pos(data)
    if (line, col) == (0, 0):
        line, col = 1, 1  # the top of the file (e.g. a mapping merged by extends)
    for part in loc:
        if isinstance(node, Mapping) and part in node:
            line, col = key_pos(node, part)
            file = getattr(owner(node, part), FILE_ATTR, None) or file
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
    """The tag values a mapping names (pydantic puts them in error locations; users don't)."""
    return {str(node.get("dist")), str(node.get("type"))}
