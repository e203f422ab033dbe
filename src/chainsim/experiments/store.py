"""A sweep's results folder: a manifest, one part file per finished task, then the tidy tables.

    manifest.json            the sweep as run: file, base, parameters, points, replications, seed,
                             chainsim version (a resume must match it)
    base.resolved.yaml       the scenario of the first point, every default filled in
    parts/<task>.csv         rows of one finished task, each written whole then renamed
    kpis.csv (+ .parquet)    one row per value: a column per parameter, point, replication, node,
                             metric, value
    summary.csv              per point, node and metric: mean, std, 95% CI, n
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pandas as pd

from chainsim.results.atomic import atomic_file, write_bytes

PART_COLUMNS = ["point", "replication", "node", "metric", "value"]


class SweepStore:
    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.parts = self.folder / "parts"

    # ------------------------------------------------------------------ manifest
    def start(self, manifest: dict, resume: bool) -> None:
        """Create the folder, or check that a resumed one belongs to the same sweep."""
        path = self.folder / "manifest.json"
        if resume and path.exists():
            old = json.loads(path.read_text(encoding="utf-8"))
            same = {k: old.get(k) for k in ("points", "replications", "seed", "base")}
            if same != {k: manifest.get(k) for k in same}:
                raise ValueError(f"{self.folder} holds a different sweep (points, replications, "
                                 "seed or base changed); use another --out")
            for stale in [*self.folder.glob(".*.tmp-*"), *self.parts.glob(".*.tmp-*")]:
                stale.unlink(missing_ok=True)  # half-written by a killed run: never read
            return
        self.parts.mkdir(parents=True, exist_ok=True)
        self._write(path, json.dumps(manifest, indent=2, default=str))

    # ------------------------------------------------------------------ parts
    def finished(self) -> set[str]:
        if not self.parts.exists():
            return set()
        return {p.stem for p in self.parts.glob("*.csv")}

    def save_part(self, name: str, rows: list[tuple]) -> None:
        buf = io.StringIO()  # the csv module: a few rows, written fast and exactly (repr floats)
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(PART_COLUMNS)
        writer.writerows(rows)
        self._write(self.parts / f"{name}.csv", buf.getvalue())

    def save_text(self, name: str, text: str) -> None:
        self._write(self.folder / name, text)

    def _write(self, path: Path, text: str) -> None:
        write_bytes(path, text.encode("utf-8"))  # a part is there whole or not at all

    # ------------------------------------------------------------------ tables
    def table(self, points: list[dict], parameters: list[str]) -> pd.DataFrame:
        """All finished rows, in (point, replication) order, with a column per parameter."""
        files = sorted(self.parts.glob("*.csv"))
        frame = pd.concat([pd.read_csv(f, keep_default_na=False, na_values={"value": ["", "nan"]})
                           for f in files], ignore_index=True) if files else pd.DataFrame(
            columns=PART_COLUMNS)
        frame = frame.sort_values(["point", "replication"], kind="stable", ignore_index=True)
        for name in reversed(parameters):
            values = [p[name] for p in points]
            frame.insert(0, name, frame["point"].map(dict(enumerate(values))))
        return frame

    def write_tables(self, kpis: pd.DataFrame, summary: pd.DataFrame) -> list[Path]:
        from chainsim.results.write import parquet_available

        self._write(self.folder / "kpis.csv", kpis.to_csv(index=False))
        self._write(self.folder / "summary.csv", summary.to_csv(index=False))
        written = [self.folder / "kpis.csv", self.folder / "summary.csv"]
        if parquet_available():
            with atomic_file(self.folder / "kpis.parquet") as tmp:
                kpis.to_parquet(tmp, index=False)
            written.append(self.folder / "kpis.parquet")
        return written

    def write_figures(self, summary: pd.DataFrame, parameters: list[str], metrics) -> list[Path]:
        """figures/<metric>.png|svg at the network (or the first node that has the metric)."""
        from chainsim.report.figures import save, sweep_figure

        folder = self.folder / "figures"
        folder.mkdir(exist_ok=True)
        written = []
        for metric in metrics or ["channel_profit", "total_cost", "fill_rate"]:
            nodes = summary.loc[summary["metric"] == metric, "node"]
            if nodes.empty:
                continue
            node = "network" if (nodes == "network").any() else nodes.iloc[0]
            fig = sweep_figure(summary, parameters, metric, node)
            if fig is not None:
                save(fig, folder, metric)
                written.append(folder / f"{metric}.png")
        return written
