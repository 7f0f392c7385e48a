"""The JSON bodies of the orders API, as Pydantic models (the HTTP boundary).

``User`` and ``Order`` are also what a stored item is read into: the store passes them
to the service's typed reads (``get_item(..., model=User)``, ``query_page(...,
model=Order)``), and attributes they do not declare (``pk``, ``sk``) are ignored. The
store writes them as ``UserItem`` and ``OrderItem`` (``store.py``), which add the keys.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

USER_ID_PATTERN = r"^[A-Za-z0-9_.\-]{1,64}$"
"""A user id: 1-64 of ``A-Z a-z 0-9 _ . -`` (it becomes part of a DynamoDB key)."""

UserId = Annotated[str, Field(pattern=USER_ID_PATTERN)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Email = Annotated[str, Field(pattern=r"^[^@\s]{1,64}@[^@\s]{1,190}$")]


class UserIn(BaseModel):
    """``POST /users``: a new user."""

    model_config = ConfigDict(extra="forbid")

    id: UserId
    name: Name
    email: Email


class User(UserIn):
    """A user as the API returns it: every write adds one to ``version``."""

    model_config = ConfigDict(extra="ignore")

    version: int
    order_count: int


class UserPatch(BaseModel):
    """``PATCH /users/{id}``: the fields to change, at least one."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    email: Email | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> UserPatch:
        if self.name is None and self.email is None:
            raise ValueError("give name, email or both")
        return self


class OrderIn(BaseModel):
    """``POST /users/{id}/orders``: a new order."""

    model_config = ConfigDict(extra="forbid")

    item: Annotated[str, Field(min_length=1, max_length=200)]
    quantity: Annotated[int, Field(ge=1, le=1000)]


class Order(OrderIn):
    """An order as the API returns it."""

    model_config = ConfigDict(extra="ignore")

    id: str
    user_id: str


class OrdersPage(BaseModel):
    """``GET /users/{id}/orders``: one page, and the cursor of the next (None: the end)."""

    items: list[Order]
    next: str | None


class Health(BaseModel):
    """``GET /healthz``: DynamoDB answered."""

    status: str = "ok"
