"""dyntastic: Pydantic models on boto3's resource ``Table``.

dyntastic takes its region and endpoint from the model (``__table_region__``,
``__table_host__``) and its credentials from boto3's default chain only, so the bench
puts its dummy keys in the environment. Its ``batch_get`` sends every key it is given in
one ``BatchGetItem`` (DynamoDB takes at most 100), so a user hands it 100 at a time. It
refuses ``float`` fields (``TypeError: Float types are not supported``); the bench's
item has none.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from dyntastic import Dyntastic

from bench.data import (
    ACCESS_KEY,
    BATCH_GET_CHUNK,
    REGION,
    SECRET_KEY,
    Items,
    Keys,
    Row,
    chunks,
)
from bench.peers.base import Contender, Plain, count_requests, normalize_item


class DyntasticItem(Dyntastic):
    """The benchmark's item as a dyntastic model; ``bind_dyntastic`` gives it a table."""

    __table_name__ = "bench_unbound"
    __hash_key__ = "pk"
    __range_key__ = "sk"

    pk: str
    sk: str
    seq: int
    active: bool
    tags: list[str]
    body: str


def bind_dyntastic(endpoint_url: str, table: str) -> type[DyntasticItem]:
    """A ``DyntasticItem`` subclass on ``table`` at ``endpoint_url``."""

    class BoundDyntasticItem(DyntasticItem):
        __table_name__ = table
        __table_host__ = endpoint_url
        __table_region__ = REGION

    return BoundDyntasticItem


@contextlib.contextmanager
def dummy_credentials() -> Iterator[None]:
    """The bench's keys in the environment, for boto3's default chain, then the old values.

    botocore reads the chain when it makes the client, so the keys stay with the
    dyntastic model's resource and the rest of the run keeps the environment it had.
    """
    names = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
    saved = {name: os.environ.get(name) for name in names}
    os.environ["AWS_ACCESS_KEY_ID"] = ACCESS_KEY
    os.environ["AWS_SECRET_ACCESS_KEY"] = SECRET_KEY
    os.environ.pop("AWS_SESSION_TOKEN", None)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class DyntasticModel(Contender):
    """dyntastic models: ``save``, ``safe_get``, ``query``, ``batch_writer``, ``batch_get``."""

    key = "dyntastic"
    label = "dyntastic (Pydantic on boto3)"
    typed = True
    dict_twin = "resource"

    def __init__(self, endpoint_url: str, table: str) -> None:
        super().__init__(endpoint_url, table)
        self.model = bind_dyntastic(endpoint_url, table)
        # dyntastic offers no public handle on its boto3 resource; this is where it keeps it
        # (made on first use, and made here, so that it takes the bench's keys).
        with dummy_credentials():
            resource = self.model._dynamodb_resource()  # type: ignore[no-untyped-call]
            resource.meta.client  # noqa: B018 - the client, and its credentials, now
        count_requests(resource.meta.client, self.requests)

    def make(self, row: Row) -> DyntasticItem:
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
            if model.safe_get(pk, sk) is not None:
                found += 1
        return found

    def query_partition(self, pk: str) -> int:
        return len(list(self.model.query(pk)))

    def batch_write(self, items: Items) -> None:
        with self.model.batch_writer():
            for row in items.rows:
                self.make(row).save()

    def batch_get(self, keys: Keys) -> int:
        model = self.model
        return sum(len(model.batch_get(chunk)) for chunk in chunks(keys.tuples, BATCH_GET_CHUNK))

    def read_one(self, pk: str, sk: str) -> Plain | None:
        item = self.model.safe_get(pk, sk)
        return None if item is None else normalize_item(item.model_dump())

    def close(self) -> None:
        self.model._dynamodb_resource().meta.client.close()  # type: ignore[no-untyped-call]

    @staticmethod
    def cold_start_code() -> str:
        return """
import contextlib
import os
from collections.abc import Iterator
os.environ["AWS_ACCESS_KEY_ID"] = "local"
os.environ["AWS_SECRET_ACCESS_KEY"] = "local"
from dyntastic import Dyntastic
class BenchItem(Dyntastic):
    __table_name__ = "$table"
    __table_host__ = "$endpoint"
    __table_region__ = "us-east-1"
    __hash_key__ = "pk"
    __range_key__ = "sk"
    pk: str
    sk: str
    seq: int
    active: bool
    tags: list[str]
    body: str
found = BenchItem.safe_get("$pk", "$sk") is not None
"""
