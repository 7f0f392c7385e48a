"""Calls encoded and signed ahead, a window at a time: windows, freshness, re-signed retries."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from botocore.credentials import Credentials

from src.services.dynamodb._protocol import Call
from src.services.dynamodb._wire import AsyncLeanSender, LeanSender
from src.services.dynamodb._wire.calls import (
    AHEAD_BYTES,
    AHEAD_CALLS,
    FRESH_SECONDS,
    Prepared,
    encode,
    windows,
)

from .support import (
    SECRET,
    TOKEN,
    FakeServer,
    aiobotocore_client,
    botocore_client,
    config_for,
    fake_server,
    respond,
)
from .test_faults import SERVER_ERROR
from .test_sender import _assert_signed, _parse_request

T0 = 1_900_000_000.0
"""A fixed clock reading (2030-03-17), so that signing dates are known."""
GET = Call("GetItem", {"TableName": "t", "Key": {"pk": {"S": "a"}}})
SIGNER = Credentials("AKIDWIRETESTS", SECRET, TOKEN)


class Clock:
    """A clock the test moves; ``sleep`` moves it too."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += 5


def _dates(server: FakeServer) -> list[str]:
    return [_parse_request(raw)[0]["X-Amz-Date"] for raw in server.requests]


def _put(size: int) -> Call:
    return Call("PutItem", {"TableName": "t", "Item": {"pk": {"S": "x" * size}}})


@pytest.mark.parametrize(
    ("count", "sizes"),
    [
        (2 * AHEAD_CALLS + 2, [AHEAD_CALLS, AHEAD_CALLS, 2]),
        (AHEAD_CALLS, [AHEAD_CALLS]),
        (1, [1]),
        (0, []),
    ],
)
def test_windows_hold_64_calls_at_most(count: int, sizes: list[int]) -> None:
    assert [len(window) for window in windows([GET] * count)] == sizes


def test_windows_close_once_their_bodies_reach_a_mebibyte() -> None:
    # GIVEN bodies of a little over a quarter of the window's bytes
    calls = [_put(AHEAD_BYTES // 4 + 1)] * 9
    # WHEN they are windowed THEN four fill a window
    found = list(windows(calls))
    assert [len(window) for window in found] == [4, 4, 1]
    assert found[2] == [(calls[8], encode(calls[8].operation, calls[8].params))]


def test_windows_refuse_other_operations_before_any_is_encoded() -> None:
    calls: Iterator[Call] = iter([GET, Call("DeleteTable", {"TableName": "t"}), GET])
    with pytest.raises(ValueError, match="DeleteTable"):
        list(windows(calls))
    assert next(calls) == GET  # nothing read past the refused call


@pytest.mark.parametrize(("age", "resigned"), [(FRESH_SECONDS - 1, False), (FRESH_SECONDS, True)])
def test_a_first_attempt_signed_ahead_is_sent_as_signed_while_fresh(
    age: int, resigned: bool
) -> None:
    # GIVEN a call signed ahead at T0
    clock = Clock()
    with fake_server() as server:
        config = config_for(server.url)
        sender = LeanSender(config, botocore_client(config), clock=clock)
        (prepared,) = sender.prepare([(GET, encode(GET.operation, GET.params))])
        # WHEN it is sent ``age`` seconds later
        clock.now += age
        sender.send_prepared(prepared)
        # THEN it carries the signature made ahead, or a fresh one once that is too old
        assert _dates(server) == [_date(T0 + age if resigned else T0)]
        _assert_signed(server.requests[0], server.url, SIGNER)
        sender.close()


def _date(seconds: float) -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(seconds))


def test_a_retry_is_signed_afresh() -> None:
    # GIVEN a server error, then an answer, and a sleep of 5 s between attempts
    clock = Clock()
    with fake_server() as server:
        server.script = [respond(500, SERVER_ERROR)]
        config = config_for(server.url)
        sender = LeanSender(config, botocore_client(config), clock=clock, sleep=clock.sleep)
        # WHEN the call is sent
        answer = sender.send(GET.operation, GET.params)
        # THEN the second attempt is signed when it is sent, and both signatures are botocore's
        assert answer["ResponseMetadata"]["RetryAttempts"] == 1
        assert _dates(server) == [_date(T0), _date(T0 + 5)]
        for raw in server.requests:
            _assert_signed(raw, server.url, SIGNER)
        sender.close()


@pytest.mark.async_twin
@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
@pytest.mark.parametrize(("age", "retried"), [(FRESH_SECONDS - 1, False), (FRESH_SECONDS, True)])
async def test_the_async_sender_signs_ahead_and_afresh_as_the_blocking_one(
    anyio_backend: str, age: int, retried: bool
) -> None:
    # GIVEN a call signed ahead at T0, and a server error first when ``retried``
    clock = Clock()

    async def sleep(seconds: float) -> None:
        clock.sleep(seconds)

    with fake_server() as server:
        server.script = [respond(500, SERVER_ERROR)] if retried else []
        config = config_for(server.url)
        client = await aiobotocore_client(config)
        sender = AsyncLeanSender(config, client, clock=clock, sleep=sleep)
        (prepared,) = await sender.prepare([(GET, encode(GET.operation, GET.params))])
        # WHEN it is sent ``age`` seconds later
        clock.now += age
        await sender.send_prepared(prepared)
        # THEN the first attempt is the one made ahead while fresh; a retry is signed afresh
        first = _date(T0) if age < FRESH_SECONDS else _date(T0 + age)
        assert _dates(server) == [first] + ([_date(T0 + age + 5)] if retried else [])
        for raw in server.requests:
            _assert_signed(raw, server.url, SIGNER)
        await sender.close()
        await client.__aexit__(None, None, None)


def test_prepared_calls_are_their_calls_with_body_and_first_attempt() -> None:
    clock = Clock()
    with fake_server() as server:
        config = config_for(server.url)
        sender = LeanSender(config, botocore_client(config), clock=clock)
        calls = [_put(10), GET]
        prepared = [p for window in windows(calls) for p in sender.prepare(window)]
        assert [type(p) for p in prepared] == [Prepared, Prepared]
        assert [Call(p.operation, p.params) for p in prepared] == calls
        assert [p.body for p in prepared] == [encode(c.operation, c.params) for c in calls]
        assert all(p.data.endswith(p.body) and p.signed == int(T0) for p in prepared)
        sender.close()
