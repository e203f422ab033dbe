"""Same seed, same numbers: ``kpis.csv`` is byte-identical across Python hash seeds
(``PYTHONHASHSEED`` 0, 1, 12345 and random), and a sweep's across worker counts (1 and 2
processes) and hash seeds (issue 9).

Each hash seed gets a fresh Python process, so the iteration order of sets of strings really
differs between them; the four processes run at once to keep the test short.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAINSIM = [sys.executable, "-m", "chainsim.cli"]
HASH_SEEDS = ["0", "1", "12345", "random"]
# several echelons and every policy type (tests/scenario/helpers.py), written to a file
SEVERAL_NODES = """\
name: several-nodes
horizon_days: 60
warmup_days: 5
replications: 2
seed: 3
nodes:
  - {id: plant, role: manufacturer, infinite_supply: true}
  - {id: dc, role: distributor, policy: {type: sS, s: 40, S: 120, review_days: 2},
     costs: {holding: 0.5, backorder: 5, order: 20}}
  - {id: shop, role: retailer, demand: {dist: negbin, mean: 8, var: 20},
     policy: {type: base_stock, S: 42}, costs: {holding: 1.0, backorder: 19.0}}
  - {id: kiosk, role: retailer, demand: {dist: uniform, low: 1, high: 5},
     policy: {type: rQ, r: 5, Q: 10}, unmet: lost}
  - {id: stall, role: retailer, demand: {dist: poisson, mean: 3},
     policy: {type: base_stock, S: 12}}
lanes:
  - {from: plant, to: dc, lead_time: {dist: gamma, mean: 3, cv: 0.5}}
  - {from: dc, to: shop, lead_time: {dist: constant, value: 1}}
  - {from: dc, to: kiosk, lead_time: {dist: triangular, low: 1, mode: 2, high: 4}}
  - {from: dc, to: stall, lead_time: {dist: constant, value: 2}}
"""
SCENARIOS = {
    "several_nodes": (None, []),
    # consumers ordering through channels, a 3PL, a backup supplier
    "ecommerce_3pl": (ROOT / "scenarios" / "examples" / "ecommerce_3pl.yaml", ["--days", "40"]),
}


# One process per hash seed runs every command in turn (through the Typer app), so that the
# test pays the start-up cost once per hash seed.
DRIVER = """\
import json, sys
from typer.testing import CliRunner
from chainsim.cli import app
for args in json.loads(sys.argv[1]):
    res = CliRunner().invoke(app, args)
    if res.exit_code != 0:
        sys.exit(f"{args}: exit {res.exit_code}\\n{res.output}\\n{res.exception!r}")
"""


def start(commands: list[list], hash_seed: str, cwd: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed, "COLUMNS": "120", "NO_COLOR": "1"}
    args = json.dumps([[str(a) for a in c] for c in commands])
    return subprocess.Popen([sys.executable, "-c", DRIVER, args], cwd=cwd, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> dict:
    """Every run and sweep: {(what, hash seed): results folder}. The sweep runs with 1 worker
    under hash seed 0 and with 2 worker processes under the others."""
    tmp = tmp_path_factory.mktemp("hashseed")
    sweep_dir = tmp / "exp"
    sweep_dir.mkdir()
    base = (ROOT / "scenarios" / "examples" / "single_retailer.yaml").read_text(encoding="utf-8")
    base = re.sub(r"(?m)^horizon_days: .*$", "horizon_days: 60", base)
    (sweep_dir / "single_retailer.yaml").write_text(base, encoding="utf-8")
    (sweep_dir / "sweep.yaml").write_text(
        "base: single_retailer.yaml\nreplications: 3\nseed: 5\nparameters:\n"
        "  nodes.shop.policy.S: [30, 42]\n  lanes.plant->shop.lead_time.value: [2, 3]\n",
        encoding="utf-8")
    (tmp / "several.yaml").write_text(SEVERAL_NODES, encoding="utf-8")
    procs, folders = {}, {}
    for hs in HASH_SEEDS:
        commands = []
        for name, (scenario, extra) in SCENARIOS.items():
            out = folders[(name, hs)] = tmp / f"{name}-{hs}"
            commands.append(["run", scenario or tmp / "several.yaml", "--replications", "2",
                             "--warmup", "5", "--seed", "11", *extra, "--out", out, "-q"])
        workers = 1 if hs == "0" else 2
        out = folders[("sweep", hs)] = tmp / f"sweep-{hs}"
        commands.append(["sweep", sweep_dir / "sweep.yaml", "--workers", workers, "--out", out,
                         "-q"])
        procs[hs] = start(commands, hs, tmp)
    for hs, proc in procs.items():
        out, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, (hs, out, err)
    yield folders
    shutil.rmtree(tmp, ignore_errors=True)


@pytest.mark.parametrize("what", [*SCENARIOS, "sweep"])
def test_kpis_are_byte_identical_across_hash_seeds(outputs, what):
    runs = {key[1]: folder for key, folder in outputs.items() if key[0] == what}
    assert len(runs) == 4
    for table in ("kpis.csv", "summary.csv"):
        texts = {k: (folder / table).read_bytes() for k, folder in runs.items()}
        first = next(iter(texts.values()))
        assert len(first) > 200 and first.count(b"\n") > 5  # a real table
        differ = [k for k, t in texts.items() if t != first]
        assert not differ, f"{what}: {table} differs for {differ} (of {list(texts)})"
