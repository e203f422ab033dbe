"""Repeat a run, sweep, comparison or optimisation from its results folder and check the numbers bit for bit.

Every results folder describes itself: ``manifest.json`` names its kind (run, sweep, compare),
the versions that made the numbers (chainsim, numpy, simpy, Python) and the command-line options
that shaped it; the resolved scenarios hold every setting, seed included:

    run       manifest.json, scenario.resolved.yaml           -> simulate the scenario again
    sweep     manifest.json (points, replications, metrics,   -> each point's scenario is the
              precision), base.resolved.yaml                     base with the point's values set
    compare   manifest.json (metric, baseline), scenarios/    -> compare the resolved scenarios
    optimize  manifest.json (objective, ranges, budget),      -> the same search; candidates.csv
              base.resolved.yaml                                 is compared

The repeat of a sweep has no figures/, that of a comparison only its tables and scenarios
(no figures or report.html). A ``run`` folder written before manifests existed is repeated from its scenario.resolved.yaml
(the version is read from its header). The repeat is written to a fresh folder; then ``kpis.csv``
and ``summary.csv`` (and a comparison's ``comparison.csv`` and ``ranking.csv``) are compared with
the recorded ones row by row and cell by cell: two cells are equal when their text is, or when
both are numbers with the same 64-bit float bits (so ``1`` and ``1.0`` match, ``nan`` matches
``nan``, and ``0.1`` never matches ``0.30000000000000004 - 0.2``).
"""

from __future__ import annotations

import csv
import json
import math
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from chainsim.errors import ChainsimError
from chainsim.experiments.sweepfile import Precision

KINDS = ("run", "sweep", "compare", "optimize")
TABLES = {"run": ("kpis.csv", "summary.csv"), "sweep": ("kpis.csv", "summary.csv"),
          "compare": ("kpis.csv", "summary.csv", "comparison.csv", "ranking.csv"),
          "optimize": ("candidates.csv",)}
#: Columns that hold results; every other column names the row (scenario, point, node, ...).
VALUE_COLUMNS = frozenset({
    "value", "mean", "std", "ci_low", "ci_high", "n", "rank", "p_best", "diff_mean", "diff_std",
    "diff_ci_low", "diff_ci_high", "diff_n",
})
#: The versions a manifest records and that are checked against the running ones.
VERSIONED = ("chainsim", "numpy", "simpy", "python")
HOW_TO_MAKE = ("make one with chainsim run, chainsim sweep or chainsim compare (their results "
               "folders record what rerun needs)")


class RerunError(ChainsimError):
    """A folder that cannot be repeated: not a results folder, or missing what it needs."""


@dataclass
class Recorded:
    """A results folder as found: its kind and manifest (built from the files for old runs)."""

    folder: Path
    kind: str
    manifest: dict[str, Any]


@dataclass
class Difference:
    """One differing cell (or a row that is only on one side, with ``column`` empty)."""

    table: str
    row: int  # 1-based data row
    key: dict[str, str]
    column: str
    recorded: str
    now: str

    def __str__(self) -> str:
        where = ", ".join(f"{k}={v}" for k, v in self.key.items())
        what = f" {self.column}" if self.column else ""
        return (f"{self.table} row {self.row} ({where}){what}: recorded {self.recorded}, "
                f"now {self.now}")


@dataclass
class TableCheck:
    """The comparison of one table: its row counts and the differences found."""

    table: str
    rows: int
    differences: list[Difference] = field(default_factory=list)
    differing_rows: int = 0

    @property
    def identical(self) -> bool:
        return not self.differences


