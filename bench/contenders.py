"""One adapter per library, each doing every workload the way that library's user would.

Every adapter gets its own table (same schema, same data) and counts the HTTP requests
it sends, by DynamoDB operation name, in ``requests``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

import aioboto3  # type: ignore[import-untyped]
import boto3
import httpx
from aiobotocore.config import AioConfig
from aiodynamo.client import Client as AiodynamoClient
from aiodynamo.credentials import Key as AiodynamoKey
from aiodynamo.credentials import StaticCredentials
from aiodynamo.errors import ItemNotFound
from aiodynamo.expressions import HashKey
from aiodynamo.http.httpx import HTTPX
from aiodynamo.http.types import HttpImplementation, Request, Response
from aiodynamo.models import BatchGetRequest, BatchWriteRequest
from boto3.dynamodb.conditions import Key as ConditionKey
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.client import BaseClient
from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
)
from pynamodb.models import Model
from yarl import URL

from bench.data import (
    ACCESS_KEY,
    BATCH_GET_CHUNK,
    BATCH_WRITE_CHUNK,
    HASH_KEY,
    RANGE_KEY,
    REGION,
    SECRET_KEY,
    Items,
    Keys,
    Row,
    chunks,
)
from src.services.dynamodb import AsyncDynamoDBService, DynamoDBConfig, DynamoDBService
from src.services.dynamodb.dynamodb_models import ItemIn

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import (
        AttributeValueTypeDef,
        KeysAndAttributesUnionTypeDef,
        WriteRequestUnionTypeDef,
    )

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


# --- (1) raw client, hand-built attribute values ---------------------------------------


def row_to_av(row: Row) -> dict[str, AttributeValueTypeDef]:
    """The item as attribute values, written out by hand for this schema."""
    return {
        HASH_KEY: {"S": row.pk},
        RANGE_KEY: {"S": row.sk},
        "seq": {"N": str(row.seq)},
        "active": {"BOOL": row.active},
        "tags": {"L": [{"S": tag} for tag in row.tags]},
        "body": {"S": row.body},
    }


def key_to_av(pk: str, sk: str) -> dict[str, AttributeValueTypeDef]:
    """The primary key as attribute values."""
    return {HASH_KEY: {"S": pk}, RANGE_KEY: {"S": sk}}


def write_all(client: DynamoDBClient, table: str, requests: list[WriteRequestUnionTypeDef]) -> None:
    """BatchWriteItem 25 at a time, resending ``UnprocessedItems`` with backoff."""
    for chunk in chunks(requests, BATCH_WRITE_CHUNK):
        pending: Mapping[str, Sequence[WriteRequestUnionTypeDef]] = {table: chunk}
        attempt = 0
        while pending:
            response = client.batch_write_item(RequestItems=pending)
            pending = response.get("UnprocessedItems", {})
            if pending:
                attempt += 1
                time.sleep(backoff(attempt))


def get_all(
    client: DynamoDBClient, table: str, keys: list[dict[str, AttributeValueTypeDef]]
) -> list[dict[str, AttributeValueTypeDef]]:
    """BatchGetItem 100 at a time, resending ``UnprocessedKeys`` with backoff."""
    found: list[dict[str, AttributeValueTypeDef]] = []
    for chunk in chunks(keys, BATCH_GET_CHUNK):
        pending: Mapping[str, KeysAndAttributesUnionTypeDef] = {table: {"Keys": chunk}}
        attempt = 0
        while pending:
            response = client.batch_get_item(RequestItems=pending)
            found.extend(response["Responses"].get(table, []))
            pending = response.get("UnprocessedKeys", {})
            if pending:
                attempt += 1
                time.sleep(backoff(attempt))
    return found


def query_all(
    client: DynamoDBClient, table: str, pk: str
) -> list[dict[str, AttributeValueTypeDef]]:
    """Every item of a partition, following ``LastEvaluatedKey``."""
    items: list[dict[str, AttributeValueTypeDef]] = []
    values: dict[str, AttributeValueTypeDef] = {":pk": {"S": pk}}
    response = client.query(
        TableName=table, KeyConditionExpression="pk = :pk", ExpressionAttributeValues=values
    )
    items.extend(response["Items"])
    while "LastEvaluatedKey" in response:
        response = client.query(
            TableName=table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=values,
            ExclusiveStartKey=response["LastEvaluatedKey"],
        )
        items.extend(response["Items"])
    return items


class RawClient(Contender):
    """boto3's low-level client; attribute values built by hand, results left as they come."""

    key = "raw"
    label = "boto3 client (hand-built AVs)"

    def __init__(self, endpoint_url: str, table: str) -> None:
        super().__init__(endpoint_url, table)
        self.client = make_client(endpoint_url)
        count_requests(self.client, self.requests)

    def put_items(self, items: Items) -> None:
        client, table = self.client, self.table
        for row in items.rows:
            client.put_item(TableName=table, Item=row_to_av(row))

    def get_items(self, keys: Keys) -> int:
        client, table = self.client, self.table
        found = 0
        for pk, sk in keys.tuples:
            response = client.get_item(TableName=table, Key=key_to_av(pk, sk))
            if "Item" in response:
                found += 1
        return found

    def query_partition(self, pk: str) -> int:
        return len(query_all(self.client, self.table, pk))

    def batch_write(self, items: Items) -> None:
        write_all(
            self.client, self.table, [{"PutRequest": {"Item": row_to_av(r)}} for r in items.rows]
        )

    def batch_get(self, keys: Keys) -> int:
        return len(get_all(self.client, self.table, [key_to_av(pk, sk) for pk, sk in keys.tuples]))

    def read_one(self, pk: str, sk: str) -> Plain | None:
        item = self.client.get_item(TableName=self.table, Key=key_to_av(pk, sk)).get("Item")
        if item is None:
            return None
        deserializer = TypeDeserializer()
        return {name: normalize(deserializer.deserialize(value)) for name, value in item.items()}

    def close(self) -> None:
        self.client.close()

    @staticmethod
    def cold_start_code() -> str:
        return """
import boto3
client = boto3.client("dynamodb", region_name="us-east-1", endpoint_url="$endpoint",
                      aws_access_key_id="local", aws_secret_access_key="local")
found = "Item" in client.get_item(TableName="$table", Key={"pk": {"S": "$pk"}, "sk": {"S": "$sk"}})
"""


