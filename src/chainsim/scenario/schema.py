"""The scenario file as typed, frozen pydantic models (README: Results).

Every model forbids unknown keys, so a typo is an error with a suggestion instead of a silently
ignored setting. Distributions and policies are tagged unions on ``dist`` and ``type``. Checks
that need the whole network (unknown ids, cycles, unsupplied nodes) live in ``validate.py``.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    Tag,
    model_validator,
)
from pydantic_core import PydanticCustomError

from chainsim.scenario import ranges as R

PositiveFloat = Annotated[float, Field(gt=0)]
NonNegFloat = Annotated[float, Field(ge=0)]
# Every number's range comes from ranges.py (README: Ranges): quantities (units, or units a day),
# money (per unit, unit-day or order), day counts and plain counts.
def _at_most(high: float, low: float | None = None):
    """An upper (and lower) bound of a float that leaves nan and ±inf alone: those are reported
    as "must be a finite number" (messages.nonfinite_problems), which is what is wrong."""

    def check(value: float) -> float:
        if math.isfinite(value):
            if value > high:
                raise PydanticCustomError("less_than_equal",
                                          "Input should be less than or equal to {le}", {"le": high})
            if low is not None and value < low:
                raise PydanticCustomError("greater_than_equal",
                                          "Input should be greater than or equal to {ge}",
                                          {"ge": low})
        return value

    bounds = {"maximum": high} if low is None else {"maximum": high, "minimum": low}
    return AfterValidator(check), Field(json_schema_extra=bounds)


Quantity = Annotated[float, Field(ge=0), *_at_most(R.MAX_QUANTITY)]
PositiveQuantity = Annotated[float, Field(gt=0), *_at_most(R.MAX_QUANTITY)]
SignedQuantity = Annotated[float, *_at_most(R.MAX_QUANTITY, -R.MAX_QUANTITY)]
Money = Annotated[float, Field(ge=0), *_at_most(R.MAX_MONEY)]
DayCount = Annotated[int, Field(ge=1, le=R.MAX_DAYS_EVER)]
Count = Annotated[int, Field(ge=1, le=R.MAX_COUNT)]
HorizonDays = Annotated[int, Field(gt=0, le=R.MAX_DAYS_EVER)]
WarmupDays = Annotated[int, Field(ge=0, le=R.MAX_DAYS_EVER)]
Seed = Annotated[int, Field(ge=0, le=R.MAX_SEED)]


def _price_or_zero(value: float) -> float:
    if 0 < value < R.MIN_PRICE:
        raise ValueError(f"a price must be 0 or at least {R.MIN_PRICE:g} (got {value:g}); "
                         "write 0 for free, or use a larger currency unit")
    return value


Price = Annotated[float, Field(ge=0), *_at_most(R.MAX_MONEY), AfterValidator(_price_or_zero)]


class Spec(BaseModel):
    """Base of every scenario model: unknown keys are errors, objects are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# --------------------------------------------------------------------------- distributions
class DistSpec(Spec):
    """Base of the distributions: ``upper()`` is the largest magnitude a draw practically takes
    (ranges.py; derived from the parameters, no sampling; None when the values are in a csv file
    not read here), ``mean_value()`` the mean (None for a csv file)."""

    def upper(self) -> float | None:
        raise NotImplementedError

    def mean_value(self) -> float | None:
        return self.mean  # type: ignore[attr-defined]  # every other distribution has a mean

    def shown(self) -> str:
        """The distribution as the user wrote it, e.g. ``gamma mean 1e+300, cv 10``."""
        params = ", ".join(f"{k} {R.shown(v, 6)}" for k, v in self.model_dump(exclude={"dist"}).items()
                           if isinstance(v, int | float))
        return f"{self.dist} {params}".strip()


class Constant(DistSpec):
    """Always ``value``."""

    dist: Literal["constant"]
    value: NonNegFloat

    def upper(self):
        return self.value

    def mean_value(self):
        return self.value


class Poisson(DistSpec):
    """Poisson counts with the given mean."""

    dist: Literal["poisson"]
    mean: NonNegFloat

    def upper(self):
        return R.poisson_upper(self.mean)


