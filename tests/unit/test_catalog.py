"""The metric catalogue (metrics/catalog.py) against what chainsim writes and what the README says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import chainsim
from chainsim.metrics import catalog
from chainsim.scenario.load import is_base_file, load_raw

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted(p for p in (ROOT / "scenarios").rglob("*.yaml")
                 if not is_base_file(load_raw(p)))


def _scope(node: str) -> set[str]:
    """The catalogue scopes a row of node ``node`` may belong to (module doc of catalog)."""
    if node == "network":
        return {"network"}
    if node.startswith("owner:"):
        return {"owner"}
    if node.startswith("channel:"):
        return {"market channel"}
    if "/" in node:
        return {"3pl channel"}
    return {"node", "3pl", "outage"}


@pytest.fixture(scope="module")
def written() -> dict[str, set[str]]:
    """metric -> the nodes it was written for, over every shipped scenario (short runs)."""
    seen: dict[str, set[str]] = {}
    for path in SHIPPED:
        res = chainsim.simulate(chainsim.load_scenario(path), replications=2, days=20, warmup=5)
        for node, metric in zip(res.kpis["node"], res.kpis["metric"], strict=True):
            seen.setdefault(metric, set()).add(node)
    return seen


def test_the_shipped_scenarios_cover_every_kind_of_row(written):
    nodes = set().union(*written.values())
    assert {"network"} <= nodes
    assert any(n.startswith("owner:") for n in nodes)
    assert any(n.startswith("channel:") for n in nodes)
    assert any("/" in n for n in nodes)


def test_every_metric_written_is_in_the_catalogue(written):
    assert catalog.unknown(written) == []


def test_every_metric_is_written_where_the_catalogue_says(written):
    for metric, nodes in written.items():
        scopes = set(catalog.get(metric).scopes)
        for node in nodes:
            assert _scope(node) & scopes, (metric, node, scopes)


def test_every_catalogue_metric_is_written_by_some_shipped_scenario(written):
    assert set(catalog.NAMES) - set(written) == set()


def test_entries_are_complete_and_consistent():
    for m in catalog.CATALOG.values():
        assert m.meaning and m.unit and m.header and m.scopes, m.name
        assert m.better in (catalog.HIGHER, catalog.LOWER, catalog.NEITHER)
        assert (m.format == catalog.PERCENT) == (m.unit == "share"), m.name
        if m.name.endswith("_cost"):  # money spent is never better when larger
            assert m.better == catalog.LOWER and m.unit == "currency/day", m.name
        if m.unit == "currency/day" and m.name.endswith("profit"):
            assert m.better == catalog.HIGHER, m.name


def test_unknown_names_with_the_closest_suggestion():
    assert catalog.unknown(["fill_rate", "fill_rat", "nosuch", "fill_rat"]) == ["fill_rat",
                                                                               "nosuch"]
    message = catalog.unknown_message(["fill_rat", "nosuch"])
    assert "'fill_rat' (did you mean 'fill_rate'?)" in message
    assert "'nosuch'," not in message and "'nosuch' (did" not in message
    assert "unknown metrics" in message and "channel_profit" in message
    assert catalog.unknown_message(["fill_rate", "bullwhip"]) is None
    with pytest.raises(ValueError, match="did you mean 'total_cost'"):
        catalog.check(["total_cots"])
    catalog.check(["total_cost"])


def test_readme_metric_table_is_the_catalogue():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- metric table:[^\n]*-->\n(.*?)<!-- end of metric table -->", text,
                      re.S)
    assert block, "README.md has no generated metric table"
    assert block.group(1) == catalog.markdown_table()
    names = re.findall(r"^\| `([a-z0-9_]+)` \|", block.group(1), re.M)
    assert names == list(catalog.NAMES)
