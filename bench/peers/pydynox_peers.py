"""pydynox (a Rust core on the AWS SDK for Rust): its client, sync and async, and its ``Model``.

pydynox is async-first: ``client.get_item`` is a coroutine and the blocking calls carry a
``sync_`` prefix (``sync_get_item``, ``sync_query``, ``sync_batch_write``...); the same goes
for ``Model`` (``await item.save()`` against ``item.sync_save()``). One ``DynamoDBClient``
serves both. It sends its requests from Rust, with no hook to count them on, so its
requests column shows "-". Its batch calls split into 25s and 100s and resend what comes
back unprocessed by themselves.
"""

from __future__ import annotations

from typing import Any

from pydynox import DynamoDBClient, Model, ModelConfig, SyncBatchWriter
from pydynox.attributes import BooleanAttribute, ListAttribute, NumberAttribute, StringAttribute

from bench.data import ACCESS_KEY, HASH_KEY, RANGE_KEY, REGION, SECRET_KEY, Items, Keys, Row
from bench.peers.base import AsyncContender, Contender, Plain, normalize_item

KEY_CONDITION = "pk = :pk"


def make_pydynox_client(endpoint_url: str) -> DynamoDBClient:
    """A pydynox client on ``endpoint_url`` with the bench's dummy credentials."""
    return DynamoDBClient(
        region=REGION, endpoint_url=endpoint_url, access_key=ACCESS_KEY, secret_key=SECRET_KEY
    )


class PydynoxClient(Contender):
    """pydynox's client, its blocking ``sync_*`` calls; dicts in, dicts out."""

    key = "pydynox"
    label = "pydynox client, sync"
    counts_requests = False

    def __init__(self, endpoint_url: str, table: str) -> None:
        super().__init__(endpoint_url, table)
        self.client = make_pydynox_client(endpoint_url)

    def put_items(self, items: Items) -> None:
        client, table = self.client, self.table
        for item in items.dicts:
            client.sync_put_item(table, item)

    def get_items(self, keys: Keys) -> int:
        client, table = self.client, self.table
        found = 0
        for key in keys.dicts:
            if client.sync_get_item(table, key) is not None:
                found += 1
        return found

    def query_partition(self, pk: str) -> int:
        result = self.client.sync_query(
            self.table, KEY_CONDITION, expression_attribute_values={":pk": pk}
        )
        return len(list(result))

    def batch_write(self, items: Items) -> None:
        self.client.sync_batch_write(self.table, put_items=items.dicts)

    def batch_get(self, keys: Keys) -> int:
        return len(self.client.sync_batch_get(self.table, keys.dicts))

    def read_one(self, pk: str, sk: str) -> Plain | None:
        item = self.client.sync_get_item(self.table, {HASH_KEY: pk, RANGE_KEY: sk})
        return None if item is None else normalize_item(item)

    def close(self) -> None:
        """pydynox has no close: its connections go with the client."""

    @staticmethod
    def cold_start_code() -> str:
        return """
from pydynox import DynamoDBClient
client = DynamoDBClient(region="us-east-1", endpoint_url="$endpoint",
                        access_key="local", secret_key="local")
found = client.sync_get_item("$table", {"pk": "$pk", "sk": "$sk"}) is not None
"""


class PydynoxAsync(AsyncContender):
    """pydynox's client, its (default) async calls: sequential awaits on one event loop."""

    key = "pydynox_async"
    label = "pydynox client, async"
    counts_requests = False

    def __init__(self, endpoint_url: str, table: str) -> None:
        super().__init__(endpoint_url, table)
        self.client = make_pydynox_client(endpoint_url)

    async def _put_items(self, items: Items) -> None:
        client, table = self.client, self.table
        for item in items.dicts:
            await client.put_item(table, item)

    def put_items(self, items: Items) -> None:
        self.run(self._put_items(items))

    async def _get_items(self, keys: Keys) -> int:
        client, table = self.client, self.table
        found = 0
        for key in keys.dicts:
            if await client.get_item(table, key) is not None:
                found += 1
        return found

    def get_items(self, keys: Keys) -> int:
        return self.run(self._get_items(keys))

    async def get_one(self, key: Plain) -> bool:
        return await self.client.get_item(self.table, key) is not None

    async def _query(self, pk: str) -> list[dict[str, Any]]:
        result = self.client.query(
            self.table, KEY_CONDITION, expression_attribute_values={":pk": pk}
        )
        return await result.to_list()

    def query_partition(self, pk: str) -> int:
        return len(self.run(self._query(pk)))

    # Its async calls are typed Awaitable, not Coroutine (a retry decorator), so each is
    # awaited inside a coroutine of our own for ``asyncio.Runner.run``.
    async def _batch_write(self, items: Items) -> None:
        await self.client.batch_write(self.table, put_items=items.dicts)

    def batch_write(self, items: Items) -> None:
        self.run(self._batch_write(items))

    async def _batch_get(self, keys: Keys) -> int:
        return len(await self.client.batch_get(self.table, keys.dicts))

    def batch_get(self, keys: Keys) -> int:
        return self.run(self._batch_get(keys))

    async def _read_one(self, pk: str, sk: str) -> dict[str, Any] | None:
        return await self.client.get_item(self.table, {HASH_KEY: pk, RANGE_KEY: sk})

    def read_one(self, pk: str, sk: str) -> Plain | None:
        item = self.run(self._read_one(pk, sk))
        return None if item is None else normalize_item(item)

    def close(self) -> None:
        self.runner.close()

    @staticmethod
    def cold_start_code() -> str:
        return """
import asyncio
from pydynox import DynamoDBClient
async def main():
    client = DynamoDBClient(region="us-east-1", endpoint_url="$endpoint",
                            access_key="local", secret_key="local")
    return await client.get_item("$table", {"pk": "$pk", "sk": "$sk"})
found = asyncio.run(main()) is not None
"""


