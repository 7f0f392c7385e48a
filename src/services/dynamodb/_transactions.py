"""Transaction requests: actions in, ``TransactItems`` out, every rule checked first. Pure."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ._keys import KeySchema, KeySchemaError
from ._requests import (
    condition_check_request,
    delete_request,
    get_request,
    put_request,
    update_request,
)
from ._values import identity
from .dynamodb_models import ConditionCheck, Delete, Get, Put, Update, WriteAction

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import (
        TransactGetItemsInputTypeDef,
        TransactGetItemTypeDef,
        TransactWriteItemsInputTypeDef,
        TransactWriteItemTypeDef,
    )

MAX_ACTIONS = 100
Resolve = Callable[[str | None], str]
KeySchemas = Callable[[str], KeySchema]


def check_count(actions: Sequence[object], what: str) -> None:
    """Raise unless ``actions`` is a list of 1 to 100 entries."""
    if not isinstance(actions, list | tuple):
        raise TypeError(f"{what} must be a list, not {type(actions).__name__}")
    if not 1 <= len(actions) <= MAX_ACTIONS:
        raise ValueError(f"a transaction takes 1 to {MAX_ACTIONS} {what}, got {len(actions)}")


class _Once:
    """Refuses a second action on the same item of the same table."""

    def __init__(self) -> None:
        self._seen: set[Hashable] = set()

    def check(self, table: str, key: Mapping[str, Any], what: str) -> None:
        marker = (table, identity(key))
        if marker in self._seen:
            raise KeySchemaError(f"{what} acts on an item of {table!r} that another action acts on")
        self._seen.add(marker)


def _write_item(
    action: WriteAction, table: str
) -> tuple[TransactWriteItemTypeDef, Mapping[str, Any]]:
    if isinstance(action, Put):
        put = put_request(
            table,
            action.item,
            action.condition_expression,
            action.expression_attribute_names,
            action.expression_attribute_values,
        )
        return {"Put": put}, put["Item"]
    if isinstance(action, Update):
        update = update_request(
            table,
            action.key,
            action.update_expression,
            action.condition_expression,
            action.expression_attribute_names,
            action.expression_attribute_values,
        )
        return {"Update": update}, update["Key"]
    if isinstance(action, Delete):
        delete = delete_request(
            table,
            action.key,
            action.condition_expression,
            action.expression_attribute_names,
            action.expression_attribute_values,
        )
        return {"Delete": delete}, delete["Key"]
    check = condition_check_request(
        table,
        action.key,
        action.condition_expression,
        action.expression_attribute_names,
        action.expression_attribute_values,
    )
    return {"ConditionCheck": check}, check["Key"]


def write_request(
    actions: Sequence[WriteAction], token: str | None, resolve: Resolve, key_schema: KeySchemas
) -> TransactWriteItemsInputTypeDef:
    """Build a ``TransactWriteItems`` request, checking count, keys and duplicates."""
    check_count(actions, "actions")
    once = _Once()
    items: list[TransactWriteItemTypeDef] = []
    for index, action in enumerate(actions):
        what = f"actions[{index}]"
        if not isinstance(action, Put | Update | Delete | ConditionCheck):
            raise TypeError(
                f"{what} is a {type(action).__name__}, not a Put, Update, Delete or ConditionCheck"
            )
        table = resolve(action.table_name)
        item, wire = _write_item(action, table)
        once.check(
            table, key_schema(table).key_of(wire, what, exact=not isinstance(action, Put)), what
        )
        items.append(item)
    request: TransactWriteItemsInputTypeDef = {"TransactItems": items}
    if token is not None:
        if not isinstance(token, str) or not 1 <= len(token) <= 36:
            raise ValueError("client_request_token must be a str of 1 to 36 characters")
        request["ClientRequestToken"] = token
    return request


def get_request_items(
    gets: Sequence[Get], resolve: Resolve, key_schema: KeySchemas
) -> TransactGetItemsInputTypeDef:
    """Build a ``TransactGetItems`` request, checking count, keys and duplicates."""
    check_count(gets, "gets")
    once = _Once()
    items: list[TransactGetItemTypeDef] = []
    for index, get in enumerate(gets):
        what = f"gets[{index}]"
        if not isinstance(get, Get):
            raise TypeError(f"{what} is a {type(get).__name__}, not a Get")
        table = resolve(get.table_name)
        entry = get_request(
            table, get.key, get.projection_expression, get.expression_attribute_names
        )
        once.check(table, key_schema(table).key_of(entry["Key"], what, exact=True), what)
        items.append({"Get": entry})
    return {"TransactItems": items}


def tables_of(actions: Sequence[Mapping[str, Any]]) -> str:
    """Name the tables that transaction entries act on, for the log line."""
    tables = {body["TableName"] for action in actions for body in action.values()}
    return ",".join(sorted(tables))
