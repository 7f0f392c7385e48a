"""The project's services reading into Pydantic models (issue 19): ``model=BenchRecord``.

Writes hand the service ``BenchRecord`` instances, built inside the timed call; reads ask
for ``model=BenchRecord``. Until the service takes ``model=`` (checked on
``DynamoDBService.get_item``'s signature), both contenders are skipped with a note, so
the bench runs today and measures them once the API lands.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol, cast

from pydantic import BaseModel

from bench.data import HASH_KEY, RANGE_KEY, Items, Keys, Row
from bench.peers.base import Plain, normalize_item
from bench.peers.service import Service, ServiceAsync
from src.services.dynamodb import AsyncDynamoDBService, DynamoDBService
from src.services.dynamodb.dynamodb_models import Transport

KEY_CONDITION = "pk = :pk"


class BenchRecord(BaseModel):
    """The benchmark's item as the Pydantic model a FastAPI-style service would declare."""

    pk: str
    sk: str
    seq: int
    active: bool
    tags: list[str]
    body: str


def record(row: Row) -> BenchRecord:
    return BenchRecord(
        pk=row.pk, sk=row.sk, seq=row.seq, active=row.active, tags=row.tags, body=row.body
    )


class TypedService(Protocol):
    """The part of issue 19's API the bench uses, on ``DynamoDBService``."""

    def put_item(self, item: BaseModel, table_name: str, /) -> object: ...
    def get_item(
        self, key: Mapping[str, Any], table_name: str, /, *, model: type[BenchRecord]
    ) -> BenchRecord | None: ...
    def query(
        self,
        key_condition: str,
        values: Mapping[str, Any],
        table_name: str,
        /,
        *,
        model: type[BenchRecord],
    ) -> list[BenchRecord]: ...
    def batch_write_items(self, items: Sequence[BaseModel], table_name: str, /) -> object: ...
    def batch_get_items(
        self, keys: Sequence[Mapping[str, Any]], table_name: str, /, *, model: type[BenchRecord]
    ) -> list[BenchRecord]: ...


class AsyncTypedService(Protocol):
    """The same, on ``AsyncDynamoDBService``."""

    async def put_item(self, item: BaseModel, table_name: str, /) -> object: ...
    async def get_item(
        self, key: Mapping[str, Any], table_name: str, /, *, model: type[BenchRecord]
    ) -> BenchRecord | None: ...
    async def query(
        self,
        key_condition: str,
        values: Mapping[str, Any],
        table_name: str,
        /,
        *,
        model: type[BenchRecord],
    ) -> list[BenchRecord]: ...
    async def batch_write_items(self, items: Sequence[BaseModel], table_name: str, /) -> object: ...
    async def batch_get_items(
        self, keys: Sequence[Mapping[str, Any]], table_name: str, /, *, model: type[BenchRecord]
    ) -> list[BenchRecord]: ...


def takes_model(method: Callable[..., object]) -> bool:
    """Whether the service's ``method`` has a ``model`` parameter (issue 19 has landed)."""
    return "model" in inspect.signature(method).parameters


NOT_YET = "the service takes no model= yet (issue 19): measured once it does"


class ServiceTyped(Service):
    """``DynamoDBService`` with Pydantic models in and out."""

    key = "service_typed"
    label = "DynamoDBService, model=BenchRecord"
    typed = True
    dict_twin = "service"

    @classmethod
    def unavailable(cls) -> str | None:
        return None if takes_model(DynamoDBService.get_item) else NOT_YET

    def __init__(self, endpoint_url: str, table: str) -> None:
        super().__init__(endpoint_url, table)
        self.typed_service = cast("TypedService", self.service)

    def put_items(self, items: Items) -> None:
        service, table = self.typed_service, self.table
        for row in items.rows:
            service.put_item(record(row), table)

    def get_items(self, keys: Keys) -> int:
        service, table = self.typed_service, self.table
        found = 0
        for key in keys.dicts:
            if service.get_item(key, table, model=BenchRecord) is not None:
                found += 1
        return found

    def query_partition(self, pk: str) -> int:
        found = self.typed_service.query(KEY_CONDITION, {":pk": pk}, self.table, model=BenchRecord)
        return len(found)

    def batch_write(self, items: Items) -> None:
        self.typed_service.batch_write_items([record(row) for row in items.rows], self.table)

    def batch_get(self, keys: Keys) -> int:
        return len(self.typed_service.batch_get_items(keys.dicts, self.table, model=BenchRecord))

    def read_one(self, pk: str, sk: str) -> Plain | None:
        key = {HASH_KEY: pk, RANGE_KEY: sk}
        item = self.typed_service.get_item(key, self.table, model=BenchRecord)
        return None if item is None else normalize_item(item.model_dump())

    @staticmethod
    def cold_start_code() -> str:
        return """
import logging
from pydantic import BaseModel
from src.services.dynamodb import DynamoDBConfig, DynamoDBService
class BenchRecord(BaseModel):
    pk: str
    sk: str
    seq: int
    active: bool
    tags: list[str]
    body: str
service = DynamoDBService(
    logger=logging.getLogger("bench.service"),
    config=DynamoDBConfig(region_name="us-east-1", endpoint_url="$endpoint",
                          aws_access_key_id="local", aws_secret_access_key="local",
                          transport="botocore"),
)
found = service.get_item({"pk": "$pk", "sk": "$sk"}, "$table", model=BenchRecord) is not None
"""


