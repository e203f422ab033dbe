"""Step 1 of the lesson: the Beer Game with Sterman's ordering heuristic at every role
(scenarios/teaching/beer_game.yaml; Sterman 1989).

Customers buy 4 cases a week, then 8 from week 5 on: one step, no randomness at all. Yet every
role's orders overshoot, the swings grow from the retailer to the factory (amplification),
peak later the further upstream (phase lag), and the chain swings from a large backlog to a
glut (oscillation) — Sterman's three regularities. The table shows, per role: orders per week
(mean, variance, variance over the consumers' demand variance, peak and its week), the role's
own bullwhip ratio (its orders variance over the variance of what it was asked), its worst
backlog and its cost per week.

    python experiments/teaching/01_beer_game.py [--figures DIR]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from lesson import ROLES, TEACHING, amplification, per_replication, run, save_figures, table


def beer_game_table(results) -> tuple[list[str], list[list[str]]]:
    kpis, ts = results.kpis, results.timeseries
    rows = []
    for role in ROLES:
        g = ts[(ts["node"] == role) & (ts["replication"] == 0)].sort_values("day")
        orders = g["orders"].to_numpy(float)
        net = (g["on_hand"] - g["backorders"]).to_numpy(float)
        weeks = g["day"].to_numpy() + 1  # weeks count from 1, as in the board game
        rows.append([
            role,
            f"{per_replication(kpis, role, 'orders')[0]:.2f}",
            f"{per_replication(kpis, role, 'orders_variance')[0]:.1f}",
            f"{amplification(kpis, role)[0]:.1f}",
            f"{orders.max():.0f} (wk {weeks[orders.argmax()]})",
            f"{per_replication(kpis, role, 'bullwhip')[0]:.2f}",
            f"{net.min():.0f} (wk {weeks[net.argmin()]})",
            f"{per_replication(kpis, role, 'total_cost')[0]:.2f}",
        ])
    header = ["role", "orders/wk", "orders var", "var / consumer var", "peak order",
              "own ratio", "worst net stock", "cost/wk"]
    return header, rows


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--figures", type=Path, help="also save the bullwhip figures into DIR")
    args = ap.parse_args(argv)

    res = run(TEACHING / "beer_game.yaml", timeseries=True)
    consumer_var = per_replication(res.kpis, "retailer", "demand_variance")[0]
    print("The Beer Game, Sterman's heuristic at every role (36 weeks, demand 4 then 8)")
    print(f"consumers' demand: variance {consumer_var:.3f} per week (the one step 4 -> 8)\n")
    header, rows = beer_game_table(res)
    print(table(header, rows))
    variances = [per_replication(res.kpis, r, "orders_variance")[0] for r in ROLES]
    grows = all(a < b for a, b in zip(variances, variances[1:], strict=False))
    print(f"\norders variance grows at every step upstream: {grows}")
    print("Read it: a single step in demand becomes a wave that grows and arrives later at each "
          "role; every role then sits on a glut and orders nothing while its backlog clears.")
    if args.figures:
        for path in save_figures(res, args.figures):
            print(f"wrote {path}")
    return {"orders_variance": dict(zip(ROLES, variances, strict=True)), "grows": grows}


if __name__ == "__main__":
    main()
