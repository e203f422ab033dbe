"""What a newcomer sees for the wrong kind of file (issue 13): a sweep file, a base file for
``extends:``, a file that is not there, a folder. Each gets one line that says what the file is
and what to do instead, not a list of misleading key errors or a ``FILE:0:0:`` position."""

from __future__ import annotations

from pathlib import Path

import pytest

import chainsim
from chainsim.errors import Problem, ScenarioError

from .helpers import VALID, dedent, has, only

ROOT = Path(__file__).resolve().parents[2]
MARKET = ROOT / "scenarios" / "strategies" / "market.yaml"
SWEEP = ROOT / "experiments" / "base_stock_grid" / "sweep.yaml"


def _cli(*args: str):
    from typer.testing import CliRunner

    from chainsim.cli import app

    return CliRunner().invoke(app, list(args), env={"COLUMNS": "300", "NO_COLOR": "1"})


def _lines(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if ln.strip()]


# --------------------------------------------------------------------------- printing
def test_a_problem_without_a_line_prints_without_a_position():
    assert str(Problem("a.yaml", 0, 0, "cannot read file")) == "a.yaml: cannot read file"
    assert str(Problem("a.yaml", 3, 7, "bad")) == "a.yaml:3:7: bad"


# --------------------------------------------------------------------------- missing files
@pytest.mark.parametrize("command", ["run", "validate"])
def test_a_missing_file_is_named_with_the_reason(command, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = _cli(command, "nothere.yaml")
    assert res.exit_code == 2
    assert _lines(res.stderr) == ["nothere.yaml: cannot read file: no such file; check the path"]
    assert list(tmp_path.iterdir()) == []  # run wrote nothing


def test_a_folder_given_as_the_file_says_it_is_a_folder(tmp_path):
    with pytest.raises(ScenarioError) as info:
        chainsim.load_scenario(tmp_path)
    p = only(info.value.problems)
    assert (p.file, p.line) == (str(tmp_path), 0)
    has(p.message, "cannot read file", "it is a folder")


def test_extends_naming_a_folder_says_it_is_a_folder(problems, tmp_path):
    (tmp_path / "bases").mkdir()
    p = only(problems("extends: bases\n" + VALID))
    assert (p.line, p.col) == (1, 1)
    has(p.message, "extends names bases, which is a folder, not a file")
    assert "does not exist" not in p.message


# --------------------------------------------------------------------------- sweep files
@pytest.mark.parametrize("command", ["run", "validate"])
def test_a_sweep_file_is_sent_to_chainsim_sweep(command, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = _cli(command, str(SWEEP))
    assert res.exit_code == 2
    assert _lines(res.stderr) == [
        f"{SWEEP}:1:1: this is a sweep file, not a scenario; run it with "
        f"chainsim sweep {SWEEP}"]
    assert list(tmp_path.iterdir()) == []


def test_the_same_sweep_file_is_accepted_by_load_sweep():
    from chainsim.experiments.sweepfile import load_sweep

    assert load_sweep(SWEEP).parameters  # the guard is for scenario commands only


def test_base_alone_or_parameters_alone_is_not_taken_for_a_sweep(problems):
    for extra in ("base: x.yaml\n", "parameters: {}\n"):
        has(only(problems(extra + VALID)).message, "unknown key")


# --------------------------------------------------------------------------- base files
def test_run_on_a_shipped_base_names_the_scenarios_that_extend_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = _cli("run", str(MARKET), "--out", str(tmp_path / "out"), "-q")
    assert res.exit_code == 2
    (line,) = _lines(res.stderr)
    assert line.startswith(f"{MARKET}:1:1: this is a base file for extends: (it has no nodes:) "
                           "and cannot be run alone; run a scenario that extends it (")
    # the five strategies say 'extends: market.yaml' (scenarios/strategies/*.yaml)
    for name in ("direct", "exclusive", "indirect", "intensive", "selective"):
        assert str(MARKET.parent / f"{name}.yaml") in line
    assert "did you mean" not in line and "missing required field" not in line
    assert list(tmp_path.iterdir()) == []


def test_only_the_files_that_extend_this_base_are_named(write):
    base = write("horizon_days: 50\n", "shared.yaml")
    write("extends: shared.yaml\n" + VALID, "a.yaml")
    write("extends: 'shared.yaml'  # quoted, with a comment\n" + VALID, "b.yaml")
    write("extends: other.yaml\n" + VALID, "c.yaml")  # another base
    write(VALID, "d.yaml")  # extends nothing
    write("description: extends: shared.yaml\n" + VALID, "e.yaml")  # not a top-level extends
    with pytest.raises(ScenarioError) as info:
        chainsim.load_scenario(base)
    p = only(info.value.problems)
    assert (p.line, p.col) == (1, 1)
    assert f"extends it ({base.parent / 'a.yaml'}, {base.parent / 'b.yaml'}) or add nodes:" \
        in p.message


def test_a_base_nobody_extends_says_how_to_use_it(write):
    base = write("horizon_days: 50\n", "lonely.yaml")
    with pytest.raises(ScenarioError) as info:
        chainsim.load_scenario(base)
    has(only(info.value.problems).message, "base file for extends:",
        "has 'extends: lonely.yaml' and nodes:", "or add nodes: to it")


def test_a_base_with_its_own_mistake_reports_the_mistake(write):
    """What the base says is checked first: its error is the one to fix."""
    base = write(dedent("""
        horizon_days: 50
        seed: -1
    """), "broken.yaml")
    with pytest.raises(ScenarioError) as info:
        chainsim.load_scenario(base)
    p = only(info.value.problems)
    assert (p.line, p.col) == (2, 1)
    has(p.message, "seed must be 0 or more")


def test_validate_still_accepts_a_base(tmp_path, monkeypatch):
    res = _cli("validate", str(MARKET))
    assert res.exit_code == 0
    assert "a base file for extends:" in res.stdout


def test_a_sweep_base_naming_a_folder_says_it_is_a_folder(write, tmp_path):
    from chainsim.experiments.sweepfile import load_sweep

    (tmp_path / "scenarios").mkdir()
    sweep = write("base: scenarios\nparameters:\n  horizon_days: [10, 20]\n", "sweep.yaml")
    with pytest.raises(ScenarioError) as info:
        load_sweep(sweep)
    p = only(info.value.problems)
    assert (p.line, p.col) == (1, 1)
    has(p.message, "base names scenarios, which is a folder, not a file")
