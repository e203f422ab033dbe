"""The ``chainsim`` command end to end (DESIGN §7: command line, results folder).

The invocations that must be separate processes (bit-identical results across processes, exit
codes and no traceback from the real entry point, ``--help``) are started together by one module
fixture, since each takes a couple of seconds of imports; the other runs go through the same
Typer app in this process with ``typer.testing.CliRunner``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "scenarios" / "examples"
EXE = Path(sys.executable).with_name("chainsim")
CMD = [str(EXE)] if EXE.exists() else [sys.executable, "-m", "chainsim.cli"]

KPI_COLUMNS = ["scenario", "replication", "node", "metric", "value"]
SUMMARY_COLUMNS = ["scenario", "node", "metric", "mean", "std", "ci_low", "ci_high", "n"]

BAD_YAML = """\
name: broken
nodes:
  - id: plant
    role: manufacturer
    infinite_supply: true
  - id: shop
    role: retailer
    demand: {dist: poisson, mean: 8}
    polcy: {type: base_stock, S: 42}
lanes:
  - {from: plant, to: shop}
"""

MALFORMED_YAML = "name: x\nnodes:\n  - id: a\n    role: [retailer\n"


def _run_args(tmp: Path) -> dict[str, tuple[list[str], Path | None]]:
    """name -> (arguments, working directory)."""
    single = str(EXAMPLES / "single_retailer.yaml")
    common = ["--replications", "3", "--days", "50", "--warmup", "5", "--seed", "9"]
    (tmp / "bad.yaml").write_text(BAD_YAML, encoding="utf-8")
    (tmp / "malformed.yaml").write_text(MALFORMED_YAML, encoding="utf-8")
    (tmp / "cwd").mkdir()
    subprocesses = {
        "a": (["run", single, *common, "--out", str(tmp / "a")], None),
        "b": (["run", single, *common, "--out", str(tmp / "b")], None),
        "bad": (["run", str(tmp / "bad.yaml"), "--out", str(tmp / "bad_out")], None),
        "malformed": (["run", str(tmp / "malformed.yaml"), "--out", str(tmp / "mal_out")], None),
        "help": (["--help"], None),
    }
    in_process = {
        # no --out: writes results/<name>/ under the working directory
        "other_seed": (["run", single, "--replications", "3", "--days", "50", "--warmup", "5",
                        "--seed", "10", "-q"], tmp / "cwd"),
        "serial": (["run", str(EXAMPLES / "serial_3tier.yaml"), "--replications", "2", "--days",
                    "40", "--warmup", "10", "--timeseries", "all", "--out", str(tmp / "serial")],
                   None),
        "moq": (["run", str(EXAMPLES / "wholesale_moq.yaml"), "--replications", "2", "--days",
                 "40", "--timeseries", "none", "--out", str(tmp / "moq")], None),
        "schema": (["schema"], None),
    }
    return subprocesses, in_process


@pytest.fixture(scope="module")
def cli(tmp_path_factory):
    """Run every invocation and return (name -> CompletedProcess, tmp folder)."""
    from typer.testing import CliRunner

    from chainsim.cli import app

    tmp = tmp_path_factory.mktemp("cli")
    subprocesses, in_process = _run_args(tmp)
    env = {**os.environ, "COLUMNS": "120", "NO_COLOR": "1"}
    procs = {name: subprocess.Popen(CMD + args, cwd=cwd or tmp, env=env, text=True,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for name, (args, cwd) in subprocesses.items()}
    results = {}
    runner = CliRunner()
    here = os.getcwd()
    for name, (args, cwd) in in_process.items():
        os.chdir(cwd or tmp)
        try:
            res = runner.invoke(app, args, env={"COLUMNS": "120", "NO_COLOR": "1"})
        finally:
            os.chdir(here)
        assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
        results[name] = subprocess.CompletedProcess(args, res.exit_code, res.stdout, res.stderr)
    for name, p in procs.items():
        out, err = p.communicate(timeout=120)
        results[name] = subprocess.CompletedProcess(p.args, p.returncode, out, err)
    return results, tmp


def _ok(res):
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stdout + res.stderr


@pytest.mark.parametrize("name, folder, reps", [("a", "a", 3), ("serial", "serial", 2),
                                                 ("moq", "moq", 2)])
def test_run_writes_the_results_folder(cli, name, folder, reps):
    results, tmp = cli
    _ok(results[name])
    out = tmp / folder
    assert (out / "scenario.resolved.yaml").is_file()
    kpis = pd.read_csv(out / "kpis.csv")
    assert list(kpis.columns) == KPI_COLUMNS
    assert sorted(kpis["replication"].unique()) == list(range(reps))
    assert "network" in set(kpis["node"])
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary.columns) == SUMMARY_COLUMNS
    assert set(summary["n"].dropna()) <= set(range(reps + 1))
    for metric in ("demand", "fill_rate", "on_hand", "total_cost", "profit"):
        assert metric in set(kpis["metric"]), metric
    # no temporary folders left beside the target
    assert not [p for p in tmp.iterdir() if p.name.startswith(f".{folder}.")]


def _timeseries(folder: Path) -> pd.DataFrame | None:
    if (folder / "timeseries.parquet").exists():
        return pd.read_parquet(folder / "timeseries.parquet")
    if (folder / "timeseries.csv").exists():
        return pd.read_csv(folder / "timeseries.csv")
    return None


def test_timeseries_options(cli):
    results, tmp = cli
    first = _timeseries(tmp / "a")
    assert first is not None and set(first["replication"]) == {0}
    assert set(first["day"]) == set(range(55))  # warm-up + days
    for col in ("node", "day", "on_hand", "backorders", "on_order", "demand", "orders",
                "shipments"):
        assert col in first.columns, col
    every = _timeseries(tmp / "serial")
    assert set(every["replication"]) == {0, 1}
    assert _timeseries(tmp / "moq") is None


def test_flags_change_the_resolved_scenario(cli):
    results, tmp = cli
    text = (tmp / "a" / "scenario.resolved.yaml").read_text(encoding="utf-8")
    assert re.search(r"chainsim \S+", text.splitlines()[0])
    assert "seed 9" in text.splitlines()[0]
    data = YAML(typ="safe", pure=True).load(text)
    assert (data["replications"], data["horizon_days"], data["warmup_days"], data["seed"]) == (
        3, 50, 5, 9)
    assert data["name"] == "single-retailer"
    # every default filled in: e.g. the lane's costs and the node's unmet rule
    assert data["lanes"][0]["cost_per_unit"] == 0
    shop = next(n for n in data["nodes"] if n["id"] == "shop")
    assert shop["unmet"] == "backorder" and shop["policy"]["review_days"] == 1


def test_resolved_scenario_reruns_to_the_same_numbers(cli, tmp_path):
    """The resolved file is a complete scenario: loading it gives the same scenario."""
    import chainsim

    results, tmp = cli
    scn = chainsim.load_scenario(tmp / "a" / "scenario.resolved.yaml")
    from chainsim.engine.run import resolve

    original = resolve(chainsim.load_scenario(EXAMPLES / "single_retailer.yaml"))
    assert scn.nodes == original.nodes and scn.lanes == original.lanes
    shop = next(n for n in scn.nodes if n.id == "shop")
    assert shop.initial.on_hand == 42 and shop.integer is True  # S, Poisson demand
    assert (scn.seed, scn.replications, scn.horizon_days, scn.warmup_days) == (9, 3, 50, 5)


def test_same_seed_gives_identical_files_in_separate_processes(cli):
    results, tmp = cli
    _ok(results["b"])
    for f in ("kpis.csv", "summary.csv"):
        assert (tmp / "a" / f).read_bytes() == (tmp / "b" / f).read_bytes(), f


def test_different_seed_gives_different_numbers(cli):
    results, tmp = cli
    _ok(results["other_seed"])
    a = pd.read_csv(tmp / "a" / "kpis.csv")
    c = pd.read_csv(tmp / "cwd" / "results" / "single-retailer" / "kpis.csv")
    assert list(a["metric"]) == list(c["metric"])
    shop_a = a[(a["node"] == "shop") & (a["metric"] == "demand")]["value"].to_numpy()
    shop_c = c[(c["node"] == "shop") & (c["metric"] == "demand")]["value"].to_numpy()
    assert (shop_a != shop_c).any()


def test_default_results_folder_is_results_name(cli):
    results, tmp = cli
    _ok(results["other_seed"])
    folder = tmp / "cwd" / "results" / "single-retailer"
    assert (folder / "kpis.csv").is_file() and (folder / "summary.csv").is_file()
    assert "results" in results["other_seed"].stdout


def test_run_prints_a_summary_table(cli):
    results, _ = cli
    out = results["a"].stdout
    assert "single-retailer: 3 replications" in out
    for node in ("shop", "plant", "network"):
        assert node in out


@pytest.mark.parametrize("name, file", [("bad", "bad.yaml"), ("malformed", "malformed.yaml")])
def test_bad_input_exits_2_with_location_and_writes_nothing(cli, name, file):
    results, tmp = cli
    res = results[name]
    assert res.returncode == 2
    text = res.stdout + res.stderr
    assert "Traceback" not in text
    assert re.search(re.escape(file) + r":\d+:\d+: ", text), text
    assert not (tmp / f"{name}_out").exists() and not (tmp / "mal_out").exists()
    assert not [p for p in tmp.iterdir() if p.name.startswith((".bad_out", ".mal_out"))]


def test_bad_input_names_the_offending_line(cli):
    results, _ = cli
    text = results["bad"].stdout + results["bad"].stderr
    # 'polcy' is on line 9, column 5 of BAD_YAML
    assert re.search(r"bad\.yaml:9:5: .*polcy", text), text


def test_schema_prints_valid_json_schema(cli):
    results, _ = cli
    _ok(results["schema"])
    schema = json.loads(results["schema"].stdout)
    assert schema["type"] == "object"
    for key in ("name", "nodes", "lanes", "horizon_days", "seed"):
        assert key in schema["properties"], key
    assert "name" in schema.get("required", [])


def test_help_lists_the_commands(cli):
    results, _ = cli
    _ok(results["help"])
    for command in ("run", "validate", "schema"):
        assert command in results["help"].stdout
