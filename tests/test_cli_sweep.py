"""chainsim sweep end to end: bad input, and a sweep killed part-way that resumes to the exact
table of an uninterrupted run."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
CHAINSIM = [sys.executable, "-m", "chainsim.cli"]

SWEEP = """\
base: {base}
replications: 4
design: grid
parameters:
  nodes.shop.policy.S: [30, 34, 38, 42, 46, 50, 54, 58]
  lanes.plant->shop.lead_time.value: [2, 3]
metrics: [total_cost, fill_rate]
"""


def write_sweep(tmp_path, **edits):
    shutil.copy(ROOT / "scenarios" / "examples" / "single_retailer.yaml", tmp_path)
    text = SWEEP.format(base="single_retailer.yaml")  # next to the sweep file (paths.py)
    for old, new in edits.items():
        text = text.replace(old, new)
    path = tmp_path / "sweep.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def run(args, **kw):
    return subprocess.run([*CHAINSIM, *map(str, args)], capture_output=True, text=True,
                          cwd=kw.pop("cwd", None), timeout=300, **kw)


def test_bad_sweep_file_exits_2_with_positions(tmp_path):
    path = write_sweep(tmp_path, **{"nodes.shop.policy.S": "nodes.shpo.policy.S"})
    res = run(["sweep", path, "--out", tmp_path / "out", "-q"])
    assert res.returncode == 2
    assert f"{path}:5:3:" in res.stderr and "shop" in res.stderr
    assert "Traceback" not in res.stderr + res.stdout
    assert not (tmp_path / "out").exists()


def test_killed_sweep_resumes_to_the_uninterrupted_table(tmp_path):
    path = write_sweep(tmp_path)
    whole = run(["sweep", path, "--out", tmp_path / "whole", "--workers", "1", "-q"])
    assert whole.returncode == 0, whole.stderr
    cut = tmp_path / "cut"
    proc = subprocess.Popen([*CHAINSIM, "sweep", str(path), "--out", str(cut), "--workers", "1",
                             "-q"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline:  # kill it once a few tasks have finished
        if len(list((cut / "parts").glob("*.csv"))) >= 3 if (cut / "parts").exists() else False:
            break
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    finished = len(list((cut / "parts").glob("*.csv")))
    assert 3 <= finished < 64, finished  # really interrupted part-way
    assert not (cut / "kpis.csv").exists()
    again = run(["sweep", path, "--out", cut, "--workers", "2", "--resume", "-q"])
    assert again.returncode == 0, again.stderr
    a = pd.read_csv(tmp_path / "whole" / "kpis.csv")
    b = pd.read_csv(cut / "kpis.csv")
    pd.testing.assert_frame_equal(a, b)
    assert not b.duplicated(["point", "replication", "node", "metric"]).any()
    shutil.rmtree(cut)