class PydynoxItem(Model):
    """The benchmark's item as a pydynox model; ``bind_pydynox_model`` gives it a table."""

    model_config = ModelConfig(table="bench_unbound")
    pk = StringAttribute(partition_key=True)
    sk = StringAttribute(sort_key=True)
    seq = NumberAttribute()
    active = BooleanAttribute()
    tags = ListAttribute()
    body = StringAttribute()


def bind_pydynox_model(client: DynamoDBClient, table: str) -> type[PydynoxItem]:
    """A ``PydynoxItem`` subclass on ``table`` through ``client``."""

    class BoundPydynoxItem(PydynoxItem):
        model_config = ModelConfig(table=table, client=client)

    return BoundPydynoxItem


class PydynoxModel(Contender):
    """pydynox's ``Model``, blocking calls: ``sync_save``, ``sync_get``, ``sync_query``,
    ``SyncBatchWriter`` (it takes dicts: ``model.to_dict()``), ``sync_batch_get``."""

    key = "pydynox_model"
    label = "pydynox Model, sync"
    counts_requests = False
    typed = True
    dict_twin = "pydynox"

    def __init__(self, endpoint_url: str, table: str) -> None:
        super().__init__(endpoint_url, table)
        self.client = make_pydynox_client(endpoint_url)
        self.model = bind_pydynox_model(self.client, table)

    def make(self, row: Row) -> PydynoxItem:
        return self.model(
            pk=row.pk, sk=row.sk, seq=row.seq, active=row.active, tags=row.tags, body=row.body
        )

    def put_items(self, items: Items) -> None:
        for row in items.rows:
            self.make(row).sync_save()

    def get_items(self, keys: Keys) -> int:
        model = self.model
        found = 0
        for pk, sk in keys.tuples:
            if model.sync_get(pk=pk, sk=sk) is not None:
                found += 1
        return found

    def query_partition(self, pk: str) -> int:
        return len(list(self.model.sync_query(partition_key=pk)))

    def batch_write(self, items: Items) -> None:
        with SyncBatchWriter(self.client, self.table) as batch:
            for row in items.rows:
                batch.put(self.make(row).to_dict())

    def batch_get(self, keys: Keys) -> int:
        return len(self.model.sync_batch_get(keys.dicts))

    def read_one(self, pk: str, sk: str) -> Plain | None:
        item = self.model.sync_get(pk=pk, sk=sk)
        return None if item is None else normalize_item(item.to_dict())

    def close(self) -> None:
        """pydynox has no close: its connections go with the client."""

    @staticmethod
    def cold_start_code() -> str:
        return """
from pydynox import DynamoDBClient, Model, ModelConfig
from pydynox.attributes import BooleanAttribute, ListAttribute, NumberAttribute, StringAttribute
client = DynamoDBClient(region="us-east-1", endpoint_url="$endpoint",
                        access_key="local", secret_key="local")
class BenchItem(Model):
    model_config = ModelConfig(table="$table", client=client)
    pk = StringAttribute(partition_key=True)
    sk = StringAttribute(sort_key=True)
    seq = NumberAttribute()
    active = BooleanAttribute()
    tags = ListAttribute()
    body = StringAttribute()
found = BenchItem.sync_get(pk="$pk", sk="$sk") is not None
"""


class PydynoxAsyncUvloop(PydynoxAsync):
    """pydynox's async client on uvloop: the peer of the async twin on uvloop."""

    key = "pydynox_async_uvloop"
    label = "pydynox client, async, uvloop"
    loop = "uvloop"
    cold_starts = False
