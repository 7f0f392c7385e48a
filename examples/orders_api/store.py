"""The orders API's data, on one table with single-table keys, through ``AsyncDynamoDBService``.

A user is the item ``pk=USER#<id>, sk=PROFILE``; each of their orders is
``pk=USER#<id>, sk=ORDER#<order id>``, so one ``Query`` reads a user's orders in
the order they were placed. What DynamoDB refuses comes back as a ``Refusal``
that names its HTTP status; everything else propagates as the service raised it.

Items are the service's typed items: a user is written as a ``UserItem`` and an order
as an ``OrderItem`` (the API's ``User`` and ``Order`` plus their ``pk``/``sk``, declared
with ``Field(alias=...)``), and read straight into the API's ``User`` and ``Order``
(``get_item(key, model=User)``, ``query_page(..., model=Order)``), which ignore the key
attributes. A stored item that does not fit its model is the service's
``ItemValidationError``: a 500, never taken for a bad cursor. The user's update
expressions and the order's transaction ``Update`` stay expressions.
"""

from __future__ import annotations

import asyncio
import random
import secrets
import time
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError
from mypy_boto3_dynamodb.type_defs import AttributeDefinitionTypeDef, KeySchemaElementTypeDef
from pydantic import ConfigDict, Field

from examples.orders_api.models import Order, OrderIn, OrdersPage, User, UserIn, UserPatch
from src.services.dynamodb import ItemValidationError, Put, Update

if TYPE_CHECKING:
    from src.services.dynamodb import AsyncDynamoDBService

PROFILE = "PROFILE"
ORDER_PREFIX = "ORDER#"
KEY_SCHEMA: list[KeySchemaElementTypeDef] = [
    {"AttributeName": "pk", "KeyType": "HASH"},
    {"AttributeName": "sk", "KeyType": "RANGE"},
]
ATTRIBUTES: list[AttributeDefinitionTypeDef] = [
    {"AttributeName": "pk", "AttributeType": "S"},
    {"AttributeName": "sk", "AttributeType": "S"},
]
CONFLICT_ATTEMPTS = 4
"""Tries of an order's transaction while other transactions hold the user's item."""
CONFLICT_BACKOFF_SECONDS = 0.02
ORDERS_OF = "pk = :pk AND begins_with(sk, :prefix)"
COUNT_ORDER = "SET #version = #version + :one, order_count = order_count + :one"


class Refusal(Exception):
    """An outcome the API answers with a 4xx/5xx status and ``{"detail": ...}``."""

    status_code = 400

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class UserExists(Refusal):
    """``POST /users`` for an id that is taken."""

    status_code = 409


class UserNotFound(Refusal):
    """No user has this id."""

    status_code = 404


class VersionMoved(Refusal):
    """The ``If-Match`` version is not the user's version any more."""

    status_code = 412


class BadCursor(Refusal):
    """A page cursor this API did not hand out for this read."""

    status_code = 400


class Contended(Refusal):
    """An order's transaction kept colliding with others on the same user."""

    status_code = 409


def user_pk(user_id: str) -> str:
    """Return the partition key of the user ``user_id`` and their orders."""
    return f"USER#{user_id}"


def user_key(user_id: str) -> dict[str, str]:
    """Return the primary key of the user ``user_id``."""
    return {"pk": user_pk(user_id), "sk": PROFILE}


class UserItem(User):
    """A user as stored: the API's ``User`` at ``pk=USER#<id>, sk=PROFILE``.

    Written with ``put_item(UserItem.of(user))``; read back as a plain ``User``.
    """

    model_config = ConfigDict(populate_by_name=True)

    partition_key: str = Field(alias="pk")
    sort_key: str = Field(alias="sk")

    @classmethod
    def of(cls, user: User) -> UserItem:
        """Return ``user`` under its primary key."""
        return cls(**user.model_dump(), partition_key=user_pk(user.id), sort_key=PROFILE)


class OrderItem(Order):
    """An order as stored: the API's ``Order`` at ``pk=USER#<user id>, sk=ORDER#<id>``.

    Written by the order's transaction (``Put(OrderItem.of(order))``); read back as a
    plain ``Order``.
    """

    model_config = ConfigDict(populate_by_name=True)

    partition_key: str = Field(alias="pk")
    sort_key: str = Field(alias="sk")

    @classmethod
    def of(cls, order: Order) -> OrderItem:
        """Return ``order`` under its primary key."""
        return cls(
            **order.model_dump(),
            partition_key=user_pk(order.user_id),
            sort_key=f"{ORDER_PREFIX}{order.id}",
        )


def new_order_id() -> str:
    """Return a new order id that sorts in the order ids were made (milliseconds first)."""
    return f"{time.time_ns() // 1_000_000:012x}{secrets.token_hex(6)}"


def cancellation_codes(error: ClientError) -> list[str]:
    """Return the per-action reason codes of a ``TransactionCanceledException``."""
    reasons: list[dict[str, Any]] = error.response.get("CancellationReasons", [])  # type: ignore[assignment]
    return [str(reason.get("Code", "None")) for reason in reasons]


async def create_orders_table(service: AsyncDynamoDBService, table_name: str) -> None:
    """Create the orders table (``pk``/``sk``, on demand); return once it is active."""
    await service.create_table(table_name, KEY_SCHEMA, ATTRIBUTES, billing_mode="PAY_PER_REQUEST")


