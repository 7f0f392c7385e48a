"""A strict, minimal HTTP/1.1 response reader that does no I/O (in the manner of h11).

Feed it the bytes a socket gives; it answers a ``Response`` once one is complete. It reads
``Content-Length`` bodies, chunked bodies (trailers dropped) and bodies that end with the
connection, skips ``1xx`` interim responses, and refuses anything malformed with
``ProtocolError``. Header names come out lower-cased, repeated headers joined by ``", "``
(as ``urllib3`` joins them for botocore).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

from .._native import WholeResponse, native_head, native_response

MAX_HEAD = 65536
_STATUS_LINE = re.compile(r"HTTP/1\.([01]) ([0-9]{3})(?: ([^\r\n]*))?")
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_CHUNK_SIZE = re.compile(rb"([0-9A-Fa-f]{1,16})(?:;[^\r\n]*)?")


class ProtocolError(Exception):
    """The bytes are not a well-formed HTTP/1.1 response."""


class IncompleteResponse(ProtocolError):
    """The connection ended before the response did."""


class Response(NamedTuple):
    """A complete response: status, lower-cased headers, body, and whether to keep alive."""

    status: int
    reason: str
    headers: dict[str, str]
    body: bytes
    keep_alive: bool


class _Head(NamedTuple):
    status: int
    reason: str
    headers: dict[str, str]
    keep_alive: bool


def _is_token(name: str) -> bool:
    plain = name.replace("-", "")
    if plain.isascii() and plain.isalnum():
        return True
    return _TOKEN.fullmatch(name) is not None


_head_in_c: Callable[[bytes], tuple[int, str, dict[str, str]] | None] | None = native_head()
"""``_native``'s reader of a plainly well-formed head (None where it is not built)."""


_whole_in_c: Callable[[bytes], WholeResponse | None] | None = native_response()
"""``_native``'s reader of a whole response fed at once (None where it is not built)."""


def _parse_head(block: bytes) -> _Head:
    """The status and headers of a head: in C where built, else (or if odd) line by line."""
    read = None if _head_in_c is None else _head_in_c(block)
    if read is None:
        return _parse_lines(block)
    status, reason, headers = read
    return _Head(status, reason, headers, _keep_alive(block[7:8] == b"0", headers))


def _keep_alive(http10: bool, headers: dict[str, str]) -> bool:
    connection = headers.get("connection", "").lower()
    return "keep-alive" in connection if http10 else "close" not in connection


def _parse_lines(block: bytes) -> _Head:
    """``_parse_head`` in Python: what the C reader reads, it reads alike; it refuses the rest."""
    lines = block.decode("latin-1").split("\r\n")
    match = _STATUS_LINE.fullmatch(lines[0])
    if match is None:
        raise ProtocolError(f"bad status line {lines[0][:80]!r}")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if not colon or not _is_token(name):
            raise ProtocolError(f"bad header line {line[:80]!r}")
        key = name.lower()
        text = value.strip(" \t")
        headers[key] = f"{headers[key]}, {text}" if key in headers else text
    keep_alive = _keep_alive(match.group(1) == "0", headers)
    return _Head(int(match.group(2)), match.group(3) or "", headers, keep_alive)


