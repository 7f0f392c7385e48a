"""The public operations, declared once for both services.

Each operation is a generator method of ``Core`` (``_op_*`` modules). ``Operations``
binds them to a driver through small descriptors: on ``DynamoDBService`` (a
``Blocking`` driver) ``service.get_item(...)`` runs the generator with the blocking
client and returns the item; on ``AsyncDynamoDBService`` (an ``Awaiting`` driver) it
returns a coroutine that runs it with aiobotocore. The signature, the docstring, the
checks and the log records are the core's, so the twins cannot drift apart.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from typing import (
    TYPE_CHECKING,
    Any,
    Concatenate,
    Generic,
    Literal,
    ParamSpec,
    Protocol,
    Self,
    TypeVar,
    overload,
)

from ._connection import redact_secrets
from ._op_bulk import BulkSteps
from ._op_items import ItemSteps
from ._op_reads import ReadSteps
from ._op_tables import TableSteps
from ._protocol import Steps, Stream
from .dynamodb_models import Condition, DynamoDBConfig, Item, ItemIn, Names

P = ParamSpec("P")
T = TypeVar("T")
S = TypeVar("S")
A = TypeVar("A")
N_co = TypeVar("N_co", covariant=True)
O_co = TypeVar("O_co", covariant=True)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import Exceptions

    class ReturnsOld(Protocol[N_co, O_co]):
        """``put_item``/``delete_item``: ``N_co`` by default, ``O_co`` with ``return_old=True``."""

        @overload
        def __call__(
            self,
            item_or_key: ItemIn,
            /,
            table_name: str | None = None,
            *,
            condition_expression: Condition | None = None,
            expression_attribute_names: Names | None = None,
            expression_attribute_values: ItemIn | None = None,
            return_old: Literal[False] = False,
        ) -> N_co: ...
        @overload
        def __call__(
            self,
            item_or_key: ItemIn,
            /,
            table_name: str | None = None,
            *,
            condition_expression: Condition | None = None,
            expression_attribute_names: Names | None = None,
            expression_attribute_values: ItemIn | None = None,
            return_old: bool,
        ) -> O_co: ...

    _Old = Item | None
    SyncReturnsOld = ReturnsOld[None, _Old]
    AsyncReturnsOld = ReturnsOld[Coroutine[Any, Any, None], Coroutine[Any, Any, _Old]]


class Core(TableSteps, ItemSteps, ReadSteps, BulkSteps):
    """Every operation, as a generator over the instructions it needs carried out."""


class Driver:
    """What both services share: the core, and how they show themselves."""

    def __init__(self, logger: logging.Logger, config: DynamoDBConfig) -> None:
        """Check both dependencies (``TypeError``) and keep the config's secrets out of logs."""
        self._core = Core(logger, config)
        redact_secrets(config)

    @property
    def config(self) -> DynamoDBConfig:
        """The configuration this service was made with."""
        return self._core.config

    def _resolve_table(self, table_name: str | None) -> str:
        """The given table name, else the configured default, else ``ValueError``."""
        return self._core.resolve_table(table_name)

    def __repr__(self) -> str:
        config = self._core.config
        return (
            f"{type(self).__name__}(region_name={config.region_name!r}, "
            f"endpoint_url={config.endpoint_url!r}, "
            f"default_table_name={config.default_table_name!r})"
        )


class Blocking(Driver):
    """A driver that carries out instructions and returns when they are done."""

    def _run(self, steps: Steps[T]) -> T:
        raise NotImplementedError

    def _stream(self, stream: Stream) -> Iterator[Item]:
        raise NotImplementedError


class Awaiting(Driver):
    """A driver whose operations are coroutines and whose streams are async iterators."""

    async def _run(self, steps: Steps[T]) -> T:
        raise NotImplementedError

    def _stream(self, stream: Stream) -> AsyncIterator[Item]:
        raise NotImplementedError

    @property
    def exceptions(self) -> Exceptions:
        """Botocore's modelled exceptions of this service's client."""
        raise NotImplementedError


