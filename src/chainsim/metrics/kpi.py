"""KPIs of one replication from a node's running sums (definitions: README: Metrics).

Ratios are ratios of sums, levels are means of end-of-day values, costs are totals divided by
days, variances are sample variances (n − 1) of the daily values.
"""

from __future__ import annotations

import math

from chainsim.metrics.orders import order_kpis
from chainsim.model.tpl import Fulfilment
from chainsim.scenario.facts import market_channel_row, owner_row

NAN = float("nan")


def ratio(num: float, den: float) -> float:
    return num / den if den else NAN


def sample_variance(total: float, total_sq: float, n: int) -> float:
    """Sample variance of n values from their sum and sum of squares."""
    if n < 2:
        return NAN
    return max((total_sq - total * total / n) / (n - 1), 0.0)


def amplification(kpis: dict[str, float], served) -> float:
    """Variance of a node's daily orders / variance of the daily consumer demand it serves
    (``served``: the summed demand of the consumer-facing nodes downstream, or None for a node
    that sells to consumers itself, whose own demand is the reference: then it equals
    ``bullwhip``). In a serial chain it is the product of the ``bullwhip`` ratios from the
    consumer up to the node."""
    if served is None:
        return kpis.get("bullwhip", NAN)
    var = sample_variance(served.total, served.total_sq, served.days)
    return kpis["orders_variance"] / var if var > 0 else NAN


def node_kpis(node) -> dict[str, float]:
    """Per-day KPIs of one node over the days after warm-up (and, for a 3PL, of its orders)."""
    st = node.stats
    days = st.days
    if days == 0:
        return {}
    orders = order_kpis(node, days) if isinstance(node, Fulfilment) else {}
    if getattr(node, "outages", None) is not None:
        orders["availability"] = node.outages.up_days / days
    holding = node.holding * st.on_hand / days
    backorder = node.backorder_cost * st.backorders / days
    ordering = node.order_cost * st.orders / days
    transport = st.transport / days
    pipeline = node.pipeline_holding * st.in_transit / days
    fees = st.fees / days + node.storage_fee * st.on_hand / days  # 3PL: orders, units, storage
    channel_fees = (st.channel_fees + node.fee_pct * st.sold * node.price) / days
    shipping = (st.shipping + node.per_unit_sold * st.sold) / days  # parcels to consumers
    total = holding + backorder + ordering + transport + pipeline + fees + channel_fees + shipping
    revenue = st.revenue / days
    purchase = st.purchase / days
    # a node without a policy (an outside source) places no orders: no order statistics
    orders_var = sample_variance(st.ordered, st.ordered_sq, days) if node.policy else NAN
    demand_var = sample_variance(st.asked, st.asked_sq, days)
    bullwhip = orders_var / demand_var if demand_var > 0 else NAN
    return {
        "demand": st.asked / days,
        "fill_rate": ratio(st.filled, st.asked),
        "cycle_service_level": st.clean_days / days,
        "on_hand": st.on_hand / days,
        "backorders": st.backorders / days,
        "on_order": st.on_order / days,
        "in_transit": st.in_transit / days,
        "lost_sales": st.lost / days,
        "lost_fraction": ratio(st.lost, st.asked),
        "units_sold": st.sold / days,
        "switched_out": st.switched / days,
        "shipped": st.shipped / days,
        "orders": st.ordered / days,
        "order_frequency": st.order_days / days,
        "orders_variance": orders_var,
        "demand_variance": demand_var,
        "bullwhip": bullwhip,
        "holding_cost": holding,
        "backorder_cost": backorder,
        "ordering_cost": ordering,
        "transport_cost": transport,
        "pipeline_cost": pipeline,
        "fees_cost": fees,
        "channel_fees": channel_fees,
        "shipping_cost": shipping,
        "total_cost": total,
        "purchase_cost": purchase,
        "revenue": revenue,
        "profit": revenue - purchase - total,
        **orders,
    }


def network_kpis(nodes, per_node: dict[str, dict[str, float]], market=None) -> dict[str, float]:
    """Network-wide KPIs: consumer-facing service and the channel's money as a whole. In market
    mode demand is what the outlets captured (a consumer who switched outlets counts once) and
    ``coverage`` the captured share of the regions' demand."""
    facing = [n for n in nodes if n.sells_to_consumers and n.stats.days]
    if not facing or not per_node:
        return {}
    days = facing[0].stats.days
    asked = sum(n.stats.asked for n in facing)
    if market is not None:
        asked = market.captured + sum(n.stats.asked for n in facing if not n.outlet)
    sold = sum(n.stats.sold for n in facing)
    consumer_revenue = sum(n.stats.sold * n.price for n in facing) / days

    def total(metric: str) -> float:
        return math.fsum(k[metric] for k in per_node.values() if metric in k)

    # the manufacturer as a firm: every node owned by the owner of a manufacturer node
    makers = {n.owner for n in nodes if n.role == "manufacturer"}
    maker_profit = math.fsum(per_node[n.id].get("profit", 0.0) for n in nodes
                             if n.owner in makers and n.id in per_node)

    return {
        "demand": asked / days,
        "units_sold": sold / days,
        "fill_rate": ratio(sum(n.stats.filled for n in facing), asked),
        "lost_sales": sum(n.stats.lost for n in facing) / days,
        "lost_fraction": ratio(sum(n.stats.lost for n in facing), asked),
        "backorders": sum(n.stats.backorders for n in facing) / days,
        "on_hand": total("on_hand"),
        "holding_cost": total("holding_cost"),
        "backorder_cost": total("backorder_cost"),
        "ordering_cost": total("ordering_cost"),
        "transport_cost": total("transport_cost"),
        "total_cost": total("total_cost"),
        "revenue": consumer_revenue,
        "channel_profit": total("profit"),
        "profit": total("profit"),
        "cost_to_serve": ratio(total("total_cost"), sold / days),
        "manufacturer_profit": maker_profit,
        "manufacturer_margin": ratio(maker_profit, sold / days),
        "channel_margin": ratio(total("profit"), sold / days),
        **({"coverage": ratio(market.captured, market.potential),
            "potential_demand": market.potential / days} if market is not None else {}),
    }


def owner_kpis(nodes, per_node: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    """Money per firm named by ``owner:`` (owning one node or several), keyed
    ``owner:<name>``; a node without ``owner:`` is its own firm and has no such row."""
    firms: dict[str, list] = {}
    for n in nodes:
        firms.setdefault(n.owner, []).append(n)
    out = {}
    for owner, members in firms.items():
        if len(members) < 2 and members[0].id == owner:
            continue
        rows = [per_node[n.id] for n in members if per_node.get(n.id)]
        out[owner_row(owner)] = {m: math.fsum(r.get(m, 0.0) for r in rows) for m in
                                 ("revenue", "purchase_cost", "total_cost", "profit", "units_sold")}
    return out


def market_channel_kpis(nodes, per_node) -> dict[str, dict[str, float]]:
    """Consumer sales and fees per market channel, keyed ``channel:<id>`` (an outlet's sales are
    split equally among the channels it sells through)."""
    out: dict[str, dict[str, float]] = {}
    for n in nodes:
        names = getattr(n, "channel_names", ())
        k = per_node.get(n.id)
        if not names or not k:
            continue
        for c in names:
            row = out.setdefault(market_channel_row(c), {"units_sold": 0.0, "revenue": 0.0,
                                                   "channel_fees": 0.0})
            row["units_sold"] += k["units_sold"] / len(names)
            row["revenue"] += k["units_sold"] * n.price / len(names)
            row["channel_fees"] += k["channel_fees"] / len(names)
    return out
