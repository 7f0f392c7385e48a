"""Faults on the wire: the lean sender against botocore's client, on the same local server.

Each case runs both against a server that answers every request the same way and
compares the number of requests the server saw, and the result or the exception
(class and ``response``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError

from src.services.dynamodb._wire import LeanSender
from src.services.dynamodb._wire.source import retry_rules

from .support import (
    Action,
    FakeServer,
    botocore_call,
    botocore_client,
    config_for,
    drop,
    fake_server,
    partial,
    reset,
    respond,
)

GET = {"TableName": "users", "Key": {"pk": {"S": "a"}, "bin": {"B": b"\x00\xff"}}}
ITEM = json.dumps({"Item": {"pk": {"S": "a"}, "b": {"B": "AP8="}}}).encode()
THROTTLED = (
    b'{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",'
    b'"message":"slow down"}'
)
SERVER_ERROR = b'{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"x"}'
INVALID = b'{"__type":"com.amazon.coral.validate#ValidationException","message":"bad key"}'
CANCELLED = json.dumps(
    {
        "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
        "Message": "Transaction cancelled",
        "CancellationReasons": [
            {"Code": "ConditionalCheckFailed", "Message": "no", "Item": {"b": {"B": "AP8="}}},
            {"Code": "None"},
        ],
    }
).encode()


def partial_call(function: Any, client: Any) -> Any:
    return lambda operation, params: function(client, operation, params)


def _no_sleep(seconds: float) -> None:
    """The lean sender's sleep seam: no waiting in tests."""


def _outcome(call: Callable[[], dict[str, Any]]) -> tuple[str, Any]:
    try:
        return "result", call()
    except ClientError as error:
        return type(error).__name__, error.response
    except Exception as error:  # noqa: BLE001 - the class is what is compared
        return type(error).__name__, None


def _both(
    make: Callable[[FakeServer], Action], monkeypatch: pytest.MonkeyPatch, **overrides: Any
) -> tuple[tuple[str, Any, int], tuple[str, Any, int]]:
    monkeypatch.setattr("botocore.endpoint.time.sleep", _no_sleep)
    answers = []
    for lean in (True, False):
        with fake_server() as server:
            server.default = make(server)
            config = config_for(server.url, **overrides)
            client = botocore_client(config)
            sender = LeanSender(config, client, sleep=_no_sleep)
            call = sender.send if lean else partial_call(botocore_call, client)
            kind, value = _outcome(lambda: call("GetItem", GET))  # noqa: B023
            answers.append((kind, value, len(server.requests)))
            sender.close()
            client.close()
    return answers[0], answers[1]


def _always(action: Action) -> Callable[[FakeServer], Action]:
    return lambda server: action


FAULTS: dict[str, tuple[Callable[[FakeServer], Action], str, int]] = {
    "ok": (_always(respond(200, ITEM)), "result", 1),
    "throttled": (_always(respond(400, THROTTLED)), "ProvisionedThroughputExceededException", 3),
    "server error": (_always(respond(500, SERVER_ERROR)), "InternalServerError", 3),
    "bare 503": (_always(respond(503, b"")), "ClientError", 3),
    "html 502": (_always(respond(502, b"<html>bad</html>", with_crc=False)), "ClientError", 3),
    "validation": (_always(respond(400, INVALID, with_crc=False)), "ClientError", 1),
    "cancelled": (_always(respond(400, CANCELLED)), "TransactionCanceledException", 1),
    "reset mid-body": (_always(partial(200, ITEM, 5, rst=True)), "ConnectionClosedError", 3),
    "truncated body": (_always(partial(200, ITEM, 5, rst=False)), "ChecksumError", 3),
    "wrong crc32": (_always(respond(200, ITEM, crc=1)), "ChecksumError", 3),
    "closed unanswered": (_always(drop), "ConnectionClosedError", 3),
    "reset unanswered": (_always(reset), "ConnectionClosedError", 3),
    "never answers": (lambda server: server.hang, "ReadTimeoutError", 3),
}


