"""Read an optimisation file: a base scenario, an objective, constraints, the parameters to search
and the work budget.

```yaml
base: ../../scenarios/examples/single_retailer.yaml   # relative to this file
set:                                                  # optional: fixed changes to the base first
  nodes.shop.policy: {type: sS, s: 30, S: 60}
objective: {metric: total_cost, node: shop, sense: min}   # sense defaults to the metric's better
constraints:                                          # optional, on means
  - {metric: fill_rate, node: shop, at_least: 0.95}
parameters:                                           # dotted paths, as in sweeps
  nodes.shop.policy.s: {low: 0, high: 150, integer: true}
  nodes.shop.policy.S: {low: 1, high: 300, integer: true}
budget: {simulated_days: 20000000}                    # (horizon + warm-up) × replications, summed
seed: 1                                               # optional: the base's seed otherwise
replications: 10                                      # per evaluation (default: the base's)
delta: 5.0                                            # indifference zone (default: 1% of the best)
```

Checked like a sweep file (experiments/sweepfile.py, whose helpers this reuses): every problem
at once as ``FILE:LINE:COL: message``; parameter paths against the base (after ``set:``), metric
names against metrics/catalog.py, node names against the base's nodes (plus ``network``,
``owner:<name>`` and ``channel:<id>``), ``low <= high``, and a budget that pays for at least the
start point. A spec given as a mapping (the Python API) is checked the same way; its problems
are placed at ``<optimize>``.
"""

from __future__ import annotations

import difflib
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from chainsim.errors import Problem, ScenarioError, scenario_error
from chainsim.metrics import catalog
from chainsim.scenario.load import load_scenario
from chainsim.scenario.messages import message_for, shown_value, unknown_top_key
from chainsim.scenario.positions import locate, own_pos
from chainsim.scenario.schema import Scenario
from chainsim.scenario.sizing import as_written
from chainsim.scenario.variants import PathError, check_path, get_path, set_path
from chainsim.scenario.yamlread import plain, read_yaml

IN_PYTHON = "<optimize>"  # the "file" of problems of a spec given as a mapping

# Replications the selection may give one candidate at most (a cap, so that a tie of two equal
# candidates cannot eat the whole budget one batch at a time).
MAX_SELECTION_REPLICATIONS = 400


class Objective(BaseModel):
    model_config = ConfigDict(extra="forbid")

    metric: Annotated[str, Field(min_length=1)]
    node: str = "network"
    sense: Literal["min", "max"] | None = None


class Constraint(BaseModel):
    model_config = ConfigDict(extra="forbid")

    metric: Annotated[str, Field(min_length=1)]
    node: str = "network"
    at_least: float | None = None
    at_most: float | None = None


class Range(BaseModel):
    model_config = ConfigDict(extra="forbid")

    low: float
    high: float
    integer: bool = True


class Budget(BaseModel):
    model_config = ConfigDict(extra="forbid")

    simulated_days: Annotated[int, Field(ge=1)]


class OptimizeSpec(BaseModel):
    """The keys of an optimisation file."""

    model_config = ConfigDict(extra="forbid")

    base: Any
    set: dict[str, Any] | None = None
    objective: Objective
    constraints: list[Constraint] = []
    parameters: Annotated[dict[str, Range], Field(min_length=1)]
    budget: Budget
    seed: Annotated[int, Field(ge=0)] | None = None
    replications: Annotated[int, Field(ge=2)] | None = None
    delta: Annotated[float, Field(gt=0)] | None = None
    select: Annotated[int, Field(ge=2, le=20)] = 5


OPTIMIZE_KEYS = list(OptimizeSpec.model_fields)


@dataclass(frozen=True)
class Parameter:
    path: str
    low: float
    high: float
    integer: bool


@dataclass(frozen=True)
class Bound:
    """A constraint on a mean: ``metric`` at ``node`` at least (``sign`` +1) or at most (-1)
    ``value``."""

    metric: str
    node: str
    sign: int
    value: float

    @property
    def label(self) -> str:
        return f"{self.metric}@{self.node} {'>=' if self.sign > 0 else '<='} {self.value:g}"


