"""Run a study: every strategy with common random numbers, ranked for the deciding firm.

The strategies' scenarios (templates expanded, policies sized from the study's service target)
are compared with `experiments.compare.compare`, ranked by the study's metric at the
perspective firm's row (``owner:<perspective>``, default its profit per day).
"""

from __future__ import annotations

from collections.abc import Callable

from chainsim.experiments.compare import Comparison, compare
from chainsim.scenario.facts import owner_row
from chainsim.studies.studyfile import LoadedStudy


def run_study(study: LoadedStudy, *, replications: int | None = None,
              progress: Callable[[int, int], None] | None = None,
              allow_large: bool = True) -> Comparison:
    """The comparison of the study's strategies from the perspective firm's point of view."""
    spec = study.spec
    return compare(study.scenarios, metric=spec.metric, node=owner_row(spec.perspective),
                   replications=replications, progress=progress, allow_large=allow_large)
