"""``chainsim study`` end to end on a short study, and its refusals at FILE:LINE:COL."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chainsim.cli import app

ROOT = Path(__file__).resolve().parents[2]
STUDY = (ROOT / "studies" / "five_strategies.yaml").read_text(encoding="utf-8")


def short(extra: str = "", **replace: str) -> str:
    text = STUDY.replace("run: {horizon_days: 365, warmup_days: 60, replications: 10, seed: 2026}",
                         "run: {horizon_days: 60, warmup_days: 10, replications: 3, seed: 2026}")
    text = text[:text.index("sensitivity:")]
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new)
    return text + extra


def cli(*args) -> tuple[int, str]:
    res = CliRunner().invoke(app, [str(a) for a in args])
    return res.exit_code, res.output


def test_a_study_runs_and_its_folder_reruns_identically(tmp_path):
    f = tmp_path / "study.yaml"
    f.write_text(short(), encoding="utf-8")
    out = tmp_path / "out"
    code, text = cli("study", f, "--out", out)
    assert code == 0, text
    said = " ".join(text.split())
    assert re.search(r"(Recommendation for brand: \w+\.|are practically tied for brand)", said)
    for name in ("report.html", "ranking.csv", "profit_split.csv", "stock_value.csv",
                 "study.yaml", "manifest.json"):
        assert (out / name).exists(), name
    assert len(list((out / "scenarios").glob("*.resolved.yaml"))) == 5
    # each written strategy is an ordinary scenario that runs
    first = sorted((out / "scenarios").glob("*.resolved.yaml"))[0]
    assert cli("validate", first)[0] == 0
    code, text = cli("rerun", out)
    assert code == 0 and "identical" in text, text


def test_the_ranking_is_the_firms_profit(tmp_path):
    import pandas as pd

    f = tmp_path / "study.yaml"
    f.write_text(short(), encoding="utf-8")
    out = tmp_path / "out"
    assert cli("study", f, "--out", out, "-q")[0] == 0
    ranking = pd.read_csv(out / "ranking.csv")
    summary = pd.read_csv(out / "summary.csv")
    firm = summary[(summary["node"] == "owner:brand") & (summary["metric"] == "profit")]
    expected = firm.sort_values("mean", ascending=False)["scenario"].tolist()
    assert ranking["scenario"].tolist() == expected
    split = pd.read_csv(out / "profit_split.csv")
    channel = summary[(summary["node"] == "network") & (summary["metric"] == "channel_profit")]
    for s, total in zip(channel["scenario"], channel["mean"], strict=True):
        assert split.loc[split["scenario"] == s, "mean"].sum() == pytest.approx(total, rel=1e-9)


@pytest.mark.parametrize("text, where, piece", [
    (short(**{"perspective: brand": "perspectiv: brand"}), ":7:1:",
     "unknown key 'perspectiv' in the study file; did you mean 'perspective'?"),
    (short(**{"{template: direct}": "{template: drect}"}), ":28:6:",
     "strategies[0].template is 'drect'; did you mean 'direct'?"),
    (short(**{"{template: direct}": "{template: direct, price: -3}"}), ":28:",
     "price"),
    (short("sensitivity: {ranges: {market.coverage.kk: [0.1, 0.5]}}\n"), ":33:24:",
     "sensitivity: no key 'kk' under market.coverage"),
    (short("sensitivity: {ranges: {market.coverage.k: [0.5, 0.1]}}\n"), ":33:",
     "the range of market.coverage.k is [0.5, 0.1]; give [low, high] with low < high"),
    (short("sensitivity: {ranges: {product.price: [0, 40]}}\n"), ":33:24:",
     "with product.price = 0 the study is refused"),
    (short("metric: proft\n"), ":33:1:", "unknown metric 'proft' (did you mean 'profit'?)"),
])
def test_bad_study_files_are_refused_at_their_line(tmp_path, text, where, piece):
    f = tmp_path / "study.yaml"
    f.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    code, output = cli("study", f, "--out", out)
    flat = " ".join(output.split())
    assert code == 2, output
    assert f"{f}{where}" in flat and piece in flat, output
    assert "Traceback" not in output and not out.exists()


def test_validate_checks_a_study_and_run_sends_it_to_chainsim_study(tmp_path):
    f = tmp_path / "study.yaml"
    f.write_text(short(), encoding="utf-8")
    code, text = cli("validate", f)
    assert code == 0 and "OK (study five-strategies: 5 strategies" in " ".join(text.split())
    code, text = cli("run", f, "--out", tmp_path / "out")
    assert code == 2
    assert f"this is a study file, not a scenario; run it with chainsim study {f}" in " ".join(
        text.split())
    bad = tmp_path / "bad.yaml"
    bad.write_text(short(**{"perspective: brand": "perspectiv: brand"}), encoding="utf-8")
    code, text = cli("validate", bad)
    assert code == 2 and f"{bad}:7:1: unknown key 'perspectiv'" in text


def test_validate_checks_an_optimisation_file():
    f = ROOT / "experiments" / "optimize" / "single_retailer_sS.yaml"
    code, text = cli("validate", f)
    assert code == 0 and "OK (an optimisation file)" in text
    code, text = cli("run", f)
    assert code == 2 and "this is a optimisation file" not in text
    assert "run it with chainsim optimize" in " ".join(text.split())
