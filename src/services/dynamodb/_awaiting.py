"""The async driver: what ``AsyncDynamoDBService`` runs its operations with.

The twin of the blocking driver (``_blocking``): both drive the same core
(``_driver.Core``), so the operations, arguments, checks, errors and log records are the
same. This driver awaits each ``Call`` on an aiobotocore client (made on first use,
once), runs a ``Fanout`` as tasks, and ``asyncio.sleep``s a ``Sleep``.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Awaitable, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

try:
    import aiobotocore  # noqa: F401 - its session and client are imported on first use
except ImportError as missing:  # pragma: no cover - proven in a fresh interpreter
    raise ImportError(
        "AsyncDynamoDBService needs aiobotocore: pip install 'dynamodb-service[async]'"
    ) from missing

from . import _fastread
from ._connection import (
    cache_user_agent,
    client_settings,
    crc32_error,
    credentials,
    settings,
)
from ._driver import Driver
from ._fastread import SERVICE_CALL
from ._gcpause import advance
from ._protocol import (
    INSTRUCTIONS,
    Call,
    Fanout,
    Instruction,
    Probe,
    Sleep,
    Steps,
    Stream,
)
from ._wire import AsyncLeanSender
from ._wire.calls import Prepared, windows
from ._wire.source import light_source
from ._wire.watch import Watch
from .dynamodb_models import DynamoDBConfig

if TYPE_CHECKING:
    import logging

    from aiobotocore.session import AioSession
    from mypy_boto3_dynamodb.client import Exceptions
    from types_aiobotocore_dynamodb.client import DynamoDBClient

    from ._protocol import AsyncSender

T = TypeVar("T")


LARGE_BODY_BYTES = 2**20
"""aiohttp writes a bytes body over 1 MB in one blocking call (and warns); a file it streams."""


def _stream_large_body(request: Any, **_: Any) -> None:
    """``before-send`` hook: hand aiohttp a large batch body as a file, read in pieces.

    botocore rewinds it (``reset_stream``) for a retry; the signature covers the same bytes.
    """
    if isinstance(request.body, bytes) and len(request.body) > LARGE_BODY_BYTES:
        request.body = io.BytesIO(request.body)


async def _check_crc32(http_response: Any, parsed: dict[str, Any], **_: Any) -> None:
    """``after-call`` hook of the async client: the blocking client's check, awaited."""
    if not parsed.get("ResponseMetadata", {}).get("MaxAttemptsReached"):
        return
    error = crc32_error(http_response.headers, await http_response.content)
    if error is not None:
        raise error


