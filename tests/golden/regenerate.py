"""Regenerate the golden summary tables: REGRESSION GUARD ONLY, not a correctness test.

These CSVs pin what the simulator computed for the three example scenarios at a few replications
and days, so that an unintended change of any number shows up in review. The scenarios are pinned
too (data/<name>.scenario.yaml, resolved with every default filled in), so editing an example
file does not trip the guard; only a change in what the simulator does with the same input does. They say nothing about
whether the numbers are right; correctness comes from tests/unit (hand calculations) and
tests/theory (textbook results). When a change is *meant* to move numbers (a fixed bug, a new
convention), rerun this script and commit the new CSVs with the reason in the commit message:

    python tests/golden/regenerate.py
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
EXAMPLES = HERE.parents[1] / "scenarios" / "examples"

# small on purpose: the guard must stay fast; seeds come from the example files
CASES = {
    "single_retailer": {"replications": 3, "days": 60, "warmup": 10},
    "serial_3tier": {"replications": 3, "days": 60, "warmup": 10},
    "wholesale_moq": {"replications": 3, "days": 60, "warmup": 10},
}


def golden_path(name: str) -> Path:
    return HERE / "data" / f"{name}.summary.csv"


def scenario_path(name: str) -> Path:
    return HERE / "data" / f"{name}.scenario.yaml"


def summary(name: str) -> pd.DataFrame:
    """The summary table of the pinned scenario as the simulator computes it now."""
    from chainsim.experiments.replicate import simulate

    return simulate(scenario_path(name)).summary


def main() -> None:
    from chainsim import __version__
    from chainsim.engine.run import resolve
    from chainsim.results.write import resolved_yaml

    (HERE / "data").mkdir(exist_ok=True)
    for name in CASES:
        scn = resolve(EXAMPLES / f"{name}.yaml", **CASES[name])
        scenario_path(name).write_text(resolved_yaml(scn, __version__), encoding="utf-8")
        summary(name).to_csv(golden_path(name), index=False)
        print(f"wrote tests/golden/data/{name}.scenario.yaml and {name}.summary.csv")


if __name__ == "__main__":
    main()