@pytest.mark.parametrize("case", sorted(FAULTS))
def test_lean_equals_botocore_on_a_fault(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    make, kind, attempts = FAULTS[case]
    # A short read timeout only where it is the fault: on a loaded machine an answer
    # can take longer than 0.3 s, which would turn "ok" into a timeout on one side.
    timeout = 0.3 if kind == "ReadTimeoutError" else 10.0
    lean, boto = _both(make, monkeypatch, read_timeout_seconds=timeout)
    assert lean == boto
    assert (lean[0], lean[2]) == (kind, attempts)


def test_a_retried_call_that_succeeds_reports_its_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = []
    for lean in (True, False):
        with fake_server(respond(200, ITEM)) as server:
            server.script = [respond(400, THROTTLED), respond(500, SERVER_ERROR)]
            config = config_for(server.url)
            client = botocore_client(config)
            sender = LeanSender(config, client, sleep=_no_sleep)
            monkeypatch.setattr("botocore.endpoint.time.sleep", _no_sleep)
            if lean:
                answers.append(sender.send("GetItem", GET))
            else:
                answers.append(botocore_call(client, "GetItem", GET))
            sender.close()
            client.close()
    assert answers[0] == answers[1]
    assert answers[0]["ResponseMetadata"]["RetryAttempts"] == 2
    assert answers[0]["ResponseMetadata"]["MaxAttemptsReached"] is True


def test_no_server_is_an_endpoint_connection_error(monkeypatch: pytest.MonkeyPatch) -> None:
    with fake_server() as server:
        url = server.url
    config = config_for(url, max_attempts=2)
    client = botocore_client(config)
    sender = LeanSender(config, client, sleep=_no_sleep)
    monkeypatch.setattr("botocore.endpoint.time.sleep", _no_sleep)
    with pytest.raises(EndpointConnectionError) as lean:
        sender.send("GetItem", GET)
    with pytest.raises(EndpointConnectionError) as boto:
        botocore_call(client, "GetItem", GET)
    assert str(lean.value) == str(boto.value)
    client.close()


def test_the_backoff_sleeps_are_botocores_full_jitter() -> None:
    slept: list[float] = []
    with fake_server(respond(400, THROTTLED)) as server:
        config = config_for(server.url, max_attempts=4)
        sender = LeanSender(config, botocore_client(config), sleep=slept.append, random=lambda: 0.5)
        with pytest.raises(ClientError):
            sender.send("GetItem", GET)
        sender.close()
    assert slept == [0.5, 1.0, 2.0]


def test_a_probe_makes_one_attempt_within_its_timeout() -> None:
    with fake_server() as server:
        server.default = server.hang
        config = config_for(server.url, read_timeout_seconds=30.0)
        sender = LeanSender(config, botocore_client(config), probe=True, timeout=0.2)
        with pytest.raises(ReadTimeoutError):
            sender.send("GetItem", GET)
        assert len(server.requests) == 1
        sender.close()


RETRY_AFTER = {"x-amz-retry-after": "3000"}
RULED_FAULTS: dict[str, tuple[Action, int, int]] = {
    # case: (answer, attempts under the rules before botocore 1.44, and from 1.44)
    "bare 429": (respond(429, b""), 1, 3),
    "500 asking 3 s": (respond(500, SERVER_ERROR, headers=RETRY_AFTER), 3, 3),
    "429 throttled asking 3 s": (respond(429, THROTTLED, headers=RETRY_AFTER), 3, 3),
}


@pytest.mark.parametrize("case", sorted(RULED_FAULTS))
def test_lean_retries_and_waits_as_the_installed_botocore(
    case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a server that answers every attempt the same way, under this botocore's rules
    action, before, after = RULED_FAULTS[case]
    rules = retry_rules()
    answers, waits = [], []
    for lean in (True, False):
        slept: list[float] = []
        monkeypatch.setattr("botocore.endpoint.time.sleep", slept.append)
        with fake_server(action) as server:
            config = config_for(server.url)
            client = botocore_client(config)
            sender = LeanSender(config, client, sleep=slept.append)
            call = sender.send if lean else partial_call(botocore_call, client)
            # WHEN both send the same call
            answers.append((*_outcome(lambda: call("GetItem", GET)), len(server.requests)))  # noqa: B023
            waits.append(slept)
            sender.close()
            client.close()
    # THEN the attempts and the final answer are botocore's
    assert answers[0] == answers[1]
    assert answers[0][2] == (after if rules.throttling_status else before)
    # AND a retry-after the rules honour makes both wait exactly what it asks (the jitter
    # stays below it), while otherwise both wait as many times
    assert len(waits[0]) == len(waits[1]) == answers[0][2] - 1
    if rules.retry_after and "asking" in case:
        assert waits[0] == waits[1] == [3.0, 3.0]
