"""Read a sweep file: a base scenario, the parameters to vary, a design, replications, metrics.

```yaml
base: ../scenarios/examples/single_retailer.yaml   # relative to this file
replications: 20
design: grid                     # grid | list | lhs (with samples:)
parameters:
  nodes.shop.policy.S: [30, 40, 50]          # dotted path; nodes and lanes addressed by id
  lanes.plant->shop.lead_time.value: [2, 4]
metrics: [fill_rate, total_cost]
```

Everything is checked before anything runs, and every problem is reported at once as
``FILE:LINE:COL: message``: unknown keys, an unknown path (with the valid alternatives), a value
that the scenario refuses (at the value in the sweep file, with the scenario's message), lists of
unequal length for ``list`` and ``zip``, ``lhs`` without ``samples`` or without ``[low, high]``.
Every design point's scenario is then built and validated. Metric names are checked in one
place, `_check_metric_names` (against the metric catalogue).
"""

from __future__ import annotations

import difflib
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from chainsim.errors import Problem, ScenarioError, scenario_error
from chainsim.experiments import design as designs
from chainsim.metrics import catalog
from chainsim.scenario.load import load_scenario
from chainsim.scenario.messages import message_for, shown_value, unknown_top_key
from chainsim.scenario.positions import locate, own_pos
from chainsim.scenario.schema import Scenario
from chainsim.scenario.sizing import as_written
from chainsim.scenario.variants import PathError, check_path, set_path
from chainsim.scenario.yamlread import plain, read_yaml


class Precision(BaseModel):
    """Replications until the 95% CI half-width of ``metric`` at ``node`` is at most
    ``half_width`` at every point (batches of ``replications``, at most ``max_replications``)."""

    model_config = ConfigDict(extra="forbid")

    metric: Annotated[str, Field(min_length=1)]
    half_width: Annotated[float, Field(gt=0)]
    max_replications: Annotated[int, Field(ge=2)] = 100
    node: str = "network"


class SweepSpec(BaseModel):
    """The keys of a sweep file."""

    model_config = ConfigDict(extra="forbid")

    base: Annotated[str, Field(min_length=1)]
    replications: Annotated[int, Field(ge=1)] | None = None
    design: Literal["grid", "list", "lhs"] = "grid"
    samples: Annotated[int, Field(ge=1)] | None = None
    seed: Annotated[int, Field(ge=0)] | None = None
    parameters: Annotated[dict[str, Any], Field(min_length=1)]
    zip: list[list[str]] | None = None
    metrics: list[str] | None = None
    precision: Precision | None = None


SWEEP_KEYS = list(SweepSpec.model_fields)

# Design points are each built and validated before a sweep runs; beyond this many that alone
# takes minutes, so a larger design is refused (split it into several sweep files).
MAX_POINTS = 10_000


@dataclass
class Sweep:
    """A checked sweep: the base scenario and one validated scenario per design point."""

    file: str
    base_path: Path
    base: Scenario
    design: str
    parameters: list[str]
    points: list[dict[str, Any]]
    replications: int
    seed: int | None
    metrics: list[str] | None
    scenarios: list[Scenario]
    precision: Precision | None = None


def _py(value: Any) -> Any:
    """Plain Python values (ruamel.yaml's scalars are subclasses of the builtins)."""
    value = plain(value, {})
    if isinstance(value, bool) or value is None:
        return value
    for kind in (int, float, str):
        if isinstance(value, kind):
            return kind(value)
    if isinstance(value, list):
        return [_py(v) for v in value]
    if isinstance(value, dict):
        return {_py(k): _py(v) for k, v in value.items()}
    return value


