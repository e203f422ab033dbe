"""Issue 14, class 2: work that would hang or fill the memory is refused before it starts.

The command line estimates a run's total work and memory (scenario/limits.py) and refuses a run
over the limits at the line of its biggest part, with the estimate and --allow-large; input
files are read only if they are regular files of bounded size (a FIFO does not block);
YAML aliases and the extends: merge cannot blow a small file up. Every refusal here answers in
well under 5 s and writes nothing.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

import chainsim
from chainsim.cli import app
from chainsim.errors import ScenarioError
from chainsim.experiments.sweepfile import load_sweep
from chainsim.scenario import limits
from chainsim.scenario.limits import estimate, over_limits
from chainsim.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SINGLE = ROOT / "scenarios" / "examples" / "single_retailer.yaml"
BEER = ROOT / "scenarios" / "teaching" / "beer_game.yaml"
FAST = 5.0  # seconds: every bad input answers within this (issue 14)
EXE = Path(sys.executable).with_name("chainsim")
CMD = [str(EXE)] if EXE.exists() else [sys.executable, "-m", "chainsim.cli"]

RETAILER = """\
name: t
horizon_days: {days}
replications: {reps}
nodes:
  - {{id: plant, role: manufacturer, infinite_supply: true}}
  - id: shop
    role: retailer
    demand: {demand}
    policy: {policy}
{initial}lanes:
  - {{from: plant, to: shop, lead_time: {lead}}}
"""
THREE_PL = """\
name: t
horizon_days: {days}
replications: {reps}
nodes:
  - {{id: maker, role: manufacturer, infinite_supply: true}}
  - id: fc
    role: 3pl
    policy: {{type: sS, s: 1000, S: 1700}}
    orders: {{per_day: {per_day}}}
    shipping: [{{method: standard, transit_days: {{dist: constant, value: 2}}, cost_per_parcel: 5}}]
lanes:
  - {{from: maker, to: fc, lead_time: {{dist: constant, value: 4}}}}
"""


def retailer(path: Path, *, days=365, reps=10, demand="{dist: poisson, mean: 8}",
             policy="{type: base_stock, S: 42}", initial="",
             lead="{dist: constant, value: 3}") -> Path:
    path.write_text(RETAILER.format(days=days, reps=reps, demand=demand, policy=policy,
                                    initial=initial, lead=lead), encoding="utf-8")
    return path


def cli(*args, cwd: Path | None = None) -> tuple[int, str, float]:
    """Exit code, stderr and seconds of one command through the Typer app."""
    start = time.perf_counter()
    res = CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "300", "NO_COLOR": "1"})
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    return res.exit_code, res.stderr, time.perf_counter() - start


def refused(text: str, where: str) -> str:
    """The one message line, which must name ``where`` (FILE:LINE:COL or the option) first."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    assert len(lines) == 1, text
    assert lines[0].startswith(where), lines[0]
    assert "Traceback" not in text
    return lines[0]


# --------------------------------------------------------------------------- the estimate
def test_the_estimate_is_the_sum_of_its_parts_and_grows_with_each_factor():
    scn = load_scenario(SINGLE)
    one = estimate(scn, replications=1)
    assert one.seconds == pytest.approx(sum(p.seconds for p in one.parts))
    ten = estimate(scn, replications=10)
    assert ten.seconds == pytest.approx(10 * one.seconds, rel=0.05)  # replications multiply
    longer = estimate(scn, replications=1, days=10 * scn.horizon_days, warmup=0)
    assert longer.seconds > 5 * one.seconds  # so do days
    assert longer.bytes > one.bytes  # the time series of the first replication grows with them


def test_the_shipped_scenarios_are_within_the_limits():
    for path in sorted((ROOT / "scenarios").rglob("*.yaml")):
        from chainsim.scenario.load import is_base_file, load_raw, parse_scenario

        raw = load_raw(path)
        if is_base_file(raw):
            continue
        scn = parse_scenario(raw, str(path))
        assert over_limits(scn, raw, str(path)) == ([], []), path


def test_the_estimate_is_of_the_right_size_for_consumer_orders(tmp_path):
    """A 3PL's orders cost about 80 µs each: 1 000 a day over 100 days is about 8 s."""
    f = tmp_path / "o.yaml"
    f.write_text(THREE_PL.format(days=100, reps=1, per_day=1000), encoding="utf-8")
    est = estimate(load_scenario(f))
    biggest = max(est.parts, key=lambda p: p.seconds)
    assert "orders.per_day 1000 × 100 days × 1 replication ≈ 100.0 k consumer orders" == biggest.what
    assert 4 < est.seconds < 16


