"""The results folder of a run (README: Results), written all at once (``results.atomic``):
scenario.resolved.yaml, kpis.csv, summary.csv, the time series and the trace."""

from __future__ import annotations

import io
from pathlib import Path

from ruamel.yaml import YAML

from chainsim.results.atomic import atomic_folder
from chainsim.results.manifest import manifest, run_options, write_manifest
from chainsim.scenario.facts import unused_fulfilment_defaults
from chainsim.scenario.sizing import as_written


def parquet_available() -> bool:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


def resolved_yaml(scenario, version: str, *, targets: bool = False) -> str:
    """The scenario with every default filled in, headed by the chainsim version and seed.

    Policies sized from a service target hold the computed levels (a rerun needs no sizing),
    unless ``targets``: then they keep the target as written (a sweep's base, whose points may
    change what the levels are computed from, is sized again point by point)."""
    dump = as_written if targets else type(scenario).model_dump
    data = dump(scenario, mode="json", by_alias=True, exclude_none=True)
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
