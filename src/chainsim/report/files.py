"""The results folder (DESIGN §7), written all at once: into a temporary folder beside the
target, then renamed into place, so a failed run leaves nothing partial behind."""

from __future__ import annotations

import glob
import io
import os
import secrets
import shutil
import socket
import tempfile
from contextlib import contextmanager
from pathlib import Path

from ruamel.yaml import YAML

from chainsim.scenario.facts import unused_fulfilment_defaults


def safe_name(name: str) -> str:
    """A scenario name made safe as a file or folder name."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name).strip(".") or "scenario"


def parquet_available() -> bool:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


def resolved_yaml(scenario, version: str) -> str:
    """The scenario with every default filled in, headed by the chainsim version and seed."""
    data = scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
    data.pop("extends", None)  # already merged in
    for node, spec in zip(data["nodes"], scenario.nodes, strict=True):
        for key in unused_fulfilment_defaults(spec):  # they mean nothing without consumer orders
            node.pop(key, None)
    buf = io.StringIO()
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.sort_base_mapping_type_on_output = False
    yaml.dump(data, buf)
    header = (f"# resolved by chainsim {version}; seed {scenario.seed}; every default filled in\n"
              f"# re-run with: chainsim run scenario.resolved.yaml\n")
    return header + buf.getvalue()


def manifest(kind: str, version: str, options: dict | None = None) -> dict:
    """What ``chainsim rerun`` needs besides the resolved scenario: the kind of folder (run,
    sweep or compare), the versions that make the numbers (chainsim, numpy, simpy, Python) and
    the command-line options that change the numbers or the files written."""
    import platform

    import numpy
    import simpy

    return {"kind": kind, "chainsim": version, "numpy": numpy.__version__,
            "simpy": simpy.__version__, "python": platform.python_version(),
            "options": dict(options or {})}


def run_options(results) -> dict:
    """The options of ``chainsim run`` that shaped ``results``, read back from them."""
    series = results.timeseries
    if series is None:
        timeseries = "none"
    else:
        timeseries = "all" if series["replication"].nunique() > 1 else "first"
    return {"timeseries": timeseries, "trace": results.trace is not None}


def write_manifest(folder: Path, data: dict) -> None:
    """``manifest.json`` in ``folder`` (a folder being written atomically)."""
    import json

    (Path(folder) / "manifest.json").write_text(json.dumps(data, indent=2, default=str) + "\n",
                                                encoding="utf-8")


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


@contextmanager
def temp_folder(target: Path):
    """Yield a new temporary folder beside ``target`` (hidden, named after it and this process),
    removed on exit with whatever is still in it. Those of killed runs are removed here too."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(target)
    tmp = Path(tempfile.mkdtemp(prefix=_temp_prefix(target), dir=target.parent))
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def replace_folder(src: Path, dst: Path) -> None:
    """Rename the complete folder ``src`` to ``dst`` (same parent folder, or at least the same
    file system). An old ``dst`` is first renamed aside under a temporary name, deleted
    once the new one is in place: a kill in between leaves ``dst`` absent, never half deleted."""
    src, dst = Path(src), Path(dst)
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


def write_table(frame, folder: Path, name: str) -> None:
    """``name``.parquet where pyarrow is installed, else ``name``.csv."""
    if parquet_available():
        frame.to_parquet(folder / f"{name}.parquet", index=False)
    else:
        frame.to_csv(folder / f"{name}.csv", index=False)


def write_results(results, out_dir: Path, version: str,
                  options: dict | None = None) -> list[Path]:
    """Write manifest.json (``options``: the command line's, see `manifest`),
    scenario.resolved.yaml, kpis.csv, summary.csv and the time series to out_dir."""
    with atomic_folder(out_dir) as tmp:
        write_manifest(tmp, manifest("run", version, options if options is not None
                                     else run_options(results)))
        (tmp / "scenario.resolved.yaml").write_text(resolved_yaml(results.scenario, version),
                                                    encoding="utf-8")
        results.kpis.to_csv(tmp / "kpis.csv", index=False)
        results.summary.to_csv(tmp / "summary.csv", index=False)
        if results.trace is not None:
            write_table(results.trace, tmp, "trace")
        if results.timeseries is not None:
            write_table(results.timeseries, tmp, "timeseries")
    return sorted(Path(out_dir).iterdir())
