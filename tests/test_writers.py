"""Writers that cannot destroy (issue 14): every command that writes goes through one rule
(``results.claim``), so no command deletes or replaces a file it did not create; user text is
printed as written (no rich markup or emoji codes); a killed sweep leaves no worker running.

Each refusal is exit 2 with one message that names the folder, says why and what to do, and
leaves every file as it was (compared byte for byte)."""

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

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "scenarios" / "examples" / "single_retailer.yaml"
CHAINSIM = [sys.executable, "-m", "chainsim.cli"]
FAST = ["--replications", "2", "--days", "30", "--warmup", "5"]


def chainsim(*args, cwd: Path, home: Path | None = None, env: dict | None = None):
    environment = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", **(env or {})}
    if home is not None:
        environment["HOME"] = str(home)
    return subprocess.run([*CHAINSIM, *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=environment, timeout=180)


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every path under ``folder`` (hidden ones too) -> its bytes (None for a folder)."""
    return {str(p.relative_to(folder)): (None if p.is_dir() else p.read_bytes())
            for p in sorted(folder.rglob("*"))}


def scenario(folder: Path, name: str = "s", **replace: str) -> Path:
    text = EXAMPLE.read_text(encoding="utf-8")
    for old, new in replace.items():
        text = text.replace(old, new)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def refused(res, *pieces: str) -> None:
    assert res.returncode == 2, (res.returncode, res.stdout, res.stderr)
    assert "Traceback" not in res.stdout + res.stderr, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert "choose another --out" in lines[0] or "--resume" in lines[0] or "new" in lines[0]
    for piece in pieces:
        assert piece in lines[0], (piece, lines[0])


# --------------------------------------------------------------------------- run and compare
def test_run_out_an_existing_file_keeps_it_byte_identical(tmp_path):
    scenario(tmp_path)
    notes = tmp_path / "notes.txt"
    notes.write_bytes(b"my notes\n\x00binary")
    before = snapshot(tmp_path)
    res = chainsim("run", "s.yaml", "--out", "notes.txt", *FAST, cwd=tmp_path)
    refused(res, "--out notes.txt", "is a file")
    assert snapshot(tmp_path) == before
    res = chainsim("run", "s.yaml", "--out", "notes.txt/run", *FAST, cwd=tmp_path)
    refused(res, "lies inside notes.txt, which is a file")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("where", [".", "/", "home", "..", "sub/.."])
def test_run_out_current_root_home_or_above_is_refused(tmp_path, where):
    home = tmp_path / "home"
    home.mkdir()
    work = home / "projects" / "work"  # the current folder, inside home
    scenario(work)
    (work / "sub").mkdir()
    before = snapshot(tmp_path)
    target = str(home) if where == "home" else where
    res = chainsim("run", "s.yaml", "--out", target, *FAST, cwd=work, home=home)
    why = {".": "is the current folder", "/": "is the root folder", "home": "is your home folder",
           "..": "holds the current folder", "sub/..": "is the current folder"}[where]
    refused(res, why)
    assert snapshot(tmp_path) == before


def test_run_out_the_folder_of_its_scenario_keeps_the_scenario(tmp_path):
    scenario(tmp_path / "scen")
    (tmp_path / "scen" / "other.txt").write_text("keep", encoding="utf-8")
    before = snapshot(tmp_path)
    res = chainsim("run", "scen/s.yaml", "--out", "scen", *FAST, cwd=tmp_path)
    refused(res, "--out scen", "holds the input scen/s.yaml")
    assert snapshot(tmp_path) == before


def test_compare_out_the_folder_of_its_scenarios_keeps_them(tmp_path):
    scenario(tmp_path / "scen", "a")
    scenario(tmp_path / "scen", "b", **{"name: single-retailer": "name: b"})
    before = snapshot(tmp_path)
    res = chainsim("compare", "scen/a.yaml", "scen/b.yaml", "--out", "scen", *FAST, "-q",
                   cwd=tmp_path)
    refused(res, "--out scen", "holds the input scen/a.yaml")
    assert snapshot(tmp_path) == before
    res = chainsim("compare", "scen", "--out", "scen/..", *FAST, "-q", cwd=tmp_path / "scen")
    refused(res)  # a folder given as input, from inside it
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("foreign", ["notes.md", ".hidden"])
def test_a_folder_with_files_chainsim_did_not_write_is_refused(tmp_path, foreign):
    scenario(tmp_path)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / foreign).write_text("mine", encoding="utf-8")
    before = snapshot(tmp_path)
    res = chainsim("run", "s.yaml", "--out", "out", *FAST, cwd=tmp_path)
    refused(res, "files chainsim did not write", foreign, "remove them")
    assert snapshot(tmp_path) == before


def test_an_empty_folder_is_used_and_a_symlink_refused(tmp_path):
    scenario(tmp_path)
    (tmp_path / "empty").mkdir()
    res = chainsim("run", "s.yaml", "--out", "empty", *FAST, "-q", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "empty" / "kpis.csv").is_file()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "elsewhere")
    res = chainsim("run", "s.yaml", "--out", "link", *FAST, "-q", cwd=tmp_path)
    refused(res, "symbolic link")
    assert (tmp_path / "link").is_symlink() and not any((tmp_path / "elsewhere").iterdir())


def test_an_old_results_folder_of_the_same_kind_is_replaced_unless_a_file_was_added(tmp_path):
    scenario(tmp_path)
    first = chainsim("run", "s.yaml", "--out", "out", *FAST, "--seed", "1", "-q", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    old = (tmp_path / "out" / "kpis.csv").read_bytes()
    written = json.loads((tmp_path / "out" / "manifest.json").read_text())["written"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == written
    again = chainsim("run", "s.yaml", "--out", "out", *FAST, "--seed", "2", "-q", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "out" / "kpis.csv").read_bytes() != old  # replaced: seed 2's numbers
    (tmp_path / "out" / "my_analysis.ipynb").write_text("{}", encoding="utf-8")
    before = snapshot(tmp_path)
    res = chainsim("run", "s.yaml", "--out", "out", *FAST, "-q", cwd=tmp_path)
    refused(res, "my_analysis.ipynb")
    assert snapshot(tmp_path) == before


def test_default_folders_obey_the_rule(tmp_path):
    scenario(tmp_path)
    scenario(tmp_path, "b", **{"name: single-retailer": "name: b"})
    default_run = tmp_path / "results" / "single-retailer"
    default_run.mkdir(parents=True)
    (default_run / "thesis.tex").write_text("chapter 1", encoding="utf-8")
    default_compare = tmp_path / "results" / "compare-s_vs_b"
    default_compare.parent.mkdir(exist_ok=True)
    default_compare.write_text("a file where the folder would go", encoding="utf-8")
    before = snapshot(tmp_path)
    refused(chainsim("run", "s.yaml", *FAST, cwd=tmp_path), "results/single-retailer",
            "thesis.tex")
    refused(chainsim("compare", "s.yaml", "b.yaml", *FAST, cwd=tmp_path),
            "results/compare-s_vs_b", "is a file")
    assert snapshot(tmp_path) == before


# --------------------------------------------------------------------------- sweep, play, rerun
SWEEP = """\
base: s.yaml
replications: 2
design: grid
parameters:
  nodes.shop.policy.S: [30, 40]
"""


def sweep_file(folder: Path) -> Path:
    scenario(folder, **{"horizon_days: 3650": "horizon_days: 30"})
    path = folder / "sweep.yaml"
    path.write_text(SWEEP, encoding="utf-8")
    return path


def test_folders_of_another_kind_are_refused_in_both_directions(tmp_path):
    """Decided: a writer replaces only a folder of its own kind (a sweep may hold hours of work;
    a run given its --out by mistake must not replace it, nor a sweep a run's folder)."""
    sweep_file(tmp_path)
    assert chainsim("sweep", "sweep.yaml", "--out", "sw", "--workers", "1", "-q",
                    cwd=tmp_path).returncode == 0
    assert chainsim("run", "s.yaml", "--out", "run", "-q", cwd=tmp_path).returncode == 0
    before = snapshot(tmp_path)
    refused(chainsim("run", "s.yaml", "--out", "sw", "-q", cwd=tmp_path),
            "results folder of a chainsim sweep", "a run does not replace")
    refused(chainsim("sweep", "sweep.yaml", "--out", "run", "--resume", "-q", cwd=tmp_path),
            "results folder of a chainsim run")
    refused(chainsim("compare", "s.yaml", "s.yaml", "--out", "run", "-q", cwd=tmp_path),
            "a compare does not replace")
    assert snapshot(tmp_path) == before


def test_sweep_resumes_only_its_own_kind_and_never_into_foreign_files(tmp_path):
    sweep_file(tmp_path)
    assert chainsim("sweep", "sweep.yaml", "--out", "sw", "--workers", "1", "-q",
                    cwd=tmp_path).returncode == 0
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "data.csv").write_text("1,2\n", encoding="utf-8")
    before = snapshot(tmp_path)
    refused(chainsim("sweep", "sweep.yaml", "--out", "sw", "-q", cwd=tmp_path),
            "already holds a chainsim sweep", "--resume")
    refused(chainsim("sweep", "sweep.yaml", "--out", "mine", "--resume", "-q", cwd=tmp_path),
            "data.csv")
    refused(chainsim("sweep", "sweep.yaml", "--out", ".", "-q", cwd=tmp_path),
            "current folder")
    assert snapshot(tmp_path) == before
    res = chainsim("sweep", "sweep.yaml", "--out", "sw", "--resume", "-q", cwd=tmp_path)
    assert res.returncode == 0, res.stderr


def test_play_out_obeys_the_rule_and_reuses_its_own_folder(tmp_path):
    beer = ROOT / "scenarios" / "teaching" / "beer_game.yaml"
    shutil.copy(beer, tmp_path / "beer.yaml")
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "game.csv").write_text("my own game.csv", encoding="utf-8")
    before = snapshot(tmp_path)
    play = ["play", "beer.yaml", "--weeks", "3"]
    refused(chainsim(*play, "--out", "notes", cwd=tmp_path), "game.csv")
    refused(chainsim(*play, "--out", ".", cwd=tmp_path), "current folder")
    assert snapshot(tmp_path) == before
    for _ in range(2):  # the second game replaces the first's files in the same folder
        res = subprocess.run([*CHAINSIM, *play, "--out", "game"], input="4\n4\n4\n", text=True,
                             capture_output=True, cwd=tmp_path, timeout=180)
        assert res.returncode == 0, res.stderr
    assert json.loads((tmp_path / "game" / "manifest.json").read_text())["kind"] == "play"
    assert (tmp_path / "game" / "game.csv").is_file()


