"""The orders API's routes: HTTP in and out, the work done by the injected ``OrdersStore``."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response, status

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
from examples.orders_api.store import OrdersStore, Refusal

PING_TIMEOUT_SECONDS = 1.0
PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
VERSION = re.compile(r'"?([0-9]{1,18})"?')


class Unavailable(Refusal):
    """DynamoDB cannot be reached (or is throttling): try again shortly."""

    status_code = 503


class PreconditionRequired(Refusal):
    """A write that needs ``If-Match`` came without it."""

    status_code = 428


def get_store(request: Request) -> OrdersStore:
    """Return the app's one ``OrdersStore``, made by the lifespan."""
    store: OrdersStore = request.app.state.store
    return store


Store = Annotated[OrdersStore, Depends(get_store)]
UserIdPath = Annotated[str, Path(pattern=USER_ID_PATTERN)]
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "A malformed If-Match or a cursor this API did not make"},
    404: {"description": "No such user"},
    409: {"description": "The user exists, or is busy with other orders"},
    412: {"description": "The If-Match version moved"},
    428: {"description": "If-Match is missing"},
    503: {"description": "DynamoDB cannot be reached"},
}

router = APIRouter()


def expected_version(if_match: str | None) -> int:
    """Return the version an ``If-Match`` header names (``3`` or ``"3"``).

    Raises:
        PreconditionRequired: There is no ``If-Match``.
        Refusal: It is not a version number (400).
    """
    if if_match is None:
        raise PreconditionRequired("If-Match is required: send the user's version")
    match = VERSION.fullmatch(if_match.strip())
    if match is None:
        raise Refusal("If-Match must be the user's version, a number")
    return int(match.group(1))


@router.post("/users", status_code=status.HTTP_201_CREATED, responses=ERRORS)
async def create_user(body: UserIn, store: Store) -> User:
    """Create a user if the id is free: 201, or 409."""
    return await store.create_user(body)


@router.get("/users/{user_id}", responses=ERRORS)
async def get_user(user_id: UserIdPath, store: Store) -> User:
    """Return a user: 200, or 404."""
    return await store.get_user(user_id)


@router.patch("/users/{user_id}", responses=ERRORS)
async def patch_user(
    user_id: UserIdPath,
    body: UserPatch,
    store: Store,
    if_match: Annotated[str | None, Header()] = None,
) -> User:
    """Change a user if ``If-Match`` is still its version: 200, 404 or 412."""
    return await store.update_user(user_id, body, expected_version(if_match))


@router.delete("/users/{user_id}", status_code=status.HTTP_204_NO_CONTENT, responses=ERRORS)
async def delete_user(user_id: UserIdPath, store: Store) -> Response:
    """Delete a user and their orders: 204, or 404."""
    await store.delete_user(user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/users/{user_id}/orders", status_code=status.HTTP_201_CREATED, responses=ERRORS)
async def create_order(user_id: UserIdPath, body: OrderIn, store: Store) -> Order:
    """Place an order and count it on the user, in one transaction: 201, or 404."""
    return await store.create_order(user_id, body)


@router.get("/users/{user_id}/orders", responses=ERRORS)
async def list_orders(
    user_id: UserIdPath,
    store: Store,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = PAGE_SIZE,
    cursor: Annotated[str | None, Query(max_length=4096)] = None,
) -> OrdersPage:
    """Return a page of the user's orders and the next cursor (null: the end).

    A cursor this API did not hand out for these orders is a 400.
    """
    return await store.orders_page(user_id, limit, cursor)


@router.get("/healthz", responses={503: ERRORS[503]})
async def healthz(store: Store) -> Health:
    """Answer 200 when DynamoDB answers a call within a second, else 503."""
    if not await store.healthy(PING_TIMEOUT_SECONDS):
        raise Unavailable("DynamoDB cannot be reached")
    return Health()
