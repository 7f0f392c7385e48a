"""Request builders: Python arguments in, typed boto3 request dicts out. Pure, no I/O.

Every caller mistake these can see (an empty key, a placeholder with no value, a
value nobody uses, a negative limit) is a ``ValueError``/``TypeError`` here, before
any request is sent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NotRequired, TypedDict

from ._values import to_wire, to_wire_item, to_wire_values

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import (
        ConditionCheckTypeDef,
        DeleteTypeDef,
        ExecuteStatementInputTypeDef,
        GetTypeDef,
        PutTypeDef,
        QueryInputTypeDef,
        ScanInputTypeDef,
        UniversalAttributeValueTypeDef,
        UpdateTypeDef,
    )

MAX_SEGMENTS = 1_000_000
_NAME_PLACEHOLDER = re.compile(r"#[A-Za-z0-9_]+")
_VALUE_PLACEHOLDER = re.compile(r":[A-Za-z0-9_]+")


class Expressions(TypedDict):
    """The expression fields every request type shares, for structural typing."""

    ExpressionAttributeNames: NotRequired[Mapping[str, str]]
    ExpressionAttributeValues: NotRequired[Mapping[str, UniversalAttributeValueTypeDef]]


def expression(text: str | None, what: str) -> str | None:
    """Return an expression when it is None or a non-blank str, else raise."""
    if text is None:
        return None
    if not isinstance(text, str):
        raise TypeError(f"{what} must be a str, not {type(text).__name__}")
    if not text.strip():
        raise ValueError(f"{what} is empty")
    return text


def _check_placeholders(
    pattern: re.Pattern[str], used_in: str, given: Mapping[str, Any] | None, what: str
) -> None:
    used = set(pattern.findall(used_in))
    declared = set(given or ())
    if used - declared:
        raise ValueError(f"{what} lacks {sorted(used - declared)}, used in the expressions")
    if declared - used:
        raise ValueError(f"{what} has {sorted(declared - used)}, which no expression uses")


def set_expressions(
    request: Expressions,
    names: Mapping[str, str] | None,
    values: Mapping[str, Any] | None,
    *expressions: str | None,
) -> None:
    """Check placeholders against ``expressions`` and add names and values to ``request``."""
    if names is not None and not isinstance(names, Mapping):
        raise TypeError(f"expression_attribute_names must be a dict, not {type(names).__name__}")
    for placeholder, name in (names or {}).items():
        if not str(placeholder).startswith("#") or not isinstance(name, str):
            raise ValueError(f"expression attribute names map '#name' to a str: {placeholder!r}")
    wire = to_wire_values(values)
    text = " ".join(e for e in expressions if e)
    _check_placeholders(_NAME_PLACEHOLDER, text, names, "expression_attribute_names")
    _check_placeholders(_VALUE_PLACEHOLDER, text, values, "expression_attribute_values")
    if names:
        request["ExpressionAttributeNames"] = dict(names)
    if wire:
        request["ExpressionAttributeValues"] = wire


def flag(value: bool, what: str) -> bool:
    """Return ``value`` when it is a bool, else raise ``TypeError``."""
    if not isinstance(value, bool):
        raise TypeError(f"{what} must be a bool, not {type(value).__name__}")
    return value


def check_limit(limit: int) -> int:
    """Return ``limit`` when it is an int >= 0 (0: no limit), else raise."""
    if not isinstance(limit, int) or isinstance(limit, bool):
        raise TypeError(f"limit must be an int, not {type(limit).__name__}")
    if limit < 0:
        raise ValueError(f"limit must be >= 0 (0 means no limit), got {limit}")
    return limit


def check_segments(segments: int) -> int:
    """Return ``segments`` when it is an int from 1 to 1,000,000, else raise."""
    if not isinstance(segments, int) or isinstance(segments, bool):
        raise TypeError(f"segments must be an int, not {type(segments).__name__}")
    if not 1 <= segments <= MAX_SEGMENTS:
        raise ValueError(f"segments must be from 1 to {MAX_SEGMENTS}, got {segments}")
    return segments


def put_request(
    table: str,
    item: Mapping[str, Any],
    condition: str | None,
    names: Mapping[str, str] | None,
    values: Mapping[str, Any] | None,
) -> PutTypeDef:
    """Build a ``PutItem`` request (also a transaction's ``Put``)."""
    request: PutTypeDef = {"TableName": table, "Item": to_wire_item(item)}
    if (checked := expression(condition, "condition_expression")) is not None:
        request["ConditionExpression"] = checked
    set_expressions(request, names, values, condition)
    return request


def get_request(
    table: str, key: Mapping[str, Any], projection: str | None, names: Mapping[str, str] | None
) -> GetTypeDef:
    """Build a ``GetItem`` request (also a transaction's ``Get``)."""
    request: GetTypeDef = {"TableName": table, "Key": to_wire_item(key, "key")}
    if (checked := expression(projection, "projection_expression")) is not None:
        request["ProjectionExpression"] = checked
    checked_names: Expressions = {}
    set_expressions(checked_names, names, None, projection)
    if "ExpressionAttributeNames" in checked_names:
        request["ExpressionAttributeNames"] = checked_names["ExpressionAttributeNames"]
    return request


def update_request(
    table: str,
    key: Mapping[str, Any],
    update: str,
    condition: str | None,
    names: Mapping[str, str] | None,
    values: Mapping[str, Any] | None,
) -> UpdateTypeDef:
    """Build an ``UpdateItem`` request (also a transaction's ``Update``)."""
    request: UpdateTypeDef = {
        "TableName": table,
        "Key": to_wire_item(key, "key"),
        "UpdateExpression": _required(update, "update_expression"),
    }
    if (checked := expression(condition, "condition_expression")) is not None:
        request["ConditionExpression"] = checked
    set_expressions(request, names, values, update, condition)
    return request


def delete_request(
    table: str,
    key: Mapping[str, Any],
    condition: str | None,
    names: Mapping[str, str] | None,
    values: Mapping[str, Any] | None,
) -> DeleteTypeDef:
    """Build a ``DeleteItem`` request (also a transaction's ``Delete``)."""
    request: DeleteTypeDef = {"TableName": table, "Key": to_wire_item(key, "key")}
    if (checked := expression(condition, "condition_expression")) is not None:
        request["ConditionExpression"] = checked
    set_expressions(request, names, values, condition)
    return request


def condition_check_request(
    table: str,
    key: Mapping[str, Any],
    condition: str,
    names: Mapping[str, str] | None,
    values: Mapping[str, Any] | None,
) -> ConditionCheckTypeDef:
    """Build a transaction's ``ConditionCheck``."""
    request: ConditionCheckTypeDef = {
        "TableName": table,
        "Key": to_wire_item(key, "key"),
        "ConditionExpression": _required(condition, "condition_expression"),
    }
    set_expressions(request, names, values, condition)
    return request


def _required(text: str, what: str) -> str:
    checked = expression(text, what)
    if checked is None:
        raise TypeError(f"{what} is required")
    return checked


def query_request(
    table: str,
    key_condition: str,
    values: Mapping[str, Any],
    *,
    names: Mapping[str, str] | None,
    filter_expression: str | None,
    index_name: str | None,
    forward: bool,
    consistent_read: bool,
) -> QueryInputTypeDef:
    """Build the first ``Query`` request of a read."""
    request: QueryInputTypeDef = {
        "TableName": table,
        "KeyConditionExpression": _required(key_condition, "key_condition_expression"),
        "ScanIndexForward": flag(forward, "scan_index_forward"),
        "ConsistentRead": flag(consistent_read, "consistent_read"),
    }
    if (checked := expression(filter_expression, "filter_expression")) is not None:
        request["FilterExpression"] = checked
    if index_name is not None:
        request["IndexName"] = _required(index_name, "index_name")
    set_expressions(request, names, values, key_condition, filter_expression)
    return request


def scan_request(
    table: str,
    filter_expression: str | None,
    values: Mapping[str, Any] | None,
    *,
    names: Mapping[str, str] | None,
    index_name: str | None,
    consistent_read: bool,
) -> ScanInputTypeDef:
    """Build the first ``Scan`` request of a read."""
    request: ScanInputTypeDef = {
        "TableName": table,
        "ConsistentRead": flag(consistent_read, "consistent_read"),
    }
    if (checked := expression(filter_expression, "filter_expression")) is not None:
        request["FilterExpression"] = checked
    if index_name is not None:
        request["IndexName"] = _required(index_name, "index_name")
    set_expressions(request, names, values, filter_expression)
    return request


def listed(values: Sequence[Any], what: str = "items") -> list[Any]:
    if not isinstance(values, list | tuple):
        raise TypeError(f"{what} must be a list, not {type(values).__name__}")
    return list(values)


def statement_request(
    statement: str, parameters: Sequence[Any] | None, consistent_read: bool
) -> ExecuteStatementInputTypeDef:
    """Build an ``ExecuteStatement`` request with ``?`` parameters as attribute values."""
    request: ExecuteStatementInputTypeDef = {
        "Statement": _required(statement, "statement"),
        "ConsistentRead": flag(consistent_read, "consistent_read"),
    }
    if parameters is not None:
        values = listed(parameters, "parameters")
        request["Parameters"] = [to_wire(v, f"parameters[{i}]") for i, v in enumerate(values)]
    return request
