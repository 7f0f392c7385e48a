"""``AsyncLeanSender``: the asyncio twin of ``LeanSender``, one connection pool per event loop.

The client is aiobotocore's: its credentials may freeze asynchronously and its endpoint
ruleset resolves asynchronously, so both are awaited when they are coroutines; the
endpoint is resolved once, on the first call.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import random
import ssl
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from botocore.exceptions import ConnectionError, HTTPClientError

from .._protocol import Call, Unread
from ..dynamodb_models import DynamoDBConfig
from .async_pool import AsyncPool
from .calls import Prepared, Settings, Wire, encode, endpoint, refuse_other, settings
from .http11 import Response
from .retries import Outcome, RetryPolicy
from .signing import Keys
from .source import (
    Source,
    endpoint_ruleset,
    from_client,
    keys,
    no_credentials,
    retry_rules,
    tls_context,
)

logger = logging.getLogger(__name__)


async def _maybe_await(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


class AsyncLeanSender:
    """Sends DynamoDB's data-plane calls for an asyncio service; one pool per event loop.

    Args:
        config: the service's config (timeouts, attempts, pool size).
        client: the service's aiobotocore client: endpoint, credentials, TLS, exceptions
            (None with ``source``: the caller sends other operations to botocore).
        source: the parts known without a client (``light_source``).
        probe: make exactly one attempt (``ping``), on one connection.
        timeout: seconds that replace both configured timeouts.
        clock: seconds since the epoch, for signatures.
        random: a float in [0, 1), for the backoff's jitter.
        sleep: waits between attempts.
    """

    def __init__(
        self,
        config: DynamoDBConfig,
        client: Any,
        *,
        source: Source | None = None,
        probe: bool = False,
        timeout: float | None = None,
        clock: Callable[[], float] = time.time,
        random: Callable[[], float] = random.random,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._client = client
        self._source = from_client(client) if source is None else source
        self._settings: Settings = settings(config, probe=probe, timeout=timeout)
        self._clock = clock
        self._wire: Wire | None = None
        self._tls: ssl.SSLContext | None = None
        self._pools: dict[asyncio.AbstractEventLoop, AsyncPool] = {}
        self._lock = threading.Lock()
        self.policy = RetryPolicy(self._settings.max_attempts, random=random, rules=retry_rules())
        self._sleep = sleep

    async def _ready(self) -> Wire:
        """Requests' and responses' settings, made on the first call (the endpoint awaited)."""
        wire = self._wire
        if wire is None:
            url = self._source.endpoint_url
            if url is None:
                url = (await _maybe_await(endpoint_ruleset(self._client)))[0]
            target = endpoint(url)
            self._tls = tls_context(self._source.verify) if target.tls else None
            wire = self._wire = Wire(
                region=self._source.region,
                target=target,
                user_agent=self._source.user_agent,
                exceptions=self._source.exceptions,
                clock=self._clock,
            )
        return wire

    def pool(self, wire: Wire) -> AsyncPool:
        """The running event loop's pool, made on first use."""
        loop = asyncio.get_running_loop()
        found = self._pools.get(loop)
        if found is None:  # only this loop's thread makes this loop's pool: no race
            found = AsyncPool(wire.endpoint, self._tls, self._settings, loop)
            with self._lock:
                self._pools[loop] = found
        return found

    async def send(self, operation: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """Send one call as ``await client._make_api_call(operation, params)`` would."""
        return (await self.send_unread(operation, params)).read()

    async def send_unread(self, operation: str, params: Mapping[str, Any]) -> Unread:
        """``send``, leaving a success's body for the core to read in its step (``Unread``)."""
        refuse_other(operation)
        (prepared,) = await self.prepare([(Call(operation, params), encode(operation, params))])
        return await self.send_prepared(prepared)

    async def prepare(self, window: list[tuple[Call, bytes]]) -> list[Prepared]:
        """Sign the first attempt of each encoded call now (``calls.windows``), to send later."""
        no_credentials(self._source.credentials)
        wire = await self._ready()
        frozen = await self._frozen()
        return [wire.prepare(call, body, frozen) for call, body in window]

    async def send_prepared(self, prepared: Prepared) -> Unread:
        """Send a prepared call, retried as botocore's standard mode retries; as ``send_unread``.

        Every retry is signed afresh, and so is a first attempt signed too long ago.
        """
        operation, body = prepared.operation, prepared.body
        wire = await self._ready()
        pool = self.pool(wire)
        attempts = self.policy.attempts(operation)
        data = wire.first(prepared)
        while True:
            if data is None:
                data = wire.request(operation, body, await self._frozen())
            response, outcome, result = await self._attempt(wire, pool, operation, data)
            delay = attempts.after(outcome)
            if delay is None:
                break
            logger.debug("%s: retrying in %.3f s (attempt %d)", operation, delay, attempts.count)
            await self._sleep(delay)
            data = None
        return wire.finish(response, outcome, result, attempts)

    async def _frozen(self) -> Keys:
        return keys(await _maybe_await(self._source.credentials.get_frozen_credentials()))

    @staticmethod
    async def _attempt(
        wire: Wire, pool: AsyncPool, operation: str, data: bytes
    ) -> tuple[Response | None, Outcome, Any]:
        try:
            response = await pool.exchange(data)
        except (ConnectionError, HTTPClientError) as error:
            return None, Outcome(exception=error), error
        outcome, result = wire.judge(operation, response)
        return response, outcome, result

    async def close(self) -> None:
        """Close every connection: this loop's now, another open loop's on its next turn.

        The connections of a loop closed already went with it (nothing can use them).
        """
        with self._lock:
            pools, self._pools = self._pools, {}
        running = asyncio.get_running_loop()
        for loop, pool in pools.items():
            if loop is running:
                pool.close()
            elif not loop.is_closed():
                loop.call_soon_threadsafe(pool.close)
        await asyncio.sleep(0)
