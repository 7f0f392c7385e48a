"""What both integration suites share: the table shape, configs and unique table names."""

from __future__ import annotations

import asyncio
import base64
import inspect
import json
import os
import re
import threading
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, NamedTuple, Protocol, Self, TypeVar

import boto3
from botocore.config import Config
from mypy_boto3_dynamodb import DynamoDBClient
from mypy_boto3_dynamodb.type_defs import AttributeDefinitionTypeDef, KeySchemaElementTypeDef

from src.services.dynamodb._protocol import Call
from src.services.dynamodb.async_dynamodb_service import AsyncDynamoDBService
from src.services.dynamodb.dynamodb_models import DynamoDBConfig, Item
from src.services.dynamodb.dynamodb_service import DynamoDBService

T = TypeVar("T")
TRANSPORT_ENV = "DYNAMODB_TRANSPORT"
"""The transport every integration test's service uses (``lean`` or ``botocore``)."""
LEAN = os.environ.get(TRANSPORT_ENV, "botocore") == "lean"
"""Whether this run asks for the lean wire path (``DYNAMODB_TRANSPORT=lean``)."""
LOOP_ENV = "DYNAMODB_TEST_LOOP"
"""The event loop the async twin's tests run on: ``asyncio`` (the default) or ``uvloop``."""
BOTOCORE_ONLY = "about botocore itself (its event hooks or its own logging), not the service"
"""The reason of a ``skipif(LEAN, ...)``: the test observes botocore, which lean bypasses."""

KEY_SCHEMA: list[KeySchemaElementTypeDef] = [
    {"AttributeName": "pk", "KeyType": "HASH"},
    {"AttributeName": "sk", "KeyType": "RANGE"},
]
ATTRIBUTES: list[AttributeDefinitionTypeDef] = [
    {"AttributeName": "pk", "AttributeType": "S"},
    {"AttributeName": "sk", "AttributeType": "N"},
]


class ServiceFactory(Protocol):
    """Makes a service (keys local/local, us-east-1); keyword arguments override the config."""

    def __call__(self, **overrides: Any) -> DynamoDBService: ...


def unique_table_name(hint: str, prefix: str = "it") -> str:
    """A legal, unique table name that still says which test made it."""
    readable = re.sub(r"[^A-Za-z0-9_.-]+", "-", hint)[:60]
    return f"{prefix}-{readable}-{uuid.uuid4().hex}"


def make_config(endpoint: str, /, **overrides: Any) -> DynamoDBConfig:
    """A config on ``endpoint`` with keys local/local in us-east-1; ``overrides`` win."""
    settings: dict[str, Any] = {
        "region_name": "us-east-1",
        "endpoint_url": endpoint,
        "aws_access_key_id": "local",
        "aws_secret_access_key": "local",
        "transport": os.environ.get(TRANSPORT_ENV, "botocore"),
        **overrides,
    }
    return DynamoDBConfig(**settings)


def plain_client(endpoint_url: str, *, attempts: int, read_timeout: float) -> DynamoDBClient:
    """A plain boto3 client (keys local/local), not the service: a test's own witness."""
    return boto3.client(
        "dynamodb",
        region_name="us-east-1",
        endpoint_url=endpoint_url,
        aws_access_key_id="local",
        aws_secret_access_key="local",
        config=Config(
            connect_timeout=2,
            read_timeout=read_timeout,
            retries={"total_max_attempts": attempts, "mode": "standard"},
        ),
    )


class _SyncClient:
    """The async client, called synchronously: coroutine results are run on the adapter's loop.

    ``client.meta.events.register(...)`` and ``client.exceptions`` pass straight through
    (aiobotocore's emitter accepts plain functions as handlers).
    """

    def __init__(self, client: Any, run: Callable[[Awaitable[Any]], Any]) -> None:
        self._client = client
        self._run = run

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if not callable(attribute):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            result = attribute(*args, **kwargs)
            return self._run(result) if inspect.isawaitable(result) else result

        return call


def new_event_loop() -> asyncio.AbstractEventLoop:
    """A new event loop of the kind ``DYNAMODB_TEST_LOOP`` names (uvicorn runs on uvloop)."""
    kind = os.environ.get(LOOP_ENV, "asyncio")
    if kind == "uvloop":
        import uvloop

        return uvloop.new_event_loop()
    if kind != "asyncio":
        raise ValueError(f"{LOOP_ENV} is {kind!r}: asyncio or uvloop")
    return asyncio.new_event_loop()


