"""Files and folders written whole or not at all: into a temporary name beside the target,
then renamed into place, so a failed or killed writer leaves nothing partial behind. The
temporary names (``.<name>.tmp-<host>-<pid>-…``) say which process wrote them; the next write
to the same target removes those of processes that are gone.

Folders are created with the permissions the umask gives an ordinary folder (``mkdir``), not
the 0700 of ``tempfile.mkdtemp``; files likewise.
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import socket
from contextlib import contextmanager
from pathlib import Path

from chainsim.results.claim import check_replaceable, mark_written


def safe_name(name: str) -> str:
    """A scenario name made safe as a file or folder name."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name).strip(".") or "scenario"


def _temp_prefix(target: Path) -> str:
    """``.<name>.tmp-<host>-<pid>-``: hidden, beside the target, naming the process writing it."""
    return f".{target.name}.tmp-{safe_name(socket.gethostname())}-{os.getpid()}-"


def _remove_stale(target: Path) -> None:
    """Remove the temporary files and folders beside ``target`` left by killed processes on this
    host (their pid is gone); a live writer's are left alone."""
    mine = _temp_prefix(target).rsplit("-", 2)[0] + "-"  # .<name>.tmp-<host>-
    for path in target.parent.glob(f".{glob.escape(target.name)}.tmp-*"):
        if not path.name.startswith(mine):
            continue
        pid = path.name[len(mine):].split("-", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid() or _alive(int(pid)):
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def atomic_folder(out_dir: Path):
    """Yield a temporary folder beside ``out_dir``; on success it replaces ``out_dir`` whole, on
    any failure it is removed, so a failed run leaves nothing partial behind. A kill at any
    moment leaves ``out_dir`` complete (old or new) or absent, never partly written: an old
    ``out_dir`` is renamed aside before the new one is renamed in, and deleted only then.
    Temporary folders of killed runs are removed by the next write to the same target."""
    with temp_folder(out_dir) as tmp:
        yield tmp
        replace_folder(tmp, out_dir)


def _new_folder(parent: Path, prefix: str) -> Path:
    """A new, empty folder ``<prefix><random hex>`` in ``parent``. Made with ``mkdir`` (mode
    0777 less the umask, like any folder the user makes), not ``tempfile.mkdtemp``, whose 0700
    the finished results folder would keep."""
    while True:
        path = parent / f"{prefix}{secrets.token_hex(4)}"
        try:
            path.mkdir()
        except FileExistsError:
            continue
        return path


@contextmanager
def temp_folder(target: Path):
    """Yield a new temporary folder beside ``target`` (hidden, named after it and this process),
    removed on exit with whatever is still in it. Those of killed runs are removed here too."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(target)
    tmp = _new_folder(target.parent, _temp_prefix(target))
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def replace_folder(src: Path, dst: Path) -> None:
    """Rename the complete folder ``src`` to ``dst`` (same parent folder, or at least the same
    file system). ``dst`` must be absent, empty or a chainsim folder of ``src``'s kind holding
    only what chainsim wrote (``results.claim``, checked here once more, just before). An old
    ``dst`` is first renamed aside under a temporary name, deleted once the new one is in
    place: a kill in between leaves ``dst`` absent, never half deleted."""
    src, dst = Path(src), Path(dst)
    kind = mark_written(src)
    check_replaceable(dst, kind)  # again, just before: the folder may have changed meanwhile
    old = dst.with_name(_temp_prefix(dst) + secrets.token_hex(4) + "-old")
    if dst.exists():
        os.replace(dst, old)
    os.replace(src, dst)
    shutil.rmtree(old, ignore_errors=True)


@contextmanager
def atomic_file(path: Path):
    """Yield a temporary path beside ``path``; on success it is renamed to ``path`` (a reader
    sees the old file or the new one, whole), on failure removed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(path)
    tmp = path.with_name(_temp_prefix(path) + secrets.token_hex(4))
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))  # mode as umask says
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_bytes(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (``atomic_file``)."""
    with atomic_file(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)
