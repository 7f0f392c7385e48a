"""Workload sizes and the benchmark's data: the same items for every contender."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeVar

REGION = "us-east-1"
ACCESS_KEY = "local"
SECRET_KEY = "local"
HASH_KEY = "pk"
RANGE_KEY = "sk"
QUERY_PARTITION = "q"
BODY_CHARS = 930  # with the other attributes and their names: about 1 KB an item

BATCH_WRITE_CHUNK = 25  # BatchWriteItem's limit per request
BATCH_GET_CHUNK = 100  # BatchGetItem's limit per request


@dataclass(frozen=True)
class Sizes:
    """How many operations each workload makes (scaled from the issue's numbers)."""

    put: int
    get: int
    query_partition: int
    query_repeats: int
    batch_write: int
    batch_get: int

    @classmethod
    def scaled(cls, scale: float) -> Sizes:
        """The issue's sizes times ``scale``, never below one request's worth."""

        def times(n: int, floor: int = 1) -> int:
            return max(floor, round(n * scale))

        return cls(
            put=times(2_000),
            get=times(2_000),
            query_partition=times(5_000),
            query_repeats=3,
            batch_write=times(10_000, BATCH_WRITE_CHUNK),
            batch_get=min(times(2_000), times(10_000, BATCH_WRITE_CHUNK)),
        )

    @property
    def expected_batch_write_requests(self) -> int:
        """BatchWriteItem requests for the batch write when nothing is unprocessed."""
        return math.ceil(self.batch_write / BATCH_WRITE_CHUNK)


class Pool:
    """Deterministic item bodies, sliced from one random string (cheap to build)."""

    def __init__(self, seed: int = 5) -> None:
        rng = random.Random(seed)
        alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 "
        self._text = "".join(rng.choices(alphabet, k=1 << 16))

    def body(self, i: int) -> str:
        start = (i * 7919) % (len(self._text) - BODY_CHARS)
        return self._text[start : start + BODY_CHARS]


class Row(NamedTuple):
    """One ~1 KB item as typed fields: what a raw-client user builds attribute values from."""

    pk: str
    sk: str
    seq: int
    active: bool
    tags: list[str]
    body: str


def make_row(pool: Pool, pk: str, sk: str, i: int) -> Row:
    """Two key strings, a number, a bool, a list of strings and a long string."""
    return Row(pk, sk, i, i % 2 == 0, [f"tag{i % 7}", f"group{i % 13}", "bench"], pool.body(i))


@dataclass(frozen=True)
class Items:
    """The same items twice: typed rows, and the plain dicts the other libraries take."""

    rows: list[Row]
    dicts: list[dict[str, Any]]

    @classmethod
    def of(cls, rows: list[Row]) -> Items:
        return cls(rows, [row._asdict() for row in rows])

    def head(self, n: int) -> Items:
        return Items(self.rows[:n], self.dicts[:n])

    def __len__(self) -> int:
        return len(self.rows)


@dataclass(frozen=True)
class Keys:
    """The same primary keys twice: ``(pk, sk)`` tuples and plain dicts."""

    tuples: list[tuple[str, str]]
    dicts: list[dict[str, Any]]

    @classmethod
    def of(cls, tuples: list[tuple[str, str]]) -> Keys:
        return cls(tuples, [{HASH_KEY: pk, RANGE_KEY: sk} for pk, sk in tuples])

    def head(self, n: int) -> Keys:
        return Keys(self.tuples[:n], self.dicts[:n])

    def __len__(self) -> int:
        return len(self.tuples)


@dataclass(frozen=True)
class Dataset:
    """Every item and key the workloads use, built once before anything is timed."""

    put_items: Items
    get_keys: Keys
    query_items: Items
    batch_items: Items
    batch_get_keys: Keys

    @classmethod
    def build(cls, sizes: Sizes) -> Dataset:
        pool = Pool()
        put_rows = [make_row(pool, f"p{i:06d}", "a", i) for i in range(sizes.put)]
        get_keys = [(f"p{i % sizes.put:06d}", "a") for i in range(sizes.get)]
        query_rows = [
            make_row(pool, QUERY_PARTITION, f"{i:06d}", i) for i in range(sizes.query_partition)
        ]
        batch_rows = [make_row(pool, f"b{i:06d}", "a", i) for i in range(sizes.batch_write)]
        # Spread the batch-get keys over everything the batch write wrote, no duplicates.
        step = max(1, sizes.batch_write // sizes.batch_get)
        batch_get_keys = [
            (f"b{(i * step) % sizes.batch_write:06d}", "a") for i in range(sizes.batch_get)
        ]
        return cls(
            Items.of(put_rows),
            Keys.of(get_keys),
            Items.of(query_rows),
            Items.of(batch_rows),
            Keys.of(batch_get_keys),
        )

    @property
    def cold_start_key(self) -> tuple[str, str]:
        """A key that exists in every contender's table before the cold-start runs."""
        return self.query_items.rows[0].pk, self.query_items.rows[0].sk


T = TypeVar("T")


def chunks(seq: list[T], size: int) -> list[list[T]]:
    """``seq`` cut into lists of at most ``size``."""
    return [seq[i : i + size] for i in range(0, len(seq), size)]
