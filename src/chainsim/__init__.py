"""chainsim: a discrete-event supply chain simulator on SimPy.

Public API: ``load_scenario(path_or_dict)`` and ``simulate(scenario, replications=, days=,
seed=, warmup=)`` returning an object with ``.kpis`` and ``.summary`` DataFrames.
"""

__all__ = ["__version__", "load_scenario", "simulate"]


def __getattr__(name):
    """``__version__`` on first use: importlib.metadata costs ~60 ms at start-up."""
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("chainsim")
        except PackageNotFoundError:  # a source tree that is not installed
            return "0.0.0"
    raise AttributeError(f"module 'chainsim' has no attribute {name!r}")


def load_scenario(source, *, allow_outside_paths=False):
    """A validated Scenario from a YAML path, a mapping, or a Scenario. Files it names
    (``extends:``, ``csv:``) must lie in its folder unless ``allow_outside_paths``. Run sizes
    are not limited here (only the command line asks for ``--allow-large``)."""
    from chainsim.scenario.load import load_scenario as _load

    return _load(source, allow_outside_paths=allow_outside_paths)


def simulate(scenario, replications=None, days=None, seed=None, warmup=None, **kwargs):
    """Simulate a scenario (path, mapping or Scenario); see ``chainsim.engine.run.simulate``."""
    from chainsim.engine.run import simulate as _simulate

    return _simulate(scenario, replications=replications, days=days, seed=seed, warmup=warmup,
                     **kwargs)
