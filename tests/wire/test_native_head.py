"""The C reader of a response head: what it reads equals the Python reader's, on any head."""

from __future__ import annotations

import sys
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from src.services.dynamodb import _native
from src.services.dynamodb._wire import http11
from src.services.dynamodb._wire.http11 import ProtocolError

from ..dynamodb.test_native import needs_native

_TOKEN_CHARS = "abcXYZ09-_!#$%&'*+.^`|~"
_names = st.one_of(
    st.sampled_from(["Content-Length", "content-length", "X-Amz-Crc32", "Connection", "Date"]),
    st.text(_TOKEN_CHARS, min_size=1, max_size=12),
)
_values = st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=20).map(
    lambda text: text.replace(":", ":" if len(text) % 2 else "")
)
_padding = st.sampled_from(["", " ", "\t", "  \t"])
_plain_lines = st.builds(lambda n, a, v, b: f"{n}:{a}{v}{b}", _names, _padding, _values, _padding)
_odd_lines = st.sampled_from(
    ["no colon", " Name: v", "Name : v", ":v", "Na me: v", "Name: a\nb", "Name: a\rb", "Nâme: v"]
)
_status_lines = st.one_of(
    st.builds(
        lambda minor, code, reason: f"HTTP/1.{minor} {code:03d}{reason}",
        st.sampled_from("01"),
        st.integers(0, 999),
        st.sampled_from(["", " ", " OK", " Not Found", " é x\t"]),
    ),
    st.sampled_from(["HTTP/1.1 20", "HTTP/2 200 OK", "HTTP/1.1  200", "HTTP/1.1 200OK", ""]),
)


def _block(status: str, lines: list[str]) -> bytes:
    return "\r\n".join([status, *lines]).encode("latin-1")


def _python(block: bytes, parse: Any = http11._parse_lines) -> Any:
    """What Python reads of ``block`` (``"refused"``: a ``ProtocolError``)."""
    try:
        read = parse(block)
    except ProtocolError:
        return "refused"
    return (read.status, read.reason, read.headers)


@needs_native
@settings(max_examples=500, deadline=None)
@given(
    status=_status_lines,
    lines=st.lists(st.one_of(_plain_lines, _plain_lines, _odd_lines), max_size=6),
)
@example(status="HTTP/1.1 200 OK", lines=["A: 1", "a: 2", "B:3"])
@example(status="HTTP/1.0 204", lines=["N" * 300 + ": long name"])
def test_what_c_reads_python_reads_alike(status: str, lines: list[str]) -> None:
    block = _block(status, lines)
    read = _native.native_head()
    assert read is not None
    found = read(block)
    if found is not None:
        assert found == _python(block)


@needs_native
@settings(max_examples=300, deadline=None)
@given(
    minor=st.sampled_from("01"),
    lines=st.lists(_plain_lines, max_size=8),
)
def test_c_reads_every_plainly_well_formed_head(minor: str, lines: list[str]) -> None:
    block = _block(f"HTTP/1.{minor} 200 OK", lines)
    read = _native.native_head()
    assert read is not None
    assert read(block) == _python(block)


@needs_native
@pytest.mark.parametrize(
    "block",
    [
        b"HTTP/1.1 200 OK\r\nName: a\nb",  # a stray LF, which Python keeps in the value
        b"HTTP/1.1 200 OK\r\n" + b"N" * 300 + b": v",  # a name longer than C reads
        b"HTTP/1.1 200 OK\r\nName : v",  # refused
        b"HTTP/1.1 2x0 OK",  # refused
        b"HTTP/1.1 200 OK\r\n",  # an empty header line: refused
    ],
)
def test_odd_heads_are_left_to_python(block: bytes) -> None:
    read = _native.native_head()
    assert read is not None
    assert read(block) is None
    assert _python(block, http11._parse_head) == _python(block)


def test_odd_heads_read_or_refused_by_python_whatever_c_says() -> None:
    assert http11._parse_head(b"HTTP/1.1 200 OK\r\nName: a\nb").headers == {"name": "a\nb"}
    with pytest.raises(ProtocolError, match="bad header line"):
        http11._parse_head(b"HTTP/1.1 200 OK\r\nName : v")
    with pytest.raises(ProtocolError, match="bad status line"):
        http11._parse_head(b"HTTP/1.1 2x0 OK")


@pytest.mark.parametrize(
    ("block", "keep_alive"),
    [
        (b"HTTP/1.1 200 OK", True),
        (b"HTTP/1.1 200 OK\r\nConnection: Close", False),
        (b"HTTP/1.0 200 OK", False),
        (b"HTTP/1.0 200 OK\r\nConnection: Keep-Alive", True),
    ],
)
def test_keep_alive_is_read_alike_either_way(block: bytes, keep_alive: bool) -> None:
    assert http11._parse_head(block).keep_alive is keep_alive
    assert http11._parse_lines(block).keep_alive is keep_alive


def test_the_switch_turns_the_c_head_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(_native.SWITCH, "0")
    assert _native.native_head() is None


def test_without_the_built_module_there_is_no_c_head(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(_native.SWITCH, raising=False)
    monkeypatch.setitem(sys.modules, "src.services.dynamodb._native._http", None)
    assert _native.native_head() is None


@needs_native
def test_the_reader_uses_the_c_head_where_built() -> None:
    assert http11._head_in_c is not None
    assert http11._head_in_c(b"HTTP/1.1 200 OK\r\nA: b") == (200, "OK", {"a": "b"})
