"""Issue 9: run-size limits (--allow-large) and the folder rule for referenced files
(--allow-outside-paths). Everything here refuses before simulating, or simulates a few days
with the limits lowered, so the file runs in seconds."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

import chainsim
from chainsim.cli import app
from chainsim.errors import ScenarioError
from chainsim.experiments.sweepfile import load_sweep
from chainsim.scenario import limits

SCENARIO = """\
name: tiny
horizon_days: {days}
warmup_days: 0
replications: {reps}
nodes:
  - {{id: plant, role: manufacturer, infinite_supply: true}}
  - id: shop
    role: retailer
    demand: {demand}
    policy: {{type: base_stock, S: 20}}
lanes:
  - {{from: plant, to: shop, lead_time: {{dist: constant, value: 2}}}}
"""
POISSON = "{dist: poisson, mean: 5}"
OUTSIDE = "points outside the scenario's folder"


def scenario(path: Path, days: int = 20, reps: int = 2, demand: str = POISSON,
             extra: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(extra + SCENARIO.format(days=days, reps=reps, demand=demand), encoding="utf-8")
    return path


def cli(*args) -> tuple[int, str]:
    res = CliRunner().invoke(app, [str(a) for a in args])
    return res.exit_code, res.output  # stdout and stderr


def only_line(text: str) -> str:
    lines = [ln for ln in text.splitlines() if ln.strip()]
    assert len(lines) == 1, text
    assert "Traceback" not in text
    return lines[0]


# --------------------------------------------------------------------------- limits
def test_horizon_over_the_limit_is_refused_with_its_position(tmp_path):
    f = scenario(tmp_path / "s.yaml", days=1_000_000)
    out = tmp_path / "out"
    for args in (["validate", f], ["run", f, "--out", out, "-q"]):
        code, text = cli(*args)
        assert code == 2
        line = only_line(text)
        assert line.startswith(f"{f}:2:1: horizon_days is 1000000 (the limit is "
                               "100,000 days; the run would take about "), line
        assert line.endswith("); lower it or pass --allow-large to run it anyway")
    assert not out.exists()
    code, text = cli("validate", "--allow-large", f)
    assert code == 0 and "OK" in text


def test_replications_nodes_and_lanes_over_the_limit(tmp_path, monkeypatch):
    f = scenario(tmp_path / "s.yaml", reps=10_001)
    code, text = cli("validate", f)
    assert code == 2 and f"{f}:4:1: replications is 10001 (the limit is 10,000" in text
    monkeypatch.setattr(limits, "MAX_NODES", 1)
    monkeypatch.setattr(limits, "MAX_LANES", 0)
    code, text = cli("validate", scenario(tmp_path / "n.yaml"))
    assert code == 2
    assert f"{tmp_path / 'n.yaml'}:5:1: the scenario has 2 nodes (the limit is 1;" in text
    assert f"{tmp_path / 'n.yaml'}:11:1: the scenario has 1 lanes (the limit is 0;" in text
    assert cli("validate", "--allow-large", tmp_path / "n.yaml")[0] == 0


def test_command_line_overrides_are_checked(tmp_path):
    f = scenario(tmp_path / "s.yaml")
    out = tmp_path / "out"
    code, text = cli("run", f, "--days", 200_000, "--out", out, "-q")
    assert code == 2 and not out.exists()
    assert only_line(text).startswith("--days 200000: horizon + warm-up is 200000 days (the "
                                      "limit is 100,000 days;")
    code, text = cli("run", f, "--replications", 20_000, "--out", out, "-q")
    assert code == 2 and only_line(text).startswith("--replications 20000 (the limit is 10,000;")
    assert not out.exists()
    g = scenario(tmp_path / "g.yaml")
    g.write_text(g.read_text().replace("name: tiny", "name: other"))
    code, text = cli("compare", f, g, "--days", 200_000, "--out", out, "-q")
    assert code == 2 and "--days 200000" in text and not out.exists()


def test_allow_large_runs_over_a_lowered_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_DAYS", 10)
    f = scenario(tmp_path / "s.yaml", days=12, reps=1)
    assert cli("run", f, "--out", tmp_path / "a", "-q")[0] == 2
    code, text = cli("run", f, "--out", tmp_path / "a", "-q", "--allow-large")
    assert code == 0, text
    assert (tmp_path / "a" / "kpis.csv").is_file()
    # the Python API is not limited
    assert chainsim.simulate(f).kpis.shape[0] > 0


def test_sweep_setting_a_huge_horizon_is_refused(tmp_path):
    scenario(tmp_path / "base.yaml")
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text("base: base.yaml\nparameters:\n  horizon_days: [30, 500000]\n")
    out = tmp_path / "out"
    code, text = cli("sweep", sweep, "--out", out, "-q")
    assert code == 2 and not out.exists()
    assert only_line(text).startswith(f"{sweep}:3:3: horizon_days is 500000 (the limit is 100,000 days")
    sweep.write_text("base: base.yaml\nreplications: 20000\nparameters:\n  seed: [1, 2]\n")
    code, text = cli("sweep", sweep, "--out", out, "-q")
    assert code == 2 and only_line(text).startswith(f"{sweep}:2:1: replications is 20000")
    assert not out.exists()


# --------------------------------------------------------------------------- paths
@pytest.fixture
def outside(tmp_path):
    """A project folder ``proj/`` and, next to it, files a scenario in it must not reach."""
    (tmp_path / "proj").mkdir()
    scenario(tmp_path / "outside.yaml").write_text(
        (tmp_path / "outside.yaml").read_text().replace("name: tiny\n", ""))
    (tmp_path / "outside.csv").write_text("3\n4\n5\n")
    return tmp_path


@pytest.mark.parametrize("how", ["dotdot", "absolute", "symlink"])
def test_extends_outside_the_folder_is_refused(outside, how):
    proj = outside / "proj"
    target = {"dotdot": "../outside.yaml", "absolute": str(outside / "outside.yaml"),
              "symlink": "link.yaml"}[how]
    if how == "symlink":
        os.symlink(outside / "outside.yaml", proj / "link.yaml")
    f = proj / "s.yaml"
    f.write_text(f"extends: {target}\nname: child\n")
    out = proj / "out"
    for cmd in (["validate", f], ["run", f, "--out", out, "-q"]):
        code, text = cli(*cmd)
        assert code == 2
        assert only_line(text) == (
            f"{f}:1:1: extends {target} {OUTSIDE} {proj.resolve()}; move the file next to the "
            "scenario or pass --allow-outside-paths")
    assert not out.exists()
    with pytest.raises(ScenarioError):
        chainsim.load_scenario(f)
    assert chainsim.load_scenario(f, allow_outside_paths=True).name == "child"
    assert cli("validate", "--allow-outside-paths", f)[0] == 0


@pytest.mark.parametrize("how", ["dotdot", "absolute", "symlink"])
def test_csv_outside_the_folder_is_refused(outside, how):
    proj = outside / "proj"
    target = {"dotdot": "../outside.csv", "absolute": str(outside / "outside.csv"),
              "symlink": "link.csv"}[how]
    if how == "symlink":
        os.symlink(outside / "outside.csv", proj / "link.csv")
    f = scenario(proj / "s.yaml", demand=f"{{dist: empirical, csv: '{target}'}}")
    code, text = cli("validate", f)
    assert code == 2
    assert only_line(text).startswith(f"{f}:9:31: csv {target} {OUTSIDE} {proj.resolve()}; ")
    assert cli("validate", "--allow-outside-paths", f)[0] == 0


def test_files_inside_the_folder_are_fine(outside):
    proj = outside / "proj"
    (proj / "data").mkdir()
    (proj / "data" / "d.csv").write_text("3\n4\n")
    scenario(proj / "bases" / "base.yaml", demand="{dist: empirical, csv: ../data/d.csv}")
    (proj / "child.yaml").write_text("extends: bases/base.yaml\nname: child\n")
    assert cli("validate", proj / "child.yaml")[0] == 0


def test_sweep_base_may_be_outside_but_its_own_files_may_not(outside):
    """``base:`` is the sweep author's choice (like a command-line argument); what the base
    names must stay in the base's folder."""
    proj = outside / "proj"
    sweep = proj / "sweep.yaml"
    other = outside / "other"
    other.mkdir()
    scenario(other / "base.yaml")
    sweep.write_text("base: ../other/base.yaml\nparameters:\n  seed: [1, 2]\n")
    assert len(load_sweep(sweep).points) == 2
    (other / "child.yaml").write_text("extends: ../proj/x.yaml\n"
                                      + (other / "base.yaml").read_text())
    scenario(proj / "x.yaml")
    sweep.write_text("base: ../other/child.yaml\nparameters:\n  seed: [1, 2]\n")
    out = proj / "out"
    code, text = cli("sweep", sweep, "--out", out, "-q")
    assert code == 2 and not out.exists()
    assert "points outside the scenario's folder" in only_line(text)
    assert only_line(text).startswith(f"{other / 'child.yaml'}:1:")
    assert len(load_sweep(sweep, allow_outside_paths=True).points) == 2


def test_shipped_scenarios_and_sweeps_load():
    root = Path(__file__).resolve().parents[1]
    for f in sorted((root / "scenarios").glob("*/*.yaml")):
        chainsim.scenario.load.load_raw(f)
    for f in sorted((root / "experiments").glob("*/sweep.yaml")):
        load_sweep(f, allow_outside_paths=True)
