"""The Python API refuses arguments of the wrong type or range with a ScenarioError that names
the argument and says what to pass (never pydantic's ValidationError, a bare TypeError, or a run
that quietly treats True as 1)."""

from __future__ import annotations

import numpy as np
import pytest

import chainsim
from chainsim.errors import ScenarioError

SCN = "scenarios/examples/ecommerce_3pl.yaml"


@pytest.mark.parametrize("source", [42, None, [1], b"s.yaml", 1.5, object()])
def test_load_scenario_refuses_what_is_not_a_scenario(source):
    with pytest.raises(ScenarioError, match="a scenario is a file path, a mapping"):
        chainsim.load_scenario(source)


@pytest.mark.parametrize("data", [{1: 2}, {"name": "t", 3: 4}, {("a",): 1}])
def test_load_scenario_refuses_keys_that_are_not_text(data):
    with pytest.raises(ScenarioError, match="is not a setting name"):
        chainsim.load_scenario(data)


@pytest.mark.parametrize(("kwargs", "piece"), [
    ({"replications": True}, "replications=True is refused"),
    ({"replications": 0}, "replications=0 is refused: it must be greater than or equal to 1"),
    ({"days": "30"}, "days='30' is refused: it must be a whole number"),
    ({"seed": 1.5}, "seed=1.5 is refused"),
    ({"seed": -1}, "seed=-1 is refused"),
    ({"warmup": False}, "warmup=False is refused"),
    ({"timeseries": "yes"}, "timeseries='yes' is refused; pass False"),
    ({"timeseries": 1}, "timeseries=1 is refused"),
    ({"vectorize": "no"}, "vectorize='no' is refused; pass True or False"),
    ({"trace": 1}, "trace=1 is refused"),
    ({"progress": 3}, "progress=3 is refused; pass a function"),
])
def test_simulate_refuses_arguments_of_the_wrong_type_or_range(kwargs, piece):
    with pytest.raises(ScenarioError, match="<simulate>") as info:
        chainsim.simulate(SCN, **kwargs)
    assert piece in str(info.value)


def test_simulate_takes_numpy_whole_numbers():
    res = chainsim.simulate(SCN, replications=np.int64(1), days=np.int32(3), warmup=0)
    assert set(res.kpis["replication"]) == {0}


@pytest.mark.parametrize(("kwargs", "piece"), [
    ({"replications": True}, "replications=True is refused"),
    ({"days": 2.5}, "days=2.5 is refused"),
    ({"progress": "bar"}, "progress='bar' is refused"),
    ({"allow_outside_paths": "yes"}, "allow_outside_paths='yes' is refused"),
])
def test_compare_refuses_arguments_of_the_wrong_type_or_range(kwargs, piece):
    with pytest.raises(ScenarioError, match="<compare>") as info:
        chainsim.compare([SCN, SCN], **kwargs)
    assert piece in str(info.value)


def test_load_scenario_refuses_a_flag_that_is_not_a_bool():
    with pytest.raises(ScenarioError, match="allow_outside_paths='no' is refused"):
        chainsim.load_scenario(SCN, allow_outside_paths="no")
