"""Small builders for hand-computable scenarios used by the unit tests.

Every scenario here uses constant demand and constant lead times unless a test says otherwise,
so each day's numbers can be worked out by hand from DESIGN §2's phase order.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from chainsim.engine.run import Simulation, resolve
from chainsim.experiments.replicate import kpi_rows


def const(value: float) -> dict[str, Any]:
    return {"dist": "constant", "value": value}


def source(node_id: str = "src", *, price: float | None = None, **extra) -> dict[str, Any]:
    """An outside supplier that never runs out."""
    node: dict[str, Any] = {"id": node_id, "role": "manufacturer", "infinite_supply": True}
    if price is not None:
        node["price"] = price
    node.update(extra)
    return node


def lane(src: str, dst: str, lead: float = 0, **extra) -> dict[str, Any]:
    return {"from": src, "to": dst, "lead_time": const(lead), **extra}


def scenario(nodes, lanes, *, horizon: int = 30, warmup: int = 0, seed: int = 1,
             replications: int = 1, unit_cost: float = 10, price: float = 25,
             name: str = "tiny") -> dict[str, Any]:
    return {
        "name": name,
        "horizon_days": horizon,
        "warmup_days": warmup,
        "replications": replications,
        "seed": seed,
        "products": [{"id": "item", "unit_cost": unit_cost, "price": price}],
        "nodes": nodes,
        "lanes": lanes,
    }


def run(scn: dict[str, Any], replication: int = 0, *, timeseries: bool = True) -> Simulation:
    """One replication of a scenario dict, run to the end of its horizon, every node on its
    own (tests read node internals; model.group is checked against this path)."""
    return Simulation(resolve(scn), replication, timeseries=timeseries, vectorize=False).run()


def node(sim: Simulation, node_id: str):
    return next(n for n in sim.net.nodes if n.id == node_id)


def kpis(sim: Simulation, node_id: str) -> dict[str, float]:
    return {metric: value for _, _, nid, metric, value in kpi_rows(sim) if nid == node_id}


def series(sim: Simulation, node_id: str) -> pd.DataFrame:
    """The node's end-of-day series (all days, warm-up included), indexed by day."""
    frame = sim.series.frame(sim.scenario.name, sim.replication)
    return frame[frame["node"] == node_id].set_index("day")
