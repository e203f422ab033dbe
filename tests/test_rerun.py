"""chainsim rerun: a run, sweep or comparison repeated from its results folder gives the same
numbers bit for bit; a changed value is named by its row; a version change is announced; a
folder that is not a results folder is refused with exit 2."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "scenarios" / "examples" / "single_retailer.yaml"
ENV = {"COLUMNS": "200", "NO_COLOR": "1"}

SWEEP = """\
base: single_retailer.yaml
replications: 3
design: grid
parameters:
  nodes.shop.policy.S: [30, 42, 54]
  lanes.plant->shop.lead_time.value: [2, 3]
metrics: [total_cost, fill_rate]
"""


def invoke(*args):
    from typer.testing import CliRunner

    from chainsim.cli import app

    res = CliRunner().invoke(app, [str(a) for a in args], env=ENV)
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    assert "Traceback" not in res.stdout + res.stderr
    return res


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rerun") / "run"
    res = invoke("run", EXAMPLE, "--replications", 3, "--days", 40, "--warmup", 20,
                 "--out", folder, "-q")
    assert res.exit_code == 0, res.stderr
    return folder


@pytest.fixture(scope="module")
def sweep_file(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sweep")
    text = EXAMPLE.read_text(encoding="utf-8")
    text = text.replace("horizon_days: 3650", "horizon_days: 40").replace("warmup_days: 100",
                                                                          "warmup_days: 20")
    (tmp / "single_retailer.yaml").write_text(text, encoding="utf-8")
    (tmp / "sweep.yaml").write_text(SWEEP, encoding="utf-8")
    return tmp / "sweep.yaml"


def copy(folder: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(folder, tmp_path / folder.name))


def test_run_manifest_records_kind_versions_and_options(run_dir):
    import numpy

    from chainsim import __version__

    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["kind"] == "run"
    assert manifest["chainsim"] == __version__ and manifest["numpy"] == numpy.__version__
    assert {"simpy", "python"} <= set(manifest)
    assert manifest["options"] == {"timeseries": "first", "trace": False}


def test_run_repeats_identically(run_dir, tmp_path):
    res = invoke("rerun", run_dir, "--out", tmp_path / "again")
    assert res.exit_code == 0, res.stdout + res.stderr
    rows = len((run_dir / "kpis.csv").read_text(encoding="utf-8").splitlines()) - 1
    assert f"identical: {rows} rows of kpis.csv" in res.stdout
    assert "summary.csv" in res.stdout and "warning" not in res.stderr
    assert (tmp_path / "again" / "kpis.csv").read_bytes() == (run_dir / "kpis.csv").read_bytes()


def test_a_changed_value_is_named_by_its_row(run_dir, tmp_path):
    folder = copy(run_dir, tmp_path)
    lines = (folder / "kpis.csv").read_text(encoding="utf-8").splitlines()
    scenario, replication, node, metric, value = lines[5].split(",")
    changed = repr(float(value) + 1e-9)  # one tiny change: bit for bit means bit for bit
    lines[5] = ",".join([scenario, replication, node, metric, changed])
    (folder / "kpis.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = invoke("rerun", folder)
    assert res.exit_code == 1
    assert "kpis.csv: 1 of" in res.stdout
    assert (f"row 5 (scenario={scenario}, replication={replication}, node={node}, "
            f"metric={metric}) value: recorded {changed}, now {value}") in res.stdout
    assert "summary.csv: identical" in res.stdout


def test_another_version_is_announced_and_still_compared(run_dir, tmp_path):
    from chainsim import __version__

    folder = copy(run_dir, tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    numpy_now = manifest["numpy"]
    manifest.update(chainsim="0.0.1-old", numpy="1.0.0")
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    res = invoke("rerun", folder)
    assert res.exit_code == 0, res.stdout + res.stderr
    assert f"recorded with chainsim 0.0.1-old, now running chainsim {__version__}" in res.stderr
    assert f"recorded with numpy 1.0.0, now running numpy {numpy_now}" in res.stderr
    assert "identical: " in res.stdout


def test_an_old_run_folder_without_manifest_repeats_from_its_resolved_scenario(run_dir,
                                                                               tmp_path):
    folder = copy(run_dir, tmp_path)
    (folder / "manifest.json").unlink()
    res = invoke("rerun", folder)
    assert res.exit_code == 0, res.stdout + res.stderr
    assert "numpy version was not recorded" in res.stderr
    assert "identical: " in res.stdout


@pytest.mark.parametrize("made_with,rerun_with", [(1, 2), (2, 1)])
def test_sweep_repeats_identically_with_other_workers(sweep_file, tmp_path, made_with,
                                                       rerun_with):
    folder = tmp_path / "sweep"
    res = invoke("sweep", sweep_file, "--out", folder, "--workers", made_with, "-q")
    assert res.exit_code == 0, res.stderr
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["kind"] == "sweep" and manifest["metrics"] == ["total_cost", "fill_rate"]
    assert {"chainsim", "numpy", "simpy", "python"} <= set(manifest)
    res = invoke("rerun", folder, "--workers", rerun_with, "--out", tmp_path / "again")
    assert res.exit_code == 0, res.stdout + res.stderr
    # 6 points x 3 replications x 2 metrics at 3 nodes (plant, shop, network)
    assert "identical: 108 rows of kpis.csv, 36 rows of summary.csv" in res.stdout
    if made_with == 1:  # the sweep file itself is not needed: the folder is enough
        sweep_file.rename(sweep_file.with_suffix(".moved"))
        try:
            assert invoke("rerun", folder, "--workers", 1).exit_code == 0
        finally:
            sweep_file.with_suffix(".moved").rename(sweep_file)


def test_comparison_repeats_identically(tmp_path):
    other = tmp_path / "larger_s.yaml"
    other.write_text(EXAMPLE.read_text(encoding="utf-8")
                     .replace("name: single-retailer", "name: larger-s")
                     .replace("S: 42", "S: 50"), encoding="utf-8")
    folder = tmp_path / "cmp"
    res = invoke("compare", EXAMPLE, other, "--replications", 2, "--days", 30, "--warmup", 10,
                 "--baseline", "larger-s", "--metric", "total_cost", "--out", folder, "-q")
    assert res.exit_code == 0, res.stderr
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["options"] == {"metric": "total_cost", "baseline": "larger-s"}
    res = invoke("rerun", folder)
    assert res.exit_code == 0, res.stdout + res.stderr
    assert "rows of comparison.csv" in res.stdout and "rows of ranking.csv" in res.stdout


def test_not_a_results_folder_exits_2(tmp_path):
    (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")
    res = invoke("rerun", tmp_path)
    assert res.exit_code == 2
    assert "not a results folder" in res.stderr and "chainsim run" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    res = invoke("rerun", tmp_path / "missing")
    assert res.exit_code == 2 and "is not a folder" in res.stderr


def test_a_sweep_folder_missing_its_base_exits_2(tmp_path):
    (tmp_path / "manifest.json").write_text(json.dumps({"kind": "sweep", "points": [{}]}),
                                            encoding="utf-8")
    res = invoke("rerun", tmp_path)
    assert res.exit_code == 2
    assert "base.resolved.yaml" in res.stderr and "kpis.csv" in res.stderr
    (tmp_path / "manifest.json").write_text("{not json", encoding="utf-8")
    res = invoke("rerun", tmp_path)
    assert res.exit_code == 2 and "not valid JSON" in res.stderr


def test_out_must_be_a_new_folder(run_dir):
    res = invoke("rerun", run_dir, "--out", run_dir)
    assert res.exit_code == 2 and "--out" in res.stderr
    assert (run_dir / "kpis.csv").exists()


# --------------------------------------------------------------------------- tampered manifests
def _sweep_folder(tmp_path: Path, **changes) -> Path:
    """A sweep results folder's files as rerun first reads them, the manifest changed."""
    manifest = {"kind": "sweep", "chainsim": "0", "parameters": ["nodes.shop.policy.S"],
                "points": [{"nodes.shop.policy.S": 30}], "replications": 3, "seed": 1,
                "metrics": ["total_cost"], "precision": None, **changes}
    for name in ("base.resolved.yaml", "kpis.csv"):
        (tmp_path / name).write_text("", encoding="utf-8")
    (tmp_path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(("changes", "field"), [
    ({"replications": "3"}, "field replications"),
    ({"replications": True}, "field replications"),
    ({"replications": 0}, "field replications"),
    ({"points": "abc"}, "field points"),
    ({"points": []}, "field points"),
    ({"points": [1, 2]}, "field points[0]"),
    ({"parameters": {"a": 1}}, "field parameters"),
    ({"precision": {"metric": "fill_rate"}}, "field precision.half_width"),
    ({"precision": {"metric": "fill_rate", "half_width": -1}}, "field precision.half_width"),
    ({"precision": "tight"}, "field precision"),
    ({"metrics": "total_cost"}, "field metrics"),
    ({"seed": -4}, "field seed"),
    ({"options": {"timeseries": 5}}, "field options.timeseries"),
    ({"options": {"trace": "yes"}}, "field options.trace"),
    ({"kind": "movie"}, "field kind"),
    ({"chainsim": 1.0}, "field chainsim"),
])
def test_a_manifest_field_of_the_wrong_type_exits_2_naming_it(tmp_path, changes, field):
    res = invoke("rerun", _sweep_folder(tmp_path, **changes))
    assert res.exit_code == 2, res.stderr
    assert "manifest.json: " + field in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_a_deeply_nested_manifest_exits_2_at_once(tmp_path):
    (tmp_path / "manifest.json").write_text("[" * 200_000 + "]" * 200_000, encoding="utf-8")
    res = invoke("rerun", tmp_path)
    assert res.exit_code == 2 and "nested more than" in res.stderr
    _sweep_folder(tmp_path, points=[{"nodes.shop.policy.S": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[
        [1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}])
    res = invoke("rerun", tmp_path)
    assert res.exit_code == 2 and "nested more than" in res.stderr


def test_a_manifest_too_large_to_be_one_exits_2_without_reading_it_all(tmp_path, monkeypatch):
    from chainsim.experiments import rerun

    monkeypatch.setattr(rerun, "MAX_MANIFEST_BYTES", 1000)
    _sweep_folder(tmp_path, file="x" * 2000)
    res = invoke("rerun", tmp_path)
    assert res.exit_code == 2 and "far larger than a manifest" in res.stderr


def test_a_sweep_point_that_names_no_setting_exits_2_naming_the_point(sweep_file, tmp_path):
    out = tmp_path / "sweep"
    assert invoke("sweep", sweep_file, "--workers", 1, "--out", out, "-q").exit_code == 0
    data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    data["points"][1] = {"nodes.shop.policy.Z": 3}
    (out / "manifest.json").write_text(json.dumps(data), encoding="utf-8")
    res = invoke("rerun", out)
    assert res.exit_code == 2
    assert "manifest.json: field points[1] does not make a scenario" in res.stderr
    assert "no key 'Z'" in res.stderr
    data["points"][1] = {"nodes.shop.policy.S": -5}
    (out / "manifest.json").write_text(json.dumps(data), encoding="utf-8")
    res = invoke("rerun", out)
    assert res.exit_code == 2 and "field points[1]" in res.stderr


def test_a_comparison_of_over_a_hundred_scenarios_repeats_in_its_order(tmp_path):
    # scenarios/NN_<name>.resolved.yaml: 100_ sorts before 11_ as text, not in the run order
    from chainsim.experiments.rerun import resolved_scenarios

    for i in (0, 1, 11, 99, 100, 101):
        (tmp_path / f"{i:02d}_s{i}.resolved.yaml").write_text("", encoding="utf-8")
    names = [p.name.split("_")[0] for p in resolved_scenarios(tmp_path)]
    assert names == ["00", "01", "11", "99", "100", "101"]
