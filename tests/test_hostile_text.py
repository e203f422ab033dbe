"""Hostile user text end to end (issue 9): scenario names, descriptions, node and channel ids
holding markup, template syntax, path parts and unicode. ``chainsim compare`` and ``chainsim
run`` must render them as text: no live ``<script`` or ``onerror=`` in report.html, well-formed
SVG figures, result folders that stay inside --out, and CSVs that read back the exact strings."""

from __future__ import annotations

import html
import io
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[1]
ENV = {"COLUMNS": "200", "NO_COLOR": "1"}

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
RTL = "\u202eevil\u202c \u200f\U0001f4a3"
NAME_A = f"{SCRIPT} ../../etc {{{{7*7}}}}"
NAME_B = f"{IMG} &amp; $x$ {RTL}"
DESCRIPTION = f"{SCRIPT} {IMG} &amp; {{{{7*7}}}} $x$ ../../etc {RTL}"
NODE = f"fc{SCRIPT}"
CHANNEL = f"web{IMG}"
HOSTILE = [NAME_A, NAME_B, DESCRIPTION, NODE, CHANNEL]


def hostile_scenario(name: str) -> dict:
    yaml = YAML(typ="safe", pure=True)
    data = yaml.load((ROOT / "scenarios/examples/ecommerce_3pl.yaml").read_text(encoding="utf-8"))
    data.update(name=name, description=DESCRIPTION, horizon_days=30, warmup_days=5,
                replications=2)
    for node in data["nodes"]:
        if node["id"] == "fc":
            node["id"] = NODE
            node["channels"][0]["id"] = CHANNEL
    for lane in data["lanes"]:
        lane["to"] = NODE if lane["to"] == "fc" else lane["to"]
    return data


def write(data: dict, path: Path) -> Path:
    yaml = YAML(typ="safe", pure=True)
    yaml.allow_unicode = True
    buf = io.StringIO()
    yaml.dump(data, buf)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def invoke(args: list[str], cwd: Path):
    from typer.testing import CliRunner

    from chainsim.cli import app

    here = os.getcwd()
    os.chdir(cwd)
    try:
        res = CliRunner().invoke(app, [str(a) for a in args], env=ENV)
    finally:
        os.chdir(here)
    assert res.exit_code == 0, (res.output, res.exception)
    assert "Traceback" not in res.output
    return res


@pytest.fixture(scope="module")
def compared(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("hostile")
    a = write(hostile_scenario(NAME_A), tmp / "a.yaml")
    b = write(hostile_scenario(NAME_B), tmp / "b.yaml")
    invoke(["compare", a, b, "--out", tmp / "out", "--replications", "2", "--days", "20",
            "--metric", "total_cost"], tmp)
    return tmp


def test_scenarios_load_with_hostile_text(tmp_path):
    import chainsim

    scn = chainsim.load_scenario(write(hostile_scenario(NAME_A), tmp_path / "a.yaml"))
    assert scn.name == NAME_A and scn.description == DESCRIPTION
    assert NODE in [n.id for n in scn.nodes]


def test_report_html_shows_hostile_text_escaped(compared):
    report = (compared / "out" / "report.html").read_text(encoding="utf-8")
    assert "<script" not in report.lower()
    # the only images are the figures, as PNG data
    assert re.findall(r"<img\b[^>]*", report.lower()) == re.findall(
        r'<img src="data:image/png;base64,[a-z0-9+/=]*"(?: alt="[^"<>]*")?', report.lower())
    # onerror= may only appear inside escaped text, i.e. after an escaped '&lt;img'
    for m in re.finditer("onerror=", report):
        assert "&lt;img" in report[max(0, m.start() - 40):m.start()], report[m.start() - 80:m.end()]
    for text in (NAME_A, NAME_B, DESCRIPTION):
        assert html.escape(text, quote=True) in report or html.escape(text, quote=False) in \
            report, text
    assert "&amp;amp;" in report  # the literal '&amp;' is itself escaped


def test_svg_figures_are_well_formed_with_names_as_text(compared):
    svgs = sorted((compared / "out").rglob("*.svg"))
    assert svgs
    texts = []
    for svg in svgs:
        root = ET.parse(svg).getroot()  # raises on markup that breaks the document
        assert not [e for e in root.iter() if e.tag.split("}")[-1] in ("script", "img")]
        assert not [k for e in root.iter() for k in e.attrib if k.lower().startswith("on")]
        texts += ["".join(e.itertext()) for e in root.iter()]
    joined = "\n".join(texts)
    for name in (NAME_A, NAME_B):
        assert name in joined, name
    for svg in svgs:
        assert b"<script" not in svg.read_bytes()


def test_compare_files_stay_inside_out_and_csvs_round_trip(compared):
    out = (compared / "out").resolve()
    for path in out.rglob("*"):
        assert path.resolve().is_relative_to(out), path
    assert sorted(p.name for p in compared.iterdir()) == ["a.yaml", "b.yaml", "out"]
    scenarios = pd.read_csv(out / "scenarios.csv", keep_default_na=False)
    assert set(scenarios["scenario"]) == {NAME_A, NAME_B}
    assert set(scenarios["description"]) == {DESCRIPTION}
    nodes = pd.read_csv(out / "nodes.csv", keep_default_na=False)
    assert NODE in set(nodes["node"])
    for csv in out.glob("*.csv"):
        pd.read_csv(csv)  # every table parses


def test_run_keeps_names_inside_the_results_folder(tmp_path):
    path = write(hostile_scenario("../../escape"), tmp_path / "a.yaml")
    (tmp_path / "work").mkdir()
    invoke(["run", path, "--replications", "2", "--days", "20", "-q"], tmp_path / "work")
    results = (tmp_path / "work" / "results").resolve()
    written = [p for p in (tmp_path / "work").rglob("*") if p.is_file()]
    assert written and all(p.resolve().is_relative_to(results) for p in written), written
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.yaml", "work"]
    kpis = pd.read_csv(next(results.rglob("kpis.csv")), keep_default_na=False)
    assert NODE in set(kpis["node"])


def test_run_csvs_round_trip_hostile_text(tmp_path):
    path = write(hostile_scenario(NAME_B), tmp_path / "b.yaml")
    invoke(["run", path, "--replications", "2", "--days", "20", "--out", tmp_path / "out", "-q"],
           tmp_path)
    kpis = pd.read_csv(tmp_path / "out" / "kpis.csv", keep_default_na=False)
    assert NODE in set(kpis["node"])
    for column in kpis.columns:
        if kpis[column].dtype == object:
            assert not any("\ufffd" in v for v in kpis[column])
    for csv in (tmp_path / "out").glob("*.csv"):
        text = csv.read_text(encoding="utf-8")
        for word in HOSTILE:
            if word in text:
                assert word in "\n".join(pd.read_csv(csv, keep_default_na=False)
                                         .astype(str).to_numpy().ravel())
