"""chainsim: a discrete-event supply chain simulator on SimPy."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("chainsim")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

from chainsim.scenario.load import load_scenario  # noqa: E402


def simulate(scenario, replications=None, days=None, seed=None, warmup=None, **kwargs):
    """Simulate a scenario (path, mapping or Scenario); see `chainsim.engine.run.simulate`."""
    from chainsim.engine.run import simulate as _simulate

    return _simulate(scenario, replications=replications, days=days, seed=seed, warmup=warmup, **kwargs)


__all__ = ["__version__", "load_scenario", "simulate"]