# --- (2) raw client + TypeSerializer / TypeDeserializer --------------------------------


class SerializerClient(RawClient):
    """The low-level client, with boto3's ``TypeSerializer``/``TypeDeserializer`` both ways."""

    key = "serde"
    label = "boto3 client + TypeSerializer/Deserializer"

    def __init__(self, endpoint_url: str, table: str) -> None:
        super().__init__(endpoint_url, table)
        self.serializer = TypeSerializer()
        self.deserializer = TypeDeserializer()

    def to_av(self, item: Plain) -> dict[str, AttributeValueTypeDef]:
        serialize = self.serializer.serialize
        return {name: serialize(value) for name, value in item.items()}

    def from_av(self, item: Mapping[str, AttributeValueTypeDef]) -> Plain:
        deserialize = self.deserializer.deserialize
        return {name: deserialize(value) for name, value in item.items()}

    def put_items(self, items: Items) -> None:
        client, table = self.client, self.table
        for item in items.dicts:
            client.put_item(TableName=table, Item=self.to_av(item))

    def get_items(self, keys: Keys) -> int:
        client, table = self.client, self.table
        found = 0
        for key in keys.dicts:
            item = client.get_item(TableName=table, Key=self.to_av(key)).get("Item")
            if item is not None:
                self.from_av(item)
                found += 1
        return found

    def query_partition(self, pk: str) -> int:
        values = self.to_av({":pk": pk})
        client, table = self.client, self.table
        items: list[Plain] = []
        response = client.query(
            TableName=table, KeyConditionExpression="pk = :pk", ExpressionAttributeValues=values
        )
        items.extend(self.from_av(item) for item in response["Items"])
        while "LastEvaluatedKey" in response:
            response = client.query(
                TableName=table,
                KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues=values,
                ExclusiveStartKey=response["LastEvaluatedKey"],
            )
            items.extend(self.from_av(item) for item in response["Items"])
        return len(items)

    def batch_write(self, items: Items) -> None:
        write_all(
            self.client, self.table, [{"PutRequest": {"Item": self.to_av(i)}} for i in items.dicts]
        )

    def batch_get(self, keys: Keys) -> int:
        found = get_all(self.client, self.table, [self.to_av(key) for key in keys.dicts])
        return len([self.from_av(item) for item in found])

    @staticmethod
    def cold_start_code() -> str:
        return """
import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
client = boto3.client("dynamodb", region_name="us-east-1", endpoint_url="$endpoint",
                      aws_access_key_id="local", aws_secret_access_key="local")
ser, de = TypeSerializer(), TypeDeserializer()
key = {k: ser.serialize(v) for k, v in {"pk": "$pk", "sk": "$sk"}.items()}
item = client.get_item(TableName="$table", Key=key).get("Item")
found = item is not None and bool({k: de.deserialize(v) for k, v in item.items()})
"""