# --------------------------------------------------------------------------- refusals
@pytest.mark.parametrize("command", ["validate", "run"])
def test_orders_a_day_are_refused_at_their_line_with_the_estimate(tmp_path, command):
    f = tmp_path / "o.yaml"
    f.write_text(THREE_PL.format(days=3650, reps=10, per_day=1000000), encoding="utf-8")
    out = tmp_path / "out"
    args = ["validate", f] if command == "validate" else ["run", f, "--out", out, "-q"]
    code, err, took = cli(*args)
    assert code == 2 and took < FAST
    line = refused(err, f"{f}:9:14: orders.per_day 1000000 × 3650 days × 10 replications ≈ "
                        "36.5 G consumer orders ≈ ")
    assert line.endswith("(limit: 10 minutes); lower it or pass --allow-large to run it anyway")
    assert not out.exists()


@pytest.mark.parametrize("case, where, piece", [
    (dict(policy="{type: forecast_out, method: moving_average, window: 300000000}"),
     ":9:58: policy.window 300,000,000 days × 10 replications ≈ ", "minutes (limit: 10 minutes)"),
    (dict(policy="{type: forecast_out, method: moving_average, window: 600000000}", reps=1),
     ":9:58: policy.window 600,000,000 days × 1 replication ≈ 4.6 GiB of memory", "(limit: 4.0 GiB)"),
    (dict(days=90000, reps=9000), ":3:1: 2 nodes × 90000 days × 9000 replications ≈ 1.6 G "
     "node-days", "hours (limit: 10 minutes)"),
])
def test_each_part_of_the_work_is_refused_where_it_is_set(tmp_path, case, where, piece):
    # A long initial pipeline needs a lead time as long; a lead time longer than the run is
    # refused by the ranges (bad inputs 182, 186, 187, 201), so its work stays under node-days.
    f = retailer(tmp_path / "s.yaml", **case)
    out = tmp_path / "out"
    code, err, took = cli("run", f, "--out", out, "-q")
    assert code == 2 and took < FAST
    assert piece in refused(err, f"{f}{where}")
    assert not out.exists()
    assert cli("validate", f, "--allow-large")[0] == 0  # the file itself is right


def test_command_line_settings_that_multiply_are_named(tmp_path):
    out = tmp_path / "out"
    code, err, took = cli("run", SINGLE, "--days", 90000, "--replications", 9000, "--out", out)
    assert code == 2 and took < FAST
    line = refused(err, "--replications 9000: 2 nodes × 90100 days × 9000 replications")
    assert "--allow-large" in line and "hours" in line
    assert not out.exists()


def test_allow_large_lets_a_large_but_quick_run_through(tmp_path, monkeypatch):
    """With the time limit lowered, an ordinary run is 'large': refused, then run with the flag."""
    monkeypatch.setattr(limits, "MAX_SECONDS", 1e-6)
    f = retailer(tmp_path / "s.yaml", days=50, reps=2)
    out = tmp_path / "out"
    code, err, _ = cli("run", f, "--out", out, "-q")
    assert code == 2 and "(limit: 0 seconds)" in refused(err, f"{f}:")
    assert not out.exists()
    code, err, _ = cli("run", f, "--out", out, "-q", "--allow-large")
    assert code == 0, err
    assert (out / "kpis.csv").is_file()
    assert chainsim.simulate(f).kpis.shape[0] > 0  # the Python API is not limited


def test_a_sweep_whose_points_add_up_is_refused(tmp_path):
    values = ", ".join(str(v) for v in range(20, 420))
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(f"base: {SINGLE}\nreplications: 100\ndesign: grid\nparameters:\n"
                     f"  nodes.shop.policy.S: [{values}]\n", encoding="utf-8")
    out = tmp_path / "out"
    code, err, took = cli("sweep", sweep, "--out", out, "-q")
    assert code == 2 and took < FAST
    line = refused(err, f"{sweep}:4:1: the sweep's 400 points ≈ ")
    assert "(each ≈ 8 seconds; limit: 10 minutes)" in line and "--allow-large" in line
    assert not out.exists()