def _spec_problems(exc: ValidationError, raw: Any, file: str) -> list[Problem]:
    out = []
    for err in exc.errors(include_url=False, include_context=True, include_input=True):
        loc = tuple(err["loc"])
        if err["type"] == "extra_forbidden" and len(loc) == 1:
            msg = unknown_top_key(str(loc[0]), SWEEP_KEYS, "sweep file")
        else:
            loc, msg = message_for(err, raw)
            if loc and loc[0] == "design" and err["type"] == "literal_error":
                msg = msg.replace("'grid', 'list' or 'lhs'", "grid, list or lhs")
        f, line, col = locate(raw, loc, file)
        out.append(Problem(f, line, col, msg))
    return out


def _scenario_messages(data: dict) -> list[str]:
    """The scenario's complaints about ``data`` (empty when it is valid)."""
    try:
        load_scenario(data)
    except ScenarioError as exc:
        return [p.message for p in exc.problems]
    return []


def _count_points(design: str, params: dict[str, Any], samples: int | None,
                  zip_groups: list[list[str]]) -> int:
    """How many points the (checked) design has, without building them."""
    if design == "lhs":
        return samples or 0
    if design == "list":
        return max((len(v) for v in params.values()), default=0)
    grouped = {n: g for g, group in enumerate(zip_groups) for n in group}
    axes: dict[Any, int] = {}
    for n, v in params.items():
        axes[("zip", grouped[n]) if n in grouped else n] = len(v)
    return math.prod(axes.values())


def load_sweep(path: str | Path, *, allow_outside_paths: bool = False,
               allow_large: bool = False) -> Sweep:
    """Read and check a sweep file; raise `ScenarioError` with every problem found.

    ``base:`` may be anywhere (it is read relative to the sweep file); the base's own
    ``extends:`` and ``csv:`` must lie in the base's folder unless ``allow_outside_paths``
    (scenario/paths.py). A design of more than `MAX_POINTS` points is refused before any
    point is built, unless ``allow_large``.
    """
    path = Path(path)
    raw, spec = _read_spec(path)
    base_path = _base_path(spec, path, raw)
    base = load_scenario(base_path, allow_outside_paths=allow_outside_paths)
    ctx = _Checks(raw, str(path), as_written(base))  # targets kept: each point is sized
    params = {n: _py(v) for n, v in spec.parameters.items()}
    zip_groups = [list(g) for g in spec.zip or []]

    problems = _option_problems(spec, ctx)
    problems += _parameter_problems(spec, params, ctx)
    problems += _zip_problems(zip_groups, params, ctx)
    problems += _list_length_problems(spec, params, ctx)
    problems += _check_metric_names(spec, ctx)
    if problems:
        # the design cannot be built: report each value the scenario refuses on its own too
        for name in ctx.written:
            problems += ctx.value_problems(name)
        raise scenario_error(_dedupe(problems))

    _refuse_large(spec, params, zip_groups, ctx, allow_large)
    pts = designs.points(spec.design, params, samples=spec.samples, seed=spec.seed or 0,
                         zip_groups=zip_groups)
    scenarios = _point_scenarios(pts, spec.design, ctx)
    return Sweep(
        file=str(path),
        base_path=base_path,
        base=base,
        design=spec.design,
        parameters=list(spec.parameters),
        points=pts,
        replications=spec.replications if spec.replications is not None else base.replications,
        seed=spec.seed,
        metrics=list(spec.metrics) if spec.metrics is not None else None,
        scenarios=scenarios,
        precision=spec.precision,
    )


# A value as written in the sweep file: (which bound of an lhs range or None, value, position).
Written = tuple[str | None, Any, tuple[str, int, int]]


@dataclass
class _Checks:
    """What the checks of one sweep file share: its raw data (to place problems), the base
    scenario as a dict, each parameter's written values, and the scenario's verdict on each
    value set alone on the base (cached: a value may be judged for many points)."""

    raw: Any
    file: str
    base_data: dict
    written: dict[str, list[Written]] = field(default_factory=dict)
    verdicts: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    def at(self, *loc: Any) -> tuple[str, int, int]:
        """File, line and column of ``loc`` in the sweep file."""
        return locate(self.raw, loc, self.file)

    def alone(self, name: str, value: Any) -> list[str]:
        """The scenario's complaints about one value set on the base (others as in the base)."""
        key = (name, repr(value))
        if key not in self.verdicts:
            self.verdicts[key] = _scenario_messages(set_path(self.base_data, name, value))
        return self.verdicts[key]

    def value_problems(self, name: str) -> list[Problem]:
        """A problem at each value written for ``name`` that the scenario refuses on its own."""
        out = []
        for which, v, pos in self.written[name]:
            label = f"{name} = {shown_value(v)}" + (f" ({which})" if which else "")
            out += [Problem(*pos, f"{label}: {msg}") for msg in self.alone(name, v)]
        return out


