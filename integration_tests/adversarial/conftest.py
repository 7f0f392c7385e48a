"""Fixtures of the adversarial suite: a fault proxy, services through it, a table per test.

Every test gets its own ``FaultProxy`` in front of the session's DynamoDB Local, its
own services (closed afterwards) and its own uniquely named table, created and read
back *directly* on DynamoDB Local with a plain boto3 client, so what a test asserts
about the table never goes through the proxy or the service under test.

Every test that makes a service runs against both twins (the ``twin`` parameter):
``DynamoDBService`` itself, and ``AsyncDynamoDBService`` through ``SyncOverAsync``
(its own loop in a thread), typed as the blocking service whose interface it offers.
A test about the blocking service alone (its threads, its urllib3 pool) says so with
``@pytest.mark.sync_only("why")`` and then runs against ``DynamoDBService`` only.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from typing import Any, cast

import pytest
from boto3.dynamodb.types import TypeDeserializer
from mypy_boto3_dynamodb import DynamoDBClient

from integration_tests.adversarial.proxy import FaultProxy
from integration_tests.support import (
    ATTRIBUTES,
    KEY_SCHEMA,
    ServiceFactory,
    SyncOverAsync,
    make_config,
    plain_client,
    unique_table_name,
)
from src.services.dynamodb.async_dynamodb_service import AsyncDynamoDBService
from src.services.dynamodb.dynamodb_models import DynamoDBConfig
from src.services.dynamodb.dynamodb_service import DynamoDBService

LOGGER_NAME = "integration_tests.adversarial"
SLACK_SECONDS = 2.0
"""Slack for request round trips and a loaded 2-core machine, on top of any computed bound."""
Read = Callable[[DynamoDBService, str], Any]
READS: dict[str, tuple[str, Read]] = {
    "get_item": ("GetItem", lambda s, t: s.get_item({"pk": "p", "sk": 7}, t)),
    "query": ("Query", lambda s, t: s.query("pk = :p", {":p": "p"}, t)),
    "scan": ("Scan", lambda s, t: s.scan(table_name=t)),
    "batch_get_items": (
        "BatchGetItem",
        lambda s, t: s.batch_get_items([{"pk": "p", "sk": sk} for sk in range(20)], t),
    ),
    "execute_statement": (
        "ExecuteStatement",
        lambda s, t: s.execute_statement(f'SELECT * FROM "{t}" WHERE pk = ?', ["p"]),
    ),
}
"""The reads the fault cases run, on 20 items of partition ``p``: (botocore operation, call)."""

_DESERIALIZE = TypeDeserializer().deserialize
TWINS = ("sync", "async")
"""``sync``: ``DynamoDBService``; ``async``: ``AsyncDynamoDBService`` behind ``SyncOverAsync``."""


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "sync_only(reason): the test is about the blocking service alone; no async twin run",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run every test that makes a service (it needs ``twin``) once per twin."""
    if "twin" not in metafunc.fixturenames:
        return
    marker = metafunc.definition.get_closest_marker("sync_only")
    if marker is not None and not (marker.args or marker.kwargs.get("reason")):
        raise pytest.UsageError(f"{metafunc.definition.nodeid}: sync_only needs a reason")
    metafunc.parametrize("twin", ["sync"] if marker is not None else list(TWINS))


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


Made = list[DynamoDBService | SyncOverAsync]


def make_service(
    twin: str, endpoint_url: str, made: Made | None = None, /, **overrides: Any
) -> DynamoDBService:
    """A service of ``twin`` on ``endpoint_url`` (config overrides as keywords).

    The async twin comes behind ``SyncOverAsync``, typed as the blocking service whose
    interface it offers; ``made`` collects what ``close_all`` must close.
    """
    return service_of(twin, make_config(endpoint_url, **overrides), made)


def service_of(twin: str, config: DynamoDBConfig, made: Made | None = None) -> DynamoDBService:
    """A service of ``twin`` with ``config`` (see ``make_service``)."""
    service: DynamoDBService | SyncOverAsync
    if twin == "sync":
        service = DynamoDBService(logger=service_logger(), config=config)
    else:
        service = SyncOverAsync(AsyncDynamoDBService(logger=service_logger(), config=config))
    if made is not None:
        made.append(service)
    return cast(DynamoDBService, service)


def close_all(made: Made) -> None:
    """Close every service made (the async twin's adapter: its loop and thread too)."""
    for service in made:
        if isinstance(service, SyncOverAsync):
            service.shutdown()
        else:
            service.close()


def _factory(twin: str, endpoint_url: str, made: Made) -> ServiceFactory:
    def make(**overrides: Any) -> DynamoDBService:
        return make_service(twin, endpoint_url, made, **overrides)

    return make


@pytest.fixture
def service_via_proxy(proxy: FaultProxy, twin: str) -> Iterator[ServiceFactory]:
    """Services of ``twin`` on ``proxy.endpoint_url`` (config overrides), closed afterwards."""
    made: Made = []
    try:
        yield _factory(twin, proxy.endpoint_url, made)
    finally:
        close_all(made)


@pytest.fixture
def direct_service(dynamodb_endpoint: str, twin: str) -> Iterator[ServiceFactory]:
    """Services of ``twin`` straight on DynamoDB Local (no proxy), closed afterwards."""
    made: Made = []
    try:
        yield _factory(twin, dynamodb_endpoint, made)
    finally:
        close_all(made)
