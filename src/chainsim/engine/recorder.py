"""Per-node daily time series in preallocated numpy arrays (no Python objects per day)."""

from __future__ import annotations

import numpy as np
import pandas as pd

FIELDS = ("on_hand", "backorders", "on_order", "demand", "orders", "shipments")


class TimeSeries:
    """Arrays of shape (days, nodes) per field, filled in phase 4 of every day."""

    def __init__(self, nodes, days: int):
        self.nodes = nodes
        self.ids = [n.id for n in nodes]
        self.data = {f: np.zeros((days, len(nodes))) for f in FIELDS}

    def record(self, day: int) -> None:
        d = self.data
        for j, n in enumerate(self.nodes):
            d["on_hand"][day, j] = n.on_hand
            d["backorders"][day, j] = n.backlog_qty
            d["on_order"][day, j] = n.on_order
            d["demand"][day, j] = n.day_asked
            d["orders"][day, j] = n.day_ordered
            d["shipments"][day, j] = n.day_shipped

    def frame(self, scenario: str, replication: int) -> pd.DataFrame:
        days, width = self.data["on_hand"].shape
        cols = {
            "scenario": scenario,
            "replication": replication,
            "node": np.tile(np.array(self.ids, dtype=object), days),
            "day": np.repeat(np.arange(days), width),
        }
        for f in FIELDS:
            cols[f] = self.data[f].reshape(-1)
        return pd.DataFrame(cols)
