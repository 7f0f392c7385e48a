"""A scripted local HTTP server for fault tests, and botocore's client as the service makes it."""

from __future__ import annotations

import contextlib
import socket
import ssl
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import botocore.session
from botocore.config import Config

from src.services.dynamodb import _fastread
from src.services.dynamodb._connection import check_crc32
from src.services.dynamodb.dynamodb_models import DynamoDBConfig

Action = Callable[[socket.socket, bytes], bool]
"""Answers one request on a connection; returns whether to keep the connection open."""

SECRET = "wJalrXUtnFEMI-K7MDENG-SECRET-KEY-FOR-TESTS"
TOKEN = "FwoGZXIvYXdzEXAMPLE-SESSION-TOKEN-FOR-TESTS"


def response_bytes(
    status: int,
    body: bytes = b"{}",
    *,
    crc: int | None = None,
    with_crc: bool = True,
    headers: dict[str, str] | None = None,
    close: bool = False,
) -> bytes:
    """An HTTP response as DynamoDB sends one (``x-amz-crc32`` over the body by default)."""
    lines = [f"HTTP/1.1 {status} X", "x-amzn-RequestId: REQ1"]
    lines.append("Content-Type: application/x-amz-json-1.0")
    if with_crc:
        lines.append(f"x-amz-crc32: {zlib.crc32(body) if crc is None else crc}")
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if close:
        lines.append("Connection: close")
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def respond(status: int = 200, body: bytes = b"{}", **options: Any) -> Action:
    """Answer with ``response_bytes(status, body, **options)``."""

    def action(sock: socket.socket, request: bytes) -> bool:
        sock.sendall(response_bytes(status, body, **options))
        return not options.get("close", False)

    return action


def drop(sock: socket.socket, request: bytes) -> bool:
    """Read the request and close the connection without an answer."""
    return False


def reset(sock: socket.socket, request: bytes) -> bool:
    """Answer with a reset (RST) instead of a response."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    return False


def partial(status: int, body: bytes, cut: int, *, rst: bool) -> Action:
    """Send the response's first ``cut`` body bytes, then a reset (``rst``) or a close."""

    def action(sock: socket.socket, request: bytes) -> bool:
        whole = response_bytes(status, body)
        sock.sendall(whole[: len(whole) - len(body) + cut])
        if rst:
            reset(sock, request)
        return False

    return action


