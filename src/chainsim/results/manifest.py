"""``manifest.json``: what a results folder is (run, sweep or compare), the versions that made
its numbers and the options that shaped them; ``chainsim rerun`` reads it back."""

from __future__ import annotations

from pathlib import Path


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


def compare_options(cmp) -> dict:
    """The options of a comparison that shape its tables: the ranking metric, the baseline and,
    when it is not the network, the row the ranking compares (a study's firm)."""
    out = {"metric": cmp.metric, "baseline": cmp.baseline}
    if getattr(cmp, "node", "network") != "network":
        out["node"] = cmp.node
    return out


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