# --- (3) boto3 resource Table ----------------------------------------------------------


class ResourceTable(Contender):
    """boto3's resource ``Table``: ``batch_writer`` for writes, ``batch_get_item`` for reads."""

    key = "resource"
    label = "boto3 resource Table"

    def __init__(self, endpoint_url: str, table: str) -> None:
        super().__init__(endpoint_url, table)
        self.resource = boto3.resource(
            "dynamodb",
            region_name=REGION,
            endpoint_url=endpoint_url,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        )
        self.table_resource = self.resource.Table(table)
        count_requests(self.resource.meta.client, self.requests)

    def put_items(self, items: Items) -> None:
        table = self.table_resource
        for item in items.dicts:
            table.put_item(Item=item)

    def get_items(self, keys: Keys) -> int:
        table = self.table_resource
        found = 0
        for key in keys.dicts:
            if "Item" in table.get_item(Key=key):
                found += 1
        return found

    def query_partition(self, pk: str) -> int:
        table = self.table_resource
        condition = ConditionKey(HASH_KEY).eq(pk)
        response = table.query(KeyConditionExpression=condition)
        items = list(response["Items"])
        while "LastEvaluatedKey" in response:
            response = table.query(
                KeyConditionExpression=condition, ExclusiveStartKey=response["LastEvaluatedKey"]
            )
            items.extend(response["Items"])
        return len(items)

    def batch_write(self, items: Items) -> None:
        with self.table_resource.batch_writer() as writer:
            for item in items.dicts:
                writer.put_item(Item=item)

    def batch_get(self, keys: Keys) -> int:
        found: list[Plain] = []
        for chunk in chunks(keys.dicts, BATCH_GET_CHUNK):
            pending: Mapping[str, Any] = {self.table: {"Keys": chunk}}
            attempt = 0
            while pending:
                response = self.resource.batch_get_item(RequestItems=pending)
                found.extend(response["Responses"].get(self.table, []))
                pending = response.get("UnprocessedKeys", {})
                if pending:
                    attempt += 1
                    time.sleep(backoff(attempt))
        return len(found)

    def read_one(self, pk: str, sk: str) -> Plain | None:
        item = self.table_resource.get_item(Key={HASH_KEY: pk, RANGE_KEY: sk}).get("Item")
        return None if item is None else normalize_item(item)

    def close(self) -> None:
        self.resource.meta.client.close()

    @staticmethod
    def cold_start_code() -> str:
        return """
import boto3
resource = boto3.resource("dynamodb", region_name="us-east-1", endpoint_url="$endpoint",
                          aws_access_key_id="local", aws_secret_access_key="local")
found = "Item" in resource.Table("$table").get_item(Key={"pk": "$pk", "sk": "$sk"})
"""


# --- (4) PynamoDB ----------------------------------------------------------------------


class BenchItem(Model):
    """The benchmark's item as a PynamoDB model; ``bind_model`` gives it a table and host."""

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    seq = NumberAttribute()
    active = BooleanAttribute()
    tags = ListAttribute(of=UnicodeAttribute)
    body = UnicodeAttribute()


