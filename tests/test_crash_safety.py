"""Crash safety (issue 9): results are written whole or not at all, and a sweep whose workers die
loses no finished task.

- ``chainsim run`` killed (SIGKILL) at moments spread over its run, including while it writes:
  the results folder is then absent or complete (the files of an uninterrupted run, byte for
  byte, every CSV with its rows), and the next run to the same ``--out`` succeeds and leaves no
  temporary folder behind.
- ``chainsim sweep`` whose local pool worker is killed: exit 1 with one message, the finished
  parts kept, and ``--resume`` gives exactly the uninterrupted table.
- A sweep on a Dask LocalCluster whose worker process is killed mid-sweep: Dask reruns its tasks
  (or the sweep fails cleanly and ``resume`` finishes it) and the table is the uninterrupted one.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from chainsim.results.write import parquet_available

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "scenarios" / "examples" / "single_retailer.yaml"
CHAINSIM = [sys.executable, "-m", "chainsim.cli"]
RUN_ARGS = ["--replications", "4", "--timeseries", "all", "-q"]  # ~0.4 s of writing


def _files(folder: Path) -> dict[str, bytes]:
    """Relative path -> content; manifest.json only parsed (it may name times or hosts)."""
    files = {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
             if p.is_file()}
    if "manifest.json" in files:
        files["manifest.json"] = json.dumps(sorted(json.loads(files["manifest.json"]))).encode()
    return files


def _rows(path: Path) -> int:
    return len(pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path))


def _temporaries(parent: Path, name: str) -> list[str]:
    return [p.name for p in parent.iterdir() if p.name.startswith(f".{name}.")]


def _start_run(out: Path) -> tuple[subprocess.Popen, float]:
    proc = subprocess.Popen([*CHAINSIM, "run", str(EXAMPLE), "--out", str(out), *RUN_ARGS],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    return proc, time.monotonic()


def _kill(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def _writing(out: Path, pid: int) -> bool:
    """Whether process ``pid`` has begun writing ``out`` (its temporary folder is there)."""
    return any(f"-{pid}-" in name for name in _temporaries(out.parent, out.name))


def test_run_killed_at_any_moment_leaves_a_complete_folder_or_none(tmp_path):
    # an uninterrupted run, timed: when its temporary folder appears (writing starts) and ends
    ref_dir = tmp_path / "ref"
    proc, t0 = _start_run(ref_dir)
    write_start = None
    while proc.poll() is None:
        if write_start is None and _writing(ref_dir, proc.pid):
            write_start = time.monotonic() - t0
        time.sleep(0.002)
    total = time.monotonic() - t0
    assert proc.returncode == 0, proc.stderr.read().decode()
    reference = _files(ref_dir)
    series = "timeseries.parquet" if parquet_available() else "timeseries.csv"
    assert {"kpis.csv", "summary.csv", "scenario.resolved.yaml", series} <= set(reference)
    rows = {name: _rows(ref_dir / name) for name in reference if name.endswith((".csv",
                                                                              ".parquet"))}
    assert all(rows.values()), rows
    write_start = write_start if write_start is not None else total * 0.8
    writing = max(total - write_start, 0.05)

    out = tmp_path / "out"
    # four moments while it starts and simulates, four while it writes (from the moment its
    # temporary folder appears: that run's own writing, however loaded the machine)
    moments = [("after", write_start * f) for f in (0.1, 0.35, 0.6, 0.85)]
    moments += [("writing", writing * f) for f in (0.0, 0.15, 0.3, 0.6)]
    outcomes, cut_while_writing = [], 0
    for i, (kind, delay) in enumerate(moments):
        shutil.rmtree(out, ignore_errors=True)
        if i % 2:  # every other kill finds the folder of an earlier run to replace
            shutil.copytree(ref_dir, out)
        proc, t0 = _start_run(out)
        if kind == "writing":
            while proc.poll() is None and not _writing(out, proc.pid) and \
                    time.monotonic() - t0 < 60:
                time.sleep(0.002)
        time.sleep(delay)
        _kill(proc)
        if out.exists():
            assert _files(out) == reference, f"kill {i} ({kind} +{delay:.2f}s): folder differs"
            for name, n in rows.items():
                assert _rows(out / name) == n, (i, name)
        outcomes.append(out.exists())
        cut_while_writing += _writing(out, proc.pid)
    assert not all(outcomes), "no kill left the folder absent"
    assert cut_while_writing, "no kill landed while the folder was being written"

    again = subprocess.run([*CHAINSIM, "run", str(EXAMPLE), "--out", str(out), *RUN_ARGS],
                           capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert _files(out) == reference
    assert not _temporaries(tmp_path, "out"), "temporary folders of killed runs were left"


SWEEP = """\
base: base.yaml
replications: 4
design: grid
parameters:
  nodes.shop.policy.S: [30, 34, 38, 42, 46, 50, 54, 58]
