"""The asyncio sender: results and faults equal aiobotocore's; one pool per loop, bounded."""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import time
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import (
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    ReadTimeoutError,
    SSLError,
)

from src.services.dynamodb import _wire
from src.services.dynamodb._wire import AsyncLeanSender, LeanSender
from src.services.dynamodb._wire.async_pool import AsyncConnection

from .support import (
    SECRET,
    TOKEN,
    Action,
    FakeServer,
    aiobotocore_call,
    aiobotocore_client,
    botocore_client,
    config_for,
    drop,
    fake_server,
    partial,
    reset,
    respond,
    response_bytes,
    trickle,
)
from .test_faults import CANCELLED, GET, ITEM, SERVER_ERROR, THROTTLED

pytestmark = [pytest.mark.async_twin, pytest.mark.anyio]


@pytest.fixture(params=["asyncio", "uvloop"])
def anyio_backend(request: pytest.FixtureRequest) -> tuple[str, dict[str, bool]]:
    """Every test on asyncio's own loop and on uvloop (uvicorn's loop where it is installed)."""
    return "asyncio", {"use_uvloop": request.param == "uvloop"}


async def _no_sleep(seconds: float) -> None:
    """No waiting in tests."""


async def _outcome(call: Callable[[], Any]) -> tuple[str, Any]:
    try:
        return "result", await call()
    except ClientError as error:
        return type(error).__name__, error.response
    except Exception as error:  # noqa: BLE001 - the class is what is compared
        return type(error).__name__, None


FAULTS: dict[str, tuple[Callable[[FakeServer], Action], str, int]] = {
    "ok": (lambda server: respond(200, ITEM), "result", 1),
    "throttled": (
        lambda server: respond(400, THROTTLED),
        "ProvisionedThroughputExceededException",
        3,
    ),
    "server error": (lambda server: respond(500, SERVER_ERROR), "InternalServerError", 3),
    "cancelled": (lambda server: respond(400, CANCELLED), "TransactionCanceledException", 1),
    "reset mid-body": (lambda server: partial(200, ITEM, 5, rst=True), "ConnectionClosedError", 3),
    "wrong crc32": (lambda server: respond(200, ITEM, crc=1), "ChecksumError", 3),
    "closed unanswered": (lambda server: drop, "ConnectionClosedError", 3),
    "never answers": (lambda server: server.hang, "ReadTimeoutError", 3),
}