# --------------------------------------------------------------------------- reading a folder
def read_folder(folder: str | Path) -> Recorded:
    """The results folder's kind and manifest; `RerunError` saying what is missing."""
    folder = Path(folder)
    if not folder.is_dir():
        raise RerunError(f"{folder} is not a folder; give a results folder ({HOW_TO_MAKE})")
    path = folder / "manifest.json"
    if path.is_file():
        data = _read_manifest(path)
        kind = data["kind"]
    elif (folder / "scenario.resolved.yaml").is_file():  # a run from before manifests
        kind, data = "run", {"kind": "run", "chainsim": _header_version(
            folder / "scenario.resolved.yaml")}
    else:
        raise RerunError(f"{folder} is not a results folder: it has no manifest.json (nor a "
                         f"scenario.resolved.yaml); {HOW_TO_MAKE}")
    needed = {"run": ["scenario.resolved.yaml"], "sweep": ["base.resolved.yaml"],
              "compare": ["scenarios"], "optimize": ["base.resolved.yaml"]}[kind] + [
        "candidates.csv" if kind == "optimize" else "kpis.csv"]
    missing = [n for n in needed if not (folder / n).exists()]
    if kind == "sweep":
        missing += [f"manifest.json key '{k}'" for k in ("points", "parameters", "replications")
                    if data.get(k) is None]
    if kind == "optimize":
        missing += [f"manifest.json key '{k}'" for k in ("objective", "ranges", "budget_days",
                                                         "replications")
                    if data.get(k) is None]
    if missing:
        raise RerunError(f"{folder} is a {kind} results folder without {', '.join(missing)}; "
                         f"it cannot be repeated; {HOW_TO_MAKE}")
    return Recorded(folder, kind, data)


# A manifest is a few kilobytes (a sweep's lists its points: at most sweepfile.MAX_POINTS); a
# larger file, or nesting deeper than any manifest writes, is not one of ours.
MAX_MANIFEST_BYTES = 32 * 1024 * 1024
MAX_MANIFEST_DEPTH = 32


class _Options(BaseModel):
    """The recorded command-line options rerun reads (others are kept, unread)."""

    model_config = ConfigDict(extra="allow", strict=True)

    timeseries: Literal["first", "all", "none"] | None = None
    trace: bool | None = None
    metric: Annotated[str, Field(min_length=1)] | None = None
    baseline: Annotated[str, Field(min_length=1)] | None = None
    node: Annotated[str, Field(min_length=1)] | None = None  # the ranking's row (a study's firm)


class Manifest(BaseModel):
    """The keys of ``manifest.json`` that rerun reads, with their types (strict: ``"3"`` is not
    a number, ``true`` not a count); keys it does not read are allowed."""

    model_config = ConfigDict(extra="allow", strict=True)

    kind: Literal["run", "sweep", "compare", "optimize"] | None = None
    chainsim: str | None = None
    numpy: str | None = None
    simpy: str | None = None
    python: str | None = None
    options: _Options | None = None
    file: str | None = None
    base: str | None = None
    design: str | None = None
    parameters: Annotated[list[str], Field(min_length=1)] | None = None
    points: Annotated[list[dict[str, Any]], Field(min_length=1)] | None = None
    replications: Annotated[int, Field(ge=1)] | None = None
    seed: Annotated[int, Field(ge=0)] | None = None
    metrics: Annotated[list[str], Field(min_length=1)] | None = None
    precision: Precision | None = None


