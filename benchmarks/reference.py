#!/usr/bin/env python3
"""Generate the reference benchmark network as a chainsim scenario (dict or YAML).

The network is the one simulated by the bare-SimPy floor (``benchmarks/floors/floor.py``)::

    source (infinite) --3d--> M --5d--> dc1, dc2 --2d--> N retailers

* retailers: Poisson(10) units/day, backordered; (s,S) = (40, 100); lead time DC->retailer 2 days.
* DC d with n_d retailers: (s,S) = (40 n_d, 100 n_d); lead time M->DC 5 days.
* M (role ``wholesaler``): (s,S) = (80 N, 200 N); lead time from the infinite source 3 days.
* retailers are split over the DCs like floor.py's ``split()``: the first ceil(N/2) retailers
  go to dc1, the rest to dc2.
* every node starts with on hand = its S and nothing in transit (chainsim's default).

Usage::

    python benchmarks/reference.py                 # (re)write scenarios/benchmarks/reference_{20,200}.yaml
    python benchmarks/reference.py --sizes 20 --stdout

From Python: ``reference.scenario(n)`` returns the dict, ``reference.to_yaml(d)`` the YAML text.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT_DIR = REPO / "scenarios" / "benchmarks"

# Parameters exactly as in floor.py's docstring.
R_S_LOW, R_S_HIGH, R_LT = 40, 100, 2          # retailer (s, S), DC -> retailer lead time
DC_S_LOW_PER, DC_S_HIGH_PER, DC_LT = 40, 100, 5  # per retailer served; M -> DC lead time
M_S_LOW_PER, M_S_HIGH_PER, M_LT = 80, 200, 3     # per retailer in the network; source -> M
DEMAND_MEAN = 10


def split(n: int) -> list[int]:
    """Retailers per DC, identical to floor.py's ``split()``."""
    return [n // 2 + (1 if i < n % 2 else 0) for i in range(2)]


def retailer_ids(n: int) -> list[str]:
    """``r000 ... r199`` for N = 200 (zero-padded so that ids sort in floor index order)."""
    width = max(3, len(str(n - 1)))
    return [f"r{i:0{width}d}" for i in range(n)]


def scenario(n: int, days: int = 365, seed: int = 1, replications: int = 1) -> dict:
    """The reference network with ``n`` retailers as a chainsim scenario mapping (DESIGN §7)."""
    if n < 2:
        raise ValueError("the reference network needs at least 2 retailers (one per DC)")
    sizes = split(n)
    dcs = ["dc1", "dc2"]
    rids = retailer_ids(n)
    dc_of = [dcs[0]] * sizes[0] + [dcs[1]] * sizes[1]

    nodes: list[dict] = [
        {"id": "source", "role": "manufacturer", "infinite_supply": True},
        {"id": "M", "role": "wholesaler",
         "policy": {"type": "sS", "s": M_S_LOW_PER * n, "S": M_S_HIGH_PER * n},
         "unmet": "backorder"},
    ]
    for dc, k in zip(dcs, sizes, strict=True):
        nodes.append({"id": dc, "role": "distributor",
                      "policy": {"type": "sS", "s": DC_S_LOW_PER * k, "S": DC_S_HIGH_PER * k},
                      "unmet": "backorder"})
    for rid in rids:
        nodes.append({"id": rid, "role": "retailer",
                      "demand": {"dist": "poisson", "mean": DEMAND_MEAN},
                      "policy": {"type": "sS", "s": R_S_LOW, "S": R_S_HIGH},
                      "unmet": "backorder"})

    lanes: list[dict] = [
        {"from": "source", "to": "M", "lead_time": {"dist": "constant", "value": M_LT}},
    ]
    for dc in dcs:
        lanes.append({"from": "M", "to": dc, "lead_time": {"dist": "constant", "value": DC_LT}})
    for rid, dc in zip(rids, dc_of, strict=True):
        lanes.append({"from": dc, "to": rid, "lead_time": {"dist": "constant", "value": R_LT}})

    return {
        "name": f"reference-{n}",
        "description": (
            f"benchmark reference network: infinite source -> M -> 2 DCs -> {n} retailers "
            f"({sizes[0]} + {sizes[1]}), Poisson({DEMAND_MEAN}) demand, (s,S) policies, "
            "as in benchmarks/floors/floor.py"
        ),
        "horizon_days": days,
        "warmup_days": 0,
        "replications": replications,
        "seed": seed,
        "products": [{"id": "item", "unit_cost": 10, "price": 25}],
        "nodes": nodes,
        "lanes": lanes,
    }


_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
_YAML_WORDS = {"true", "false", "yes", "no", "on", "off", "y", "n", "null", "nan", "inf"}


def _flow(obj) -> str:
    """One-line YAML flow style (JSON is valid YAML; bare keys and ids read better)."""
    if isinstance(obj, dict):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in obj.items()) + "}"
    if isinstance(obj, list):
        return "[" + ", ".join(_flow(v) for v in obj) + "]"
    if isinstance(obj, str) and _PLAIN.fullmatch(obj) and obj.lower() not in _YAML_WORDS:
        return obj
    return json.dumps(obj)


def to_yaml(sc: dict, header: str | None = None) -> str:
    """YAML text for a scenario mapping: scalars in block style, one node or lane per line."""
    lines: list[str] = []
    if header:
        lines += [f"# {h}".rstrip() for h in header.splitlines()]
    for key, value in sc.items():
        if isinstance(value, list):
            lines.append(f"{key}:")
            lines += [f"  - {_flow(item)}" for item in value]
        else:
            lines.append(f"{key}: {_flow(value)}")
    return "\n".join(lines) + "\n"


HEADER = """\
GENERATED by benchmarks/reference.py -- do not edit by hand; regenerate with
    python benchmarks/reference.py --sizes {n}
Reference benchmark network (the one in benchmarks/floors/floor.py), N = {n} retailers:
source (infinite) -3d-> M -5d-> dc1, dc2 -2d-> retailers; Poisson(10) demand, backorders;
retailer (s,S) = (40,100), DC (40 n_d, 100 n_d), M (80 N, 200 N); start at on hand = S."""


def write(n: int, out_dir: Path = OUT_DIR) -> Path:
    path = out_dir / f"reference_{n}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(to_yaml(scenario(n), HEADER.format(n=n)), encoding="utf-8")
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="20,200", help="retailer counts, comma-separated")
    ap.add_argument("--out-dir", type=Path, default=OUT_DIR)
    ap.add_argument("--stdout", action="store_true", help="print the YAML instead of writing files")
    a = ap.parse_args()
    for n in (int(x) for x in a.sizes.split(",")):
        if a.stdout:
            print(to_yaml(scenario(n), HEADER.format(n=n)), end="")
        else:
            print(write(n, a.out_dir))


if __name__ == "__main__":
    main()