def _read_spec(path: Path) -> tuple[Any, SweepSpec]:
    """The sweep file's raw data (with positions) and its keys, checked by `SweepSpec`."""
    raw = read_yaml(path)
    if not isinstance(raw, Mapping):
        line, col = own_pos(raw)
        raise scenario_error([Problem(str(path), max(line, 1), max(col, 1),
                                      "a sweep file must be a mapping of keys; start with "
                                      "'base: ...' and 'parameters:'")])
    try:
        return raw, SweepSpec.model_validate(plain(raw, {}))
    except ValidationError as exc:
        raise scenario_error(_dedupe(_spec_problems(exc, raw, str(path)))) from None


def _base_path(spec: SweepSpec, path: Path, raw: Any) -> Path:
    """The base scenario's file, relative to the sweep file; refused if it is not a file (its
    own problems are then reported in its own file, by load_scenario)."""
    base_path = Path(os.path.normpath(path.parent / spec.base))
    where = locate(raw, ("base",), str(path))
    if base_path.is_dir():
        raise scenario_error([Problem(*where, f"base names {spec.base}, which is a folder, not "
                                      "a file; name the scenario file in it")])
    if base_path.exists() and not base_path.is_file():
        raise scenario_error([Problem(*where, f"base names {spec.base}, which is not a regular "
                                      "file (a named pipe or a device); name the scenario file")])
    if not base_path.is_file():
        raise scenario_error([Problem(*where, f"base names {spec.base}, which does not exist"
                                      f" (looked for {base_path}); fix the path")])
    return base_path


def _option_problems(spec: SweepSpec, ctx: _Checks) -> list[Problem]:
    """``samples`` and ``zip`` given with a design that does not use them, or missing."""
    problems = []
    if spec.design == "lhs" and spec.samples is None:
        problems.append(Problem(*ctx.at("design"), "design lhs needs samples: the number of "
                                "points; add e.g. 'samples: 20'"))
    if spec.design != "lhs" and spec.samples is not None:
        problems.append(Problem(*ctx.at("samples"), f"samples applies to design lhs only "
                                f"(design is {spec.design}); remove it or use design: lhs"))
    if spec.zip and spec.design != "grid":
        problems.append(Problem(*ctx.at("zip"), f"zip applies to design grid only (design is "
                                f"{spec.design}); remove it"))
    return problems


def _parameter_problems(spec: SweepSpec, params: dict[str, Any], ctx: _Checks) -> list[Problem]:
    """Each parameter's path must name a setting of the base and its values must have the
    design's shape (a list; ``[low, high]`` for lhs). Records in ``ctx.written`` the values
    of the parameters that pass, with their positions, for the scenario to judge."""
    problems = []
    for name, value in params.items():
        key_at = ctx.at("parameters", name)
        try:
            check_path(ctx.base_data, name)
        except PathError as exc:
            problems.append(Problem(*key_at, f"unknown path '{name}': {exc.message}"))
            continue
        if spec.design == "lhs":
            try:
                low, high = designs.bounds(value)
            except designs.DesignError as exc:
                problems.append(Problem(*key_at, f"{name}: {exc}; write e.g. {name}: [10, 50]"))
                continue
            listed = isinstance(value, list)
            ctx.written[name] = [
                ("low", low, ctx.at("parameters", name, 0 if listed else "low")),
                ("high", high, ctx.at("parameters", name, 1 if listed else "high"))]
        elif not isinstance(value, list) or not value:
            problems.append(Problem(*key_at, f"{name} must be a list of values (got "
                                    f"{shown_value(value)}); write e.g. {name}: [30, 40, 50]"))
        else:
            ctx.written[name] = [(None, v, ctx.at("parameters", name, i))
                                 for i, v in enumerate(value)]
    return problems


