"""Transaction requests: actions in, ``TransactItems`` out, every rule checked first. Pure.

What needs no key schema is judged first (the count, the values, two actions with equal
explicit keys on one table); ``check_keys`` then takes the schemas, fetched by the
caller, for what needs them (a ``Put``'s key, key attribute types).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._keys import KeySchema, KeySchemaError
from ._requests import (
    condition_check_request,
    delete_request,
    get_request,
    put_request,
    update_request,
)
from ._values import key_fingerprint
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


@dataclass(frozen=True, slots=True)
class Target:
    """The item one action acts on: its table, its key (or whole item), and its name."""

    table: str
    wire: Mapping[str, Any]
    key_only: bool
    what: str


def check_count(actions: Sequence[object], what: str) -> None:
    """Raise unless ``actions`` is a list of 1 to 100 entries."""
    if not isinstance(actions, list | tuple):
        raise TypeError(f"{what} must be a list, not {type(actions).__name__}")
    if not 1 <= len(actions) <= MAX_ACTIONS:
        raise ValueError(f"a transaction takes 1 to {MAX_ACTIONS} {what}, got {len(actions)}")


def _once(targets: Sequence[Target], key_of: Callable[[Target], Mapping[str, Any]]) -> None:
    seen: set[Hashable] = set()
    for target in targets:
        marker = (target.table, key_fingerprint(key_of(target)))
        if marker in seen:
            raise KeySchemaError(
                f"{target.what} acts on an item of {target.table!r} that another action acts on"
            )
        seen.add(marker)


def _write_item(
    action: WriteAction, table: str, what: str
) -> tuple[TransactWriteItemTypeDef, Target]:
    names = action.expression_attribute_names
    if isinstance(action, Put):
        put = put_request(
            table,
            action.item,
            condition=action.condition_expression,
            names=names,
            values=action.expression_attribute_values,
        )
        return {"Put": put}, Target(table, put["Item"], False, what)
    if isinstance(action, Update):
        update = update_request(
            table,
            action.key,
            action.update_expression,
            condition=action.condition_expression,
            names=names,
            values=action.expression_attribute_values,
        )
        return {"Update": update}, Target(table, update["Key"], True, what)
    if isinstance(action, Delete):
        delete = delete_request(
            table,
            action.key,
            condition=action.condition_expression,
            names=names,
            values=action.expression_attribute_values,
        )
        return {"Delete": delete}, Target(table, delete["Key"], True, what)
    check = condition_check_request(
        table,
        action.key,
        condition=action.condition_expression,
        names=names,
        values=action.expression_attribute_values,
    )
    return {"ConditionCheck": check}, Target(table, check["Key"], True, what)


def write_request(
    actions: Sequence[WriteAction], token: str | None, resolve: Resolve
) -> tuple[TransactWriteItemsInputTypeDef, list[Target]]:
    """Build a ``TransactWriteItems`` request; return it and what each action acts on."""
    check_count(actions, "actions")
    items: list[TransactWriteItemTypeDef] = []
    targets: list[Target] = []
    for index, action in enumerate(actions):
        what = f"actions[{index}]"
        if not isinstance(action, Put | Update | Delete | ConditionCheck):
            raise TypeError(
                f"{what} is a {type(action).__name__}, not a Put, Update, Delete or ConditionCheck"
            )
        item, target = _write_item(action, resolve(action.table_name), what)
        items.append(item)
        targets.append(target)
    _once([t for t in targets if t.key_only], lambda target: target.wire)
    request: TransactWriteItemsInputTypeDef = {"TransactItems": items}
    if token is not None:
        if not isinstance(token, str) or not 1 <= len(token) <= 36:
            raise ValueError("client_request_token must be a str of 1 to 36 characters")
        request["ClientRequestToken"] = token
    return request, targets


def get_request_items(
    gets: Sequence[Get], resolve: Resolve
) -> tuple[TransactGetItemsInputTypeDef, list[Target]]:
    """Build a ``TransactGetItems`` request; return it and the key each get reads."""
    check_count(gets, "gets")
    items: list[TransactGetItemTypeDef] = []
    targets: list[Target] = []
    for index, get in enumerate(gets):
        what = f"gets[{index}]"
        if not isinstance(get, Get):
            raise TypeError(f"{what} is a {type(get).__name__}, not a Get")
        table = resolve(get.table_name)
        entry = get_request(
            table,
            get.key,
            projection=get.projection_expression,
            names=get.expression_attribute_names,
        )
        items.append({"Get": entry})
        targets.append(Target(table, entry["Key"], True, what))
    _once(targets, lambda target: target.wire)
    return {"TransactItems": items}, targets


def check_keys(targets: Sequence[Target], schemas: Mapping[str, KeySchema]) -> None:
    """Check every target's key against its table's schema; no two on one item."""
    _once(
        targets,
        lambda t: schemas[t.table].key_of(t.wire, t.what, key_only=t.key_only),
    )


def tables_of(targets: Sequence[Target]) -> str:
    """Name the tables that transaction entries act on, for the log line."""
    return ",".join(sorted({target.table for target in targets}))
