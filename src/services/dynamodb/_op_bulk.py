"""Bulk operations: batch writes, deletes and gets of any size, and transactions."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

from ._batching import (
    GET_BATCH,
    RESEND_ROUNDS,
    WRITE_BATCH,
    Reads,
    positions,
    resend_rounds,
    unwritten,
    write_call,
)
from ._core import CoreBase
from ._keys import KeySchema
from ._observe import Operation
from ._protocol import Call, Response, Steps
from ._requests import CAPACITY, count, flag, listed, project_keys, projection_request
from ._transactions import check_keys, get_request_items, tables_of, write_request
from ._typed import M
from ._values import Wire, check_sizes, key_fingerprint, to_wire_item, wrapped
from .dynamodb_models import (
    Get,
    Item,
    ItemIn,
    ItemOrModel,
    Names,
    UnprocessedItemsError,
    UnprocessedKeysError,
    WriteAction,
)


def _wires(values: Sequence[ItemOrModel], what: str) -> list[Wire]:
    """Each item (or key) in attribute-value form; a refusal names the item by its index."""
    wires: list[Wire] = []
    for index, value in enumerate(listed(values, what)):
        try:
            wires.append(to_wire_item(value, what))
        except (TypeError, ValueError) as error:
            raise _at(error, what, index) from None
    return wires


def _at(error: Exception, what: str, index: int) -> Exception:
    """``error`` re-said for ``what[index]``: ``items[3] is empty``, ``items[3]: attribute…``.

    Only the plain ``TypeError``/``ValueError`` of the encoder are re-said; any other
    (a model serializer's own error, say) is returned as it is.
    """
    if type(error) not in (TypeError, ValueError):
        return error
    message = str(error)
    if message.startswith(f"{what} "):
        return type(error)(f"{what}[{index}]{message[len(what) :]}")
    return type(error)(f"{what}[{index}]: {message}")


def _fingerprint(wire: Mapping[str, Any], names: list[str], index: int) -> Hashable:
    """The key fingerprint of ``keys[index]``, which must have exactly ``names``."""
    if len(wire) == len(names):
        try:
            return key_fingerprint(wire, names)
        except KeyError:
            pass
    raise ValueError(f"keys[{index}] has attributes {sorted(wire)}, keys[0] has {names}")


def _target(request: Mapping[str, Any]) -> Mapping[str, Any]:
    """The item a ``PutRequest`` writes, or the key a ``DeleteRequest`` deletes."""
    put = request.get("PutRequest")
    target: Mapping[str, Any] = put["Item"] if put is not None else request["DeleteRequest"]["Key"]
    return target


class BulkSteps(CoreBase):
    """Batch and transaction operations."""

    def _width(self, concurrency: int) -> int:
        """Requests in flight at once: as asked, never more than the connection pool."""
        return min(count(concurrency, "concurrency", low=1), self.config.max_pool_connections)

    def _placed(
        self, op: Operation, wires: list[Wire], *, key_only: bool, what: str
    ) -> Steps[tuple[KeySchema, dict[Hashable, int]]]:
        def check(schemas: Mapping[str, KeySchema]) -> tuple[KeySchema, dict[Hashable, int]]:
            schema = schemas[op.table]
            return schema, positions(wires, schema, key_only=key_only, what=what)

        return (yield from self.keyed(op, [op.table], check))

    def _write(
        self,
        op: Operation,
        given: Sequence[ItemOrModel],
        requests: list[dict[str, Any]],
        placed: tuple[KeySchema, dict[Hashable, int]],
        width: int,
    ) -> Steps[None]:
        """Send write requests in resend rounds; raise with the caller's items not written."""
        left = yield from resend_rounds(
            op,
            requests,
            size=WRITE_BATCH,
            call=write_call(op.table),
            leftovers=unwritten(op.table),
            concurrency=width,
            jitter=self.jitter,
        )
        op.count("items", len(requests) - len(left))
        if left:
            schema, where = placed
            names = sorted(schema.names)
            missed = sorted(where[key_fingerprint(_target(request), names)] for request in left)
            raise UnprocessedItemsError(
                [given[i] for i in missed], total=len(requests), rounds=RESEND_ROUNDS
            )

    def batch_write_items(
        self, items: Sequence[ItemOrModel], table_name: str | None = None, *, concurrency: int = 1
    ) -> Steps[None]:
        """Write any number of items, 25 a request, resending what comes back unprocessed.

        Every item is sent at least once before any is given up on; ``concurrency``
        requests go at once (at most ``max_pool_connections``).

        Raises:
            UnprocessedItemsError: items stayed unprocessed after every resend round;
                its ``unprocessed`` holds exactly the items not written, in order.
        """
        with self.operation("batch_write_items", table_name) as op:
            wires = _wires(items, "items")
            width = self._width(concurrency)
            if not wires:
                return
            check_sizes(wires)
            placed = yield from self._placed(op, wires, key_only=False, what="items")
            requests = wrapped(wires, "PutRequest", "Item")
            yield from self._write(op, items, requests, placed, width)

    def batch_delete_items(
        self, keys: Sequence[ItemIn], table_name: str | None = None, *, concurrency: int = 1
    ) -> Steps[None]:
        """Delete any number of items by key, 25 a request; a key given twice is deleted once.

        Keys are checked against the table's key schema before the first request; an
        absent key is fine. Unprocessed keys are resent as ``batch_write_items`` does.

        Raises:
            UnprocessedItemsError: ``unprocessed`` holds exactly the keys not deleted.
        """
        with self.operation("batch_delete_items", table_name) as op:
            wires = _wires(keys, "keys")
            width = self._width(concurrency)
            if not wires:
                return
            placed = yield from self._placed(op, wires, key_only=True, what="keys")
            requests = wrapped([wires[i] for i in placed[1].values()], "DeleteRequest", "Key")
            yield from self._write(op, keys, requests, placed, width)

    def batch_get_items(
        self,
        keys: Sequence[ItemIn],
        table_name: str | None = None,
        *,
        consistent_read: bool = False,
        projection_expression: str | None = None,
        expression_attribute_names: Names | None = None,
        concurrency: int = 1,
        model: type[M] | None = None,
    ) -> Steps[list[Item] | list[M]]:
        """Read any number of keys, 100 a request; return found items in key order.

        Duplicate keys are read once; missing keys are skipped. With a projection, the
        key attributes are always in the results too. With ``model``, return instances
        of it (see ``get_item``).

        Raises:
            UnprocessedKeysError: keys stayed unprocessed after every resend round; its
                ``unprocessed`` holds exactly those keys, ``found`` the items read.
        """
        with self.operation("batch_get_items", table_name) as op:
            wires = _wires(keys, "keys")
            width = self._width(concurrency)
            extra: dict[str, Any] = {"ConsistentRead": flag(consistent_read, "consistent_read")}
            if not wires:
                return []
            names = sorted(wires[0])
            first: dict[Hashable, int] = {}
            for index, wire in enumerate(wires):
                first.setdefault(_fingerprint(wire, names, index), index)
            projection = projection_request(projection_expression, expression_attribute_names)
            project_keys(projection, names)
            reads = Reads(op.table, names, {**extra, **projection}, self.decoder(model))
            left = yield from resend_rounds(
                op,
                [wires[i] for i in first.values()],
                size=GET_BATCH,
                call=reads.call,
                leftovers=reads.leftovers,
                concurrency=width,
                jitter=self.jitter,
            )
            found = [reads.found[f] for f in first if f in reads.found]
            op.count("items", len(found))
            items: list[Item] | list[M] = found
            if model is not None:
                items, misfit = yield from self.typed(op, model, found, names)
                if misfit is not None:
                    raise misfit
            if left:
                missed = sorted(first[key_fingerprint(wire)] for wire in left)
                raise UnprocessedKeysError(
                    [keys[i] for i in missed], items, total=len(wires), rounds=RESEND_ROUNDS
                )
            return items

    def transact_write_items(
        self, actions: Sequence[WriteAction], *, client_request_token: str | None = None
    ) -> Steps[None]:
        """Apply 1 to 100 ``Put``/``Update``/``Delete``/``ConditionCheck`` actions atomically.

        A cancelled transaction raises botocore's ``TransactionCanceledException``
        unchanged, ``CancellationReasons`` intact.
        """
        with self.operation("transact_write_items", table=False) as op:
            request, targets = write_request(actions, client_request_token, self.resolve_table)
            op.table = tables_of(targets)
            op.count("actions", len(targets))
            tables = [target.table for target in targets]
            yield from self.keyed(op, tables, lambda schemas: check_keys(targets, schemas))
            yield from op.exchange(Call("TransactWriteItems", {**request, **CAPACITY}))

    def transact_get_items(self, gets: Sequence[Get]) -> Steps[list[Item | None]]:
        """Read 1 to 100 items atomically; results in the order asked, None where absent."""
        with self.operation("transact_get_items", table=False) as op:
            request, targets = get_request_items(gets, self.resolve_table)
            op.table = tables_of(targets)
            tables = [target.table for target in targets]
            yield from self.keyed(op, tables, lambda schemas: check_keys(targets, schemas))
            call = Call("TransactGetItems", {**request, **CAPACITY})
            response: Response = yield from op.exchange(call)
            answers = response.get("Responses", [])
            items = [self.decode(r["Item"]) if "Item" in r else None for r in answers]
            op.count("items", sum(item is not None for item in items))
            return items