class ServiceAsyncTyped(ServiceAsync):
    """``AsyncDynamoDBService`` with Pydantic models in and out, sequential awaits."""

    key = "service_async_typed"
    label = "AsyncDynamoDBService, model=BenchRecord"
    typed = True
    dict_twin = "service_async"

    @classmethod
    def unavailable(cls) -> str | None:
        return None if takes_model(AsyncDynamoDBService.get_item) else NOT_YET

    def __init__(self, endpoint_url: str, table: str) -> None:
        super().__init__(endpoint_url, table)
        self.typed_service = cast("AsyncTypedService", self.service)

    async def _put_items(self, items: Items) -> None:
        service, table = self.typed_service, self.table
        for row in items.rows:
            await service.put_item(record(row), table)

    async def _get_items(self, keys: Keys) -> int:
        service, table = self.typed_service, self.table
        found = 0
        for key in keys.dicts:
            if await service.get_item(key, table, model=BenchRecord) is not None:
                found += 1
        return found

    async def get_one(self, key: Plain) -> bool:
        return await self.typed_service.get_item(key, self.table, model=BenchRecord) is not None

    def query_partition(self, pk: str) -> int:
        query = self.typed_service.query(KEY_CONDITION, {":pk": pk}, self.table, model=BenchRecord)
        return len(self.run(query))

    async def _batch_write(self, items: Items) -> None:
        await self.typed_service.batch_write_items([record(r) for r in items.rows], self.table)

    def batch_write(self, items: Items) -> None:
        self.run(self._batch_write(items))

    def batch_get(self, keys: Keys) -> int:
        found = self.typed_service.batch_get_items(keys.dicts, self.table, model=BenchRecord)
        return len(self.run(found))

    def read_one(self, pk: str, sk: str) -> Plain | None:
        key = {HASH_KEY: pk, RANGE_KEY: sk}
        item = self.run(self.typed_service.get_item(key, self.table, model=BenchRecord))
        return None if item is None else normalize_item(item.model_dump())

    @staticmethod
    def cold_start_code() -> str:
        return """
import asyncio
import logging
from pydantic import BaseModel
from src.services.dynamodb import AsyncDynamoDBService, DynamoDBConfig
class BenchRecord(BaseModel):
    pk: str
    sk: str
    seq: int
    active: bool
    tags: list[str]
    body: str
async def main():
    config = DynamoDBConfig(region_name="us-east-1", endpoint_url="$endpoint",
                            aws_access_key_id="local", aws_secret_access_key="local",
                            transport="botocore")
    async with AsyncDynamoDBService(logging.getLogger("bench.service"), config) as service:
        return await service.get_item({"pk": "$pk", "sk": "$sk"}, "$table", model=BenchRecord)
found = asyncio.run(main()) is not None
"""


class ServiceTypedLean(ServiceTyped):
    """``DynamoDBService`` with Pydantic models in and out, on the lean wire path."""

    key = "service_typed_lean"
    label = "DynamoDBService, lean, model=BenchRecord"
    dict_twin = "service_lean"
    transport: Transport = "lean"
    counts_requests = False

    @staticmethod
    def cold_start_code() -> str:
        return ServiceTyped.cold_start_code().replace('transport="botocore"', 'transport="lean"')


class ServiceAsyncTypedLean(ServiceAsyncTyped):
    """``AsyncDynamoDBService`` with Pydantic models in and out, on the lean wire path."""

    key = "service_async_typed_lean"
    label = "AsyncDynamoDBService, lean, model=BenchRecord"
    dict_twin = "service_async_lean"
    transport: Transport = "lean"

    @staticmethod
    def cold_start_code() -> str:
        typed = ServiceAsyncTyped.cold_start_code()
        return typed.replace('transport="botocore"', 'transport="lean"')
