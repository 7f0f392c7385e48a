"""DynamoDBService: table, item, query/scan, batch, transaction and PartiQL operations.

Each public method is a few lines around one typed boto3 client call: request
building, value conversion, paging and batching live in small pure modules beside
this one, and ``_operation`` logs and times every call in one place.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError
from botocore.validate import validate_parameters

from . import _batching, _paging
from ._core import ServiceCore
from ._observe import Operation
from ._requests import (
    check_limit,
    check_segments,
    delete_request,
    flag,
    get_request,
    listed,
    put_request,
    query_request,
    scan_request,
    statement_request,
    update_request,
)
from ._tables import create_request, is_active
from ._transactions import get_request_items, tables_of, write_request
from ._values import Wire, check_sizes, to_wire_item
from .dynamodb_models import (
    Get,
    Item,
    Key,
    UnprocessedItemsError,
    UnprocessedKeysError,
    WriteAction,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import (
        AttributeDefinitionTypeDef,
        GlobalSecondaryIndexTypeDef,
        KeySchemaElementTypeDef,
        WriteRequestTypeDef,
    )


class DynamoDBService(ServiceCore):
    """High-level DynamoDB operations, safe to share between threads.

    Args:
        logger: where every operation is logged (DEBUG start, INFO done, ERROR failed).
        config: region, credentials, endpoint, defaults and timeouts.
    """

    # -- connection and tables ----------------------------------------------------------

    def ping(self) -> bool:
        """Return True when the endpoint answers a real call, False (logged) otherwise."""
        try:
            with self._operation("ping", table=False):
                self._client.list_tables(Limit=1)
        except (BotoCoreError, ClientError):
            return False
        return True

    def table_exists(self, table_name: str) -> bool:
        """Return whether the table exists (in any status)."""
        with self._operation("table_exists", table_name) as op:
            return self._describe(op.table) is not None

    def list_tables(self) -> list[str]:
        """Return the names of every table, following every page."""
        with self._operation("list_tables", table=False) as op:
            names: list[str] = []
            for page in _paging.pages(self._client.list_tables, {}, cursor=_paging.TABLES):
                op.count("pages")
                names.extend(page)
            op.count("tables", len(names))
            return names

    def create_table(
        self,
        table_name: str,
        key_schema: list[KeySchemaElementTypeDef],
        attribute_definitions: list[AttributeDefinitionTypeDef],
        *,
        global_secondary_indexes: list[GlobalSecondaryIndexTypeDef] | None = None,
    ) -> None:
        """Create a provisioned table (and indexes); return once all are ``ACTIVE``."""
        with self._operation("create_table", table_name) as op:
            request = create_request(
                op.table, key_schema, attribute_definitions, global_secondary_indexes, self._config
            )
            validate_parameters(request, self._shape("CreateTable"))
            self._forget_schema(op.table)
            self._client.create_table(**request)
            self._wait(op, lambda: is_active(self._describe(op.table)))

    def delete_table(self, table_name: str) -> None:
        """Delete a table; return once it is gone."""
        with self._operation("delete_table", table_name) as op:
            self._forget_schema(op.table)
            self._client.delete_table(TableName=op.table)
            self._wait(op, lambda: self._describe(op.table) is None)

    # -- items --------------------------------------------------------------------------

    def put_item(
        self,
        item: Item,
        table_name: str | None = None,
        *,
        condition_expression: str | None = None,
        expression_attribute_names: dict[str, str] | None = None,
        expression_attribute_values: dict[str, Any] | None = None,
    ) -> None:
        """Write ``item`` whole, if ``condition_expression`` (when given) holds."""
        with self._operation("put_item", table_name) as op:
            self._client.put_item(
                **put_request(
                    op.table,
                    item,
                    condition_expression,
                    expression_attribute_names,
                    expression_attribute_values,
                )
            )

    def get_item(
        self, key: Key, table_name: str | None = None, *, consistent_read: bool = False
    ) -> Item | None:
        """Return the item at ``key``, or None when there is none."""
        with self._operation("get_item", table_name) as op:
            request = get_request(op.table, key, None, None)
            found = self._client.get_item(
                **request, ConsistentRead=flag(consistent_read, "consistent_read")
            ).get("Item")
            op.count("items", found is not None)
            return None if found is None else self._decode(found)

    def update_item(
        self,
        key: Key,
        update_expression: str,
        expression_attribute_values: dict[str, Any],
        table_name: str | None = None,
        *,
        condition_expression: str | None = None,
        expression_attribute_names: dict[str, str] | None = None,
    ) -> Item:
        """Apply ``update_expression``; return the item's attributes afterwards."""
        with self._operation("update_item", table_name) as op:
            request = update_request(
                op.table,
                key,
                update_expression,
                condition_expression,
                expression_attribute_names,
                expression_attribute_values,
            )
            response = self._client.update_item(**request, ReturnValues="ALL_NEW")
            return self._decode(response.get("Attributes", {}))

    def delete_item(
        self,
        key: Key,
        table_name: str | None = None,
        *,
        condition_expression: str | None = None,
        expression_attribute_names: dict[str, str] | None = None,
        expression_attribute_values: dict[str, Any] | None = None,
    ) -> None:
        """Delete the item at ``key`` (absent is fine), if the condition holds."""
        with self._operation("delete_item", table_name) as op:
            self._client.delete_item(
                **delete_request(
                    op.table,
                    key,
                    condition_expression,
                    expression_attribute_names,
                    expression_attribute_values,
                )
            )

    # -- query and scan -------------------------------------------------------------------

    def iter_query(
        self,
        key_condition_expression: str,
        expression_attribute_values: dict[str, Any],
        table_name: str | None = None,
        limit: int = 0,
        *,
        expression_attribute_names: dict[str, str] | None = None,
        filter_expression: str | None = None,
        index_name: str | None = None,
        scan_index_forward: bool = True,
        consistent_read: bool = False,
    ) -> Iterator[Item]:
        """Yield matching items lazily, a page at a time, up to ``limit`` (0: all)."""
        op = self._begin("query", table_name)
        with op.failures_logged():
            request = query_request(
                op.table,
                key_condition_expression,
                expression_attribute_values,
                names=expression_attribute_names,
                filter_expression=filter_expression,
                index_name=index_name,
                forward=scan_index_forward,
                consistent_read=consistent_read,
            )
            exact = filter_expression is None
            pages = _paging.pages(
                self._while_open(self._client.query),
                request,
                limit=check_limit(limit),
                exact=exact,
            )
        return self._items(op, pages)

    def query(
        self,
        key_condition_expression: str,
        expression_attribute_values: dict[str, Any],
        table_name: str | None = None,
        limit: int = 0,
        *,
        expression_attribute_names: dict[str, str] | None = None,
        filter_expression: str | None = None,
        index_name: str | None = None,
        scan_index_forward: bool = True,
        consistent_read: bool = False,
    ) -> list[Item]:
        """Return up to ``limit`` matching items (0: all), however many pages that takes."""
        return list(
            self.iter_query(
                key_condition_expression,
                expression_attribute_values,
                table_name,
                limit,
                expression_attribute_names=expression_attribute_names,
                filter_expression=filter_expression,
                index_name=index_name,
                scan_index_forward=scan_index_forward,
                consistent_read=consistent_read,
            )
        )

    def iter_scan(
        self,
        filter_expression: str | None = None,
        expression_attribute_values: dict[str, Any] | None = None,
        table_name: str | None = None,
        limit: int = 0,
        *,
        expression_attribute_names: dict[str, str] | None = None,
        index_name: str | None = None,
        consistent_read: bool = False,
        segments: int = 1,
    ) -> Iterator[Item]:
        """Yield items lazily, up to ``limit`` (0: all); ``segments > 1`` scans in parallel."""
        op = self._begin("scan", table_name)
        with op.failures_logged():
            request = scan_request(
                op.table,
                filter_expression,
                expression_attribute_values,
                names=expression_attribute_names,
                index_name=index_name,
                consistent_read=consistent_read,
            )
            pages = _paging.scan_pages(
                self._while_open(self._client.scan),
                request,
                limit=check_limit(limit),
                exact=filter_expression is None,
                segments=check_segments(segments),
            )
        return self._items(op, pages)

    def scan(
        self,
        filter_expression: str | None = None,
        expression_attribute_values: dict[str, Any] | None = None,
        table_name: str | None = None,
        limit: int = 0,
        *,
        expression_attribute_names: dict[str, str] | None = None,
        index_name: str | None = None,
        consistent_read: bool = False,
        segments: int = 1,
    ) -> list[Item]:
        """Return up to ``limit`` items (0: all); ``segments > 1`` scans in parallel."""
        return list(
            self.iter_scan(
                filter_expression,
                expression_attribute_values,
                table_name,
                limit,
                expression_attribute_names=expression_attribute_names,
                index_name=index_name,
                consistent_read=consistent_read,
                segments=segments,
            )
        )

    def execute_statement(
        self,
        statement: str,
        parameters: Sequence[Any] | None = None,
        *,
        consistent_read: bool = False,
        limit: int = 0,
    ) -> list[Item]:
        """Run a PartiQL statement with ``?`` parameters; return up to ``limit`` items."""
        op = self._begin("execute_statement", None, table=False)
        with op.failures_logged():
            request = statement_request(statement, parameters, consistent_read)
            pages = _paging.pages(
                self._while_open(self._client.execute_statement),
                request,
                limit=check_limit(limit),
                cursor=_paging.TOKENS,
            )
        return list(self._items(op, pages))

    # -- batches --------------------------------------------------------------------------

    def batch_write_items(self, items: list[Item], table_name: str | None = None) -> None:
        """Write any number of items, 25 a request, resending what comes back unprocessed.

        Raises:
            UnprocessedItemsError: items stayed unprocessed after every resend round;
                its ``unprocessed`` holds exactly the items not written.
        """
        with self._operation("batch_write_items", table_name) as op:
            wires = [to_wire_item(item, f"items[{i}]") for i, item in enumerate(listed(items))]
            if not wires:
                return
            check_sizes(wires)
            unwritten = self._keyed(
                lambda schemas: _batching.write_all(
                    lambda batch: self._write_batch(op, batch),
                    wires,
                    schemas(op.table),
                    sleep=self._sleep,
                )
            )
            op.count("items", len(wires) - len(unwritten))
            if unwritten:
                raise UnprocessedItemsError(
                    [items[i] for i in unwritten], total=len(wires), rounds=_batching.RESEND_ROUNDS
                )

    def _write_batch(self, op: Operation, batch: list[WriteRequestTypeDef]) -> list[Any]:
        op.count("requests")
        response = self._client.batch_write_item(RequestItems={op.table: batch})
        return list(response.get("UnprocessedItems", {}).get(op.table, []))

    def batch_get_items(self, keys: list[Key], table_name: str | None = None) -> list[Item]:
        """Read any number of keys, 100 a request; return found items in key order.

        Duplicate keys are read once; missing keys are skipped.

        Raises:
            UnprocessedKeysError: keys stayed unprocessed after every resend round; its
                ``unprocessed`` holds exactly those keys, ``found`` the items read.
        """
        with self._operation("batch_get_items", table_name) as op:
            wires = [to_wire_item(key, f"keys[{i}]") for i, key in enumerate(listed(keys, "keys"))]
            if not wires:
                return []
            found, unread = _batching.get_all(
                lambda batch: self._get_batch(op, batch), wires, sleep=self._sleep
            )
            items = [self._decode(wire) for wire in found]
            op.count("items", len(items))
            if unread:
                raise UnprocessedKeysError(
                    [keys[i] for i in unread],
                    items,
                    total=len(wires),
                    rounds=_batching.RESEND_ROUNDS,
                )
            return items

    def _get_batch(self, op: Operation, batch: list[Wire]) -> tuple[list[Wire], list[Wire]]:
        op.count("requests")
        response = self._client.batch_get_item(RequestItems={op.table: {"Keys": batch}})
        unprocessed = response.get("UnprocessedKeys", {}).get(op.table)
        found = response.get("Responses", {}).get(op.table, [])
        return list(found), list(unprocessed["Keys"]) if unprocessed else []

    # -- transactions ---------------------------------------------------------------------

    def transact_write_items(
        self, actions: Sequence[WriteAction], *, client_request_token: str | None = None
    ) -> None:
        """Apply 1 to 100 ``Put``/``Update``/``Delete``/``ConditionCheck`` actions atomically.

        A cancelled transaction raises botocore's ``TransactionCanceledException``
        unchanged, ``CancellationReasons`` intact.
        """
        with self._operation("transact_write_items", table=False) as op:
            request = self._keyed(
                lambda schemas: write_request(
                    actions, client_request_token, self._resolve_table, schemas
                )
            )
            op.table = tables_of(request["TransactItems"])
            op.count("actions", len(request["TransactItems"]))
            self._client.transact_write_items(**request)

    def transact_get_items(self, gets: Sequence[Get]) -> list[Item | None]:
        """Read 1 to 100 items atomically; results in the order asked, None where absent."""
        with self._operation("transact_get_items", table=False) as op:
            request = self._keyed(
                lambda schemas: get_request_items(gets, self._resolve_table, schemas)
            )
            op.table = tables_of(request["TransactItems"])
            responses = self._client.transact_get_items(**request).get("Responses", [])
            items = [self._decode(r["Item"]) if "Item" in r else None for r in responses]
            op.count("items", sum(item is not None for item in items))
            return items
