"""The 3PL's picking stage against queueing theory: M/M/1, M/D/1 (Pollaczek–Khinchine), M/M/c
(Erlang C), and Little's law for the orders inside the building. Expected values come from
``chainsim.theory`` (closed forms), never from the simulator.

Set-up: a 3PL with effectively infinite stock (base stock S far above the horizon's demand,
replenished from an infinite source), consumer orders of one unit arriving as a Poisson process
of λ orders per day, ``pickers`` servers with pick times in minutes, and packing that never
queues (50 packers, pack time 0) — so the picking stage alone is an M/G/c queue and the wait
per order (for a picker plus for a packer) is the picking queue's wait. Times: λ per minute =
per_day / 1440; waits in minutes; the order lead time in days.

Tolerances. Each replication's KPI is an average over the ~λ·T orders (or T days) after
warm-up, and replications are independent (own random streams), so the mean over R
replications has standard error s_R/√R, s_R the sample sd across replications; (mean −
theory)/(s_R/√R) follows Student's t with R − 1 degrees of freedom. With R = 10 and K = 5
standard errors, a correct simulator fails one comparison with probability 2 P(t_7 > 5) ≈
1.6e-3 (``theory.replication_false_alarm``), so the ~13 comparisons below give a false alarm
with probability ≈ 2 % at most — and the seeds are fixed, so a pass stays a pass. Where theory
gives the sampling variance itself (the M/M/1 mean wait: Var ≈ σ²/n with σ² from
``mm1_wait_asymptotic_variance``; the number of Poisson arrivals) we also check that the spread
across replications agrees with it (``sd_ratio_band``), so replications that were copies of each
other, or far noisier than theory, cannot pass by inflating their own tolerance. Warm-up: the
picking queue relaxes in ~1/(μ(1 − √ρ)²) ≈ 3 hours at ρ = 0.7, far below the 2-day warm-up.
Run time: ~10,000 orders per replication keep each test to a few seconds; the mean wait is then
known to ~3 % (one standard error over R replications) and checked to 5 standard errors.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from theory_check import batch_means_tolerance, replication_tolerance, sd_ratio_band

import chainsim
from chainsim import theory as th

R = 8            # replications
K = 5.0          # tolerance in replication standard errors (Student t, R − 1 df)
K_THEORY = 4.5   # tolerance in theory standard errors (normal: 2 P(Z > 4.5) ≈ 7e-6)
MIN_PER_DAY = 1440.0
TRANSIT = 2.0    # days, constant: the lead time is the time in the building + 2 days
NODE = "fc"


def tpl_scenario(name: str, *, per_day: float, pickers: int, pick_time: dict, days: int,
                 seed: int, warmup: int = 2, replications: int = R, packers: int = 50,
                 pack_time: dict | None = None) -> dict:
    """src (infinite source) -> fc (3PL with effectively infinite stock and one channel)."""
    return {
        "name": name, "horizon_days": days, "warmup_days": warmup,
        "replications": replications, "seed": seed,
        "products": [{"id": "item", "unit_cost": 5, "price": 20}],
        "nodes": [
            {"id": "src", "role": "manufacturer", "infinite_supply": True},
            {"id": NODE, "role": "3pl",
             "policy": {"type": "base_stock", "S": 100000},
             "orders": {"per_day": per_day, "size": {"dist": "constant", "value": 1}},
             "channels": [{"id": "web", "kind": "website", "share": 1.0}],
             "pickers": pickers, "pick_time": pick_time,
             "packers": packers,
             "pack_time": pack_time or {"dist": "constant", "value": 0},
             "shipping": [{"method": "standard",
                           "transit_days": {"dist": "constant", "value": TRANSIT},
                           "cost_per_parcel": 4}],
             "fees": {"per_order": 1.0, "per_unit": 0.2, "storage": 0.01}},
        ],
        "lanes": [{"from": "src", "to": NODE, "lead_time": {"dist": "constant", "value": 1}}],
    }


def values(kpis: pd.DataFrame, metric: str) -> np.ndarray:
    sel = kpis[(kpis["node"] == NODE) & (kpis["metric"] == metric)]
    return sel.sort_values("replication")["value"].to_numpy(dtype=float)


def check(kpis: pd.DataFrame, expected: dict[str, float],
          theory_se: dict[str, float] | None = None) -> str:
    """Compare per-replication means with theory; raise with the whole table on a failure.
    Tolerance: K · s_R/√R, or K_THEORY theory standard errors for metrics in ``theory_se``."""
    theory_se = theory_se or {}
    lines, bad = [], 0
    for metric, exp in expected.items():
        v = values(kpis, metric)
        if v.size < 2:
            lines.append(f"FAIL {metric}: missing from kpis ({v.size} values)")
            bad += 1
            continue
        mean = float(v.mean())
        if metric in theory_se:
            tol, how = max(K_THEORY * theory_se[metric], 1e-9), f"{K_THEORY} x theory se"
        else:
            tol, how = replication_tolerance(v, k=K), f"{K} x s_R/sqrt(R)"
        ok = bool(np.all(np.isfinite(v))) and abs(mean - exp) <= tol
        bad += not ok
        lines.append(f"{'ok  ' if ok else 'FAIL'} {metric}: theory {exp:.6g}, observed "
                     f"{mean:.6g} (s_R {np.std(v, ddof=1):.3g}, R {v.size}), |diff| "
                     f"{abs(mean - exp):.3g}, tol {tol:.3g} ({how})")
    table = "\n".join(lines)
    assert not bad, f"{bad} metric(s) off theory:\n{table}"
    return table


def check_spread(kpis: pd.DataFrame, metric: str, per_rep_sd: float) -> None:
    """The sd across replications agrees with theory's per-replication sd: (R − 1) s_R²/σ² ~
    χ²_{R−1}, outside ``sd_ratio_band(R)`` with probability 1e-4."""
    v = values(kpis, metric)
    ratio = float(np.std(v, ddof=1)) / per_rep_sd
    lo, hi = sd_ratio_band(v.size)
    assert lo <= ratio <= hi, (f"{metric}: sd across replications {np.std(v, ddof=1):.4g} vs "
                               f"theory {per_rep_sd:.4g} (ratio {ratio:.3g} not in "
                               f"[{lo:.3g}, {hi:.3g}])")


def orders_metric(kpis: pd.DataFrame) -> str:
    """The name of the consumer-orders-per-day KPI (the brief says ``orders``; the engine may
    call it ``consumer_orders``)."""
    have = set(kpis.loc[kpis["node"] == NODE, "metric"])
    return "consumer_orders" if "consumer_orders" in have else "orders"


# --------------------------------------------------------------------------- one picker
@pytest.mark.parametrize("kind", ["exponential", "constant"])
def test_single_picker_is_mg1(kind):
    # λ = 200 orders/day, mean pick m = 5 minutes: ρ = λ m = 200 · 5 / 1440 = 0.694.
    # Exponential picks: M/M/1, Wq = ρ/(μ − λ) = 11.36 min, P(wait) = ρ.
    # Constant picks: M/D/1, Wq = λ m² / (2 (1 − ρ)) = 5.68 min (Pollaczek–Khinchine), P(wait) = ρ.
    per_day, m = 200.0, 5.0
    lam, mu = per_day / MIN_PER_DAY, 1.0 / m
    if kind == "exponential":
        pick, q, days = {"dist": "exponential", "mean": m}, th.mm1(lam, mu), 50
    else:  # M/D/1 waits vary less: fewer days suffice
        pick, q, days = {"dist": "constant", "value": m}, th.md1(lam, m), 30
    res = chainsim.simulate(tpl_scenario(f"mg1-{kind}", per_day=per_day, pickers=1,
                                         pick_time=pick, days=days, seed=501))
    kpis = res.kpis
    n_orders = per_day * days
    expected = {
        "queue_wait_mean": q["Wq"],                       # minutes
        "queue_wait_prob": q["p_wait"],                   # = ρ
        "utilization_pickers": q["rho"],                  # busy share of the picker = ρ
        # ordered -> delivered: W (wait + pick + pack 0) in days + constant transit
        "order_lead_time_mean": q["W"] / MIN_PER_DAY + TRANSIT,
        # a Poisson count over T days: mean λ, sd √(λ/T) per replication
        orders_metric(kpis): per_day,
    }
    theory_se = {orders_metric(kpis): math.sqrt(per_day / days / R)}
    print(check(kpis, expected, theory_se))
    check_spread(kpis, orders_metric(kpis), math.sqrt(per_day / days))
    if kind == "exponential":
        # Var(mean wait over n orders) ≈ σ²/n, σ² the M/M/1 asymptotic variance (Daley 1968)
        check_spread(kpis, "queue_wait_mean",
                     math.sqrt(th.mm1_wait_asymptotic_variance(lam, mu) / n_orders))
    # packing never queues and takes no time: exactly zero packer utilisation
    assert np.all(np.abs(values(kpis, "utilization_packers")) <= 1e-9)


# --------------------------------------------------------------------------- c pickers
def test_three_pickers_is_mmc_erlang_c():
    # c = 3 pickers, exponential picks of mean 15 min (μ = 1/15 per minute), λ = 216/day =
    # 0.15 per minute: a = λ/μ = 2.25 Erlangs, ρ = a/c = 0.75, P(wait) = C(3, 2.25) = 0.5746
    # (Erlang C), Wq = C/(cμ − λ) = C/0.05 = 11.49 min.
    per_day, m, c, days = 216.0, 15.0, 3, 50
    lam, mu = per_day / MIN_PER_DAY, 1.0 / m
    q = th.mmc(lam, mu, c)
    assert q["p_wait"] == pytest.approx(th.erlang_c(3, 2.25))
    res = chainsim.simulate(tpl_scenario("mmc", per_day=per_day, pickers=c,
                                         pick_time={"dist": "exponential", "mean": m},
                                         days=days, seed=502))
    print(check(res.kpis, {
        "queue_wait_prob": q["p_wait"],
        "queue_wait_mean": q["Wq"],
        "utilization_pickers": q["rho"],                  # busy time / (c × time open) = a/c
        "order_lead_time_mean": q["W"] / MIN_PER_DAY + TRANSIT,
    }))


# --------------------------------------------------------------------------- Little's law
def _time_in_window(start: np.ndarray, end: np.ndarray, t0: float, t1: float) -> np.ndarray:
    """Length of [start, end) ∩ [t0, t1) per order (0 when they do not meet)."""
    return np.clip(np.minimum(end, t1) - np.maximum(start, t0), 0.0, None)


def test_littles_law_orders_in_the_building():
    # One long replication with a trace; orders in the building = ordered, not yet shipped.
    # Picking M/M/1 (λ = 200/day, 5-min picks) then 2 packers with exponential 4-min packs, so
    # the building is a tandem queue; Little's law L = λ W holds whatever the service times.
    per_day, days, warmup = 200.0, 200, 2
    scn = tpl_scenario("little", per_day=per_day, pickers=1,
                       pick_time={"dist": "exponential", "mean": 5.0}, packers=2,
                       pack_time={"dist": "exponential", "mean": 4.0}, days=days,
                       seed=503, warmup=warmup, replications=1)
    res = chainsim.simulate(scn, trace=True)
    tr = res.trace
    tr = tr[(tr["node"] == NODE) & (tr["replication"] == 0)]
    wide = tr.pivot_table(index="order", columns="status", values="time", aggfunc="first")
    ordered = wide["ordered"].to_numpy(dtype=float)
    shipped = wide["shipped"].to_numpy(dtype=float)
    end = warmup + days
    shipped = np.where(np.isnan(shipped), np.inf, shipped)  # still inside at the end
    t0, t1 = float(warmup), float(end - 1)  # the last day is left for orders to leave
    # Sample path: ∫_{t0}^{t1} N(t) dt = Σ_i |[ordered_i, shipped_i) ∩ [t0, t1)| exactly.
    area = _time_in_window(ordered, shipped, t0, t1).sum()
    L_hat = area / (t1 - t0)                             # time-average orders in the building
    inside = (ordered >= t0) & (ordered < t1)
    assert np.all(np.isfinite(shipped[inside])), "an order placed in the window never shipped"
    sojourn = shipped[inside] - ordered[inside]          # days from ordered to shipped
    W_hat = sojourn.mean()
    lam_hat = inside.sum() / (t1 - t0)                   # observed arrival rate per day

    # (1) Sample-path Little's law with the observed rate: L̂ − λ̂ Ŵ is exactly the edge terms
    # (time spent inside the window by orders placed before t0, minus time spent after t1 by
    # orders placed in it), bounded by the sojourns of the orders straddling t0 or t1.
    straddle = ((ordered < t0) & (shipped > t0)) | (inside & (shipped > t1))
    edge = np.minimum(shipped[straddle] - ordered[straddle], t1 - t0).sum() / (t1 - t0)
    assert abs(L_hat - lam_hat * W_hat) <= edge + 1e-9, (L_hat, lam_hat * W_hat, edge)

    # (2) Statistical Little's law with the configured λ: L̂ ≈ λ Ŵ. The error comes from the
    # Poisson count (λ̂ vs λ) and the autocorrelated sojourns; its standard error is estimated
    # by batch means over 40 consecutive windows of 4.95 days (each ~1000 orders, far longer
    # than the ~3-hour correlation time), K = 5 batch standard errors (t with 39 df: false
    # alarm 2 P(t_39 > 5) ≈ 1e-5).
    batches = 40
    edges = np.linspace(t0, t1, batches + 1)
    diffs = []
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        La = _time_in_window(ordered, shipped, a, b).sum() / (b - a)
        sel = (ordered >= a) & (ordered < b)
        diffs.append(La - per_day * (shipped[sel] - ordered[sel]).mean())
    diffs = np.asarray(diffs)
    tol = batch_means_tolerance(diffs, batches=batches, k=K)
    # mean of the batch L̂'s is L̂ itself (equal windows); the λŴ side is averaged per batch
    assert abs(diffs.mean()) <= tol, (L_hat, per_day * W_hat, diffs.mean(), tol)

    # (3) And both against the queueing network: M/M/1 picking then M/M/2 packing (a Jackson
    # tandem: the departures of an M/M/1 are Poisson, Burke), W = W_pick + W_pack.
    lam = per_day / MIN_PER_DAY
    W_theory = (th.mm1(lam, 1 / 5.0)["W"] + th.mmc(lam, 1 / 4.0, 2)["W"]) / MIN_PER_DAY
    batch_W = [(shipped[s] - ordered[s]).mean() for s in
               (((ordered >= a) & (ordered < b)) for a, b in zip(edges[:-1], edges[1:],
                                                                 strict=True))]
    tol_W = batch_means_tolerance(np.asarray(batch_W), batches=batches, k=K)
    assert abs(W_hat - W_theory) <= tol_W, (W_hat, W_theory, tol_W)
    assert abs(L_hat - per_day * W_theory) <= per_day * tol_W + tol, (L_hat, per_day * W_theory)
