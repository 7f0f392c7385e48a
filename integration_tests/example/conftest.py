"""The orders API example on DynamoDB Local, driven through HTTP (httpx's ASGI transport).

Each test gets its own orders table (deleted afterwards) and the app configured the
way it is in production: from the environment, read by its lifespan, which the tests
run themselves (the ASGI transport does not).
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI

from examples.orders_api.app import create_app
from examples.orders_api.settings import ENDPOINT_ENV, TABLE_ENV, load_config
from examples.orders_api.store import create_orders_table
from integration_tests.support import unique_table_name
from src.services.dynamodb import AsyncDynamoDBService

pytestmark = pytest.mark.async_twin

BASE_URL = "http://orders.test"


@pytest.fixture
def anyio_backend() -> str:
    """Run the anyio-marked tests on asyncio (aiobotocore needs it)."""
    return "asyncio"


@pytest.fixture
def orders_table(
    dynamodb_endpoint: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> str:
    """This test's table name, and the environment the app reads at startup."""
    name = unique_table_name(request.node.name, prefix="orders")
    monkeypatch.setenv(ENDPOINT_ENV, dynamodb_endpoint)
    monkeypatch.setenv(TABLE_ENV, name)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    return name


@pytest.fixture
async def witness(orders_table: str) -> AsyncIterator[AsyncDynamoDBService]:
    """A service of the test's own on the orders table: it makes the table and drops it."""
    config = load_config(os.environ)
    logger = logging.getLogger("integration_tests.example")
    async with AsyncDynamoDBService(logger=logger, config=config) as service:
        await create_orders_table(service, orders_table)
        try:
            yield service
        finally:
            await service.delete_table(orders_table)


@asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Run ``app``'s lifespan and yield an HTTP client talking to it."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
            yield client


@pytest.fixture
async def client(witness: AsyncDynamoDBService) -> AsyncIterator[httpx.AsyncClient]:
    """The orders API on this test's table, started and (afterwards) shut down."""
    async with serving(create_app()) as http:
        yield http
