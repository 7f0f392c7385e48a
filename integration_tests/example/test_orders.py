"""The order routes of the orders API, through HTTP: transactions, counts, pages, cursors."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from examples.orders_api.store import ORDERS_OF, create_orders_table
from src.services.dynamodb import AsyncDynamoDBService, ItemValidationError

pytestmark = [pytest.mark.anyio, pytest.mark.async_twin]

TEA = {"item": "tea", "quantity": 2}


async def user(client: httpx.AsyncClient, user_id: str = "alice") -> None:
    body = {"id": user_id, "name": user_id.title(), "email": f"{user_id}@example.com"}
    assert (await client.post("/users", json=body)).status_code == 201


async def order(client: httpx.AsyncClient, n: int, user_id: str = "alice") -> dict[str, Any]:
    response = await client.post(f"/users/{user_id}/orders", json={"item": f"i{n}", "quantity": n})
    assert response.status_code == 201
    placed: dict[str, Any] = response.json()
    return placed


async def stored_orders(witness: AsyncDynamoDBService, user_id: str) -> list[dict[str, Any]]:
    return await witness.query(ORDERS_OF, {":pk": f"USER#{user_id}", ":prefix": "ORDER#"})


async def test_create_order_answers_201_and_counts_it_on_the_user(
    client: httpx.AsyncClient, witness: AsyncDynamoDBService
) -> None:
    await user(client)

    response = await client.post("/users/alice/orders", json=TEA)

    assert response.status_code == 201
    placed = response.json()
    assert placed == {**TEA, "id": placed["id"], "user_id": "alice"}
    after = (await client.get("/users/alice")).json()
    assert (after["order_count"], after["version"]) == (1, 2)
    assert [o["id"] for o in await stored_orders(witness, "alice")] == [placed["id"]]


async def test_order_for_an_unknown_user_answers_404_and_writes_nothing(
    client: httpx.AsyncClient, witness: AsyncDynamoDBService
) -> None:
    response = await client.post("/users/bob/orders", json=TEA)

    assert response.status_code == 404
    assert response.json() == {"detail": "no user bob"}
    assert await witness.scan() == []


@pytest.mark.parametrize("body", [{"item": "tea"}, {"item": "tea", "quantity": 0}, {"item": ""}])
async def test_a_malformed_order_answers_422(
    client: httpx.AsyncClient, body: dict[str, object]
) -> None:
    await user(client)

    assert (await client.post("/users/alice/orders", json=body)).status_code == 422


async def test_50_concurrent_orders_are_all_counted_exactly(
    client: httpx.AsyncClient, witness: AsyncDynamoDBService
) -> None:
    await user(client)

    placed = await asyncio.gather(*(order(client, n) for n in range(1, 51)))

    after = (await client.get("/users/alice")).json()
    assert (after["order_count"], after["version"]) == (50, 51)
    ids = {o["id"] for o in placed}
    assert len(ids) == 50
    assert {o["id"] for o in await stored_orders(witness, "alice")} == ids


async def test_a_conflicting_transaction_is_tried_again(
    client: httpx.AsyncClient, witness: AsyncDynamoDBService, monkeypatch: pytest.MonkeyPatch
) -> None:
    await user(client)
    real = AsyncDynamoDBService.transact_write_items
    tokens: list[str | None] = []

    async def lose_once(
        service: AsyncDynamoDBService, actions: Any, *, client_request_token: str | None = None
    ) -> None:
        tokens.append(client_request_token)
        if len(tokens) == 1:
            reasons = [{"Code": "None"}, {"Code": "TransactionConflict"}]
            response: Any = {"Error": {"Code": "TransactionCanceledException", "Message": "x"}}
            response["CancellationReasons"] = reasons
            raise service.exceptions.TransactionCanceledException(response, "TransactWriteItems")
        await real(service, actions, client_request_token=client_request_token)

    monkeypatch.setattr(AsyncDynamoDBService, "transact_write_items", lose_once)

    placed = await order(client, 1)

    assert tokens == [f"{placed['id']}-0", f"{placed['id']}-1"]
    assert (await client.get("/users/alice")).json()["order_count"] == 1
    assert len(await stored_orders(witness, "alice")) == 1


async def test_a_page_walk_through_http_equals_a_query(
    client: httpx.AsyncClient, witness: AsyncDynamoDBService
) -> None:
    await user(client)
    await user(client, "bob")
    for n in range(1, 24):
        await order(client, n)
    await order(client, 1, "bob")
    walked: list[dict[str, Any]] = []
    pages, cursor = 0, None

    while pages == 0 or cursor is not None:
        params = {"limit": 5} | ({} if cursor is None else {"cursor": cursor})
        response = await client.get("/users/alice/orders", params=params)
        assert response.status_code == 200
        body = response.json()
        assert len(body["items"]) <= 5
        walked.extend(body["items"])
        cursor, pages = body["next"], pages + 1

    expected = [
        {k: o[k] for k in ("id", "user_id", "item", "quantity")}
        for o in await stored_orders(witness, "alice")
    ]
    assert walked == expected
    assert len(walked) == 23
    assert pages == 5
    assert [o["quantity"] for o in walked] == list(range(1, 24))


async def test_a_page_of_a_user_without_orders_is_empty_with_no_next(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/users/nobody/orders")

    assert response.status_code == 200
    assert response.json() == {"items": [], "next": None}


@pytest.mark.parametrize("limit", [0, 101, -1])
async def test_a_limit_out_of_range_answers_422(client: httpx.AsyncClient, limit: int) -> None:
    assert (await client.get("/users/alice/orders", params={"limit": limit})).status_code == 422


async def next_cursor(client: httpx.AsyncClient, user_id: str) -> str:
    response = await client.get(f"/users/{user_id}/orders", params={"limit": 1})
    cursor: str = response.json()["next"]
    assert cursor
    return cursor


async def another_tables_cursor(witness: AsyncDynamoDBService, orders_table: str) -> str:
    """A cursor of a query in a table like this one, with the same keys."""
    other = f"{orders_table[:200]}-other"
    await create_orders_table(witness, other)
    try:
        for sk in ("ORDER#1", "ORDER#2"):
            await witness.put_item({"pk": "USER#alice", "sk": sk}, other)
        page = await witness.query_page(
            ORDERS_OF, {":pk": "USER#alice", ":prefix": "ORDER#"}, other, page_size=1
        )
    finally:
        await witness.delete_table(other)
    assert page.cursor is not None
    return page.cursor


async def test_cursors_the_api_did_not_make_for_these_orders_answer_400(
    client: httpx.AsyncClient, witness: AsyncDynamoDBService, orders_table: str
) -> None:
    await user(client)
    await user(client, "bob")
    for n in (1, 2):
        await order(client, n)
        await order(client, n, "bob")
    mine = await next_cursor(client, "alice")
    bobs = await next_cursor(client, "bob")
    edited = mine[:-2] + ("AA" if mine[-2:] != "AA" else "BB")
    other_table = await another_tables_cursor(witness, orders_table)
    foreign = {
        "garbage": "not-a-cursor",
        "truncated": mine[:-4],
        "edited": edited,
        "another user's": bobs,
        "another table's": other_table,
    }

    answers = {
        name: await client.get("/users/alice/orders", params={"cursor": cursor})
        for name, cursor in foreign.items()
    }

    assert {name: r.status_code for name, r in answers.items()} == dict.fromkeys(foreign, 400)
    assert {r.json()["detail"] for r in answers.values()} == {
        "cursor is not one this API made for these orders"
    }
    assert (await client.get("/users/alice/orders", params={"cursor": mine})).status_code == 200


async def test_users_and_orders_are_stored_with_their_single_table_keys(
    client: httpx.AsyncClient, witness: AsyncDynamoDBService
) -> None:
    await user(client)
    placed = await order(client, 3)

    assert await witness.scan() == [
        {
            "pk": "USER#alice",
            "sk": f"ORDER#{placed['id']}",
            "id": placed["id"],
            "user_id": "alice",
            "item": "i3",
            "quantity": 3,
        },
        {
            "pk": "USER#alice",
            "sk": "PROFILE",
            "id": "alice",
            "name": "Alice",
            "email": "alice@example.com",
            "version": 2,
            "order_count": 1,
        },
    ]


async def test_a_stored_order_that_does_not_fit_is_a_server_error_not_a_bad_cursor(
    client: httpx.AsyncClient, witness: AsyncDynamoDBService
) -> None:
    await user(client)
    await order(client, 1)
    await witness.put_item({"pk": "USER#alice", "sk": "ORDER#~", "quantity": "lots"})
    cursor = await next_cursor(client, "alice")

    # Not answered by the app (no 400): raised, the server's 500 (the ASGI transport re-raises).
    with pytest.raises(ItemValidationError, match="does not fit Order"):
        await client.get("/users/alice/orders", params={"cursor": cursor})
