"""The table every wire differential uses, made once for the package."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from src.services.dynamodb._wire import LeanSender
from tests.wire.support import botocore_client, config_for

from .cases import TABLE


@pytest.fixture(scope="session", autouse=True)
def botocore_standard_retries() -> Iterator[None]:
    """Pin botocore's "new retries" flag off, as ``lean_supported`` requires it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("botocore.retries.standard.NEW_RETRIES_ENABLED", False, raising=False)
        yield


@pytest.fixture(scope="package")
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
