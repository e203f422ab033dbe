"""Named random streams: one numpy Generator per stream, spawned from one seed by stable names.

A stream's numbers depend only on (seed, replication, name), never on which other streams exist
or in which order they are created. So a node's demand does not change when an unrelated node is
added, the same seed gives the same numbers in any process or on any machine, and two scenarios
that share a node id see the same demand: common random numbers for paired comparisons.
"""

from __future__ import annotations

import hashlib

import numpy as np


def stream_name(*parts: str) -> str:
    """The parts of a stream's name joined by '/', each with its '%' and '/' escaped (``%25``,
    ``%2F``), so that different parts never give the same name: ids may hold '/', and without
    the escape ``("lead_time", "a", "b/c")`` and ``("lead_time", "a/b", "c")`` would share one
    stream. Parts without '%' or '/' (every ordinary id) are joined unchanged, so their numbers
    are those of the plain join."""
    return "/".join(p.replace("%", "%25").replace("/", "%2F") for p in parts)


def name_key(*name: str) -> tuple[int, ...]:
    """Four 32-bit words from a BLAKE2 hash of the stream's name (`stream_name`): stable across
    processes and Pythons (unlike ``hash()``, which is salted per process)."""
    digest = hashlib.blake2b(stream_name(*name).encode("utf-8"), digest_size=16).digest()
    return tuple(int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4))


class Streams:
    """Factory of the Generators of one replication of one seed."""

    def __init__(self, seed: int, replication: int):
        self.seed = int(seed)
        self.replication = int(replication)

    def generator(self, *name: str) -> np.random.Generator:
        seq = np.random.SeedSequence(self.seed, spawn_key=(self.replication, *name_key(*name)))
        return np.random.Generator(np.random.PCG64(seq))
