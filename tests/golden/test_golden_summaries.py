"""REGRESSION GUARD, not a correctness test: today's summary tables of the examples must equal
the pinned CSVs in tests/golden/data/ for the pinned scenarios there (both written by
tests/golden/regenerate.py).

A failure means some number changed. If the change is intended, rerun
``python tests/golden/regenerate.py`` and commit the new CSVs saying why; if not, it is a
regression. Correctness is checked elsewhere (tests/unit by hand, tests/theory by theory).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from .regenerate import CASES, golden_path, summary

KEYS = ["scenario", "node", "metric"]
NUMBERS = ["mean", "std", "ci_low", "ci_high"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_summary_matches_golden(name):
    path = golden_path(name)
    assert path.exists(), f"missing {path}; run python tests/golden/regenerate.py"
    want = pd.read_csv(path)
    got = summary(name).reset_index(drop=True)
    hint = f"{name}: numbers moved; if intended, run python tests/golden/regenerate.py"
    assert list(got.columns) == list(want.columns), hint
    assert got[KEYS].astype(str).values.tolist() == want[KEYS].astype(str).values.tolist(), hint
    assert got["n"].tolist() == want["n"].tolist(), hint
    for col in NUMBERS:
        g, w = got[col].to_numpy(float), want[col].to_numpy(float)
        bad = ~np.isclose(g, w, rtol=1e-9, atol=1e-12, equal_nan=True)
        rows = want.loc[bad, KEYS].assign(golden=w[bad], now=g[bad])
        assert not bad.any(), f"{hint}\n{col} differs:\n{rows.to_string()}"
