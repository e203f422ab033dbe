"""Which files a scenario or sweep file may name: the containment rule for referenced paths.

A scenario file names other files: ``extends: base.yaml`` and ``{dist: empirical, csv:
data.csv}``; a sweep file names its ``base:`` scenario. Each such path is read relative to the
file that names it. Scenario and sweep files travel between people, so what they name must stay
inside the **root**: the folder of the file given to chainsim (on the command line, or to
``load_scenario`` / ``load_sweep``). Everything that file pulls in, directly or through a chain
of ``extends:``, must resolve — after ``..``, absolute paths and symbolic links — to a place in
that folder or below it. A file that points elsewhere (``../../secret.csv``, ``/etc/passwd``, a
symlink to a file outside) is refused, with its position, unless the caller passes
``allow_outside_paths=True`` (``--allow-outside-paths`` on the command line).

A sweep file's ``base:`` is the sweep author's explicit choice of scenario, like a file named on
the command line, so it may lie anywhere (the shipped sweeps name scenarios in ``scenarios/``);
it is then loaded like a scenario named on the command line: its own ``extends:`` and ``csv:``
stay inside the base's folder.
"""

from __future__ import annotations

import os
from pathlib import Path

FLAG = "--allow-outside-paths"


def root_of(file: str | Path) -> Path:
    """The containment root for ``file``: its folder, with symbolic links resolved."""
    return Path(os.path.abspath(file)).parent.resolve()


def is_inside(target: str | Path, root: Path) -> bool:
    """True if ``target`` (symbolic links and ``..`` resolved) is ``root`` or lies below it."""
    return Path(target).resolve().is_relative_to(root)


def outside_message(key: str, written: str, root: Path, owner: str = "scenario") -> str:
    """The message for a path that leaves its root: what was written, where the root is, the fix.

    ``owner`` is the kind of file whose folder is the root: ``scenario`` or ``sweep file``.
    """
    return (f"{key} {written} points outside the {owner}'s folder {root}; move the file next "
            f"to the {owner} or pass {FLAG}")
