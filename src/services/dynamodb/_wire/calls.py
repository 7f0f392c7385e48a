"""What both senders share: the settings taken from botocore, requests, and responses.

``Wire`` is built once per sender from the service's config and botocore client. It makes
the bytes of one signed attempt (``request``), judges the response of an attempt
(``judge``: the retry ``Outcome`` and the result or the exception botocore would give),
and completes the final one (``finish``: ``RetryAttempts``, the retry flags, the CRC check).
"""

from __future__ import annotations

import time
import zlib
from base64 import b64encode
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, NamedTuple
from urllib.parse import urlsplit
from uuid import uuid4

import orjson
from botocore.exceptions import ChecksumError, ClientError

from .._fastread import READ_OPERATIONS
from .._gcpause import loads
from .._protocol import Call, Unread
from ..dynamodb_models import DynamoDBConfig
from .errors import attribute_map, client_error, parse_error
from .http11 import Response
from .retries import RETRY_AFTER_HEADER, Attempts, Outcome
from .signing import Keys, SigningKeys, sign

TARGET_PREFIX = "DynamoDB_20120810."
FAST_READS = frozenset(READ_OPERATIONS)
"""Operations whose results keep items in DynamoDB JSON (the service's fast-read hook)."""
OPERATIONS = FAST_READS | {"BatchWriteItem", "TransactWriteItems"}
"""The data-plane operations the lean path sends; any other goes to botocore."""
_DEFAULT_PORTS = {"http": 80, "https": 443}
AHEAD_CALLS = 64
AHEAD_BYTES = 2**20
"""A fanout's calls are encoded and signed a window at a time: up to 64 calls, or 1 MiB of
bodies. Work done back to back while the process is awake costs a fraction of the same
work done after each wait for a response (``bench.wake``)."""
FRESH_SECONDS = 60
"""A first attempt signed longer ago than this is signed again when sent (SigV4: 5 minutes)."""


def refuse_other(operation: str) -> None:
    """Refuse an operation outside ``OPERATIONS``: the drivers give those to botocore."""
    if operation not in OPERATIONS:
        raise ValueError(f"the lean path sends the data-plane calls only, not {operation}")


class Settings(NamedTuple):
    """Timeouts, attempts and pool size of a sender (a probe: one attempt, one connection)."""

    connect_timeout: float
    read_timeout: float
    max_attempts: int
    max_pool_connections: int


def settings(config: DynamoDBConfig, *, probe: bool, timeout: float | None) -> Settings:
    """The settings botocore's client gets from ``config`` (``_connection.settings``)."""
    return Settings(
        connect_timeout=timeout or config.connect_timeout_seconds,
        read_timeout=timeout or config.read_timeout_seconds,
        max_attempts=1 if probe else config.max_attempts,
        max_pool_connections=1 if probe else config.max_pool_connections,
    )


class Endpoint(NamedTuple):
    """Where requests go: the URL botocore names in errors, and how to reach it."""

    url: str
    tls: bool
    host: str
    port: int
    host_header: str


