"""Market mode: consumers in regions, and how much of their demand the network's outlets capture.

Each day a region's consumers would buy D units if every outlet were at hand (``demand``, one
stream per region: every scenario sees the same D — common random numbers). With n outlets serving
the region the network captures the share

    c = min(1, (1 − exp(−k·n)) · (p̄ / p_ref)^−ε)

(``coverage.k``; p̄ the mean selling price of those outlets, p_ref ``elasticity.reference_price``,
ε ``elasticity.epsilon``). Whole units are captured one by one with probability c and each goes to
an outlet chosen uniformly (binomial, then multinomial draws); real-valued demand is split as
D·c/n. Competitors' outlets (``market.competitors``) are not simulated: they keep part of
the consumers ours reach (the attraction model of ``scenario/capture.py``, where the formula
lives). A consumer who finds the outlet out of stock tries another outlet of the region (the one
with most stock first) with probability ``switching.prob``; what is still missing is backordered
or lost by the outlet's own ``unmet`` rule.
"""

from __future__ import annotations

from chainsim.model.dists import demand_source
from chainsim.model.policies import EPS
from chainsim.scenario.capture import captured_share, rivals_in


class Region:
    __slots__ = ("id", "outlets", "share", "demand", "rng")

    def __init__(self, spec_id, outlets, share, demand, rng):
        self.id, self.outlets, self.share, self.demand, self.rng = spec_id, outlets, share, demand, rng


class Market:
    """The regions' daily demand, captured by the outlets (phase 3 of the day)."""

    def __init__(self, spec, outlets_of: dict[str, list], reference_price: float, streams):
        self.switch_prob = spec.switching.prob
        self.regions = []
        for r in spec.regions:
            outlets = outlets_of.get(r.id, [])
            price = sum(o.price for o in outlets) / len(outlets) if outlets else reference_price
            ref = spec.elasticity.reference_price or reference_price
            share = captured_share(spec.coverage.k, len(outlets), price, ref,
                                   spec.elasticity.epsilon, rivals_in(spec, r.id))
            self.regions.append(Region(
                r.id, outlets, share,
                demand_source(r.demand, streams.generator("market_demand", r.id), None),
                streams.generator("market_capture", r.id)))
        self.reset_stats()

    def reset_stats(self):
        """Statistics restart (the engine calls this once, at the end of warm-up)."""
        self.potential = 0.0
        self.captured = 0.0

    def serve(self):
        for region in self.regions:
            d = region.demand()
            self.potential += d
            outlets = region.outlets
            if not outlets:
                continue
            whole = isinstance(d, int)
            if whole:
                captured = int(region.rng.binomial(d, region.share))
                n = len(outlets)
                parts = [captured] if n == 1 else region.rng.multinomial(
                    captured, [1.0 / n] * n).tolist()
            else:
                captured = d * region.share
                parts = [captured / len(outlets)] * len(outlets)
            self.captured += captured
            short = [outlet.take_demand(q) for outlet, q in zip(outlets, parts, strict=True)]
            for outlet, rest in zip(outlets, short, strict=True):
                if rest > EPS and self.switch_prob > 0:
                    rest -= self._switch(region, outlet, rest, whole)
                if rest > EPS:
                    outlet.unserved(rest)

    def _switch(self, region, outlet, rest, whole) -> float:
        """Consumers who try another outlet: returns the units served elsewhere."""
        moving = int(region.rng.binomial(int(round(rest)), self.switch_prob)) if whole else (
            rest * self.switch_prob)
        served = 0
        others = sorted((o for o in region.outlets if o is not outlet), key=lambda o: -o.on_hand)
        for other in others:
            if moving - served <= EPS or other.on_hand <= EPS:
                break
            want = moving - served
            served += want - other.take_demand_switched(want)
        outlet.stats.switched += served
        return served