metrics: [total_cost, fill_rate]
"""


def _sweep(args, **kw):
    return subprocess.run([*CHAINSIM, "sweep", *map(str, args)], capture_output=True, text=True,
                          timeout=180, **kw)


def _parts(out: Path) -> int:
    return len(list((out / "parts").glob("*.csv"))) if (out / "parts").exists() else 0


def test_sweep_whose_pool_worker_dies_fails_cleanly_then_resumes_exactly(tmp_path):
    psutil = pytest.importorskip("psutil")
    base = EXAMPLE.read_text(encoding="utf-8").replace("horizon_days: 3650", "horizon_days: 500")
    (tmp_path / "base.yaml").write_text(base, encoding="utf-8")
    path = tmp_path / "sweep.yaml"
    path.write_text(SWEEP, encoding="utf-8")  # 32 tasks of one replication of 500 days
    from chainsim.experiments.sweep import run_sweep
    from chainsim.experiments.sweepfile import load_sweep

    run_sweep(load_sweep(path), tmp_path / "whole", workers=1)  # the uninterrupted table

    cut = tmp_path / "cut"
    proc = subprocess.Popen([*CHAINSIM, "sweep", str(path), "--out", str(cut), "--workers", "2",
                             "-q"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while _parts(cut) < 2 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        workers = [c for c in psutil.Process(proc.pid).children(recursive=True)
                   if "resource_tracker" not in " ".join(c.cmdline())]
        assert workers, "no pool worker found"
        killed_at = _parts(cut)
        os.kill(workers[0].pid, signal.SIGKILL)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 1, err
    assert "a worker process died" in err and "--resume" in err, err
    assert "Traceback" not in err + out and len(err.strip().splitlines()) == 1, err
    finished = _parts(cut)
    assert killed_at <= finished < 32, finished  # kept what finished, really interrupted
    assert not (cut / "kpis.csv").exists()

    again = _sweep([path, "--out", cut, "--workers", "2", "--resume", "-q"])
    assert again.returncode == 0, again.stderr
    expected = sorted((tmp_path / "whole" / "kpis.csv").read_text().splitlines())
    assert sorted((cut / "kpis.csv").read_text().splitlines()) == expected


def _dask_sweep(points=(30, 38, 46, 54), replications=6):
    from chainsim.engine.run import resolve

    base = resolve(EXAMPLE, replications=replications, days=800)
    scenarios = []
    for s in points:
        raw = base.model_dump(by_alias=True)
        raw["nodes"][1]["policy"]["S"] = s
        scenarios.append(resolve(raw))
    return SimpleNamespace(file="sweep.yaml", base_path=EXAMPLE, design="grid",
                           parameters=["nodes.shop.policy.S"],
                           points=[{"nodes.shop.policy.S": s} for s in points],
                           replications=replications, metrics=None, scenarios=scenarios)


def test_dask_worker_killed_mid_sweep_still_gives_the_uninterrupted_table(tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    from chainsim.experiments.sweep import WorkerDied, run_sweep

    sweep = _dask_sweep()  # 24 tasks of one replication of 800 days
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, death_timeout=30) as cluster, \
            distributed.Client(cluster, timeout=30) as client:
        address = cluster.scheduler_address
        whole, _ = run_sweep(sweep, tmp_path / "whole", scheduler=address)
        pids = client.run(os.getpid)  # worker address -> pid (the nanny restarts a dead one)
        cut = tmp_path / "cut"
        outcome = {}

        def sweep_in_background():
            try:
                outcome["kpis"] = run_sweep(sweep, cut, scheduler=address)[0]
            except WorkerDied as exc:
                outcome["died"] = exc
            except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
                outcome["error"] = exc

        thread = threading.Thread(target=sweep_in_background, daemon=True)
        thread.start()
        deadline = time.monotonic() + 60
        while _parts(cut) < 2 and thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.005)
        killed_at = _parts(cut)
        os.kill(next(iter(pids.values())), signal.SIGKILL)
        thread.join(timeout=90)
        assert not thread.is_alive(), "the sweep hung after its worker died"
        assert "error" not in outcome, repr(outcome.get("error"))
        assert killed_at < len(sweep.points) * sweep.replications, "killed after the sweep"
        if "died" in outcome:  # failed cleanly: resume finishes it
            assert "--resume" in str(outcome["died"])
            outcome["kpis"] = run_sweep(sweep, cut, scheduler=address, resume=True)[0]
    pd.testing.assert_frame_equal(outcome["kpis"], whole)
    assert sorted((cut / "kpis.csv").read_text().splitlines()) == \
        sorted((tmp_path / "whole" / "kpis.csv").read_text().splitlines())