def bind_model(endpoint_url: str, table: str) -> type[BenchItem]:
    """A ``BenchItem`` subclass whose ``Meta`` points at ``table`` on ``endpoint_url``."""

    class BoundBenchItem(BenchItem):
        class Meta:
            table_name = table
            host = endpoint_url
            region = REGION
            aws_access_key_id = ACCESS_KEY
            aws_secret_access_key = SECRET_KEY

    return BoundBenchItem


class PynamoDB(Contender):
    """PynamoDB models: ``save``, ``get``, ``query``, ``batch_write`` and ``batch_get``."""

    key = "pynamodb"
    label = "PynamoDB"

    def __init__(self, endpoint_url: str, table: str) -> None:
        super().__init__(endpoint_url, table)
        self.model = bind_model(endpoint_url, table)
        # PynamoDB has no public handle on its botocore client; this is where it keeps it.
        count_requests(self.model._get_connection().connection.client, self.requests)

    def make(self, row: Row) -> BenchItem:
        return self.model(
            pk=row.pk, sk=row.sk, seq=row.seq, active=row.active, tags=row.tags, body=row.body
        )

    def put_items(self, items: Items) -> None:
        for row in items.rows:
            self.make(row).save()

    def get_items(self, keys: Keys) -> int:
        model = self.model
        found = 0
        for pk, sk in keys.tuples:
            try:
                model.get(pk, sk)
            except model.DoesNotExist:
                continue
            found += 1
        return found

    def query_partition(self, pk: str) -> int:
        return len(list(self.model.query(pk)))

    def batch_write(self, items: Items) -> None:
        with self.model.batch_write() as batch:
            for row in items.rows:
                batch.save(self.make(row))

    def batch_get(self, keys: Keys) -> int:
        return len(list(self.model.batch_get(keys.tuples)))

    def read_one(self, pk: str, sk: str) -> Plain | None:
        try:
            item = self.model.get(pk, sk)
        except self.model.DoesNotExist:
            return None
        return normalize_item(item.attribute_values)

    def close(self) -> None:
        self.model._get_connection().connection.client.close()

    @staticmethod
    def cold_start_code() -> str:
        return """
from pynamodb.attributes import BooleanAttribute, ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.models import Model
class BenchItem(Model):
    class Meta:
        table_name = "$table"
        host = "$endpoint"
        region = "us-east-1"
        aws_access_key_id = "local"
        aws_secret_access_key = "local"
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    seq = NumberAttribute()
    active = BooleanAttribute()
    tags = ListAttribute(of=UnicodeAttribute)
    body = UnicodeAttribute()
found = BenchItem.get("$pk", "$sk") is not None
"""


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


class AsyncContender(Contender):
    """An asyncio library: its own ``asyncio.Runner``; each workload is one ``run``."""

    is_async = True

    def __init__(self, endpoint_url: str, table: str) -> None:
        super().__init__(endpoint_url, table)
        self.runner = asyncio.Runner()

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return self.runner.run(coroutine)

    @abstractmethod
    async def get_one(self, key: Plain) -> bool:
        """One GetItem; whether the item was there."""

    def concurrent_gets(self, keys: Keys, width: int) -> int | None:
        return self.run(gather_limited(keys.dicts, width, self.get_one))


# --- (5) aiodynamo ---------------------------------------------------------------------


@dataclass(frozen=True)
class CountingHTTP:
    """aiodynamo HTTP adapter wrapper that counts requests by their ``X-Amz-Target``."""

    inner: HttpImplementation
    counter: Counter[str]

    async def __call__(self, request: Request) -> Response:
        target = (request.headers or {}).get("X-Amz-Target", "")
        self.counter[target.rsplit(".", 1)[-1]] += 1
        return await self.inner(request)