class SyncOverAsync:
    """An ``AsyncDynamoDBService`` behind the blocking service's interface, for the tests.

    It owns one event loop, running in a background thread: every public operation is
    sent there with ``run_coroutine_threadsafe`` and its result (or exception) returned;
    ``iter_query``/``iter_scan`` become plain iterators (closed iterators ``aclose`` the
    async one). ``config`` and ``exceptions`` are forwarded; ``client`` is the async
    client (made on demand) called synchronously. Safe to call from several threads.
    ``close()`` closes the service only: operations afterwards still run, and fail as the
    async service does; ``shutdown()`` also stops the loop.
    """

    STREAMS = frozenset({"iter_query", "iter_scan"})

    def __init__(self, service: AsyncDynamoDBService) -> None:
        self.service = service
        self._loop = new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="sync-over-async", daemon=True
        )
        self._thread.start()

    def _run(self, awaitable: Awaitable[T]) -> T:
        async def wait() -> T:
            return await awaitable

        return asyncio.run_coroutine_threadsafe(wait(), self._loop).result()

    def _iterate(self, stream: AsyncIterator[Item]) -> Iterator[Item]:
        try:
            while True:
                try:
                    item = self._run(anext(stream))
                except StopAsyncIteration:
                    return
                yield item
        finally:
            aclose = getattr(stream, "aclose", None)
            if aclose is not None and not self._loop.is_closed():
                self._run(aclose())

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.service, name)
        if name.startswith("_") or not callable(attribute):
            return attribute
        if name in self.STREAMS:

            def stream(*args: Any, **kwargs: Any) -> Iterator[Item]:
                return self._iterate(attribute(*args, **kwargs))

            return stream

        def call(*args: Any, **kwargs: Any) -> Any:
            return self._run(attribute(*args, **kwargs))

        return call

    @property
    def client(self) -> Any:
        """The async service's aiobotocore client (made on demand), called synchronously."""
        return _SyncClient(self._run(self.service._the_client()), self._run)

    def close(self) -> None:
        """Close the async service (later operations are its ``RuntimeError``)."""
        self._run(self.service.close())

    def shutdown(self) -> None:
        """Close the service, then stop and close the loop and its thread."""
        if self._loop.is_closed():
            return
        self.close()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.run_until_complete(self._loop.shutdown_asyncgens())
        self._loop.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.shutdown()


# -- observing what a service sends, on either transport ----------------------------------


class SentCall(NamedTuple):
    """One logical call a service sent: its operation and its request as JSON would hold it."""

    operation: str
    params: dict[str, Any]


def _json_default(value: object) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, set | frozenset):
        return list(value)
    raise TypeError(f"not in a DynamoDB request: {type(value).__name__}")


def as_json(params: Any) -> dict[str, Any]:
    """``params`` as the request body carries them: binary values base64 text, as botocore
    serializes them (the drivers hand ``bytes`` to either transport)."""
    loaded: dict[str, Any] = json.loads(json.dumps(params, default=_json_default))
    return loaded


def driver_of(service: DynamoDBService) -> DynamoDBService | AsyncDynamoDBService:
    """The service object itself: the async twin behind ``SyncOverAsync``, or the service."""
    inner = getattr(service, "service", None)
    return inner if isinstance(inner, AsyncDynamoDBService) else service


class _Watch:
    """What ``watch_sends`` puts around one service's send point."""

    def __init__(
        self,
        operation: str,
        before: Callable[[SentCall], None] | None,
        after: Callable[[SentCall], None] | None,
    ) -> None:
        self.operation = operation
        self.before = before
        self.after = after
        self.seen: list[SentCall] = []

    def enter(self, call: Call) -> SentCall | None:
        if self.operation not in ("*", call.operation):
            return None
        entry = SentCall(call.operation, as_json(call.params))
        self.seen.append(entry)
        if self.before is not None:
            self.before(entry)
        return entry

    def leave(self, entry: SentCall | None) -> None:
        if entry is not None and self.after is not None:
            self.after(entry)

    def blocking(self, original: Callable[[Call], dict[str, Any]]) -> Any:
        def send(call: Call) -> dict[str, Any]:
            entry = self.enter(call)
            try:
                return original(call)
            finally:
                self.leave(entry)

        return send

    def awaiting(self, original: Callable[[Call], Awaitable[dict[str, Any]]]) -> Any:
        async def send(call: Call) -> dict[str, Any]:
            entry = self.enter(call)
            try:
                return await original(call)
            finally:
                self.leave(entry)

        return send


def watch_sends(
    service: DynamoDBService,
    operation: str = "*",
    *,
    before: Callable[[SentCall], None] | None = None,
    after: Callable[[SentCall], None] | None = None,
) -> list[SentCall]:
    """Record every logical call of ``operation`` (``"*"``: any) the service sends from now on.

    The seam is the drivers' single send point (``_send``, which every ``Call`` and every
    call of a ``Fanout`` goes through, on both twins), so it sees the same calls on the
    lean path as on botocore: one entry per call, whatever its retries (count attempts at
    the fault proxy). Probes (``ping``) have their own clients and are not seen, as
    ``before-call`` on ``service.client`` never saw them. ``before(entry)`` runs as the
    call is entered, on the thread (or in the task) that sends it, and ``after(entry)``
    once it returned or raised.
    """
    watch = _Watch(operation, before, after)
    target: Any = driver_of(service)
    wrap = watch.awaiting if isinstance(target, AsyncDynamoDBService) else watch.blocking
    target._send = wrap(target._send)
    return watch.seen


def sends_lean(service: DynamoDBService) -> bool:
    """Whether the service's data-plane calls go by the lean wire path (else botocore).

    The async twin decides when its client is made, which this makes happen.
    """
    target: Any = driver_of(service)
    if isinstance(target, AsyncDynamoDBService):
        service.client  # noqa: B018 - makes the client, and with it the lean sender
    return target._lean is not None
