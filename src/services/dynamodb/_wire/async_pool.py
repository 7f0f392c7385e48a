"""The asyncio twin of ``pool.Pool``: keep-alive connections of one event loop, bounded.

The same rules: one write per request, a connection closed while idle is dropped before
reuse (or, closed unnoticed, replaced without spending an attempt), and failures are
botocore's exceptions. A call cancelled mid-request closes its connection.

Each connection is an ``asyncio.BufferedProtocol`` that feeds what the transport receives
straight to its ``ResponseReader``: no stream buffer copies the body on the way, and
the read timeout restarts with every arrival, as a blocking socket's does per read.
The transport reads into the connection's own 64 KiB buffer. A plain ``Protocol`` would
have it allocate 256 KiB for every read, which glibc maps and unmaps each time: about
100 us of page faults a call here, more than the rest of the exchange.
That timeout is one timer per connection, checked lazily: a call or an arrival only
notes the loop's time, and the timer, when it fires, waits on from the latest note if a
call is still waiting, or lets itself go. A 1 MB page arrives in dozens of pieces, and
calls follow each other on a connection, without setting or cancelling a timer.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections import deque
from typing import cast

from .calls import Endpoint, Settings
from .errors import network_error
from .http11 import ProtocolError, Response, ResponseReader
from .pool import READ_SIZE, Stale, failure

logger = logging.getLogger(__name__)


class AsyncConnection(asyncio.BufferedProtocol):
    """One connection: its transport, its response reader, and the call waiting on it.

    A write is never awaited: the transport buffers it, and a server that does not read
    it does not answer either, so the call's read timeout covers both.

    Args:
        loop: the event loop the connection lives on (its pool's).
    """

    transport: asyncio.Transport
    """Set by the loop as soon as the connection is made (before the pool sees it)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.reader = ResponseReader()
        self._buffer = memoryview(bytearray(READ_SIZE))
        self._loop = loop
        self._waiter: asyncio.Future[Response] | None = None
        self._timeout = 0.0
        self._last = 0.0
        """The loop's time when the call was sent, or when its latest bytes arrived."""
        self._timer: asyncio.TimerHandle | None = None
        self._usable = True

    # -- the transport's side -------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Keep the transport: a stream one, whatever its class (uvloop's is not asyncio's)."""
        self.transport = cast("asyncio.Transport", transport)

    def get_buffer(self, sizehint: int) -> memoryview:  # noqa: D102
        return self._buffer

    def buffer_updated(self, nbytes: int) -> None:  # noqa: D102
        self.data_received(self._buffer[:nbytes].tobytes())

    def data_received(self, data: bytes) -> None:
        """Feed bytes that arrived to the reader (``buffer_updated`` copies them out)."""
        waiter = self._waiter
        if waiter is None or waiter.done():
            self._usable = False  # bytes nobody asked for: the connection is not clean
            return
        self._last = self._loop.time()
        try:
            response = self.reader.feed(data)
        except ProtocolError as error:
            waiter.set_exception(error)
            return
        if response is not None:
            waiter.set_result(response)

    def eof_received(self) -> bool:  # noqa: D102
        self._ended(None)
        return False

    def connection_lost(self, exc: Exception | None) -> None:  # noqa: D102
        self._ended(exc)

    def _ended(self, exc: Exception | None) -> None:
        """The server ended the connection: the response so far, or why it is incomplete."""
        self._usable = False
        waiter = self._waiter
        if waiter is None or waiter.done():
            return
        if exc is not None:
            waiter.set_exception(exc)
            return
        try:
            waiter.set_result(self.reader.eof())
        except ProtocolError as error:
            waiter.set_exception(error)

    def _expire(self) -> None:
        """The timer fired: time the call out if nothing came for ``timeout``, else wait on.

        With no call waiting, the timer lets itself go; the next call sets one again.
        """
        waiter = self._waiter
        if waiter is None or waiter.done():
            self._timer = None
            return
        due = self._last + self._timeout
        if due > self._loop.time():
            self._timer = self._loop.call_at(due, self._expire)
            return
        self._timer = None
        waiter.set_exception(TimeoutError("the read timed out"))

    # -- the pool's side ------------------------------------------------------------------

    def idle_usable(self) -> bool:
        """Whether the server left this idle connection open, and quiet."""
        return self._usable and not self.transport.is_closing()

    async def roundtrip(self, data: bytes, timeout: float) -> Response:
        """Send ``data`` and read one response, each wait at most ``timeout`` seconds."""
        loop = self._loop
        waiter: asyncio.Future[Response] = loop.create_future()
        self._waiter, self._timeout, self._last = waiter, timeout, loop.time()
        if self._timer is None:
            self._timer = loop.call_at(self._last + timeout, self._expire)
        try:
            self.transport.write(data)
            return await waiter
        finally:
            self._waiter = None

    def close(self) -> None:
        """Close the transport (it closes on the loop's next turn), and drop its timer."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self.transport.close()


class Slots:
    """At most ``size`` calls using a pool's connections at once; the others wait in turn.

    ``asyncio.Semaphore`` with its uncontended path in two plain calls: ``async with`` a
    semaphore runs four coroutines and a generator a request, and right after the wait
    for an answer, every piece of Python costs several times its warm figure. A slot
    given back goes straight to the longest waiter, so none is free while a call waits.

    Args:
        size: how many slots there are.
        loop: the event loop of the calls that wait.
    """

    def __init__(self, size: int, loop: asyncio.AbstractEventLoop) -> None:
        self.free = size
        self._loop = loop
        self._waiters: deque[asyncio.Future[None]] = deque()

    def take(self) -> bool:
        """Take a slot if one is free now (False: ``await wait()`` for one)."""
        if self.free:
            self.free -= 1
            return True
        return False

    async def wait(self) -> None:
        """Wait until ``give`` hands this call a slot (passed on if it is cancelled then)."""
        waiter: asyncio.Future[None] = self._loop.create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.give()
            raise

    def give(self) -> None:
        """Give a slot back: to the longest waiter still waiting, else to the free ones."""
        waiters = self._waiters
        while waiters:
            waiter = waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self.free += 1


class AsyncPool:
    """Keep-alive connections of one event loop, at most ``size`` in use at once.

    Args:
        target: the endpoint.
        tls: the TLS context for ``https`` (None for ``http``).
        settings: the timeouts and the size, as ``pool.Pool`` takes them.
        loop: the event loop its connections live on.
    """

    def __init__(
        self,
        target: Endpoint,
        tls: ssl.SSLContext | None,
        settings: Settings,
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        self._target = target
        self._tls = tls
        self._connect_timeout = settings.connect_timeout
        self._read_timeout = settings.read_timeout
        self._slots = Slots(settings.max_pool_connections, loop)
        self._loop = loop
        self._idle: list[AsyncConnection] = []
        self._closed = False
        self.opened = 0
        """How many connections this pool has opened (for tests and metrics)."""

    async def exchange(self, data: bytes) -> Response:
        """Send one request and return its response, on a kept-alive connection if one is up."""
        slots = self._slots
        if not slots.take():
            await slots.wait()
        try:
            connection = self._checkout()
            if connection is not None:
                try:
                    return await self._roundtrip(connection, data, reused=True)
                except Stale:
                    logger.debug("a kept-alive connection was closed by the server; reconnecting")
            return await self._roundtrip(await self._connect(), data, reused=False)
        finally:
            slots.give()

    def _checkout(self) -> AsyncConnection | None:
        while self._idle:
            connection = self._idle.pop()
            if connection.idle_usable():
                return connection
            connection.close()
        return None

    async def _connect(self) -> AsyncConnection:
        target, loop = self._target, self._loop
        try:
            async with asyncio.timeout(self._connect_timeout):
                _, connection = await loop.create_connection(
                    lambda: AsyncConnection(loop),
                    target.host,
                    target.port,
                    ssl=self._tls,
                    server_hostname=target.host if self._tls is not None else None,
                )
        except OSError as error:
            raise network_error(error, target.url, connecting=True) from None
        self.opened += 1
        return connection

    async def _roundtrip(
        self, connection: AsyncConnection, data: bytes, *, reused: bool
    ) -> Response:
        try:
            response = await connection.roundtrip(data, self._read_timeout)
        except (OSError, ProtocolError) as error:
            connection.close()
            started = connection.reader.started
            raise failure(error, self._target.url, reused=reused, started=started) from None
        except BaseException:
            connection.close()
            raise
        if response.keep_alive and not self._closed:
            self._idle.append(connection)
        else:
            connection.close()
        return response

    def close(self) -> None:
        """Close every idle connection; one in use is closed when its call ends."""
        self._closed = True
        idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()