class Aiodynamo(AsyncContender):
    """aiodynamo on its httpx adapter, one call at a time on one event loop."""

    key = "aiodynamo"
    label = "aiodynamo (httpx)"

    def __init__(self, endpoint_url: str, table: str) -> None:
        super().__init__(endpoint_url, table)
        limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
        self.http = httpx.AsyncClient(timeout=30.0, limits=limits)
        self.client = AiodynamoClient(
            CountingHTTP(HTTPX(self.http), self.requests),
            StaticCredentials(AiodynamoKey(ACCESS_KEY, SECRET_KEY)),
            REGION,
            URL(endpoint_url),
        )

    async def _put_items(self, items: Items) -> None:
        client, table = self.client, self.table
        for item in items.dicts:
            await client.put_item(table, item)

    def put_items(self, items: Items) -> None:
        self.runner.run(self._put_items(items))

    async def _get_items(self, keys: Keys) -> int:
        client, table = self.client, self.table
        found = 0
        for key in keys.dicts:
            try:
                await client.get_item(table, key)
            except ItemNotFound:
                continue
            found += 1
        return found

    def get_items(self, keys: Keys) -> int:
        return self.runner.run(self._get_items(keys))

    async def get_one(self, key: Plain) -> bool:
        try:
            await self.client.get_item(self.table, key)
        except ItemNotFound:
            return False
        return True

    async def _query(self, pk: str) -> list[Plain]:
        return [item async for item in self.client.query(self.table, HashKey(HASH_KEY, pk))]

    def query_partition(self, pk: str) -> int:
        return len(self.runner.run(self._query(pk)))

    async def _batch_write(self, items: Items) -> None:
        for chunk in chunks(items.dicts, BATCH_WRITE_CHUNK):
            pending = chunk
            attempt = 0
            while pending:
                result = await self.client.batch_write(
                    {self.table: BatchWriteRequest(items_to_put=pending)}
                )
                unprocessed = result.get(self.table)
                pending = unprocessed.unput_items if unprocessed is not None else []
                if pending:
                    attempt += 1
                    await asyncio.sleep(backoff(attempt))

    def batch_write(self, items: Items) -> None:
        self.runner.run(self._batch_write(items))

    async def _batch_get(self, keys: Keys) -> int:
        found: list[Plain] = []
        for chunk in chunks(keys.dicts, BATCH_GET_CHUNK):
            pending = chunk
            attempt = 0
            while pending:
                response = await self.client.batch_get({self.table: BatchGetRequest(keys=pending)})
                found.extend(response.items.get(self.table, []))
                pending = response.unprocessed_keys.get(self.table, [])
                if pending:
                    attempt += 1
                    await asyncio.sleep(backoff(attempt))
        return len(found)

    def batch_get(self, keys: Keys) -> int:
        return self.runner.run(self._batch_get(keys))

    async def _read_one(self, pk: str, sk: str) -> Plain | None:
        try:
            item: Plain = await self.client.get_item(self.table, {HASH_KEY: pk, RANGE_KEY: sk})
        except ItemNotFound:
            return None
        return item

    def read_one(self, pk: str, sk: str) -> Plain | None:
        item = self.runner.run(self._read_one(pk, sk))
        return None if item is None else normalize_item(item)

    def close(self) -> None:
        self.runner.run(self.http.aclose())
        self.runner.close()

    @staticmethod
    def cold_start_code() -> str:
        return """
import asyncio
import httpx
from aiodynamo.client import Client
from aiodynamo.credentials import Key, StaticCredentials
from aiodynamo.http.httpx import HTTPX
from yarl import URL
async def main():
    async with httpx.AsyncClient() as http:
        client = Client(HTTPX(http), StaticCredentials(Key("local", "local")), "us-east-1",
                        URL("$endpoint"))
        return await client.get_item("$table", {"pk": "$pk", "sk": "$sk"})
found = asyncio.run(main()) is not None
"""


# --- (6) the project's DynamoDBService -------------------------------------------------


