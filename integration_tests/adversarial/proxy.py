"""A threaded, fault-injecting HTTP proxy on loopback, in front of DynamoDB Local.

Every DynamoDB call is ``POST /`` with ``X-Amz-Target: DynamoDB_20120810.<Operation>``
and a JSON body. The proxy forwards calls upstream unchanged unless told otherwise;
every body it sends back carries a recomputed ``Content-Length`` and ``x-amz-crc32``.

Per-request faults (``throttle``, ``server_errors``, ``hang``, ``drop_mid_response``,
``corrupt_body``) are checked in that order; a request uses up at most one of them. Batch faults
(``unprocessed_*``, ``withhold_*``) apply to requests no per-request fault took.
Beware: botocore does not enforce ``Content-Length``; a truncated body is caught only
by its CRC check, which in ``standard``/``adaptive`` retry mode is a retry condition:
on the last attempt botocore returns the truncated parse (fields missing) and raises
nothing. ``drop_mid_response(n, reset=True)`` sends a TCP reset instead, which raises.
``corrupt_body`` damages a body in place (same length, still valid JSON, but saying
something else) under the CRC of the undamaged one: only the CRC check can notice.
"""

from __future__ import annotations

import functools
import http.client
import json
import socket
import struct
import sys
import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

Wire = dict[str, Any]
"""A key or item in DynamoDB's wire form, e.g. ``{"pk": {"S": "a"}}``."""
Selector = Callable[[list[Wire]], set[int]]
"""Given a request's items (or keys), in request order, the indexes to withhold."""
Reply = tuple[int, list[tuple[str, str]], bytes]
Forward = Callable[[bytes], Reply]

HANG_CAP_SECONDS = 120.0
UPSTREAM_TIMEOUT_SECONDS = 60.0
JSON_TYPE = ("Content-Type", "application/x-amz-json-1.0")
_ERRORS = "com.amazonaws.dynamodb.v20120810#"
CANNED: dict[str, tuple[int, Wire]] = {
    "throttle": (
        400,
        {"__type": _ERRORS + "ProvisionedThroughputExceededException", "message": "Rate exceeded"},
    ),
    "server_error": (500, {"__type": _ERRORS + "InternalServerError", "message": "injected"}),
}
_HOP_HEADERS = {"host", "connection", "keep-alive", "content-length", "transfer-encoding"}
_DROPPED_RESPONSE_HEADERS = _HOP_HEADERS | {"x-amz-crc32", "date", "server"}


@dataclass
class _Counter:
    remaining: int | None  # None: every matching request
    operation: str | None  # None: any operation

    def take(self, operation: str) -> bool:
        if self.operation not in (None, operation) or self.remaining == 0:
            return False
        if self.remaining is not None:
            self.remaining -= 1
        return True


def corrupt(payload: bytes) -> bytes:
    """``payload`` with every lowercase ASCII letter inside a JSON string made uppercase.

    The length stays, and so does valid JSON (``true``/``false``/``null`` and numbers are
    outside strings): ``"Item"`` becomes ``"ITEM"``, ``"S"`` stays, ``"value-1"`` becomes
    ``"VALUE-1"``. A parser that trusts it sees a different, plausible answer.
    """
    damaged = bytearray(payload)
    inside = escaped = False
    for index, byte in enumerate(damaged):
        if not inside:
            inside = byte == 0x22  # "
        elif escaped:
            escaped = False
        elif byte == 0x5C:  # backslash
            escaped = True
        elif byte == 0x22:
            inside = False
        elif 0x61 <= byte <= 0x7A:  # a-z
            damaged[index] = byte ^ 0x20
    return bytes(damaged)


def last_share(fraction: float) -> Selector:
    """Withhold the last ``int(n * fraction)`` of n items, at least one."""
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], not {fraction}")

    def select(items: list[Wire]) -> set[int]:
        n = len(items)
        return set(range(n - min(n, max(1, int(n * fraction))), n))

    return select


def matching(predicate: Callable[[Wire], bool]) -> Selector:
    """Withhold every item (or key) the predicate holds for."""
    return lambda items: {i for i, item in enumerate(items) if predicate(item)}


def _wire(write: Wire) -> Wire:
    put = write.get("PutRequest")
    return dict(put["Item"] if put else write["DeleteRequest"]["Key"])


def _group(into: Wire, entries: list[tuple[str, Wire]], specs: Wire | None) -> Wire:
    """Add (table, write) entries, or (table, key) ones with their table's spec, to ``into``."""
    for table, entry in entries:
        if specs is None:
            into.setdefault(table, []).append(entry)
        else:
            spec = {name: value for name, value in specs[table].items() if name != "Keys"}
            into.setdefault(table, {**spec, "Keys": []})["Keys"].append(entry)
    return into


