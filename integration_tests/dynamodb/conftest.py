"""Fixtures for the DynamoDB service against real DynamoDB Local.

Every test gets its own services (closed afterwards) and its own uniquely named
tables (deleted afterwards, whether the test passed or failed).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any, Protocol, cast

import pytest
from mypy_boto3_dynamodb.type_defs import (
    AttributeDefinitionTypeDef,
    GlobalSecondaryIndexTypeDef,
)

from integration_tests.support import (
    ATTRIBUTES,
    KEY_SCHEMA,
    ServiceFactory,
    SyncOverAsync,
    make_config,
    unique_table_name,
    watch_sends,
)
from src.services.dynamodb.async_dynamodb_service import AsyncDynamoDBService
from src.services.dynamodb.dynamodb_service import DynamoDBService

LOGGER_NAME = "integration_tests.dynamodb"
GSI_NAME = "by_owner"

GSI_ATTRIBUTES: list[AttributeDefinitionTypeDef] = [
    *ATTRIBUTES,
    {"AttributeName": "owner", "AttributeType": "S"},
    {"AttributeName": "rank", "AttributeType": "N"},
]
GSI: GlobalSecondaryIndexTypeDef = {
    "IndexName": GSI_NAME,
    "KeySchema": [
        {"AttributeName": "owner", "KeyType": "HASH"},
        {"AttributeName": "rank", "KeyType": "RANGE"},
    ],
    "Projection": {"ProjectionType": "ALL"},
}


class TableFactory(Protocol):
    """Makes a uniquely named table (pk S, sk N), optionally with the ``by_owner`` GSI.

    ``through`` is the service that creates it (default: the test's ``service``).
    """

    def __call__(self, *, gsi: bool = False, through: DynamoDBService | None = None) -> str: ...


Sent = Callable[[DynamoDBService, str], list[dict[str, Any]]]
"""``sent(service, "Query")``: the list every later Query request body is appended to
(``sent(service, "*")``: every request of any operation)."""


def logger() -> logging.Logger:
    """The logger every service here logs to (caplog sees its records)."""
    log = logging.getLogger(LOGGER_NAME)
    log.setLevel(logging.DEBUG)
    return log


@pytest.fixture(scope="session")
def admin(dynamodb_endpoint: str) -> Iterator[DynamoDBService]:
    """A session-long service for setting up and tearing down tables; tests never close it."""
    with DynamoDBService(logger=logger(), config=make_config(dynamodb_endpoint)) as service:
        yield service


TWINS = ["sync", "async"]
"""Every test that makes a service runs against both twins: ``DynamoDBService`` itself,
and ``AsyncDynamoDBService`` through ``SyncOverAsync`` (its own loop in a thread)."""


@pytest.fixture(params=TWINS)
def twin(request: pytest.FixtureRequest) -> str:
    """Which service this run of the test uses: ``"sync"`` or ``"async"``."""
    twin: str = request.param
    return twin


@pytest.fixture
def service_factory(dynamodb_endpoint: str, twin: str) -> Iterator[ServiceFactory]:
    """Services on DynamoDB Local with config overrides, all closed after the test.

    For the ``async`` twin each is an ``AsyncDynamoDBService`` behind ``SyncOverAsync``,
    typed as the blocking service whose interface it offers.
    """
    made: list[DynamoDBService | SyncOverAsync] = []

    def make(**overrides: Any) -> DynamoDBService:
        config = make_config(dynamodb_endpoint, **overrides)
        if twin == "sync":
            made.append(DynamoDBService(logger=logger(), config=config))
            return cast(DynamoDBService, made[-1])
        adapter = SyncOverAsync(AsyncDynamoDBService(logger=logger(), config=config))
        made.append(adapter)
        return cast(DynamoDBService, adapter)

    try:
        yield make
    finally:
        for service in made:
            if isinstance(service, SyncOverAsync):
                service.shutdown()
            else:
                service.close()


@pytest.fixture
def service(service_factory: ServiceFactory) -> DynamoDBService:
    """A service on DynamoDB Local (keys local/local, us-east-1), closed after the test."""
    return service_factory()


def drop_table(admin: DynamoDBService, name: str) -> None:
    """Delete ``name`` if it is still there (a test may have deleted it itself)."""
    if admin.table_exists(name):
        admin.delete_table(name)


@pytest.fixture
def make_table(
    service: DynamoDBService, admin: DynamoDBService, request: pytest.FixtureRequest
) -> Iterator[TableFactory]:
    """Create tables through ``service``; every one is deleted after the test, even on failure."""
    made: list[str] = []

    def make(*, gsi: bool = False, through: DynamoDBService | None = None) -> str:
        name = unique_table_name(request.node.name)
        made.append(name)
        (through or service).create_table(
            name,
            KEY_SCHEMA,
            GSI_ATTRIBUTES if gsi else ATTRIBUTES,
            global_secondary_indexes=[GSI] if gsi else None,
        )
        return name

    try:
        yield make
    finally:
        for name in made:
            drop_table(admin, name)


@pytest.fixture
def table(make_table: TableFactory) -> str:
    """A uniquely named table of this test: ``pk`` (S) and ``sk`` (N)."""
    return make_table()


@pytest.fixture
def gsi_table(make_table: TableFactory) -> str:
    """A uniquely named table with the ``by_owner`` GSI (``owner`` S, ``rank`` N), ALL."""
    return make_table(gsi=True)


@pytest.fixture
def sent() -> Sent:
    """Record the request (as its JSON body holds it) of every call of one operation a
    service sends from now on, on either transport (``support.watch_sends``)."""

    def record(service: DynamoDBService, operation: str) -> list[dict[str, Any]]:
        bodies: list[dict[str, Any]] = []
        watch_sends(service, operation, before=lambda entry: bodies.append(entry.params))
        return bodies

    return record
