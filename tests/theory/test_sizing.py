"""Sizing a policy from a service target (scenario/sizing.py) against theory.

Each sized level is checked against the exact long-run service computed here independently:
``chainsim.theory`` (base_stock_poisson / base_stock_normal, the (s, S) and (r, Q) Markov chains)
or scipy.stats quantiles. "Smallest" means: the sized level meets the target and one unit (0.01
for real-valued demand) less does not. Simulated runs of each sized policy (fixed seeds, R = 16
replications) must meet the target within 5 replication standard errors (theory_check: Student t,
false alarm 1.6e-4 per comparison); for Poisson demand the sizing formulas are exact, so the
simulated value must also match the exact service of the sized levels.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats
from theory_check import K, R, run, single_stage, values

import chainsim
from chainsim import theory as th
from chainsim.errors import ScenarioError
from chainsim.scenario.load import load_scenario
from chainsim.scenario.sizing import as_written, records

ROOT = Path(__file__).resolve().parents[2]


def sized(scn: dict, node: str = "shop"):
    """The sized policy of ``node`` and the sizing records."""
    loaded = load_scenario(scn)
    return loaded.node(node).policy, records(loaded)


def shop(demand: dict, policy: dict, lead=3, costs=None, days=2000, warmup=100, seed=1, **kw):
    return single_stage("sized", demand, policy, lead, costs=costs, days=days, warmup=warmup,
                        seed=seed, **kw)


POISSON = {"dist": "poisson", "mean": 8}


# --------------------------------------------------------------------------- base stock
@pytest.mark.parametrize(("lam", "L", "alpha"), [(8, 3, 0.95), (2.5, 0, 0.9), (20, 7, 0.99)])
def test_base_stock_cycle_service_is_the_poisson_quantile(lam, L, alpha):
    # daily review: CSL = P(X_{L+1} <= S), X ~ Poisson(lam (L + 1)); the smallest S is its quantile
    policy, recs = sized(shop({"dist": "poisson", "mean": lam},
                              {"type": "base_stock", "target": {"cycle_service_level": alpha}}, L))
    assert policy.target is None
    assert policy.S == stats.poisson.ppf(alpha, lam * (L + 1))
    assert th.base_stock_poisson(policy.S, lam, L)["cycle_service_level"] >= alpha
    assert th.base_stock_poisson(policy.S - 1, lam, L)["cycle_service_level"] < alpha
    assert recs[0].line() == f"shop: base_stock S={policy.S:g} from cycle_service_level {alpha:g}"


@pytest.mark.parametrize(("lam", "L", "beta", "review"),
                         [(8, 3, 0.98, 1), (3, 1, 0.9, 1), (8, 2, 0.99, 1), (5, 2, 0.97, 4)])
def test_base_stock_fill_rate_is_smallest_by_the_exact_two_term_formula(lam, L, beta, review):
    policy, _ = sized(shop({"dist": "poisson", "mean": lam},
                           {"type": "base_stock", "review_days": review,
                            "target": {"fill_rate": beta}}, L))
    fill = lambda S: th.base_stock_poisson(S, lam, L, review_days=review)["fill_rate"]  # noqa: E731
    assert fill(policy.S) >= beta > fill(policy.S - 1)


def test_base_stock_cycle_service_with_periodic_review_is_the_daily_average():
    # R = 3: chainsim's CSL is the share of days without backorders, the mean over the cycle's days
    lam, L, review, alpha = 6, 2, 3, 0.93
    policy, _ = sized(shop({"dist": "poisson", "mean": lam},
                           {"type": "base_stock", "review_days": review,
                            "target": {"cycle_service_level": alpha}}, L))
    csl = lambda S: th.base_stock_poisson(S, lam, L, review_days=review)["cycle_service_level"]  # noqa: E731
    assert csl(policy.S) >= alpha > csl(policy.S - 1)


def test_normal_demand_uses_the_closed_form():
    # S = mu (L+1) + z sigma sqrt(L+1) for CSL; fill rate by the normal loss function (both to 0.01)
    mu, sd, L = 100.0, 20.0, 4
    demand = {"dist": "normal", "mean": mu, "sd": sd}
    policy, _ = sized(shop(demand, {"type": "base_stock",
                                    "target": {"cycle_service_level": 0.95}}, L))
    closed = mu * (L + 1) + stats.norm.ppf(0.95) * sd * math.sqrt(L + 1)
    assert closed - 1e-9 <= policy.S <= closed + 0.01
    policy, _ = sized(shop(demand, {"type": "base_stock", "target": {"fill_rate": 0.99}}, L))
    fill = lambda S: th.base_stock_normal(S, mu, sd, L)["fill_rate"]  # noqa: E731
    assert fill(policy.S) >= 0.99 > fill(policy.S - 0.01)


def test_ar1_demand_uses_the_variance_of_its_autocorrelated_sum():
    # Var(x_1 + ... + x_n) = 1' S 1 with S_ij = sd^2 / (1 - phi^2) phi^|i-j| (built here as a matrix)
    mean, phi, sd, L = 50.0, 0.6, 5.0, 3
    policy, _ = sized(shop({"dist": "ar1", "mean": mean, "phi": phi, "sd": sd},
                           {"type": "base_stock", "target": {"cycle_service_level": 0.95}}, L))
    n = L + 1
    idx = np.arange(n)
    cov = sd ** 2 / (1 - phi ** 2) * phi ** np.abs(idx[:, None] - idx[None, :])
    closed = mean * n + stats.norm.ppf(0.95) * math.sqrt(cov.sum())
    assert closed - 1e-9 <= policy.S <= closed + 0.01


def test_negbin_demand_uses_the_negbin_quantile():
    # n-day sums of NB(r, p) are NB(n r, p): the smallest S is the quantile of NB((L+1) r, p)
    mean, var, L = 6.0, 15.0, 2
    policy, _ = sized(shop({"dist": "negbin", "mean": mean, "var": var},
                           {"type": "base_stock", "target": {"cycle_service_level": 0.9}}, L))
    r, p = mean ** 2 / (var - mean), mean / var
    assert policy.S == stats.nbinom.ppf(0.9, (L + 1) * r, p)


def test_negbin_fill_rate_by_the_discrete_loss_function():
    # fill = 1 - (E(X_{L+1} - S)+ - E(X_L - S)+) / mean, the losses summed over scipy's pmf here
    mean, var, L, beta = 6.0, 15.0, 2, 0.97
    policy, _ = sized(shop({"dist": "negbin", "mean": mean, "var": var},
                           {"type": "base_stock", "target": {"fill_rate": beta}}, L))
    r, p, x = mean ** 2 / (var - mean), mean / var, np.arange(3000)

    def fill(S):
        loss = [np.sum(np.maximum(x - S, 0) * stats.nbinom.pmf(x, n * r, p)) for n in (L + 1, L)]
        return 1 - (loss[0] - loss[1]) / mean

    assert fill(policy.S) >= beta > fill(policy.S - 1)


def test_constant_demand_gives_the_deterministic_level():
    policy, _ = sized(shop({"dist": "constant", "value": 5},
                           {"type": "base_stock", "review_days": 2,
                            "target": {"fill_rate": 0.99}}, 3))
    assert policy.S == 5 * (3 + 2)  # exactly the demand over L + R days


def test_random_lead_time_mixes_the_exposure():
    # whole-day leads 2 or 4 (empirical, equally likely): P(X <= S) = mean of the two Poisson cdfs
    lam, alpha = 8, 0.95
    policy, _ = sized(shop({"dist": "poisson", "mean": lam},
                           {"type": "base_stock", "target": {"cycle_service_level": alpha}},
                           {"dist": "empirical", "values": [2, 4]}))
    csl = lambda S: np.mean([stats.poisson.cdf(S, lam * (L + 1)) for L in (2, 4)])  # noqa: E731
    assert csl(policy.S) >= alpha > csl(policy.S - 1)


def test_random_lead_time_is_rounded_up_to_whole_days():
    # uniform(1.5, 2.5) is received after 2 or 3 whole days, half and half; order_delay adds 1
    lam, alpha = 4, 0.9
    policy, _ = sized(shop({"dist": "poisson", "mean": lam},
                           {"type": "base_stock", "target": {"cycle_service_level": alpha}},
                           {"dist": "uniform", "low": 1.5, "high": 2.5}, lane={"order_delay": 1}))
    csl = lambda S: np.mean([stats.poisson.cdf(S, lam * (L + 1)) for L in (3, 4)])  # noqa: E731
    assert csl(policy.S) >= alpha > csl(policy.S - 1)


# --------------------------------------------------------------------------- (s, S) and (r, Q)
def test_rQ_with_given_Q_is_smallest_by_the_markov_chain():
    lam, L, Q, beta = 8, 3, 30, 0.98
    policy, recs = sized(shop(POISSON, {"type": "rQ", "Q": Q, "target": {"fill_rate": beta}}, L))
    assert policy.Q == Q
    fill = lambda r: th.rQ_poisson(r, Q, lam, L)["fill_rate"]  # noqa: E731
    assert fill(int(policy.r)) >= beta > fill(int(policy.r) - 1)
    assert recs[0].line() == f"shop: rQ r={policy.r:g} Q=30 from fill_rate 0.98"


def test_sS_is_smallest_s_for_its_EOQ_by_the_markov_chain():
    # Q = S - s = ceil(EOQ) = ceil(sqrt(2 K lam / h)) = ceil(35.78) = 36; s the smallest by the
    # exact (s, S) chain (the sizing uses the exact renewal law of the IP, no approximation)
    lam, L, beta, K_, h = 8, 3, 0.98, 40.0, 0.5
    policy, _ = sized(shop(POISSON, {"type": "sS", "target": {"fill_rate": beta}}, L,
                           costs={"order": K_, "holding": h}))
    Q = math.ceil(math.sqrt(2 * K_ * lam / h))
    assert policy.S - policy.s == Q
    fill = lambda s: th.sS_poisson(s, s + Q, lam, L)["fill_rate"]  # noqa: E731
    assert fill(int(policy.s)) >= beta > fill(int(policy.s) - 1)


def test_sS_cycle_service_by_the_markov_chain():
    lam, L, alpha = 5, 1, 0.9
    policy, _ = sized(shop({"dist": "poisson", "mean": lam},
                           {"type": "sS", "target": {"cycle_service_level": alpha}}, L,
                           costs={"order": 10.0, "holding": 1.0}))
    Q = policy.S - policy.s
    csl = lambda s: th.sS_poisson(s, s + Q, lam, L)["cycle_service_level"]  # noqa: E731
    assert csl(int(policy.s)) >= alpha > csl(int(policy.s) - 1)


@pytest.mark.parametrize(("extra", "costs", "Q"), [
    ({}, {"order": 40.0, "holding": 0.5}, 36),                 # EOQ sqrt(1280) = 35.8 -> 36
    ({"moq": 50}, {"order": 40.0, "holding": 0.5}, 50),        # the MOQ binds
    ({"multiple": 10}, {"order": 40.0, "holding": 0.5}, 40),   # rounded up to the case pack
    ({"moq": 41, "multiple": 12}, {"order": 40.0, "holding": 0.5}, 48),  # at least moq, in packs
    ({}, {"order": 0.0, "holding": 0.5}, 8),                   # K = 0: one review's demand
    ({"review_days": 2}, {"order": 1.0, "holding": 1.0}, 16),  # EOQ 4 < 2 days' demand: 16
    ({}, {"order": 40.0, "holding": 0.0}, 8),                  # h = 0: one review's demand
])
def test_lot_size_is_the_EOQ_with_moq_and_case_pack(extra, costs, Q):
    policy, _ = sized(shop(POISSON, {"type": "rQ", "target": {"fill_rate": 0.95}, **extra}, 2,
                           costs=costs))
    assert policy.Q == Q


def test_supplier_min_order_binds_like_a_moq():
    scn = shop(POISSON, {"type": "rQ", "target": {"fill_rate": 0.95}}, 2)
    scn["nodes"][0]["min_order"] = 60
    assert sized(scn)[0].Q == 60


# --------------------------------------------------------------------------- networks
def two_stage(shop_policy: dict, dc_policy: dict, *, shops=(8.0,)) -> dict:
    nodes = [{"id": "plant", "role": "manufacturer", "infinite_supply": True},
             {"id": "dc", "role": "distributor", "policy": dc_policy}]
    lanes = [{"from": "plant", "to": "dc", "lead_time": {"dist": "constant", "value": 4}}]
    for k, lam in enumerate(shops):
        nodes.append({"id": f"shop{k}", "role": "retailer",
                      "demand": {"dist": "poisson", "mean": lam}, "policy": shop_policy})
        lanes.append({"from": "dc", "to": f"shop{k}", "lead_time": {"dist": "constant", "value": 2}})
    return {"name": "two-stage", "horizon_days": 2000, "warmup_days": 100, "replications": R,
            "seed": 5, "nodes": nodes, "lanes": lanes}


def test_upstream_is_sized_on_the_demand_its_buyers_pass_on():
    # daily base-stock buyers order their demand: the DC sees Poisson(3 + 5), over its own lead 4
    scn = two_stage({"type": "base_stock", "S": 30},
                    {"type": "base_stock", "target": {"cycle_service_level": 0.95}},
                    shops=(3.0, 5.0))
    policy, recs = sized(scn, "dc")
    assert policy.S == stats.poisson.ppf(0.95, 8 * (4 + 1))
    assert [r.node for r in recs] == ["dc"]


def test_both_stages_sized_at_once():
    scn = two_stage({"type": "base_stock", "target": {"fill_rate": 0.97}},
                    {"type": "base_stock", "target": {"fill_rate": 0.9}})
    loaded = load_scenario(scn)
    fill = lambda S, L: th.base_stock_poisson(S, 8, L)["fill_rate"]  # noqa: E731
    S_dc, S_shop = loaded.node("dc").policy.S, loaded.node("shop0").policy.S
    assert fill(S_dc, 4) >= 0.9 > fill(S_dc - 1, 4)
    assert fill(S_shop, 2) >= 0.97 > fill(S_shop - 1, 2)
    assert [r.node for r in records(loaded)] == ["dc", "shop0"]


def test_market_outlet_uses_its_captured_share():
    # two outlets of a Poisson(80) region, k = 0.3: each captures Poisson(80 (1 - e^-0.6) / 2)
    lam = 80 * (1 - math.exp(-0.6)) / 2
    scn = {"name": "m", "market": {"regions": [{"id": "metro", "demand": POISSON | {"mean": 80}}],
                                   "channels": [{"id": "store", "kind": "store"}],
                                   "coverage": {"k": 0.3}},
           "nodes": [{"id": "plant", "role": "manufacturer", "infinite_supply": True}] + [
               {"id": f"o{i}", "role": "retailer", "region": "metro", "channels": ["store"],
                "policy": {"type": "base_stock", "target": {"cycle_service_level": 0.9}}}
               for i in (1, 2)],
           "lanes": [{"from": "plant", "to": f"o{i}", "lead_time": {"dist": "constant", "value": 1}}
                     for i in (1, 2)]}
    loaded = load_scenario(scn)
    assert loaded.node("o1").policy.S == stats.poisson.ppf(0.9, 2 * lam)


def test_forecast_buyers_make_the_target_an_error():
    scn = two_stage({"type": "sterman"}, {"type": "base_stock", "target": {"fill_rate": 0.9}})
    with pytest.raises(ScenarioError, match="cannot be sized from its target: it supplies "
                                            "'shop0', whose sterman orders"):
        load_scenario(scn)


# --------------------------------------------------------------------------- simulated checks
def _meets(kpis, metric: str, target: float, exact: float) -> None:
    """The simulated mean meets the target within K replication standard errors, and matches
    the exact service of the sized levels within the same tolerance."""
    v = values(kpis, "shop", metric)
    se = float(np.std(v, ddof=1)) / math.sqrt(v.size)
    assert v.mean() >= target - K * se, (metric, v.mean(), target, se)
    assert abs(v.mean() - exact) <= K * se + 1e-9, (metric, v.mean(), exact, se)


SIM = dict(days=3000, warmup=200)


def test_simulated_base_stock_meets_its_cycle_service_target():
    scn = shop(POISSON, {"type": "base_stock", "target": {"cycle_service_level": 0.95}}, 2,
               seed=11, **SIM)
    S = sized(scn)[0].S
    _meets(run(scn), "cycle_service_level", 0.95,
           th.base_stock_poisson(S, 8, 2)["cycle_service_level"])


def test_simulated_base_stock_meets_its_fill_rate_target():
    scn = shop(POISSON, {"type": "base_stock", "target": {"fill_rate": 0.98}}, 2, seed=12, **SIM)
    S = sized(scn)[0].S
    _meets(run(scn), "fill_rate", 0.98, th.base_stock_poisson(S, 8, 2)["fill_rate"])


def test_simulated_sS_meets_its_fill_rate_target():
    scn = shop(POISSON, {"type": "sS", "target": {"fill_rate": 0.98}}, 3,
               costs={"order": 40.0, "holding": 0.5}, seed=13, **SIM)
    p = sized(scn)[0]
    _meets(run(scn), "fill_rate", 0.98, th.sS_poisson(int(p.s), int(p.S), 8, 3)["fill_rate"])


def test_simulated_rQ_meets_its_fill_rate_target():
    scn = shop(POISSON, {"type": "rQ", "target": {"fill_rate": 0.98}}, 3,
               costs={"order": 40.0, "holding": 0.5}, seed=14, **SIM)
    p = sized(scn)[0]
    _meets(run(scn), "fill_rate", 0.98, th.rQ_poisson(int(p.r), int(p.Q), 8, 3)["fill_rate"])


def test_simulated_normal_sS_meets_its_target_conservatively():
    # Normal demand: the IP after ordering is taken uniform on (s, S] (Silver-Pyke-Thomas without
    # undershoot). The true law puts more weight near S, so the approximation is conservative: the
    # simulated fill rate must reach the target (within K se), and may exceed it by a little (we
    # allow up to 0.01 above, a generous bound on that bias for Q ~ 5 days of demand).
    scn = shop({"dist": "normal", "mean": 50, "sd": 10}, {"type": "sS",
               "target": {"fill_rate": 0.97}}, 2, costs={"order": 100.0, "holding": 0.5},
               seed=15, **SIM)
    v = values(run(scn), "shop", "fill_rate")
    se = float(np.std(v, ddof=1)) / math.sqrt(v.size)
    assert 0.97 - K * se <= v.mean() <= 0.98 + K * se, (v.mean(), se)


# --------------------------------------------------------------------------- loading pipeline
def test_with_values_sizes_the_changed_target_again():
    scn = load_scenario(shop(POISSON, {"type": "base_stock", "target": {"fill_rate": 0.9}}, 3))
    higher = chainsim.with_values(scn, {"nodes.shop.policy.target.fill_rate": 0.99})
    longer = chainsim.with_values(scn, {"lanes.plant->shop.lead_time.value": 6})
    fill = lambda S, L: th.base_stock_poisson(S, 8, L)["fill_rate"]  # noqa: E731
    for variant, L, beta in ((higher, 3, 0.99), (longer, 6, 0.9)):
        S = variant.node("shop").policy.S
        assert fill(S, L) >= beta > fill(S - 1, L)
    assert as_written(scn)["nodes"][1]["policy"]["target"] == {"fill_rate": 0.9}


def test_a_sweep_over_the_target_sizes_each_point(tmp_path):
    from chainsim.experiments.sweepfile import load_sweep

    base = tmp_path / "base.yaml"
    import yaml

    base.write_text(yaml.safe_dump(shop(POISSON, {"type": "base_stock",
                                                  "target": {"fill_rate": 0.9}}, 3)))
    (tmp_path / "sweep.yaml").write_text(
        "base: base.yaml\nreplications: 2\nparameters:\n"
        "  nodes.shop.policy.target.fill_rate: [0.9, 0.95, 0.99]\n")
    sweep = load_sweep(tmp_path / "sweep.yaml")
    levels = [p.node("shop").policy.S for p in sweep.scenarios]
    fill = lambda S: th.base_stock_poisson(S, 8, 3)["fill_rate"]  # noqa: E731
    for S, beta in zip(levels, (0.9, 0.95, 0.99), strict=True):
        assert fill(S) >= beta > fill(S - 1)


def test_a_sweep_over_the_target_reruns_identically(tmp_path):
    # the sweep's base.resolved.yaml keeps the target, so a rerun sizes each point again
    import yaml
    from typer.testing import CliRunner

    from chainsim.cli import app

    (tmp_path / "base.yaml").write_text(yaml.safe_dump(shop(
        POISSON, {"type": "base_stock", "target": {"fill_rate": 0.9}}, 3, days=200)))
    (tmp_path / "sweep.yaml").write_text(
        "base: base.yaml\nreplications: 2\nparameters:\n"
        "  nodes.shop.policy.target.fill_rate: [0.9, 0.99]\n")
    runner = CliRunner()
    res = runner.invoke(app, ["sweep", str(tmp_path / "sweep.yaml"), "--out", str(tmp_path / "a"),
                              "--workers", "1", "--quiet"])
    assert res.exit_code == 0, res.output
    base = yaml.safe_load((tmp_path / "a" / "base.resolved.yaml").read_text())
    assert base["nodes"][1]["policy"]["target"] == {"fill_rate": 0.9}
    res = runner.invoke(app, ["rerun", str(tmp_path / "a"), "--out", str(tmp_path / "b")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "a" / "kpis.csv").read_bytes() == (tmp_path / "b" / "kpis.csv").read_bytes()


def test_resolved_scenario_holds_numbers_and_rerun_is_identical(tmp_path):
    from typer.testing import CliRunner

    from chainsim.cli import app

    src = tmp_path / "s.yaml"
    import yaml

    src.write_text(yaml.safe_dump(shop(POISSON, {"type": "sS", "target": {"fill_rate": 0.98}},
                                       3, costs={"order": 40.0, "holding": 0.5}, days=300)))
    runner = CliRunner()
    res = runner.invoke(app, ["validate", str(src)])
    assert res.exit_code == 0 and "shop: sS s=33 S=69 from fill_rate 0.98" in res.stdout
    assert runner.invoke(app, ["run", str(src), "--out", str(tmp_path / "a"), "-q",
                               "--replications", "2"]).exit_code == 0
    resolved = yaml.safe_load((tmp_path / "a" / "scenario.resolved.yaml").read_text())
    assert resolved["nodes"][1]["policy"] == {"type": "sS", "review_days": 1, "moq": 0.0,
                                              "s": 33.0, "S": 69.0}
    res = runner.invoke(app, ["rerun", str(tmp_path / "a"), "--out", str(tmp_path / "b")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "a" / "kpis.csv").read_bytes() == (tmp_path / "b" / "kpis.csv").read_bytes()


def test_shipped_example_validates_and_meets_its_target():
    scn = load_scenario(ROOT / "scenarios" / "examples" / "sized_retailer.yaml")
    assert [r.target for r in records(scn)] == ["fill_rate"]
    res = chainsim.simulate(scn, replications=4, days=1000)
    fill = res.summary.query("node == 'shop' and metric == 'fill_rate'")
    assert float(fill["ci_high"].iloc[0]) >= records(scn)[0].value
