"""The project's own services, reading and writing plain dicts: ``service``, ``service_async``."""

from __future__ import annotations

import logging
from typing import cast

from bench.data import ACCESS_KEY, HASH_KEY, RANGE_KEY, REGION, SECRET_KEY, Items, Keys
from bench.peers.base import (
    CONCURRENCY,
    AsyncContender,
    Contender,
    Plain,
    count_requests,
    normalize_item,
)
from src.services.dynamodb import AsyncDynamoDBService, DynamoDBConfig, DynamoDBService, ItemIn
from src.services.dynamodb.dynamodb_models import Transport


class Service(Contender):
    """The project's ``DynamoDBService``, per /work/shared/CONTRACT.md."""

    key = "service"
    label = "DynamoDBService"
    transport: Transport = "botocore"

    def __init__(self, endpoint_url: str, table: str) -> None:
        super().__init__(endpoint_url, table)
        logger = logging.getLogger("bench.service")
        logger.setLevel(logging.WARNING)  # its INFO line per call would measure logging
        config = DynamoDBConfig(
            region_name=REGION,
            endpoint_url=endpoint_url,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            transport=self.transport,
        )
        self.service = DynamoDBService(logger=logger, config=config)
        if self.counts_requests:  # a hook on the client would route lean calls by botocore
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
from src.services.dynamodb import DynamoDBConfig, DynamoDBService
service = DynamoDBService(
    logger=logging.getLogger("bench.service"),
    config=DynamoDBConfig(region_name="us-east-1", endpoint_url="$endpoint",
                          aws_access_key_id="local", aws_secret_access_key="local",
                          transport="botocore"),
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
    transport: Transport = "botocore"

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
            transport=self.transport,
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
                            aws_access_key_id="local", aws_secret_access_key="local",
                            transport="botocore")
    async with AsyncDynamoDBService(logging.getLogger("bench.service"), config) as service:
        return await service.get_item({"pk": "$pk", "sk": "$sk"}, "$table")
found = asyncio.run(main()) is not None
"""


# --- the same two on the lean wire path (transport="lean") ----------------------------


class ServiceLean(Service):
    """``DynamoDBService`` sending its data-plane calls on its own wire path."""

    key = "service_lean"
    label = "DynamoDBService, lean"
    transport: Transport = "lean"
    counts_requests = False  # botocore's hooks never see the lean path's requests

    @staticmethod
    def cold_start_code() -> str:
        return Service.cold_start_code().replace('transport="botocore"', 'transport="lean"')


class ServiceAsyncLean(ServiceAsync):
    """``AsyncDynamoDBService`` sending its data-plane calls on its own wire path."""

    key = "service_async_lean"
    label = "AsyncDynamoDBService, lean"
    transport: Transport = "lean"

    @staticmethod
    def cold_start_code() -> str:
        return ServiceAsync.cold_start_code().replace('transport="botocore"', 'transport="lean"')


class ServiceAsyncLeanUvloop(ServiceAsyncLean):
    """The lean ``AsyncDynamoDBService`` on uvloop, the loop uvicorn runs where installed."""

    key = "service_async_lean_uvloop"
    label = "AsyncDynamoDBService, lean, uvloop"
    loop = "uvloop"
    cold_starts = False
