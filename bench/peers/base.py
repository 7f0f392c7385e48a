"""What every peer shares: the ``Contender`` interface, retries, counting, normalising.

Every adapter gets its own table (same schema, same data) and counts the HTTP requests
it sends, by DynamoDB operation name, in ``requests`` (where the library lets it).
"""

from __future__ import annotations

import asyncio
import importlib.util
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import boto3
from botocore.client import BaseClient

from bench.data import ACCESS_KEY, REGION, SECRET_KEY, Items, Keys

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

Plain = dict[str, Any]
T = TypeVar("T")

BACKOFF_BASE_SECONDS = 0.05
BACKOFF_CAP_SECONDS = 1.0
MAX_RESEND_ROUNDS = 10
CONCURRENCY = 64
"""Tasks in flight in the concurrent workload; the async clients get this many connections."""


class UnprocessedError(RuntimeError):
    """DynamoDB kept returning unprocessed items or keys past ``MAX_RESEND_ROUNDS``."""


def backoff(attempt: int) -> float:
    """Seconds to wait before resending unprocessed work for the ``attempt``-th time."""
    if attempt > MAX_RESEND_ROUNDS:
        raise UnprocessedError(f"still unprocessed after {MAX_RESEND_ROUNDS} resends")
    return min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2.0**attempt)


def make_client(endpoint_url: str) -> DynamoDBClient:
    """A plain boto3 client, as a user would construct one (botocore's defaults)."""
    return boto3.client(
        "dynamodb",
        region_name=REGION,
        endpoint_url=endpoint_url,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )


def count_requests(client: BaseClient, counter: Counter[str]) -> None:
    """Count every request ``client`` sends (each attempt), by operation name."""

    def handler(event_name: str, **_: Any) -> None:
        counter[event_name.rsplit(".", 1)[-1]] += 1

    client.meta.events.register("before-send.dynamodb.*", handler)


def normalize(value: Any) -> Any:
    """Library-specific return values as plain Python, to compare what came back."""
    if isinstance(value, Mapping):
        return {key: normalize(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [normalize(item) for item in value]
    if isinstance(value, Decimal | float) and value == int(value):
        return int(value)
    return value


def normalize_item(item: Mapping[str, Any]) -> Plain:
    """An item with every value passed through ``normalize``."""
    return {name: normalize(value) for name, value in item.items()}


class Contender(ABC):
    """One library doing every workload. Each ``run_*`` method is one timed region."""

    key: ClassVar[str]
    label: ClassVar[str]
    counts_requests: ClassVar[bool] = True
    """False: the library gives no handle to count its requests on (shown as "-")."""
    is_async: ClassVar[bool] = False
    """True: an asyncio library, which also runs the concurrent workload."""
    typed: ClassVar[bool] = False
    """True: items go in and come out as model instances, built inside the timed call."""
    dict_twin: ClassVar[str | None] = None
    """A typed contender's dict-returning twin (same client), for the cost of models."""
    cold_starts: ClassVar[bool] = True
    """False: a variant whose cold start is its parent's (the same code), not run again."""

    @classmethod
    def unavailable(cls) -> str | None:
        """Why this contender cannot run in this checkout (None: it can); checked first."""
        return None

    def __init__(self, endpoint_url: str, table: str) -> None:
        self.endpoint_url = endpoint_url
        self.table = table
        self.requests: Counter[str] = Counter()

    @abstractmethod
    def put_items(self, items: Items) -> None:
        """One PutItem per item."""

    @abstractmethod
    def get_items(self, keys: Keys) -> int:
        """One GetItem per key; return how many items were found."""

    @abstractmethod
    def query_partition(self, pk: str) -> int:
        """Every item of the partition, all pages, as a list; return its length."""

    @abstractmethod
    def batch_write(self, items: Items) -> None:
        """Write every item with BatchWriteItem, resending anything unprocessed."""

    @abstractmethod
    def batch_get(self, keys: Keys) -> int:
        """Read every key with BatchGetItem, resending anything unprocessed; return found."""

    @abstractmethod
    def read_one(self, pk: str, sk: str) -> Plain | None:
        """One item as plain Python values (untimed: checks that the data came back right)."""

    @abstractmethod
    def close(self) -> None:
        """Release connections."""

    def concurrent_gets(self, keys: Keys, width: int) -> int | None:
        """One GetItem per key, ``width`` in flight at once on one event loop; return found.

        None: this contender is not an asyncio library and sits the workload out.
        """
        return None

    @staticmethod
    @abstractmethod
    def cold_start_code() -> str:
        """Python that imports, constructs and gets one item; ``$endpoint``, ``$table``,
        ``$pk`` and ``$sk`` are filled in, and it sets ``found``."""


# --- asyncio contenders: one event loop each, and the concurrent workload -------------


async def gather_limited(
    work: Sequence[T], width: int, call: Callable[[T], Awaitable[bool]]
) -> int:
    """``call`` on every element, ``width`` worker tasks at a time; count the True results."""
    found = 0
    waiting = iter(work)

    async def worker() -> None:
        nonlocal found
        for element in waiting:
            if await call(element):
                found += 1

    await asyncio.gather(*(worker() for _ in range(min(width, len(work)))))
    return found


def loop_factory(loop: str) -> Callable[[], asyncio.AbstractEventLoop] | None:
    """What makes an event loop of the kind ``loop`` names (None: asyncio's own)."""
    if loop == "uvloop":
        import uvloop

        return uvloop.new_event_loop
    return None


class AsyncContender(Contender):
    """An asyncio library: its own ``asyncio.Runner``; each workload is one ``run``."""

    is_async = True
    loop: ClassVar[str] = "asyncio"
    """The event loop it runs on: asyncio's own, or ``uvloop`` (uvicorn's, where installed)."""

    @classmethod
    def unavailable(cls) -> str | None:
        if cls.loop == "uvloop" and importlib.util.find_spec("uvloop") is None:
            return "uvloop is not installed"
        return super().unavailable()

    def __init__(self, endpoint_url: str, table: str) -> None:
        super().__init__(endpoint_url, table)
        self.runner = asyncio.Runner(loop_factory=loop_factory(self.loop))

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return self.runner.run(coroutine)

    @abstractmethod
    async def get_one(self, key: Plain) -> bool:
        """One GetItem; whether the item was there."""

    def concurrent_gets(self, keys: Keys, width: int) -> int | None:
        return self.run(gather_limited(keys.dicts, width, self.get_one))
