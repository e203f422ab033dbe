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

import errno
import os
import stat
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


# --------------------------------------------------------------------------- reading a file
# The largest input files read. The YAML parser (ruamel.yaml, pure Python) reads ≈ 60-200 KB a
# second on the shared 2-core machine (a 2 000-retailer scenario, 373 KB, in 2-7 s), so a YAML
# file is kept to 4 MiB: about a scenario at the 20 000-node limit (limits.py), generated, not
# written by hand. A csv of one number per line is read at ≈ 2 M lines a second: 10 MiB is
# ≈ 5 M values, a few seconds, far above any demand history.
MAX_YAML_BYTES = 4 * 1024 * 1024
MAX_CSV_BYTES = 10 * 1024 * 1024


def _kind(mode: int) -> str | None:
    """What a file that is not a regular file is, in a user's words (None: a regular file)."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_file_bytes(path: str | Path, limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes: every file chainsim reads as
    input (YAML, csv) comes through here, so that a FIFO, a device such as /dev/zero, a folder
    or a huge file is refused at once instead of blocking or reading without end.

    Raises OSError as ``open`` does (no such file, permission denied, IsADirectoryError for a
    folder), and ValueError saying what the file is if it is not regular or too large (the
    caller adds what to do).
    """
    path = os.fspath(path)
    mode = os.stat(path).st_mode  # stat first: opening a FIFO would block
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, "it is a folder, not a file", path)
    kind = _kind(mode)
    if kind is not None:
        raise ValueError(f"it is {kind}, not a regular file")
    # O_NONBLOCK: should the path turn into a FIFO after the stat, opening it does not block
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as f:
        if _kind(os.fstat(f.fileno()).st_mode) is not None:
            raise ValueError("it is not a regular file")
        data = f.read(limit + 1)  # never more than the limit, whatever the file claims
    if len(data) > limit:
        raise ValueError(f"it is larger than {limit // (1024 * 1024)} MiB, the limit for "
                         "this kind of input file")
    return data


def read_text_file(path: str | Path, limit: int = MAX_CSV_BYTES) -> str:
    """`read_file_bytes` decoded as UTF-8 (UnicodeDecodeError, a ValueError, if it is not)."""
    return read_file_bytes(path, limit).decode("utf-8")
