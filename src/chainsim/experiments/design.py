"""Design points of a sweep: a grid, a list, or a Latin hypercube.

`points` turns the parameters of a sweep (dotted path -> values) into a list of design points,
each a dict {path: value}, in a fixed order:

- ``grid``: the cartesian product, in the order the parameters are given, the last varying
  fastest; the parameters of a ``zip`` group vary together and count as one axis (at the place
  of the group's first parameter);
- ``list``: the i-th value of every parameter;
- ``lhs``: ``samples`` points of `scipy.stats.qmc.LatinHypercube` scaled to each parameter's
  ``[low, high]`` (or ``{low, high}``); a parameter whose bounds are both whole numbers is
  rounded to a whole number.

Points depend only on their inputs (and the seed for ``lhs``).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

DESIGNS = ("grid", "list", "lhs")


class DesignError(ValueError):
    """Parameters that do not make a design (the message says what to fix)."""


def bounds(spec: Any) -> tuple[Any, Any]:
    """The (low, high) of an lhs parameter given as [low, high] or {low, high}."""
    if isinstance(spec, Mapping) and set(spec) == {"low", "high"}:
        low, high = spec["low"], spec["high"]
    elif isinstance(spec, Sequence) and not isinstance(spec, str) and len(spec) == 2:
        low, high = spec
    else:
        raise DesignError(f"lhs needs [low, high] or {{low: .., high: ..}} (got {spec!r})")
    for v in (low, high):
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise DesignError(f"lhs bounds must be numbers (got {v!r})")
    if not low <= high:
        raise DesignError(f"lhs needs low <= high (got low {low}, high {high})")
    return low, high


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def points(
    design: str,
    parameters: Mapping[str, Any],
    *,
    samples: int | None = None,
    seed: int | None = 0,
    zip_groups: Iterable[Sequence[str]] = (),
) -> list[dict[str, Any]]:
    """The design points, each a dict {path: value} with the parameters in the given order."""
    names = list(parameters)
    if design == "grid":
        return _grid(names, parameters, [list(g) for g in zip_groups])
    if design == "list":
        lengths = {n: len(parameters[n]) for n in names}
        if len(set(lengths.values())) > 1:
            shown = ", ".join(f"{n}: {k}" for n, k in lengths.items())
            raise DesignError(f"design list needs lists of the same length (got {shown})")
        count = next(iter(lengths.values()), 0)
        return [{n: parameters[n][i] for n in names} for i in range(count)]
    if design == "lhs":
        return _lhs(names, parameters, samples, seed)
    raise DesignError(f"unknown design '{design}'; use one of {', '.join(DESIGNS)}")


def _grid(names: list[str], parameters: Mapping[str, Any],
          groups: list[list[str]]) -> list[dict[str, Any]]:
    """The cartesian product of the axes, the last varying fastest."""
    axes = _axes(names, _group_of(parameters, groups))
    ranges = [range(len(parameters[axis[0]])) for axis in axes]
    out = []
    for combo in itertools.product(*ranges):
        point: dict[str, Any] = {}
        for axis, i in zip(axes, combo, strict=True):
            for n in axis:
                point[n] = parameters[n][i]
        out.append({n: point[n] for n in names})
    return out


def _group_of(parameters: Mapping[str, Any], groups: list[list[str]]) -> dict[str, int]:
    """Parameter -> its zip group; each group must name parameters (in one group each) whose
    lists are of the same length."""
    group_of: dict[str, int] = {}
    for g, group in enumerate(groups):
        for n in group:
            if n not in parameters:
                raise DesignError(f"zip names '{n}', which is not a parameter")
            if n in group_of:
                raise DesignError(f"'{n}' is in more than one zip group")
            group_of[n] = g
        lengths = {n: len(parameters[n]) for n in group}
        if len(set(lengths.values())) > 1:
            shown = ", ".join(f"{n}: {k}" for n, k in lengths.items())
            raise DesignError(f"a zip group needs lists of the same length (got {shown})")
    return group_of


def _axes(names: list[str], group_of: dict[str, int]) -> list[list[str]]:
    """The grid's axes, each the parameters that vary together: a zip group at the place of
    its first parameter, every other parameter alone."""
    axes: list[list[str]] = []
    placed: set[int] = set()
    for n in names:
        if n in group_of:
            g = group_of[n]
            if g not in placed:
                placed.add(g)
                axes.append([m for m in names if group_of.get(m) == g])
        else:
            axes.append([n])
    return axes


def _lhs(names: list[str], parameters: Mapping[str, Any], samples: int | None,
         seed: int | None) -> list[dict[str, Any]]:
    from scipy.stats import qmc

    if samples is None or isinstance(samples, bool) or not isinstance(samples, int) or samples < 1:
        raise DesignError(f"design lhs needs samples: a whole number of at least 1 (got {samples!r})")
    if not names:
        return [{} for _ in range(samples)]
    lows, highs, ints = [], [], []
    for n in names:
        low, high = bounds(parameters[n])
        lows.append(low)
        highs.append(high)
        ints.append(_is_int(low) and _is_int(high))
    unit = qmc.LatinHypercube(d=len(names), seed=seed).random(samples)
    out = []
    for row in unit:
        point: dict[str, Any] = {}
        for k, n in enumerate(names):
            x = lows[k] + float(row[k]) * (highs[k] - lows[k])
            if ints[k]:
                point[n] = min(max(int(round(x)), lows[k]), highs[k])
            else:
                point[n] = float(x)
        out.append(point)
    return out
