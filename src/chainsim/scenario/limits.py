"""Sane limits on a run's size, so that a typo (an extra 0 or three) does not start a run of
hours or fill the memory. The command line refuses a scenario over a limit unless given
``--allow-large``; the Python API (``chainsim.simulate``, ``load_scenario``) is not limited —
a program that asks for a huge run means it, and the command line is where accidents happen.

The limits, and what they cost, from benchmarks/README.md (26 Nov 2026, a shared 2-core EPYC):
the engine simulates a node-day in ≈ 0.4–5.6 µs (retail groups of ≥ 40 retailers 0.4–1.8 µs,
a node on its own 2.3–5.6 µs), and a small scenario pays ≈ 15 µs per day on top (the single
retailer: 35 ms per 1000 days × 2 replications in the sweep benchmark). Time series on (the
command line's default for replication 0) keep 6 float64 = 48 bytes per node-day.

* ``horizon_days + warmup_days`` ≤ 100 000 days (274 years). One replication of the single
  retailer at the limit takes ≈ 2 s, of the 200-retailer reference ≈ 40 s (0.37 ms per day) and
  its time series ≈ 1 GB; the default 10 replications of the reference ≈ 7 minutes.
* ``replications`` ≤ 10 000 (also a sweep's, and its ``precision: max_replications``). The
  reference at 200 retailers × 365 days takes 0.1 s per replication: ≈ 17 minutes at the limit,
  and ≈ 40 million KPI rows. A 95 % interval narrows with √n: 10 000 replications are 10 × as
  precise as 100; more is rarely worth it.
* ≤ 20 000 nodes and ≤ 200 000 lanes. 20 000 nodes on their own take ≈ 5 µs × 20 000 × 365
  ≈ 40 s per replicated year and ≈ 350 MB of time series per year; 10 lanes per node leaves
  room for dense sourcing. Files this large are generated, not written by hand.

The estimate in each message — ``≈ N minutes of simulation`` — is per scenario: days ×
replications × (15 µs + 3 µs per node), the middle of the measured range; a rough guide only.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from chainsim.errors import ChainsimError, Problem

FLAG = "--allow-large"
MAX_DAYS = 100_000  # horizon_days + warmup_days
MAX_REPLICATIONS = 10_000
MAX_NODES = 20_000
MAX_LANES = 200_000

DAY_SECONDS = 15e-6  # fixed cost of a simulated day (small scenarios)
NODE_DAY_SECONDS = 3e-6  # cost of one node for one day


class LimitError(ChainsimError):
    """Command-line settings (``--days``, ``--replications``) over a limit: one line each."""

    def __init__(self, messages: list[str]):
        self.messages = messages
        super().__init__("\n".join(messages))


def estimate_seconds(days: int, replications: int, nodes: int) -> float:
    """Rough wall-clock seconds to simulate (see the module docstring)."""
    return days * replications * (DAY_SECONDS + NODE_DAY_SECONDS * nodes)


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} seconds"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} minutes"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.0f} hours"
    return f"{seconds / 86400:,.0f} days"


def _fix() -> str:
    return f"lower it or pass {FLAG} to run it anyway"


def over_limits(scn: Any, raw: Any = None, file: str = "<scenario>", *,
                replications: int | None = None, days: int | None = None,
                warmup: int | None = None, where: Mapping[str, tuple[str, int, int]] | None = None,
                ) -> tuple[list[Problem], list[str]]:
    """The limits ``scn`` exceeds with the given overrides (None keeps the scenario's value).

    Returns (problems in files, messages about command-line overrides). A value from the file is
    located at its key in ``raw`` (as read from ``file``); ``where`` may place a key elsewhere
    (e.g. a sweep's ``replications``, at its line in the sweep file).
    """
    from chainsim.scenario.positions import locate

    where = dict(where or {})

    def at(key: str) -> tuple[str, int, int]:
        if key in where:
            return where[key]
        return locate(raw, (key,), file) if raw is not None else (file, 0, 0)

    problems: list[Problem] = []
    flags: list[str] = []
    n_nodes, n_lanes = len(scn.nodes), len(scn.lanes)
    horizon = days if days is not None else scn.horizon_days
    warm = warmup if warmup is not None else scn.warmup_days
    reps = replications if replications is not None else scn.replications
    total = horizon + warm
    if total > MAX_DAYS:
        took = _duration(estimate_seconds(total, reps, n_nodes))
        tail = f"(more than the limit of {MAX_DAYS} days ≈ {took} of simulation); {_fix()}"
        if days is not None or warmup is not None:
            shown = " ".join(f"{k} {v}" for k, v in (("--days", days), ("--warmup", warmup))
                             if v is not None)
            flags.append(f"{shown}: horizon + warm-up is {total} days {tail}")
        elif warm:
            key = "warmup_days" if warm > horizon else "horizon_days"
            problems.append(Problem(*at(key), f"horizon_days + warmup_days is {total} {tail}"))
        else:
            problems.append(Problem(*at("horizon_days"), f"horizon_days is {total} {tail}"))
    if reps > MAX_REPLICATIONS:
        took = _duration(estimate_seconds(total, reps, n_nodes))
        tail = (f"(more than the limit of {MAX_REPLICATIONS} ≈ {took} of simulation); {_fix()}")
        if replications is not None and "replications" not in where:
            flags.append(f"--replications {reps} {tail}")
        else:
            problems.append(Problem(*at("replications"), f"replications is {reps} {tail}"))
    for key, count, limit in (("nodes", n_nodes, MAX_NODES), ("lanes", n_lanes, MAX_LANES)):
        if count > limit:
            took = _duration(estimate_seconds(total, reps, n_nodes))
            problems.append(Problem(*at(key), f"the scenario has {count} {key} (more than the "
                                    f"limit of {limit} ≈ {took} of simulation); {_fix()}"))
    return problems, flags


def raw_for(file: str | Path) -> Any:
    """The file's data with positions, to place a limit's message (None if it cannot be read)."""
    from chainsim.errors import ScenarioError
    from chainsim.scenario.load import load_raw

    try:
        return load_raw(file, allow_outside_paths=True)  # already admitted by the caller
    except (ScenarioError, OSError, RecursionError):
        return None