def _read_manifest(path: Path) -> dict[str, Any]:
    """The manifest's data, checked against `Manifest`; `RerunError` naming the field."""
    with path.open("rb") as f:
        raw = f.read(MAX_MANIFEST_BYTES + 1)
    if len(raw) > MAX_MANIFEST_BYTES:
        raise RerunError(f"{path} is over {MAX_MANIFEST_BYTES // 2**20} MiB, far larger than a "
                         f"manifest; the folder cannot be repeated; {HOW_TO_MAKE}")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RerunError(f"{path} is not valid JSON ({exc}); the folder cannot be repeated; "
                         f"{HOW_TO_MAKE}") from None
    except RecursionError:
        data = None  # nested deeper than the parser goes: refused just below
    if data is None or _depth(data) > MAX_MANIFEST_DEPTH:
        raise RerunError(f"{path} is nested more than {MAX_MANIFEST_DEPTH} levels deep, which no "
                         f"manifest is; the folder cannot be repeated; {HOW_TO_MAKE}")
    if not isinstance(data, dict):
        raise RerunError(f"{path} is not a manifest (a JSON object); {HOW_TO_MAKE}")
    if "kind" not in data and "points" in data:  # a sweep from before kinds were recorded
        data = {**data, "kind": "sweep"}
    try:
        Manifest.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in err["loc"])
        given = "" if err["type"] == "missing" else f" (got {_shown(err['input'])})"
        raise RerunError(f"{path}: field {where.lstrip('.')} is wrong: {err['msg']}{given}; "
                         f"the folder cannot be repeated; {HOW_TO_MAKE}") from None
    if data.get("kind") is None:
        raise RerunError(f"{path} names no kind of results folder (run, sweep or compare; "
                         f"got {data.get('kind')!r}); {HOW_TO_MAKE}")
    return data


