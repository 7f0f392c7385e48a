"""Batch loops: split work into requests, resend what DynamoDB hands back unprocessed.

Resending ``UnprocessedItems``/``UnprocessedKeys`` is part of the BatchWriteItem and
BatchGetItem protocol, not a retry of a failed call: errors are never retried here
(botocore's standard retry mode does that, up to ``max_attempts``).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Hashable, Iterator, Sequence
from typing import TYPE_CHECKING, TypeVar

from ._keys import KeySchema, KeySchemaError
from ._values import Wire, identity

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import WriteRequestTypeDef

T = TypeVar("T")
Work = TypeVar("Work")

WRITE_BATCH = 25
GET_BATCH = 100
RESEND_ROUNDS = 8
BASE_DELAY_SECONDS = 0.05
MAX_DELAY_SECONDS = 1.0


def chunks(values: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """Yield consecutive slices of at most ``size`` values."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def backoff(round_number: int, jitter: Callable[[], float] = random.random) -> float:
    """Seconds to wait before resend round ``round_number`` (0-based): full jitter."""
    return jitter() * min(MAX_DELAY_SECONDS, BASE_DELAY_SECONDS * 2.0**round_number)


def send_until_done(
    send: Callable[[Work], Work | None],
    work: Work,
    *,
    sleep: Callable[[float], None],
    rounds: int = RESEND_ROUNDS,
) -> Work | None:
    """Send ``work``, then resend what comes back unprocessed for up to ``rounds`` rounds.

    ``send`` returns the unprocessed part (empty or None when all is done). Returns
    what is still unprocessed after the last round, or None.
    """
    pending = send(work)
    for round_number in range(rounds):
        if not pending:
            return None
        sleep(backoff(round_number))
        pending = send(pending)
    return pending or None


def write_all(
    send: Callable[[list[WriteRequestTypeDef]], list[WriteRequestTypeDef]],
    wires: Sequence[Wire],
    schema: KeySchema,
    *,
    sleep: Callable[[float], None],
) -> list[int]:
    """Write wire items 25 a request; return the positions of the items not written.

    Every item's key is checked against ``schema`` and two items with one key are a
    ``KeySchemaError``, all before the first request. On the first request still
    unprocessed after every round, stop: its leftovers and every item not yet sent are
    the ones not written (so the time spent stays bounded).
    """
    position: dict[Hashable, int] = {}
    for index, wire in enumerate(wires):
        key = schema.key_of(wire, f"items[{index}]", exact=False)
        first = position.setdefault(identity(key), index)
        if first != index:
            raise KeySchemaError(f"items[{index}] has the same primary key as items[{first}]")
    for start in range(0, len(wires), WRITE_BATCH):
        batch: list[WriteRequestTypeDef] = [
            {"PutRequest": {"Item": wire}} for wire in wires[start : start + WRITE_BATCH]
        ]
        left = send_until_done(send, batch, sleep=sleep)
        if left:
            keys = (schema.key_of(r["PutRequest"]["Item"], "", exact=False) for r in left)
            unsent = range(start + len(batch), len(wires))
            return sorted(position[identity(key)] for key in keys) + [*unsent]
    return []


def get_all(
    send: Callable[[list[Wire]], tuple[list[Wire], list[Wire]]],
    keys: Sequence[Wire],
    *,
    sleep: Callable[[float], None],
) -> tuple[list[Wire], list[int]]:
    """Read wire keys 100 a request, each distinct key once.

    ``send(keys)`` returns ``(found items, unprocessed keys)``. Returns the found items
    in the order their keys first appear, and the positions of the keys not read.
    """
    names = sorted(keys[0])
    first: dict[Hashable, int] = {}
    for index, wire in enumerate(keys):
        if sorted(wire) != names:
            raise ValueError(f"keys[{index}] has attributes {sorted(wire)}, keys[0] has {names}")
        first.setdefault(identity(wire), index)
    found: dict[Hashable, Wire] = {}

    def collect(batch: list[Wire]) -> list[Wire]:
        items, unprocessed = send(batch)
        for item in items:
            found[identity({name: item[name] for name in names})] = item
        return unprocessed

    distinct = [keys[index] for index in first.values()]
    unread: list[int] = []
    for start in range(0, len(distinct), GET_BATCH):
        left = send_until_done(collect, distinct[start : start + GET_BATCH], sleep=sleep)
        if left:
            unsent = distinct[start + GET_BATCH :]
            unread = sorted(first[identity(wire)] for wire in [*left, *unsent])
            break
    return [found[marker] for marker in first if marker in found], unread