class OrdersStore:
    """Users and their orders in the service's default table."""

    def __init__(self, service: AsyncDynamoDBService) -> None:
        """Use ``service`` (its ``default_table_name`` is the orders table)."""
        self._service = service

    async def healthy(self, timeout_seconds: float) -> bool:
        """Return whether DynamoDB answers one call within ``timeout_seconds``."""
        return await self._service.ping(timeout_seconds=timeout_seconds)

    async def create_user(self, user: UserIn) -> User:
        """Store a new user at version 1.

        Raises:
            UserExists: The id is taken.
        """
        created = User(**user.model_dump(), version=1, order_count=0)
        try:
            await self._service.put_item(
                UserItem.of(created),
                condition_expression="attribute_not_exists(pk)",
            )
        except self._service.exceptions.ConditionalCheckFailedException:
            raise UserExists(f"user {user.id} exists") from None
        return created

    async def get_user(self, user_id: str) -> User:
        """Return the user, read consistently (its version is what ``If-Match`` needs).

        Raises:
            UserNotFound: There is no such user.
        """
        user = await self._service.get_item(user_key(user_id), consistent_read=True, model=User)
        if user is None:
            raise UserNotFound(f"no user {user_id}")
        return user

    async def update_user(self, user_id: str, patch: UserPatch, version: int) -> User:
        """Apply ``patch`` if the user is still at ``version``; return the user after it.

        Raises:
            UserNotFound: There is no such user.
            VersionMoved: The user's version is no longer ``version``.
        """
        names = {"#version": "version"}
        values: dict[str, object] = {":expected": version, ":one": 1}
        sets = ["#version = #version + :one"]
        for field, value in patch.model_dump(exclude_none=True).items():
            names[f"#{field}"] = field
            values[f":{field}"] = value
            sets.append(f"#{field} = :{field}")
        try:
            item = await self._service.update_item(
                user_key(user_id),
                "SET " + ", ".join(sets),
                values,
                condition_expression="attribute_exists(pk) AND #version = :expected",
                expression_attribute_names=names,
            )
        except self._service.exceptions.ConditionalCheckFailedException:
            current = await self.get_user(user_id)
            raise VersionMoved(f"version is {current.version}, not {version}") from None
        return User.model_validate(item)

    async def delete_user(self, user_id: str) -> None:
        """Delete the user, then their orders.

        Raises:
            UserNotFound: There was no such user.
        """
        if await self._service.delete_item(user_key(user_id), return_old=True) is None:
            raise UserNotFound(f"no user {user_id}")
        orders = await self._service.query(
            ORDERS_OF, self._orders_of(user_id), projection_expression="pk, sk"
        )
        if orders:
            await self._service.batch_delete_items(orders)

    async def create_order(self, user_id: str, order: OrderIn) -> Order:
        """Write the order and count it on its user, in one transaction.

        Raises:
            UserNotFound: There is no such user.
            Contended: Other transactions on the user kept winning.
        """
        placed = Order(**order.model_dump(), id=new_order_id(), user_id=user_id)
        actions: list[Put | Update] = [
            Put(OrderItem.of(placed), condition_expression="attribute_not_exists(pk)"),
            Update(
                user_key(user_id),
                COUNT_ORDER,
                {":one": 1},
                condition_expression="attribute_exists(pk)",
                expression_attribute_names={"#version": "version"},
            ),
        ]
        for attempt in range(CONFLICT_ATTEMPTS):
            if await self._placed(actions, token=f"{placed.id}-{attempt}", user_id=user_id):
                return placed
            await asyncio.sleep(random.uniform(0, CONFLICT_BACKOFF_SECONDS * 2**attempt))
        raise Contended(f"user {user_id} is busy with other orders: retry")

    async def _placed(self, actions: list[Put | Update], *, token: str, user_id: str) -> bool:
        """Run the order's transaction; False when it lost to another transaction."""
        try:
            await self._service.transact_write_items(actions, client_request_token=token)
        except self._service.exceptions.TransactionCanceledException as error:
            codes = cancellation_codes(error)
            if codes[1:2] == ["ConditionalCheckFailed"]:
                raise UserNotFound(f"no user {user_id}") from None
            if "TransactionConflict" not in codes:
                raise
            return False
        return True

    async def orders_page(self, user_id: str, limit: int, cursor: str | None) -> OrdersPage:
        """Return up to ``limit`` of the user's orders after ``cursor``, and the next cursor.

        Raises:
            BadCursor: ``cursor`` was not handed out for this user's orders.
        """
        try:
            page = await self._service.query_page(
                ORDERS_OF, self._orders_of(user_id), page_size=limit, cursor=cursor, model=Order
            )
        except ItemValidationError:  # a stored order that does not fit: a 500, not the cursor's
            raise
        except ValueError:  # the service's verdict on a cursor it did not make
            if cursor is None:
                raise
            raise BadCursor("cursor is not one this API made for these orders") from None
        except ClientError as error:  # a cursor of another user's orders: DynamoDB's verdict
            if cursor is None or error.response["Error"]["Code"] != "ValidationException":
                raise
            raise BadCursor("cursor is not one this API made for these orders") from None
        return OrdersPage(items=page.items, next=page.cursor)

    @staticmethod
    def _orders_of(user_id: str) -> dict[str, object]:
        return {":pk": user_pk(user_id), ":prefix": ORDER_PREFIX}