def rewrite_batch(reads: bool, body: bytes, select: Selector, forward: Forward) -> Reply:
    """Forward the kept writes (keys); answer the rest as ``UnprocessedItems`` (``Keys``)."""
    request = json.loads(body)
    specs = request["RequestItems"]
    entries = [(t, e) for t, spec in specs.items() for e in (spec["Keys"] if reads else spec)]
    withheld = select([dict(e) if reads else _wire(e) for _, e in entries])
    kept = [entry for i, entry in enumerate(entries) if i not in withheld]
    held = [entry for i, entry in enumerate(entries) if i in withheld]
    key_specs = specs if reads else None
    status, headers = 200, [JSON_TYPE]
    answer: Wire = {"Responses": {table: [] for table in specs}} if reads else {}
    if kept:
        status, headers, payload = forward(
            json.dumps({**request, "RequestItems": _group({}, kept, key_specs)}).encode()
        )
        if status != 200:
            return status, headers, payload
        answer = json.loads(payload)
    _group(answer.setdefault("Unprocessed" + ("Keys" if reads else "Items"), {}), held, key_specs)
    return status, headers, json.dumps(answer).encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def __init__(self, proxy: FaultProxy, *args: Any) -> None:
        self.proxy = proxy
        super().__init__(*args)

    def setup(self) -> None:
        super().setup()
        self.proxy._track(self.connection, add=True)

    def finish(self) -> None:
        self.proxy._track(self.connection, add=False)
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet."""

    def do_POST(self) -> None:
        self.proxy._arrive()
        self._answered = False
        try:
            self._post()
        finally:
            self._depart()

    def _depart(self) -> None:
        """The request is answered (or given up on): no longer in flight, counted once.

        It departs before its answer is written, so that a client that sends its next
        request the moment the answer arrives never finds it still counted in flight.
        """
        if not self._answered:
            self._answered = True
            self.proxy._depart()

    def _post(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        operation = self.headers.get("X-Amz-Target", "").rpartition(".")[2]
        fault, select = self.proxy._plan(operation)
        if self.proxy._hold_seconds:
            self.proxy._closed.wait(self.proxy._hold_seconds)
        if fault == "hang":
            self.proxy._closed.wait(HANG_CAP_SECONDS)
            self.close_connection = True
            return
        if fault in CANNED:
            status, error = CANNED[fault]
            self._reply((status, [JSON_TYPE], json.dumps(error).encode()))
            return
        try:
            if select is None:
                reply = self._forward(body)
            else:
                reply = rewrite_batch(operation == "BatchGetItem", body, select, self._forward)
        except (OSError, http.client.HTTPException):  # upstream gone: hang up, like it did
            self.close_connection = True
            return
        self._reply(reply, cut=fault in ("drop", "reset"), damage=fault == "corrupt")
        if fault == "reset":  # RST, not FIN: linger 0, closed before the server's shutdown
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()

    def _forward(self, body: bytes) -> Reply:
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_HEADERS}
        headers["Accept-Encoding"] = "identity"  # so a rewritten body is plain JSON
        upstream = http.client.HTTPConnection(
            self.proxy._upstream, timeout=UPSTREAM_TIMEOUT_SECONDS
        )
        try:
            upstream.request("POST", self.path, body=body, headers=headers)
            response = upstream.getresponse()
            payload = response.read()
        finally:
            upstream.close()
        kept = [
            (k, v) for k, v in response.getheaders() if k.lower() not in _DROPPED_RESPONSE_HEADERS
        ]
        return response.status, kept, payload

    def _reply(self, reply: Reply, *, cut: bool = False, damage: bool = False) -> None:
        status, headers, payload = reply
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("x-amz-crc32", str(zlib.crc32(payload)))
        self._depart()
        self.end_headers()
        if damage:
            payload = corrupt(payload)
        self.wfile.write(payload[: len(payload) // 2] if cut else payload)
        self.close_connection = self.close_connection or cut


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Ignore clients that went away (timed out, closed); report anything else."""
        if not isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            super().handle_error(request, client_address)


