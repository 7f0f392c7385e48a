"""Request builders: Python arguments in, boto3 request dicts out. Pure, no I/O.

Every caller mistake these can see (an empty key, a placeholder with no value, a
value nobody uses, a negative limit) is a ``ValueError``/``TypeError`` here, before
any request is sent. Builders take keyword-only arguments past the table and the key.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, get_args

from ._conditions import Expressions, expression, required
from ._values import to_wire, to_wire_item, to_wire_values
from .dynamodb_models import Condition, ItemIn, ItemOrModel, Names, ReturnValues

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import (
        ConditionCheckTypeDef,
        DeleteTypeDef,
        GetTypeDef,
        PutTypeDef,
        UpdateTypeDef,
    )

MAX_SEGMENTS = 1_000_000
CAPACITY = {"ReturnConsumedCapacity": "TOTAL"}
"""Asked of every operation that reports what it consumed (the INFO record sums it)."""
RETURN_VALUES = frozenset(get_args(ReturnValues))
Request = dict[str, Any]


def _finish(request: Any, expressions: Expressions) -> None:
    wire = to_wire_values(expressions.values)
    names, _ = expressions.placeholders()
    if names:
        request["ExpressionAttributeNames"] = names
    if wire is not None:
        request["ExpressionAttributeValues"] = wire


def flag(value: bool, what: str) -> bool:
    """Return ``value`` when it is a bool, else raise ``TypeError``."""
    if not isinstance(value, bool):
        raise TypeError(f"{what} must be a bool, not {type(value).__name__}")
    return value


def count(value: int, what: str, *, low: int = 0, high: int | None = None, note: str = "") -> int:
    """Return ``value`` when it is an int from ``low`` to ``high``, else raise."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{what} must be an int, not {type(value).__name__}")
    if high is not None and not low <= value <= high:
        raise ValueError(f"{what} must be from {low} to {high}, got {value}")
    if value < low:
        raise ValueError(f"{what} must be >= {low}{note}, got {value}")
    return value


def check_limit(limit: int) -> int:
    """Return ``limit`` when it is an int >= 0 (0: no limit), else raise."""
    return count(limit, "limit", note=" (0 means no limit)")


def check_segments(segments: int) -> int:
    """Return ``segments`` when it is an int from 1 to 1,000,000, else raise."""
    return count(segments, "segments", low=1, high=MAX_SEGMENTS)


def check_split(segment: int | None, total_segments: int | None) -> tuple[int, int] | None:
    """Return ``(segment, total_segments)`` of one worker's share of a scan, or None."""
    if segment is None and total_segments is None:
        return None
    if segment is None or total_segments is None:
        raise ValueError("give segment and total_segments together, or neither")
    total = count(total_segments, "total_segments", low=1, high=MAX_SEGMENTS)
    return count(segment, "segment", high=total - 1), total


def check_return_values(value: ReturnValues) -> ReturnValues:
    """Return ``value`` when DynamoDB's UpdateItem takes it, else raise."""
    if value not in RETURN_VALUES:
        raise ValueError(f"return_values must be one of {sorted(RETURN_VALUES)}, got {value!r}")
    return value


def listed(values: Sequence[Any], what: str = "items") -> list[Any]:
    """Return ``values`` as a list when it is a list or tuple, else raise."""
    if not isinstance(values, list | tuple):
        raise TypeError(f"{what} must be a list, not {type(values).__name__}")
    return list(values)


def put_request(
    table: str,
    item: ItemOrModel,
    *,
    condition: Condition | None,
    names: Names | None,
    values: ItemIn | None,
) -> PutTypeDef:
    """Build a ``PutItem`` request (also a transaction's ``Put``)."""
    request: PutTypeDef = {"TableName": table, "Item": to_wire_item(item)}
    expressions = Expressions(names, values)
    if (text := expressions.text(condition, "condition_expression")) is not None:
        request["ConditionExpression"] = text
    _finish(request, expressions)
    return request


def get_request(
    table: str, key: ItemIn, *, projection: str | None, names: Names | None
) -> GetTypeDef:
    """Build a ``GetItem`` request (also a transaction's ``Get``)."""
    request: GetTypeDef = {"TableName": table, "Key": to_wire_item(key, "key")}
    request.update(projection_request(projection, names))  # type: ignore[typeddict-item]
    return request


