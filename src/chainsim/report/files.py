"""The results folder (DESIGN §7), written all at once: into a temporary folder beside the
target, then renamed into place, so a failed run leaves nothing partial behind."""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from pathlib import Path

from ruamel.yaml import YAML

FULFILMENT_KEYS = ("pickers", "packers", "pick_time", "pack_time", "hours", "cutoff", "fees",
                   "shipping", "channels")


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


def write_results(results, out_dir: Path, version: str) -> list[Path]:
    """Write scenario.resolved.yaml, kpis.csv, summary.csv and the time series to out_dir."""
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        (tmp / "scenario.resolved.yaml").write_text(resolved_yaml(results.scenario, version),
                                                    encoding="utf-8")
        results.kpis.to_csv(tmp / "kpis.csv", index=False)
        results.summary.to_csv(tmp / "summary.csv", index=False)
        if results.trace is not None:
            if parquet_available():
                results.trace.to_parquet(tmp / "trace.parquet", index=False)
            else:
                results.trace.to_csv(tmp / "trace.csv", index=False)
        if results.timeseries is not None:
            if parquet_available():
                results.timeseries.to_parquet(tmp / "timeseries.parquet", index=False)
            else:
                results.timeseries.to_csv(tmp / "timeseries.csv", index=False)
        if out_dir.exists():
            shutil.rmtree(out_dir)
        os.replace(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return sorted(out_dir.iterdir())
