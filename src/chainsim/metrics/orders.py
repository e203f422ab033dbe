"""KPIs of consumer orders at a 3PL fulfilment centre, from the counters it keeps
(``model.tpl.OrderStats``: the orders placed after warm-up and shipped by the end of the run)."""

from __future__ import annotations

import numpy as np

NAN = float("nan")


def order_kpis(centre, days: int) -> dict[str, float]:
    """Order-level KPIs of a fulfilment centre over ``days``: consumer orders per day, order
    lead time (mean and 95th percentile, days), queue wait (mean minutes and the share of
    orders that waited), the pickers' and packers' utilisation over the working hours, and
    the share of delivered orders that arrived by their channel's promise."""
    p = centre.period
    lead = np.frombuffer(p.lead_times, dtype=float) if len(p.lead_times) else None
    waits = np.frombuffer(p.waits, dtype=float) if len(p.waits) else None
    open_share = centre.open_share
    delivered = sum(c.delivered for c in p.by_channel)
    out = {
        "consumer_orders": sum(c.orders for c in p.by_channel) / days,
        "order_lead_time_mean": float(lead.mean()) if lead is not None else NAN,
        "order_lead_time_p95": float(np.percentile(lead, 95)) if lead is not None else NAN,
        "queue_wait_mean": float(waits.mean()) if waits is not None else NAN,
        "queue_wait_prob": float((waits > 1e-9).mean()) if waits is not None else NAN,
        "utilization_pickers": p.busy[0] / (centre.pickers.capacity * days * open_share),
        "utilization_packers": p.busy[1] / (centre.packers.capacity * days * open_share),
        "on_time_rate": (sum(c.on_time for c in p.by_channel) / delivered
                         if delivered else NAN),
    }
    out["utilization"] = out["utilization_pickers"]
    return out


def channel_kpis(centre, days: int) -> dict[str, dict[str, float]]:
    """Per channel of a fulfilment centre (by channel id): orders, units sold, revenue and
    channel fees per day, mean order lead time (days) and on-time rate."""
    return {
        ch.id: {
            "consumer_orders": c.orders / days,
            "units_sold": c.units / days,
            "revenue": c.revenue / days,
            "channel_fees": c.fees / days,
            "order_lead_time_mean": c.lead_sum / c.delivered if c.delivered else NAN,
            "on_time_rate": c.on_time / c.delivered if c.delivered else NAN,
        }
        for ch, c in zip(centre.channels, centre.period.by_channel, strict=True)
    }
