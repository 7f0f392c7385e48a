"""The asyncio twin of ``pool.Pool``: keep-alive streams of one event loop, bounded.

The same rules: one write per request, a connection closed while idle is dropped before
reuse (or, closed unnoticed, replaced without spending an attempt), and failures are
botocore's exceptions. A call cancelled mid-request closes its connection.
"""

from __future__ import annotations

import asyncio
import logging
import ssl

from .calls import Endpoint, Settings
from .errors import network_error
from .http11 import ProtocolError, Response, ResponseReader
from .pool import Stale, failure

logger = logging.getLogger(__name__)
_READ_SIZE = 65536


class AsyncConnection:
    """One stream pair and its response reader."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.stream = reader
        self.writer = writer
        self.reader = ResponseReader()

    def idle_usable(self) -> bool:
        """Whether the server left this idle connection open."""
        return not (self.writer.is_closing() or self.stream.at_eof())

    async def roundtrip(self, data: bytes, timeout: float) -> Response:
        """Send ``data`` and read one response, each wait at most ``timeout`` seconds."""
        self.writer.write(data)
        async with asyncio.timeout(timeout):
            await self.writer.drain()
        while True:
            async with asyncio.timeout(timeout):
                chunk = await self.stream.read(_READ_SIZE)
            if not chunk:
                return self.reader.eof()
            response = self.reader.feed(chunk)
            if response is not None:
                return response

    def close(self) -> None:
        """Close the stream (its transport closes on the loop's next turn)."""
        self.writer.close()


class AsyncPool:
    """Keep-alive connections of one event loop, at most ``size`` in use at once.

    Args:
        target: the endpoint.
        tls: the TLS context for ``https`` (None for ``http``).
        settings: the timeouts and the size, as ``pool.Pool`` takes them.
    """

    def __init__(self, target: Endpoint, tls: ssl.SSLContext | None, settings: Settings) -> None:
        self._target = target
        self._tls = tls
        self._connect_timeout = settings.connect_timeout
        self._read_timeout = settings.read_timeout
        self._slots = asyncio.Semaphore(settings.max_pool_connections)
        self._idle: list[AsyncConnection] = []
        self._closed = False
        self.opened = 0
        """How many connections this pool has opened (for tests and metrics)."""

    async def exchange(self, data: bytes) -> Response:
        """Send one request and return its response, on a kept-alive connection if one is up."""
        async with self._slots:
            connection = self._checkout()
            if connection is not None:
                try:
                    return await self._roundtrip(connection, data, reused=True)
                except Stale:
                    logger.debug("a kept-alive connection was closed by the server; reconnecting")
            return await self._roundtrip(await self._connect(), data, reused=False)

    def _checkout(self) -> AsyncConnection | None:
        while self._idle:
            connection = self._idle.pop()
            if connection.idle_usable():
                return connection
            connection.close()
        return None

    async def _connect(self) -> AsyncConnection:
        target = self._target
        try:
            async with asyncio.timeout(self._connect_timeout):
                reader, writer = await asyncio.open_connection(
                    target.host,
                    target.port,
                    ssl=self._tls,
                    server_hostname=target.host if self._tls is not None else None,
                )
        except OSError as error:
            raise network_error(error, target.url, connecting=True) from None
        self.opened += 1
        return AsyncConnection(reader, writer)

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