class Service(Contender):
    """The project's ``DynamoDBService``, per /work/shared/CONTRACT.md."""

    key = "service"
    label = "DynamoDBService"

    def __init__(self, endpoint_url: str, table: str) -> None:
        super().__init__(endpoint_url, table)
        logger = logging.getLogger("bench.service")
        logger.setLevel(logging.WARNING)  # its INFO line per call would measure logging
        config = DynamoDBConfig(
            region_name=REGION,
            endpoint_url=endpoint_url,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        )
        self.service = DynamoDBService(logger=logger, config=config)
        count_requests(self.service.client, self.requests)

    def put_items(self, items: Items) -> None:
        service, table = self.service, self.table
        for item in items.dicts:
            service.put_item(item, table)

    def get_items(self, keys: Keys) -> int:
        service, table = self.service, self.table
        found = 0
        for key in keys.dicts:
            if service.get_item(key, table) is not None:
                found += 1
        return found

    def query_partition(self, pk: str) -> int:
        return len(self.service.query("pk = :pk", {":pk": pk}, self.table))

    def batch_write(self, items: Items) -> None:
        self.service.batch_write_items(cast("list[ItemIn]", items.dicts), self.table)

    def batch_get(self, keys: Keys) -> int:
        return len(self.service.batch_get_items(cast("list[ItemIn]", keys.dicts), self.table))

    def read_one(self, pk: str, sk: str) -> Plain | None:
        item = self.service.get_item({HASH_KEY: pk, RANGE_KEY: sk}, self.table)
        return None if item is None else normalize_item(item)

    def close(self) -> None:
        self.service.close()

    @staticmethod
    def cold_start_code() -> str:
        return """
import logging
from src.services.dynamodb.dynamodb_models import DynamoDBConfig
from src.services.dynamodb.dynamodb_service import DynamoDBService
service = DynamoDBService(
    logger=logging.getLogger("bench.service"),
    config=DynamoDBConfig(region_name="us-east-1", endpoint_url="$endpoint",
                          aws_access_key_id="local", aws_secret_access_key="local"),
)
found = service.get_item({"pk": "$pk", "sk": "$sk"}, "$table") is not None
"""


# --- (7) the project's AsyncDynamoDBService --------------------------------------------


class ServiceAsync(AsyncContender):
    """The project's ``AsyncDynamoDBService``: sequential awaits on one event loop.

    It makes its aiobotocore client on first use and offers no handle on it, so its
    requests are not counted (the blocking ``service`` runs the same core).
    """

    key = "service_async"
    label = "AsyncDynamoDBService"
    counts_requests = False

    def __init__(self, endpoint_url: str, table: str) -> None:
        super().__init__(endpoint_url, table)
        logger = logging.getLogger("bench.service_async")
        logger.setLevel(logging.WARNING)  # as for the blocking service
        config = DynamoDBConfig(
            region_name=REGION,
            endpoint_url=endpoint_url,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            max_pool_connections=CONCURRENCY,
        )
        self.service = AsyncDynamoDBService(logger=logger, config=config)

    async def _put_items(self, items: Items) -> None:
        service, table = self.service, self.table
        for item in items.dicts:
            await service.put_item(item, table)

    def put_items(self, items: Items) -> None:
        self.run(self._put_items(items))

    async def _get_items(self, keys: Keys) -> int:
        service, table = self.service, self.table
        found = 0
        for key in keys.dicts:
            if await service.get_item(key, table) is not None:
                found += 1
        return found

    def get_items(self, keys: Keys) -> int:
        return self.run(self._get_items(keys))

    async def get_one(self, key: Plain) -> bool:
        return await self.service.get_item(key, self.table) is not None

    def query_partition(self, pk: str) -> int:
        return len(self.run(self.service.query("pk = :pk", {":pk": pk}, self.table)))

    def batch_write(self, items: Items) -> None:
        self.run(self.service.batch_write_items(cast("list[ItemIn]", items.dicts), self.table))

    def batch_get(self, keys: Keys) -> int:
        found = self.run(self.service.batch_get_items(cast("list[ItemIn]", keys.dicts), self.table))
        return len(found)

    def read_one(self, pk: str, sk: str) -> Plain | None:
        item = self.run(self.service.get_item({HASH_KEY: pk, RANGE_KEY: sk}, self.table))
        return None if item is None else normalize_item(item)

    def close(self) -> None:
        self.run(self.service.close())
        self.runner.close()

    @staticmethod
    def cold_start_code() -> str:
        return """
import asyncio
import logging
from src.services.dynamodb import AsyncDynamoDBService, DynamoDBConfig
async def main():
    config = DynamoDBConfig(region_name="us-east-1", endpoint_url="$endpoint",
                            aws_access_key_id="local", aws_secret_access_key="local")
    async with AsyncDynamoDBService(logging.getLogger("bench.service"), config) as service:
        return await service.get_item({"pk": "$pk", "sk": "$sk"}, "$table")
found = asyncio.run(main()) is not None
"""


