"""The teaching scenarios (scenarios/teaching/) and the lesson's scripts (experiments/teaching/).

Expected values come from theory, never from the simulator: Chen, Drezner, Ryan & Simchi-Levi
(2000) at the retailer, and for the upstream roles the exact linear filter of chainsim's timing
(``experiments/teaching/bullwhip_theory.py``: while no order is cut at 0, every role's orders
are a fixed linear combination of past consumer demands). Sterman's Beer Game has no closed
form; its test checks the classic ordering only.

Tolerances. The files run R = 10 independent replications (own random streams) of 520 weeks;
a replication's ratio is a time average, so the mean over replications has standard error
se = s_R / √R, and (mean − theory) / se follows Student's t with 9 degrees of freedom. As in
tests/theory/theory_check.py we accept K = 5 se: a correct simulator fails one comparison with
probability 2 P(t_9 > 5) ≈ 7e-4 (seeds are fixed, so a pass stays a pass). Comparisons between
two chains are paired (same seed and node names: the same consumers), so they test the mean of
the per-replication differences against 0 with the same K.
"""

from __future__ import annotations

import importlib.util
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import chainsim

ROOT = Path(__file__).resolve().parents[2]
TEACHING = ROOT / "scenarios" / "teaching"
LESSON = ROOT / "experiments" / "teaching"
ROLES = ["retailer", "wholesaler", "distributor", "factory"]  # from the consumer upstream
K = 5.0
EXACT = 1e-9


def _module(path: Path):
    spec = importlib.util.spec_from_file_location(f"teaching_{path.stem}", path)
    mod = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.parent))  # the scripts import their sibling helpers
    try:
        spec.loader.exec_module(mod)
    finally:
        sys.path.remove(str(path.parent))
    return mod


th = _module(LESSON / "bullwhip_theory.py")


def _values(kpis, node: str, metric: str) -> np.ndarray:
    sel = kpis[(kpis["node"] == node) & (kpis["metric"] == metric)]
    return sel.sort_values("replication")["value"].to_numpy(dtype=float)


def _amplification(kpis, node: str) -> np.ndarray:
    """Per replication: the node's orders variance / the consumers' demand variance."""
    return _values(kpis, node, "orders_variance") / _values(kpis, "retailer", "demand_variance")


def _se(v: np.ndarray) -> float:
    return float(v.std(ddof=1) / math.sqrt(v.size))


def _near(v: np.ndarray, expected: float, what: str) -> None:
    tol = max(K * _se(v), EXACT)
    assert abs(v.mean() - expected) <= tol, (
        f"{what}: mean {v.mean():.4g} over {v.size} replications, expected {expected:.4g}, "
        f"|diff| {abs(v.mean() - expected):.3g} > {K} se = {tol:.3g}")


def _above(larger: np.ndarray, smaller: np.ndarray, what: str) -> None:
    """Paired (same replication = same consumers): the mean difference is above 0 by K se."""
    d = larger - smaller
    assert d.mean() > K * _se(d), (
        f"{what}: mean paired difference {d.mean():.4g}, se {_se(d):.3g}")


_RUNS: dict[str, object] = {}


def run(name: str):
    """Per-replication KPIs of scenarios/teaching/<name>.yaml with its own settings (cached)."""
    if name not in _RUNS:
        _RUNS[name] = chainsim.simulate(TEACHING / f"{name}.yaml").kpis
    return _RUNS[name]


def chain() -> dict:
    return th.serial_chain(chainsim.load_scenario(TEACHING / "bullwhip_ma_8.yaml"))


