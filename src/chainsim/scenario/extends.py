"""Follow the files a scenario names: ``extends:`` bases merged underneath, ``csv:`` made absolute.

``extends: base.yaml`` reads the base (relative to the file that names it, recursively: a base
may extend another) and deep-merges the file over it: mappings key by key, the child winning;
lists and scalars from the child replace. The merged data remembers, per key, the mapping it
came from, so that a problem is still reported in the file and at the line where it was
written. ``{dist: empirical, csv: data.csv}`` paths are made absolute relative to their own
file. Both kinds of path must stay inside the scenario's folder unless allowed (paths.py).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap

from chainsim.errors import Problem, scenario_error
from chainsim.scenario.messages import shape, shown_value
from chainsim.scenario.paths import is_inside, outside_message
from chainsim.scenario.positions import FILE_ATTR, ORIGIN_ATTR, children, key_pos, own_pos, owner
from chainsim.scenario.yamlread import read_yaml

# Keys a chain of extends: may copy while merging. Merging writes out what the files share
# through aliases (a merged mapping is new, never shared), so two small files whose anchors
# nest can merge into an exponentially large result. Only mappings that both files set are
# merged (lists replace), so a real chain copies a few hundred keys; 100 000 is far above it.
MAX_MERGED_KEYS = 100_000


class MergeTooLarge(Exception):
    """The deep-merge of an extends: chain passed `MAX_MERGED_KEYS` (caught by resolve_extends)."""


def deep_merge(base: Any, child: Any, budget: list[int] | None = None) -> Any:
    """Mappings merge key by key (the child wins); lists and scalars from the child replace.

    A merged mapping remembers, per key, the mapping it came from, so that errors still point
    at the right file and line. ``budget`` ([keys left]) counts the keys copied; past it,
    `MergeTooLarge`.
    """
    if not (isinstance(base, Mapping) and isinstance(child, Mapping)):
        return child
    if budget is not None:
        budget[0] -= len(base) + len(child)
        if budget[0] < 0:
            raise MergeTooLarge
    merged = CommentedMap()
    origin: dict[Any, Any] = {}
    for key, value in base.items():
        merged[key] = value
        origin[key] = base
    for key, value in child.items():
        merged[key] = deep_merge(base[key], value, budget) if key in base else value
        origin[key] = child
    setattr(merged, ORIGIN_ATTR, origin)
    setattr(merged, FILE_ATTR, getattr(child, FILE_ATTR, None))
    return merged


def _shown_path(path: Path) -> str:
    """A path as the user would write it: relative stays relative, ``a/../b`` becomes ``b``."""
    return os.path.normpath(path)


def resolve_extends(data: Any, path: Path, chain: tuple[Path, ...] = (), *,
                    root: Path | None = None, budget: list[int] | None = None) -> Any:
    """Follow ``extends:`` (relative to the file that names it), merging each base underneath.

    With a ``root`` folder, a base that resolves outside it is refused (paths.py). The whole
    chain may copy at most `MAX_MERGED_KEYS` keys while merging; past that it is refused at
    the ``extends:`` whose merge went over.
    """
    if not isinstance(data, Mapping) or "extends" not in data:
        return data
    if budget is None:
        budget = [MAX_MERGED_KEYS]
    here = path.resolve()
    base_path = _base_path(data, path, (*chain, here), root)
    base_raw = read_yaml(base_path)
    if not isinstance(base_raw, Mapping):
        bl, bc = own_pos(base_raw)
        raise scenario_error([Problem(
            str(base_path), max(bl, 1), max(bc, 1),
            f"{shape(base_raw)}, but a base scenario named by extends must be a mapping of keys",
        )])
    base = resolve_extends(base_raw, base_path, (*chain, here), root=root, budget=budget)
    try:
        return deep_merge(base, data, budget)
    except MergeTooLarge:
        raise scenario_error([Problem(
            str(path), *key_pos(data, "extends"),
            f"merging this file over {data['extends']} writes out more than "
            f"{MAX_MERGED_KEYS:,} keys (their aliases *name repeat the same mappings); use "
            "fewer aliases in the mappings both files set")]) from None


def _base_path(data: Mapping, path: Path, chain: tuple[Path, ...], root: Path | None) -> Path:
    """The file ``data['extends']`` names (read relative to ``path``), refused with the reason
    if it is not text, lies outside ``root``, closes a loop of ``chain`` or is not a file."""
    rel = data["extends"]
    file = str(path)
    line, col = key_pos(data, "extends")

    def refuse(message: str) -> Exception:
        return scenario_error([Problem(file, line, col, message)])

    if not isinstance(rel, str) or not rel.strip():
        raise refuse(f"extends must be the path of a base scenario file (got {shown_value(rel)}); "
                     "e.g. extends: base.yaml")
    base_path = Path(_shown_path(path.parent / rel))
    if root is not None and not is_inside(base_path, root):
        raise refuse(outside_message("extends", rel, root))
    if base_path.resolve() in chain:
        links = " -> ".join(p.name for p in (*chain, base_path.resolve()))
        raise refuse(f"extends forms a loop ({links}); remove one of these extends")
    if base_path.is_dir():
        raise refuse(f"extends names {rel}, which is a folder, not a file; name the base "
                     "scenario file in it, e.g. extends: market.yaml")
    if base_path.exists() and not base_path.is_file():
        raise refuse(f"extends names {rel}, which is not a regular file (a named pipe or a "
                     "device); name the base scenario file")
    if not base_path.is_file():
        raise refuse(f"extends names {rel}, which does not exist"
                     + (f" (looked for {base_path})" if str(base_path) != rel else "")
                     + "; fix the path")
    return base_path


def resolve_csv_paths(obj: Any, path: Path, root: Path | None = None) -> None:
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
                holder = Path(getattr(owner(item, "csv"), FILE_ATTR, None) or str(path))
                target = (holder.parent / csv).resolve()
                if root is not None and not is_inside(target, root):
                    outside.append(Problem(str(holder), *key_pos(item, "csv"),
                                           outside_message("csv", csv, root)))
                    continue
                item["csv"] = str(target)
        stack.extend(v for _, v in children(item))
    if outside:
        raise scenario_error(list(dict.fromkeys(outside)))


_EXTENDS_LINE = re.compile(r"^extends:[ \t]*[\"']?([^\"'#\n]+?)[\"']?[ \t]*(?:#.*)?$", re.M)
_MAX_SCAN_BYTES = 1_000_000  # larger files are not scenarios worth naming in a hint


def files_extending(base: Path) -> list[Path]:
    """The YAML files beside ``base`` whose top-level ``extends:`` names it (for a hint only:
    a text scan of each file's ``extends:`` line, no YAML parsing; unreadable files are skipped).
    """
    target = base.resolve()
    found = []
    for sibling in sorted(base.parent.iterdir()):
        if sibling.suffix not in (".yaml", ".yml") or sibling.name.startswith("."):
            continue
        try:
            if not sibling.is_file() or sibling.stat().st_size > _MAX_SCAN_BYTES \
                    or sibling.resolve() == target:
                continue
            text = sibling.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        match = _EXTENDS_LINE.search(text)
        if match and (sibling.parent / match.group(1).strip()).resolve() == target:
            found.append(sibling)
    return found
