"""A thread-safe keep-alive connection pool, bounded: callers beyond its size wait.

``exchange`` writes a request with one ``sendall`` and reads its response. A kept-alive
connection is checked before reuse (readable while idle means the server closed it, as
urllib3 checks); one the server closed anyway, unnoticed, fails before any byte of a
response arrives, and the request goes out again on a fresh connection: that costs no
attempt. Failures come out as botocore's exceptions (``errors.network_error``).
"""

from __future__ import annotations

import logging
import queue
import select
import socket
import ssl
import threading

from .calls import Endpoint, Settings
from .errors import network_error
from .http11 import IncompleteResponse, ProtocolError, Response, ResponseReader

logger = logging.getLogger(__name__)
READ_SIZE = 65536
"""Bytes a connection reads at a time: a blocking recv's size, the async twin's buffer."""


class Stale(Exception):
    """A reused connection turned out closed before the response began: send again."""


def failure(error: OSError | ProtocolError, url: str, *, reused: bool, started: bool) -> Exception:
    """What a failed exchange raises: ``Stale``, or botocore's exception for ``error``.

    ``Stale`` when a reused connection was closed by the server before any byte of the
    response came (the request goes out again, spending no attempt).
    """
    stale = isinstance(error, IncompleteResponse | ConnectionError)
    if reused and stale and not started:
        return Stale()
    return network_error(error, url, connecting=False)


def idle_usable(sock: socket.socket) -> bool:
    """Whether an idle socket can carry a request: nothing to read (no EOF, no stray bytes)."""
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    return not poller.poll(0)


class Connection:
    """One socket and its response reader."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.reader = ResponseReader()

    def roundtrip(self, data: bytes) -> Response:
        """Send ``data`` and read one response (raises ``OSError`` or ``ProtocolError``)."""
        self.sock.sendall(data)
        while True:
            chunk = self.sock.recv(READ_SIZE)
            if not chunk:
                return self.reader.eof()
            response = self.reader.feed(chunk)
            if response is not None:
                return response

    def close(self) -> None:
        """Close the socket."""
        self.sock.close()


class Pool:
    """Keep-alive connections to one endpoint, at most ``size`` of them in use at once.

    Args:
        target: the endpoint.
        tls: the TLS context for ``https`` (None for ``http``).
        settings: the timeouts (connecting, TLS included; any one read or write) and the
            size (``max_pool_connections``).
    """

    def __init__(self, target: Endpoint, tls: ssl.SSLContext | None, settings: Settings) -> None:
        self._target = target
        self._tls = tls
        self._connect_timeout = settings.connect_timeout
        self._read_timeout = settings.read_timeout
        self._slots: queue.SimpleQueue[None] = queue.SimpleQueue()
        """One token a connection that may be in use: taken and given back in C, where a
        ``threading.Semaphore`` runs a condition variable's Python twice a request."""
        for _ in range(settings.max_pool_connections):
            self._slots.put(None)
        self._lock = threading.Lock()
        self._idle: list[Connection] = []
        self._closed = False
        self.opened = 0
        """How many connections this pool has opened (for tests and metrics)."""

    def exchange(self, data: bytes) -> Response:
        """Send one request and return its response, on a kept-alive connection if one is up."""
        self._slots.get()
        try:
            connection = self._checkout()
            if connection is not None:
                try:
                    return self._roundtrip(connection, data, reused=True)
                except Stale:
                    logger.debug("a kept-alive connection was closed by the server; reconnecting")
            return self._roundtrip(self._connect(), data, reused=False)
        finally:
            self._slots.put(None)

    def _checkout(self) -> Connection | None:
        while True:
            with self._lock:
                if not self._idle:
                    return None
                connection = self._idle.pop()
            if idle_usable(connection.sock):
                return connection
            connection.close()

    def _connect(self) -> Connection:
        target = self._target
        try:
            sock = socket.create_connection((target.host, target.port), self._connect_timeout)
        except OSError as error:
            raise network_error(error, target.url, connecting=True) from None
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self._tls is not None:
                sock = self._tls.wrap_socket(sock, server_hostname=target.host)
        except OSError as error:
            sock.close()
            raise network_error(error, target.url, connecting=True) from None
        sock.settimeout(self._read_timeout)
        with self._lock:
            self.opened += 1
        return Connection(sock)

    def _roundtrip(self, connection: Connection, data: bytes, *, reused: bool) -> Response:
        try:
            response = connection.roundtrip(data)
        except (OSError, ProtocolError) as error:
            connection.close()
            started = connection.reader.started
            raise failure(error, self._target.url, reused=reused, started=started) from None
        self._checkin(connection, response.keep_alive)
        return response

    def _checkin(self, connection: Connection, keep_alive: bool) -> None:
        with self._lock:
            if keep_alive and not self._closed:
                self._idle.append(connection)
                return
        connection.close()

    def close(self) -> None:
        """Close every idle connection; one in use is closed when its call ends."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()
