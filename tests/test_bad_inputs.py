"""The bad-input catalogue (issue 9): every file in tests/bad_inputs/ is refused cleanly.

Each file is paired in ``tests/bad_inputs/expected*.yaml`` with the line (and column) its problem
is reported at and a distinctive piece of the message. ``chainsim validate FILE`` and
``chainsim run FILE --out ...`` must both exit 2 with that many ``FILE:LINE:COL: message`` lines
(one unless ``lines:`` says otherwise), no traceback, and ``run`` must write nothing. Every file
goes through the Typer app in this process; a handful (the hostile ones) also through the real
entry point in separate processes, started together by one test.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from chainsim.errors import ScenarioError
from chainsim.scenario.load import load_scenario

HERE = Path(__file__).resolve().parent / "bad_inputs"

def _catalogue() -> dict:
    """Every ``expected*.yaml`` of the folder, merged (a file named twice is a mistake)."""
    merged: dict = {}
    for part in sorted(HERE.glob("expected*.yaml")):
        entries = YAML(typ="safe", pure=True).load(part.read_text(encoding="utf-8")) or {}
        assert not set(entries) & set(merged), f"{part.name} repeats {set(entries) & set(merged)}"
        merged.update(entries)
    return merged


CATALOGUE = _catalogue()
NAMES = sorted(CATALOGUE)
EXE = Path(sys.executable).with_name("chainsim")
CMD = [str(EXE)] if EXE.exists() else [sys.executable, "-m", "chainsim.cli"]
PROBLEM = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (?P<message>\S.*)$")
# the hostile files also run as real processes: parser attacks, code tags, bytes
IN_SUBPROCESS = ["71_alias_bomb.yaml", "73_python_tag.yaml", "76_deep_block_nesting.yaml",
                 "90_random_bytes.bin"]
FAST = 2.0  # seconds: a generous bound for refusing a parser attack


# optimisation files (expected_optimize.yaml): both commands run `chainsim optimize` on them
OPTIMIZE = set(YAML(typ="safe", pure=True).load(
    (HERE / "expected_optimize.yaml").read_text(encoding="utf-8")) or {})


def _args(command: str, name: str, tmp: Path) -> list[str]:
    if name in OPTIMIZE:
        return ["optimize", str(HERE / name), "--out", str(tmp / "out"), "-q"]
    if command == "validate":
        return ["validate", str(HERE / name)]
    return ["run", str(HERE / name), "--out", str(tmp / "out"), "-q"]


def _check(name: str, command: str, code: int, stdout: str, stderr: str, tmp: Path) -> None:
    """Exit 2, the stated number of FILE:LINE:COL lines, the expected one among them, nothing
    written."""
    want = CATALOGUE[name]
    assert "Traceback" not in stdout + stderr, stderr
    assert code == 2, (code, stdout, stderr)
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == want.get("lines", 1), stderr
    parsed = [PROBLEM.match(ln) for ln in lines]
    assert all(parsed), f"not FILE:LINE:COL: message: {stderr}"
    hits = [m for m in parsed if want["message"] in m["message"]]
    assert hits, f"{want['message']!r} not in {stderr}"
    hit = hits[0]
    assert Path(hit["file"]).resolve() == (HERE / want.get("file", name)).resolve(), hit["file"]
    assert int(hit["line"]) == want["line"], hit.group(0)
    if "col" in want:
        assert int(hit["col"]) == want["col"], hit.group(0)
    if command == "run":
        assert list(tmp.iterdir()) == [], "run wrote something"


def test_the_catalogue_is_complete():
    files = {p.name for p in HERE.iterdir()
             if not (p.name.startswith("expected") and p.name.endswith(".yaml"))}
    assert len(CATALOGUE) >= 40
    assert files == set(CATALOGUE), (files ^ set(CATALOGUE))
    for name, want in CATALOGUE.items():
        assert set(want) <= {"line", "col", "message", "lines", "file"}, name
        assert isinstance(want["line"], int) and want["line"] >= 1, name
        assert want["message"].strip(), name


@pytest.mark.parametrize("command", ["validate", "run"])
@pytest.mark.parametrize("name", NAMES)
def test_bad_input_is_refused_cleanly(name, command, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from chainsim.cli import app

    work = tmp_path / "work"  # the working directory: a default results/ folder would land here
    work.mkdir()
    monkeypatch.chdir(work)
    before = sorted(p.name for p in HERE.iterdir())
    res = CliRunner().invoke(app, _args(command, name, tmp_path / "target"),
                             env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    (tmp_path / "target").mkdir(exist_ok=True)
    _check(name, command, res.exit_code, res.stdout, res.stderr, tmp_path / "target")
    assert list(work.iterdir()) == []
    assert sorted(p.name for p in HERE.iterdir()) == before


def test_hostile_inputs_in_real_processes(tmp_path):
    """The real entry point, one process per file and command, all started at once (a single
    test, so that parallel test workers do not start them twice)."""
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    started = {}
    for name in IN_SUBPROCESS:
        for command in ("validate", "run"):
            target = tmp_path / f"{name}-{command}"
            target.mkdir()
            started[name, command] = (subprocess.Popen(
                CMD + _args(command, name, target), cwd=target, env=env, text=True,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE), target)
    for (name, command), (proc, target) in started.items():
        out, err = proc.communicate(timeout=120)
        _check(name, command, proc.returncode, out, err, target)


@pytest.mark.parametrize("name", ["71_alias_bomb.yaml", "72_deep_nesting.yaml",
                                  "76_deep_block_nesting.yaml"])
def test_parser_attacks_are_refused_quickly(name):
    start = time.perf_counter()
    with pytest.raises(ScenarioError) as info:
        load_scenario(HERE / name)
    elapsed = time.perf_counter() - start
    assert elapsed < FAST, f"{name} took {elapsed:.2f} s"
    assert CATALOGUE[name]["message"] in str(info.value)
