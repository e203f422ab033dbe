"""What the schema expects at a place of a scenario file: the model, its keys, a field's type.

Messages (messages.py) suggest the valid keys of the mapping a typo sits in and tell whether a
field takes numbers; for that they ask which pydantic model validates the mapping at a location
such as ``("nodes", 1, "policy")``. Tagged unions (distributions on ``dist``, policies on
``type``) are resolved by the tag the raw data names.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from chainsim.scenario import schema
from chainsim.scenario.schema import CHANNEL_TAGS, Scenario


def model_at(loc: tuple[Any, ...], raw: Any) -> type[BaseModel] | None:
    """The pydantic model that validates the mapping at ``loc`` (for key suggestions)."""
    tp: Any = Scenario
    node = raw
    for part in loc:
        if part in CHANNEL_TAGS:  # a union tagged by the value's type
            tp = CHANNEL_TAGS[part]
            continue
        tp = strip(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            if _is_tag(tp, part):
                continue
            found = field(tp, part)
            if found is None:
                return None
            tp = found.annotation
            node = node.get(part) if isinstance(node, Mapping) else None
        elif typing.get_origin(tp) is list:
            tp = typing.get_args(tp)[0]
            node = node[part] if isinstance(node, list) and isinstance(part, int) and part < len(node) else None
        else:
            return None
        tp = strip(tp)
        tp = _pick_member(tp, node)
    tp = strip(tp)
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


def keys_of(model: type[BaseModel]) -> list[str]:
    """The keys a model accepts, as the user writes them (aliases such as ``from``)."""
    return [f.alias or name for name, f in model.model_fields.items()]


def field(model: type[BaseModel], name: Any):
    """The model's field written as ``name`` (its name or alias), or None."""
    for fname, f in model.model_fields.items():
        if name in (fname, f.alias):
            return f
    return None


def strip(tp: Any) -> Any:
    """Remove Annotated and Optional wrappers."""
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(args) == 1:
                tp = args[0]
            else:
                return tp
        else:
            return tp


def tag_options(tag: str) -> list[str]:
    """The values a union tag (``dist`` or ``type``) may take."""
    union = schema.Dist if tag == "dist" else schema.Policy
    out: list[str] = []
    for member in typing.get_args(strip(union)):
        f = member.model_fields.get(tag)
        if f is not None:
            out.extend(typing.get_args(f.annotation))
    return out


def _is_tag(model: type[BaseModel], part: Any) -> bool:
    for tag in ("dist", "type"):
        f = model.model_fields.get(tag)
        if f is not None and part in typing.get_args(f.annotation):
            return True
    return False


def _pick_member(tp: Any, node: Any) -> Any:
    """For a tagged union, the member chosen by the raw mapping's ``dist``/``type``."""
    if typing.get_origin(tp) not in (typing.Union, types.UnionType) or not isinstance(node, Mapping):
        return tp
    for member in typing.get_args(tp):
        member = strip(member)
        if not (isinstance(member, type) and issubclass(member, BaseModel)):
            continue
        for tag in ("dist", "type"):
            f = member.model_fields.get(tag)
            if f is not None and node.get(tag) in typing.get_args(f.annotation):
                return member
    return tp
