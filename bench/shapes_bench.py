"""``python -m bench.shapes_bench``: CPU per item of the generic decoder and the shape decoder.

Items are the benchmark's ~1 KB rows (``bench.data.make_row``: two key strings, a number, a
bool, a list of three strings, a 930-character string) in attribute-value form, turned into
JSON once and parsed again with ``orjson.loads`` before every timed pass, so each pass reads
fresh objects as a response would give them. The two decoders take turns, pass after pass,
with the cyclic GC off while timing; each case prints the best and the median microseconds
per item and the shape decoder's figure as a share of the generic one's.

Cases: one shape (a query page); two shapes taking turns, item after item (one with an
extra attribute); two of the same names taking turns (a BOOL or a NULL: the function tried
first misses every other item); every item of its own shape, never seen again (what a miss
costs: nothing is ever compiled).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections.abc import Callable, Mapping
from typing import Any

import orjson

from bench.data import Pool, make_row
from src.services.dynamodb._values import _Decoder, _native_number, to_wire_item

PAGE = 200
Decode = Callable[[Mapping[str, Any]], dict[str, Any]]
Build = Callable[[int], bytes]
"""The JSON of one pass's page, given the pass's number (all-distinct names need it)."""


def _rows(pool: Pool) -> list[dict[str, Any]]:
    return [make_row(pool, "q", f"{i:06d}", i)._asdict() for i in range(PAGE)]


def _one_shape(pool: Pool) -> Build:
    page = orjson.dumps([to_wire_item(row) for row in _rows(pool)])
    return lambda _: page


def _two_shapes(pool: Pool) -> Build:
    rows = _rows(pool)
    for i, row in enumerate(rows):
        if i % 2:
            row["ttl"] = 1_800_000_000 + i
    page = orjson.dumps([to_wire_item(row) for row in rows])
    return lambda _: page


def _two_tags(pool: Pool) -> Build:
    rows = _rows(pool)
    for i, row in enumerate(rows):
        if i % 2:
            row["active"] = None  # NULL where the other items hold a BOOL: one length, one list
    page = orjson.dumps([to_wire_item(row) for row in rows])
    return lambda _: page


def _all_distinct(pool: Pool) -> Build:
    rows = _rows(pool)

    def build(n: int) -> bytes:
        renamed = [{**row, f"x{n}_{i}": i} for i, row in enumerate(rows)]
        return orjson.dumps([to_wire_item(row) for row in renamed])

    return build


def _pass(decode: Decode, page: bytes) -> float:
    wires = orjson.loads(page)
    gc.disable()
    try:
        start = time.perf_counter()
        for wire in wires:
            decode(wire)
        elapsed = time.perf_counter() - start
    finally:
        gc.enable()
    return elapsed / len(wires) * 1e6


def _case(label: str, build: Build, rounds: int) -> None:
    decoder = _Decoder(_native_number)
    contenders: dict[str, Decode] = {"generic": decoder.map, "shapes": decoder.item}
    for decode in contenders.values():  # a pass of warm-up: the shape decoder compiles here
        _pass(decode, build(-1))
    figures: dict[str, list[float]] = {name: [] for name in contenders}
    for n in range(rounds):
        page = build(n)
        for name, decode in contenders.items():
            figures[name].append(_pass(decode, page))
    best = {name: min(values) for name, values in figures.items()}
    median = {name: statistics.median(values) for name, values in figures.items()}
    print(f"{label} ({PAGE} items a pass, {rounds} passes):")
    for name in contenders:
        print(f"  {name:8} best {best[name]:6.2f} us/item   median {median[name]:6.2f} us/item")
    ratios = best["shapes"] / best["generic"], median["shapes"] / median["generic"]
    compiled, known, counted = decoder.shapes()
    print(f"  shapes / generic: best {ratios[0]:.2f}, median {ratios[1]:.2f}", end="")
    print(f"   (compiled {compiled}, names known {known}, counting {counted})")


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=20)
    rounds = parser.parse_args().rounds
    pool = Pool()
    _case("one shape", _one_shape(pool), rounds)
    _case("two shapes, alternating", _two_shapes(pool), rounds)
    _case("two shapes of the same names, alternating", _two_tags(pool), rounds)
    _case("every item a new shape", _all_distinct(pool), rounds)


if __name__ == "__main__":
    main()
