"""The user routes of the orders API, through HTTP: every status they answer."""

from __future__ import annotations

import logging

import httpx
import pytest

from src.services.dynamodb import AsyncDynamoDBService

pytestmark = [pytest.mark.anyio, pytest.mark.async_twin]

ALICE = {"id": "alice", "name": "Alice", "email": "alice@example.com"}


async def create(client: httpx.AsyncClient, user: dict[str, str] = ALICE) -> httpx.Response:
    return await client.post("/users", json=user)


async def test_create_user_answers_201_with_version_1(client: httpx.AsyncClient) -> None:
    response = await create(client)

    assert response.status_code == 201
    assert response.json() == {**ALICE, "version": 1, "order_count": 0}


async def test_create_existing_user_answers_409_and_keeps_the_first(
    client: httpx.AsyncClient,
) -> None:
    await create(client)

    response = await create(client, {**ALICE, "name": "Mallory"})

    assert response.status_code == 409
    assert response.json() == {"detail": "user alice exists"}
    assert (await client.get("/users/alice")).json()["name"] == "Alice"


async def test_get_user_answers_200_then_404_for_an_unknown_id(client: httpx.AsyncClient) -> None:
    await create(client)

    found = await client.get("/users/alice")
    missing = await client.get("/users/bob")

    assert found.status_code == 200
    assert found.json() == {**ALICE, "version": 1, "order_count": 0}
    assert missing.status_code == 404
    assert missing.json() == {"detail": "no user bob"}


async def test_patch_with_the_current_version_answers_200_and_adds_one(
    client: httpx.AsyncClient,
) -> None:
    await create(client)

    response = await client.patch(
        "/users/alice", json={"name": "Alice B."}, headers={"If-Match": "1"}
    )

    assert response.status_code == 200
    assert response.json() == {**ALICE, "name": "Alice B.", "version": 2, "order_count": 0}
    assert (await client.get("/users/alice")).json()["version"] == 2


async def test_patch_with_a_moved_version_answers_412_and_changes_nothing(
    client: httpx.AsyncClient,
) -> None:
    await create(client)
    await client.patch("/users/alice", json={"email": "a@b.c"}, headers={"If-Match": '"1"'})

    response = await client.patch("/users/alice", json={"name": "Late"}, headers={"If-Match": "1"})

    assert response.status_code == 412
    assert response.json() == {"detail": "version is 2, not 1"}
    after = (await client.get("/users/alice")).json()
    assert (after["name"], after["email"], after["version"]) == ("Alice", "a@b.c", 2)


async def test_patch_of_an_unknown_user_answers_404(client: httpx.AsyncClient) -> None:
    response = await client.patch("/users/bob", json={"name": "B"}, headers={"If-Match": "1"})

    assert response.status_code == 404
    assert response.json() == {"detail": "no user bob"}


@pytest.mark.parametrize(
    ("headers", "status"),
    [({}, 428), ({"If-Match": "one"}, 400), ({"If-Match": "*"}, 400), ({"If-Match": "-1"}, 400)],
)
async def test_patch_needs_a_numeric_if_match(
    client: httpx.AsyncClient, headers: dict[str, str], status: int
) -> None:
    await create(client)

    response = await client.patch("/users/alice", json={"name": "B"}, headers=headers)

    assert response.status_code == status
    assert isinstance(response.json()["detail"], str)
    assert (await client.get("/users/alice")).json()["version"] == 1


async def test_patch_without_a_field_or_with_an_unknown_one_answers_422(
    client: httpx.AsyncClient,
) -> None:
    await create(client)

    empty = await client.patch("/users/alice", json={}, headers={"If-Match": "1"})
    unknown = await client.patch("/users/alice", json={"version": 9}, headers={"If-Match": "1"})

    assert (empty.status_code, unknown.status_code) == (422, 422)


async def test_delete_answers_204_then_404_and_takes_the_orders_along(
    client: httpx.AsyncClient, witness: AsyncDynamoDBService
) -> None:
    await create(client)
    await client.post("/users/alice/orders", json={"item": "tea", "quantity": 2})

    deleted = await client.delete("/users/alice")
    again = await client.delete("/users/alice")

    assert (deleted.status_code, deleted.content) == (204, b"")
    assert again.status_code == 404
    assert again.json() == {"detail": "no user alice"}
    assert (await client.get("/users/alice")).status_code == 404
    assert await witness.scan() == []


@pytest.mark.parametrize(
    "body",
    [
        {"id": "has space", "name": "A", "email": "a@b.c"},
        {"id": "a", "name": "", "email": "a@b.c"},
        {"id": "a", "name": "A", "email": "not-an-email"},
        {"id": "a", "name": "A"},
        {"id": "a", "name": "A", "email": "a@b.c", "version": 7},
    ],
)
async def test_a_malformed_user_answers_422_and_writes_nothing(
    client: httpx.AsyncClient, witness: AsyncDynamoDBService, body: dict[str, object]
) -> None:
    response = await client.post("/users", json=body)

    assert response.status_code == 422
    assert await witness.scan() == []


async def test_refusals_are_logged_at_info_not_error(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    await create(client)
    caplog.set_level(logging.INFO, logger="orders_api.dynamodb")

    assert (await create(client)).status_code == 409
    moved = await client.patch("/users/alice", json={"name": "B"}, headers={"If-Match": "7"})
    assert moved.status_code == 412
    unknown = await client.post("/users/bob/orders", json={"item": "tea", "quantity": 1})
    assert unknown.status_code == 404

    failures = [r for r in caplog.records if r.name == "orders_api.dynamodb" and "failed" in r.msg]
    operations = [r.__dict__["operation"] for r in failures]
    assert operations == ["put_item", "update_item", "transact_write_items"]
    assert {r.levelno for r in failures} == {logging.INFO}
