"""Page cursors: the key to start after, for one table or index, as a URL-safe string. Pure.

A cursor is base64url (no padding) of a version byte, a CRC32 of the payload and the
payload: compact JSON naming the table, the index, the scan segment and the key. It is
encoded, not encrypted: anyone holding it can read the key. The checksum catches
truncated and edited strings; the names catch a cursor passed to another read.
"""

from __future__ import annotations

import base64
import binascii
import zlib
from collections.abc import Mapping
from typing import Any

import orjson

from ._values import to_botocore_key

_VERSION = b"\x01"
_KEY_TYPES = frozenset({"S", "N", "B"})


def _json_value(value: Mapping[str, Any]) -> dict[str, Any]:
    tag, raw = next(iter(value.items()))
    if isinstance(raw, bytes | bytearray):
        raw = base64.b64encode(raw).decode()
    return {tag: raw}


def encode_cursor(
    key: Mapping[str, Mapping[str, Any]],
    *,
    table: str,
    index: str | None,
    segment: tuple[int, int] | None,
) -> str:
    """Return the cursor that resumes the read of ``table``/``index`` right after ``key``."""
    payload = orjson.dumps(
        {
            "t": table,
            "i": index,
            "s": None if segment is None else list(segment),
            "k": {name: _json_value(value) for name, value in key.items()},
        }
    )
    framed = _VERSION + zlib.crc32(payload).to_bytes(4, "big") + payload
    return base64.urlsafe_b64encode(framed).rstrip(b"=").decode()


def _unframed(cursor: str) -> dict[str, Any]:
    if not isinstance(cursor, str):
        raise TypeError(f"cursor must be a str, not {type(cursor).__name__}")
    try:
        framed = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (binascii.Error, ValueError):
        raise ValueError("cursor is not one this service made") from None
    version, checksum, payload = framed[:1], framed[1:5], framed[5:]
    if version != _VERSION or zlib.crc32(payload).to_bytes(4, "big") != checksum:
        raise ValueError("cursor is not one this service made (damaged or edited)")
    decoded = orjson.loads(payload)
    if not isinstance(decoded, dict) or set(decoded) != {"t", "i", "s", "k"}:
        raise ValueError("cursor is not one this service made")
    return decoded


def _checked_key(key: object) -> dict[str, Any]:
    if not isinstance(key, dict) or not key:
        raise ValueError("cursor is not one this service made (no key)")
    for value in key.values():
        if not isinstance(value, dict) or len(value) != 1:
            raise ValueError("cursor is not one this service made (bad key)")
        ((tag, raw),) = value.items()
        if tag not in _KEY_TYPES or not isinstance(raw, str):
            raise ValueError("cursor is not one this service made (bad key)")
    try:
        for value in key.values():
            if "B" in value:
                base64.b64decode(value["B"], validate=True)
        return to_botocore_key(key)
    except (binascii.Error, ValueError):
        raise ValueError("cursor is not one this service made (bad key)") from None


def decode_cursor(
    cursor: str, *, table: str, index: str | None, segment: tuple[int, int] | None
) -> dict[str, Any]:
    """Return the ``ExclusiveStartKey`` of ``cursor``, checked to belong to this read."""
    decoded = _unframed(cursor)
    made_for = (decoded["t"], decoded["i"], decoded["s"])
    here = (table, index, None if segment is None else list(segment))
    if made_for != here:
        raise ValueError(
            f"cursor was made for table {decoded['t']!r}, index {decoded['i']!r}, "
            f"segment {decoded['s']!r}; this read is of {table!r}, {index!r}, {here[2]!r}"
        )
    return _checked_key(decoded["k"])
