"""A study's strategies as scenarios: templates expanded on the study's market, files read.

The shared parts of the study (perspective, product, market, stock rule, transport, run
settings) are handed to every template the same way (`templates.build_network`), so two
strategies differ only in what their entries say.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from chainsim.studies.spec import Study
from chainsim.studies.templates import build_network, describe


def shared(study: Study) -> dict[str, Any]:
    """What every template builds on, as plain data."""
    return {
        "perspective": study.perspective,
        "product": study.product.model_dump(mode="json"),
        "market": study.market.model_dump(mode="json", exclude_none=True),
        "stock": {**study.stock.model_dump(mode="json", exclude={"target"}),
                  "target": study.stock.target.as_dict()},
        "transport": study.transport.model_dump(mode="json"),
        **study.run.model_dump(mode="json"),
    }


def strategy_names(study: Study) -> list[str]:
    """Each strategy's name: its own, else its template's; repeats numbered (selective-2)."""
    names, seen = [], {}
    for s in study.strategies:
        base = s.name or s.template or Path(s.file or "strategy").stem
        seen[base] = seen.get(base, 0) + 1
        names.append(base if seen[base] == 1 else f"{base}-{seen[base]}")
    return names


def expand_templates(study: Study) -> dict[str, dict[str, Any]]:
    """The scenario (a mapping) of every strategy given by template, by strategy name."""
    common = shared(study)
    out = {}
    for name, entry in zip(strategy_names(study), study.strategies, strict=True):
        if entry.template is None:
            continue
        description = describe({**entry.values(), "name": name})
        out[name] = build_network(description, common)
    return out
