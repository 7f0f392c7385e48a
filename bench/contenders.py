"""The benchmark's peers, kept importable from here; they live in ``bench.peers``."""

from __future__ import annotations

from bench.peers import (
    CONCURRENCY,
    CONTENDERS,
    AsyncContender,
    Contender,
    Plain,
    RawClient,
    make_client,
    row_to_av,
    write_all,
)

__all__ = [
    "CONCURRENCY",
    "CONTENDERS",
    "AsyncContender",
    "Contender",
    "Plain",
    "RawClient",
    "make_client",
    "row_to_av",
    "write_all",
]