def test_rerun_out_must_be_new_or_empty_and_not_the_folder_repeated(tmp_path):
    scenario(tmp_path)
    assert chainsim("run", "s.yaml", "--out", "out", *FAST, "-q", cwd=tmp_path).returncode == 0
    assert chainsim("run", "s.yaml", "--out", "old", *FAST, "-q", cwd=tmp_path).returncode == 0
    before = snapshot(tmp_path)
    refused(chainsim("rerun", "out", "--out", "out", cwd=tmp_path), "holds the input out")
    refused(chainsim("rerun", "out", "--out", "old", cwd=tmp_path), "new or empty folder")
    refused(chainsim("rerun", "out", "--out", "s.yaml", cwd=tmp_path), "is a file")
    assert snapshot(tmp_path) == before
    res = chainsim("rerun", "out", "--out", "again", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "again" / "kpis.csv").read_bytes() == (tmp_path / "out" / "kpis.csv"
                                                             ).read_bytes()


def test_replace_checks_again_just_before_renaming(tmp_path):
    """A user file dropped into the old folder while the new one is being written is not lost:
    the replace refuses (OutputError), the old folder and the file stay."""
    from chainsim.results.atomic import atomic_folder
    from chainsim.results.claim import OutputError, check_output
    from chainsim.results.manifest import manifest, write_manifest

    target = tmp_path / "out"
    for _ in range(2):  # the first makes a chainsim folder, the second replaces it
        check_output(target, "run")
        with atomic_folder(target) as tmp:
            write_manifest(tmp, manifest("run", "test"))
            (tmp / "kpis.csv").write_text("x\n", encoding="utf-8")
    check_output(target, "run")
    with pytest.raises(OutputError, match="late.txt"):
        with atomic_folder(target) as tmp:
            write_manifest(tmp, manifest("run", "test"))
            (target / "late.txt").write_text("written meanwhile", encoding="utf-8")
    assert (target / "late.txt").read_text(encoding="utf-8") == "written meanwhile"
    assert (target / "kpis.csv").is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no temporary folder left


