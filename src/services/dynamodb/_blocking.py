"""The blocking driver: what ``DynamoDBService`` runs its operations with.

The operations themselves (checks, paging, batching, transactions, logging) live once in
the core (``_driver.Core``), as generators of instructions (``_protocol``). This driver
sends each ``Call`` with botocore, a ``Fanout`` on a thread pool, and sleeps a ``Sleep``;
``_awaiting`` is the same over aiobotocore.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from . import _fastread
from ._connection import botocore_config, cache_user_agent, check_crc32, client_settings, session
from ._driver import Driver
from ._fastread import SERVICE_CALL
from ._gcpause import advance
from ._protocol import INSTRUCTIONS, Call, Fanout, Instruction, Probe, Sleep, Steps, Stream
from ._wire import LeanSender
from ._wire.calls import Prepared, windows
from ._wire.source import light_source
from ._wire.watch import Watch
from .dynamodb_models import DynamoDBConfig

if TYPE_CHECKING:
    import logging
    from concurrent.futures import Future, ThreadPoolExecutor

    from botocore.session import Session
    from mypy_boto3_dynamodb.client import DynamoDBClient, Exceptions
    from mypy_boto3_dynamodb.service_resource import DynamoDBServiceResource

    from ._protocol import Sender

T = TypeVar("T")


class BlockingDriver(Driver):
    """Runs the core's operations with the blocking botocore client; safe between threads."""

    def __init__(self, logger: logging.Logger, config: DynamoDBConfig) -> None:
        """Make the botocore client (no network call yet), unless the lean path can wait.

        With ``transport="lean"``, an ``endpoint_url`` and keys botocore's chain would find
        first (``light_source``), the client, and ``botocore.session`` with it, is made on
        first use: a table operation, ``ping``, ``client``, ``exceptions``, ``resource``
        or an error response.
        """
        super().__init__(logger, config)
        self._made_session: Session | None = None
        self._client: DynamoDBClient | None = None
        self._making = threading.RLock()
        self._resource: DynamoDBServiceResource | None = None
        self._probes: dict[float | None, DynamoDBClient] = {}
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._lean: LeanSender | None = None
        source = light_source(config, self._exceptions) if config.transport == "lean" else None
        if source is None:
            client = self.client
            self._lean = LeanSender(config, client) if self._lean_wanted() else None
        elif self._lean_wanted():
            self._lean = LeanSender(config, None, source=source)

    @property
    def _session(self) -> Session:
        """The botocore session with the configured credentials, made on first use."""
        with self._making:
            if self._made_session is None:
                self._made_session = session(self._core.config)
            return self._made_session

    def _exceptions(self) -> Exceptions:
        return self.client.exceptions

    def _make_client(self, *, probe: bool = False, timeout: float | None = None) -> Any:
        config = self._core.config
        client = self._session.create_client(
            "dynamodb",
            **client_settings(config),
            config=botocore_config(config, probe=probe, timeout=timeout),
        )
        client.meta.events.register("after-call.dynamodb", check_crc32)
        cache_user_agent(client)
        if config.fast_reads:
            _fastread.register(client.meta.events)
        return client

    @property
    def client(self) -> DynamoDBClient:
        """The boto3 client every operation uses (thread-safe), made on first use."""
        with self._making:
            if self._client is None:
                self._client = self._make_client()
                self._watch = Watch(self._client)
            return self._client

    @property
    def exceptions(self) -> Exceptions:
        """Botocore's modelled exceptions of the client: ``ConditionalCheckFailedException``..."""
        return self.client.exceptions

    @property
    def resource(self) -> DynamoDBServiceResource:
        """A boto3 resource on the same session, made on first use; not thread-safe.

        The service never uses it: boto3's resource objects must not be shared between
        threads, and its ``Table`` rewrites every value through ``TypeSerializer``.
        """
        import boto3.session

        made_session = self._session
        with self._lock:
            if self._resource is None:
                boto3_session = boto3.session.Session(botocore_session=made_session)
                self._resource = boto3_session.resource(
                    "dynamodb",
                    **client_settings(self._core.config),
                    config=botocore_config(self._core.config),
                )
            return self._resource

    # -- lifetime -------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection pools; every later operation is a ``RuntimeError``."""
        self._core.closed = True
        with self._lock:
            clients = [*self._probes.values()]
            if self._client is not None:
                clients.append(self._client)
            if self._resource is not None:
                clients.append(self._resource.meta.client)
            pool, self._pool = self._pool, None
        for client in clients:
            client.close()
        if self._lean is not None:
            self._lean.close()
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # -- the driver -----------------------------------------------------------------------

    def _run(self, steps: Steps[T]) -> T:
        try:
            instruction = advance(steps)
            while True:
                instruction = advance(steps, *self._outcome(instruction))
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]
        finally:
            steps.close()
            if self._core.closed and self._client is not None:
                self._client.close()  # botocore reopens a pool a racing call used

    def _stream(self, stream: Stream) -> Iterator[Any]:
        try:
            first = advance(stream)
        except StopIteration:
            return iter(())
        return self._pump(stream, first)

    def _pump(self, stream: Stream, step: Any) -> Iterator[Any]:
        try:
            while True:
                if type(step) not in INSTRUCTIONS:
                    yield step
                    step = advance(stream)
                else:
                    step = advance(stream, *self._outcome(step))
        except StopIteration:
            return
        finally:
            stream.close()

    def _outcome(self, instruction: Instruction) -> tuple[Any, Exception | None]:
        try:
            return self._carry_out(instruction), None
        except Exception as error:
            return None, error

    def _carry_out(self, instruction: Instruction) -> Any:
        kind = type(instruction)
        if kind is Call:
            return self._send(instruction)  # type: ignore[arg-type]
        if kind is Fanout:
            return self._fan_out(instruction)  # type: ignore[arg-type]
        if kind is Sleep:
            return time.sleep(instruction.seconds)  # type: ignore[union-attr]
        return self._probe(instruction)  # type: ignore[arg-type]

    def _send(self, call: Call) -> dict[str, Any]:
        lean = self._lean
        if lean is not None and self._unhooked(call.operation):
            if isinstance(call, Prepared):
                return lean.send_prepared(call)
            return lean.send_unread(call.operation, call.params)
        client = self._client or self.client
        marked = SERVICE_CALL.set(True)
        try:
            return cast("Sender", client)._make_api_call(call.operation, call.params)
        finally:
            SERVICE_CALL.reset(marked)

    def _probe(self, probe: Probe) -> dict[str, Any]:
        with self._lock:
            client = self._probes.get(probe.timeout_seconds)
            if client is None:
                client = self._make_client(probe=True, timeout=probe.timeout_seconds)
                self._probes[probe.timeout_seconds] = client
        return cast("Sender", client)._make_api_call(probe.call.operation, probe.call.params)

    def _executor(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None:
                from concurrent.futures import ThreadPoolExecutor

                self._pool = ThreadPoolExecutor(
                    max_workers=self._core.config.max_pool_connections,
                    thread_name_prefix="dynamodb",
                )
            return self._pool

    def _fan_out(self, fanout: Fanout) -> list[dict[str, Any]]:
        """Send the calls, at most ``concurrency`` at once; the first failure stops the rest."""
        calls = fanout.calls
        if fanout.concurrency == 1 or len(calls) == 1:
            return self._one_by_one(calls)
        answers: list[dict[str, Any]] = [{} for _ in calls]
        waiting = iter(enumerate(calls))
        running: dict[Future[dict[str, Any]], int] = {}
        failures: list[BaseException] = []
        from concurrent.futures import FIRST_COMPLETED, wait

        while self._top_up(running, waiting, fanout.concurrency, failures):
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                index = running.pop(future)
                if (error := future.exception()) is not None:
                    failures.append(error)
                else:
                    answers[index] = future.result()
        if failures:
            raise failures[0]
        return answers

    def _one_by_one(self, calls: Sequence[Call]) -> list[dict[str, Any]]:
        """Send the calls in turn; on the lean path, a window of them encoded and signed ahead."""
        lean = self._lean
        if lean is None or not all(self._unhooked(call.operation) for call in calls):
            return [self._send(call) for call in calls]
        return [self._send(p) for window in windows(calls) for p in lean.prepare(window)]

    def _top_up(
        self,
        running: dict[Future[dict[str, Any]], int],
        waiting: Iterator[tuple[int, Call]],
        concurrency: int,
        failures: list[BaseException],
    ) -> bool:
        """Start waiting calls until ``concurrency`` run (none after a failure); any running?"""
        pool = self._executor()
        while not failures and len(running) < concurrency:
            if (nxt := next(waiting, None)) is None:
                break
            running[pool.submit(self._send, nxt[1])] = nxt[0]
        return bool(running)
