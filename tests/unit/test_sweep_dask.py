"""The same sweep on a Dask LocalCluster gives the table of local processes, bit for bit."""

from __future__ import annotations

import pandas as pd
import pytest

from chainsim.experiments.sweep import run_sweep

from .test_sweep_runner import make_sweep

distributed = pytest.importorskip("dask.distributed")


def test_dask_local_cluster_matches_local_processes(tmp_path):
    sweep = make_sweep()
    local, _ = run_sweep(sweep, tmp_path / "local", workers=2)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        remote, _ = run_sweep(sweep, tmp_path / "dask", scheduler=cluster.scheduler_address)
    pd.testing.assert_frame_equal(local, remote)
