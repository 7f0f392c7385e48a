"""The DynamoDB Local differential's cases on moto's server mode: lean against botocore.

moto answers some calls differently from DynamoDB (see ``shared/DYNAMODB-LOCAL.md``);
what matters here is that the lean sender and botocore get the same answer from it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from moto.server import ThreadedMotoServer

from integration_tests.wire.cases import CASES, TABLE, outcome, seed
from src.services.dynamodb._wire import LeanSender

from .support import botocore_call, botocore_client, config_for


@pytest.fixture(scope="module")
def moto() -> Iterator[tuple[LeanSender, Any]]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    config = config_for(f"http://{host}:{port}", read_timeout_seconds=10.0)
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
        client.close()
        server.stop()


@pytest.mark.parametrize("case", sorted(CASES))
def test_lean_equals_botocore_on_moto(case: str, moto: tuple[LeanSender, Any]) -> None:
    sender, client = moto
    operation, params = CASES[case]
    seed(client)
    lean = outcome(sender.send, operation, params)
    seed(client)
    boto = outcome(lambda op, p: botocore_call(client, op, p), operation, params)
    assert lean == boto
