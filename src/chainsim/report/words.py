"""Small wording helpers for what chainsim prints (no heavy imports: the CLI uses them too)."""

from __future__ import annotations


def count(n: int, noun: str, plural: str | None = None) -> str:
    """``1 replication``, ``2 replications``; ``plural`` for nouns not made with an s."""
    return f"{n} {noun if n == 1 else (plural or noun + 's')}"
