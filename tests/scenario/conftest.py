"""Fixtures for the scenario loader tests: write YAML into tmp_path, collect the problems."""

from __future__ import annotations

from pathlib import Path

import pytest

import chainsim
from chainsim.errors import Problem, ScenarioError

from .helpers import dedent


@pytest.fixture
def write(tmp_path: Path):
    """write(text, name="s.yaml") -> path of a file holding the dedented text."""

    def _write(text: str, name: str = "s.yaml") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dedent(text), encoding="utf-8")
        return path

    return _write


@pytest.fixture
def problems(write):
    """problems(text) -> the Problems the loader reports for that text (which must fail)."""

    def _problems(text: str, name: str = "s.yaml") -> list[Problem]:
        path = write(text, name)
        with pytest.raises(ScenarioError) as info:
            chainsim.load_scenario(path)
        found = info.value.problems
        assert found, "a ScenarioError must carry at least one problem"
        for p in found:
            assert "\n" not in p.message, "one problem, one line"
            assert p.line >= 1 and p.col >= 1, str(p)
        return found

    return _problems
