"""Batch loops: send every item once, then resend what came back unprocessed, in rounds.

DynamoDB hands part of a batch back mostly because one partition is throttled, so a
round sends *everything* pending (25 items or 100 keys a request, up to
``concurrency`` requests at once) and only then waits: items stuck on a hot key never
hold back the rest. Resending ``UnprocessedItems``/``UnprocessedKeys`` is part of the
BatchWriteItem and BatchGetItem protocol, not a retry of a failed call: errors are never
retried here (botocore's standard retry mode does that, up to ``max_attempts``).

Pure: these generators yield ``Fanout`` and ``Sleep`` instructions (``_protocol``).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

from ._keys import KeySchema, KeySchemaError
from ._observe import Operation
from ._protocol import Call, Fanout, Response, Sleep, Steps
from ._requests import CAPACITY
from ._values import key_fingerprint

Work = TypeVar("Work")

WRITE_BATCH = 25
GET_BATCH = 100
RESEND_ROUNDS = 8
BASE_DELAY_SECONDS = 0.05
MAX_DELAY_SECONDS = 1.0
"""Full-jitter backoff: at most 0.05 + 0.1 + ... + 1 + 1 + 1 = 4.55 s of sleeping a call."""


def backoff(round_number: int, jitter: Callable[[], float]) -> float:
    """Seconds to wait before resend round ``round_number`` (0-based): full jitter."""
    return jitter() * min(MAX_DELAY_SECONDS, BASE_DELAY_SECONDS * 2.0**round_number)


def resend_rounds(
    op: Operation,
    work: list[Work],
    *,
    size: int,
    call: Callable[[list[Work]], Call],
    leftovers: Callable[[Response], list[Work]],
    concurrency: int,
    jitter: Callable[[], float],
) -> Steps[list[Work]]:
    """Send ``work`` ``size`` a request, then resend the leftovers for up to 8 rounds.

    Returns what is still unprocessed after the last round (empty when all is done).
    """
    pending = work
    for round_number in range(RESEND_ROUNDS + 1):
        if round_number:
            yield Sleep(backoff(round_number - 1, jitter))
        calls = [call(pending[start : start + size]) for start in range(0, len(pending), size)]
        responses: Iterator[Response] = yield from op.exchange(Fanout(calls, concurrency))
        pending = [left for response in responses for left in leftovers(response)]
        if not pending:
            break
    return pending


def positions(
    wires: Sequence[Mapping[str, Any]], schema: KeySchema, *, key_only: bool, what: str
) -> dict[Hashable, int]:
    """Map each item's (or key's) key fingerprint to its position; a repeated key is an error.

    With ``key_only`` (keys to delete) a key given twice is kept once, at its first place.
    """
    found: dict[Hashable, int] = {}
    names = sorted(schema.names)
    strings = _string_key(schema, names, key_only)
    for index, wire in enumerate(wires):
        fingerprint: Hashable = strings(wire) if strings is not None else None
        if fingerprint is None:
            fingerprint = _checked(wire, schema, names, key_only, what, index)
        first = found.setdefault(fingerprint, index)
        if first != index and not key_only:
            raise KeySchemaError(f"{what}[{index}] has the same primary key as {what}[{first}]")
    return found


def _string_key(
    schema: KeySchema, names: list[str], key_only: bool
) -> Callable[[Mapping[str, Any]], Hashable] | None:
    """For a key of strings only (the commonest): read a wire's fingerprint in one step.

    The function returns ``key_fingerprint``'s tuple for a wire that passes
    ``schema.check``, and None for any other wire (``_checked`` then says why).
    """
    if set(schema.types) != {"S"} or key_only:
        return None
    if len(names) == 1:
        (only,) = names

        def one(wire: Mapping[str, Any]) -> Hashable:
            value = wire.get(only)
            if type(value) is not dict or len(value) != 1:
                return None
            text = value.get("S")
            return (text,) if text else None

        return one
    first_name, second_name = names

    def two(wire: Mapping[str, Any]) -> Hashable:
        first, second = wire.get(first_name), wire.get(second_name)
        if type(first) is not dict or type(second) is not dict:
            return None
        key = (first.get("S"), second.get("S"))
        return key if key[0] and key[1] and len(first) == len(second) == 1 else None

    return two


def _checked(
    wire: Mapping[str, Any],
    schema: KeySchema,
    names: list[str],
    key_only: bool,
    what: str,
    index: int,
) -> Hashable:
    """``wire``'s key fingerprint once ``schema.check`` passes it; its refusal names it."""
    try:
        schema.check(wire, what, key_only=key_only)
    except KeySchemaError:
        schema.check(wire, f"{what}[{index}]", key_only=key_only)  # its name, made on refusal
    return key_fingerprint(wire, names)


def write_call(table: str) -> Callable[[list[Any]], Call]:
    """How one ``BatchWriteItem`` request of ``table`` is made from its write requests."""

    def call(requests: list[Any]) -> Call:
        params = {"RequestItems": {table: requests}, **CAPACITY}
        return Call("BatchWriteItem", params)

    return call


def unwritten(table: str) -> Callable[[Response], list[Any]]:
    """What a ``BatchWriteItem`` response hands back for ``table``."""

    def leftovers(response: Response) -> list[Any]:
        return list(response.get("UnprocessedItems", {}).get(table, []))

    return leftovers


class Reads:
    """The found items of a batch get, by key fingerprint, and how to ask for more keys.

    Items are decoded as their response arrives, in the core's step: their wire form is
    gone before the next I/O, so the cyclic collector never walks it (``_gcpause``).
    """

    def __init__(
        self,
        table: str,
        names: Sequence[str],
        extra: Mapping[str, Any],
        decode: Callable[[Any], Any],
    ) -> None:
        self._table = table
        self._names = names
        self._extra = extra
        self._decode = decode
        self.found: dict[Hashable, Any] = {}

    def call(self, keys: list[Any]) -> Call:
        """One ``BatchGetItem`` request for ``keys`` (projection and consistency included)."""
        params = {
            "RequestItems": {self._table: {"Keys": keys, **self._extra}},
            **CAPACITY,
        }
        return Call("BatchGetItem", params)

    def leftovers(self, response: Response) -> list[Any]:
        """Keep the items found; return the keys handed back unprocessed."""
        names, found, decode = self._names, self.found, self._decode
        for item in response.get("Responses", {}).get(self._table, []):
            found[key_fingerprint(item, names)] = decode(item)
        unprocessed = response.get("UnprocessedKeys", {}).get(self._table)
        return list(unprocessed["Keys"]) if unprocessed else []
