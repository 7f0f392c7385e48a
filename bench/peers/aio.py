"""The asyncio peers on other stacks: aiodynamo (httpx) and aioboto3's resource ``Table``."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aioboto3  # type: ignore[import-untyped]
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
    chunks,
)
from bench.peers.base import (
    CONCURRENCY,
    AsyncContender,
    Plain,
    backoff,
    count_requests,
    normalize_item,
)


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
