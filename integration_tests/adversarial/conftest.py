"""Fixtures of the adversarial suite: a fault proxy, services through it, a table per test.

Every test gets its own ``FaultProxy`` in front of the session's DynamoDB Local, its
own services (closed afterwards) and its own uniquely named table, created and read
back *directly* on DynamoDB Local with a plain boto3 client, so what a test asserts
about the table never goes through the proxy or the service under test.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest
from boto3.dynamodb.types import TypeDeserializer
from mypy_boto3_dynamodb import DynamoDBClient

from integration_tests.adversarial.proxy import FaultProxy
from integration_tests.support import (
    ATTRIBUTES,
    KEY_SCHEMA,
    ServiceFactory,
    make_config,
    plain_client,
    unique_table_name,
)
from src.services.dynamodb.dynamodb_service import DynamoDBService

LOGGER_NAME = "integration_tests.adversarial"
_DESERIALIZE = TypeDeserializer().deserialize


def service_logger() -> logging.Logger:
    """The logger every service of this suite logs to (caplog sees its records)."""
    logger = logging.getLogger(LOGGER_NAME)
    logger.setLevel(logging.DEBUG)
    return logger


def new_direct_client(endpoint_url: str) -> DynamoDBClient:
    """A plain boto3 client on DynamoDB Local itself: the suite's independent witness."""
    return plain_client(endpoint_url, attempts=3, read_timeout=20)


def create_table_directly(client: DynamoDBClient, name: str) -> None:
    """Create ``name`` (``pk`` S, ``sk`` N) on DynamoDB Local and wait until it is ACTIVE."""
    client.create_table(
        TableName=name,
        KeySchema=KEY_SCHEMA,
        AttributeDefinitions=ATTRIBUTES,
        BillingMode="PAY_PER_REQUEST",
    )
    deadline = time.monotonic() + 30
    while client.describe_table(TableName=name)["Table"]["TableStatus"] != "ACTIVE":
        assert time.monotonic() < deadline, f"table {name} never became ACTIVE"
        time.sleep(0.05)


def drop_table_directly(client: DynamoDBClient, name: str) -> None:
    """Delete ``name`` if it is still there (a restart of DynamoDB Local loses every table)."""
    try:
        client.delete_table(TableName=name)
    except client.exceptions.ResourceNotFoundException:
        pass


def stored_items(client: DynamoDBClient, table: str) -> list[dict[str, Any]]:
    """Every item of ``table``, read directly with consistent scans, as Python values.

    Numbers come back as ``Decimal``, which compares equal to the same ``int``.
    """
    items: list[dict[str, Any]] = []
    request: dict[str, Any] = {"TableName": table, "ConsistentRead": True}
    while True:
        page = client.scan(**request)
        items.extend(
            {name: _DESERIALIZE(value) for name, value in item.items()} for item in page["Items"]
        )
        if "LastEvaluatedKey" not in page:
            return items
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def stored_keys(client: DynamoDBClient, table: str) -> set[tuple[str, int]]:
    """The ``(pk, sk)`` of every item of ``table``, read directly."""
    return {(str(item["pk"]), int(item["sk"])) for item in stored_items(client, table)}


@pytest.fixture(scope="session")
def direct(dynamodb_endpoint: str) -> Iterator[DynamoDBClient]:
    """A plain boto3 client on DynamoDB Local (not through the proxy), closed at the end.

    It outlives a restart of the server: its pool reconnects on the next call.
    """
    client = new_direct_client(dynamodb_endpoint)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def table(direct: DynamoDBClient, request: pytest.FixtureRequest) -> Iterator[str]:
    """A uniquely named table (``pk`` S, ``sk`` N) of this test, created and dropped directly.

    Dropping tolerates a table that is already gone, as after a restart of the server.
    """
    name = unique_table_name(request.node.name, "adv")
    create_table_directly(direct, name)
    try:
        yield name
    finally:
        drop_table_directly(direct, name)


@pytest.fixture
def proxy(dynamodb_endpoint: str) -> Iterator[FaultProxy]:
    """A fault proxy in front of the session's DynamoDB Local, closed after the test."""
    with FaultProxy(dynamodb_endpoint) as fault_proxy:
        yield fault_proxy


def _factory(endpoint_url: str, made: list[DynamoDBService]) -> ServiceFactory:
    def make(**overrides: Any) -> DynamoDBService:
        service = DynamoDBService(
            logger=service_logger(), config=make_config(endpoint_url, **overrides)
        )
        made.append(service)
        return service

    return make


@pytest.fixture
def service_via_proxy(proxy: FaultProxy) -> Iterator[ServiceFactory]:
    """Services on ``proxy.endpoint_url`` (config overrides as keywords), closed afterwards."""
    made: list[DynamoDBService] = []
    try:
        yield _factory(proxy.endpoint_url, made)
    finally:
        for service in made:
            service.close()


@pytest.fixture
def direct_service(dynamodb_endpoint: str) -> Iterator[ServiceFactory]:
    """Services straight on DynamoDB Local (no proxy), closed afterwards."""
    made: list[DynamoDBService] = []
    try:
        yield _factory(dynamodb_endpoint, made)
    finally:
        for service in made:
            service.close()
