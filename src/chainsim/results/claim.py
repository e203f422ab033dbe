"""Which folders a chainsim writer may write into or replace (README: Results, "What --out may
be"). The one rule every command that writes goes through, so no command can delete or replace a
file it did not create:

- an absent folder, or an empty one (not even hidden files), may be used;
- an existing chainsim folder of the same kind (``manifest.json`` says ``kind``) may be replaced,
  if it holds nothing besides what chainsim wrote there (the manifest lists it, ``written``);
- never a file or a symbolic link, never a folder holding anything else, never a chainsim folder
  of another kind (a run does not replace a sweep), never the folder of an input file given on
  the command line or a folder above it, never the current folder, home or ``/`` (or a folder
  above them).

`check_output` is called by the commands before any work; `check_replaceable` again by
``atomic.replace_folder`` just before it renames the old folder aside, so a folder that changed
in between (a user file dropped into it) is not lost.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from chainsim.errors import ChainsimError, printable

KINDS = ("run", "compare", "sweep", "play", "optimize")  # the kinds of folder chainsim writes
MANIFEST = "manifest.json"
MANIFEST_LIMIT = 10_000_000  # bytes read of a manifest: a chainsim manifest is far smaller
SHOWN = 5  # names listed in a message


class OutputError(ChainsimError):
    """The output folder may not be written: why, and what to do (the command line exits 2)."""


def folder_kind(folder: Path) -> str | None:
    """The ``kind`` recorded in ``folder/manifest.json`` if it is a chainsim manifest (a regular
    file holding a JSON object whose kind is one chainsim writes), else None."""
    manifest = _manifest(folder)
    return None if manifest is None else manifest["kind"]


def _manifest(folder: Path) -> dict | None:
    path = Path(folder) / MANIFEST
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > MANIFEST_LIMIT:
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or data.get("kind") not in KINDS:
        return None
    return data


def written_names(folder: Path) -> list[str]:
    """The top-level names in ``folder`` (a finished chainsim folder about to be renamed into
    place): what its manifest records as ``written``."""
    return sorted(p.name for p in Path(folder).iterdir())


def _shown(names: list[str]) -> str:
    more = f", ... ({len(names)} in all)" if len(names) > SHOWN else ""
    return ", ".join(printable(n) for n in names[:SHOWN]) + more


def _why_not_replaceable(target: Path, kind: str) -> str | None:
    """Why the existing ``target`` may not be replaced by a folder of ``kind`` (None: it may)."""
    if target.is_symlink():
        return "is a symbolic link, not a results folder"
    if not target.exists():
        above = next((p for p in target.parents if p.exists()), None)
        if above is not None and not above.is_dir():
            return f"lies inside {printable(str(above))}, which is a file"
        return None
    if not target.is_dir():
        return "is a file, not a results folder"
    try:
        names = sorted(p.name for p in target.iterdir())
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if not names:
        return None
    manifest = _manifest(target)
    if manifest is None:
        return f"the folder holds files chainsim did not write ({_shown(names)})"
    if manifest["kind"] != kind:
        return (f"is the results folder of a chainsim {manifest['kind']}, which a "
                f"{kind} does not replace")
    recorded = manifest.get("written")
    if isinstance(recorded, list):
        foreign = [n for n in names if n not in recorded and n != MANIFEST]
        if foreign:
            return f"the folder holds files chainsim did not write ({_shown(foreign)})"
    return None


def _protected(target: Path, inputs: Iterable[Path]) -> str | None:
    """Why ``target`` is a folder no writer may use: the current folder, home, ``/`` or the
    folder of an input (or a folder above one of them). None if it is none of those."""
    resolved = target.resolve()
    here = Path.cwd().resolve()
    home = Path.home().resolve()
    if resolved == Path(resolved.anchor):
        return "is the root folder"
    if resolved == home:
        return "is your home folder"
    if resolved == here:
        return "is the current folder"
    if resolved in here.parents:
        return "holds the current folder"
    if resolved in home.parents:
        return "holds your home folder"
    for given in inputs:
        item = Path(given).resolve()
        folder = item if item.is_dir() else item.parent
        if resolved == folder or resolved in folder.parents:
            return f"holds the input {printable(str(given))}"
    return None


def check_output(target: Path, kind: str, inputs: Iterable[Path] = (), *,
                 option: str = "--out", same_kind: str | None = None) -> None:
    """Raise `OutputError` unless a ``kind`` folder may be written at ``target`` (module doc).
    ``inputs``: the files and folders given on the command line. ``same_kind``: None lets an
    existing chainsim folder of the same kind be replaced (or resumed); else such a folder is
    refused too, and ``same_kind`` says what to do instead."""
    target = Path(target)
    why = _protected(target, inputs)
    what_to_do = f"choose another {option}"
    if why is None:
        why = _why_not_replaceable(target, kind)
        if why is not None and why.startswith("the folder holds files"):
            what_to_do += " or remove them"
        elif why is not None and "chainsim" in why:
            what_to_do += " or remove that folder"
    if why is None and same_kind is not None and target.is_dir() and any(target.iterdir()):
        why, what_to_do = f"already holds a chainsim {kind}", same_kind
    if why is not None:
        raise OutputError(f"{option} {printable(str(target))}: {why}; {what_to_do}")


def check_replaceable(target: Path, kind: str) -> None:
    """Raise `OutputError` unless the existing ``target`` (if any) may be replaced by a folder
    of ``kind`` now: the last check, just before the rename."""
    why = _why_not_replaceable(Path(target), kind)
    if why is not None:
        raise OutputError(f"{printable(str(target))}: {why} (it changed while chainsim was "
                          "writing); nothing was replaced; choose another --out")


def mark_written(folder: Path) -> str | None:
    """Record in ``folder/manifest.json`` the names the folder holds (``written``), so that a
    later write may prove that everything in it is chainsim's. Returns the folder's kind (None
    without a chainsim manifest: nothing recorded)."""
    folder = Path(folder)
    manifest = _manifest(folder)
    if manifest is None:
        return None
    manifest["written"] = written_names(folder)
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, default=str) + "\n",
                                   encoding="utf-8")
    return manifest["kind"]


def claim_folder(target: Path, kind: str, version: str) -> None:
    """Create ``target`` (checked by `check_output`) for a writer that fills it file by file
    (play) and mark it as chainsim's with a manifest first, so the next write may reuse it."""
    from chainsim.results.manifest import manifest, write_manifest

    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    if folder_kind(target) != kind:
        write_manifest(target, manifest(kind, version))
