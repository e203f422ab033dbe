"""Load a scenario: read the file, follow ``extends:``, validate, check the whole network.

The entry points. `load_scenario` takes a file, a mapping or a Scenario and returns a validated,
frozen `Scenario` or raises `ScenarioError` listing every problem of the file at once, each as
``FILE:LINE:COL: message`` with the fix. The steps live in their own modules:

- yamlread.py: safe YAML reading (plain values only, every one with its position);
- extends.py: ``extends:`` bases merged underneath, ``csv:`` paths made absolute;
- messages.py: pydantic's errors as messages, and the checks it cannot make (nan, true/false);
- positions.py: where in which file a setting was written;
- validate.py: the checks that need the whole network (ids, lanes, cycles, supply);
- sizing.py: last, the levels of policies that give a service target instead.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from chainsim.errors import Problem, scenario_error
from chainsim.scenario.extends import files_extending, resolve_csv_paths, resolve_extends
from chainsim.scenario.messages import (
    bool_problems,
    nonfinite_problems,
    shape,
    shown_value,
    validation_problems,
)
from chainsim.scenario.paths import root_of
from chainsim.scenario.positions import own_pos
from chainsim.scenario.schema import Scenario, ScenarioBase
from chainsim.scenario.sizing import size_scenario
from chainsim.scenario.validate import network_problems
from chainsim.scenario.yamlread import plain, read_yaml


def parse_scenario(raw: Any, file: str) -> Scenario:
    """Validate raw data (as read from ``file``) into a Scenario, then check the network.

    Every problem found is reported at once: schema errors, and the network checks that can
    still be made on what was written.
    """
    if not isinstance(raw, Mapping):
        line, col = own_pos(raw)
        raise scenario_error([Problem(
            file, max(line, 1), max(col, 1),
            f"{shape(raw)}, but a scenario must be a mapping of keys; start with "
            "'name: ...', 'nodes:' and 'lanes:'",
        )])
    try:
        scenario: Scenario | None = Scenario.model_validate(plain(raw, {}))
        bad: set[tuple[Any, ...]] = set()
        problems: list[Problem] = []
    except ValidationError as exc:
        scenario = None
        bad = {tuple(e["loc"]) for e in exc.errors(include_url=False)}
        problems = validation_problems(exc, raw, file)
    problems = _value_problems(problems, raw, file, bad)
    problems += network_problems(scenario, raw, file, bad)
    if problems:
        raise scenario_error(_dedupe(problems))
    assert scenario is not None
    scenario, problems = size_scenario(scenario, raw, file)  # targets -> levels (sizing.py)
    if problems:
        raise scenario_error(_dedupe(problems))
    return scenario


def _value_problems(schema: list[Problem], raw: Any, file: str,
                    bad: set[tuple[Any, ...]]) -> list[Problem]:
    """The schema's problems plus every non-finite number and true/false where a number
    belongs; at a place where both speak, the latter says what is really wrong (a nan is
    not "below 0")."""
    extra = nonfinite_problems(raw, file, bad) + bool_problems(raw, file, bad)
    taken = {(p.file, p.line, p.col) for p in extra}
    return [p for p in schema if (p.file, p.line, p.col) not in taken] + extra


def is_base_file(raw: Any) -> bool:
    """A file with no ``nodes:`` is a base for ``extends:`` (e.g. a shared market)."""
    return isinstance(raw, Mapping) and "nodes" not in raw


def is_sweep_file(raw: Any) -> bool:
    """A file with ``base:`` and ``parameters:`` is a sweep file (experiments/sweepfile.py), or
    with ``objective:`` too an optimisation file (experiments/optimizefile.py)."""
    return isinstance(raw, Mapping) and "base" in raw and "parameters" in raw


def file_kind(raw: Any) -> str:
    """What a YAML file of chainsim is: ``study``, ``optimisation``, ``sweep`` or ``scenario``
    (by the keys only its kind has)."""
    if isinstance(raw, Mapping) and "study" in raw and "strategies" in raw:
        return "study"
    if is_sweep_file(raw):
        return "optimisation" if "objective" in raw else "sweep"
    return "scenario"


COMMAND_OF_KIND = {"study": "study", "optimisation": "optimize", "sweep": "sweep"}


def check_base(raw: Any, file: str) -> None:
    """Validate a base file: what it says must be right, and it may leave out anything, nodes
    included (the files that extend it add them)."""
    bad: set[tuple[Any, ...]] = set()
    problems: list[Problem] = []
    try:
        ScenarioBase.model_validate(plain(raw, {}))
    except ValidationError as exc:
        bad = {tuple(e["loc"]) for e in exc.errors(include_url=False)}
        problems = validation_problems(exc, raw, file)
    problems = _value_problems(problems, raw, file, bad)
    if problems:
        raise scenario_error(_dedupe(problems))


def _dedupe(problems: list[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))


def load_raw(path: str | Path, *, allow_outside_paths: bool = False, data: Any = None) -> Any:
    """Read a scenario file with its ``extends:`` chain merged and csv paths made absolute
    (``data``: the file's YAML when the caller has read it already).

    Files named by ``extends:`` and ``csv:`` must lie in the scenario's folder or below it,
    unless ``allow_outside_paths`` (paths.py).
    """
    path = Path(path)
    root = None if allow_outside_paths else root_of(path)
    data = read_yaml(path) if data is None else data
    kind = file_kind(data)
    if kind != "scenario":
        raise scenario_error([Problem(
            str(path), 1, 1, f"this is {'an' if kind[0] in 'aeiou' else 'a'} {kind} file, not "
            f"a scenario; run it with chainsim {COMMAND_OF_KIND[kind]} {path}",
        )])
    raw = resolve_extends(data, path, root=root)
    resolve_csv_paths(raw, path, root)
    return raw


def load_scenario(source: str | Path | Mapping[str, Any] | Scenario, *,
                  allow_outside_paths: bool = False) -> Scenario:
    """A validated Scenario from a file path, a mapping, or a Scenario (returned as is).

    A file may name (``extends:``, ``csv:``) only files in its folder or below it, unless
    ``allow_outside_paths``. Raises `ScenarioError` listing every problem as
    ``FILE:LINE:COL: message``.
    """
    if isinstance(source, Scenario):
        return source
    if isinstance(source, Mapping):
        return parse_scenario(source, "<dict>")
    if not isinstance(source, str | os.PathLike) or isinstance(source, bytes):
        given = "None" if source is None else f"{type(source).__name__} {shown_value(source)}"
        raise scenario_error([Problem("<load_scenario>", 0, 0, (
            f"a scenario is a file path, a mapping of its keys or a Scenario, not {given}; "
            "pass e.g. 'scenarios/s.yaml'"))])
    try:
        raw = load_raw(source, allow_outside_paths=allow_outside_paths)
        if is_base_file(raw):
            check_base(raw, str(source))  # its own mistakes first, at their lines
            raise scenario_error([_base_file_problem(Path(source))])
        return parse_scenario(raw, str(source))
    except RecursionError:
        raise scenario_error(
            [Problem(str(source), 1, 1, "the file is nested too deeply; flatten it")]
        ) from None


def _base_file_problem(path: Path) -> Problem:
    """A base file given where a scenario is needed: say so, and name the scenarios to run."""
    users = files_extending(path)
    shown = ", ".join(str(p) for p in users[:5]) + (", ..." if len(users) > 5 else "")
    fix = (f"run a scenario that extends it ({shown}) or add nodes:" if users else
           f"run a scenario that has 'extends: {path.name}' and nodes:, or add nodes: to it")
    return Problem(str(path), 1, 1, "this is a base file for extends: (it has no nodes:) and "
                   f"cannot be run alone; {fix}")
