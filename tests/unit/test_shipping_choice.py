"""Which shipping method a channel's parcels take (by hand)."""

from chainsim.model.dists import mean_of
from chainsim.model.tpl import choose_method
from chainsim.scenario import schema as s

STANDARD = s.Shipping(method="standard", cost_per_parcel=4,
                      transit_days=s.Uniform(dist="uniform", low=2, high=5))  # mean 3.5
EXPRESS = s.Shipping(method="express", cost_per_parcel=9,
                     transit_days=s.Constant(dist="constant", value=1))


def channel(**kw):
    return s.Channel(id="c", kind="website", **kw)


def test_named_method_wins():
    assert choose_method(channel(shipping="standard", promised_days=1), [STANDARD, EXPRESS]) == 0


def test_first_method_that_keeps_the_promise_on_average():
    assert choose_method(channel(promised_days=1), [STANDARD, EXPRESS]) == 1
    assert choose_method(channel(promised_days=3.5), [STANDARD, EXPRESS]) == 0  # 3.5 <= 3.5
    assert choose_method(channel(promised_days=3.4), [STANDARD, EXPRESS]) == 1


def test_no_promise_or_none_kept_takes_the_first():
    assert choose_method(channel(), [STANDARD, EXPRESS]) == 0
    assert choose_method(channel(promised_days=0.5), [STANDARD, EXPRESS]) == 0


def test_means_by_hand():
    assert mean_of(s.Triangular(dist="triangular", low=1, mode=2, high=6)) == 3
    assert mean_of(s.Empirical(dist="empirical", values=[1, 2, 6])) == 3
    assert mean_of(s.Gamma(dist="gamma", mean=4, cv=0.5)) == 4
    assert mean_of(s.Step(dist="step", before=4, after=8, day=3)) == 8
