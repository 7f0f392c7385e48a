"""The service's own work runs with the cyclic garbage collector paused.

A 1 MB page makes some 15,000 dicts and lists at once, and a batch of a thousand items
as many. Each allocation counts towards CPython's next collection, so the young
generation is traversed every 700 of them and everything a page holds is promoted,
traversed again and again on the way to the old generation: measured here, that is 40
to 60% of parsing a page and a quarter of encoding a batch. Those objects are plain data
and form no reference cycle, so the collector has nothing to find in them.

So the collector is paused while the core takes a step (``advance``: checks, encoding,
parsing, decoding and validating pages, the operation's log records) and while a large
response body is parsed outside a step (``loads``, botocore's fast-read hook). On the lean
path a body is parsed inside the step that decodes it (``_protocol.Unread``): its wire
form is made and dropped within one pause, so no collection ever walks it. No I/O happens
in a step; the drivers do it between steps, with the collector on, and a stream hands its
items to the caller between steps too. A model's own validators and serializers, and the
log handlers of an operation's records, run in the pause; a step lasts microseconds to
milliseconds.

Pausing is ``gc.disable()`` then ``gc.enable()``, and only when the collector was on: an
application that turned it off keeps it off. One race is knowingly left: another thread
that turns the collector off while a step runs finds it back on afterwards (an
application that does this at start-up, as some servers do, is safe).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Generator
from typing import Any, TypeVar

import orjson

T = TypeVar("T")

LARGE_BODY = 32 * 1024
"""Bytes from which a response body is parsed with the collector paused."""


def _paused(function: Callable[..., T], *args: Any) -> T:
    """``function(*args)`` with the collector paused, if it was on."""
    if not gc.isenabled():
        return function(*args)
    gc.disable()
    try:
        return function(*args)
    finally:
        gc.enable()


def loads(body: bytes) -> Any:
    """``orjson.loads(body)``, with the collector paused when the body is large."""
    return orjson.loads(body) if len(body) < LARGE_BODY else _paused(orjson.loads, body)


def _resume(steps: Generator[Any, Any, Any], outcome: Any, failure: Exception | None) -> Any:
    return steps.send(outcome) if failure is None else steps.throw(failure)


def advance(
    steps: Generator[Any, Any, Any], outcome: Any = None, failure: Exception | None = None
) -> Any:
    """Hand ``steps`` an instruction's outcome (or its failure); return what it yields next.

    The first call (no outcome) starts it. The collector is paused while the step runs.
    """
    return _paused(_resume, steps, outcome, failure)