# --------------------------------------------------------------------------- files
def test_every_teaching_file_validates():
    files = sorted(TEACHING.glob("*.yaml"))
    names = {f.stem for f in files}
    assert {"beer_game", "bullwhip_base_stock", "bullwhip_ma_4", "bullwhip_ma_8",
            "bullwhip_ma_16", "bullwhip_shared"} <= names
    for f in files:
        chainsim.load_scenario(f)
    cli = Path(sys.executable).with_name("chainsim")
    cmd = [str(cli)] if cli.exists() else [sys.executable, "-m", "chainsim.cli"]
    done = subprocess.run([*cmd, "validate", *map(str, files)], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count(": OK") == len(files), done.stdout


def test_bullwhip_files_share_the_beer_game_chain():
    """Same tiers, lanes, delays, costs and period as beer_game.yaml, same demand and seed."""
    game = chainsim.load_scenario(TEACHING / "beer_game.yaml")
    lanes = {(ln.src, ln.dst, ln.order_delay, ln.lead_time) for ln in game.lanes}
    costs = {n.id: n.costs for n in game.nodes}
    demand = None
    for name in ["bullwhip_base_stock", "bullwhip_ma_4", "bullwhip_ma_8", "bullwhip_ma_16",
                 "bullwhip_shared"]:
        scn = chainsim.load_scenario(TEACHING / f"{name}.yaml")
        assert scn.period == "week"
        assert {(ln.src, ln.dst, ln.order_delay, ln.lead_time) for ln in scn.lanes} == lanes
        assert {n.id: n.costs for n in scn.nodes} == costs
        assert (scn.seed, scn.replications) == (2000, 10)
        demand = demand or scn.node("retailer").demand
        assert scn.node("retailer").demand == demand


# --------------------------------------------------------------------------- Beer Game
def test_beer_game_orders_variance_grows_from_retailer_to_factory():
    """Sterman's bots: one step in demand, orders swing more at every role upstream. The
    ``bullwhip`` KPI is local (orders over what the role was asked), so compare the orders
    variance itself and its ratio to the consumers' demand variance."""
    kpis = chainsim.simulate(TEACHING / "beer_game.yaml").kpis
    var = [float(_values(kpis, r, "orders_variance")[0]) for r in ROLES]
    assert all(a < b for a, b in zip(var, var[1:], strict=False)), dict(zip(ROLES, var,
                                                                             strict=True))
    amp = [float(_amplification(kpis, r)[0]) for r in ROLES]
    assert amp[0] > 1 and all(a < b for a, b in zip(amp, amp[1:], strict=False)), amp


# --------------------------------------------------------------------------- base stock
def test_base_stock_chain_passes_demand_through():
    """Every role orders exactly what it was asked. Upstream roles open their buyer's order
    before they review, so orders = asked on the same day and the ratio is 1 to rounding. The
    retailer's consumers come after its review, so it orders yesterday's demand: orders and
    demand are the same i.i.d. series over windows one week apart, whose sample variances
    differ by one squared deviation at each end: ratio − 1 ≈ ((D_a − μ)² − (D_b − μ)²) / ((n − 1)
    σ²), mean 0 and sd √(2 · 2) / (n − 1) = 2 / (n − 1) per replication (χ²₁ has variance 2).
    Tolerance K = 5 of its standard error over R replications, 5 · 2 / ((n − 1) √R)."""
    kpis = run("bullwhip_base_stock")
    scn = chainsim.load_scenario(TEACHING / "bullwhip_base_stock.yaml")
    n, r = scn.horizon_days, scn.replications
    bw = _values(kpis, "retailer", "bullwhip")
    tol = K * 2.0 / ((n - 1) * math.sqrt(r))
    assert abs(bw.mean() - 1.0) <= tol, f"retailer {bw.mean():.6f}, tolerance {tol:.2g}"
    for role in ROLES[1:]:
        np.testing.assert_allclose(_values(kpis, role, "bullwhip"), 1.0, rtol=EXACT,
                                   err_msg=role)
        np.testing.assert_allclose(_values(kpis, role, "order_frequency"), 1.0, rtol=0)


def test_base_stock_factory_meets_its_critical_fractile():
    """The factory's supplier never runs out, so it is the textbook base-stock node: with
    protection period T = 3 weeks (see the file), P(no backorders at the end of a week) =
    Φ((S − 3μ) / (σ √3)) = Φ(0.37 / 0.866) = 0.665 (the level was rounded from z = 0.4307)."""
    from scipy.stats import norm

    expected = float(norm.cdf((24.37 - 24.0) / (0.5 * math.sqrt(3))))
    _near(_values(run("bullwhip_base_stock"), "factory", "cycle_service_level"), expected,
          "factory cycle_service_level")


# --------------------------------------------------------------------------- moving averages
@pytest.mark.parametrize("window", [4, 8, 16])
def test_retailer_ratio_matches_chen_et_al(window):
    """Retailer: 1 + 2L/p + 2L²/p², L = lead 2 + order delay 2 + review 1 = 5; its orders have
    sd at most 0.5 √6.63 = 1.3 around 8, so none is ever cut at 0."""
    expected = th.chen(chain()["covers"][0], window)
    _near(_values(run(f"bullwhip_ma_{window}"), "retailer", "bullwhip"), expected,
          f"retailer bullwhip, window {window}")


@pytest.mark.parametrize("name, window, shared, roles", [
    ("bullwhip_ma_16", 16, False, ROLES),
    ("bullwhip_ma_8", 8, False, ROLES[:3]),  # the factory orders nothing in ~2% of weeks
    ("bullwhip_shared", 8, True, ROLES),
])
def test_upstream_amplification_matches_the_linear_theory(name, window, shared, roles):
    """Each role's orders variance over the consumers' demand variance against the exact
    linear filter of chainsim's timing, where orders stay positive: their sd is at most
    0.5 × √19.7 = 2.2 around 8 (3.6 sd) for the roles checked."""
    c = chain()
    theory = th.chain_variances(c["covers"], c["delays"], window, shared)
    kpis = run(name)
    for role, expected in zip(ROLES, theory, strict=True):
        if role in roles:
            _near(_amplification(kpis, role), expected, f"{name} {role}")


def test_shorter_window_amplifies_more_at_every_role():
    """Windows 16 > 8 > 4: the ratio of each role's orders variance to the consumers' demand
    variance grows as the window shrinks, paired replication by replication (same consumers).
    (A role's own ``bullwhip`` — orders over what it was asked — need not: with a 4-week window
    the distributor's orders are cut at 0 so often that what the factory is asked is damped.)"""
    runs = {w: run(f"bullwhip_ma_{w}") for w in (4, 8, 16)}
    for role in ROLES:
        _above(_amplification(runs[8], role), _amplification(runs[16], role), f"{role} 8 vs 16")
        _above(_amplification(runs[4], role), _amplification(runs[8], role), f"{role} 4 vs 8")
    base = _amplification(run("bullwhip_base_stock"), "factory")
    _above(_amplification(runs[16], "factory"), base, "factory 16 vs base stock")


def test_information_sharing_lowers_amplification_upstream():
    """bullwhip_shared vs bullwhip_ma_8 (same seed: the same consumers): the retailer is the
    same (it forecasts its own demand either way); every role upstream, above all the factory,
    varies less with the consumers' demand shared (theory: 5.09 against 58.4)."""
    own, shared = run("bullwhip_ma_8"), run("bullwhip_shared")
    np.testing.assert_allclose(_values(shared, "retailer", "orders_variance"),
                               _values(own, "retailer", "orders_variance"), rtol=EXACT)
    for role in ROLES[1:]:
        _above(_amplification(own, role), _amplification(shared, role), f"{role} own vs shared")
    assert _amplification(shared, "factory").mean() * 5 < _amplification(own, "factory").mean()


# --------------------------------------------------------------------------- the lesson's scripts
def test_script_beer_game_runs():
    out = _module(LESSON / "01_beer_game.py").main([])
    assert out["grows"]


def test_script_forecast_windows_runs():
    out = _module(LESSON / "02_forecast_windows.py").main(["--replications", "3",
                                                           "--weeks", "200"])
    assert out["base stock"]["factory"] == pytest.approx(1.0, abs=0.1)
    assert out["MA 4"]["factory"] > out["MA 8"]["factory"] > out["MA 16"]["factory"]


def test_script_information_sharing_runs():
    out = _module(LESSON / "03_information_sharing.py").main(["--replications", "3",
                                                              "--weeks", "200"])
    assert out["ma8"][True]["factory"] < out["ma8"][False]["factory"]
    assert out["factory_ma4"][True] < out["factory_ma4"][False]


def test_scripts_run_from_the_repo_root():
    """As the README says: plain scripts, run from the repository root."""
    done = subprocess.run([sys.executable, "experiments/teaching/01_beer_game.py"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "orders variance grows at every step upstream: True" in done.stdout