# --- (8) aioboto3 resource Table -------------------------------------------------------


class Aioboto3Table(AsyncContender):
    """aioboto3's resource ``Table`` (boto3's resource API on aiobotocore), one event loop."""

    key = "aioboto3"
    label = "aioboto3 resource Table"

    def __init__(self, endpoint_url: str, table: str) -> None:
        super().__init__(endpoint_url, table)
        self.stack = contextlib.AsyncExitStack()
        session = aioboto3.Session(
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name=REGION
        )
        context = session.resource(
            "dynamodb",
            endpoint_url=endpoint_url,
            config=AioConfig(max_pool_connections=CONCURRENCY),
        )
        self.resource: Any = self.run(self.stack.enter_async_context(context))
        self.table_resource: Any = self.run(self.resource.Table(table))
        count_requests(self.resource.meta.client, self.requests)

    async def _put_items(self, items: Items) -> None:
        table = self.table_resource
        for item in items.dicts:
            await table.put_item(Item=item)

    def put_items(self, items: Items) -> None:
        self.run(self._put_items(items))

    async def get_one(self, key: Plain) -> bool:
        return "Item" in await self.table_resource.get_item(Key=key)

    async def _get_items(self, keys: Keys) -> int:
        table = self.table_resource
        found = 0
        for key in keys.dicts:
            if "Item" in await table.get_item(Key=key):
                found += 1
        return found

    def get_items(self, keys: Keys) -> int:
        return self.run(self._get_items(keys))

    async def _query(self, pk: str) -> int:
        table = self.table_resource
        condition = ConditionKey(HASH_KEY).eq(pk)
        response = await table.query(KeyConditionExpression=condition)
        items = list(response["Items"])
        while "LastEvaluatedKey" in response:
            response = await table.query(
                KeyConditionExpression=condition, ExclusiveStartKey=response["LastEvaluatedKey"]
            )
            items.extend(response["Items"])
        return len(items)

    def query_partition(self, pk: str) -> int:
        return self.run(self._query(pk))

    async def _batch_write(self, items: Items) -> None:
        async with self.table_resource.batch_writer() as writer:
            for item in items.dicts:
                await writer.put_item(Item=item)

    def batch_write(self, items: Items) -> None:
        self.run(self._batch_write(items))

    async def _batch_get(self, keys: Keys) -> int:
        found: list[Plain] = []
        for chunk in chunks(keys.dicts, BATCH_GET_CHUNK):
            pending: Mapping[str, Any] = {self.table: {"Keys": chunk}}
            attempt = 0
            while pending:
                response = await self.resource.batch_get_item(RequestItems=pending)
                found.extend(response["Responses"].get(self.table, []))
                pending = response.get("UnprocessedKeys", {})
                if pending:
                    attempt += 1
                    await asyncio.sleep(backoff(attempt))
        return len(found)

    def batch_get(self, keys: Keys) -> int:
        return self.run(self._batch_get(keys))

    async def _read_one(self, pk: str, sk: str) -> Plain | None:
        response = await self.table_resource.get_item(Key={HASH_KEY: pk, RANGE_KEY: sk})
        item: Plain | None = response.get("Item")
        return item

    def read_one(self, pk: str, sk: str) -> Plain | None:
        item = self.run(self._read_one(pk, sk))
        return None if item is None else normalize_item(item)

    def close(self) -> None:
        self.run(self.stack.aclose())
        self.runner.close()

    @staticmethod
    def cold_start_code() -> str:
        return """
import asyncio
import aioboto3
async def main():
    session = aioboto3.Session(aws_access_key_id="local", aws_secret_access_key="local",
                               region_name="us-east-1")
    async with session.resource("dynamodb", endpoint_url="$endpoint") as resource:
        table = await resource.Table("$table")
        return "Item" in await table.get_item(Key={"pk": "$pk", "sk": "$sk"})
found = asyncio.run(main())
"""


CONTENDERS: list[type[Contender]] = [
    RawClient,
    SerializerClient,
    ResourceTable,
    PynamoDB,
    Aiodynamo,
    Aioboto3Table,
    Service,
    ServiceAsync,
]
