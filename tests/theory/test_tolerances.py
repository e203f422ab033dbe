"""The tolerance helpers of the statistical tests (``theory_check``) against their definitions:
Student t tails, chi-square bands and batch means, computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from theory_check import (
    batch_means_tolerance,
    replication_false_alarm,
    replication_tolerance,
    sd_ratio_band,
)


def test_replication_tolerance_and_false_alarm():
    assert replication_tolerance([1.0, 2.0, 3.0]) == pytest.approx(5 / math.sqrt(3))
    assert replication_tolerance([2.0, 2.0, 2.0]) == 1e-9          # floor
    assert replication_tolerance([1.0, 3.0], k=2) == pytest.approx(2 * math.sqrt(2) / math.sqrt(2))
    with pytest.raises(ValueError):
        replication_tolerance([1.0])
    assert replication_false_alarm(5, 16) == pytest.approx(1.58e-4, rel=0.01)
    assert replication_false_alarm(5, 8) == pytest.approx(1.565e-3, rel=0.01)
    # a large R tends to the normal tail 2 P(Z > 1.96) = 0.05
    assert replication_false_alarm(1.959964, 10**6) == pytest.approx(0.05, rel=1e-3)


def test_sd_ratio_band():
    # R = 16: s_R/σ in [0.38, 1.75] with probability 1 − 1e-4 (the band quoted in
    # tests/theory/theory_check.py); 1e-4 on each side gives [0.4007, 1.7178].
    lo, hi = sd_ratio_band(16)
    assert (lo, hi) == (pytest.approx(0.3799, abs=1e-4), pytest.approx(1.7544, abs=1e-4))
    assert sd_ratio_band(16, 2e-4) == (pytest.approx(0.4007, abs=1e-4),
                                          pytest.approx(1.7178, abs=1e-4))
    lo8, hi8 = sd_ratio_band(8)
    assert lo8 < lo and hi8 > hi


def test_batch_means_tolerance():
    # i.i.d. values: the batch-means tolerance estimates k · σ / √n
    rng = np.random.default_rng(7)
    x = rng.normal(0.0, 2.0, 200_000)
    tol = batch_means_tolerance(x, batches=40, k=5)
    assert tol == pytest.approx(5 * 2.0 / math.sqrt(x.size), rel=0.35)
    # exact small case: batches [0, 1], [2, 3] -> means 0.5, 2.5 -> sd √2 -> 5 · √2 / √2 = 5
    assert batch_means_tolerance([0, 1, 2, 3, 99], batches=2) == pytest.approx(5.0)
    with pytest.raises(ValueError):
        batch_means_tolerance([1.0], batches=2)
