"""The results folder (DESIGN §7), written all at once: into a temporary folder beside the
target, then renamed into place, so a failed run leaves nothing partial behind."""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

from ruamel.yaml import YAML

FULFILMENT_KEYS = ("pickers", "packers", "pick_time", "pack_time", "hours", "cutoff", "fees",
                   "shipping", "channels")


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
    for node in data["nodes"]:
        if "orders" not in node:  # fulfilment settings mean nothing without consumer orders
            for key in FULFILMENT_KEYS:
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


@contextmanager
def atomic_folder(out_dir: Path):
    """Yield a temporary folder beside ``out_dir``; on success it replaces ``out_dir`` whole, on
    any failure it is removed, so a failed run leaves nothing partial behind."""
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        yield tmp
        if out_dir.exists():
            shutil.rmtree(out_dir)
        os.replace(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


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