class _Bound:
    """Binds a core operation to a driver (cached per instance after the first access)."""

    def __init__(self, steps: Callable[..., Any]) -> None:
        self._steps = steps
        self._name = steps.__name__
        self._signature: inspect.Signature | None = None

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self._name = name

    def _bind(self, driver: Driver, run: Callable[[Any], Any]) -> Callable[..., Any]:
        steps, core = self._steps, driver._core

        def call(*args: Any, **kwargs: Any) -> Any:
            return run(steps(core, *args, **kwargs))

        if self._signature is None:
            signature = inspect.signature(steps)
            parameters = list(signature.parameters.values())[1:]
            empty = inspect.Signature.empty
            self._signature = signature.replace(parameters=parameters, return_annotation=empty)
        call.__name__ = call.__qualname__ = self._name
        call.__doc__ = steps.__doc__
        call.__signature__ = self._signature  # type: ignore[attr-defined]
        driver.__dict__[self._name] = call
        return call


class unary(_Bound, Generic[P, T]):  # noqa: N801 - used like a decorator
    """An operation that returns one result: a value, or a coroutine of it."""

    def __init__(self, steps: Callable[Concatenate[Core, P], Steps[T]]) -> None:
        super().__init__(steps)

    @overload
    def __get__(self, driver: None, owner: type[Any]) -> Self: ...
    @overload
    def __get__(self, driver: Blocking, owner: type[Any]) -> Callable[P, T]: ...
    @overload
    def __get__(
        self, driver: Awaiting, owner: type[Any]
    ) -> Callable[P, Coroutine[Any, Any, T]]: ...
    def __get__(self, driver: Driver | None, owner: type[Any]) -> Any:
        """The operation, bound to ``driver``."""
        if driver is None:
            return self
        return self._bind(driver, driver._run)  # type: ignore[attr-defined]


class streaming(_Bound, Generic[P]):  # noqa: N801 - used like a decorator
    """An operation that yields items: an iterator, or an async iterator."""

    def __init__(self, steps: Callable[Concatenate[Core, P], Stream]) -> None:
        super().__init__(steps)

    @overload
    def __get__(self, driver: None, owner: type[Any]) -> Self: ...
    @overload
    def __get__(self, driver: Blocking, owner: type[Any]) -> Callable[P, Iterator[Item]]: ...
    @overload
    def __get__(self, driver: Awaiting, owner: type[Any]) -> Callable[P, AsyncIterator[Item]]: ...
    def __get__(self, driver: Driver | None, owner: type[Any]) -> Any:
        """The stream, bound to ``driver``."""
        if driver is None:
            return self
        return self._bind(driver, driver._stream)  # type: ignore[attr-defined]


class typed(_Bound, Generic[S, A]):  # noqa: N801 - used like a decorator
    """An operation with overloads: ``S`` on the blocking driver, ``A`` on the awaiting one."""

    @overload
    def __get__(self, driver: None, owner: type[Any]) -> Self: ...
    @overload
    def __get__(self, driver: Blocking, owner: type[Any]) -> S: ...
    @overload
    def __get__(self, driver: Awaiting, owner: type[Any]) -> A: ...
    def __get__(self, driver: Driver | None, owner: type[Any]) -> Any:
        """The operation, bound to ``driver``."""
        if driver is None:
            return self
        return self._bind(driver, driver._run)  # type: ignore[attr-defined]


class Operations:
    """Every public operation, for both services; see ``Core`` for what each does."""

    ping = unary(Core.ping)
    table_exists = unary(Core.table_exists)
    list_tables = unary(Core.list_tables)
    create_table = unary(Core.create_table)
    delete_table = unary(Core.delete_table)
    put_item: typed[SyncReturnsOld, AsyncReturnsOld] = typed(Core.put_item)
    get_item = unary(Core.get_item)
    update_item = unary(Core.update_item)
    delete_item: typed[SyncReturnsOld, AsyncReturnsOld] = typed(Core.delete_item)
    query = unary(Core.query)
    iter_query = streaming(Core.iter_query)
    query_page = unary(Core.query_page)
    scan = unary(Core.scan)
    iter_scan = streaming(Core.iter_scan)
    scan_page = unary(Core.scan_page)
    execute_statement = unary(Core.execute_statement)
    batch_write_items = unary(Core.batch_write_items)
    batch_delete_items = unary(Core.batch_delete_items)
    batch_get_items = unary(Core.batch_get_items)
    transact_write_items = unary(Core.transact_write_items)
    transact_get_items = unary(Core.transact_get_items)
