"""chainsim: a discrete-event supply chain simulator on SimPy.

Public API:

- ``load_scenario(path_or_dict)``: a validated, frozen Scenario;
- ``simulate(scenario, replications=, days=, seed=, warmup=, ...)``: a ``Results`` with
  ``.kpis`` and ``.summary`` DataFrames (``help(chainsim.simulate)`` lists every argument);
- ``compare(scenarios, metric=, baseline=, ...)``: scenarios run with common random numbers,
  a ``Comparison`` with ``.comparison``, ``.ranking``, ``.kpis`` and ``.summary`` DataFrames;
- ``with_values(scenario, {"nodes.shop.policy.S": 32, ...})``: a validated variant of a
  scenario, settings named by the dotted paths sweep files use;
- ``optimize(spec, out=, workers=, ...)``: search policy parameters (an optimisation file or a
  mapping of its keys) with common random numbers; ``.best``, ``.best_scenario``,
  ``.objective``, ``.runner_up``, ``.statement``, ``.candidates``, ``.simulated_days``;
- ``chainsim.theory``: the closed forms of inventory and queueing theory the simulator is
  checked against (newsvendor, base stock, (s, S), (r, Q), Erlang C, Chen's bullwhip bound, ...).

The heavy modules (pandas, SimPy, scipy) load on first use, so ``import chainsim`` stays fast.
"""

__all__ = ["__version__", "compare", "load_scenario", "optimize", "simulate", "with_values"]


def __getattr__(name):
    """``__version__`` and ``simulate`` on first use: importlib.metadata costs ~60 ms at start-up,
    the simulator pandas and SimPy."""
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("chainsim")
        except PackageNotFoundError:  # a source tree that is not installed
            return "0.0.0"
    if name == "simulate":  # the function itself, so help() shows its arguments and docstring
        from chainsim.experiments.replicate import simulate

        return simulate
    raise AttributeError(f"module 'chainsim' has no attribute {name!r}")


def __dir__():
    return sorted({*globals(), *__all__})


def load_scenario(source, *, allow_outside_paths=False):
    """A validated Scenario from a YAML path, a mapping, or a Scenario. Files it names
    (``extends:``, ``csv:``) must lie in its folder unless ``allow_outside_paths``. Run sizes
    are not limited here (only the command line asks for ``--allow-large``). Anything else
    (``42``, ``None``, a list) raises ScenarioError, like every problem of the file."""
    from chainsim.errors import Problem, scenario_error
    from chainsim.scenario.load import load_scenario as _load

    if not isinstance(allow_outside_paths, bool):
        raise scenario_error([Problem("<load_scenario>", 0, 0, (
            f"allow_outside_paths={allow_outside_paths!r} is refused; pass True or False"))])

    return _load(source, allow_outside_paths=allow_outside_paths)


def with_values(scenario, values):
    """A new, validated scenario: ``scenario`` (a Scenario, path or mapping) with settings
    replaced, each named by a dotted path.

    ``chainsim.with_values(scn, {"nodes.shop.policy.S": 32, "lanes.plant->shop.lead_time.value":
    2})`` is the scenario with the shop's order-up-to level 32 and a lead time of 2, everything
    else as in ``scn`` (which is frozen, so it is left unchanged). Nodes, products, regions and
    channels are named by id, lanes by ``from->to``, any other part is a key, and a whole number
    indexes a list: the paths sweep files use. The paths apply in order; the result is checked
    like a loaded file, the whole network included.

    Raises:
        ScenarioError: an unknown path (with the valid alternatives at that level), or a value
            the scenario refuses, named with its path (``nodes.shop.policy.S = -1: ...``).
    """
    from chainsim.scenario.variants import with_values as _with_values

    return _with_values(load_scenario(scenario), values)


def compare(scenarios, *, metric="channel_profit", baseline=None, replications=None, days=None,
            seed=None, warmup=None, progress=None, allow_outside_paths=False):
    """Simulate scenarios with common random numbers and compare each with a baseline.

    Every scenario runs with the same seed, replications, days and warm-up, so replication r
    of each sees the same demand where the scenarios share a node or region: the paired
    differences d_r = x_r(scenario) − x_r(baseline) isolate the effect of the change.

    Args:
        scenarios: scenario files, folders of them (their ``*.yaml`` with ``nodes:``; a shared
            base such as ``market.yaml`` is skipped), mappings or Scenarios; at least two,
            each with its own name.
        metric: the network metric to rank by (``channel_profit``, ``total_cost``,
            ``fill_rate``, ...); costs and shortfalls rank lowest first.
        baseline: the scenario name the others are compared with (default: the first).
        replications, days, seed, warmup: the common settings (each defaults to the first
            scenario's); ``days`` counts the days after the warm-up.
        progress: called as ``progress(done, total)`` after each replication, counted over
            scenarios × replications.
        allow_outside_paths: let files named by ``extends:`` / ``csv:`` lie outside the folder
            of the file that names them.

    Returns:
        Comparison: DataFrames ``.comparison`` (every scenario, node and metric: mean, std,
        95% interval, n, the paired difference to the baseline with its interval and, on the
        ranking metric's network rows, ``p_best`` = the share of replications a scenario is
        best), ``.ranking`` (the ranking metric, best first), ``.kpis`` and ``.summary`` (as
        from ``simulate``, every scenario), ``.nodes`` and ``.info``; and ``.scenarios`` (as
        run), ``.metric``, ``.baseline``, ``.settings``. Nothing is written to disk.

    Raises:
        ScenarioError: a scenario does not load (every problem of every file), or a setting has
            the wrong type or range (``replications=True``, ``days='30'``).
        CompareError: fewer than two scenarios, an unknown baseline or ranking metric.
    """
    from chainsim.experiments.compare import compare as _compare
    from chainsim.experiments.replicate import check_run_arguments

    check_run_arguments("compare", replications=replications, days=days, seed=seed,
                        warmup=warmup, progress=progress,
                        flags={"allow_outside_paths": allow_outside_paths})
    return _compare(scenarios, metric=metric, baseline=baseline, replications=replications,
                    days=days, seed=seed, warmup=warmup, progress=progress,
                    allow_outside_paths=allow_outside_paths, allow_large=True)


def optimize(spec, *, out=None, workers=1, scheduler=None, resume=False, progress=None):
    """Search the parameters of an optimisation for the best mean objective under constraints.

    Args:
        spec: an optimisation file (OPT.yaml) or a mapping with its keys (``base`` a path, a
            mapping or a Scenario — a path in a mapping is read from the current folder;
            ``objective``, ``constraints``, ``parameters``, ``budget``, ``seed``,
            ``replications``, ``delta``, ``set``, ``select``).
        out: a results folder to write (candidates.csv, best.yaml, manifest.json, search.png);
            None writes nothing.
        workers, scheduler: local processes, or a Dask scheduler address.
        resume: continue an interrupted search in ``out``.
        progress: called as ``progress(simulated_days_used, budget)``.

    Returns:
        OptimizeResult: ``.best`` (path -> value), ``.best_scenario``, ``.objective`` (mean,
        95% half-width), ``.runner_up`` (dict or None), ``.statement``, ``.candidates``
        (DataFrame), ``.simulated_days``.

    Raises:
        ScenarioError: the spec or its base scenario has problems (every one, with its place).
    """
    from chainsim.experiments.optimize import optimize as _optimize

    return _optimize(spec, out=out, workers=workers, scheduler=scheduler, resume=resume,
                     progress=progress)
