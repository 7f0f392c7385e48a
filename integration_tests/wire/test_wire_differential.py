"""Every data-plane operation on DynamoDB Local: the lean sender against botocore, field for field.

Each case seeds the same items, then makes one call through ``LeanSender.send`` and,
after seeding again, the same call through ``client._make_api_call`` with the service's
fast-read hook. Results and errors (class and ``response``) must be equal once the
volatile parts are dropped: the request id (body and header), the ``Date`` header, and a
PartiQL ``NextToken`` (it holds a timestamp).
"""

from __future__ import annotations

from typing import Any

import pytest

from src.services.dynamodb._wire import LeanSender
from tests.wire.support import botocore_call

from .cases import BIN, CASES, KINDS, TABLE, outcome, seed


@pytest.mark.parametrize("case", sorted(CASES))
def test_lean_equals_botocore(case: str, clients: tuple[LeanSender, Any]) -> None:
    sender, client = clients
    operation, params = CASES[case]
    seed(client)
    lean = outcome(sender.send, operation, params)
    seed(client)
    boto = outcome(lambda op, p: botocore_call(client, op, p), operation, params)
    assert lean == boto
    assert lean[0] == KINDS.get(case, "result")
    if case == "cancelled transaction with reasons":
        reasons = lean[1]["CancellationReasons"]
        assert [reason["Code"] for reason in reasons] == ["ConditionalCheckFailed", "None"]
        assert reasons[0]["Item"]["bs"]["BS"] == [BIN, b"x"]
    if case == "conditional failure with the item":
        assert lean[1]["Item"]["m"]["M"]["l"]["L"][0] == {"B": BIN}


def test_pages_follow_on_from_lean_keys(clients: tuple[LeanSender, Any]) -> None:
    sender, client = clients
    seed(client)
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
