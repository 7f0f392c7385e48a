"""The orders API's routes on aioboto3's resource ``Table``: the load test's peer.

The same routes, statuses and JSON bodies as ``examples/orders_api``, written the way an
aioboto3 user writes them: one resource made in the lifespan, ``Table`` calls with
boto3's condition objects, the order's transaction through the resource's client (which takes Python
values, like the ``Table``), and a
cursor that is base64 of ``LastEvaluatedKey``. The HTTP side (Pydantic models, error
handlers, ``If-Match`` parsing) and the timeouts are the example's own, so the two apps
differ only in how they talk to DynamoDB.

Run: ``ORDERS_TABLE=... uvicorn --factory bench.orders_api_aioboto3:create_app``.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import os
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import aioboto3  # type: ignore[import-untyped]
from aiobotocore.config import AioConfig
from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError, ConnectionError, HTTPClientError
from fastapi import Depends, FastAPI, Header, Path, Query, Request, Response, status

from examples.orders_api import settings
from examples.orders_api.app import dynamodb_failed, refused, unreachable
from examples.orders_api.models import (
    USER_ID_PATTERN,
    Health,
    Order,
    OrderIn,
    OrdersPage,
    User,
    UserIn,
    UserPatch,
)
from examples.orders_api.routes import MAX_PAGE_SIZE, PAGE_SIZE, Unavailable, expected_version
from examples.orders_api.store import (
    CONFLICT_ATTEMPTS,
    CONFLICT_BACKOFF_SECONDS,
    COUNT_ORDER,
    ORDER_PREFIX,
    BadCursor,
    Contended,
    Refusal,
    UserExists,
    UserNotFound,
    VersionMoved,
    new_order_id,
    user_key,
)

BAD_CURSOR = "cursor is not one this API made for these orders"


class Dynamo:
    """The resource's ``Table`` and client, made once in the lifespan."""

    def __init__(self, table: Any, client: Any, table_name: str) -> None:
        self.table, self.client, self.name = table, client, table_name


def get_dynamo(request: Request) -> Dynamo:
    dynamo: Dynamo = request.app.state.dynamo
    return dynamo


Db = Annotated[Dynamo, Depends(get_dynamo)]
UserIdPath = Annotated[str, Path(pattern=USER_ID_PATTERN)]


def orders_of(user_id: str) -> Any:
    return Key("pk").eq(f"USER#{user_id}") & Key("sk").begins_with(ORDER_PREFIX)


def encode_cursor(key: dict[str, Any] | None) -> str | None:
    if key is None:
        return None
    return base64.urlsafe_b64encode(json.dumps(key).encode()).rstrip(b"=").decode()


def decode_cursor(cursor: str) -> dict[str, Any]:
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError):
        raise BadCursor(BAD_CURSOR) from None
    if not isinstance(key, dict) or set(key) != {"pk", "sk"}:
        raise BadCursor(BAD_CURSOR)
    return key


async def create_user(body: UserIn, db: Db) -> User:
    created = User(**body.model_dump(), version=1, order_count=0)
    try:
        await db.table.put_item(
            Item={**user_key(body.id), **created.model_dump()},
            ConditionExpression=Attr("pk").not_exists(),
        )
    except db.client.exceptions.ConditionalCheckFailedException:
        raise UserExists(f"user {body.id} exists") from None
    return created


async def read_user(db: Dynamo, user_id: str) -> User:
    response = await db.table.get_item(Key=user_key(user_id), ConsistentRead=True)
    if "Item" not in response:
        raise UserNotFound(f"no user {user_id}")
    return User.model_validate(response["Item"])


async def get_user(user_id: UserIdPath, db: Db) -> User:
    return await read_user(db, user_id)


async def patch_user(
    user_id: UserIdPath, body: UserPatch, db: Db, if_match: Annotated[str | None, Header()] = None
) -> User:
    version = expected_version(if_match)
    names = {"#version": "version"}
    values: dict[str, Any] = {":expected": version, ":one": 1}
    sets = ["#version = #version + :one"]
    for field, value in body.model_dump(exclude_none=True).items():
        names[f"#{field}"], values[f":{field}"] = field, value
        sets.append(f"#{field} = :{field}")
    try:
        response = await db.table.update_item(
            Key=user_key(user_id),
            UpdateExpression="SET " + ", ".join(sets),
            ConditionExpression="attribute_exists(pk) AND #version = :expected",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
            ReturnValues="ALL_NEW",
        )
    except db.client.exceptions.ConditionalCheckFailedException:
        current = await read_user(db, user_id)
        raise VersionMoved(f"version is {current.version}, not {version}") from None
    return User.model_validate(response["Attributes"])


