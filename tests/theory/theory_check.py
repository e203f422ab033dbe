"""Helpers of the statistical tests: build small scenarios, run chainsim, compare with theory.

Tolerances (used by every test unless it says otherwise). Daily values are autocorrelated, so
the naive i.i.d. standard error over days is wrong. Each replication's value is a time average
over ``days`` days, and replications are independent (own random streams), so the mean over R
replications has standard error se = s_R / √R, s_R the sample standard deviation across
replications. (mean − theory) / se then follows Student's t with R − 1 degrees of freedom; with
R = 16 and a tolerance of K = 5 se, a correct simulator fails one comparison with probability
2 P(t_15 > 5) ≈ 1.6e-4, so the ~150 comparisons of tests/theory give a false alarm with
probability ≈ 2 % at most — and the seeds are fixed, so a pass stays a pass. Where theory gives
the standard error itself (``theory_se``: window-sum functionals of a base-stock node, see
``window_sum_time_average_variance``) the tolerance is K_THEORY = 4.5 theory standard errors
(normal tail 2 P(Z > 4.5) ≈ 7e-6), which does not depend on the simulator's own spread. Metrics
that theory says are constant (zero lost sales under backordering, on order 0 with L = 0, …)
must match to 1e-9, and no tolerance is below 1e-9 (float rounding).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

import chainsim

R = 16  # replications
K = 5.0  # tolerance in replication standard errors (Student t, R - 1 df)
K_THEORY = 4.5  # tolerance in theory standard errors (normal)
EXACT = 1e-9  # tolerance for metrics that are constant in theory


def single_stage(name: str, demand: dict, policy: dict, lead_time: dict | int, *,
                 unmet: str = "backorder", costs: dict | None = None, price: float = 25.0,
                 lane: dict | None = None, days: int, warmup: int, seed: int) -> dict:
    """plant (infinite source) -> shop (retailer with demand and a policy)."""
    lt = lead_time if isinstance(lead_time, dict) else {"dist": "constant", "value": lead_time}
    return {
        "name": name, "horizon_days": days, "warmup_days": warmup, "replications": R,
        "seed": seed,
        "products": [{"id": "item", "unit_cost": 10, "price": price}],
        "nodes": [
            {"id": "plant", "role": "manufacturer", "infinite_supply": True},
            {"id": "shop", "role": "retailer", "demand": demand, "policy": policy,
             "unmet": unmet, "costs": costs or {}},
        ],
        "lanes": [{"from": "plant", "to": "shop", "lead_time": lt, **(lane or {})}],
    }


def run(scenario: dict) -> pd.DataFrame:
    """Per-replication KPIs of a scenario (R replications, the scenario's days and seed)."""
    res = chainsim.simulate(scenario, replications=R, days=scenario["horizon_days"],
                            seed=scenario["seed"], warmup=scenario["warmup_days"])
    return res.kpis


def values(kpis: pd.DataFrame, node: str, metric: str) -> np.ndarray:
    sel = kpis[(kpis["node"] == node) & (kpis["metric"] == metric)]
    return sel.sort_values("replication")["value"].to_numpy(dtype=float)


def compare(kpis: pd.DataFrame, node: str, expected: dict[str, float], *,
            theory_se: dict[str, float] | None = None,
            exact: tuple[str, ...] = ()) -> tuple[list[str], str]:
    """Compare per-replication means with theory. Returns (failures, full table)."""
    theory_se = theory_se or {}
    lines, failures = [], []
    for metric, exp in expected.items():
        v = values(kpis, node, metric)
        if v.size == 0:
            failures.append(f"{node}.{metric}: missing from kpis")
            continue
        mean = float(np.mean(v))
        s_r = float(np.std(v, ddof=1)) if v.size > 1 else float("nan")
        if metric in exact:
            tol, how = EXACT, "exact"
        elif metric in theory_se:
            tol, how = K_THEORY * theory_se[metric], f"{K_THEORY} x theory se"
        else:
            tol, how = K * s_r / math.sqrt(v.size), f"{K} x s_R/sqrt(R)"
        tol = max(tol, EXACT)  # rounding only, when all replications agree
        ok = bool(np.all(np.isfinite(v))) and abs(mean - exp) <= tol
        line = (f"{node}.{metric}: expected {exp:.6g}, observed {mean:.6g} "
                f"(s_R {s_r:.3g}, R {v.size}), |diff| {abs(mean - exp):.3g}, tol {tol:.3g} "
                f"({how})")
        lines.append(("ok   " if ok else "FAIL ") + line)
        if not ok:
            failures.append(line)
    return failures, "\n".join(lines)


def check(kpis: pd.DataFrame, node: str, expected: dict[str, float], **kw) -> None:
    failures, table = compare(kpis, node, expected, **kw)
    assert not failures, f"{len(failures)} metric(s) off theory:\n{table}"


def spread_consistent(kpis: pd.DataFrame, node: str, metric: str, per_rep_sd: float) -> str:
    """Empty string when the spread across replications is consistent with the theory
    per-replication sd (and replications are not copies of each other). s_R² / σ² ~ χ²_{R−1} /
    (R − 1): with R = 16 the ratio s_R / σ lies in [0.38, 1.75] with probability 1 − 1e-4; we
    accept [0.3, 2.0]."""
    v = values(kpis, node, metric)
    ratio = float(np.std(v, ddof=1)) / per_rep_sd
    if 0.3 <= ratio <= 2.0:
        return ""
    return (f"{node}.{metric}: sd across replications {np.std(v, ddof=1):.4g} vs theory "
            f"{per_rep_sd:.4g} (ratio {ratio:.3g}, accepted [0.3, 2.0])")


# --------------------------------------------------------------------------- tolerances
# How close a simulated mean must be to theory: statistics of the tests, not theory, so they
# live here and not in chainsim.theory.
def replication_tolerance(values, k: float = 5.0, floor: float = 1e-9) -> float:
    """Tolerance k · s_R / √R for the mean of R independent replications ``values`` (one
    number per replication; s_R their sample standard deviation, ddof = 1), never below
    ``floor``. (mean − truth) / (s_R / √R) follows Student's t with R − 1 degrees of freedom
    (replications are i.i.d. and each is an average of many observations, so close to
    normal): a correct simulator exceeds the tolerance with probability
    ``replication_false_alarm(k, R)``."""
    v = np.asarray(values, dtype=float)
    if v.size < 2:
        raise ValueError("need at least 2 replications for a spread-based tolerance")
    return max(float(k) * float(np.std(v, ddof=1)) / math.sqrt(v.size), float(floor))


def replication_false_alarm(k: float, replications: int) -> float:
    """Two-sided probability 2 P(t_{R−1} > k) that a correct mean of R = ``replications``
    i.i.d. near-normal replications lies more than k = ``k`` standard errors s_R/√R from the
    truth (e.g. k = 5: R = 8 → 1.6e-3, R = 16 → 1.6e-4)."""
    return float(2.0 * stats.t.sf(float(k), int(replications) - 1))


def sd_ratio_band(replications: int, prob: float = 1e-4) -> tuple[float, float]:
    """Band [lo, hi] for s_R / σ, the sample sd of R = ``replications`` i.i.d. normal values
    over their true sd σ: (R − 1) s_R² / σ² ~ χ²_{R−1}, so the ratio lies outside the band
    with probability ``prob`` (half on each side). Used to check that independent
    replications spread as theory says (neither copies of each other nor too noisy)."""
    df = int(replications) - 1
    lo = math.sqrt(stats.chi2.ppf(prob / 2, df) / df)
    hi = math.sqrt(stats.chi2.isf(prob / 2, df) / df)
    return lo, hi


def batch_means_tolerance(values, batches: int = 20, k: float = 5.0,
                          floor: float = 1e-9) -> float:
    """Tolerance k · s_B / √B for the mean of one long autocorrelated series ``values`` split
    into B = ``batches`` consecutive batches of equal length (the remainder at the end is
    dropped); s_B the sample sd of the batch means. When batches are much longer than the
    correlation time, the batch means are nearly i.i.d. normal and the mean's error over
    s_B/√B follows Student's t with B − 1 degrees of freedom (see
    ``replication_false_alarm``)."""
    v = np.asarray(values, dtype=float)
    b = int(batches)
    size = v.size // b
    if b < 2 or size < 1:
        raise ValueError(f"need at least 2 batches of one value (got {v.size} values, {b})")
    means = v[: b * size].reshape(b, size).mean(axis=1)
    return replication_tolerance(means, k=k, floor=floor)
