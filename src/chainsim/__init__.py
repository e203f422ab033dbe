"""chainsim: a discrete-event supply chain simulator on SimPy.

Public API: ``load_scenario(path_or_dict)`` and ``simulate(scenario, replications=, days=,
seed=, warmup=)`` returning an object with ``.kpis`` and ``.summary`` DataFrames.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("chainsim")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

__all__ = ["__version__", "load_scenario", "simulate"]


def load_scenario(source):
    """A validated Scenario from a YAML path, a mapping, or a Scenario."""
    from chainsim.scenario.load import load_scenario as _load

    return _load(source)


def simulate(scenario, replications=None, days=None, seed=None, warmup=None, **kwargs):
    """Simulate a scenario (path, mapping or Scenario); see ``chainsim.engine.run.simulate``."""
    from chainsim.engine.run import simulate as _simulate

    return _simulate(scenario, replications=replications, days=days, seed=seed, warmup=warmup,
                     **kwargs)