def endpoint(url: str) -> Endpoint:
    """Split an endpoint URL; ``host_header`` is what botocore signs as ``host``."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or _DEFAULT_PORTS[parts.scheme]
    header = f"[{host}]" if ":" in host else host
    if port != _DEFAULT_PORTS[parts.scheme]:
        header = f"{header}:{port}"
    named = f"{parts.scheme}://{parts.netloc}{parts.path or '/'}"
    return Endpoint(named, parts.scheme == "https", host, port, header)


def _bytes_as_base64(value: Any) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        return b64encode(value).decode("ascii")
    raise TypeError(f"{type(value).__name__} cannot be sent to DynamoDB")


def encode(operation: str, params: Mapping[str, Any]) -> bytes:
    """The JSON body botocore would send: binary values as base64 text.

    A ``TransactWriteItems`` without a ``ClientRequestToken`` gets a fresh one, as
    botocore fills in idempotency tokens: every attempt of the call carries the same.
    """
    if operation == "TransactWriteItems" and "ClientRequestToken" not in params:
        params = {**params, "ClientRequestToken": str(uuid4())}
    return orjson.dumps(params, default=_bytes_as_base64)


def windows(calls: Iterable[Call]) -> Iterator[list[tuple[Call, bytes]]]:
    """Each call with its body (``encode``), a window at a time (``AHEAD_CALLS``)."""
    window: list[tuple[Call, bytes]] = []
    size = 0
    for call in calls:
        refuse_other(call.operation)
        body = encode(call.operation, call.params)
        window.append((call, body))
        size += len(body)
        if len(window) == AHEAD_CALLS or size >= AHEAD_BYTES:
            yield window
            window, size = [], 0
    if window:
        yield window


@dataclass(frozen=True, slots=True)
class Prepared(Call):
    """A call with its body, and its first attempt signed ahead in ``signed`` (clock seconds).

    It is a ``Call``: a driver sends it as any other, by botocore too when a hook wants it.
    """

    body: bytes
    data: bytes
    signed: int


class Wire:
    """Requests and responses of one sender; thread-safe.

    Args:
        region: the signing region.
        target: the endpoint.
        user_agent: the ``User-Agent`` botocore sends.
        exceptions: the client's modelled exception factory (``client.exceptions``).
        clock: seconds since the epoch, for signatures (``time.time``).
    """

    def __init__(
        self,
        *,
        region: str,
        target: Endpoint,
        user_agent: str,
        exceptions: Any,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.region = region
        self.endpoint = target
        self._exceptions = exceptions
        self._clock = clock
        self._keys = SigningKeys()
        self._fixed = f"User-Agent: {user_agent}\r\n".encode()
        self._second = (-1, "")

    def _amz_date(self, second: int) -> str:
        """``YYYYMMDDTHHMMSSZ`` of ``second``, formatted once a second."""
        cached = self._second
        if cached[0] != second:
            cached = self._second = (second, time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(second)))
        return cached[1]

    def prepare(self, call: Call, body: bytes, keys: Keys) -> Prepared:
        """``call`` with ``body`` and its first attempt signed now with ``keys``, to send later."""
        second = int(self._clock())
        data = self.request(call.operation, body, keys, second)
        return Prepared(call.operation, call.params, body, data, second)

    def first(self, prepared: Prepared) -> bytes | None:
        """The prepared first attempt, if signed recently enough (``FRESH_SECONDS``)."""
        return prepared.data if self._clock() - prepared.signed < FRESH_SECONDS else None

    def request(self, operation: str, body: bytes, keys: Keys, second: int | None = None) -> bytes:
        """The bytes of one attempt, signed with ``keys``: head and body in one buffer.

        ``second`` is when it is signed, in clock seconds: now when not given.
        """
        amz_date = self._amz_date(int(self._clock()) if second is None else second)
        signing_key = self._keys.get(amz_date[:8], self.region, keys.secret_key)
        headers = sign(
            keys=keys,
            signing_key=signing_key,
            region=self.region,
            host=self.endpoint.host_header,
            target=TARGET_PREFIX + operation,
            body=body,
            amz_date=amz_date,
        )
        head = "".join(f"{name}: {value}\r\n" for name, value in headers)
        return b"".join(
            (
                b"POST / HTTP/1.1\r\n",
                head.encode("utf-8"),
                self._fixed,
                b"Content-Length: %d\r\n\r\n" % len(body),
                body,
            )
        )

    def judge(self, operation: str, response: Response) -> tuple[Outcome, Any]:
        """The retry outcome of ``response``, and its result: a dict, or a ``ClientError``."""
        mismatch = crc32_mismatch(response.headers, response.body)
        delay = response.headers.get(RETRY_AFTER_HEADER)
        if response.status >= 300:
            parsed = parse_error(response.status, response.headers, response.body)
            error = client_error(self._exceptions, operation, parsed)
            code = parsed["Error"]["Code"]
            return Outcome(response.status, code, mismatch, None, delay), error
        outcome = Outcome(response.status, None, mismatch, None, delay)
        return outcome, parse_success(operation, response)

    @staticmethod
    def finish(
        response: Response | None, outcome: Outcome, result: Any, attempts: Attempts
    ) -> Unread:
        """Return the final ``result`` with botocore's retry metadata, or raise it.

        No response (a network failure): ``result`` is botocore's exception, raised. A
        damaged body (its ``x-amz-crc32`` does not match, as ``judge`` found) on the
        final attempt raises ``ChecksumError``, as the service's ``after-call`` check does.
        """
        if response is None:
            raise result
        attempts.ended(response.status)
        parsed: Unread = getattr(result, "response", result)
        metadata: dict[str, Any] = parsed["ResponseMetadata"]
        metadata.update(attempts.metadata)
        metadata["RetryAttempts"] = attempts.count - 1
        if outcome.crc32_mismatch:
            actual = zlib.crc32(response.body) & 0xFFFFFFFF
            raise ChecksumError(
                checksum_type="crc32",
                expected_checksum=response.headers["x-amz-crc32"],
                actual_checksum=str(actual),
            )
        if isinstance(result, ClientError):
            raise result
        return parsed


def crc32_mismatch(headers: Mapping[str, str], body: bytes) -> bool:
    """Whether the body does not match its ``x-amz-crc32`` header (none: it matches)."""
    expected = headers.get("x-amz-crc32")
    if expected is None:
        return False
    return not expected.isdigit() or int(expected) != zlib.crc32(body) & 0xFFFFFFFF


def parse_success(operation: str, response: Response) -> Unread:
    """The dict botocore and the service's fast-read hook make of a 2xx response.

    Its ``ResponseMetadata`` is there at once; the body's fields are added by ``read()``,
    which the core calls in its step (``_protocol.Unread``).
    """
    metadata: dict[str, Any] = {}
    if "x-amzn-requestid" in response.headers:
        metadata["RequestId"] = response.headers["x-amzn-requestid"]
    metadata.update(HTTPStatusCode=response.status, HTTPHeaders=dict(response.headers))
    in_botocore_form = _fast_read_keys if operation in FAST_READS else _written_keys
    return Unread(metadata, response.body, partial(_parsed, keys=in_botocore_form))


def _parsed(body: bytes, keys: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    """The body's fields (none for what botocore parses to nothing), ``keys`` applied."""
    try:
        parsed = loads(body) if body else {}
    except orjson.JSONDecodeError:
        return {}
    if not isinstance(parsed, dict):
        return {}
    keys(parsed)
    return parsed


def _fast_read_keys(body: dict[str, Any]) -> None:
    """Keys a caller sends back in botocore's form, as ``_fastread.parse_read`` leaves them."""
    start = body.get("LastEvaluatedKey")
    if start:
        body["LastEvaluatedKey"] = attribute_map(start)
    for request in (body.get("UnprocessedKeys") or {}).values():
        request["Keys"] = [attribute_map(key) for key in request["Keys"]]


def _written_keys(body: dict[str, Any]) -> None:
    """Attribute maps of a write's result in botocore's form, as its parser gives them."""
    for requests in (body.get("UnprocessedItems") or {}).values():
        for request in requests:
            for kind, field in (("PutRequest", "Item"), ("DeleteRequest", "Key")):
                if kind in request:
                    request[kind][field] = attribute_map(request[kind][field])
    metrics = body.get("ItemCollectionMetrics") or {}
    for entries in metrics.values():
        for entry in entries:
            if "ItemCollectionKey" in entry:
                entry["ItemCollectionKey"] = attribute_map(entry["ItemCollectionKey"])
