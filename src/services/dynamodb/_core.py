"""The service's core: construction, lifetime, ``_operation``, tables, key schemas.

``_operation`` is the one mechanism every public method runs in: it refuses work
after ``close()``, resolves the table, logs DEBUG on start, INFO with counts and
elapsed milliseconds when done, and ERROR once before any exception propagates.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from botocore.model import Shape

from ._connection import botocore_config, check_crc32, redact_secrets, session
from ._keys import KeySchema, KeySchemaError
from ._observe import Operation
from ._paging import Fetch, Page
from ._values import item_decoder
from .dynamodb_models import DynamoDBConfig, Item, check_table_name

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.service_resource import DynamoDBServiceResource
    from mypy_boto3_dynamodb.type_defs import TableDescriptionTypeDef

T = TypeVar("T")
TABLE_WAIT_SECONDS = 300.0
POLL_SECONDS = 1.0


class ServiceCore:
    """What every operation of ``DynamoDBService`` stands on."""

    def __init__(self, logger: logging.Logger, config: DynamoDBConfig) -> None:
        if not isinstance(logger, logging.Logger):
            raise TypeError(f"logger must be a logging.Logger, not {type(logger).__name__}")
        if not isinstance(config, DynamoDBConfig):
            raise TypeError(f"config must be a DynamoDBConfig, not {type(config).__name__}")
        self._logger = logger
        self._config = config
        self._decode = item_decoder(config.numbers)
        redact_secrets(config)
        self._session = session(config)
        self._client: DynamoDBClient = self._session.client(
            "dynamodb", endpoint_url=config.endpoint_url, config=botocore_config(config)
        )
        self._client.meta.events.register("after-call.dynamodb", check_crc32)
        self._resource: DynamoDBServiceResource | None = None
        self._key_schemas: dict[str, KeySchema] = {}
        self._lock = threading.Lock()
        self._closed = False
        self._sleep: Callable[[float], None] = time.sleep

    @property
    def client(self) -> DynamoDBClient:
        """The boto3 client every operation uses (thread-safe)."""
        return self._client

    @property
    def resource(self) -> DynamoDBServiceResource:
        """A boto3 resource on the same session, made on first use; not thread-safe.

        The service never uses it: boto3's resource objects must not be shared
        between threads, and its client rewrites every value through ``TypeSerializer``.
        """
        with self._lock:
            if self._resource is None:
                self._resource = self._session.resource(
                    "dynamodb",
                    endpoint_url=self._config.endpoint_url,
                    config=botocore_config(self._config),
                )
            return self._resource

    def __repr__(self) -> str:
        config = self._config
        return (
            f"DynamoDBService(region_name={config.region_name!r}, "
            f"endpoint_url={config.endpoint_url!r}, "
            f"default_table_name={config.default_table_name!r})"
        )

    # -- lifetime -------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection pool; every later operation is a ``RuntimeError``."""
        self._closed = True
        self._client.close()
        if self._resource is not None:
            self._resource.meta.client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # -- the one logging/error mechanism ----------------------------------------------

    def _begin(self, name: str, table_name: str | None, *, table: bool = True) -> Operation:
        op = Operation(self._logger, name, table_name if isinstance(table_name, str) else "-")
        with op.failures_logged():
            if self._closed:
                raise RuntimeError(f"{name}: this DynamoDBService is closed")
            if table:
                op.table = self._resolve_table(table_name)
        op.started()
        return op

    @contextmanager
    def _operation(
        self, name: str, table_name: str | None = None, *, table: bool = True
    ) -> Iterator[Operation]:
        op = self._begin(name, table_name, table=table)
        with op.running(), self._closing_behind():
            yield op

    @contextmanager
    def _closing_behind(self) -> Iterator[None]:
        """Close the client again after a call that raced ``close()`` (botocore reopens it)."""
        try:
            yield
        finally:
            if self._closed:
                self._client.close()

    def _resolve_table(self, table_name: str | None) -> str:
        if table_name is not None:
            return check_table_name(table_name)
        if self._config.default_table_name is None:
            raise ValueError("no table_name given and no default_table_name configured")
        return self._config.default_table_name

    def _key_schema(self, table: str) -> KeySchema:
        with self._lock:
            schema = self._key_schemas.get(table)
        if schema is None:
            schema = KeySchema.of(self._client.describe_table(TableName=table)["Table"])
            with self._lock:
                self._key_schemas[table] = schema
        return schema

    def _keyed(self, check: Callable[[Callable[[str], KeySchema]], T]) -> T:
        """Run ``check`` with the cached key schemas; if something does not fit, look again.

        A table deleted and made again elsewhere with another key leaves the cache stale:
        one fresh ``DescribeTable`` per table settles whether the caller is wrong.
        """
        try:
            return check(self._key_schema)
        except KeySchemaError:
            with self._lock:
                self._key_schemas.clear()
            return check(self._key_schema)

    def _forget_schema(self, table: str) -> None:
        with self._lock:
            self._key_schemas.pop(table, None)

    def _items(self, op: Operation, pages: Iterator[Page]) -> Iterator[Item]:
        decode = self._decode
        with op.running(), self._closing_behind():
            for page in pages:
                op.count("pages")
                op.count("items", len(page))
                yield from map(decode, page)

    def _while_open(self, fetch: Fetch) -> Fetch:
        """``fetch``, refusing to send once the service is closed (a stream kept past it)."""

        def fetch_while_open(**request: Any) -> Mapping[str, Any]:
            if self._closed:
                raise RuntimeError("this DynamoDBService was closed during the read")
            return fetch(**request)

        return fetch_while_open

    def _shape(self, operation: str) -> Shape:
        """The input shape botocore has for ``operation`` (every operation has one)."""
        return cast(Shape, self._client.meta.service_model.operation_model(operation).input_shape)

    def _describe(self, table: str) -> TableDescriptionTypeDef | None:
        try:
            return self._client.describe_table(TableName=table)["Table"]
        except self._client.exceptions.ResourceNotFoundException:
            return None

    def _wait(self, op: Operation, done: Callable[[], bool]) -> None:
        deadline = time.monotonic() + TABLE_WAIT_SECONDS
        while not done():
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"{op.name} on {op.table}: not done after {TABLE_WAIT_SECONDS} s"
                )
            op.count("polls")
            self._sleep(POLL_SECONDS)