def trickle(body: bytes, pieces: int, gap: float, *, stall: float = 0.0) -> Action:
    """Send the response in ``pieces`` parts, ``gap`` seconds apart; ``stall`` before the last.

    Every gap under the read timeout keeps the call alive however long the whole takes,
    as a blocking socket's timeout counts per read; a ``stall`` over it times the call out.
    """

    def action(sock: socket.socket, request: bytes) -> bool:
        whole = response_bytes(200, body)
        size = -(-len(whole) // pieces)
        parts = [whole[start : start + size] for start in range(0, len(whole), size)]
        for index, part in enumerate(parts):
            if index:
                time.sleep(stall if stall and index == len(parts) - 1 else gap)
            sock.sendall(part)
        return True

    return action


class FakeServer:
    """Answers each request with the next scripted action, then with ``default``.

    It counts requests and connections (the most open at once), and keeps every
    request's raw bytes.
    """

    def __init__(self, default: Action | None = None, tls: ssl.SSLContext | None = None) -> None:
        self.default = default or respond()
        self.script: list[Action] = []
        self.requests: list[bytes] = []
        self.connections = 0
        self.open_now = 0
        self.most_open = 0
        self._tls = tls
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self.port = self._listener.getsockname()[1]
        self._threads: list[threading.Thread] = []
        self._sockets: list[socket.socket] = []
        self._accepting = threading.Thread(target=self._accept, daemon=True)
        self._accepting.start()

    @property
    def url(self) -> str:
        """The endpoint URL."""
        return f"{'https' if self._tls else 'http'}://127.0.0.1:{self.port}"

    def hang(self, sock: socket.socket, request: bytes) -> bool:
        """Never answer (until the server stops)."""
        self._stop.wait(30)
        return False

    def close_idle(self) -> None:
        """Close every connection that waits for a request (the server's idle timeout)."""
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def wait_all_closed(self) -> bool:
        """Wait (up to 2 s) until no connection is open; whether none is."""
        for _ in range(200):
            if self.open_now == 0:
                return True
            self._stop.wait(0.01)
        return False

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            with self._lock:
                self.connections += 1
                self.open_now += 1
                self.most_open = max(self.most_open, self.open_now)
            thread = threading.Thread(target=self._serve, args=(sock,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, raw: socket.socket) -> None:
        sock = raw
        try:
            sock.settimeout(10)
            if self._tls is not None:
                sock = self._tls.wrap_socket(raw, server_side=True)
            with self._lock:
                self._sockets.append(sock)
            self._requests(sock)
        except (OSError, ssl.SSLError):
            pass
        finally:
            with self._lock:
                self.open_now -= 1
                if sock in self._sockets:
                    self._sockets.remove(sock)
            sock.close()

    def _requests(self, sock: socket.socket) -> None:
        buffer = b""
        while not self._stop.is_set():
            request, buffer = _read_request(sock, buffer)
            if request is None:
                return
            with self._lock:
                self.requests.append(request)
                action = self.script.pop(0) if self.script else self.default
            if not action(sock, request):
                return

    def stop(self) -> None:
        """Stop serving and close every socket."""
        self._stop.set()
        self._accepting.join(5)
        self.close_idle()
        for thread in self._threads:
            thread.join(5)
        self._listener.close()


def _read_request(sock: socket.socket, buffer: bytes) -> tuple[bytes | None, bytes]:
    while b"\r\n\r\n" not in buffer:
        chunk = sock.recv(65536)
        if not chunk:
            return None, b""
        buffer += chunk
    head, _, rest = buffer.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            return None, b""
        rest += chunk
    return head + b"\r\n\r\n" + rest[:length], rest[length:]


@contextlib.contextmanager
def fake_server(
    default: Action | None = None, tls: ssl.SSLContext | None = None
) -> Iterator[FakeServer]:
    """A ``FakeServer``, stopped on exit."""
    server = FakeServer(default, tls)
    try:
        yield server
    finally:
        server.stop()


def config_for(url: str, **overrides: Any) -> DynamoDBConfig:
    """A config for ``url`` with short timeouts and a session token."""
    settings: dict[str, Any] = {
        "region_name": "us-east-1",
        "endpoint_url": url,
        "aws_access_key_id": "AKIDWIRETESTS",
        "aws_secret_access_key": SECRET,
        "aws_session_token": TOKEN,
        "connect_timeout_seconds": 1.0,
        "read_timeout_seconds": 1.0,
        "max_attempts": 3,
        "max_pool_connections": 4,
    }
    settings.update(overrides)
    return DynamoDBConfig(**settings)


def botocore_client(
    config: DynamoDBConfig, *, probe: bool = False, timeout: float | None = None, **extra: Any
) -> Any:
    """A botocore client made as the service makes it: fast reads, the final CRC check."""
    made = botocore.session.Session()
    secret, token = config.aws_secret_access_key, config.aws_session_token
    made.set_credentials(
        config.aws_access_key_id or "",
        "" if secret is None else secret.get_secret_value(),
        None if token is None else token.get_secret_value(),
    )
    client = made.create_client(
        "dynamodb",
        region_name=config.region_name,
        endpoint_url=config.endpoint_url,
        config=Config(
            connect_timeout=timeout or config.connect_timeout_seconds,
            read_timeout=timeout or config.read_timeout_seconds,
            retries={"total_max_attempts": 1 if probe else config.max_attempts, "mode": "standard"},
            max_pool_connections=1 if probe else config.max_pool_connections,
            parameter_validation=False,
            **extra,
        ),
    )
    client.meta.events.register("after-call.dynamodb", check_crc32)
    _fastread.register(client.meta.events)
    return client


def botocore_call(client: Any, operation: str, params: dict[str, Any]) -> dict[str, Any]:
    """``client._make_api_call`` as the service makes it (its fast-read flag set)."""
    marked = _fastread.SERVICE_CALL.set(True)
    try:
        return client._make_api_call(operation, params)  # type: ignore[no-any-return]
    finally:
        _fastread.SERVICE_CALL.reset(marked)


async def aiobotocore_client(config: DynamoDBConfig, **extra: Any) -> Any:
    """An aiobotocore client made as the async service makes it (enter it with ``async with``)."""
    import aiobotocore.session

    from src.services.dynamodb._connection import crc32_error

    made = aiobotocore.session.get_session()
    secret, token = config.aws_secret_access_key, config.aws_session_token
    made.set_credentials(
        config.aws_access_key_id or "",
        "" if secret is None else secret.get_secret_value(),
        None if token is None else token.get_secret_value(),
    )
    client = made.create_client(
        "dynamodb",
        region_name=config.region_name,
        endpoint_url=config.endpoint_url,
        config=Config(
            connect_timeout=config.connect_timeout_seconds,
            read_timeout=config.read_timeout_seconds,
            retries={"total_max_attempts": config.max_attempts, "mode": "standard"},
            max_pool_connections=config.max_pool_connections,
            parameter_validation=False,
            **extra,
        ),
    )

    async def check_crc32(http_response: Any, parsed: dict[str, Any], **_: Any) -> None:
        if not parsed.get("ResponseMetadata", {}).get("MaxAttemptsReached"):
            return
        error = crc32_error(http_response.headers, await http_response.content)
        if error is not None:
            raise error

    entered = await client.__aenter__()
    entered.meta.events.register("after-call.dynamodb", check_crc32)
    _fastread.register(entered.meta.events)
    return entered


async def aiobotocore_call(client: Any, operation: str, params: dict[str, Any]) -> dict[str, Any]:
    """``await client._make_api_call`` as the async service makes it (fast reads on)."""
    marked = _fastread.SERVICE_CALL.set(True)
    try:
        return await client._make_api_call(operation, params)  # type: ignore[no-any-return]
    finally:
        _fastread.SERVICE_CALL.reset(marked)
