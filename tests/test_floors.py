"""benchmarks/floors/ is an unedited copy of the team's yardsticks (shared/bench/ beside the
repository, where present): the benchmark ratios must be against the real floors."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "bench"
FLOORS = ("floor.py", "floor_3pl.py", "floor_sku.py")


@pytest.mark.parametrize("name", FLOORS)
def test_floor_copy_is_the_shared_one(name):
    copy = ROOT / "benchmarks" / "floors" / name
    assert copy.is_file()
    original = SHARED / name
    if not original.is_file():
        pytest.skip("shared/bench is not beside this checkout")
    assert copy.read_bytes() == original.read_bytes()
