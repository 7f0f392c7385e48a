"""API code with TypedDict items: checked by ``mypy --strict tests``, run by pytest."""

from __future__ import annotations

from typing import TypedDict

from src.services.dynamodb.dynamodb_models import Item, Page
from src.services.dynamodb.dynamodb_service import DynamoDBService


class UserKey(TypedDict):
    pk: str
    sk: int


class User(UserKey):
    name: str
    tags: set[str]


def test_a_typed_dict_item_is_written_and_read_back(service: DynamoDBService, table: str) -> None:
    # GIVEN an item typed as a TypedDict (a Mapping[str, object] to the service)
    user: User = {"pk": "u1", "sk": 1, "name": "Ada", "tags": {"admin"}}
    key: UserKey = {"pk": "u1", "sk": 1}
    # WHEN it is written, read and paged, with TypedDicts as items, keys and values
    service.put_item(user)
    old: Item | None = service.put_item(user, return_old=True)
    found: Item | None = service.get_item(key)
    page: Page = service.query_page("pk = :pk", {":pk": "u1"})
    service.batch_write_items([user])
    batch: list[Item] = service.batch_get_items([key])
    # THEN every result is the item, as plain values
    assert found == old == dict(user)
    assert page.items == batch == [dict(user)]
    assert page.cursor is None
    assert found is not None and isinstance(found["name"], str)