def _shown(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _depth(data: Any) -> int:
    """How deeply lists and objects nest in JSON data (walked with a stack, not recursion)."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if level <= MAX_MANIFEST_DEPTH:
                stack.extend((v, level + 1) for v in (item.values() if isinstance(item, dict)
                                                       else item))
    return deepest


def _header_version(path: Path) -> str | None:
    """The chainsim version in a resolved scenario's first line (``# resolved by chainsim X;``)."""
    with path.open(encoding="utf-8", errors="replace") as f:
        found = re.match(r"# resolved by chainsim (\S+?);", f.readline())
    return found.group(1) if found else None


def running_versions(version: str) -> dict[str, str]:
    """The versions of the running chainsim, numpy, simpy and Python."""
    from chainsim.results.manifest import manifest

    return {k: v for k, v in manifest("run", version).items() if k in VERSIONED}


def version_warnings(recorded: Recorded, version: str) -> list[str]:
    """One line per version that differs from the recorded one (or was not recorded)."""
    now = running_versions(version)
    lines = []
    for name in VERSIONED:
        was = recorded.manifest.get(name)
        if was is None and name in ("chainsim", "numpy"):
            lines.append(f"warning: the {name} version was not recorded (now {now[name]}); the "
                         "numbers may differ for that reason alone")
        elif was is not None and str(was) != now[name]:
            lines.append(f"warning: recorded with {name} {was}, now running {name} {now[name]}; "
                         "the numbers may differ for that reason alone")
    return lines


# --------------------------------------------------------------------------- repeating
def repeat(recorded: Recorded, out_dir: Path, version: str, *, workers: int = 1,
           progress: Callable[[int, int], None] | None = None) -> Path:
    """Run again what ``recorded`` holds, writing a results folder of the same kind to
    ``out_dir``. Raises ScenarioError when a recorded scenario no longer loads."""
    return {"run": _repeat_run, "sweep": _repeat_sweep, "compare": _repeat_compare,
            "optimize": _repeat_optimize}[
        recorded.kind](recorded, Path(out_dir), version, workers, progress)


def _repeat_run(recorded, out_dir, version, workers, progress) -> Path:
    from chainsim.experiments.replicate import simulate
    from chainsim.results.write import write_results
    from chainsim.scenario.load import load_scenario

    folder = recorded.folder
    options = dict(recorded.manifest.get("options") or {})
    options.setdefault("timeseries", "first" if any(folder.glob("timeseries.*")) else "none")
    options.setdefault("trace", any(folder.glob("trace.*")))
    # the csv: paths in a resolved scenario are absolute, written by the run itself
    scn = load_scenario(folder / "scenario.resolved.yaml", allow_outside_paths=True)
    ts = {"first": "first", "all": True, "none": False}.get(options["timeseries"], False)
    tick = None if progress is None else (lambda done: progress(done, scn.replications))
    results = simulate(scn, timeseries=ts, trace=bool(options["trace"]), progress=tick)
    write_results(results, out_dir, version, options)
    return out_dir


def _repeat_sweep(recorded, out_dir, version, workers, progress) -> Path:
    from chainsim.errors import ScenarioError
    from chainsim.experiments.sweep import run_sweep
    from chainsim.experiments.sweepfile import Sweep
    from chainsim.scenario.load import load_scenario
    from chainsim.scenario.variants import PathError, set_path

    m = recorded.manifest
    base_file = recorded.folder / "base.resolved.yaml"
    from chainsim.scenario.sizing import as_written

    base = load_scenario(base_file, allow_outside_paths=True)  # the first point's scenario
    data = as_written(base)  # targets kept: each point is sized again, as the sweep did
    scenarios = []
    where = recorded.folder / "manifest.json"
    for i, point in enumerate(m["points"]):
        changed = data
        try:
            for name, value in point.items():
                changed = set_path(changed, name, value)
            scenarios.append(load_scenario(changed))
        except (PathError, ScenarioError) as exc:
            why = exc.message if isinstance(exc, PathError) else exc.problems[0].message
            raise RerunError(f"{where}: field points[{i}] does not make a scenario from "
                             f"{base_file.name} ({why}); the folder cannot be repeated; "
                             f"{HOW_TO_MAKE}") from None
    metrics = m["metrics"] if "metrics" in m else _recorded_metrics(recorded.folder)
    precision = m.get("precision")
    sweep = Sweep(file=str(m.get("file", "")), base_path=Path(str(m.get("base", base_file))),
                  base=base, design=str(m.get("design", "")), parameters=list(m["parameters"]),
                  points=list(m["points"]), replications=int(m["replications"]),
                  seed=m.get("seed"), metrics=metrics, scenarios=scenarios,
                  precision=None if precision is None else Precision.model_validate(precision))
    run_sweep(sweep, out_dir, workers=workers, version=version, progress=progress,
              figures=False)
    return out_dir


def _repeat_optimize(recorded, out_dir, version, workers, progress) -> Path:
    """The same search from the base it searched: the same points, replications and choice."""
    from chainsim.experiments.optimize import from_manifest, run_optimization
    from chainsim.scenario.load import load_scenario

    base = load_scenario(recorded.folder / "base.resolved.yaml", allow_outside_paths=True)
    try:
        opt = from_manifest(recorded.manifest, base)
    except (KeyError, TypeError, ValueError) as exc:
        raise RerunError(f"{recorded.folder / 'manifest.json'}: the optimisation it records is "
                         f"incomplete ({exc}); the folder cannot be repeated; {HOW_TO_MAKE}"
                         ) from None
    run_optimization(opt, out_dir, workers=workers, version=version, progress=progress,
                     figures=False)
    return out_dir


def _recorded_metrics(folder: Path) -> list[str] | None:
    """An old manifest's metrics: those in the recorded kpis.csv (the same rows either way)."""
    with (folder / "kpis.csv").open(encoding="utf-8", newline="") as f:
        return list(dict.fromkeys(row.get("metric", "") for row in csv.DictReader(f))) or None


def _repeat_compare(recorded, out_dir, version, workers, progress) -> Path:
    from chainsim.experiments.compare import compare
    from chainsim.results.atomic import atomic_folder
    from chainsim.results.manifest import compare_options, manifest, write_manifest
    from chainsim.results.write import resolved_yaml

    folder = recorded.folder
    options = dict(recorded.manifest.get("options") or {})
    files = resolved_scenarios(folder / "scenarios")
    if len(files) < 2:
        raise RerunError(f"{folder / 'scenarios'} holds {len(files)} resolved scenario(s), a "
                         f"comparison needs at least two; {HOW_TO_MAKE}")
    metric = options.get("metric") or _first_cell(folder / "ranking.csv", "metric")
    baseline = options.get("baseline") or _first_cell(folder / "comparison.csv", "baseline")
    kwargs = {} if metric is None else {"metric": metric}
    if options.get("node"):
        kwargs["node"] = options["node"]
    cmp = compare(files, baseline=baseline, allow_outside_paths=True, progress=progress,
                  **kwargs)
    with atomic_folder(out_dir) as tmp:  # the tables and scenarios; no figures or report
        write_manifest(tmp, manifest("compare", version, compare_options(cmp)))
        for name, table in (("kpis", cmp.kpis), ("summary", cmp.summary),
                            ("comparison", cmp.comparison), ("ranking", cmp.ranking)):
            table.to_csv(tmp / f"{name}.csv", index=False)
        (tmp / "scenarios").mkdir()
        for file, scn in zip(files, cmp.scenarios, strict=True):
            (tmp / "scenarios" / file.name).write_text(resolved_yaml(scn, version),
                                                       encoding="utf-8")
    return out_dir


def resolved_scenarios(folder: Path) -> list[Path]:
    """A comparison's ``NN_<name>.resolved.yaml`` files in the order they ran (by the number:
    ``100_x`` comes after ``99_y``, though it sorts before ``11_z`` as text)."""
    def order(path: Path) -> tuple[int, str]:
        number = re.match(r"(\d+)_", path.name)
        return (int(number.group(1)) if number else -1, path.name)

    return sorted((p for p in folder.glob("*.resolved.yaml") if p.is_file()), key=order)


def _first_cell(path: Path, column: str) -> str | None:
    if not path.is_file():
        return None
    with path.open(encoding="utf-8", newline="") as f:
        row = next(csv.DictReader(f), None)
    return None if row is None else row.get(column)


# --------------------------------------------------------------------------- comparing
def _bits(text: str) -> bytes | None:
    """The float's 64 bits (all NaNs alike), or None if the text is not a number."""
    try:
        value = float(text)
    except ValueError:
        return None
    return b"nan" if math.isnan(value) else struct.pack("<d", value)


def same_cell(recorded: str, now: str) -> bool:
    if recorded == now:
        return True
    a, b = _bits(recorded), _bits(now)
    return a is not None and a == b


def _read(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    return (rows[0], rows[1:]) if rows else ([], [])


def compare_table(recorded: Path, now: Path, limit: int = 10) -> TableCheck:
    """Compare two CSV tables row by row and cell by cell (see the module docstring)."""
    name = recorded.name
    if not recorded.is_file():
        return TableCheck(name, 0)  # nothing recorded to compare with (an optional table)
    header, old = _read(recorded)
    new_header, new = _read(now) if now.is_file() else ([], [])
    check = TableCheck(name, len(old))
    if header != new_header:
        check.differences.append(Difference(name, 0, {}, "columns", ",".join(header),
                                            ",".join(new_header) or "(no table)"))
        check.differing_rows = len(old)
        return check
    keys = [i for i, c in enumerate(header) if c not in VALUE_COLUMNS]
    for i in range(max(len(old), len(new))):
        a = old[i] if i < len(old) else None
        b = new[i] if i < len(new) else None
        key = {header[k]: (a or b)[k] for k in keys if k < len(a or b)}
        found = []
        if a is None or b is None:
            found.append(Difference(name, i + 1, key, "", "(no row)" if a is None else
                                    ",".join(a), "(no row)" if b is None else ",".join(b)))
        else:
            for col, (x, y) in enumerate(zip(a, b, strict=False)):
                if not same_cell(x, y):
                    found.append(Difference(name, i + 1, key, header[col], x, y))
            if len(a) != len(b):
                found.append(Difference(name, i + 1, key, "", ",".join(a), ",".join(b)))
        if found:
            check.differing_rows += 1
            room = limit - len(check.differences)
            check.differences.extend(found[:max(room, 0)])
    return check


def compare_folders(recorded: Recorded, now: Path) -> list[TableCheck]:
    """Each table of the kind, recorded against repeated."""
    return [compare_table(recorded.folder / t, Path(now) / t) for t in TABLES[recorded.kind]
            if (recorded.folder / t).is_file()]
