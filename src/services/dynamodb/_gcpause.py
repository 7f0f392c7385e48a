"""Large pages parsed, decoded, validated and encoded with the cyclic garbage collector paused.

A 1 MB page makes some 15,000 dicts and lists at once. Each allocation counts towards
CPython's next collection, so the young generation is traversed every 700 of them and
everything the page holds is promoted, traversed again and again on the way to the old
generation: measured here, that is 40-60% of what parsing a page costs. Those objects
are plain data and form no reference cycle, so the collector has nothing to find in them.

Pausing is ``gc.disable()`` then ``gc.enable()``, and only when the collector was on: an
application that turned it off keeps it off. The pause covers code that does no I/O (a
model's own validators and serializers run in it), so it lasts milliseconds. Encoding
a batch is paused too (measured: the collector took about a quarter of it). Small bodies and
pages (a ``get_item``) are left alone: there is nothing to gain. One race is knowingly
left: another thread that turns the collector off while a page is parsed finds it back
on afterwards (an application that does this at start-up, as some servers do, is safe).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import orjson

LARGE_BODY = 32 * 1024
"""Bytes from which a response body is parsed with the collector paused."""
LARGE_PAGE = 32
"""Items from which a page is decoded or validated with the collector paused."""

T = TypeVar("T")
U = TypeVar("U")


def loads(body: bytes) -> Any:
    """``orjson.loads(body)``, with the collector paused when the body is large."""
    if len(body) < LARGE_BODY or not gc.isenabled():
        return orjson.loads(body)
    gc.disable()
    try:
        return orjson.loads(body)
    finally:
        gc.enable()


def each(function: Callable[[T], U], values: Sequence[T]) -> list[U]:
    """``list(map(function, values))``, with the collector paused when there are many."""
    if len(values) < LARGE_PAGE or not gc.isenabled():
        return list(map(function, values))
    gc.disable()
    try:
        return list(map(function, values))
    finally:
        gc.enable()


def whole(function: Callable[[T], U], values: T, size: int) -> U:
    """``function(values)``, with the collector paused when ``size`` items are many."""
    if size < LARGE_PAGE or not gc.isenabled():
        return function(values)
    gc.disable()
    try:
        return function(values)
    finally:
        gc.enable()
