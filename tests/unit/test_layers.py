"""The packages of chainsim import one way (README: Architecture): each package imports only
from the packages before it in LAYERS, at module level or inside functions alike."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "chainsim"
LAYERS = ["errors", "theory", "scenario", "model", "engine", "metrics", "results", "report",
          "experiments", "studies", "play", "cli"]


def imports_of(path: Path) -> set[str]:
    """The chainsim packages (or top-level modules) a file imports."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module:
            names = ([f"chainsim.{a.name}" for a in node.names] if node.module == "chainsim"
                     else [node.module])
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        found |= {n.split(".")[1] for n in names if n.startswith("chainsim.")}
    return found


def test_every_package_has_a_layer():
    packages = {p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    modules = {p.stem for p in SRC.glob("*.py")} - {"__init__"}
    assert packages | modules == set(LAYERS)


def test_imports_point_down_the_layers():
    wrong = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).parts
        if rel == ("__init__.py",):
            continue  # the public API re-exports from every layer
        layer = rel[0].removesuffix(".py")
        allowed = set(LAYERS[:LAYERS.index(layer)]) | {layer}
        wrong += [f"{'/'.join(rel)} imports chainsim.{t}" for t in sorted(imports_of(path))
                  if t not in allowed and t != "__version__"]
    assert wrong == []
