"""The calls every wire differential makes on DynamoDB Local, and how results are compared."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

Send = Callable[[str, dict[str, Any]], dict[str, Any]]
TABLE = f"wire-{uuid.uuid4().hex[:8]}"
BIN = b"\x00\xffbinary"
SEED = [
    {"pk": {"S": "a"}, "sk": {"B": bytes([n])}, "n": {"N": str(n)}, "b": {"B": BIN}}
    for n in range(5)
] + [
    {
        "pk": {"S": "b"},
        "sk": {"B": b"\x01"},
        "bs": {"BS": [BIN, b"x"]},
        "m": {"M": {"l": {"L": [{"B": BIN}, {"NULL": True}]}}},
    }
]
KEY_A0 = {"pk": {"S": "a"}, "sk": {"B": b"\x00"}}
KEY_B1 = {"pk": {"S": "b"}, "sk": {"B": b"\x01"}}


def seed(client: Any) -> None:
    requests = [{"PutRequest": {"Item": item}} for item in SEED]
    requests.append({"DeleteRequest": {"Key": {"pk": {"S": "c"}, "sk": {"B": b"\x02"}}}})
    client.batch_write_item(RequestItems={TABLE: requests})


def stable(value: Any) -> Any:
    """``value`` without the request id and the date, which differ from call to call."""
    if isinstance(value, dict):
        return {
            key: stable(inner)
            for key, inner in value.items()
            if key not in ("RequestId", "x-amzn-requestid", "date")
        }
    if isinstance(value, list):
        return [stable(inner) for inner in value]
    return value


def without_token(result: dict[str, Any]) -> dict[str, Any]:
    """A PartiQL page's ``NextToken`` holds a timestamp: keep only that there is one."""
    if "NextToken" in result:
        result["NextToken"] = "present"
        headers = result["ResponseMetadata"]["HTTPHeaders"]
        del headers["x-amz-crc32"], headers["content-length"]
    return result


def outcome(send: Send, operation: str, params: dict[str, Any]) -> tuple[str, Any]:
    try:
        return "result", without_token(stable(send(operation, params)))
    except ClientError as error:
        return type(error).__name__, stable(error.response)


CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "get": ("GetItem", {"TableName": TABLE, "Key": KEY_B1}),
    "get missing item": (
        "GetItem",
        {"TableName": TABLE, "Key": {"pk": {"S": "z"}, "sk": {"B": b"z"}}},
    ),
    "put returning old": (
        "PutItem",
        {"TableName": TABLE, "Item": {**KEY_A0, "new": {"B": BIN}}, "ReturnValues": "ALL_OLD"},
    ),
    "update": (
        "UpdateItem",
        {
            "TableName": TABLE,
            "Key": KEY_A0,
            "UpdateExpression": "SET n = n + :one, bb = :b",
            "ExpressionAttributeValues": {":one": {"N": "1"}, ":b": {"B": BIN}},
            "ReturnValues": "ALL_NEW",
            "ReturnConsumedCapacity": "TOTAL",
        },
    ),
    "delete": ("DeleteItem", {"TableName": TABLE, "Key": KEY_B1, "ReturnValues": "ALL_OLD"}),
    "query page": (
        "Query",
        {
            "TableName": TABLE,
            "KeyConditionExpression": "pk = :a",
            "ExpressionAttributeValues": {":a": {"S": "a"}},
            "Limit": 2,
            "ReturnConsumedCapacity": "TOTAL",
        },
    ),
    "query from a key": (
        "Query",
        {
            "TableName": TABLE,
            "KeyConditionExpression": "pk = :a",
            "ExpressionAttributeValues": {":a": {"S": "a"}},
            "ExclusiveStartKey": {"pk": {"S": "a"}, "sk": {"B": b"\x01"}},
        },
    ),
    "scan page": ("Scan", {"TableName": TABLE, "Limit": 3}),
    "batch get": (
        "BatchGetItem",
        {
            "RequestItems": {
                TABLE: {"Keys": [KEY_A0, KEY_B1, {"pk": {"S": "z"}, "sk": {"B": b"z"}}]}
            },
            "ReturnConsumedCapacity": "INDEXES",
        },
    ),
    "batch write": (
        "BatchWriteItem",
        {
            "RequestItems": {
                TABLE: [
                    {"PutRequest": {"Item": {"pk": {"S": "c"}, "sk": {"B": b"\x02"}}}},
                    {"DeleteRequest": {"Key": KEY_A0}},
                ]
            },
            "ReturnConsumedCapacity": "TOTAL",
            "ReturnItemCollectionMetrics": "SIZE",
        },
    ),
    "transact get": (
        "TransactGetItems",
        {
            "TransactItems": [
                {"Get": {"TableName": TABLE, "Key": KEY_B1}},
                {"Get": {"TableName": TABLE, "Key": KEY_A0}},
            ]
        },
    ),
    "transact write": (
        "TransactWriteItems",
        {
            "TransactItems": [
                {"Put": {"TableName": TABLE, "Item": {"pk": {"S": "c"}, "sk": {"B": b"\x02"}}}},
                {"Delete": {"TableName": TABLE, "Key": KEY_B1}},
            ],
            "ReturnConsumedCapacity": "TOTAL",
        },
    ),
    "statement": (
        "ExecuteStatement",
        {
            "Statement": f'SELECT * FROM "{TABLE}" WHERE pk = ?',
            "Parameters": [{"S": "a"}],
            "Limit": 2,
        },
    ),
    "conditional failure with the item": (
        "PutItem",
        {
            "TableName": TABLE,
            "Item": KEY_B1,
            "ConditionExpression": "attribute_not_exists(pk)",
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        },
    ),
    "cancelled transaction with reasons": (
        "TransactWriteItems",
        {
            "TransactItems": [
                {
                    "ConditionCheck": {
                        "TableName": TABLE,
                        "Key": KEY_B1,
                        "ConditionExpression": "attribute_not_exists(pk)",
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    }
                },
                {"Put": {"TableName": TABLE, "Item": {"pk": {"S": "c"}, "sk": {"B": b"\x02"}}}},
            ]
        },
    ),
    "missing table": ("GetItem", {"TableName": "no-such-table", "Key": KEY_A0}),
    "validation error": ("GetItem", {"TableName": TABLE, "Key": {"pk": {"N": "1"}}}),
    "statement error": ("ExecuteStatement", {"Statement": 'SELECT * FROM "no-such-table"'}),
    "batch of a missing table": (
        "BatchGetItem",
        {"RequestItems": {"no-such-table": {"Keys": [KEY_A0]}}},
    ),
}


KINDS = {
    "conditional failure with the item": "ConditionalCheckFailedException",
    "cancelled transaction with reasons": "TransactionCanceledException",
    "missing table": "ResourceNotFoundException",
    "validation error": "ClientError",
    "statement error": "ResourceNotFoundException",
    "batch of a missing table": "ResourceNotFoundException",
}
