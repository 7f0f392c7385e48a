"""The orders API when DynamoDB is away or refuses, at startup and at shutdown."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from devtools.dynamodb_local import free_port
from examples.orders_api.app import create_app
from examples.orders_api.settings import ENDPOINT_ENV, TABLE_ENV, TRANSPORT_ENV, SettingsError
from integration_tests.example.conftest import serving
from src.services.dynamodb import AsyncDynamoDBService

pytestmark = [pytest.mark.anyio, pytest.mark.async_twin]

UNREACHABLE = {"detail": "DynamoDB cannot be reached"}
BOUND_SECONDS = 5.0
"""Far above what a refused connection costs (two attempts, at most 1 s of backoff)."""


@pytest.fixture
def silent_endpoint() -> Iterator[str]:
    """A loopback port that takes connections (the kernel's backlog) and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


async def test_healthz_answers_200_when_dynamodb_answers(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")

    assert (response.status_code, response.json()) == (200, {"status": "ok"})


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/users/alice", None),
        ("POST", "/users", {"id": "alice", "name": "A", "email": "a@b.c"}),
        ("POST", "/users/alice/orders", {"item": "tea", "quantity": 1}),
        ("GET", "/users/alice/orders", None),
        ("DELETE", "/users/alice", None),
        ("GET", "/healthz", None),
    ],
)
async def test_an_endpoint_that_refuses_connections_answers_503_at_once(
    orders_table: str,
    monkeypatch: pytest.MonkeyPatch,
    method: str,
    path: str,
    body: dict[str, Any] | None,
) -> None:
    monkeypatch.setenv(ENDPOINT_ENV, f"http://127.0.0.1:{free_port()}")
    async with serving(create_app()) as client:
        started = time.monotonic()
        response = await client.request(method, path, json=body)
        elapsed = time.monotonic() - started

    assert (response.status_code, response.json()) == (503, UNREACHABLE)
    assert response.headers["Retry-After"] == "1"
    assert elapsed < BOUND_SECONDS


async def test_healthz_on_an_endpoint_that_never_answers_answers_503_within_its_timeout(
    orders_table: str, monkeypatch: pytest.MonkeyPatch, silent_endpoint: str
) -> None:
    monkeypatch.setenv(ENDPOINT_ENV, silent_endpoint)
    async with serving(create_app()) as client:
        started = time.monotonic()
        response = await client.get("/healthz")
        elapsed = time.monotonic() - started

    assert (response.status_code, response.json()) == (503, UNREACHABLE)
    assert elapsed < BOUND_SECONDS


async def test_a_read_on_an_endpoint_that_never_answers_answers_503_within_its_timeouts(
    orders_table: str, monkeypatch: pytest.MonkeyPatch, silent_endpoint: str
) -> None:
    monkeypatch.setenv(ENDPOINT_ENV, silent_endpoint)
    async with serving(create_app()) as client:
        started = time.monotonic()
        response = await client.get("/users/alice")
        elapsed = time.monotonic() - started

    assert (response.status_code, response.json()) == (503, UNREACHABLE)
    assert elapsed < 2 * BOUND_SECONDS  # two attempts of a 3 s read timeout, and a backoff


async def test_throttling_answers_503_and_other_refusals_500(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    codes = iter(["ProvisionedThroughputExceededException", "AccessDeniedException"])

    async def refuse(service: AsyncDynamoDBService, *args: Any, **kwargs: Any) -> None:
        code = next(codes)
        error_class = getattr(service.exceptions, code, service.exceptions.ClientError)
        raise error_class({"Error": {"Code": code, "Message": "no"}}, "GetItem")

    monkeypatch.setattr(AsyncDynamoDBService, "get_item", refuse)

    throttled = await client.get("/users/alice")
    denied = await client.get("/users/alice")

    assert (throttled.status_code, throttled.json()) == (503, {"detail": "DynamoDB is busy"})
    assert (denied.status_code, denied.json()) == (500, {"detail": "DynamoDB refused the request"})


async def test_settings_are_validated_at_startup(
    orders_table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app()
    monkeypatch.setenv("AWS_REGION", "moon-base-1")
    with pytest.raises(ValidationError, match="region_name"):
        async with app.router.lifespan_context(app):
            pass
    monkeypatch.setenv("AWS_REGION", "eu-west-3")
    monkeypatch.setenv(ENDPOINT_ENV, "localhost:8000")
    with pytest.raises(ValidationError, match="endpoint_url"):
        async with app.router.lifespan_context(app):
            pass
    monkeypatch.setenv(ENDPOINT_ENV, "http://127.0.0.1:8000")
    monkeypatch.setenv(TRANSPORT_ENV, "carrier-pigeon")
    with pytest.raises(ValidationError, match="transport"):
        async with app.router.lifespan_context(app):
            pass
    monkeypatch.delenv(TRANSPORT_ENV)
    monkeypatch.setenv(TABLE_ENV, "no")
    with pytest.raises(ValidationError, match="default_table_name"):
        async with app.router.lifespan_context(app):
            pass
    monkeypatch.delenv(TABLE_ENV)
    with pytest.raises(SettingsError, match=TABLE_ENV):
        async with app.router.lifespan_context(app):
            pass


async def test_the_one_service_is_shared_and_closed_at_shutdown(
    witness: AsyncDynamoDBService, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[AsyncDynamoDBService] = []
    closed: list[AsyncDynamoDBService] = []
    real_init, real_close = AsyncDynamoDBService.__init__, AsyncDynamoDBService.close

    def init(service: AsyncDynamoDBService, *args: Any, **kwargs: Any) -> None:
        made.append(service)
        real_init(service, *args, **kwargs)

    async def close(service: AsyncDynamoDBService) -> None:
        closed.append(service)
        await real_close(service)

    monkeypatch.setattr(AsyncDynamoDBService, "__init__", init)
    monkeypatch.setattr(AsyncDynamoDBService, "close", close)

    async with serving(create_app()) as client:
        answers = [(await client.get(path)).status_code for path in ("/healthz", "/users/a") * 3]
        assert (len(made), closed) == (1, [])

    assert answers == [200, 404] * 3
    assert closed == made
    with pytest.raises(RuntimeError):
        await made[0].get_item({"pk": "USER#alice", "sk": "PROFILE"})