class FaultProxy:
    """A loopback proxy to ``upstream_url`` that injects faults; it serves from creation."""

    def __init__(self, upstream_url: str) -> None:
        self._upstream = urlsplit(upstream_url).netloc
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._requests: list[str] = []
        self._faults: dict[str, _Counter] = {}
        self._rules: dict[str, tuple[Selector, _Counter]] = {}
        self._connections: dict[socket.socket, threading.Thread] = {}
        self._in_flight = 0
        self._most_in_flight = 0
        self._hold_seconds = 0.0
        self._server = _Server(("127.0.0.1", 0), functools.partial(_Handler, self))
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="fault-proxy", daemon=True
        )
        self._thread.start()

    @property
    def endpoint_url(self) -> str:
        """``http://127.0.0.1:<port>``, for a client's ``endpoint_url``."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def requests(self) -> list[str]:
        """The operation of every request received so far, faulted or not, in order."""
        with self._lock:
            return list(self._requests)

    def count(self, operation: str) -> int:
        """How many requests for ``operation`` arrived so far."""
        with self._lock:
            return self._requests.count(operation)

    def clear_requests(self) -> None:
        """Forget the requests seen so far (and the most that were in flight at once)."""
        with self._lock:
            self._requests.clear()
            self._most_in_flight = self._in_flight

    @property
    def most_in_flight(self) -> int:
        """The most requests in flight at once (arrived, not yet answered) so far."""
        with self._lock:
            return self._most_in_flight

    def hold(self, seconds: float) -> None:
        """Hold every request this long before handling it, to widen overlaps (0: none)."""
        with self._lock:
            self._hold_seconds = seconds

    def _arrive(self) -> None:
        with self._lock:
            self._in_flight += 1
            self._most_in_flight = max(self._most_in_flight, self._in_flight)

    def _depart(self) -> None:
        with self._lock:
            self._in_flight -= 1

    def _set_fault(self, name: str, n: int | None, operation: str | None) -> None:
        with self._lock:
            self._faults[name] = _Counter(n, operation)

    def throttle(self, n: int, *, operation: str | None = None) -> None:
        """Answer the next n requests (for ``operation``) with a 400 throughput error."""
        self._set_fault("throttle", n, operation)

    def server_errors(self, n: int, *, operation: str | None = None) -> None:
        """Answer the next n requests (for ``operation``) with a 500 InternalServerError."""
        self._set_fault("server_error", n, operation)

    def hang(self, n: int | None, *, operation: str | None = None) -> None:
        """Read the next n requests (None: all), never forward nor answer them."""
        self._set_fault("hang", n, operation)

    def drop_mid_response(
        self, n: int, *, reset: bool = False, operation: str | None = None
    ) -> None:
        """Forward the next n requests, answer headers and half the body, close (or reset)."""
        self._set_fault("reset" if reset else "drop", n, operation)

    def corrupt_body(self, n: int, *, operation: str | None = None) -> None:
        """Forward the next n requests; answer each body damaged in place (see ``corrupt``).

        Same status, same ``Content-Length``, still valid JSON, under the ``x-amz-crc32``
        of the undamaged body: only a CRC check tells.
        """
        self._set_fault("corrupt", n, operation)

    def _set_rule(self, operation: str, select: Selector, rounds: int | None) -> None:
        with self._lock:
            self._rules[operation] = (select, _Counter(rounds, operation))

    def unprocessed_writes(self, rounds: int | None, fraction: float = 0.5) -> None:
        """For the next ``rounds`` BatchWriteItem calls, withhold the last share of writes."""
        self._set_rule("BatchWriteItem", last_share(fraction), rounds)

    def withhold_items(self, predicate: Callable[[Wire], bool], rounds: int | None = None) -> None:
        """Withhold every write whose item (Put) or key (Delete) matches, in wire form."""
        self._set_rule("BatchWriteItem", matching(predicate), rounds)

    def unprocessed_reads(self, rounds: int | None, fraction: float = 0.5) -> None:
        """For the next ``rounds`` BatchGetItem calls, withhold the last share of keys."""
        self._set_rule("BatchGetItem", last_share(fraction), rounds)

    def withhold_keys(self, predicate: Callable[[Wire], bool], rounds: int | None = None) -> None:
        """Withhold every BatchGetItem key that matches, in wire form."""
        self._set_rule("BatchGetItem", matching(predicate), rounds)

    def reset(self) -> None:
        """Clear every fault and the hold; the request log stays (see ``clear_requests``)."""
        with self._lock:
            self._faults.clear()
            self._rules.clear()
            self._hold_seconds = 0.0

    def _plan(self, operation: str) -> tuple[str | None, Selector | None]:
        with self._lock:
            self._requests.append(operation)
            for name in ("throttle", "server_error", "hang", "drop", "reset", "corrupt"):
                if name in self._faults and self._faults[name].take(operation):
                    return name, None
            rule = self._rules.get(operation)
            return None, rule[0] if rule is not None and rule[1].take(operation) else None

    def _track(self, connection: socket.socket, *, add: bool) -> None:
        with self._lock:
            if add:
                self._connections[connection] = threading.current_thread()
            else:
                self._connections.pop(connection, None)

    def close(self) -> None:
        """Stop serving, wake hung handlers, cut open connections and wait for their threads."""
        if self._closed.is_set():
            return
        self._closed.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
        with self._lock:
            connections = dict(self._connections)
        for connection, thread in connections.items():
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            thread.join(timeout=5)

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
