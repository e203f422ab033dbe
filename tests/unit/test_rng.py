"""Named streams (model/rng.py): a stream's numbers depend only on (seed, replication, name)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np

from chainsim.model.rng import Streams, name_key

from .helpers import kpis, lane, run, scenario, source

CHILD = (
    "import json, sys; from chainsim.model.rng import Streams; "
    "seed, rep, *name = sys.argv[1:]; "
    "print(json.dumps(Streams(int(seed), int(rep)).generator(*name).random(8).tolist()))"
)


def draws(seed, rep, *name, n=8):
    return Streams(seed, rep).generator(*name).random(n).tolist()


def test_same_seed_replication_name_gives_identical_numbers_in_a_fresh_process():
    # PYTHONHASHSEED differs per process unless set; a salted hash() would break this
    for name in (("demand", "shop"), ("lead_time", "plant", "shop")):
        out = subprocess.run([sys.executable, "-c", CHILD, "12345", "3", *name],
                             capture_output=True, text=True, check=True,
                             env={"PYTHONHASHSEED": "random"})
        assert json.loads(out.stdout) == draws(12345, 3, *name)


def test_same_triple_same_numbers_in_process():
    assert draws(1, 0, "demand", "a") == draws(1, 0, "demand", "a")
    # creating other streams in between changes nothing
    st = Streams(1, 0)
    st.generator("demand", "b").random(100)
    assert st.generator("demand", "a").random(8).tolist() == draws(1, 0, "demand", "a")


def test_different_names_replications_seeds_give_different_numbers():
    base = draws(1, 0, "demand", "a")
    assert draws(1, 0, "demand", "b") != base
    assert draws(1, 0, "lead_time", "a") != base
    assert draws(1, 1, "demand", "a") != base
    assert draws(2, 0, "demand", "a") != base
    # the name's parts are joined with "/": ("ab",) and ("a", "b") are different streams
    assert draws(1, 0, "ab") != draws(1, 0, "a", "b")


def test_name_key_is_four_32bit_words():
    key = name_key("demand", "shop")
    assert len(key) == 4 and all(0 <= w < 2**32 for w in key)
    assert key == name_key("demand", "shop")
    assert key != name_key("demand", "shop2")


def test_streams_are_independent_of_each_other():
    """Two named streams are uncorrelated: sample correlation of 100k uniforms within 5/√n."""
    n = 100_000
    a = Streams(7, 0).generator("demand", "x").random(n)
    b = Streams(7, 0).generator("demand", "y").random(n)
    assert abs(np.corrcoef(a, b)[0, 1]) < 5 / np.sqrt(n)


def _shops(extra: bool) -> dict:
    """shop1 alone, or shop1 plus an unrelated shop2 with its own supplier lane (listed
    before shop1, so node order and topological order change too)."""
    nodes = [source("plant1", price=12)]
    lanes = [lane("plant1", "shop1", 2)]
    if extra:
        nodes = [source("plant2", price=11),
                 {"id": "shop2", "role": "retailer", "demand": {"dist": "poisson", "mean": 30},
                  "policy": {"type": "base_stock", "S": 150}},
                 *nodes]
        lanes = [lane("plant2", "shop2", 1), *lanes]
    nodes.append({"id": "shop1", "role": "retailer",
                  "demand": {"dist": "negbin", "mean": 8, "var": 20},
                  "policy": {"type": "base_stock", "S": 40}})
    return scenario(nodes, lanes, horizon=60, seed=99, replications=3)


def test_adding_an_unrelated_node_does_not_change_a_demand_stream():
    for rep in range(3):
        one = run(_shops(False), rep, timeseries=False)
        two = run(_shops(True), rep, timeseries=False)
        k1, k2 = kpis(one, "shop1"), kpis(two, "shop1")
        assert k1["demand"] == k2["demand"]
        assert k1["demand_variance"] == k2["demand_variance"]
        # the whole of shop1 is the same, since its supplier is its own
        assert k1 == k2
    # ...while replications do differ
    assert (kpis(run(_shops(False), 0, timeseries=False), "shop1")["demand"]
            != kpis(run(_shops(False), 1, timeseries=False), "shop1")["demand"])


def test_changing_a_lead_time_distribution_leaves_demand_alone():
    """Lead times and demand draw from different streams: a random lead time on the lane does
    not shift the shop's demand numbers."""
    scn_a = _shops(False)
    scn_b = _shops(False)
    scn_b["lanes"][0]["lead_time"] = {"dist": "uniform", "low": 1, "high": 3}
    a = kpis(run(scn_a, 0, timeseries=False), "shop1")
    b = kpis(run(scn_b, 0, timeseries=False), "shop1")
    assert a["demand"] == b["demand"]