# --------------------------------------------------------------------------- text as written
MARKUP_NAMES = ["[bold]x[/]", "a[/]b", "[red]x", "sh:x:op :smile:"]


@pytest.mark.parametrize("name", MARKUP_NAMES)
def test_run_and_compare_print_markup_and_emoji_codes_literally(tmp_path, name):
    node = f"[red]{name}:x:"
    scenario(tmp_path, "a", **{"name: single-retailer": f"name: '{name}'",
                               "id: shop": f"id: '{node}'", "to: shop": f"to: '{node}'"})
    scenario(tmp_path, "b", **{"name: single-retailer": "name: plain",
                               "id: shop": f"id: '{node}'", "to: shop": f"to: '{node}'"})
    env = {"FORCE_TERMINAL": "1"}  # draw the progress bar too, as in a terminal
    res = chainsim("run", "a.yaml", "--out", "r", *FAST, cwd=tmp_path, env=env)
    assert res.returncode == 0, res.stderr
    assert name in res.stdout and node in res.stdout
    res = chainsim("compare", "a.yaml", "b.yaml", "--out", "c", *FAST, "--baseline", name,
                   cwd=tmp_path, env=env)
    assert res.returncode == 0, res.stderr
    assert name in res.stdout
    assert "❌" not in res.stdout + res.stderr and "😄" not in res.stdout + res.stderr