@dataclass
class Optimization:
    """A checked optimisation: the base (with ``set:`` applied), what to minimise, the bounds."""

    file: str
    base_path: Path | None
    base: Scenario
    metric: str
    node: str
    sense: str  # "min" or "max"
    constraints: list[Bound]
    parameters: list[Parameter]
    budget_days: int
    replications: int
    delta: float | None
    select: int
    fixed: dict[str, Any]

    @property
    def days_per_replication(self) -> int:
        """The work of one replication: the days simulated, warm-up included."""
        return self.base.horizon_days + self.base.warmup_days

    @property
    def start(self) -> tuple:
        """The start point: the base's values (inside the bounds; a sized level as computed),
        else the middle."""
        written, resolved = as_written(self.base), self.base.model_dump(by_alias=True)
        out = []
        for p in self.parameters:
            v = None
            for data in (written, resolved):
                try:
                    v = get_path(data, p.path)
                except (PathError, KeyError, TypeError, IndexError):
                    continue
                if v is not None:
                    break
            if not isinstance(v, int | float) or isinstance(v, bool):
                v = (p.low + p.high) / 2
            v = min(max(float(v), p.low), p.high)
            out.append(round_to(p, v))
        return tuple(out)


def round_to(p: Parameter, value: float):
    """``value`` as the parameter takes it: a whole number for an integer parameter."""
    if p.integer:
        return int(min(max(math.floor(value + 0.5), math.ceil(p.low)), math.floor(p.high)))
    return float(min(max(value, p.low), p.high))


def _py(value: Any) -> Any:
    from chainsim.experiments.sweepfile import _py as py

    return py(value)


def load_optimization(source: str | Path | Mapping[str, Any], *,
                      allow_outside_paths: bool = False) -> Optimization:
    """Read and check an optimisation file (or a mapping of its keys); raise `ScenarioError`
    with every problem found."""
    if isinstance(source, Mapping):
        raw, file, folder = dict(source), IN_PYTHON, Path.cwd()
    else:
        path = Path(source)
        raw = read_yaml(path)
        file, folder = str(path), path.parent
        if not isinstance(raw, Mapping):
            line, col = own_pos(raw)
            raise scenario_error([Problem(file, max(line, 1), max(col, 1),
                                          "an optimisation file must be a mapping of keys; start "
                                          "with 'base: ...', 'objective:', 'parameters:'")])
    try:
        spec = OptimizeSpec.model_validate(plain(raw, {}) if file != IN_PYTHON else raw)
    except ValidationError as exc:
        raise scenario_error(_dedupe(_spec_problems(exc, raw, file))) from None

    def at(*loc):
        return locate(raw, loc, file) if file != IN_PYTHON else (IN_PYTHON, 0, 0)

    base, base_path = _base(spec, folder, at, allow_outside_paths)
    data = as_written(base)  # sized policies keep their targets: each point is sized again
    problems: list[Problem] = []
    fixed = {n: _py(v) for n, v in (spec.set or {}).items()}
    for name, value in fixed.items():
        try:
            data = set_path(data, name, value)
        except PathError as exc:
            problems.append(Problem(*at("set", name), f"unknown path '{name}': {exc.message}"))
    if fixed and not problems:
        try:
            base = load_scenario(data)
        except ScenarioError as exc:
            problems += [Problem(*at("set"), f"the base with set: is refused: {p.message}")
                         for p in exc.problems]
    params = []
    for name, rng in spec.parameters.items():
        try:
            check_path(data, name)
        except PathError as exc:
            problems.append(Problem(*at("parameters", name), f"unknown path '{name}': "
                                    f"{exc.message}"))
            continue
        if rng.low > rng.high:
            problems.append(Problem(*at("parameters", name, "low"), f"{name}: low "
                                    f"{shown_value(rng.low)} is above high "
                                    f"{shown_value(rng.high)}; swap them"))
            continue
        if rng.integer and math.floor(rng.high) < math.ceil(rng.low):
            problems.append(Problem(*at("parameters", name), f"{name}: no whole number lies "
                                    f"between {rng.low:g} and {rng.high:g}; widen the range"))
            continue
        params.append(Parameter(name, float(rng.low), float(rng.high), rng.integer))
    nodes = _node_names(base)
    problems += _metric_problems(spec.objective.metric, spec.objective.node, ("objective",),
                                 nodes, at)
    bounds = []
    for i, c in enumerate(spec.constraints):
        problems += _metric_problems(c.metric, c.node, ("constraints", i), nodes, at)
        if (c.at_least is None) == (c.at_most is None):
            problems.append(Problem(*at("constraints", i), "a constraint needs exactly one of "
                                    "at_least or at_most; write e.g. {metric: fill_rate, node: "
                                    "shop, at_least: 0.95}"))
            continue
        bounds.append(Bound(c.metric, c.node, 1 if c.at_least is not None else -1,
                            float(c.at_least if c.at_least is not None else c.at_most)))
    if problems:
        raise scenario_error(_dedupe(problems))
    if spec.seed is not None:
        base = base.model_copy(update={"seed": spec.seed})
    reps = spec.replications if spec.replications is not None else max(2, base.replications)
    per_point = reps * (base.horizon_days + base.warmup_days)
    if spec.budget.simulated_days < per_point:
        raise scenario_error([Problem(*at("budget", "simulated_days"), (
            f"budget simulated_days {spec.budget.simulated_days:,} does not pay for the start "
            f"point alone ({reps} replications × {base.horizon_days + base.warmup_days} days = "
            f"{per_point:,}); raise it (e.g. to {per_point * 50:,}) or lower replications"))])
    sense = spec.objective.sense or ("max" if catalog.direction(spec.objective.metric) > 0
                                     else "min")
    return Optimization(
        file=file, base_path=base_path, base=base, metric=spec.objective.metric,
        node=spec.objective.node, sense=sense, constraints=bounds, parameters=params,
        budget_days=spec.budget.simulated_days, replications=reps, delta=spec.delta,
        select=spec.select, fixed=fixed)


