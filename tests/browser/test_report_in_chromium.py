"""The reports in a real browser: headless Chromium (Debian's ``chromium``) through Playwright.

Each report must load with no console error or warning, request nothing outside its own file
(no network: it is forwarded as one file), and never scroll sideways at 800 px or on a phone
(390 px): wide tables scroll in their own box. Skipped where Chromium or Playwright is absent;
CI installs both (.ci/run).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from chainsim.experiments.compare import compare
from chainsim.report.html import write_comparison
from chainsim.studies.run import run_study, write_study
from chainsim.studies.studyfile import load_study

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium on this machine")

ROOT = Path(__file__).resolve().parents[2]
WIDTHS = (800, 390)


def _short_study(tmp_path: Path) -> Path:
    text = (ROOT / "studies" / "five_strategies.yaml").read_text(encoding="utf-8")
    text = text.replace("run: {horizon_days: 365, warmup_days: 60, replications: 10, seed: 2026}",
                        "run: {horizon_days: 60, warmup_days: 20, replications: 3, seed: 2026}")
    # a quick sensitivity analysis, so that the robustness figures are in the page too
    text = text.replace("horizon_days: 180", "horizon_days: 30").replace("steps: 3", "steps: 2")
    f = tmp_path / "study.yaml"
    f.write_text(text, encoding="utf-8")
    return f


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("reports")
    study = load_study(_short_study(tmp))
    write_study(study, run_study(study), tmp / "study", "test")
    cmp = compare(study.scenarios, replications=2, days=30, warmup=10)
    write_comparison(cmp, tmp / "compare", "test")
    return {"study": tmp / "study" / "report.html", "compare": tmp / "compare" / "report.html"}


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.mark.parametrize("which", ["study", "compare"])
@pytest.mark.parametrize("width", WIDTHS)
def test_report_loads_cleanly_and_fits_the_window(reports, browser, which, width):
    page = browser.new_page(viewport={"width": width, "height": 900})
    problems, outside = [], []
    page.on("console", lambda m: problems.append(f"{m.type}: {m.text}")
            if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("request", lambda r: outside.append(r.url)
            if not r.url.startswith(("file:", "data:")) else None)
    page.goto(reports[which].as_uri())
    page.wait_for_load_state("load")
    wide = page.evaluate("document.documentElement.scrollWidth")
    images = page.evaluate("[...document.images].filter(i => !i.complete || !i.naturalWidth)"
                           ".length")
    page.close()
    assert problems == []
    assert outside == []
    assert wide <= width, f"{which} report is {wide} px wide in a {width} px window"
    assert images == 0, "an embedded figure did not load"


def test_the_study_report_opens_with_its_recommendation(reports, browser):
    page = browser.new_page(viewport={"width": 800, "height": 900})
    page.goto(reports["study"].as_uri())
    first = page.locator(".summary p").first.inner_text()
    headings = page.locator("h2").all_inner_texts()
    page.close()
    assert first.startswith(("Recommendation for brand:", "direct and", "indirect and"))
    assert headings[:4] == ["Ranking for brand", "Would the answer change?", "Who earns what",
                            "Service, volume and stock"]
