"""Read a study file: check its keys, expand its templates, read its scenario files.

Everything is checked before anything runs and every problem is reported at once as
``FILE:LINE:COL: message``: unknown keys (with the closest valid one), values out of range, a
strategy whose network the scenario checks refuse (at the strategy's entry, with the scenario's
message), a metric the catalogue does not know, a perspective firm that owns nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from chainsim.errors import Problem, ScenarioError, scenario_error
from chainsim.metrics import catalog
from chainsim.scenario.load import load_scenario
from chainsim.scenario.messages import message_for, unknown_top_key
from chainsim.scenario.positions import locate, own_pos
from chainsim.scenario.schema import Scenario
from chainsim.scenario.yamlread import plain, read_yaml
from chainsim.studies.expand import expand_templates, strategy_names
from chainsim.studies.spec import Study

STUDY_KEYS = list(Study.model_fields)


@dataclass
class LoadedStudy:
    """A checked study: its keys, and one validated scenario per strategy (in file order)."""

    file: str
    spec: Study
    names: list[str]
    scenarios: list[Scenario]
    expanded: dict[str, dict[str, Any]]  # the template strategies' scenarios as mappings
    data: dict[str, Any]  # the study file as plain data (sensitivity varies it)


def load_study(path: str | Path, *, allow_outside_paths: bool = False) -> LoadedStudy:
    """Read and check a study file; raise `ScenarioError` with every problem found."""
    path = Path(path)
    raw = read_yaml(path)
    if not isinstance(raw, Mapping):
        line, col = own_pos(raw)
        raise scenario_error([Problem(str(path), max(line, 1), max(col, 1),
                                      "a study file must be a mapping of keys; start with "
                                      "'study: <name>', then product:, market: and strategies:")])
    data = plain(raw, {})
    try:
        spec = Study.model_validate(data)
    except ValidationError as exc:
        raise scenario_error(_spec_problems(exc, raw, str(path))) from None
    problems = _metric_problems(spec, raw, str(path))
    names = strategy_names(spec)
    expanded = expand_templates(spec)
    scenarios: list[Scenario] = []
    for i, (name, entry) in enumerate(zip(names, spec.strategies, strict=True)):
        where = locate(raw, ("strategies", i), str(path))
        try:
            if entry.file is not None:
                scn = load_scenario(path.parent / entry.file,
                                    allow_outside_paths=allow_outside_paths)
            else:
                scn = load_scenario(expanded[name])
        except ScenarioError as exc:
            if entry.file is not None:
                problems += exc.problems  # at their own file and line
            else:
                problems += [Problem(*where, f"strategy {name}: the network it makes is "
                                     f"refused: {p.message}") for p in exc.problems]
            continue
        scenarios.append(scn)
    if not problems:
        problems += _perspective_problems(spec, names, scenarios, raw, str(path))
    for entry in data.get("strategies", []):  # varied studies read them from anywhere
        if isinstance(entry, dict) and isinstance(entry.get("file"), str):
            entry["file"] = str((path.parent / entry["file"]).resolve())
    if not problems and spec.sensitivity is not None:
        problems += _sensitivity_problems(spec, data, raw, str(path))
    if problems:
        raise scenario_error(problems)
    return LoadedStudy(file=str(path), spec=spec, names=names, scenarios=scenarios,
                       expanded=expanded, data=data)


def _spec_problems(exc: ValidationError, raw: Any, file: str) -> list[Problem]:
    out = []
    for err in exc.errors(include_url=False, include_context=True, include_input=True):
        loc = tuple(err["loc"])
        if err["type"] == "extra_forbidden" and len(loc) == 1:
            msg = unknown_top_key(str(loc[0]), STUDY_KEYS, "study file")
        else:
            loc, msg = message_for(err, raw)
        out.append(Problem(*locate(raw, loc, file), msg))
    return out


def _metric_problems(spec: Study, raw: Any, file: str) -> list[Problem]:
    message = catalog.unknown_message([spec.metric])
    return [Problem(*locate(raw, ("metric",), file), message)] if message else []


def _perspective_problems(spec: Study, names: list[str], scenarios: list[Scenario], raw: Any,
                          file: str) -> list[Problem]:
    """The deciding firm must own a node in every strategy (else its profit is not defined)."""
    out = []
    for name, scn in zip(names, scenarios, strict=True):
        if not any(n.owner == spec.perspective for n in scn.nodes):
            out.append(Problem(*locate(raw, ("perspective",), file),
                               f"the perspective firm '{spec.perspective}' owns no node of "
                               f"strategy {name}; give its nodes owner: {spec.perspective} "
                               "(a template's plant always belongs to the perspective firm)"))
    return out


def _sensitivity_problems(spec: Study, data: dict, raw: Any, file: str) -> list[Problem]:
    """Each varied path names a number of the study, and the study at each end of its range
    still makes valid strategies (checked now, not after the main comparison)."""
    from chainsim.scenario.variants import PathError, get_path
    from chainsim.studies.sensitivity import variant_scenarios, variant_study

    out = []
    for path, (low, high) in spec.sensitivity.ranges.items():
        where = locate(raw, ("sensitivity", "ranges", path), file)
        try:
            value = get_path(data, path)
        except PathError as exc:
            out.append(Problem(*where, f"sensitivity: {exc.message}"))
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            out.append(Problem(*where, f"sensitivity: {path} is {value!r}, not a number; vary "
                                       "a number of the study (a price, a fee, coverage k, ...)"))
            continue
        for end in (low, high):
            try:
                variant_scenarios(variant_study(data, {path: end}))
            except (ScenarioError, ValidationError) as exc:
                first = (exc.problems[0].message if isinstance(exc, ScenarioError)
                         else exc.errors()[0]["msg"])
                out.append(Problem(*where, f"sensitivity: with {path} = {end:g} the study is "
                                           f"refused: {first}"))
                break
    return out