class Normal(DistSpec):
    """Normal(mean, sd); truncated at 0 (clipped) where it models demand or a time."""

    dist: Literal["normal"]
    mean: float
    sd: NonNegFloat

    def upper(self):  # a mean far below 0 with a large sd overflows too, before the clipping
        return R.normal_upper(abs(self.mean), self.sd)


class NegBin(DistSpec):
    """Negative binomial counts given by mean and variance (variance must exceed the mean)."""

    dist: Literal["negbin"]
    mean: Annotated[float, Field(ge=R.MIN_NEGBIN_MEAN)]
    var: PositiveFloat

    @model_validator(mode="after")
    def _overdispersed(self) -> NegBin:
        if self.var <= self.mean:
            raise ValueError(
                f"negbin needs var > mean (got var {self.var:g} <= mean {self.mean:g}); "
                "raise var, or use dist: poisson when var equals the mean"
            )
        if R.negbin_gamma_upper(self.mean, self.var) > R.POISSON_LAM_MAX:
            raise ValueError(
                f"negbin mean {R.shown(self.mean, 6)}, var {R.shown(self.var, 6)} is beyond what numpy's "
                "sampler can draw (its Poisson mean would pass 9.2e18); lower var"
            )
        return self

    def upper(self):
        return R.negbin_upper(self.mean, self.var)


class Gamma(DistSpec):
    """Gamma with the given mean and coefficient of variation."""

    dist: Literal["gamma"]
    mean: PositiveFloat
    cv: Annotated[float, Field(ge=R.MIN_CV), *_at_most(R.MAX_CV)]

    def upper(self):
        return R.gamma_mean_cv_upper(self.mean, self.cv)


class LogNormal(DistSpec):
    """Lognormal with the given mean and coefficient of variation (of the variable itself)."""

    dist: Literal["lognormal"]
    mean: PositiveFloat
    cv: Annotated[float, Field(ge=R.MIN_CV), *_at_most(R.MAX_CV)]

    def upper(self):
        return R.lognormal_upper(self.mean, self.cv)


class Uniform(DistSpec):
    """Uniform on [low, high]."""

    dist: Literal["uniform"]
    low: NonNegFloat
    high: NonNegFloat

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.high < self.low:
            raise ValueError(
                f"uniform needs low <= high (got low {self.low:g}, high {self.high:g}); "
                "swap them or fix one"
            )
        return self

    def upper(self):
        return self.high

    def mean_value(self):
        return (self.low + self.high) / 2


class Triangular(DistSpec):
    """Triangular on [low, high] with peak at ``mode``."""

    dist: Literal["triangular"]
    low: NonNegFloat
    mode: NonNegFloat
    high: NonNegFloat

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not (self.low <= self.mode <= self.high) or self.low == self.high:
            raise ValueError(
                "triangular needs low <= mode <= high and low < high "
                f"(got low {self.low:g}, mode {self.mode:g}, high {self.high:g}); "
                "put mode between low and high"
            )
        return self

    def upper(self):
        return self.high

    def mean_value(self):
        return (self.low + self.mode + self.high) / 3


class Exponential(DistSpec):
    """Exponential with the given mean."""

    dist: Literal["exponential"]
    mean: PositiveFloat

    def upper(self):
        return R.exponential_upper(self.mean)


class Empirical(DistSpec):
    """Resample uniformly from ``values`` (or the first column of ``csv``, relative to the file)."""

    dist: Literal["empirical"]
    values: list[NonNegFloat] | None = None
    csv: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> Empirical:
        if (self.values is None) == (self.csv is None):
            raise ValueError("empirical needs exactly one of values: [...] or csv: path")
        if self.values is not None and len(self.values) == 0:
            raise ValueError("empirical values must not be empty; list at least one value")
        return self

    def upper(self):  # csv values are checked where the file is read (validate.read_csv_values)
        return max(self.values) if self.values else None

    def mean_value(self):
        return sum(self.values) / len(self.values) if self.values else None

    def shown(self) -> str:
        return "empirical values"


class AR1(DistSpec):
    """Demand only: x_t = mean + phi (x_{t-1} - mean) + e_t, e_t ~ Normal(0, sd); starts at the mean."""

    dist: Literal["ar1"]
    mean: NonNegFloat
    phi: Annotated[float, Field(gt=-1, lt=1)]
    sd: NonNegFloat

    def upper(self):
        return R.ar1_upper(self.mean, self.phi, self.sd)