def _zip_problems(zip_groups: list[list[str]], params: dict[str, Any],
                  ctx: _Checks) -> list[Problem]:
    """Each zip group must name parameters, each in one group, with lists of equal length."""
    names = list(params)
    problems = []
    grouped: set[str] = set()
    for g, group in enumerate(zip_groups):
        for k, n in enumerate(group):
            if n not in params:
                near = difflib.get_close_matches(n, names, n=1, cutoff=0.5)
                hint = f"did you mean '{near[0]}'? " if near else ""
                problems.append(Problem(*ctx.at("zip", g, k), f"zip names '{n}', which is not "
                                        f"a parameter; {hint}(parameters: {', '.join(names)})"))
            elif n in grouped:
                problems.append(Problem(*ctx.at("zip", g, k), f"'{n}' is in more than one zip "
                                        "group; keep it in one"))
            grouped.add(n)
        lengths = _lengths(group, params)
        if lengths:
            problems.append(Problem(*ctx.at("zip", g), "the parameters of a zip group need "
                                    f"lists of the same length (got {lengths})"))
    return problems


def _list_length_problems(spec: SweepSpec, params: dict[str, Any],
                          ctx: _Checks) -> list[Problem]:
    """Design ``list`` takes the i-th value of every parameter: the lists must be as long."""
    lengths = _lengths(list(params), params) if spec.design == "list" else ""
    if not lengths:
        return []
    return [Problem(*ctx.at("parameters"), f"design list needs lists of the same length "
                    f"(got {lengths})")]


def _lengths(names: list[str], params: dict[str, Any]) -> str:
    """``"a: 3, b: 2"`` when the lists of ``names`` differ in length, else ``""``."""
    listed = [n for n in names if isinstance(params.get(n), list)]
    if len({len(params[n]) for n in listed}) <= 1:
        return ""
    return ", ".join(f"{n}: {len(params[n])}" for n in listed)


def _check_metric_names(spec: SweepSpec, ctx: _Checks) -> list[Problem]:
    """Each name of ``metrics:`` and ``precision.metric`` that chainsim does not write
    (metrics.catalog), at its line, with the closest known name and the known ones."""
    named = [(("metrics", i), name) for i, name in enumerate(spec.metrics or [])]
    if spec.precision is not None:
        named.append((("precision", "metric"), spec.precision.metric))
    return [Problem(*ctx.at(*loc), message) for loc, name in named
            if (message := catalog.unknown_message([name]))]


def _refuse_large(spec: SweepSpec, params: dict[str, Any], zip_groups: list[list[str]],
                  ctx: _Checks, allow_large: bool) -> None:
    """Refuse a design of more than MAX_POINTS points before any is built (unless allowed)."""
    count = _count_points(spec.design, params, spec.samples, zip_groups)
    if count > MAX_POINTS and not allow_large:
        where = ctx.at("samples") if spec.design == "lhs" else ctx.at("parameters")
        raise scenario_error([Problem(*where, f"the design has {count:,} points, over the limit "
                                      f"of {MAX_POINTS:,} (each point is built and checked "
                                      "before the sweep runs); split the sweep into several "
                                      "files")])


def _point_scenarios(pts: list[dict[str, Any]], design: str, ctx: _Checks) -> list[Scenario]:
    """Every point's scenario, checked as a whole; raise with every failing point's problems."""
    scenarios: list[Scenario] = []
    problems: list[Problem] = []
    for i, point in enumerate(pts):
        data = ctx.base_data
        for name, value in point.items():
            data = set_path(data, name, value)
        try:
            scenarios.append(load_scenario(data))
        except ScenarioError as exc:
            problems += _point_problems(i, point, exc.problems, design, ctx)
    if problems:
        raise scenario_error(_dedupe(problems))
    return scenarios