@pytest.mark.parametrize("weeks, piece", [
    (100_000_000, "--weeks 100000000 is more than the limit of 100,000 weeks; play fewer weeks"),
])
def test_play_weeks_are_bounded(tmp_path, weeks, piece):
    out = tmp_path / "out"
    start = time.perf_counter()
    res = CliRunner().invoke(app, ["play", str(BEER), "--weeks", str(weeks), "--out", str(out)],
                             input="", env={"COLUMNS": "300", "NO_COLOR": "1"})
    assert time.perf_counter() - start < FAST
    assert res.exit_code == 2 and piece in res.stderr
    assert not out.exists()


# --------------------------------------------------------------------------- files
def _run_process(args: list, cwd: Path) -> subprocess.CompletedProcess:
    """A real process (a FIFO would block it, not the test: the timeout catches that)."""
    return subprocess.run(CMD + [str(a) for a in args], cwd=cwd, capture_output=True, text=True,
                          timeout=30, env={**os.environ, "COLUMNS": "300", "NO_COLOR": "1"})


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "demand.csv"
    os.mkfifo(fifo)
    f = retailer(tmp_path / "s.yaml", demand="{dist: empirical, csv: demand.csv}")
    pipe_yaml = tmp_path / "pipe.yaml"
    os.mkfifo(pipe_yaml)
    start = time.perf_counter()
    csv_run = _run_process(["run", f, "--out", tmp_path / "out", "-q"], tmp_path)
    yaml_run = _run_process(["validate", pipe_yaml], tmp_path)
    assert time.perf_counter() - start < 2 * FAST
    assert csv_run.returncode == 2, csv_run.stderr
    assert refused(csv_run.stderr, f"{f}:8:31: cannot use csv {fifo}: it is a named pipe "
                   "(FIFO), not a regular file; give a file with one number per line")
    assert yaml_run.returncode == 2
    assert refused(yaml_run.stderr, f"{pipe_yaml}: cannot read file: it is a named pipe (FIFO)")
    assert not (tmp_path / "out").exists()


def test_dev_zero_and_folders_are_refused(tmp_path):
    zero = retailer(tmp_path / "z.yaml", demand="{dist: empirical, csv: /dev/zero}")
    code, err, took = cli("validate", "--allow-outside-paths", zero)
    assert code == 2 and took < FAST
    refused(err, f"{zero}:8:31: cannot use csv /dev/zero: it is a device, not a regular file")
    code, err, _ = cli("validate", "/dev/zero")
    assert code == 2 and refused(err, "/dev/zero: cannot read file: it is a device")
    base = tmp_path / "base.yaml"
    base.mkdir()
    child = tmp_path / "child.yaml"
    child.write_text("extends: base.yaml\nname: c\n", encoding="utf-8")
    code, err, _ = cli("validate", child)
    assert code == 2 and "which is a folder, not a file" in refused(err, f"{child}:1:1:")


def test_files_over_the_size_limit_are_refused_unread(tmp_path):
    big = tmp_path / "big.yaml"
    with big.open("wb") as fh:  # a sparse file: no disk space, but 60 MiB as far as size goes
        fh.truncate(60 * 1024 * 1024)
    code, err, took = cli("validate", big)
    assert code == 2 and took < FAST
    refused(err, f"{big}: cannot read file: it is larger than 4 MiB, the limit for this kind of "
            "input file; give a regular file of at most 4 MiB")
    csv = tmp_path / "big.csv"
    with csv.open("wb") as fh:
        fh.truncate(60 * 1024 * 1024)
    f = retailer(tmp_path / "s.yaml", demand="{dist: empirical, csv: big.csv}")
    code, err, took = cli("validate", f)
    assert code == 2 and took < FAST and "larger than 10 MiB" in refused(err, f"{f}:8:31:")


# --------------------------------------------------------------------------- aliases, extends
def _alias_lists(first: str, depth: int = 9) -> str:
    items = [f"&a0 {first}"] + [f"&a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]"
                                for i in range(1, depth)]
    return "".join(f"    - {item}\n" for item in items)


def test_a_sweep_file_with_an_alias_bomb_is_refused_quickly(tmp_path):
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(f"base: {SINGLE}\ndesign: grid\nparameters:\n  nodes.shop.policy.S:\n"
                     + _alias_lists("[30, 31, 32, 33, 34, 35, 36, 37, 38]"), encoding="utf-8")
    start = time.perf_counter()
    with pytest.raises(ScenarioError) as info:
        load_sweep(sweep)
    assert time.perf_counter() - start < FAST
    assert f"{sweep}:11:7: this value stands for more than 1,000,000 values once its aliases" \
        in str(info.value)


