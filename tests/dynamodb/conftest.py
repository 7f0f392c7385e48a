"""Shared fixtures: a service on moto's mocked DynamoDB, and a table in it."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from botocore.stub import Stubber
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
    """A service inside ``mock_aws``."""
    with mock_aws():
        dynamodb = DynamoDBService(logger=logger, config=config)
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


CAPACITY_OPERATIONS = frozenset(
    {
        "get_item",
        "put_item",
        "update_item",
        "delete_item",
        "query",
        "scan",
        "execute_statement",
        "batch_write_items",
        "batch_write_item",
        "batch_get_item",
        "transact_write_items",
        "transact_get_items",
    }
)


class CapacityStubber(Stubber):
    """A ``Stubber`` that also expects ``ReturnConsumedCapacity="TOTAL"`` where it is due.

    The service asks for the consumed capacity on every item, read, batch and transaction
    call; the stubs of the older tests state the rest of each request, and this adds that
    one parameter to their expectations (so a request without it fails the stub).
    """

    def add_response(
        self,
        method: str,
        service_response: Mapping[str, Any],
        expected_params: Mapping[str, Any] | None = None,
    ) -> None:
        super().add_response(method, service_response, _with_capacity(method, expected_params))

    def add_client_error(self, method: str, *args: Any, **kwargs: Any) -> None:
        expected = kwargs.pop("expected_params", None)
        kwargs["expected_params"] = _with_capacity(method, expected)
        super().add_client_error(method, *args, **kwargs)


def _with_capacity(method: str, expected: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    if expected is None or method not in CAPACITY_OPERATIONS:
        return expected
    return {"ReturnConsumedCapacity": "TOTAL", **expected}


def stubbed(service: DynamoDBService) -> Stubber:
    """A ``CapacityStubber`` on the service's client (its CRC32 hook reads no stubbed body)."""
    return CapacityStubber(service.client)
