"""How much of each market region the outlets capture, from the scenario alone (one home).

The formula (``captured_share``) is the market's (model/market.py draws each region's consumers
with it every day); the expected demand of an outlet (scenario/expected.py, for sizing and
forecasts) and the run-size estimate (scenario/limits.py) read the same shares through
``region_shares``, so what is simulated and what is planned never disagree. Each outlet's
selling price (``selling_prices``) is the one the network sells at.
"""

from __future__ import annotations

import math

from chainsim.scenario.facts import has_consumer_demand, is_market_outlet
from chainsim.scenario.graph import by_priority, outlet_regions, topological_order
from chainsim.scenario.schema import Scenario


def selling_prices(scn: Scenario) -> dict[str, float]:
    """Each node's selling price: its ``price``; else its purchase price × (1 + ``markup``);
    else the product's list price if it sells to consumers; else its purchase price (resale
    at cost). Sources buy at the product's unit cost; a node with several suppliers at its
    first supplier's price (by lane priority, then lane order)."""
    product = scn.product
    supplier = {lane.dst: lane.src for lane in reversed(by_priority(scn.lanes))}
    prices: dict[str, float] = {}
    specs = {n.id: n for n in scn.nodes}
    for nid in topological_order(scn):
        node = specs[nid]
        buy = prices[supplier[nid]] if nid in supplier else product.unit_cost
        if node.price is not None:
            prices[nid] = node.price
        elif node.markup is not None:
            prices[nid] = buy * (1 + node.markup)
        elif has_consumer_demand(node):
            prices[nid] = product.price
        else:
            prices[nid] = buy
    return prices


def captured_share(k: float, outlets: int, price: float, reference: float, epsilon: float,
                   rivals: tuple[tuple[int, float], ...] = ()) -> float:
    """The share of a region's consumers our ``outlets`` (mean price ``price``) capture.

    Alone: c = min(1, (1 − exp(−k·n)) · (price / reference)^−ε); a free product (price 0)
    with ε > 0 is capped at 1. With rivals' outlets ``(m_f, p_f)`` in the region (an
    attraction model, as multinomial-logit market shares): a consumer our outlets reach also
    sees the rivals' and picks a firm in proportion to its attraction n·p^−ε (just n with
    ε = 0), so ours keep

        c = c_alone · n·p^−ε / (n·p^−ε + Σ m_f·p_f^−ε)

    A rival's outlet never adds to our sales; more rival outlets or cheaper rivals leave us
    less, the more so the fewer outlets we have (our attraction is smaller), and a premium price
    loses more where rivals are cheap. Without rivals the formula is the one alone, exactly.
    """
    if outlets == 0:
        return 0.0
    reach = 1.0 - math.exp(-k * outlets)
    if epsilon == 0:
        alone = min(1.0, reach)
        rival_pull = sum(m for m, _ in rivals)
        return alone if not rivals else alone * outlets / (outlets + rival_pull)
    if price <= 0:  # free: every consumer reached comes to us
        return 1.0
    alone = min(1.0, reach * (price / reference) ** -epsilon)
    if not rivals:
        return alone
    ours = outlets * price ** -epsilon
    return alone * ours / (ours + sum(m * p ** -epsilon for m, p in rivals))


def rivals_in(market, region_id: str) -> tuple[tuple[int, float], ...]:
    """(outlets, price) of each competitor present in a region."""
    return tuple((c.outlets, c.price) for c in market.competitors
                 if c.outlets and (c.regions == "all" or region_id in c.regions))


def region_shares(scn: Scenario) -> dict[str, tuple[list[str], float]]:
    """Each market region's outlets (ids, in node order) and the share of its consumers they
    capture together (no market: empty)."""
    if scn.market is None:
        return {}
    market = scn.market
    prices = selling_prices(scn)
    outlets: dict[str, list[str]] = {}
    for n in scn.nodes:
        if is_market_outlet(n):
            for r in outlet_regions(scn, n):
                outlets.setdefault(r, []).append(n.id)
    out = {}
    reference = market.elasticity.reference_price or scn.product.price
    for region in market.regions:
        ids = outlets.get(region.id, [])
        price = sum(prices[i] for i in ids) / len(ids) if ids else reference
        out[region.id] = (ids, captured_share(market.coverage.k, len(ids), price, reference,
                                              market.elasticity.epsilon,
                                              rivals_in(market, region.id)))
    return out