class ResponseReader:
    """Reads one response at a time from fed bytes; reusable for the next response."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._head: _Head | None = None
        self._length: int | None = None
        self._chunked = False
        self._chunks = bytearray()
        self._parts: list[bytes] = []
        """A ``Content-Length`` body as it arrives: joined once, when it is whole."""
        self._have = 0

    @property
    def started(self) -> bool:
        """Whether any byte of the current response has arrived."""
        return bool(self._buffer) or self._head is not None

    def feed(self, data: bytes) -> Response | None:
        """Add ``data``; return the response once it is complete, else None.

        A whole response fed at once to an idle reader (the common case) is read in C
        where that is built; the rest, and anything odd, is read here.
        """
        if _whole_in_c is not None and self._head is None and not self._buffer:
            whole = _whole_in_c(data)
            if whole is not None:
                return Response(*whole)
        if self._length is not None:
            return self._collect(data)
        self._buffer += data
        if self._head is None:
            if not self._read_head():
                return None
            if self._length is not None:
                rest = bytes(self._buffer)
                self._buffer.clear()
                return self._collect(rest)
        if not self._chunked:
            return None  # a body that ends with the connection (``eof``)
        body = self._read_chunks()
        return None if body is None else self._respond(body)

    def eof(self) -> Response:
        """The connection ended: return the body read so far, or raise ``IncompleteResponse``.

        A ``Content-Length`` body cut short comes back short, as urllib3 gives it to
        botocore (``enforce_content_length=False``): the ``x-amz-crc32`` check catches it.
        A response without a complete head, or a chunked body cut short, is incomplete.
        """
        head = self._head
        if head is None or self._chunked:
            raise IncompleteResponse("the connection closed before the response was complete")
        body = bytes(self._buffer) if self._length is None else b"".join(self._parts)
        self._reset()
        return Response(head.status, head.reason, head.headers, body, False)

    def _reset(self) -> None:
        self._buffer.clear()
        self._head = None
        self._length = None
        self._chunked = False
        self._chunks.clear()
        self._parts = []
        self._have = 0

    def _read_head(self) -> bool:
        while True:
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self._buffer) > MAX_HEAD:
                    raise ProtocolError("response head too long")
                return False
            head = _parse_head(bytes(self._buffer[:end]))
            del self._buffer[: end + 4]
            if not 100 <= head.status < 200:
                break
        self._head = head
        self._frame(head)
        return True

    def _frame(self, head: _Head) -> None:
        encoding = head.headers.get("transfer-encoding")
        if encoding is not None:
            if encoding.lower() != "chunked":
                raise ProtocolError(f"unsupported transfer-encoding {encoding!r}")
            self._chunked = True
        elif head.status in (204, 304):
            self._length = 0
        elif (length := head.headers.get("content-length")) is not None:
            if not (length.isascii() and length.isdigit()):  # "²" is a digit to isdigit
                raise ProtocolError(f"bad content-length {length!r}")
            self._length = int(length)

    def _collect(self, data: bytes) -> Response | None:
        """Add part of a ``Content-Length`` body; the response once the body is whole."""
        if data:
            self._parts.append(data)
            self._have += len(data)
        length = self._length
        assert length is not None
        if self._have < length:
            return None
        if self._have > length:
            raise ProtocolError("bytes after the end of the response")
        return self._respond(b"".join(self._parts))

    def _respond(self, body: bytes) -> Response:
        head = self._head
        assert head is not None
        self._reset()
        return Response(head.status, head.reason, head.headers, body, head.keep_alive)

    def _read_chunks(self) -> bytes | None:
        while True:
            end = self._buffer.find(b"\r\n")
            if end < 0:
                return None
            match = _CHUNK_SIZE.fullmatch(bytes(self._buffer[:end]))
            if match is None:
                raise ProtocolError("bad chunk size line")
            size = int(match.group(1), 16)
            if size == 0:
                return self._read_trailers(end + 2)
            if len(self._buffer) < end + 2 + size + 2:
                return None
            if self._buffer[end + 2 + size : end + 4 + size] != b"\r\n":
                raise ProtocolError("chunk not followed by CRLF")
            self._chunks += self._buffer[end + 2 : end + 2 + size]
            del self._buffer[: end + 4 + size]

    def _read_trailers(self, start: int) -> bytes | None:
        if self._buffer[start : start + 2] == b"\r\n":
            stop = start + 2
        else:
            end = self._buffer.find(b"\r\n\r\n", start)
            if end < 0:
                return None
            stop = end + 4
        if len(self._buffer) > stop:
            raise ProtocolError("bytes after the end of the response")
        return bytes(self._chunks)
