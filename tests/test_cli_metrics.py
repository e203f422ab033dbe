"""Metric names on the command line are checked against the catalogue before simulating."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from chainsim.cli import app

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "scenarios" / "examples"


@pytest.fixture
def no_simulation(monkeypatch):
    """Any simulation fails the test: the names must be refused before one starts."""
    import chainsim.experiments.replicate as engine

    def refuse(*args, **kwargs):
        raise AssertionError("simulated before checking the metric names")

    monkeypatch.setattr(engine, "simulate", refuse)


def _invoke(args, cwd: Path, monkeypatch):
    monkeypatch.chdir(cwd)
    return CliRunner().invoke(app, args, env={"COLUMNS": "200", "NO_COLOR": "1"})


def test_run_refuses_unknown_metrics(tmp_path, monkeypatch, no_simulation):
    res = _invoke(["run", str(EXAMPLES / "single_retailer.yaml"), "--metrics",
                   "fill_rat,nosuch, fill_rate", "--out", "out"], tmp_path, monkeypatch)
    assert res.exit_code == 2, res.output
    assert "'fill_rat' (did you mean 'fill_rate'?)" in res.stderr
    assert "'nosuch'" in res.stderr
    assert "cycle_service_level" in res.stderr  # the valid names are listed
    assert "Traceback" not in res.stdout + res.stderr
    assert list(tmp_path.iterdir()) == []


def test_run_shows_the_metrics_asked_for(tmp_path, monkeypatch):
    res = _invoke(["run", str(EXAMPLES / "single_retailer.yaml"), "--replications", "2",
                   "--days", "30", "--metrics", "lost_sales,orders", "--out", "out"],
                  tmp_path, monkeypatch)
    assert res.exit_code == 0, res.stderr
    assert "lost/day" in res.stdout and "orders/day" in res.stdout
    assert "fill rate" not in res.stdout


def test_compare_refuses_an_unknown_metric_before_simulating(tmp_path, monkeypatch,
                                                             no_simulation):
    res = _invoke(["compare", str(EXAMPLES / "single_retailer.yaml"),
                   str(EXAMPLES / "serial_3tier.yaml"), "--metric", "chanel_profit", "--out",
                   "out", "-q"], tmp_path, monkeypatch)
    assert res.exit_code == 2, res.output
    assert "'chanel_profit' (did you mean 'channel_profit'?)" in res.stderr
    assert "cost_to_serve" in res.stderr
    assert list(tmp_path.iterdir()) == []


def test_compare_refuses_a_node_only_metric(tmp_path, monkeypatch, no_simulation):
    res = _invoke(["compare", str(EXAMPLES / "single_retailer.yaml"),
                   str(EXAMPLES / "serial_3tier.yaml"), "--metric", "bullwhip", "-q"],
                  tmp_path, monkeypatch)
    assert res.exit_code == 2
    assert "'bullwhip' is not a network metric" in res.stderr


def test_run_says_which_known_metrics_the_scenario_does_not_write(tmp_path, monkeypatch):
    res = _invoke(["run", str(EXAMPLES / "single_retailer.yaml"), "--replications", "2",
                   "--days", "20", "--metrics", "coverage,fill_rate", "--out", "out"],
                  tmp_path, monkeypatch)
    assert res.exit_code == 0, res.stderr
    assert "coverage not written for this scenario" in res.stderr
    assert "rate" in res.stdout and "coverage" not in res.stdout