def projection_request(projection: str | None, names: Names | None) -> Request:
    """The ``ProjectionExpression`` (and its names) of a read, or nothing."""
    request: Request = {}
    expressions = Expressions(names, None)
    if (text := expression(projection, "projection_expression")) is not None:
        request["ProjectionExpression"] = text
        expressions.note(text)
    _finish(request, expressions)
    return request


def update_request(
    table: str,
    key: ItemIn,
    update: str,
    *,
    condition: Condition | None,
    names: Names | None,
    values: ItemIn | None,
) -> UpdateTypeDef:
    """Build an ``UpdateItem`` request (also a transaction's ``Update``)."""
    request: UpdateTypeDef = {
        "TableName": table,
        "Key": to_wire_item(key, "key"),
        "UpdateExpression": required(update, "update_expression"),
    }
    expressions = Expressions(names, values)
    expressions.note(update)
    if (text := expressions.text(condition, "condition_expression")) is not None:
        request["ConditionExpression"] = text
    _finish(request, expressions)
    return request


def delete_request(
    table: str,
    key: ItemIn,
    *,
    condition: Condition | None,
    names: Names | None,
    values: ItemIn | None,
) -> DeleteTypeDef:
    """Build a ``DeleteItem`` request (also a transaction's ``Delete``)."""
    request: DeleteTypeDef = {"TableName": table, "Key": to_wire_item(key, "key")}
    expressions = Expressions(names, values)
    if (text := expressions.text(condition, "condition_expression")) is not None:
        request["ConditionExpression"] = text
    _finish(request, expressions)
    return request


def condition_check_request(
    table: str,
    key: ItemIn,
    *,
    condition: Condition,
    names: Names | None,
    values: ItemIn | None,
) -> ConditionCheckTypeDef:
    """Build a transaction's ``ConditionCheck``."""
    expressions = Expressions(names, values)
    text = expressions.text(condition, "condition_expression")
    request: ConditionCheckTypeDef = {
        "TableName": table,
        "Key": to_wire_item(key, "key"),
        "ConditionExpression": required(text, "condition_expression"),
    }
    _finish(request, expressions)
    return request


def read_request(
    table: str,
    *,
    query: bool,
    key_condition: Condition | None,
    filter_expression: Condition | None,
    names: Names | None,
    values: ItemIn | None,
    index_name: str | None,
    consistent_read: bool,
    projection: str | None,
) -> Request:
    """Build the first ``Query`` (with a key condition) or ``Scan`` request of a read."""
    request: Request = {
        "TableName": table,
        "ConsistentRead": flag(consistent_read, "consistent_read"),
    }
    expressions = Expressions(names, values)
    if query:
        text = expressions.text(key_condition, "key_condition_expression", key=True)
        request["KeyConditionExpression"] = required(text, "key_condition_expression")
    if (text := expressions.text(filter_expression, "filter_expression")) is not None:
        request["FilterExpression"] = text
    if (text := expression(projection, "projection_expression")) is not None:
        request["ProjectionExpression"] = text
        expressions.note(text)
    if index_name is not None:
        request["IndexName"] = required(index_name, "index_name")
    _finish(request, expressions)
    return request


def statement_request(
    statement: str, parameters: Sequence[object] | None, *, consistent_read: bool
) -> Request:
    """Build an ``ExecuteStatement`` request with ``?`` parameters as attribute values."""
    request: Request = {
        "Statement": required(statement, "statement"),
        "ConsistentRead": flag(consistent_read, "consistent_read"),
    }
    if parameters is not None:
        values = listed(parameters, "parameters")
        request["Parameters"] = [to_wire(v, f"parameters[{i}]") for i, v in enumerate(values)]
    return request


def project_keys(request: Request, names: Sequence[str]) -> list[str]:
    """Add the key attributes a projection (when there is one) leaves out; return those.

    DynamoDB refuses a path named twice ("Two document paths overlap"), so a key the
    projection names already, directly or through a placeholder, is not named again.
    """
    projection = request.get("ProjectionExpression")
    if projection is None:
        return []
    placeholders: dict[str, str] = request.get("ExpressionAttributeNames", {})
    named = {placeholders.get(path, path) for path in map(str.strip, projection.split(","))}
    added = [name for name in names if name not in named]
    for number, name in enumerate(added):
        placeholders[f"#key{number}_"] = name
        projection = f"{projection}, #key{number}_"
    if added:
        request["ExpressionAttributeNames"] = placeholders
    request["ProjectionExpression"] = projection
    return added