def _base(spec: OptimizeSpec, folder: Path, at, allow_outside_paths: bool):
    """The base scenario and its file (None when given as a mapping or a Scenario)."""
    if isinstance(spec.base, Scenario):
        return spec.base, None
    if isinstance(spec.base, Mapping):
        return load_scenario(dict(spec.base)), None
    if not isinstance(spec.base, str | os.PathLike) or not str(spec.base):
        raise scenario_error([Problem(*at("base"), "base must name a scenario file (or, in "
                                      "Python, be a mapping or a Scenario)")])
    base_path = Path(os.path.normpath(folder / str(spec.base)))
    if not base_path.is_file():
        what = "is a folder, not a file" if base_path.is_dir() else "does not exist"
        raise scenario_error([Problem(*at("base"), f"base names {spec.base}, which {what} "
                                      f"(looked for {base_path}); fix the path")])
    return load_scenario(base_path, allow_outside_paths=allow_outside_paths), base_path


def _node_names(base: Scenario) -> list[str]:
    names = [catalog.NETWORK, *(n.id for n in base.nodes)]
    data = base.model_dump(by_alias=True)
    names += sorted({f"owner:{n['owner']}" for n in data.get("nodes", [])
                     if isinstance(n, dict) and n.get("owner")})
    market = data.get("market") or {}
    names += [f"channel:{c['id']}" for c in (market.get("channels") or [])
              if isinstance(c, dict) and c.get("id")]
    return names


def _metric_problems(metric: str, node: str, loc: tuple, nodes: list[str], at) -> list[Problem]:
    problems = []
    message = catalog.unknown_message([metric])
    if message:
        problems.append(Problem(*at(*loc, "metric"), message))
    # a 3PL channel's rows are "<id>/<channel>": accept those of a known node
    if node not in nodes and node.split("/")[0] not in nodes:
        near = difflib.get_close_matches(node, nodes, n=1, cutoff=0.5)
        hint = f"did you mean '{near[0]}'? " if near else ""
        problems.append(Problem(*at(*loc, "node"), f"unknown node '{node}'; {hint}(nodes: "
                                f"{', '.join(nodes)})"))
    return problems


def _spec_problems(exc: ValidationError, raw: Any, file: str) -> list[Problem]:
    out = []
    for err in exc.errors(include_url=False, include_context=True, include_input=True):
        loc = tuple(err["loc"])
        if err["type"] == "extra_forbidden" and len(loc) == 1:
            msg = unknown_top_key(str(loc[0]), OPTIMIZE_KEYS, "optimisation file")
        elif err["type"] == "missing" and len(loc) == 1:
            msg = f"the optimisation file needs '{loc[0]}'"
            loc = ()
        else:
            loc, msg = message_for(err, raw)
        where = locate(raw, loc, file) if file != IN_PYTHON else (IN_PYTHON, 0, 0)
        out.append(Problem(*where, msg))
    return out


def _dedupe(problems: list[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))
