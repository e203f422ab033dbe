"""What a node is, decided once from its spec: one predicate per concept.

The validator, the model and the writers all ask these questions (does this node take consumer
orders? does it need a supplier?), so each is answered here and nowhere else. Each predicate
reads a validated ``schema.Node``; ``CONSUMER_DEMAND_KEYS`` lets the validator ask the same of
a node that failed the schema.
"""

from __future__ import annotations

from chainsim.scenario.schema import Node

# A node meets consumers when it has one of these: daily demand (demand:), individual consumer
# orders (orders:, a 3PL) or a market region whose demand it captures (region:).
CONSUMER_DEMAND_KEYS = ("demand", "orders", "region")

# The Node fields that describe consumer-order fulfilment (marked FULFILMENT in the schema).
FULFILMENT_KEYS = tuple(name for name, field in Node.model_fields.items()
                        if (field.json_schema_extra or {}).get("fulfilment"))


def has_consumer_demand(node) -> bool:
    """The node sells to consumers: it has demand, consumer orders or a market region."""
    return any(getattr(node, key) is not None for key in CONSUMER_DEMAND_KEYS)


def is_market_outlet(node) -> bool:
    """The node captures part of its market regions' demand (market mode)."""
    return node.region is not None


def takes_consumer_orders(node) -> bool:
    """The node fulfils individual consumer orders (picked, packed and shipped as parcels): a
    3PL with its own stream of orders (``orders:``), or a 3PL that is a market outlet (each
    captured unit becomes a one-unit order)."""
    return node.orders is not None or (node.role == "3pl" and node.region is not None)


def is_source(node) -> bool:
    """The node needs no supplier: an outside source, or a manufacturer that produces (a
    manufacturer with a lane into it buys from that supplier instead)."""
    return node.infinite_supply or node.role == "manufacturer"


def is_dropship(node) -> bool:
    """The node holds no stock and passes each day's consumer demand to its supplier."""
    return node.policy is not None and node.policy.type == "dropship"


def unused_fulfilment_defaults(node) -> list[str]:
    """The fulfilment fields of a node that takes no consumer orders and leaves them at their
    defaults: they mean nothing there, so a resolved scenario leaves them out. A value the user
    set stays (the validator says where it does not act)."""
    if takes_consumer_orders(node):
        return []
    fields = Node.model_fields
    return [key for key in FULFILMENT_KEYS if getattr(node, key) == fields[key].get_default(
        call_default_factory=True)]
