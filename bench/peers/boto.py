"""boto3 itself: the raw client (the baseline), the client with its serializers, the resource."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import boto3
from boto3.dynamodb.conditions import Key as ConditionKey
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

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
from bench.peers.base import (
    Contender,
    Plain,
    backoff,
    count_requests,
    make_client,
    normalize,
    normalize_item,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import (
        AttributeValueTypeDef,
        KeysAndAttributesUnionTypeDef,
        WriteRequestUnionTypeDef,
    )


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