def test_aliases_that_stay_small_are_fine(tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text(retailer(tmp_path / "r.yaml").read_text(encoding="utf-8").replace(
        "demand: {dist: poisson, mean: 8}", "demand: &d {dist: poisson, mean: 8}")
        + "description: shared\n", encoding="utf-8")
    assert load_scenario(f).nodes[1].demand.mean == 8


def _nested(tag: str, n: int) -> str:
    lines = [f"  - &{tag}0 {{a: 1, b: 2}}"]
    lines += [f"  - &{tag}{i} {{x: *{tag}{i - 1}, y: *{tag}{i - 1}}}" for i in range(1, n)]
    return "\n".join(lines) + "\n"


def test_an_extends_merge_that_writes_out_aliases_is_refused_at_the_extends_line(tmp_path):
    """Each file is small and within the alias limit; merged, every shared mapping is copied."""
    (tmp_path / "base.yaml").write_text("name: b\nanchors:\n" + _nested("m", 16)
                                        + "market: *m15\n", encoding="utf-8")
    child = tmp_path / "child.yaml"
    child.write_text("name: c\nanchors:\n" + _nested("c", 16) + "market: *c15\n"
                     "extends: base.yaml\n", encoding="utf-8")
    start = time.perf_counter()
    with pytest.raises(ScenarioError) as info:
        load_scenario(child)
    assert time.perf_counter() - start < FAST
    assert str(info.value).startswith(f"{child}:20:1: merging this file over base.yaml writes "
                                      "out more than 100,000 keys")


MARKET = """\
name: t
horizon_days: 365
replications: 2
market:
  regions:
    - id: metro
      demand: {demand}
nodes:
  - {{id: plant, role: manufacturer, infinite_supply: true}}
  - id: fc
    role: 3pl
    region: all
    policy: {{type: sS, s: 215, S: 551}}
    shipping: [{{method: standard, transit_days: {{dist: constant, value: 2}}, cost_per_parcel: 5}}]
lanes:
  - {{from: plant, to: fc, lead_time: {{dist: constant, value: 3}}}}
"""


@pytest.mark.parametrize("demand", ["{dist: poisson, mean: 10000000}",
                                    "{dist: empirical, csv: demand.csv}"])
def test_a_market_region_sold_as_one_unit_orders_is_refused_at_its_demand(tmp_path, demand):
    (tmp_path / "demand.csv").write_text("units\n10000000\n10000000\n", encoding="utf-8")
    f = tmp_path / "m.yaml"
    f.write_text(MARKET.format(demand=demand), encoding="utf-8")
    code, err, took = cli("validate", f)
    assert code == 2 and took < FAST
    line = refused(err, f"{f}:7:7: region metro: demand 10000000 a day (3.9 M units captured "
                        "by 3PL outlets) × 365 days × 2 replications ≈ 2.9 G one-unit consumer")
    assert "--allow-large" in line


def test_time_series_of_every_replication_count_in_the_memory(tmp_path):
    ref = ROOT / "scenarios" / "benchmarks" / "reference_200.yaml"
    out = tmp_path / "out"
    args = ["run", ref, "--replications", 100, "--days", 3650, "--out", out, "-q"]
    code, err, took = cli(*args, "--timeseries", "all")
    assert code == 2 and took < FAST and not out.exists()
    assert "the time series of 204 nodes × 3650 days × 100 replications (--timeseries all) ≈ " \
        "7.6 GiB of memory (limit: 4.0 GiB)" in refused(err, "--days 3650: ")
    scn = load_scenario(ref)
    kept = {ts: estimate(scn, replications=100, days=3650, timeseries=ts).bytes
            for ts in ("none", "first", "all")}
    assert kept["none"] < kept["first"] < kept["all"]


def test_play_without_weeks_is_bounded_by_the_horizon(tmp_path):
    f = tmp_path / "beer.yaml"
    f.write_text(BEER.read_text(encoding="utf-8").replace("horizon_days: ", "horizon_days: 1000000"
                                                          " # was "), encoding="utf-8")
    assert load_scenario(f).horizon_days == 1_000_000
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["play", str(f), "--out", str(out)], input="",
                             env={"COLUMNS": "300", "NO_COLOR": "1"})
    assert res.exit_code == 2 and not out.exists()
    assert "horizon_days 1000000 is more than the limit of 100,000 weeks; play fewer weeks " \
        "(--weeks N)" in res.stderr