class Step(DistSpec):
    """Demand only: ``before`` per day until ``day``, then ``after`` (the Beer Game step)."""

    dist: Literal["step"]
    before: NonNegFloat
    after: NonNegFloat
    day: Annotated[int, Field(ge=0, le=R.MAX_DAYS_EVER)]

    def upper(self):
        return max(self.before, self.after)

    def mean_value(self):
        return self.after


_LOWER_WHAT = {"poisson": "mean", "normal": "mean or sd", "negbin": "var or mean",
               "gamma": "mean or cv", "lognormal": "mean or cv", "exponential": "mean",
               "ar1": "sd or phi", "constant": "value", "uniform": "high", "triangular": "high",
               "empirical": "the values", "step": "before or after"}


def _finite_parameters(spec: DistSpec) -> bool:
    """nan and ±inf parameters are reported at their own place (messages.nonfinite_problems)."""
    values = [v for v in spec.model_dump().values() if isinstance(v, float)]
    values += [v for v in getattr(spec, "values", None) or []]
    return all(math.isfinite(v) for v in values)


_WITHIN_PARAMETERS = ("uniform", "triangular", "empirical", "step")  # draws never pass a parameter


def _drawn_within(limit: float, unit: str, what: str):
    """A check of a distribution where it describes ``what`` (at most ``limit``): a bounded one
    (constant, uniform, ...) never passes ``limit``; a random one has a mean within it and its
    largest practical draw stays below 2**53 (ranges.MAX_DRAW), so that a rare draw beyond
    ``limit`` is still exact and cannot overflow."""

    def check(spec: DistSpec) -> DistSpec:
        top = spec.upper()
        if top is None or not _finite_parameters(spec):
            return spec
        fix = f"(README: Ranges); lower {_LOWER_WHAT[spec.dist]}"
        if spec.dist == "constant" and top > limit:
            raise ValueError(f"{spec.shown()} is more than {R.shown(limit)} {unit}, the most "
                             f"{what} may be {fix}")
        if spec.dist in _WITHIN_PARAMETERS and top > limit:
            raise ValueError(f"{spec.shown()} reach {R.shown(top)} {unit}, more than "
                             f"{R.shown(limit)}, the most {what} may be {fix}")
        if spec.dist == "constant" or spec.dist in _WITHIN_PARAMETERS:
            return spec
        mean = abs(spec.mean)  # type: ignore[attr-defined]  # a normal's mean may be negative
        if mean > limit:
            written = R.shown(spec.mean, 6)  # type: ignore[attr-defined]
            if spec.mean < 0:  # type: ignore[attr-defined]
                raise ValueError(f"normal mean {written} is below {R.shown(-limit)} {unit}; its "
                                 f"mean may be from {R.shown(-limit)} to {R.shown(limit)} "
                                 "(README: Ranges); raise mean")
            raise ValueError(f"{spec.dist} mean {written} is more than {R.shown(limit)} {unit}, "
                             f"the most {what} may be (README: Ranges); lower mean")
        if not top <= R.MAX_DRAW:
            draws = ("draws values that overflow float64" if top == float("inf") else
                     f"draws up to about {R.shown(top)} {unit}")
            raise ValueError(f"{spec.shown()} {draws}, more than 2^53 ≈ 9.0e15, the largest "
                             f"whole number float64 holds exactly {fix}")
        return spec

    return AfterValidator(check)


Dist = Annotated[
    Constant | Poisson | Normal | NegBin | Gamma | LogNormal | Uniform | Triangular | Exponential
    | Empirical | AR1 | Step,
    Field(discriminator="dist"),
]
# A distribution at each place it is used, with the range of what it draws there.
QuantityDist = Annotated[Dist, _drawn_within(R.MAX_QUANTITY, "units", "a quantity")]
DaysDist = Annotated[Dist, _drawn_within(R.MAX_DAYS_EVER, "days", "a time in days")]
MinutesDist = Annotated[Dist, _drawn_within(R.MAX_MINUTES, "minutes", "a time in minutes")]
DEMAND_ONLY = ("ar1", "step")


