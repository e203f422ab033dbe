"""Every metric chainsim writes: its meaning, unit, better direction and display format.

This table is the one home of what a metric name stands for. ``chainsim run --metrics`` and
``chainsim compare --metric`` check names against it, compare ranks by its direction, the
terminal tables and the HTML report format and label values with it, and the README's metric
table is generated from it (``markdown_table``; a test keeps the two equal). The formulas live
in ``metrics/kpi.py`` (and, for a 3PL's orders, ``model/tpl.py``); a test runs every shipped
scenario and checks that each metric name written is listed here.

Where a metric is written (``scopes``):

- ``node``: every node; ``3pl``: a 3PL node (consumer orders); ``outage``: a node with an outage;
- ``3pl channel``: node ``<3pl id>/<channel id>``;
- ``network``: node ``network``;
- ``owner``: node ``owner:<name>``, a firm owning several nodes;
- ``market channel``: node ``channel:<id>`` (market mode).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

NETWORK = "network"  # the node of network-wide rows in kpis.csv and summary.csv

HIGHER = 1  # higher is better
LOWER = -1  # lower is better
NEITHER = 0  # a level or a flow with no better direction (demand, stock on hand)

PERCENT = "percent"  # a share in [0, 1], shown × 100 with one decimal
NUMBER = "number"  # shown with 2 decimals below 100, else 1 (terminal); 3 below 1 (report)


@dataclass(frozen=True)
class Metric:
    """One metric name. ``meaning`` is one line for people; ``header`` a short column title."""

    name: str
    meaning: str
    unit: str
    better: int
    scopes: tuple[str, ...]
    header: str = ""
    format: str = NUMBER

    @property
    def shown_unit(self) -> str:
        """The unit of the displayed value: % for a share, else ``unit``."""
        return "%" if self.format == PERCENT else self.unit

    @property
    def label(self) -> str:
        """A column or axis title: the short header, else the name."""
        return self.header or self.name


NODE = ("node",)
NODE_NET = ("node", "network")


def _m(name, meaning, unit, better, scopes, header="", fmt=None) -> Metric:
    fmt = fmt or (PERCENT if unit == "share" else NUMBER)
    return Metric(name, meaning, unit, better, tuple(scopes), header, fmt)


_METRICS = [
    # service and demand
    _m("demand", "units asked of the node: consumer demand, or orders from its buyers; "
       "network: consumer demand (in market mode, what the outlets captured)",
       "units/day", NEITHER, NODE_NET, "demand/day"),
    _m("fill_rate", "Σ units served from stock on the day asked / Σ units asked", "share",
       HIGHER, NODE_NET, "fill rate %"),
    _m("cycle_service_level", "share of days ending with no backorders (and, where sales are "
       "lost, losing no sale)", "share", HIGHER, NODE, "CSL %"),
    _m("lost_sales", "units of demand lost (not backordered)", "units/day", LOWER, NODE_NET,
       "lost/day"),
    _m("lost_fraction", "Σ units lost / Σ units asked", "share", LOWER, NODE_NET, "lost %"),
    _m("units_sold", "units delivered to consumers (including backorders filled later)",
       "units/day", HIGHER, ("node", "network", "owner", "3pl channel", "market channel"),
       "sold/day"),
    _m("switched_out", "units of this outlet's consumers served by another outlet (market mode)",
       "units/day", NEITHER, NODE, "switched/day"),
    _m("shipped", "units shipped to buyers", "units/day", NEITHER, NODE, "shipped/day"),
    _m("coverage", "captured share of the market regions' demand", "share", HIGHER,
       ("network",), "coverage %"),
    _m("potential_demand", "the market regions' demand before coverage and choice", "units/day",
       NEITHER, ("network",), "potential/day"),
    # stock levels (means of end-of-day values)
    _m("on_hand", "mean end-of-day stock on hand (network: summed over nodes)", "units",
       NEITHER, NODE_NET, "on hand"),
    _m("backorders", "mean end-of-day units owed to buyers (network: at consumer-facing nodes)",
       "units", LOWER, NODE_NET, "backorders"),
    _m("on_order", "mean end-of-day units ordered and not yet received", "units", NEITHER, NODE,
       "on order"),
    _m("in_transit", "mean end-of-day units on the way to the node", "units", NEITHER, NODE,
       "in transit"),
    # orders and their variability
    _m("orders", "units ordered from suppliers", "units/day", NEITHER, NODE, "orders/day"),
    _m("order_frequency", "share of days with an order placed", "share", NEITHER, NODE,
       "order days %"),
    _m("orders_variance", "sample variance of the daily quantity ordered (0 on days without an "
       "order)", "units²", LOWER, NODE, "orders var"),
    _m("demand_variance", "sample variance of the daily quantity asked of the node (including "
       "what was backordered or lost)", "units²", NEITHER, NODE, "demand var"),
    _m("bullwhip", "orders_variance / demand_variance: the amplification this node adds",
       "ratio", LOWER, NODE, "bullwhip"),
    _m("amplification", "orders_variance / variance of the daily consumer demand the node "
       "serves: the amplification built up from the consumer to this node", "ratio", LOWER,
       NODE, "amplification"),
    # money per day
    _m("holding_cost", "holding cost of stock on hand", "currency/day", LOWER, NODE_NET,
       "holding/day"),
    _m("backorder_cost", "backorder penalty on units owed", "currency/day", LOWER, NODE_NET,
       "backorder $/day"),
    _m("ordering_cost", "fixed cost of the orders placed", "currency/day", LOWER, NODE_NET,
       "ordering/day"),
    _m("transport_cost", "cost of shipments on the node's inbound lanes", "currency/day", LOWER,
       NODE_NET, "transport/day"),
    _m("pipeline_cost", "holding cost of stock in transit to the node", "currency/day", LOWER,
       NODE, "pipeline/day"),
    _m("fees_cost", "a 3PL's fees to the seller: per order, per unit, storage per unit-day",
       "currency/day", LOWER, NODE, "3PL fees/day"),
    _m("channel_fees", "the sales channels' fees (marketplace commission and the like)",
       "currency/day", LOWER, ("node", "3pl channel", "market channel"), "chan fees/day"),
    _m("shipping_cost", "parcel shipping to consumers", "currency/day", LOWER, NODE,
       "shipping/day"),
    _m("total_cost", "holding + backorder + ordering + transport + pipeline + fees + channel "
       "fees + shipping", "currency/day", LOWER, ("node", "network", "owner"), "cost/day"),
    _m("purchase_cost", "paid to suppliers (production cost for a manufacturer)",
       "currency/day", LOWER, ("node", "owner"), "purchase/day"),
    _m("revenue", "sales to buyers and consumers (network: sales to consumers)", "currency/day",
       HIGHER, ("node", "network", "owner", "3pl channel", "market channel"), "revenue/day"),
    _m("profit", "revenue − purchase_cost − total_cost (network: summed over nodes)",
       "currency/day", HIGHER, ("node", "network", "owner"), "profit/day"),
    _m("channel_profit", "the whole channel's profit: the sum of every node's profit",
       "currency/day", HIGHER, ("network",), "channel profit/day"),
    _m("manufacturer_profit", "profit of the firm that owns the manufacturer (all its nodes)",
       "currency/day", HIGHER, ("network",), "maker profit/day"),
    _m("cost_to_serve", "total cost per unit sold to consumers", "currency/unit", LOWER,
       ("network",), "cost/unit"),
    _m("channel_margin", "channel profit per unit sold to consumers", "currency/unit", HIGHER,
       ("network",), "channel/unit"),
    _m("manufacturer_margin", "manufacturer's profit per unit sold to consumers",
       "currency/unit", HIGHER, ("network",), "maker/unit"),
    # a 3PL's consumer orders
    _m("consumer_orders", "consumer orders received", "orders/day", NEITHER,
       ("3pl", "3pl channel"), "orders/day"),
    _m("order_lead_time_mean", "mean days from a consumer's order to its delivery", "days",
       LOWER, ("3pl", "3pl channel"), "lead time days"),
    _m("order_lead_time_p95", "95th percentile of the days from order to delivery", "days",
       LOWER, ("3pl",), "lead p95 days"),
    _m("queue_wait_mean", "mean minutes an order waited for a picker plus a packer", "minutes",
       LOWER, ("3pl",), "wait min"),
    _m("queue_wait_prob", "share of orders that waited for a picker or a packer", "share",
       LOWER, ("3pl",), "waited %"),
    _m("utilization", "pickers' busy time / (pickers × working time)", "share", NEITHER,
       ("3pl",), "util. %"),
    _m("utilization_pickers", "pickers' busy time / (pickers × working time)", "share",
       NEITHER, ("3pl",), "pickers %"),
    _m("utilization_packers", "packers' busy time / (packers × working time)", "share",
       NEITHER, ("3pl",), "packers %"),
    _m("on_time_rate", "share of delivered orders delivered within the channel's "
       "promised_days", "share", HIGHER, ("3pl", "3pl channel"), "on time %"),
    _m("availability", "share of days the node was up (not in an outage)", "share", HIGHER,
       ("outage",), "up %"),
]

CATALOG: dict[str, Metric] = {m.name: m for m in _METRICS}
NAMES: tuple[str, ...] = tuple(CATALOG)


def get(name: str) -> Metric | None:
    """The catalogue entry of ``name``, or None for a name chainsim does not write."""
    return CATALOG.get(name)


def unknown(names: Iterable[str]) -> list[str]:
    """The names (in the order given, each once) that are not in the catalogue."""
    return [n for n in dict.fromkeys(names) if n not in CATALOG]


def closest(name: str, choices: Iterable[str] = NAMES) -> str | None:
    """The choice closest to a mistyped ``name`` (difflib), or None if none is close."""
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return close[0] if close else None


def named(name: str, choices: Iterable[str] = NAMES) -> str:
    """``'name'``, followed by ``(did you mean 'x'?)`` when a choice is close."""
    close = closest(name, choices)
    return f"{name!r} (did you mean {close!r}?)" if close else repr(name)


def unknown_message(names: Iterable[str], what: str = "metric") -> str | None:
    """One line naming each name not in the catalogue (with the closest known name) and the
    known names; None when every name is known."""
    bad = unknown(names)
    if not bad:
        return None
    noun = what if len(bad) == 1 else f"{what}s"
    return (f"unknown {noun} {', '.join(named(n) for n in bad)}; the metrics are: "
            f"{', '.join(NAMES)}")


def check(names: Iterable[str], what: str = "metric") -> None:
    """Raise ValueError with ``unknown_message`` when a name is not in the catalogue (for
    callers outside the command line, e.g. a sweep file's ``metrics:``)."""
    message = unknown_message(names, what)
    if message:
        raise ValueError(message)


def direction(name: str) -> int:
    """+1 if higher is better, -1 if lower is better, 0 if neither (or the name is unknown)."""
    metric = CATALOG.get(name)
    return metric.better if metric else NEITHER


def lower_is_better(name: str) -> bool:
    return direction(name) == LOWER


def is_percent(name: str) -> bool:
    """True for shares, which are shown in percent."""
    metric = CATALOG.get(name)
    return metric is not None and metric.format == PERCENT


def header(name: str) -> str:
    """A short column title for ``name`` (the name itself when it has none)."""
    metric = CATALOG.get(name)
    return metric.label if metric else name


BETTER_WORDS = {HIGHER: "higher", LOWER: "lower", NEITHER: "–"}


def markdown_table() -> str:
    """The README's metric table: one row per metric, in catalogue order."""
    lines = ["| metric | meaning | unit | better | written for |", "|---|---|---|---|---|"]
    for m in _METRICS:
        lines.append(f"| `{m.name}` | {m.meaning} | {m.unit} | {BETTER_WORDS[m.better]} | "
                     f"{', '.join(m.scopes)} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # python -m chainsim.metrics.catalog: the README's table
    print(markdown_table(), end="")
