"""Who captures the channel's profit: the deciding firm, and every other party by its role.

A node belongs to the deciding firm when its ``owner`` is the perspective; every other node is
an independent firm, grouped by role (wholesalers, distributors, retailers, 3PL-run shops), so
the parties of a strategy add up to the channel's profit replication by replication. Per day
and per unit sold to consumers, each with its 95% interval over replications.
"""

from __future__ import annotations

import pandas as pd

from chainsim.metrics.summary import mean_ci
from chainsim.scenario.capture import selling_prices
from chainsim.scenario.graph import by_priority

PARTY_OF_ROLE = {"manufacturer": "other manufacturers", "wholesaler": "wholesalers",
                 "distributor": "distributors", "retailer": "retailers", "3pl": "3PL shops"}
SPLIT_COLUMNS = ["scenario", "party", "mean", "ci_low", "ci_high", "per_unit", "share"]


def parties(scenarios, firm: str) -> pd.DataFrame:
    """(scenario, node, party) for every node of every scenario."""
    rows = []
    for scn in scenarios:
        for n in scn.nodes:
            party = firm if n.owner == firm else PARTY_OF_ROLE[n.role]
            rows.append((scn.name, n.id, party))
    return pd.DataFrame(rows, columns=["scenario", "node", "party"])


def profit_split(kpis: pd.DataFrame, scenarios, firm: str) -> pd.DataFrame:
    """Per scenario and party: profit per day (mean, 95% CI), per unit sold to consumers and as
    a share of the channel's profit; the firm first, then the parties downstream."""
    who = parties(scenarios, firm)
    profit = kpis[kpis["metric"] == "profit"].merge(who, on=["scenario", "node"])
    per_rep = profit.groupby(["scenario", "party", "replication"], sort=False)["value"].sum()
    out = mean_ci(per_rep.reset_index(), ["scenario", "party"])
    sold = kpis[(kpis["node"] == "network") & (kpis["metric"] == "units_sold")]
    units = sold.groupby("scenario")["value"].mean()
    channel = out.groupby("scenario")["mean"].transform("sum")
    out["per_unit"] = out["mean"] / out["scenario"].map(units)
    out["share"] = out["mean"] / channel
    order = {p: i for i, p in enumerate([firm, *PARTY_OF_ROLE.values()])}
    out["_order"] = out["party"].map(order)
    out = out.sort_values(["scenario", "_order"], kind="stable")
    scenario_order = {s: i for i, s in enumerate(dict.fromkeys(kpis["scenario"]))}
    out = out.sort_values("scenario", key=lambda c: c.map(scenario_order), kind="stable")
    return out[SPLIT_COLUMNS].reset_index(drop=True)


def stock_value(kpis: pd.DataFrame, scenarios) -> pd.DataFrame:
    """Per scenario: the money tied up in stock, Σ over nodes of mean on hand × what the node
    paid per unit (its first supplier's selling price; a source the product's unit cost), in
    currency, with its 95% CI over replications; and the units on hand."""
    rows = []
    for scn in scenarios:
        prices = selling_prices(scn)
        supplier = {lane.dst: lane.src for lane in reversed(by_priority(scn.lanes))}
        for n in scn.nodes:
            paid = prices[supplier[n.id]] if n.id in supplier else scn.product.unit_cost
            rows.append((scn.name, n.id, paid))
    paid = pd.DataFrame(rows, columns=["scenario", "node", "paid"])
    on_hand = kpis[kpis["metric"] == "on_hand"].merge(paid, on=["scenario", "node"])
    on_hand["money"] = on_hand["value"] * on_hand["paid"]
    per_rep = on_hand.groupby(["scenario", "replication"], sort=False)[["money", "value"]].sum()
    value = mean_ci(per_rep.reset_index(), ["scenario"], "money")
    units = per_rep.groupby("scenario", sort=False)["value"].mean()
    value["units"] = value["scenario"].map(units)
    return value[["scenario", "mean", "ci_low", "ci_high", "units"]]
