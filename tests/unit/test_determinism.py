"""Determinism of whole runs in one process (engine/run.py); across processes: tests/test_cli.py."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from chainsim.engine.run import resolve
from chainsim.experiments.replicate import simulate

EXAMPLES = Path(__file__).resolve().parents[2] / "scenarios" / "examples"
SERIAL = EXAMPLES / "serial_3tier.yaml"


def test_same_seed_same_kpis_different_seed_different():
    a = simulate(SERIAL, replications=2, days=120, warmup=10, seed=5)
    b = simulate(SERIAL, replications=2, days=120, warmup=10, seed=5)
    c = simulate(SERIAL, replications=2, days=120, warmup=10, seed=6)
    pd.testing.assert_frame_equal(a.kpis, b.kpis)
    pd.testing.assert_frame_equal(a.summary, b.summary)
    assert not a.kpis["value"].equals(c.kpis["value"])


def test_a_replication_does_not_depend_on_how_many_are_run():
    """Replication r draws from streams keyed by r only: replication 1 of a 2-replication run
    equals replication 1 of a 4-replication run, and the replications differ."""
    two = simulate(SERIAL, replications=2, days=100, warmup=0, seed=3).kpis
    four = simulate(SERIAL, replications=4, days=100, warmup=0, seed=3).kpis
    pd.testing.assert_frame_equal(two.reset_index(drop=True),
                                  four[four["replication"] < 2].reset_index(drop=True))
    r0 = two[two["replication"] == 0]["value"].to_numpy()
    r1 = two[two["replication"] == 1]["value"].to_numpy()
    assert r0.shape == r1.shape and not (r0 == r1).all()


def test_days_count_after_warmup_and_overrides_resolve():
    res = simulate(SERIAL, replications=3, days=50, warmup=5, seed=9)
    scn = res.scenario
    assert (scn.replications, scn.horizon_days, scn.warmup_days, scn.seed) == (3, 50, 5, 9)
    assert sorted(res.kpis["replication"].unique()) == [0, 1, 2]
    assert set(res.summary["n"][res.summary["metric"] == "demand"]) == {3}
    # arguments left out come from the file
    base = resolve(SERIAL)
    assert (base.replications, base.horizon_days, base.warmup_days, base.seed) == (10, 1825, 120, 2024)
    partial = resolve(SERIAL, days=7)
    assert (partial.horizon_days, partial.seed, partial.warmup_days) == (7, 2024, 120)


def test_timeseries_first_covers_warmup_and_horizon_of_replication_zero():
    res = simulate(SERIAL, replications=2, days=40, warmup=6, timeseries="first")
    ts = res.timeseries
    assert set(ts["replication"]) == {0}
    assert set(ts["day"]) == set(range(46))
    assert set(ts["node"]) == {"factory", "dc", "store"}
    assert {"on_hand", "backorders", "on_order", "demand", "orders", "shipments"} <= set(ts.columns)
