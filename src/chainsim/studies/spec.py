"""The keys of a study file (README: Studies), as pydantic models.

A study holds what a strategist knows: the deciding firm (``perspective``), the currency, the
product, the market, one stock rule and transport terms shared by every strategy, and the
candidate strategies — each a template of ``templates.py`` with the values the study changes,
or a plain scenario file. Every model forbids unknown keys.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from chainsim.scenario import ranges as R
from chainsim.scenario.schema import (
    Count,
    DayCount,
    HorizonDays,
    Market,
    Money,
    Price,
    Product,
    Seed,
    WarmupDays,
)
from chainsim.studies.templates import TEMPLATES

Share = Annotated[float, Field(gt=0, le=1)]
Markup = Annotated[float, Field(ge=0, le=R.MAX_MARKUP)]
Days = Annotated[float, Field(ge=0, le=R.MAX_DAYS_EVER)]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Target(Model):
    """The service every stocking node is sized for (exactly one of the two)."""

    fill_rate: Annotated[float, Field(gt=0, lt=1)] | None = None
    cycle_service_level: Annotated[float, Field(gt=0, lt=1)] | None = None

    @model_validator(mode="after")
    def _one(self) -> Target:
        if (self.fill_rate is None) == (self.cycle_service_level is None):
            raise ValueError("give one service target: fill_rate or cycle_service_level, "
                             "e.g. target: {fill_rate: 0.95}")
        return self

    def as_dict(self) -> dict[str, float]:
        return {k: v for k, v in self.model_dump().items() if v is not None}


class Stock(Model):
    """How every stocking node of every strategy holds stock: one rule, no per-strategy
    tuning. Holding cost per unit-day = holding_pct_per_year × the unit's value there / 365."""

    policy: Literal["sS", "base_stock", "rQ"] = "sS"
    target: Target = Target(fill_rate=0.95)
    review_days: DayCount = 1
    holding_pct_per_year: Annotated[float, Field(ge=0, le=10)] = 0.25
    order_cost_outlet: Money = 10.0
    order_cost_tier: Money = 60.0


class Transport(Model):
    """Lanes: brand → intermediaries (gamma lead times with this cv, per unit and per
    shipment costs) and to the outlets (constant lead time, per unit cost)."""

    tier_lead_cv: Annotated[float, Field(gt=0, le=10)] = 0.3
    tier_cost_per_unit: Money = 0.4
    tier_cost_per_shipment: Money = 150.0
    outlet_lead_days: Annotated[int, Field(ge=0, le=R.MAX_DAYS_EVER)] = 2
    outlet_cost_per_unit: Money = 0.3


class Intermediary(Model):
    """One tier between the brand and the outlets."""

    role: Literal["wholesaler", "distributor"]
    markup: Markup
    lead_days: Annotated[float, Field(gt=0, le=R.MAX_DAYS_EVER)]
    count: Annotated[int, Field(ge=1, le=1000)] = 1
    territories: dict[str, list[str]] | Literal["pairs"] | None = Field(
        default=None, description="exclusive rights: territory name -> its regions ('pairs': "
        "neighbouring regions two by two)")


class OnlineChannel(Model):
    id: str
    share: Share
    promised_days: Days


class Online(Model):
    """An outlet that serves every region online."""

    id: Annotated[str, Field(min_length=1)]
    channels: list[str] | list[OnlineChannel]
    owner: str | None = Field(default=None, description="'brand': the deciding firm's own shop")
    fulfilment: dict[str, Any] | None = Field(
        default=None, description="stock at a 3PL taking consumer orders: its settings over "
        "the defaults (pickers, packers, hours, cutoff, fees, shipping); absent: a plain outlet")


class Strategy(Model):
    """One candidate: a template and the values the study changes, or a scenario file."""

    template: Literal[tuple(TEMPLATES)] | None = None  # type: ignore[valid-type]
    file: str | None = None
    name: str | None = None
    description: str | None = None
    price: Price | None = None
    brand_price: Price | None = None
    brand_moq: Annotated[float, Field(ge=0, le=R.MAX_QUANTITY)] | None = None
    intermediaries: list[Intermediary] | None = None
    distributors: Annotated[int, Field(ge=1, le=1000)] | None = None
    wholesalers: Annotated[int, Field(ge=1, le=1000)] | None = None
    outlets_per_region: Annotated[int, Field(ge=0, le=1000)] | None = None
    outlet_channels: list[str] | None = None
    outlet_lead_days: Annotated[int, Field(ge=0, le=R.MAX_DAYS_EVER)] | None = None
    case_pack: Annotated[int, Field(ge=1, le=R.MAX_QUANTITY)] | None = None
    online: list[Online] | None = None

    @model_validator(mode="after")
    def _template_or_file(self) -> Strategy:
        if (self.template is None) == (self.file is None):
            raise ValueError("give a strategy either template: (one of "
                             f"{', '.join(TEMPLATES)}) or file: (a scenario file), not both")
        if self.file is not None:
            given = [k for k, v in self if v is not None and k not in ("file", "name")]
            if given:
                raise ValueError(f"a strategy from a file takes its network from the file; "
                                 f"remove {', '.join(given)} or use a template")
        return self

    def values(self) -> dict[str, Any]:
        """What the study wrote, as plain data (unset keys left out)."""
        return self.model_dump(exclude_none=True, mode="json")


class Run(Model):
    horizon_days: HorizonDays = 365
    warmup_days: WarmupDays = 60
    replications: Count = 10
    seed: Seed = 2026


class Sensitivity(Model):
    """The assumptions to vary (dotted paths into the study file, each ``[low, high]``), the
    replications (and optionally a shorter horizon) each varied study gets, and the decision
    map's points per axis. Fewer, shorter runs make the what-ifs quick; their CIs (and the
    decision map's "not clear" cells) say what that costs."""

    ranges: Annotated[dict[str, tuple[float, float]], Field(min_length=1)]
    replications: Annotated[int, Field(ge=2, le=1000)] = 4
    steps: Annotated[int, Field(ge=2, le=9)] = 4
    horizon_days: HorizonDays | None = Field(
        default=None, description="a shorter run for the what-ifs (default: the study's)")

    @model_validator(mode="after")
    def _ordered(self) -> Sensitivity:
        for path, (low, high) in self.ranges.items():
            if not low < high:
                raise ValueError(f"the range of {path} is [{low:g}, {high:g}]; give "
                                 "[low, high] with low < high")
        return self


class Study(Model):
    """A whole study file."""

    study: Annotated[str, Field(min_length=1)]
    description: str = ""
    perspective: Annotated[str, Field(min_length=1)] = "brand"
    currency: Annotated[str, Field(min_length=1, max_length=12)] = "EUR"
    run: Run = Run()
    product: Product
    market: Market
    stock: Stock = Stock()
    transport: Transport = Transport()
    metric: str = Field(default="profit", description="what the ranking compares, at the "
                        "perspective firm (any metric of the catalogue)")
    strategies: Annotated[list[Strategy], Field(min_length=2)]
    sensitivity: Sensitivity | None = None