def test_messages_show_emoji_codes_as_written(tmp_path):
    scenario(tmp_path, **{"to: shop": "to: 'sh:x:op'"})
    res = chainsim("validate", "s.yaml", cwd=tmp_path)
    assert res.returncode == 2
    assert "'sh:x:op'" in res.stderr and "❌" not in res.stderr
    res = chainsim("run", "s.yaml", "--timeseries", "[/]:x:", cwd=tmp_path)
    assert res.returncode == 2 and "'[/]:x:'" in res.stderr, res.stderr


# --------------------------------------------------------------------------- processes
def test_sigkilled_sweep_leaves_no_worker_running(tmp_path):
    psutil = pytest.importorskip("psutil")
    scenario(tmp_path, **{"horizon_days: 3650": "horizon_days: 400"})
    path = tmp_path / "sweep.yaml"
    path.write_text(SWEEP.replace("[30, 40]", str(list(range(20, 52)))).replace(
        "replications: 2", "replications: 1"), encoding="utf-8")
    proc = subprocess.Popen([*CHAINSIM, "sweep", str(path), "--out", str(tmp_path / "sw"),
                             "--workers", "2", "-q"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        parts = tmp_path / "sw" / "parts"
        while (not parts.exists() or not any(parts.glob("*.csv"))) and proc.poll() is None \
                and time.monotonic() < deadline:
            time.sleep(0.01)
        assert proc.poll() is None, "the sweep ended before it could be killed"
        workers = psutil.Process(proc.pid).children(recursive=True)
        assert workers, "no pool worker found"
        proc.send_signal(signal.SIGKILL)  # the sweep only, not its process group
        proc.wait(timeout=10)

        def running():
            alive = []
            for w in workers:
                try:
                    if w.status() != psutil.STATUS_ZOMBIE:
                        alive.append(w.pid)
                except psutil.NoSuchProcess:
                    pass
            return alive

        deadline = time.monotonic() + 5
        while running() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not running(), f"workers still running 5 s after the sweep was killed: {running()}"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # whatever is left of the group
        except ProcessLookupError:
            pass
        proc.wait()


def test_interrupted_dask_sweep_leaves_no_task_on_the_cluster(tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    from chainsim.engine.run import resolve
    from chainsim.experiments.sweep import execute, plan_tasks

    scenarios = [resolve(EXAMPLE, replications=40, days=400)] * 2
    tasks = plan_tasks(len(scenarios), 40)  # 32 tasks of a few replications each

    def interrupt(task, rows):
        raise KeyboardInterrupt  # as Ctrl-C does, once the first task is handed over

    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster, timeout=30) as watcher:
        outcome = {}

        def sweep():
            try:
                execute(scenarios, tasks, scheduler=cluster.scheduler_address, done=interrupt)
            except BaseException as exc:  # noqa: BLE001 - checked below
                outcome["raised"] = exc

        thread = threading.Thread(target=sweep, daemon=True)
        thread.start()
        thread.join(timeout=120)
        assert isinstance(outcome.get("raised"), KeyboardInterrupt), outcome

        def left(dask_scheduler):
            return [str(key) for key, state in dask_scheduler.tasks.items()
                    if "run_task" in str(key)]

        deadline = time.monotonic() + 5
        while watcher.run_on_scheduler(left) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not watcher.run_on_scheduler(left), "tasks kept on the cluster after Ctrl-C"
        assert not any(watcher.processing().values())