async def delete_user(user_id: UserIdPath, db: Db) -> Response:
    response = await db.table.delete_item(Key=user_key(user_id), ReturnValues="ALL_OLD")
    if "Attributes" not in response:
        raise UserNotFound(f"no user {user_id}")
    query: dict[str, Any] = {"KeyConditionExpression": orders_of(user_id)}
    query["ProjectionExpression"] = "pk, sk"
    async with db.table.batch_writer() as writer:
        while True:
            page = await db.table.query(**query)
            for key in page["Items"]:
                await writer.delete_item(Key=key)
            if "LastEvaluatedKey" not in page:
                break
            query["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def order_actions(db: Dynamo, user_id: str, placed: Order) -> list[dict[str, Any]]:
    """The order's transaction, in Python values: the resource's client converts them."""
    item = {"pk": f"USER#{user_id}", "sk": f"{ORDER_PREFIX}{placed.id}", **placed.model_dump()}
    return [
        {
            "Put": {
                "TableName": db.name,
                "Item": item,
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        },
        {
            "Update": {
                "TableName": db.name,
                "Key": user_key(user_id),
                "UpdateExpression": COUNT_ORDER,
                "ConditionExpression": "attribute_exists(pk)",
                "ExpressionAttributeNames": {"#version": "version"},
                "ExpressionAttributeValues": {":one": 1},
            }
        },
    ]


async def placed_once(db: Dynamo, actions: list[dict[str, Any]], token: str, user_id: str) -> bool:
    try:
        await db.client.transact_write_items(TransactItems=actions, ClientRequestToken=token)
    except db.client.exceptions.TransactionCanceledException as error:
        codes = [r.get("Code", "None") for r in error.response.get("CancellationReasons", [])]
        if codes[1:2] == ["ConditionalCheckFailed"]:
            raise UserNotFound(f"no user {user_id}") from None
        if "TransactionConflict" not in codes:
            raise
        return False
    return True


async def create_order(user_id: UserIdPath, body: OrderIn, db: Db) -> Order:
    placed = Order(**body.model_dump(), id=new_order_id(), user_id=user_id)
    actions = order_actions(db, user_id, placed)
    for attempt in range(CONFLICT_ATTEMPTS):
        if await placed_once(db, actions, f"{placed.id}-{attempt}", user_id):
            return placed
        await asyncio.sleep(random.uniform(0, CONFLICT_BACKOFF_SECONDS * 2**attempt))
    raise Contended(f"user {user_id} is busy with other orders: retry")


async def list_orders(
    user_id: UserIdPath,
    db: Db,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = PAGE_SIZE,
    cursor: Annotated[str | None, Query(max_length=4096)] = None,
) -> OrdersPage:
    query: dict[str, Any] = {"KeyConditionExpression": orders_of(user_id), "Limit": limit}
    if cursor is not None:
        query["ExclusiveStartKey"] = decode_cursor(cursor)
    try:
        response = await db.table.query(**query)
    except ClientError as error:
        if cursor is None or error.response["Error"]["Code"] != "ValidationException":
            raise
        raise BadCursor(BAD_CURSOR) from None
    items = [Order.model_validate(item) for item in response["Items"]]
    return OrdersPage(items=items, next=encode_cursor(response.get("LastEvaluatedKey")))


async def healthz(db: Db) -> Health:
    try:
        async with asyncio.timeout(1.0):
            await db.client.list_tables(Limit=1)
    except (TimeoutError, ClientError, ConnectionError, HTTPClientError):
        raise Unavailable("DynamoDB cannot be reached") from None
    return Health()


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    table_name = os.environ[settings.TABLE_ENV]
    config = AioConfig(
        connect_timeout=settings.CONNECT_TIMEOUT_SECONDS,
        read_timeout=settings.READ_TIMEOUT_SECONDS,
        retries={"total_max_attempts": settings.MAX_ATTEMPTS, "mode": "standard"},
        max_pool_connections=settings.MAX_POOL_CONNECTIONS,
    )
    session = aioboto3.Session()
    async with session.resource(
        "dynamodb",
        region_name=os.environ.get(settings.REGION_ENV) or settings.DEFAULT_REGION,
        endpoint_url=os.environ.get(settings.ENDPOINT_ENV) or None,
        config=config,
    ) as resource:
        table = await resource.Table(table_name)
        app.state.dynamo = Dynamo(table, resource.meta.client, table_name)
        yield


def create_app() -> FastAPI:
    app = FastAPI(title="Orders API on aioboto3", lifespan=lifespan)
    app.post("/users", status_code=201)(create_user)
    app.get("/users/{user_id}")(get_user)
    app.patch("/users/{user_id}")(patch_user)
    app.delete("/users/{user_id}", status_code=204)(delete_user)
    app.post("/users/{user_id}/orders", status_code=201)(create_order)
    app.get("/users/{user_id}/orders")(list_orders)
    app.get("/healthz")(healthz)
    app.add_exception_handler(Refusal, refused)
    app.add_exception_handler(ConnectionError, unreachable)
    app.add_exception_handler(HTTPClientError, unreachable)
    app.add_exception_handler(ClientError, dynamodb_failed)
    return app
