"""Every shipped scenario round-trips: ``chainsim run`` then ``chainsim rerun`` of its folder gives
the same tables bit for bit, and the ``scenario.resolved.yaml`` it wrote passes ``chainsim
validate`` and describes the same network (a 3PL market outlet keeps its channels and shipping;
market outlets keep their channels, so marketplace fees survive). The same for a comparison of
the five strategies. Short horizons: the numbers need not mean anything, only repeat.

This is the test that would have caught the resolved scenario dropping fulfilment settings from
every node without ``orders:``."""

from __future__ import annotations

from pathlib import Path

import pytest
from ruamel.yaml import YAML

from chainsim.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parents[1]
ENV = {"COLUMNS": "200", "NO_COLOR": "1"}
SHORT = ("--replications", 2, "--days", 30, "--warmup", 10, "-q")


def shipped_scenarios() -> list[Path]:
    """Every YAML file under scenarios/ that describes a network (base files for ``extends:``
    have no ``nodes:``)."""
    yaml = YAML(typ="safe", pure=True)
    files = []
    for path in sorted((ROOT / "scenarios").rglob("*.yaml")):
        data = yaml.load(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and "nodes" in data:
            files.append(path)
    return files


def invoke(*args):
    from typer.testing import CliRunner

    from chainsim.cli import app

    res = CliRunner().invoke(app, [str(a) for a in args], env=ENV)
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    assert "Traceback" not in res.stdout + res.stderr
    return res


RUN_SETTINGS = {"extends", "horizon_days", "warmup_days", "replications", "seed"}


def same_network(resolved: Path, original: Path) -> None:
    """The resolved file loads to the scenario the original does, field by field, but for the
    run settings (the short test run's) and what resolving fills in on purpose: whole units
    (``integer``) and the starting stock (``initial``)."""
    def network(path):
        data = load_scenario(path).model_dump(exclude=RUN_SETTINGS)
        for node in data["nodes"]:
            node.pop("integer"), node.pop("initial")
        return data

    assert network(resolved) == network(original)


def test_the_scenarios_folder_is_found():
    names = {p.name for p in shipped_scenarios()}
    assert {"direct.yaml", "intensive.yaml", "ecommerce_3pl.yaml", "beer_game.yaml"} <= names
    assert "market.yaml" not in names  # a base file


@pytest.mark.parametrize("path", shipped_scenarios(), ids=lambda p: str(p.relative_to(ROOT)))
def test_run_then_rerun_is_identical(path, tmp_path):
    out = tmp_path / "run"
    res = invoke("run", path, *SHORT, "--out", out, "--allow-large")
    assert res.exit_code == 0, res.stdout + res.stderr
    resolved = out / "scenario.resolved.yaml"
    assert invoke("validate", resolved).exit_code == 0
    same_network(resolved, path)
    res = invoke("rerun", out)
    assert res.exit_code == 0, res.stdout + res.stderr
    assert "identical" in res.stdout


def test_compare_of_the_strategies_reruns_identically(tmp_path):
    out = tmp_path / "compare"
    res = invoke("compare", ROOT / "scenarios" / "strategies", *SHORT, "--out", out)
    assert res.exit_code == 0, res.stdout + res.stderr
    written = sorted((out / "scenarios").glob("*.resolved.yaml"))
    assert len(written) == 5
    originals = {p.stem: p for p in (ROOT / "scenarios" / "strategies").glob("*.yaml")}
    for resolved in written:
        assert invoke("validate", resolved).exit_code == 0, resolved.name
        strategy = resolved.name.split("_", 1)[1].removesuffix(".resolved.yaml")
        same_network(resolved, originals[strategy])
    res = invoke("rerun", out)
    assert res.exit_code == 0, res.stdout + res.stderr
    assert "identical" in res.stdout