# --------------------------------------------------------------------------- policies
class PolicyBase(Spec):
    type: str  # narrowed to a Literal by each policy; declared here so it is written first
    review_days: DayCount = 1
    moq: Quantity = 0.0
    multiple: PositiveQuantity | None = None


MAX_TARGET = 0.9999  # a service target of 1 needs unbounded stock under random demand
TargetValue = Annotated[float, Field(gt=0, le=MAX_TARGET)]


class ServiceTarget(Spec):
    """A service level to size a stock policy for, instead of its levels (scenario/sizing.py):
    the long-run ``cycle_service_level`` (share of days ending without backorders) or
    ``fill_rate`` (share of units served from stock on the day asked). Exactly one."""

    cycle_service_level: TargetValue | None = None
    fill_rate: TargetValue | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> ServiceTarget:
        given = [k for k in ("cycle_service_level", "fill_rate") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("a target names exactly one service level, e.g. target: "
                             "{fill_rate: 0.98} or target: {cycle_service_level: 0.95}"
                             + ("; keep one of them" if given else ""))
        return self

    @property
    def kind(self) -> str:
        return "fill_rate" if self.fill_rate is not None else "cycle_service_level"

    @property
    def value(self) -> float:
        return self.fill_rate if self.fill_rate is not None else self.cycle_service_level


TARGET_HELP = ("size the levels from this service target instead of giving them (README: "
               "Sizing a policy from a service target)")


def _levels_or_target(policy, levels: tuple[str, ...], example: str) -> None:
    """A stock policy gives either its levels or a target that computes them, never both."""
    given = [k for k in levels if getattr(policy, k) is not None]
    if policy.target is not None and given:
        names = " and ".join(given)
        raise ValueError(f"{policy.type} gives both target and {names}, which the target "
                         f"computes; remove {names} (or remove target to keep your levels)")
    if policy.target is None and len(given) < len(levels):
        missing = ", ".join(f"missing required field '{k}'" for k in levels if k not in given)
        raise ValueError(f"{policy.type} is {missing}; add '{example}', or a service target "
                         "instead of the levels, e.g. target: {fill_rate: 0.98}")


class BaseStock(PolicyBase):
    """Order S - IP at every review."""

    type: Literal["base_stock"]
    S: Quantity | None = None
    target: ServiceTarget | None = Field(default=None, description=TARGET_HELP)

    @model_validator(mode="after")
    def _S_or_target(self) -> BaseStock:
        _levels_or_target(self, ("S",), "S: 40")
        return self


class SS(PolicyBase):
    """When IP <= s, order S - IP."""

    type: Literal["sS"]
    s: SignedQuantity | None = None
    S: Quantity | None = None
    target: ServiceTarget | None = Field(default=None, description=TARGET_HELP)

    @model_validator(mode="after")
    def _s_below_S(self) -> SS:
        _levels_or_target(self, ("s", "S"), "s: 20, S: 60")
        if self.target is None and self.s >= self.S:
            raise ValueError(f"sS needs s < S (got s {self.s:g}, S {self.S:g}); lower s or raise S")
        return self


class RQ(PolicyBase):
    """When IP <= r, order the smallest multiple of Q that lifts IP above r. With a target, Q
    may be given (then only r is sized) or left out (EOQ)."""

    type: Literal["rQ"]
    r: SignedQuantity | None = None
    Q: PositiveQuantity | None = None
    target: ServiceTarget | None = Field(default=None, description=TARGET_HELP)

    @model_validator(mode="after")
    def _r_or_target(self) -> RQ:
        _levels_or_target(self, ("r",) if self.target is not None else ("r", "Q"),
                          "r: 20, Q: 40")
        return self


SIZED_POLICIES = (BaseStock, SS, RQ)  # the policies a service target may size


class MakeToOrder(PolicyBase):
    """Hold no stock on purpose: order exactly what was asked (base stock with S = 0)."""

    type: Literal["make_to_order"]


class Dropship(PolicyBase):
    """Hold no stock: pass each day's consumer demand to the supplier at once, which ships it
    straight to the consumers over the lane's lead time."""

    type: Literal["dropship"]


Signal = Literal["own", "consumer"]
SIGNAL_HELP = ("whose demand the forecast follows: own = what this node is asked (its buyers' "
               "orders); consumer = the consumers' demand at the demand nodes it serves "
               "(information sharing)")
INITIAL_FORECAST_HELP = ("daily demand assumed before any is observed (default: the node's "
                         "expected daily demand at the start)")


class ForecastOut(PolicyBase):
    """Order up to (L + R) × forecast of daily demand + safety_factor × σ̂ × √(L + R), the
    forecast a moving average or exponential smoothing of the demand observed up to yesterday."""

    type: Literal["forecast_out"]
    method: Literal["moving_average", "exp_smoothing"]
    window: DayCount | None = Field(
        default=None, description="moving_average: days averaged")
    alpha: Annotated[float, Field(gt=0, le=1)] | None = Field(
        default=None, description="exp_smoothing: weight of the newest day")
    safety_factor: Annotated[float, Field(ge=0), *_at_most(R.MAX_SAFETY_FACTOR)] = 0.0
    signal: Signal = Field(default="own", description=SIGNAL_HELP)
    initial_forecast: Quantity | None = Field(default=None, description=INITIAL_FORECAST_HELP)

    @model_validator(mode="after")
    def _method_parameter(self) -> ForecastOut:
        if self.method == "moving_average" and self.window is None:
            raise ValueError("forecast_out with method moving_average needs window (days "
                             "averaged), e.g. window: 10")
        if self.method == "exp_smoothing" and self.alpha is None:
            raise ValueError("forecast_out with method exp_smoothing needs alpha (0 < alpha "
                             "<= 1), e.g. alpha: 0.2")
        return self


class Sterman(PolicyBase):
    """Sterman's (1989) anchor-and-adjust ordering of the Beer Game: order = expected demand
    + alpha_s × (target_stock − stock − beta × supply line), never below 0; the expected demand
    is smoothed with weight theta. Defaults are Sterman's estimates over his subjects."""

    type: Literal["sterman"]
    alpha_s: Annotated[float, Field(ge=0, le=1)] = Field(
        default=0.26, description="share of the stock gap ordered each period")
    beta: Annotated[float, Field(ge=0, le=1)] = Field(
        default=0.34, description="weight of the supply line (on order) relative to stock")
    theta: Annotated[float, Field(ge=0, le=1)] = Field(
        default=0.36, description="weight of the newest demand in the expected demand")
    target_stock: SignedQuantity = Field(
        default=17.0, description="S' = desired stock + beta × desired supply line")
    signal: Signal = Field(default="own", description=SIGNAL_HELP)
    initial_forecast: Quantity | None = Field(default=None, description=INITIAL_FORECAST_HELP)


Policy = Annotated[BaseStock | SS | RQ | MakeToOrder | Dropship | ForecastOut | Sterman,
                   Field(discriminator="type")]


class Sourcing(Spec):
    """How a node with several supplying lanes splits its orders among them."""

    rule: Literal["single", "primary_backup", "split"] = "single"


class Outage(Spec):
    """Supplier disruptions: an available node starts an outage with probability ``start_prob``
    each day; the outage lasts ``duration`` days (rounded up), during which it ships nothing."""

    start_prob: Annotated[float, Field(ge=0, lt=1)]
    duration: DaysDist


# --------------------------------------------------------------------------- nodes and lanes
class Costs(Spec):
    """Per unit-day on hand, per unit-day backordered, per order placed, per unit-day in transit,
    per unit sold to consumers (e.g. pick, pack and parcel of an online shop)."""

    holding: Money = 0.0
    backorder: Money = 0.0
    order: Money = 0.0
    pipeline_holding: Money = 0.0
    per_unit_sold: Money = 0.0


class Initial(Spec):
    """Starting state; by default on hand = the policy's order-up-to level, nothing in transit."""

    on_hand: Quantity | None = None
    pipeline: Quantity = Field(
        default=0.0, description="a steady flow per day already under way: on each supplying "
        "lane this much arriving on each day of its lead time and ordered on each day of its "
        "order delay (a manufacturer: finishing production on each day of its lead time)")


Role = Literal["manufacturer", "wholesaler", "distributor", "retailer", "3pl"]


# --------------------------------------------------------------------------- e-commerce (3PL)
class Orders(Spec):
    """Consumer orders arriving one by one in continuous time (a Poisson process)."""

    per_day: PositiveQuantity = Field(description="mean number of consumer orders per day")
    size: QuantityDist = Field(default=Constant(dist="constant", value=1),
                       description="units per order (rounded up to at least 1)")


class Channel(Spec):
    """A sales channel of the seller: its share of orders and what it charges."""

    id: Annotated[str, Field(min_length=1)]
    kind: Literal["store", "website", "marketplace", "social"]
    share: Annotated[float, Field(gt=0, le=1)] = 1.0
    fee_pct: Annotated[float, Field(ge=0, lt=1)] = 0.0
    fee_per_order: Money = 0.0
    promised_days: Annotated[float, Field(gt=0), *_at_most(R.MAX_DAYS_EVER)] | None = Field(
        default=None, description="delivery promise, for the on-time rate")
    shipping: str | None = Field(
        default=None, description="shipping method for this channel's parcels (default: the "
        "first method whose mean transit keeps promised_days, else the first)")
    allocation: Annotated[float, Field(ge=0, le=1)] | None = Field(
        default=None, description="share of the stock kept for this channel alone (default: "
        "one pool for all channels)")


# A node's channels are mappings (a 3PL's own channels) or names (market channels of an outlet).
# The tag is chosen by the value's type, so an error speaks of one kind only.
CHANNEL_TAGS = {"channel-mapping": Channel, "channel-name": str}
ChannelEntry = Annotated[
    Annotated[Channel, Tag("channel-mapping")] | Annotated[str, Tag("channel-name")],
    Discriminator(lambda v: "channel-name" if isinstance(v, str) else "channel-mapping"),
]


class Shipping(Spec):
    """A carrier service the 3PL hands parcels to."""

    method: Annotated[str, Field(min_length=1)]
    transit_days: DaysDist
    cost_per_parcel: Money = 0.0


class Hours(Spec):
    """Daily working hours of pickers and packers (hours of the day, 0-24)."""

    start: Annotated[float, Field(ge=0, lt=24)] = 8.0
    end: Annotated[float, Field(gt=0, le=24)] = 18.0

    @model_validator(mode="after")
    def _ordered(self) -> Hours:
        if self.end <= self.start:
            raise ValueError(f"hours need start < end (got {self.start:g} to {self.end:g}); "
                             "e.g. start: 8, end: 18")
        return self


class TplFees(Spec):
    """What the 3PL charges the seller: per order, per unit shipped, per unit-day stored."""

    per_order: Money = 0.0
    per_unit: Money = 0.0
    storage: Money = 0.0


# Marks the Node fields that describe consumer-order fulfilment (read by scenario.facts).
FULFILMENT = {"fulfilment": True}


class Node(Spec):
    """A stocking point in the network."""

    id: Annotated[str, Field(min_length=1)]
    role: Role
    infinite_supply: bool = False
    demand: QuantityDist | None = None
    policy: Policy | None = None
    unmet: Literal["backorder", "lost"] = "backorder"
    costs: Costs = Costs()
    price: Price | None = Field(
        default=None, description="selling price per unit to buyers and consumers"
    )
    markup: Annotated[float, Field(ge=0), *_at_most(R.MAX_MARKUP)] | None = Field(
        default=None, description="selling price = purchase price x (1 + markup), when no price"
    )
    integer: bool | None = Field(
        default=None, description="whole units; default: true when demand is integer-valued"
    )
    min_order: Quantity = Field(
        default=0.0, description="minimum order quantity (MOQ) this node accepts from its buyers"
    )
    capacity: PositiveQuantity | None = Field(
        default=None, description="manufacturer: units that can start production per day"
    )
    production_lead_time: DaysDist | None = Field(
        default=None, description="manufacturer: days from production start to stock"
    )
    initial: Initial = Initial()
    territory: list[str] | None = Field(
        default=None, description="market mode: regions where this node holds exclusive "
        "distribution rights (no other node may hold them or supply outlets there)")
    owner: str | None = Field(
        default=None, description="the firm that owns this node (default: the node itself); "
        "profits of a firm's nodes add up, e.g. a manufacturer's own web shop")
    sourcing: Sourcing = Sourcing()
    outage: Outage | None = Field(default=None, description="supplier disruptions")
    # 3PL fulfilment (role: 3pl): fields marked FULFILMENT act only where a node takes consumer
    # orders (scenario.facts.takes_consumer_orders)
    orders: Orders | None = Field(default=None, description="3pl: consumer orders in continuous time")
    channels: list[ChannelEntry] | None = Field(
        default=None, description="3pl: the seller's channels (mappings); market mode: ids of "
        "the market channels this outlet sells through")
    region: str | list[str] | None = Field(
        default=None, description="market mode: the region(s) this outlet serves ('all': every "
        "region), instead of demand")
    pickers: Count = Field(
        default=1, description="3pl: pickers working in parallel", json_schema_extra=FULFILMENT)
    packers: Count = Field(
        default=1, description="3pl: packing stations", json_schema_extra=FULFILMENT)
    pick_time: MinutesDist = Field(default=Constant(dist="constant", value=0),
                            description="minutes to pick one order", json_schema_extra=FULFILMENT)
    pack_time: MinutesDist = Field(default=Constant(dist="constant", value=0),
                            description="minutes to pack one order", json_schema_extra=FULFILMENT)
    hours: Hours | None = Field(default=None, description="working hours; default all day",
                                json_schema_extra=FULFILMENT)
    cutoff: Annotated[float, Field(gt=0, le=24)] | None = Field(
        default=None, description="hour of the day after which orders wait for the next day",
        json_schema_extra=FULFILMENT)
    fees: TplFees = Field(default=TplFees(), description="3pl: fees charged to the seller",
                          json_schema_extra=FULFILMENT)
    shipping: list[Shipping] | None = Field(default=None, description="3pl: shipping methods",
                                            json_schema_extra=FULFILMENT)

    @model_validator(mode="after")
    def _consistent(self) -> Node:
        if self.price is not None and self.markup is not None:
            raise ValueError("give either price or markup, not both")
        if self.role != "manufacturer" and (
            self.capacity is not None or self.production_lead_time is not None
        ):
            raise ValueError(
                "only a manufacturer has capacity and production_lead_time; "
                "remove them or set role: manufacturer"
            )
        if self.infinite_supply and self.policy is not None:
            raise ValueError("an infinite_supply node never reorders; remove its policy")
        if self.orders is not None and self.role != "3pl":
            raise ValueError("consumer orders (orders:) are fulfilled by a 3pl node; set role: 3pl "
                             "or use demand:")
        if self.orders is not None and self.demand is not None:
            raise ValueError("give either demand (daily quantities) or orders (one by one), not both")
        if self.region is not None and (self.demand is not None or self.orders is not None):
            raise ValueError("a market outlet gets its demand from its region; remove demand "
                             "(or orders) or region")
        return self


class Lane(Spec):
    """Transport from a supplier to a buyer; the buyer pays its costs."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    src: str = Field(alias="from")
    dst: str = Field(alias="to")
    lead_time: DaysDist = Constant(dist="constant", value=0)
    order_delay: Annotated[int, Field(ge=0, le=R.MAX_DAYS_EVER)] = Field(
        default=0, description="days an order takes to reach the supplier (the Beer Game's "
        "mail delay)")
    cost_per_unit: Money = 0.0
    cost_per_shipment: Money = 0.0
    mode: str | None = Field(default=None, description="label, e.g. parcel, LTL, FTL")
    share: Annotated[float, Field(gt=0, le=1)] | None = Field(
        default=None, description="sourcing: split — this supplier's share of every order")
    priority: Annotated[int, Field(ge=-R.MAX_COUNT, le=R.MAX_COUNT)] | None = Field(
        default=None, description="sourcing: primary_backup — lower goes first (default: "
        "the order of the lanes)")

    @property
    def key(self) -> str:
        return f"{self.src}->{self.dst}"


class Product(Spec):
    id: str = "item"
    unit_cost: Price = 0.0
    price: Price = 0.0


class Region(Spec):
    """Consumers in one area: the demand they would place if every outlet were at hand."""

    id: Annotated[str, Field(min_length=1)]
    demand: QuantityDist
    population: Annotated[float, Field(gt=0), *_at_most(R.MAX_POPULATION)] | None = Field(default=None, description="for reports only")


class MarketChannel(Spec):
    """A way consumers buy: a physical store, the brand's website, a marketplace, social."""

    id: Annotated[str, Field(min_length=1)]
    kind: Literal["store", "website", "marketplace", "social"]
    fee_pct: Annotated[float, Field(ge=0, lt=1)] = 0.0


class Coverage(Spec):
    """Captured share of a region's demand = 1 − exp(−k · outlets serving it)."""

    k: Annotated[float, Field(gt=0), *_at_most(R.MAX_COVERAGE_K)] = 0.5


class Switching(Spec):
    """A consumer at an out-of-stock outlet tries another outlet of the region with this
    probability; otherwise the outlet's unmet rule applies (wait or walk away)."""

    prob: Annotated[float, Field(ge=0, le=1)] = 0.0


class Elasticity(Spec):
    """Demand scales by (price / reference_price)^−epsilon (mean price of the region's outlets)."""

    epsilon: Annotated[float, Field(ge=0), *_at_most(R.MAX_ELASTICITY)] = 0.0
    reference_price: Annotated[float, Field(ge=R.MIN_PRICE), *_at_most(R.MAX_MONEY)] | None = Field(
        default=None, description="default: the product's list price")


class Competitor(Spec):
    """A rival brand's outlets: not simulated, they take a share of each region's consumers by
    the attraction model of model/market.py (outlets × price^−ε against ours)."""

    id: Annotated[str, Field(min_length=1)]
    regions: list[str] | Literal["all"] = Field(
        default="all", description="the regions where the rival has outlets")
    outlets: Annotated[int, Field(ge=0, le=R.MAX_COUNT)] = Field(
        description="the rival's outlets in each of its regions")
    price: Annotated[float, Field(ge=R.MIN_PRICE), *_at_most(R.MAX_MONEY)] = Field(
        description="the rival's consumer price")
    channels: list[str] | None = Field(
        default=None, description="for reports only: how the rival sells (e.g. store, "
        "marketplace)")


class Market(Spec):
    """The shared market of the strategy comparison: regions, channels and how outlets capture
    demand."""

    regions: Annotated[list[Region], Field(min_length=1)]
    channels: list[MarketChannel] = Field(default_factory=list)
    coverage: Coverage = Coverage()
    switching: Switching = Switching()
    elasticity: Elasticity = Elasticity()
    competitors: list[Competitor] = Field(
        default_factory=list, description="rival brands' outlets in the regions")


class Scenario(Spec):
    """A whole scenario file."""

    name: Annotated[str, Field(min_length=1)]
    description: str = ""
    extends: str | None = Field(
        default=None, description="path of a base scenario (relative to this file) to deep-merge"
    )
    period: Literal["day", "week"] = Field(
        default="day", description="what one simulated day stands for in labels (the Beer "
        "Game counts weeks); numbers do not change")
    horizon_days: HorizonDays = 365
    warmup_days: WarmupDays = 0
    replications: Count = 10
    seed: Seed = 12345
    products: list[Product] = Field(default_factory=lambda: [Product()])
    nodes: list[Node]
    lanes: list[Lane] = Field(default_factory=list)
    market: Market | None = None
    # the policies sized from a target when loaded (scenario/sizing.py `records`); not a field,
    # so dumps and resolved files hold the plain levels only
    _sized: tuple = PrivateAttr(default=())

    @property
    def product(self) -> Product:
        return self.products[0]

    def node(self, node_id: str) -> Node:
        for n in self.nodes:
            if n.id == node_id:
                return n
        raise KeyError(node_id)


class ScenarioBase(Spec):
    """A base file for ``extends:``: any part of a scenario, every key optional."""

    name: str | None = None
    description: str | None = None
    extends: str | None = None
    period: Literal["day", "week"] | None = None
    horizon_days: HorizonDays | None = None
    warmup_days: WarmupDays | None = None
    replications: Count | None = None
    seed: Seed | None = None
    products: list[Product] | None = None
    nodes: list[Node] | None = None
    lanes: list[Lane] | None = None
    market: Market | None = None
