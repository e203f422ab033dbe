"""What a newcomer trips over (issue 13): --version, tables at 80 columns, the compare folder's
name, folder permissions, plurals, --trace without consumer orders, a 3PL's service numbers."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pandas as pd
import pytest
from rich.console import Console
from typer.testing import CliRunner

from chainsim.cli import app
from chainsim.experiments.compare import default_folder
from chainsim.report.tables import Col, fit

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "scenarios" / "examples"
STRATEGIES = ROOT / "scenarios" / "strategies"
EXE = Path(sys.executable).with_name("chainsim")
CMD = [str(EXE)] if EXE.exists() else [sys.executable, "-m", "chainsim.cli"]
SHORT = ["--replications", "3", "--days", "60", "--warmup", "10"]


def _invoke(args, cwd: Path, monkeypatch):
    monkeypatch.chdir(cwd)
    return CliRunner().invoke(app, args, env={"NO_COLOR": "1"})


@pytest.fixture(scope="module")
def narrow(tmp_path_factory):
    """``run`` of the 3PL example and ``compare`` of the strategies in an 80-column terminal."""
    tmp = tmp_path_factory.mktemp("narrow")
    env = {**os.environ, "COLUMNS": "80", "NO_COLOR": "1"}
    jobs = {
        "run": [*CMD, "run", str(EXAMPLES / "ecommerce_3pl.yaml"), *SHORT, "--out",
                str(tmp / "run")],
        "compare": [*CMD, "compare", str(STRATEGIES), "--replications", "2", "--days", "40",
                    "--out", str(tmp / "compare")],
    }
    procs = {k: subprocess.Popen(v, cwd=tmp, env=env, text=True, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE) for k, v in jobs.items()}
    done = {}
    for k, p in procs.items():
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        done[k] = out
    return done, tmp


def test_version_prints_the_package_version(tmp_path, monkeypatch):
    res = _invoke(["--version"], tmp_path, monkeypatch)
    assert res.exit_code == 0
    assert res.stdout.strip() == f"chainsim {version('chainsim')}"
    assert re.fullmatch(r"chainsim \d+\.\d+\.\d+\S*", res.stdout.strip())


# --------------------------------------------------------------------------- 80 columns
def _whole(text: str, width: int) -> None:
    """No value cut short, and every table line within the width (the ``results:`` line
    names paths and may be longer)."""
    assert "…" not in text
    table = [line for line in text.splitlines() if line[:1] in "┏┃┡│└"]
    assert table and max(len(line) for line in table) <= width


@pytest.mark.parametrize("kind", ["run", "compare"])
def test_tables_at_80_columns_keep_every_number_whole(narrow, kind):
    out, _ = narrow
    _whole(out[kind], 80)


def test_run_table_at_80_columns_shows_each_mean(narrow):
    out, tmp = narrow
    summary = pd.read_csv(tmp / "run" / "summary.csv")
    text = out["run"]
    for node, metric, percent in [("fc", "on_time_rate", True), ("fc", "profit", False),
                                  ("fc", "order_lead_time_p95", False),
                                  ("fc", "utilization", True), ("fc/web", "on_time_rate", True)]:
        mean = summary.set_index(["node", "metric"]).loc[(node, metric), "mean"]
        shown = f"{mean * 100:,.1f}" if percent else (
            f"{mean:,.2f}" if abs(mean) < 100 else f"{mean:,.1f}")
        row = [line for line in text.splitlines() if line.startswith(f"│ {node} ")]
        assert any(shown in line for line in row), (node, metric, shown)


def test_run_table_shows_3pl_service_and_hides_empty_rows(narrow):
    text = narrow[0]["run"]
    for header in ("on", "time", "lead", "p95", "util."):
        assert header in text
    for line in text.splitlines():
        if re.match(r"│ fc/(web|marketplace|social) ", line):
            assert re.search(r"\d", line), line  # a channel row is shown only with numbers


def test_no_3pl_columns_without_a_3pl(tmp_path, monkeypatch):
    res = _invoke(["run", str(EXAMPLES / "single_retailer.yaml"), "--replications", "2",
                   "--days", "20", "--out", "out"], tmp_path, monkeypatch)
    assert res.exit_code == 0, res.stderr
    assert "util." not in res.stdout and "p95" not in res.stdout


def test_fit_splits_wide_tables_instead_of_cutting():
    columns = [Col("node", "left", names=True), *(Col(f"metric number {i}") for i in range(9))]
    values = [f"{1234567.8 + i:,.1f}\n[dim]±{25000.1 + i:,.1f}[/dim]" for i in range(9)]
    rows = [["a-rather-long-node-name", *values], ["b", *[""] * 9]]
    for width in (40, 80, 300):
        buf = io.StringIO()
        Console(file=buf, width=width, no_color=True).print(fit("title", columns, rows, width))
        text = buf.getvalue()
        _whole(text, width)
        for i in range(9):
            assert f"{1234567.8 + i:,.1f}" in text and f"±{25000.1 + i:,.1f}" in text
        assert "│ b " not in text  # a row with nothing to show is left out
        tables = text.count("┏")
        assert tables == 1 if width == 300 else tables > 1


# --------------------------------------------------------------------------- compare folder
def test_default_compare_folder_is_named_after_the_inputs(tmp_path):
    one = tmp_path / "a.yaml"
    assert default_folder([STRATEGIES]) == Path("results/compare-strategies")
    assert default_folder([one, tmp_path / "b.yml"]) == Path("results/compare-a_vs_b")
    assert default_folder([f"{tmp_path}/x y.yaml", one]) == Path("results/compare-x_y_vs_a")
    many = [tmp_path / f"scenario_number_{i}.yaml" for i in range(9)]
    long = default_folder(many)
    assert len(long.name) <= len("compare-") + 60
    assert long == default_folder(many)  # deterministic
    assert long != default_folder(many[:-1] + [tmp_path / "other.yaml"])


def test_compare_writes_its_default_folder(tmp_path, monkeypatch):
    res = _invoke(["compare", str(EXAMPLES / "single_retailer.yaml"),
                   str(EXAMPLES / "serial_3tier.yaml"), "--replications", "2", "--days", "20",
                   "-q"], tmp_path, monkeypatch)
    assert res.exit_code == 0, res.stderr
    folder = tmp_path / "results" / "compare-single_retailer_vs_serial_3tier"
    assert (folder / "ranking.csv").is_file()
    assert "results/compare-single_retailer_vs_serial_3tier/" in res.stdout


# --------------------------------------------------------------------------- permissions
@pytest.fixture
def umask():
    def use(mask):
        os.umask(mask)
    old = os.umask(0o022)
    yield use
    os.umask(old)


@pytest.mark.parametrize("mask", [0o022, 0o027])
def test_run_and_compare_folders_follow_the_umask(tmp_path, monkeypatch, umask, mask):
    umask(mask)
    run = _invoke(["run", str(EXAMPLES / "single_retailer.yaml"), "--replications", "2",
                   "--days", "20", "-q", "--out", "run"], tmp_path, monkeypatch)
    cmp = _invoke(["compare", str(EXAMPLES / "single_retailer.yaml"),
                   str(EXAMPLES / "serial_3tier.yaml"), "--replications", "2", "--days", "20",
                   "-q", "--out", "cmp"], tmp_path, monkeypatch)
    assert run.exit_code == 0 and cmp.exit_code == 0
    want = 0o777 & ~mask
    for folder in (tmp_path / "run", tmp_path / "cmp", tmp_path / "cmp" / "figures"):
        assert folder.stat().st_mode & 0o777 == want, folder


# --------------------------------------------------------------------------- wording
def test_one_replication_and_one_lane_are_singular(tmp_path, monkeypatch):
    res = _invoke(["run", str(EXAMPLES / "single_retailer.yaml"), "--replications", "1",
                   "--days", "20", "--out", "out"], tmp_path, monkeypatch)
    assert res.exit_code == 0, res.stderr
    assert "1 replication × 20 days" in res.stdout and "1 replications" not in res.stdout
    val = _invoke(["validate", str(EXAMPLES / "single_retailer.yaml")], tmp_path, monkeypatch)
    assert "2 nodes, 1 lane)" in val.stdout


def test_trace_without_consumer_orders_says_so_and_writes_no_file(tmp_path, monkeypatch):
    res = _invoke(["run", str(EXAMPLES / "serial_3tier.yaml"), "--replications", "2",
                   "--days", "20", "-q", "--trace", "--out", "out"], tmp_path, monkeypatch)
    assert res.exit_code == 0, res.stderr
    assert "no consumer orders" in res.stderr and "nothing to trace" in res.stderr
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith("trace")]


def test_fit_folds_long_key_headers_but_keeps_key_values_whole():
    columns = [Col("nodes.shop.policy.S"), Col("lanes.plant->shop.lead_time.value"),
               Col("point"), Col("total_cost")]
    rows = [["123456", "2.5", "17", "10.453 ± 0.195"], ["42", "31.25", "3", "1,012.125 ± 0.211"]]
    buf = io.StringIO()
    Console(file=buf, width=60, no_color=True).print(fit(None, columns, rows, 60, keys=3))
    text = buf.getvalue()
    _whole(text, 60)
    for row in rows:
        assert all(cell in text for cell in row), row
