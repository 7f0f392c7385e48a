"""The core both services drive: configuration, the operation lifecycle, key schemas, waits.

Operations are generators (``_protocol``): they yield what to send and get back what it
produced, so every loop, check and log record exists once, whichever twin drives it.
``operation()`` is the one lifecycle every public method runs in: it refuses work after
``close()``, resolves the table, logs DEBUG on start, INFO with counts, capacity and
elapsed milliseconds when done, and one record before any exception propagates.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from botocore.exceptions import ClientError
from pydantic import BaseModel

from ._keys import KeySchema, KeySchemaError
from ._observe import Operation
from ._protocol import Call, Response, Sleep, Steps
from ._typed import ItemValidationError, M, decoder_for, validate_page
from ._values import item_decoder
from .dynamodb_models import DynamoDBConfig, Item, check_table_name

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TableDescriptionTypeDef

T = TypeVar("T")
POLL_SECONDS = 1.0
MAX_POLLS = 300
"""A table wait gives up after 300 polls, about five minutes."""


def error_code(error: BaseException) -> str | None:
    """DynamoDB's error code of a failed call, or None for anything else."""
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code"))
    return None


class CoreBase:
    """State and helpers every operation shares; nothing here sends anything itself."""

    def __init__(
        self,
        logger: logging.Logger,
        config: DynamoDBConfig,
        *,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        if not isinstance(logger, logging.Logger):
            raise TypeError(f"logger must be a logging.Logger, not {type(logger).__name__}")
        if not isinstance(config, DynamoDBConfig):
            raise TypeError(f"config must be a DynamoDBConfig, not {type(config).__name__}")
        self.logger = logger
        self.config = config
        self.decode = item_decoder(config.numbers)
        self.jitter = jitter
        self.closed = False
        self._refusal_level = logging.getLevelName(config.condition_failure_log_level)
        self._schemas: dict[str, KeySchema] = {}
        self._lock = threading.Lock()

    @contextmanager
    def operation(
        self, name: str, table_name: str | None = None, *, table: bool = True
    ) -> Iterator[Operation]:
        """The lifecycle of one public call: checks, DEBUG, INFO or one failure record."""
        shown = table_name if isinstance(table_name, str) else "-"
        op = Operation(self.logger, name, shown, refusal_level=self._refusal_level)
        with op.running():
            self.check_open(name)
            if table:
                op.table = self.resolve_table(table_name)
            op.started()
            yield op

    def check_open(self, name: str) -> None:
        """Raise ``RuntimeError`` once the service is closed."""
        if self.closed:
            raise RuntimeError(f"{name}: the service is closed")

    def resolve_table(self, table_name: str | None) -> str:
        """The given table name, checked, else the default, else ``ValueError``."""
        if table_name is not None:
            return check_table_name(table_name)
        if self.config.default_table_name is None:
            raise ValueError("no table_name given and no default_table_name configured")
        return self.config.default_table_name

    def forget_schema(self, table: str) -> None:
        """Drop the cached key schema of ``table`` (it is being made or deleted)."""
        with self._lock:
            self._schemas.pop(table, None)

    def schemas(self, op: Operation, tables: Iterable[str]) -> Steps[dict[str, KeySchema]]:
        """The key schemas of ``tables``: cached, else from one ``DescribeTable`` each."""
        found: dict[str, KeySchema] = {}
        for table in dict.fromkeys(tables):
            with self._lock:
                schema = self._schemas.get(table)
            if schema is None:
                call = Call("DescribeTable", {"TableName": table})
                response: Response = yield from op.exchange(call)
                schema = KeySchema.of(response["Table"])
                with self._lock:
                    self._schemas[table] = schema
            found[table] = schema
        return found

    def keyed(
        self,
        op: Operation,
        tables: Iterable[str],
        check: Callable[[Mapping[str, KeySchema]], T],
    ) -> Steps[T]:
        """``check`` the cached key schemas; if something does not fit, look again once.

        A table deleted and made again elsewhere with another key leaves the cache stale:
        one fresh ``DescribeTable`` per cached table settles whether the caller is wrong.
        Schemas described by this very call are fresh already, and are not asked again.
        """
        names = list(dict.fromkeys(tables))
        with self._lock:
            cached = [table for table in names if table in self._schemas]
        schemas = yield from self.schemas(op, names)
        try:
            return check(schemas)
        except KeySchemaError:
            if not cached:
                raise
            for table in cached:
                self.forget_schema(table)
            schemas = yield from self.schemas(op, names)
            return check(schemas)

    def describe(self, op: Operation, table: str) -> Steps[TableDescriptionTypeDef | None]:
        """``DescribeTable``, or None when there is no such table."""
        try:
            response: Response = yield from op.exchange(Call("DescribeTable", {"TableName": table}))
        except ClientError as error:
            if error_code(error) == "ResourceNotFoundException":
                return None
            raise
        described: TableDescriptionTypeDef = response["Table"]
        return described

    def wait(
        self, op: Operation, done: Callable[[TableDescriptionTypeDef | None], bool]
    ) -> Steps[None]:
        """Poll ``DescribeTable`` about once a second until ``done``; give up after 300 polls."""
        for _ in range(MAX_POLLS):
            described = yield from self.describe(op, op.table)
            if done(described):
                return
            op.count("polls")
            yield Sleep(POLL_SECONDS)
        raise TimeoutError(f"{op.name} on {op.table}: not done after {MAX_POLLS} polls")

    def items_of(self, op: Operation, wires: list[Any]) -> list[Item]:
        """Decode a page's wire items; count them."""
        op.count("items", len(wires))
        return list(map(self.decode, wires))

    def decoder(self, model: type[BaseModel] | None) -> Callable[[Any], Item]:
        """The decoder of wire items read as ``model``: exact decimals when it has them."""
        return self.decode if model is None else decoder_for(model, self.config.numbers)

    def typed(
        self,
        op: Operation,
        model: type[M],
        items: list[Item],
        key_names: Sequence[str] = (),
        keys: Sequence[Item] | None = None,
    ) -> Steps[tuple[list[M], ItemValidationError | None]]:
        """Validate decoded items as ``model``: the models before a misfit, and the misfit.

        A misfit is named by its key (from ``keys`` when the items may not hold theirs);
        when ``key_names`` are not known, the table's are looked up (cached) only then.
        """
        table = op.table
        models, misfit = validate_page(model, items, table=table, key_names=key_names, keys=keys)
        if misfit is not None and not key_names and keys is None:
            names = (yield from self.schemas(op, [table]))[table].names
            models, misfit = validate_page(model, items, table=table, key_names=names)
        return models, misfit

    def models_of(
        self,
        op: Operation,
        model: type[M],
        wires: list[Any],
        key_names: Sequence[str] = (),
        keys: Sequence[Item] | None = None,
    ) -> Steps[list[M]]:
        """Decode and validate a whole result (a page, a batch); count the items."""
        op.count("items", len(wires))
        items = list(map(self.decoder(model), wires))
        models, misfit = yield from self.typed(op, model, items, key_names, keys)
        if misfit is not None:
            raise misfit
        return models
