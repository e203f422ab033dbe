"""``chainsim validate FILE...``: OK, or each problem as FILE:LINE:COL: message and exit 2.

One subprocess runs the real entry point over a batch of bad files (no traceback may escape the
process); the rest goes through the Typer app in this process.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .helpers import VALID, dedent

EXE = Path(sys.executable).with_name("chainsim")
CMD = [str(EXE)] if EXE.exists() else [sys.executable, "-m", "chainsim.cli"]
LINE = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (?P<msg>\S.*)$")
# a file that cannot be read has no line to point at: FILE: message (errors.Problem)
UNREADABLE = re.compile(r"^(?P<file>[^:]+): cannot read file: \S.*$")

BAD_FILES = {
    "unknown_key.yaml": VALID.replace("horizon_days", "horizn_days"),
    "wrong_type.yaml": VALID.replace("horizon_days: 100", "horizon_days: lots"),
    "negative.yaml": VALID.replace("value: 3}", "value: -3}"),
    "policy.yaml": VALID.replace("{type: base_stock, S: 42}", "{type: sS, s: 50, S: 42}"),
    "dist.yaml": VALID.replace("{dist: poisson, mean: 8}", "{dist: uniform, low: 5, high: 2}"),
    "lane.yaml": VALID.replace("from: plant,", "from: plnt,"),
    "malformed.yaml": "name: x\nnodes: [\n",
    "tag.yaml": 'name: !!python/object/apply:os.system ["touch pwned"]\n',
    "empty.yaml": "",
    "list.yaml": "- a\n- b\n",
    "loop.yaml": "extends: loop.yaml\nname: x\n",
    "deep.yaml": "name: x\nnodes: " + "[" * 500 + "]" * 500 + "\n",
}
# hand-counted first problem of each file (line, col)
FIRST = {
    "unknown_key.yaml": (2, 1), "wrong_type.yaml": (2, 1), "negative.yaml": (13, 57),
    "policy.yaml": (10, 5), "dist.yaml": (9, 5), "lane.yaml": (13, 6), "malformed.yaml": (3, 1),
    "tag.yaml": (1, 7), "empty.yaml": (1, 1), "list.yaml": (1, 1), "loop.yaml": (1, 1),
    "deep.yaml": (2, 108),
}


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """Run ``chainsim validate`` once, in a subprocess, over every bad file and one good one."""
    tmp = tmp_path_factory.mktemp("validate")
    for name, text in BAD_FILES.items():
        (tmp / name).write_text(text, encoding="utf-8")
    (tmp / "latin1.yaml").write_bytes("name: caf\u00e9\n".encode("latin-1"))
    (tmp / "good.yaml").write_text(VALID, encoding="utf-8")
    before = sorted(p.name for p in tmp.iterdir())
    names = ["good.yaml", *BAD_FILES, "latin1.yaml", "missing.yaml"]
    env = {**os.environ, "COLUMNS": "60", "NO_COLOR": "1"}  # narrow: lines must not wrap
    res = subprocess.run(CMD + ["validate", *names], cwd=tmp, env=env, text=True,
                         capture_output=True, timeout=120)
    after = sorted(p.name for p in tmp.iterdir())
    return res, before, after


def test_exit_code_2_and_no_traceback(batch):
    res, _, _ = batch
    assert res.returncode == 2, res.stderr
    assert "Traceback" not in res.stdout + res.stderr


def test_every_problem_line_is_file_line_col_message(batch):
    res, _, _ = batch
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert lines
    for ln in lines:
        m = LINE.match(ln) or UNREADABLE.match(ln)
        assert m, f"not FILE:LINE:COL: message: {ln!r}"


def test_each_bad_file_reported_at_its_first_problem(batch):
    res, _, _ = batch
    first: dict[str, tuple[int, int]] = {}
    for ln in res.stderr.splitlines():
        m = LINE.match(ln)
        if m:
            first.setdefault(m["file"], (int(m["line"]), int(m["col"])))
    for name, pos in FIRST.items():
        assert first.get(name) == pos, f"{name}: {first.get(name)} != {pos}\n{res.stderr}"
    assert first["latin1.yaml"] == (1, 10)
    assert "missing.yaml: cannot read file: no such file; check the path" in res.stderr


def test_good_file_says_ok(batch):
    res, _, _ = batch
    assert re.search(r"^good\.yaml: OK", res.stdout, re.M), res.stdout
    assert "good.yaml" not in res.stderr


def test_nothing_written_and_no_tag_executed(batch):
    _, before, after = batch
    assert before == after
    assert "pwned" not in after


def test_messages_say_what_to_change(batch):
    res, _, _ = batch
    text = res.stderr
    for words in ("did you mean 'horizon_days'", "whole number", "0 or more", "s < S",
                  "low <= high", "did you mean 'plant'", "malformed YAML", "not allowed",
                  "holds no settings", "holds a list", "loop", "nested more than",
                  "not UTF-8", "cannot read file"):
        assert words in text, words


def test_valid_files_exit_0(tmp_path):
    from typer.testing import CliRunner

    from chainsim.cli import app

    (tmp_path / "a.yaml").write_text(VALID, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(dedent("""
        extends: a.yaml
        name: b
    """), encoding="utf-8")
    res = CliRunner().invoke(app, ["validate", str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml")])
    assert res.exit_code == 0, res.output
    assert res.output.count(": OK") == 2


def test_one_bad_file_among_good_ones_exits_2(tmp_path):
    from typer.testing import CliRunner

    from chainsim.cli import app

    (tmp_path / "a.yaml").write_text(VALID, encoding="utf-8")
    (tmp_path / "bad.yaml").write_text(VALID.replace("S: 42", "S: -42"), encoding="utf-8")
    res = CliRunner().invoke(app, ["validate", str(tmp_path / "a.yaml"), str(tmp_path / "bad.yaml")])
    assert res.exit_code == 2
    assert f"{tmp_path / 'bad.yaml'}:10:32: " in res.output
    assert "a.yaml: OK" in res.output