@pytest.mark.parametrize("case", sorted(FAULTS))
async def test_lean_equals_aiobotocore_on_a_fault(
    case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("aiobotocore.endpoint.asyncio.sleep", _no_sleep)
    make, kind, attempts = FAULTS[case]
    answers = []
    for lean in (True, False):
        with fake_server() as server:
            server.default = make(server)
            config = config_for(server.url, read_timeout_seconds=0.3)
            client = await aiobotocore_client(config)
            sender = AsyncLeanSender(config, client, sleep=_no_sleep)
            if lean:
                answer = await _outcome(lambda: sender.send("GetItem", GET))  # noqa: B023
            else:
                answer = await _outcome(lambda: aiobotocore_call(client, "GetItem", GET))  # noqa: B023
            answers.append((*answer, len(server.requests)))
            await sender.close()
            await client.__aexit__(None, None, None)
    assert answers[0] == answers[1]
    assert (answers[0][0], answers[0][2]) == (kind, attempts)


@pytest.mark.parametrize(("stall", "expected"), [(0.0, "result"), (2.0, "ReadTimeoutError")])
async def test_the_read_timeout_counts_from_the_latest_bytes(stall: float, expected: str) -> None:
    # GIVEN a server that sends its answer in 5 parts, 0.25 s apart: 1 s in all
    with fake_server(trickle(ITEM, 5, 0.25, stall=stall)) as server:
        config = config_for(server.url, read_timeout_seconds=0.6, max_attempts=1)
        client = await aiobotocore_client(config)
        sender = AsyncLeanSender(config, client, sleep=_no_sleep)
        # WHEN a call waits on it with a read timeout of 0.6 s
        kind, answer = await _outcome(lambda: sender.send("GetItem", GET))
        await sender.close()
        await client.__aexit__(None, None, None)
    # THEN each arrival restarts the wait (the call outlives the timeout), and a stall of
    # 2 s before the last part times it out
    assert kind == expected
    assert answer is None or answer["Item"]["pk"] == {"S": "a"}


@pytest.mark.parametrize("answered", [True, False], ids=["answered", "no call"])
async def test_a_timer_that_fires_after_the_answer_leaves_it_alone(answered: bool) -> None:
    # GIVEN a call whose answer came in the same turn of the loop as its timer, or no call
    loop = asyncio.get_running_loop()
    connection = AsyncConnection(loop)
    waiter: asyncio.Future[Any] = loop.create_future()
    waiter.set_result("answer")
    connection._waiter = waiter if answered else None
    connection._timer = pending = loop.call_later(60, lambda: None)
    # WHEN the timer's callback runs
    connection._expire()
    pending.cancel()
    # THEN the answer stands and the timer lets itself go: the next call sets one again
    assert waiter.result() == "answer"
    assert connection._timer is None


async def test_results_equal_aiobotocores_and_other_operations_are_refused() -> None:
    body = json.dumps({"Items": [{"b": {"B": "AP8="}}], "LastEvaluatedKey": {"k": {"B": "AP8="}}})
    with fake_server(respond(200, body.encode())) as server:
        config = config_for(server.url)
        client = await aiobotocore_client(config)
        sender = AsyncLeanSender(config, client)
        params = {"TableName": "t", "KeyConditionExpression": "k = :k"}
        assert await sender.send("Query", params) == await aiobotocore_call(client, "Query", params)
        with pytest.raises(ValueError, match="DescribeTable"):
            await sender.send("DescribeTable", {"TableName": "t"})
        assert len(server.requests) == 2  # the query, by each
        await sender.close()
        await client.__aexit__(None, None, None)


async def test_idle_closed_and_unnoticed_closed_connections_cost_no_attempt() -> None:
    with fake_server() as server:
        config = config_for(server.url, max_attempts=1)
        client = await aiobotocore_client(config)
        sender = AsyncLeanSender(config, client)
        await sender.send("GetItem", {"TableName": "t"})
        server.close_idle()
        assert server.wait_all_closed()
        await asyncio.sleep(0.05)
        server.script = [respond(), drop]
        for _ in range(3):
            answer = await sender.send("GetItem", {"TableName": "t"})
            assert answer["ResponseMetadata"]["RetryAttempts"] == 0
        assert (len(server.requests), server.connections) == (5, 3)
        await sender.close()
        await client.__aexit__(None, None, None)


async def test_64_tasks_share_one_pool_within_its_bound() -> None:
    with fake_server(respond(200, b'{"Item": {}}')) as server:
        config = config_for(server.url, max_pool_connections=5)
        client = await aiobotocore_client(config)
        sender = AsyncLeanSender(config, client)

        async def work() -> None:
            for _ in range(4):
                assert (await sender.send("GetItem", {"TableName": "t"}))["Item"] == {}

        await asyncio.gather(*(work() for _ in range(64)))
        assert len(server.requests) == 256
        assert server.most_open <= 5
        await sender.close()
        await client.__aexit__(None, None, None)
        assert server.wait_all_closed()


async def test_a_cancelled_call_closes_its_connection() -> None:
    with fake_server() as server:
        server.default = server.hang
        config = config_for(server.url)
        client = await aiobotocore_client(config)
        sender = AsyncLeanSender(config, client)
        task = asyncio.create_task(sender.send("GetItem", {"TableName": "t"}))
        for _ in range(200):
            if server.requests:
                break
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        server.default = respond()
        await sender.close()
        await client.__aexit__(None, None, None)


async def test_a_probe_makes_one_attempt_within_its_timeout() -> None:
    with fake_server() as server:
        server.default = server.hang
        config = config_for(server.url, read_timeout_seconds=30.0)
        client = await aiobotocore_client(config)
        sender = AsyncLeanSender(config, client, probe=True, timeout=0.2)
        with pytest.raises(ReadTimeoutError):
            await sender.send("GetItem", {"TableName": "t"})
        assert len(server.requests) == 1
        await sender.close()
        await client.__aexit__(None, None, None)


async def test_no_credentials_is_botocores_error() -> None:
    with fake_server() as server:
        config = config_for(server.url)
        client = await aiobotocore_client(config)
        client._request_signer._credentials = None
        sender = AsyncLeanSender(config, client)
        with pytest.raises(NoCredentialsError):
            await sender.send("GetItem", {"TableName": "t"})
        await client.__aexit__(None, None, None)


def test_one_pool_per_event_loop() -> None:
    with fake_server() as server:
        config = config_for(server.url)
        senders: list[AsyncLeanSender] = []

        async def run() -> None:
            client = await aiobotocore_client(config)
            senders.append(senders[0] if senders else AsyncLeanSender(config, client))
            await senders[0].send("GetItem", {"TableName": "t"})
            await senders[0].send("GetItem", {"TableName": "t"})
            await senders[0].close()
            await client.__aexit__(None, None, None)

        asyncio.run(run())
        asyncio.run(run())
        assert (server.connections, len(server.requests)) == (2, 4)


def test_close_reaches_the_pool_of_another_running_loop() -> None:
    with fake_server() as server:
        config = config_for(server.url)
        other = asyncio.new_event_loop()
        box: list[AsyncLeanSender] = []

        async def first() -> None:
            client = await aiobotocore_client(config)
            box.append(AsyncLeanSender(config, client))
            await box[0].send("GetItem", {"TableName": "t"})
            await client.__aexit__(None, None, None)

        other.run_until_complete(first())

        async def close() -> None:
            await box[0].close()

        asyncio.run(close())
        other.run_until_complete(asyncio.sleep(0.01))
        other.close()
        assert server.wait_all_closed()


async def test_a_reset_before_any_answer_is_botocores_class_not_aiohttps(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Where aiobotocore says ``EndpointConnectionError``, the lean path says what botocore
    says (``ConnectionClosedError``); both retry it the same number of times."""
    monkeypatch.setattr("aiobotocore.endpoint.asyncio.sleep", _no_sleep)
    seen = []
    for lean in (True, False):
        with fake_server(reset) as server:
            config = config_for(server.url)
            client = await aiobotocore_client(config)
            sender = AsyncLeanSender(config, client, sleep=_no_sleep)
            call = sender.send if lean else functools.partial(aiobotocore_call, client)
            seen.append((await _outcome(lambda: call("GetItem", GET)), len(server.requests)))  # noqa: B023
            await sender.close()
            await client.__aexit__(None, None, None)
    assert seen == [
        (("ConnectionClosedError", None), 3),
        (("EndpointConnectionError", None), 3),
    ]


def test_the_async_sender_is_imported_on_first_use() -> None:
    assert _wire.AsyncLeanSender is AsyncLeanSender
    with pytest.raises(AttributeError):
        _wire.nothing  # noqa: B018


def test_no_server_and_a_closed_loop() -> None:
    with fake_server() as server:
        url = server.url
    config = config_for(url, max_attempts=1)
    box: list[AsyncLeanSender] = []

    async def fail() -> None:
        client = await aiobotocore_client(config)
        box.append(AsyncLeanSender(config, client))
        with pytest.raises(EndpointConnectionError):
            await box[0].send("GetItem", {"TableName": "t"})
        await client.__aexit__(None, None, None)

    asyncio.run(fail())

    async def close() -> None:
        await box[0].close()

    asyncio.run(close())


async def test_connections_the_server_closes_are_not_kept() -> None:
    with fake_server(respond(close=True)) as server:
        config = config_for(server.url)
        client = await aiobotocore_client(config)
        sender = AsyncLeanSender(config, client)
        for _ in range(2):
            await sender.send("GetItem", {"TableName": "t"})
        assert server.connections == 2
        await sender.close()
        await client.__aexit__(None, None, None)


async def test_tls_refused_and_trusted(tmp_path: Any) -> None:
    import ssl

    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    with fake_server(respond(200, b'{"Item": {}}'), tls=context) as server:
        config = config_for(server.url, max_attempts=1)
        client = await aiobotocore_client(config)
        refused = AsyncLeanSender(config, client)
        with pytest.raises(SSLError):
            await refused.send("GetItem", {"TableName": "t"})
        assert server.requests == []
        client._endpoint.http_session._verify = str(bundle)
        trusted = AsyncLeanSender(config, client)
        assert (await trusted.send("GetItem", {"TableName": "t"}))["Item"] == {}
        await trusted.close()
        await client.__aexit__(None, None, None)


async def test_no_secret_in_any_log_record(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with fake_server(respond(500, b"")) as server:
        server.script = [respond()]
        config = config_for(server.url, max_attempts=2)
        client = await aiobotocore_client(config)
        sender = AsyncLeanSender(config, client, sleep=_no_sleep)
        await sender.send("GetItem", {"TableName": "t"})
        with pytest.raises(ClientError):
            await sender.send("GetItem", {"TableName": "t"})
        await sender.close()
        await client.__aexit__(None, None, None)
    assert any(record.name.startswith("src.services.dynamodb._wire") for record in caplog.records)
    for record in caplog.records:
        text = record.getMessage() + repr(record.__dict__)
        assert SECRET not in text and TOKEN not in text


def _chatty(sock: Any, request: bytes) -> bool:
    """Answer, then send bytes nobody asked for on the now idle connection."""
    sock.sendall(response_bytes(200, b"{}"))
    time.sleep(0.05)
    sock.sendall(b"junk")
    return True


async def test_a_connection_that_talks_while_idle_is_not_reused() -> None:
    # GIVEN a server that sends stray bytes after its first answer
    with fake_server() as server:
        server.script = [_chatty]
        config = config_for(server.url, max_attempts=1)
        client = await aiobotocore_client(config)
        sender = AsyncLeanSender(config, client)
        await sender.send("GetItem", {"TableName": "t"})
        await asyncio.sleep(0.2)
        # WHEN the next call is made THEN it goes on a fresh connection, and succeeds
        answer = await sender.send("GetItem", {"TableName": "t"})
        assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200
        assert server.connections == 2
        await sender.close()
        await client.__aexit__(None, None, None)


def _malformed(sock: Any, request: bytes) -> bool:
    sock.sendall(b"HTTP/1.1 200 OK\r\nnot a header line\r\nContent-Length: 2\r\n\r\n{}")
    return True


async def test_a_malformed_response_is_the_sync_senders_error() -> None:
    # GIVEN a server whose answer is not HTTP
    with fake_server(_malformed) as server:
        config = config_for(server.url, max_attempts=1)
        client = await aiobotocore_client(config)
        sender = AsyncLeanSender(config, client)
        blocking = LeanSender(config, botocore_client(config))
        # WHEN both senders call it
        theirs = await _outcome(lambda: asyncio.to_thread(blocking.send, "GetItem", GET))
        ours = await _outcome(lambda: sender.send("GetItem", GET))
        # THEN both raise the same botocore class
        assert ours == theirs
        assert ours[0] != "result"
        blocking.close()
        await sender.close()
        await client.__aexit__(None, None, None)
