"""Per-node daily time series in preallocated numpy arrays (no Python objects per day)."""

from __future__ import annotations

import numpy as np
import pandas as pd

FIELDS = ("on_hand", "backorders", "on_order", "demand", "orders", "shipments")


class TimeSeries:
    """Arrays of shape (days, nodes) per field, filled after the day's demand (phase 3);
    columns follow the network's topological order."""

    def __init__(self, net, days: int):
        self.ids = list(net.order)
        column = {nid: j for j, nid in enumerate(self.ids)}
        self.nodes = [(column[n.id], n) for n in net.nodes]
        self.groups = [(np.array([column[m] for m in g.ids]), g) for g in net.groups]
        self.data = {f: np.zeros((days, len(self.ids))) for f in FIELDS}

    def record(self, day: int) -> None:
        d = self.data
        for j, n in self.nodes:
            d["on_hand"][day, j] = n.on_hand
            d["backorders"][day, j] = n.backlog_qty
            d["on_order"][day, j] = n.on_order
            d["demand"][day, j] = n.day_asked
            d["orders"][day, j] = n.day_ordered
            d["shipments"][day, j] = n.day_shipped
        for cols, g in self.groups:
            for field, values in g.levels().items():
                d[field][day, cols] = values

    def frame(self, scenario: str, replication: int) -> pd.DataFrame:
        days, width = self.data["on_hand"].shape
        # node as a categorical column of codes, day as int32: a few bytes per row instead of
        # a Python string object each (time series of big networks are large)
        codes = np.tile(np.arange(width, dtype=np.int32), days)
        cols = {
            "scenario": pd.Categorical.from_codes(np.zeros(days * width, np.int8), [scenario]),
            "replication": np.full(days * width, replication, np.int32),
            "node": pd.Categorical.from_codes(codes, self.ids),
            "day": np.repeat(np.arange(days, dtype=np.int32), width),
        }
        for f in FIELDS:
            cols[f] = self.data[f].reshape(-1)
        return pd.DataFrame(cols)
