"""Operations on the connection and on tables: ping, exists, list, create, delete."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from ._core import CoreBase
from ._paging import TABLES, PageLoop
from ._protocol import Call, Probe, Response, Steps
from ._tables import check_billing_mode, create_request, is_active
from .dynamodb_models import BillingMode

if TYPE_CHECKING:
    from botocore.model import Shape
    from mypy_boto3_dynamodb.type_defs import (
        AttributeDefinitionTypeDef,
        GlobalSecondaryIndexTypeDef,
        KeySchemaElementTypeDef,
        LocalSecondaryIndexTypeDef,
    )


@lru_cache(maxsize=1)
def _create_table_shape() -> Shape:
    """Botocore's input shape of ``CreateTable``, loaded on the first create."""
    from botocore.loaders import create_loader  # botocore's loaders: only to create a table
    from botocore.model import ServiceModel

    model = ServiceModel(create_loader().load_service_model("dynamodb", "service-2"))
    shape = model.operation_model("CreateTable").input_shape
    assert shape is not None
    return shape


def _timeout(value: float | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"timeout_seconds must be a number, not {type(value).__name__}")
    if not 0 < value < float("inf"):
        raise ValueError(f"timeout_seconds must be > 0, got {value}")
    return float(value)


class TableSteps(CoreBase):
    """Connection and table operations."""

    def ping(self, *, timeout_seconds: float | None = None) -> Steps[bool]:
        """Return True when the endpoint answers a real call, False (logged) otherwise.

        One attempt, never retried; ``timeout_seconds`` overrides both timeouts for it.
        """
        try:
            with self.operation("ping", table=False) as op:
                probe = Probe(Call("ListTables", {"Limit": 1}), _timeout(timeout_seconds))
                yield from op.exchange(probe)
        except (BotoCoreError, ClientError):
            return False
        return True

    def table_exists(self, table_name: str) -> Steps[bool]:
        """Return whether the table exists (in any status)."""
        with self.operation("table_exists", table_name) as op:
            return (yield from self.describe(op, op.table)) is not None

    def list_tables(self) -> Steps[list[str]]:
        """Return the names of every table, following every page."""
        with self.operation("list_tables", table=False) as op:
            names: list[str] = []
            loop = PageLoop("ListTables", {}, cursor=TABLES)
            while (call := loop.next_call()) is not None:
                response: Response = yield from op.exchange(call)
                names.extend(loop.receive(response))
            op.count("tables", len(names))
            return names

    def create_table(
        self,
        table_name: str,
        key_schema: list[KeySchemaElementTypeDef],
        attribute_definitions: list[AttributeDefinitionTypeDef],
        *,
        global_secondary_indexes: list[GlobalSecondaryIndexTypeDef] | None = None,
        local_secondary_indexes: list[LocalSecondaryIndexTypeDef] | None = None,
        billing_mode: BillingMode | None = None,
        ttl_attribute: str | None = None,
    ) -> Steps[None]:
        """Create a table (and indexes); return once all are ``ACTIVE`` (and TTL is on).

        ``billing_mode`` overrides the config's: ``"PROVISIONED"`` uses the configured
        capacity units (for each global index too, unless it sets its own);
        ``"PAY_PER_REQUEST"`` is on demand. ``ttl_attribute`` turns time to live on.
        """
        with self.operation("create_table", table_name) as op:
            request = create_request(
                op.table,
                key_schema,
                attribute_definitions,
                global_indexes=global_secondary_indexes,
                local_indexes=local_secondary_indexes,
                billing_mode=check_billing_mode(billing_mode, self.config),
                config=self.config,
            )
            from botocore.validate import validate_parameters

            validate_parameters(request, _create_table_shape())
            if ttl_attribute is not None and (
                not isinstance(ttl_attribute, str) or not ttl_attribute
            ):
                raise ValueError("ttl_attribute must be a non-empty attribute name")
            self.forget_schema(op.table)
            yield from op.exchange(Call("CreateTable", request))
            yield from self.wait(op, is_active)
            if ttl_attribute is not None:
                spec = {"Enabled": True, "AttributeName": ttl_attribute}
                params = {"TableName": op.table, "TimeToLiveSpecification": spec}
                yield from op.exchange(Call("UpdateTimeToLive", params))

    def delete_table(self, table_name: str) -> Steps[None]:
        """Delete a table; return once it is gone."""
        with self.operation("delete_table", table_name) as op:
            self.forget_schema(op.table)
            yield from op.exchange(Call("DeleteTable", {"TableName": op.table}))
            yield from self.wait(op, lambda described: described is None)
