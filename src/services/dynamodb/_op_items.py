"""Operations on single items: put, get, update, delete."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._core import CoreBase
from ._observe import Operation
from ._protocol import Call, Response, Steps
from ._requests import (
    CAPACITY,
    check_return_values,
    delete_request,
    flag,
    get_request,
    put_request,
    update_request,
)
from ._typed import M, validate_one
from .dynamodb_models import Condition, Item, ItemIn, ItemOrModel, Names, ReturnValues


class ItemSteps(CoreBase):
    """Single-item operations."""

    def _write_one(
        self, op: Operation, operation: str, request: Mapping[str, Any], return_old: bool
    ) -> Steps[Item | None]:
        """Send a ``PutItem``/``DeleteItem``; with ``return_old``, the item as it was."""
        old = {"ReturnValues": "ALL_OLD"} if flag(return_old, "return_old") else {}
        call = Call(operation, {**request, **CAPACITY, **old})
        response: Response = yield from op.exchange(call)
        attributes = response.get("Attributes") if return_old else None
        return None if attributes is None else self.decode(attributes)

    def put_item(
        self,
        item: ItemOrModel,
        table_name: str | None = None,
        *,
        condition_expression: Condition | None = None,
        expression_attribute_names: Names | None = None,
        expression_attribute_values: ItemIn | None = None,
        return_old: bool = False,
    ) -> Steps[Item | None]:
        """Write ``item`` whole, if ``condition_expression`` (when given) holds.

        With ``return_old=True``, return the item as it was before (None: there was none).
        """
        with self.operation("put_item", table_name) as op:
            request = put_request(
                op.table,
                item,
                condition=condition_expression,
                names=expression_attribute_names,
                values=expression_attribute_values,
            )
            return (yield from self._write_one(op, "PutItem", request, return_old))

    def get_item(
        self,
        key: ItemIn,
        table_name: str | None = None,
        *,
        consistent_read: bool = False,
        projection_expression: str | None = None,
        expression_attribute_names: Names | None = None,
        model: type[M] | None = None,
    ) -> Steps[Item | M | None]:
        """Return the item at ``key`` (only the projected attributes, if asked), or None.

        With ``model`` (a Pydantic model class), return it as an instance of ``model``;
        an item that does not fit is an ``ItemValidationError``.
        """
        with self.operation("get_item", table_name) as op:
            request = {
                **get_request(
                    op.table,
                    key,
                    projection=projection_expression,
                    names=expression_attribute_names,
                ),
                "ConsistentRead": flag(consistent_read, "consistent_read"),
                **CAPACITY,
            }
            response: Response = yield from op.exchange(Call("GetItem", request))
            found = response.get("Item")
            op.count("items", found is not None)
            if found is None or model is None:
                return None if found is None else self.decode(found)
            item = self.decoder(model)(found)
            return validate_one(model, item, table=op.table, key_names=list(key), key=key)

    def update_item(
        self,
        key: ItemIn,
        update_expression: str,
        expression_attribute_values: ItemIn | None,
        table_name: str | None = None,
        *,
        condition_expression: Condition | None = None,
        expression_attribute_names: Names | None = None,
        return_values: ReturnValues = "ALL_NEW",
    ) -> Steps[Item]:
        """Apply ``update_expression``; return the attributes ``return_values`` names.

        ``"ALL_NEW"`` (the default): the whole item afterwards; ``"UPDATED_NEW"``,
        ``"ALL_OLD"``, ``"UPDATED_OLD"`` as DynamoDB defines them; ``"NONE"``: ``{}``.
        """
        with self.operation("update_item", table_name) as op:
            request = {
                **update_request(
                    op.table,
                    key,
                    update_expression,
                    condition=condition_expression,
                    names=expression_attribute_names,
                    values=expression_attribute_values,
                ),
                "ReturnValues": check_return_values(return_values),
                **CAPACITY,
            }
            response: Response = yield from op.exchange(Call("UpdateItem", request))
            return self.decode(response.get("Attributes", {}))

    def delete_item(
        self,
        key: ItemIn,
        table_name: str | None = None,
        *,
        condition_expression: Condition | None = None,
        expression_attribute_names: Names | None = None,
        expression_attribute_values: ItemIn | None = None,
        return_old: bool = False,
    ) -> Steps[Item | None]:
        """Delete the item at ``key`` (absent is fine), if the condition holds.

        With ``return_old=True``, return the item as it was (None: there was none).
        """
        with self.operation("delete_item", table_name) as op:
            request = delete_request(
                op.table,
                key,
                condition=condition_expression,
                names=expression_attribute_names,
                values=expression_attribute_values,
            )
            return (yield from self._write_one(op, "DeleteItem", request, return_old))
