"""Shared fixtures: a service on moto's mocked DynamoDB, and a table in it."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from moto import mock_aws
from mypy_boto3_dynamodb.type_defs import AttributeDefinitionTypeDef, KeySchemaElementTypeDef

from src.services.dynamodb.dynamodb_models import DynamoDBConfig
from src.services.dynamodb.dynamodb_service import DynamoDBService

SECRET = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY"
TOKEN = "FwoGZXIvYXdzEXAMPLE-SESSION-TOKEN"
TABLE = "users"
KEY_SCHEMA: list[KeySchemaElementTypeDef] = [
    {"AttributeName": "pk", "KeyType": "HASH"},
    {"AttributeName": "sk", "KeyType": "RANGE"},
]
ATTRIBUTES: list[AttributeDefinitionTypeDef] = [
    {"AttributeName": "pk", "AttributeType": "S"},
    {"AttributeName": "sk", "AttributeType": "N"},
]


@pytest.fixture
def logger() -> logging.Logger:
    """A logger that records everything, for caplog."""
    log = logging.getLogger("tests.dynamodb")
    log.setLevel(logging.DEBUG)
    return log


@pytest.fixture
def config() -> DynamoDBConfig:
    """Keys and a session token (moto accepts any), the default table ``users``."""
    return DynamoDBConfig(
        region_name="us-east-1",
        aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
        aws_secret_access_key=SECRET,
        aws_session_token=TOKEN,
        default_table_name=TABLE,
    )


@pytest.fixture
def service(logger: logging.Logger, config: DynamoDBConfig) -> Iterator[DynamoDBService]:
    """A service inside ``mock_aws``; resend backoff never sleeps."""
    with mock_aws():
        dynamodb = DynamoDBService(logger=logger, config=config)
        dynamodb._sleep = lambda seconds: None
        yield dynamodb
        dynamodb.close()


@pytest.fixture
def table(service: DynamoDBService) -> str:
    """The default table ``users`` (pk: S, sk: N), created in moto."""
    service.create_table(TABLE, KEY_SCHEMA, ATTRIBUTES)
    return TABLE


def requests_of(service: DynamoDBService, operation: str) -> list[dict[str, Any]]:
    """Record the parameters of every ``operation`` call made through the service's client."""
    seen: list[dict[str, Any]] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        seen.append(dict(params))

    service.client.meta.events.register(f"before-parameter-build.dynamodb.{operation}", record)
    return seen