def _point_problems(i: int, point: dict[str, Any], failed: list[Problem], design: str,
                    ctx: _Checks) -> list[Problem]:
    """Blame a failing point on the values the scenario refuses on their own (at their place
    in the file); values that are only wrong together (e.g. s above S) are reported for the
    point, at 'parameters'."""
    problems = []
    for name, value in point.items():
        if design == "lhs":
            found = ctx.value_problems(name)  # at the bounds
            if not found and ctx.alone(name, value):
                found = [Problem(*ctx.at("parameters", name),
                                 f"{name} = {shown_value(value)} (sampled): {msg}")
                         for msg in ctx.alone(name, value)[:1]]
        else:
            found = [p for p in ctx.value_problems(name)
                     if p.message.startswith(f"{name} = {shown_value(value)}: ")]
        problems += found
    if problems:
        return problems
    shown = ", ".join(f"{n} = {shown_value(v)}" for n, v in point.items())
    return [Problem(*ctx.at("parameters"), f"point {i} ({shown}): {p.message}") for p in failed]


def _dedupe(problems: list[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))


def over_limits(sweep: Sweep) -> list[Problem]:
    """The run-size limits (scenario/limits.py) the sweep's points exceed, each placed where
    the value was written: a swept parameter in the sweep file, else the base scenario."""
    from chainsim.scenario.limits import MAX_REPLICATIONS, raw_for
    from chainsim.scenario.limits import over_limits as scenario_limits

    raw = read_yaml(Path(sweep.file))
    base_raw = None
    where: dict[str, tuple[str, int, int]] = {}
    for key in ("horizon_days", "warmup_days", "replications"):
        if key in sweep.parameters:
            where[key] = locate(raw, ("parameters", key), sweep.file)
    set_here = isinstance(raw, Mapping) and "replications" in raw
    if set_here:
        where["replications"] = locate(raw, ("replications",), sweep.file)
    problems: list[Problem] = []
    for scn in sweep.scenarios:
        found, _ = scenario_limits(scn, None, str(sweep.base_path), where=where,
                                   replications=sweep.replications if set_here else None)
        if found and base_raw is None:  # place the base's values at their lines
            base_raw = raw_for(sweep.base_path)
            found, _ = scenario_limits(scn, base_raw, str(sweep.base_path), where=where,
                                       replications=sweep.replications if set_here else None)
        problems += found
    if not problems:  # each point within the limits: the points together may not be
        problems += _total_problems(sweep, raw, set_here)
    cap = sweep.precision.max_replications if sweep.precision is not None else 0
    if cap > MAX_REPLICATIONS:
        problems.append(Problem(*locate(raw, ("precision", "max_replications"), sweep.file),
                                f"precision max_replications is {cap} (more than the limit of "
                                f"{MAX_REPLICATIONS}); lower it or pass --allow-large to run it "
                                "anyway"))
    return _dedupe(problems)


def _total_problems(sweep: Sweep, raw: Any, set_here: bool) -> list[Problem]:
    """The whole sweep over the run-time limit (the sum of its points' estimates), placed at
    ``parameters:`` in the sweep file."""
    from chainsim.scenario.limits import FLAG, MAX_SECONDS, duration, estimate

    reps = sweep.replications if set_here else None
    seconds = sum(estimate(scn, replications=reps).seconds for scn in sweep.scenarios)
    if seconds <= MAX_SECONDS:
        return []
    n = len(sweep.scenarios)
    return [Problem(*locate(raw, ("parameters",), sweep.file),
                    f"the sweep's {n:,} points ≈ {duration(seconds)} of simulation in all "
                    f"(each ≈ {duration(seconds / n)}; limit: {duration(MAX_SECONDS)}); sweep "
                    f"fewer points or replications, or pass {FLAG} to run it anyway")]
