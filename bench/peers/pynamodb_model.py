"""PynamoDB: its ``Model``, items built as model instances inside the timed calls."""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
)
from pynamodb.models import Model

from bench.data import ACCESS_KEY, REGION, SECRET_KEY, Items, Keys, Row
from bench.peers.base import Contender, Plain, count_requests, normalize_item


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
    label = "PynamoDB Model"
    typed = True

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
