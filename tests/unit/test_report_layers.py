"""``results`` and ``report`` sit below ``experiments`` and above ``metrics``: report reads
tables (and the metric catalogue), never the model or the experiments (STYLE §1)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "chainsim"
ALLOWED = {
    # the resolved scenario leaves out unused defaults; errors: the bottom layer (claim.py's
    # OutputError is a ChainsimError)
    "results": {"results", "scenario", "errors"},
    "report": {"report", "results", "metrics"},
}


def _chainsim_imports(path: Path) -> set[str]:
    """The chainsim subpackages a module imports, at module or function level."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                 else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
        for name in names:
            parts = name.split(".")
            if parts[0] == "chainsim" and len(parts) > 1:
                found.add(parts[1])
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_only_from_below(package):
    for path in sorted((SRC / package).glob("*.py")):
        extra = _chainsim_imports(path) - ALLOWED[package]
        assert not extra, f"{path.name} imports chainsim.{sorted(extra)}"


def test_the_metric_modules_report_uses_stay_off_the_report():
    for name in ("catalog.py", "tiers.py"):
        assert not _chainsim_imports(SRC / "metrics" / name) & {"report", "results",
                                                                 "experiments", "cli", "play"}
