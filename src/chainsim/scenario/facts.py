"""What a node is, decided once from its spec: one predicate per concept.

The validator, the model and the writers all ask these questions (does this node take consumer
orders? does it need a supplier?), so each is answered here and nowhere else. Each predicate
reads a validated ``schema.Node``; ``CONSUMER_DEMAND_KEYS`` lets the validator ask the same of
a node that failed the schema.
"""

from __future__ import annotations

from chainsim.scenario.schema import Channel, Node

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


# ------------------------------------------------------------------ the rows of the KPI tables
# The tables (kpis.csv, summary.csv, a comparison) name each row's node: a node's own rows by its
# id, and the rows below by these names. The writers name rows with these functions and the
# validator refuses node ids that one of them could produce, so two rows never share a name.
NETWORK_ROW = "network"  # the network's sums
OWNER_ROW_PREFIX = "owner:"  # a firm owning several nodes: owner:<name>
MARKET_CHANNEL_ROW_PREFIX = "channel:"  # a market channel: channel:<id>
RESERVED_ROW_NAMES = (NETWORK_ROW,)
RESERVED_ROW_PREFIXES = (OWNER_ROW_PREFIX, MARKET_CHANNEL_ROW_PREFIX)


def owner_row(owner: str) -> str:
    """The row name of a firm's sums over the nodes it owns."""
    return f"{OWNER_ROW_PREFIX}{owner}"


def market_channel_row(channel: str) -> str:
    """The row name of a market channel's sales and fees."""
    return f"{MARKET_CHANNEL_ROW_PREFIX}{channel}"


def tpl_channel_row(node_id: str, channel: str) -> str:
    """The row name of one sales channel of a 3PL (its own channels, not market channels)."""
    return f"{node_id}/{channel}"


# The channel of a 3PL's orders when it lists no channels of its own.
DEFAULT_TPL_CHANNEL = Channel(id="website", kind="website")


def tpl_channels(node) -> list[Channel]:
    """The sales channels of a node that takes consumer orders: its own channel mappings (a
    market outlet's channels: are names of market channels, not its own), else the default."""
    return [c for c in node.channels or [] if isinstance(c, Channel)] or [DEFAULT_TPL_CHANNEL]


def tpl_channel_rows(node) -> list[str]:
    """The row names of a validated node's own 3PL channels (none unless it takes consumer
    orders)."""
    if not takes_consumer_orders(node):
        return []
    return [tpl_channel_row(node.id, ch.id) for ch in tpl_channels(node)]


def reserved_row_problem(node_id: str) -> str | None:
    """Why a node id cannot name a node (it is a name the tables give other rows), or None."""
    if node_id in RESERVED_ROW_NAMES:
        return (f"node id '{node_id}' is reserved: the tables' '{node_id}' rows hold the whole "
                "network's figures; rename the node")
    for prefix in RESERVED_ROW_PREFIXES:
        if node_id.startswith(prefix):
            return (f"node id '{node_id}' starts with '{prefix}', which the tables reserve for "
                    f"their {prefix}<name> rows; rename the node")
    return None
