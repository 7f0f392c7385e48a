"""The C reader of a whole response: what it reads equals the Python reader's, on any bytes."""

from __future__ import annotations

import sys
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from src.services.dynamodb import _native
from src.services.dynamodb._wire import http11
from src.services.dynamodb._wire.http11 import ProtocolError, ResponseReader

from ..dynamodb.test_native import needs_native

_lengths = st.one_of(
    st.none(), st.sampled_from(["", "x", "-1", " 4", "12a", "\xb2", "0" * 16 + "1", "00003"])
)
_others = st.lists(
    st.sampled_from(
        [
            "Connection: close",
            "Connection: Keep-Alive",
            "connection: upgrade, CLOSE",
            "Transfer-Encoding: chunked",
            "X-Amz-Crc32: 12",
            "x-amzn-RequestId: abc",
            "Bad Line",
            "Date: Fri, 04 Dec 2026 12:00:00 GMT",
        ]
    ),
    max_size=4,
)
_statuses = st.sampled_from(
    ["HTTP/1.1 200 OK", "HTTP/1.0 200", "HTTP/1.1 100 Continue", "HTTP/1.1 204 No Content",
     "HTTP/1.1 304", "HTTP/1.1 400 Bad Request", "HTTP/1.1 099 Low", "HTTP/2 200"]
)  # fmt: skip


def _data(status: str, length: str | None, others: list[str], body: bytes, extra: int) -> bytes:
    """A response's bytes; ``length`` None: no Content-Length (``"="``: the body's own)."""
    lines = [status, *others]
    if length is not None:
        lines.append(f"Content-Length: {len(body) if length == '=' else length}")
    head = "\r\n".join(lines).encode("latin-1") + b"\r\n\r\n"
    return head + body + b"z" * extra


def _python(data: bytes) -> Any:
    """What the Python reader makes of ``data`` fed at once (C's whole reader left out)."""
    saved, http11._whole_in_c = http11._whole_in_c, None
    try:
        return ResponseReader().feed(data)
    except ProtocolError:
        return "refused"
    finally:
        http11._whole_in_c = saved


def _c(data: bytes) -> Any:
    read = _native.native_response()
    assert read is not None
    found = read(data)
    return None if found is None else http11.Response(*found)


@needs_native
@settings(max_examples=500, deadline=None)
@given(
    status=_statuses,
    length=st.one_of(_lengths, st.just("=")),
    others=_others,
    body=st.binary(max_size=40),
    extra=st.sampled_from([0, 0, 1]),
    cut=st.integers(0, 3),
)
@example(status="HTTP/1.1 200 OK", length="=", others=[], body=b"{}", extra=0, cut=0)
@example(status="HTTP/1.1 100 Continue", length="=", others=[], body=b"{}", extra=0, cut=0)
def test_what_c_reads_python_reads_alike(
    status: str, length: str | None, others: list[str], body: bytes, extra: int, cut: int
) -> None:
    data = _data(status, length, others, body, extra)
    data = data[: len(data) - cut] if cut else data
    found = _c(data)
    if found is not None:
        assert found == _python(data)


@needs_native
@settings(max_examples=300, deadline=None)
@given(
    minor=st.sampled_from("01"),
    code=st.integers(200, 599).filter(lambda code: code not in (204, 304)),
    connection=st.sampled_from([[], ["Connection: close"], ["Connection: keep-alive"]]),
    body=st.binary(max_size=200),
)
def test_c_reads_every_whole_plain_response(
    minor: str, code: int, connection: list[str], body: bytes
) -> None:
    data = _data(f"HTTP/1.{minor} {code} Reason", "=", connection, body, 0)
    found = _c(data)
    assert found is not None
    assert found == _python(data)


@needs_native
@pytest.mark.parametrize("status", ["HTTP/1.1 204 No Content", "HTTP/1.1 304"])
@pytest.mark.parametrize("length", [None, "0"])
def test_c_reads_a_204_or_304_as_bodiless(status: str, length: str | None) -> None:
    data = _data(status, length, [], b"", 0)
    found = _c(data)
    assert found is not None
    assert found.body == b""
    assert found == _python(data)


@needs_native
@pytest.mark.parametrize(
    "data",
    [
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab",  # a part of the body
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nabc",  # a byte after the end
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 100 Continue\r\nContent-Length: 2\r\n\r\n{}",  # interim, whatever it says
        b"HTTP/1.1 200 OK\r\n\r\nends with the connection",
        b"HTTP/1.1 200 OK\r\nContent-Length: \xb2\r\n\r\nab",  # a digit, but not 0-9
        b"HTTP/1.1 200 OK\r\nContent-Length: 0",  # no blank line yet
        b"HTTP/1.1 200 OK\r\nName : v\r\nContent-Length: 0\r\n\r\n",  # a bad header line
    ],
)
def test_anything_but_one_whole_plain_response_is_left_to_python(data: bytes) -> None:
    assert _c(data) is None


def test_a_content_length_of_other_digits_is_refused_as_malformed() -> None:
    # GIVEN a Content-Length of a digit that is not 0-9 ("²"): str.isdigit says it is
    data = b"HTTP/1.1 200 OK\r\nContent-Length: \xb2\r\n\r\nab"
    # WHEN it is read, THEN it is refused as malformed (a ProtocolError, not int()'s error)
    assert _python(data) == "refused"


@needs_native
def test_the_reader_reads_whole_responses_in_c_and_parts_in_python() -> None:
    # GIVEN a reader, and a response
    reader = ResponseReader()
    data = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"
    expected = http11.Response(
        200, "OK", {"content-length": "2", "connection": "close"}, b"{}", False
    )
    # WHEN it is fed whole, then in two parts
    whole = reader.feed(data)
    assert reader.feed(data[:30]) is None
    parts = reader.feed(data[30:])
    # THEN both read alike, and the reader is idle again after each
    assert whole == parts == expected
    assert not reader.started


def test_the_switch_turns_the_c_response_reader_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(_native.SWITCH, "0")
    assert _native.native_response() is None


def test_without_the_built_module_there_is_no_c_response_reader(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(_native.SWITCH, raising=False)
    monkeypatch.setitem(sys.modules, "src.services.dynamodb._native._http", None)
    assert _native.native_response() is None


@needs_native
def test_the_reader_uses_the_c_response_reader_where_built() -> None:
    assert http11._whole_in_c is not None
