"""Every data-plane operation on DynamoDB Local: the lean sender against botocore, field for field.

Each case seeds the same items, then makes one call through ``LeanSender.send`` and,
after seeding again, the same call through ``client._make_api_call`` with the service's
fast-read hook. Results and errors (class and ``response``) must be equal once the
volatile parts are dropped: the request id (body and header) and the ``Date`` header.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from src.services.dynamodb._wire import LeanSender
from tests.wire.support import botocore_call, botocore_client, config_for

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


@pytest.fixture(scope="module")
def clients(dynamodb_endpoint: str) -> Iterator[tuple[LeanSender, Any]]:
    config = config_for(
        dynamodb_endpoint,
        aws_access_key_id="AKIDWIRELOCAL",
        aws_session_token=None,
        read_timeout_seconds=10.0,
        connect_timeout_seconds=5.0,
    )
    client = botocore_client(config)
    client.create_table(
        TableName=TABLE,
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "B"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    sender = LeanSender(config, client)
    try:
        yield sender, client
    finally:
        sender.close()
        client.delete_table(TableName=TABLE)
        client.close()


def _seed(client: Any) -> None:
    requests = [{"PutRequest": {"Item": item}} for item in SEED]
    requests.append({"DeleteRequest": {"Key": {"pk": {"S": "c"}, "sk": {"B": b"\x02"}}}})
    client.batch_write_item(RequestItems={TABLE: requests})


def _stable(value: Any) -> Any:
    """``value`` without the request id and the date, which differ from call to call."""
    if isinstance(value, dict):
        return {
            key: _stable(inner)
            for key, inner in value.items()
            if key not in ("RequestId", "x-amzn-requestid", "date")
        }
    if isinstance(value, list):
        return [_stable(inner) for inner in value]
    return value


def _without_token(result: dict[str, Any]) -> dict[str, Any]:
    """A PartiQL page's ``NextToken`` holds a timestamp: keep only that there is one."""
    if "NextToken" in result:
        result["NextToken"] = "present"
        headers = result["ResponseMetadata"]["HTTPHeaders"]
        del headers["x-amz-crc32"], headers["content-length"]
    return result


def _outcome(send: Send, operation: str, params: dict[str, Any]) -> tuple[str, Any]:
    try:
        return "result", _without_token(_stable(send(operation, params)))
    except ClientError as error:
        return type(error).__name__, _stable(error.response)


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


@pytest.mark.parametrize("case", sorted(CASES))
def test_lean_equals_botocore(case: str, clients: tuple[LeanSender, Any]) -> None:
    sender, client = clients
    operation, params = CASES[case]
    _seed(client)
    lean = _outcome(sender.send, operation, params)
    _seed(client)
    boto = _outcome(lambda op, p: botocore_call(client, op, p), operation, params)
    assert lean == boto
    assert lean[0] == KINDS.get(case, "result")
    if case == "cancelled transaction with reasons":
        reasons = lean[1]["CancellationReasons"]
        assert [reason["Code"] for reason in reasons] == ["ConditionalCheckFailed", "None"]
        assert reasons[0]["Item"]["bs"]["BS"] == [BIN, b"x"]
    if case == "conditional failure with the item":
        assert lean[1]["Item"]["m"]["M"]["l"]["L"][0] == {"B": BIN}


KINDS = {
    "conditional failure with the item": "ConditionalCheckFailedException",
    "cancelled transaction with reasons": "TransactionCanceledException",
    "missing table": "ResourceNotFoundException",
    "validation error": "ClientError",
    "statement error": "ResourceNotFoundException",
    "batch of a missing table": "ResourceNotFoundException",
}


def test_pages_follow_on_from_lean_keys(clients: tuple[LeanSender, Any]) -> None:
    sender, client = clients
    _seed(client)
    params: dict[str, Any] = {
        "TableName": TABLE,
        "KeyConditionExpression": "pk = :a",
        "ExpressionAttributeValues": {":a": {"S": "a"}},
        "Limit": 2,
    }
    seen = []
    for _ in range(10):
        page = sender.send("Query", params)
        seen += [item["n"]["N"] for item in page["Items"]]
        if "LastEvaluatedKey" not in page:
            break
        params["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    assert seen == ["0", "1", "2", "3", "4"]