class AwaitingDriver(Driver):
    """Runs the core's operations on aiobotocore; safe between the tasks of one loop."""

    def __init__(self, logger: logging.Logger, config: DynamoDBConfig) -> None:
        """Keep the settings; no network call, no running loop needed (the client comes later).

        With ``transport="lean"``, an ``endpoint_url`` and keys botocore's chain would find
        first (``light_source``), the lean path is set up now and aiobotocore's session and
        client wait for something that needs them (a table operation, ``ping``, an error).
        """
        super().__init__(logger, config)
        self._made_session: AioSession | None = None
        self._client: DynamoDBClient | None = None
        self._lean: AsyncLeanSender | None = None
        self._decided = False
        self._probes: dict[float | None, Any] = {}
        self._contexts: list[Any] = []
        self._lock = asyncio.Lock()
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()
        if config.transport == "lean":
            source = light_source(config, self._modelled_exceptions)
            if source is not None:
                self._decided = True
                if self._lean_wanted():
                    self._lean = AsyncLeanSender(config, None, source=source)

    @property
    def _session(self) -> AioSession:
        """Aiobotocore's session with the configured credentials, made on first use."""
        if self._made_session is None:
            from aiobotocore.session import AioSession

            made = AioSession()
            if (keys := credentials(self._core.config)) is not None:
                made.set_credentials(*keys)
            self._made_session = made
        return self._made_session

    async def _make_client(self, *, probe: bool = False, timeout: float | None = None) -> Any:
        from aiobotocore.config import AioConfig

        config = self._core.config
        context = self._session.create_client(
            "dynamodb",
            **client_settings(config),
            config=AioConfig(**settings(config, probe=probe, timeout=timeout)),
        )
        client = await context.__aenter__()
        self._contexts.append(context)
        client.meta.events.register("after-call.dynamodb", _check_crc32)
        cache_user_agent(client)
        client.meta.events.register("before-send.dynamodb", _stream_large_body)
        if config.fast_reads:
            _fastread.register(client.meta.events)
        return client

    async def _the_client(self) -> DynamoDBClient:
        async with self._lock:
            self._core.check_open("client")
            if self._client is None:
                self._client = await self._make_client()
                self._watch = Watch(self._client)
                if not self._decided:
                    self._decided = True
                    lean = self._lean_wanted()
                    self._lean = AsyncLeanSender(self._core.config, self._client) if lean else None
            return self._client

    @property
    def exceptions(self) -> Exceptions:
        """Botocore's modelled exceptions of the client: ``ConditionalCheckFailedException``..."""
        if self._client is not None:
            return cast("Exceptions", self._client.exceptions)
        return self._modelled_exceptions()

    def _modelled_exceptions(self) -> Exceptions:
        """The session's exception classes of the service model: the client's very classes."""
        from botocore.model import ServiceModel

        factory = self._session._get_internal_component("exceptions_factory")
        loader = self._session.get_component("data_loader")
        model = ServiceModel(loader.load_service_model("dynamodb", "service-2"), "dynamodb")
        return factory.create_client_exceptions(model)  # type: ignore[no-any-return]

    # -- lifetime -------------------------------------------------------------------------

    async def close(self) -> None:
        """Close the client and its connections; every later operation is a ``RuntimeError``."""
        self._core.closed = True
        await self._idle.wait()  # requests already sent finish; closing would cancel them
        async with self._lock:
            contexts, self._contexts = self._contexts, []
            self._client, self._probes = None, {}
            lean, self._lean = self._lean, None
        for context in contexts:
            await context.__aexit__(None, None, None)
        if lean is not None:
            await lean.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    # -- the driver -----------------------------------------------------------------------

    async def _run(self, steps: Steps[T]) -> T:
        try:
            instruction = advance(steps)
            while True:
                instruction = advance(steps, *await self._outcome(instruction))
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]
        finally:
            steps.close()

    def _stream(self, stream: Stream) -> AsyncIterator[Any]:
        try:
            first: Any = advance(stream)
        except StopIteration:
            first = None
        return self._pump(stream, first)

    async def _pump(self, stream: Stream, step: Any) -> AsyncIterator[Any]:
        try:
            while step is not None:
                if type(step) not in INSTRUCTIONS:
                    yield step
                    step = advance(stream)
                else:
                    step = advance(stream, *await self._outcome(step))
        except StopIteration:
            return
        finally:
            stream.close()

    async def _outcome(self, instruction: Instruction) -> tuple[Any, Exception | None]:
        try:
            return await self._carry_out(instruction), None
        except Exception as error:
            return None, error

    async def _carry_out(self, instruction: Instruction) -> Any:
        kind = type(instruction)
        if kind is Call:
            return await self._send(instruction)  # type: ignore[arg-type]
        if kind is Fanout:
            return await self._fan_out(instruction)  # type: ignore[arg-type]
        if kind is Sleep:
            return await asyncio.sleep(instruction.seconds)  # type: ignore[union-attr]
        return await self._probe(instruction)  # type: ignore[arg-type]

    async def _send(self, call: Call) -> dict[str, Any]:
        self._core.check_open("client")
        if not self._decided:
            await self._the_client()
        lean = self._lean
        if lean is not None and self._unhooked(call.operation):
            if isinstance(call, Prepared):
                return await self._flying(lean.send_prepared(call))
            return await self._flying(lean.send_unread(call.operation, call.params))
        client = self._client or await self._the_client()
        sender = cast("AsyncSender", client)
        return await self._flying(sender._make_api_call(call.operation, call.params))

    async def _flying(self, sending: Awaitable[dict[str, Any]]) -> dict[str, Any]:
        """Await one call, counted in flight so that ``close()`` waits for it to finish."""
        self._in_flight += 1
        self._idle.clear()
        marked = SERVICE_CALL.set(True)
        try:
            return await sending
        finally:
            SERVICE_CALL.reset(marked)
            self._in_flight -= 1
            if not self._in_flight:
                self._idle.set()

    async def _probe(self, probe: Probe) -> dict[str, Any]:
        async with self._lock:
            self._core.check_open("ping")
            timeout = probe.timeout_seconds
            client = self._probes.get(timeout) or await self._make_client(
                probe=True, timeout=timeout
            )
            self._probes[timeout] = client
        call = probe.call
        sender = cast("AsyncSender", client)
        return await self._flying(sender._make_api_call(call.operation, call.params))

    async def _one_by_one(self, calls: Sequence[Call]) -> list[dict[str, Any]]:
        """Send the calls in turn; on the lean path, a window of them encoded and signed ahead."""
        self._core.check_open("client")
        if not self._decided:
            await self._the_client()
        lean = self._lean
        if lean is None or not all(self._unhooked(call.operation) for call in calls):
            return [await self._send(call) for call in calls]
        answers: list[dict[str, Any]] = []
        for window in windows(calls):
            answers += [await self._send(prepared) for prepared in await lean.prepare(window)]
        return answers

    async def _fan_out(self, fanout: Fanout) -> list[dict[str, Any]]:
        """Send the calls as tasks, at most ``concurrency`` at once; a failure stops the rest."""
        calls = fanout.calls
        if fanout.concurrency == 1 or len(calls) == 1:
            return await self._one_by_one(calls)
        answers: list[dict[str, Any]] = [{} for _ in calls]
        waiting = iter(enumerate(calls))
        failures: list[Exception] = []

        async def worker() -> None:
            while not failures and (nxt := next(waiting, None)) is not None:
                try:
                    answers[nxt[0]] = await self._send(nxt[1])
                except Exception as error:
                    failures.append(error)

        await asyncio.gather(*(worker() for _ in range(min(fanout.concurrency, len(calls)))))
        if failures:
            raise failures[0]
        return answers
