"""The HTTP/1.1 response reader: framing, split feeds, keep-alive, malformed input."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from src.services.dynamodb._wire.http11 import (
    MAX_HEAD,
    IncompleteResponse,
    ProtocolError,
    Response,
    ResponseReader,
)

OK = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.0\r\n"
    b'x-amzn-RequestId: R1\r\nContent-Length: 11\r\n\r\n{"Item":{}}'
)
CHUNKED = (
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\n\r\n"
)


def _read(raw: bytes) -> Response:
    response = ResponseReader().feed(raw)
    assert response is not None
    return response


def test_content_length_response() -> None:
    response = _read(OK)
    assert response == Response(
        200,
        "OK",
        {
            "content-type": "application/x-amz-json-1.0",
            "x-amzn-requestid": "R1",
            "content-length": "11",
        },
        b'{"Item":{}}',
        True,
    )


@settings(max_examples=100, deadline=None)
@given(raw=st.sampled_from([OK, CHUNKED]), cuts=st.lists(st.integers(0, 120), max_size=6))
def test_any_split_of_the_bytes_reads_the_same(raw: bytes, cuts: list[int]) -> None:
    reader = ResponseReader()
    points = sorted({min(cut, len(raw)) for cut in cuts})
    pieces = [raw[a:b] for a, b in zip([0, *points], [*points, len(raw)], strict=True) if a < b]
    answers = [reader.feed(piece) for piece in pieces]
    assert [answer for answer in answers[:-1] if answer is not None] == []
    assert answers[-1] == _read(raw)


def test_chunked_body_and_trailers() -> None:
    assert _read(CHUNKED).body == b"hello, world"
    with_trailer = CHUNKED[:-2] + b"X-Trailer: 1\r\n\r\n"
    assert _read(with_trailer).body == b"hello, world"


def test_chunked_waits_for_the_whole_chunk_and_the_end() -> None:
    reader = ResponseReader()
    assert reader.feed(CHUNKED[:60]) is None
    assert reader.feed(CHUNKED[60:-2]) is None
    response = reader.feed(CHUNKED[-2:])
    assert response is not None and response.body == b"hello, world"
    trailer = ResponseReader()
    assert trailer.feed(CHUNKED[:-2] + b"X-T: 1\r\n") is None


def test_repeated_headers_are_joined_and_values_trimmed() -> None:
    raw = b"HTTP/1.1 200 OK\r\nA: 1\r\na:  2 \r\nContent-Length: 0\r\n\r\n"
    assert _read(raw).headers == {"a": "1, 2", "content-length": "0"}


def test_connection_close_and_http10() -> None:
    assert not _read(
        b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
    ).keep_alive
    assert not _read(b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").keep_alive
    assert _read(
        b"HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n"
    ).keep_alive


def test_interim_responses_are_skipped_and_no_content_has_no_body() -> None:
    response = _read(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n")
    assert (response.status, response.body, response.reason) == (204, b"", "No Content")


def test_status_line_without_reason() -> None:
    assert _read(b"HTTP/1.1 500\r\nContent-Length: 0\r\n\r\n").reason == ""


def test_body_delimited_by_the_end_of_the_connection() -> None:
    reader = ResponseReader()
    assert reader.feed(b"HTTP/1.1 200 OK\r\n\r\nsome") is None
    assert reader.feed(b" body") is None
    response = reader.eof()
    assert (response.body, response.keep_alive) == (b"some body", False)
    assert not reader.started


def test_a_content_length_body_cut_short_comes_back_short_as_urllib3_gives_it() -> None:
    reader = ResponseReader()
    assert reader.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort") is None
    response = reader.eof()
    assert (response.body, response.keep_alive) == (b"short", False)


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"HTTP/1.1 200 OK\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
    ],
)
def test_truncated_responses(raw: bytes) -> None:
    reader = ResponseReader()
    assert reader.feed(raw) is None
    assert reader.started == bool(raw)
    with pytest.raises(IncompleteResponse):
        reader.eof()


@pytest.mark.parametrize(
    "raw",
    [
        b"HTTP/2 200 OK\r\n\r\n",
        b"ICY 200 OK\r\n\r\n",
        b"HTTP/1.1 20 OK\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nbad name: 1\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 1, 1\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXX",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nextra",
        b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nab",
    ],
)
def test_malformed_responses_are_refused(raw: bytes) -> None:
    with pytest.raises(ProtocolError):
        ResponseReader().feed(raw)


def test_a_head_that_never_ends_is_refused() -> None:
    reader = ResponseReader()
    with pytest.raises(ProtocolError, match="too long"):
        reader.feed(b"HTTP/1.1 200 OK\r\n" + b"X: y\r\n" * (MAX_HEAD // 6 + 1))


def test_the_reader_reads_one_response_after_another() -> None:
    reader = ResponseReader()
    first = reader.feed(OK)
    second = reader.feed(OK)
    assert first == second is not None


def test_header_names_are_http_tokens() -> None:
    assert _read(b"HTTP/1.1 200 OK\r\nx_odd~name: 1\r\nContent-Length: 0\r\n\r\n").headers == {
        "x_odd~name": "1",
        "content-length": "0",
    }
    with pytest.raises(ProtocolError):
        ResponseReader().feed("HTTP/1.1 200 OK\r\nné: 1\r\n\r\n".encode("latin-1"))
