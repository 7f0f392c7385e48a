"""The blocking sender: results equal botocore's, keep-alive, the pool's bound, TLS, secrets."""

from __future__ import annotations

import json
import logging
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import botocore.client
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials, RefreshableCredentials
from botocore.exceptions import NoCredentialsError, ReadTimeoutError, SSLError

from src.services.dynamodb._wire import LeanSender, lean_supported
from src.services.dynamodb._wire.calls import encode, endpoint, parse_success
from src.services.dynamodb._wire.http11 import Response
from src.services.dynamodb._wire.retries import CURRENT, PREVIEW
from src.services.dynamodb._wire.source import from_client

from .support import (
    SECRET,
    TOKEN,
    botocore_call,
    botocore_client,
    config_for,
    drop,
    fake_server,
    respond,
    trickle,
)
from .test_faults import GET, ITEM

B64 = "AP8="
RESULTS: dict[str, dict[str, Any]] = {
    "GetItem": {"Item": {"pk": {"S": "a"}, "b": {"B": B64}, "n": {"N": "1.5"}}},
    "Query": {
        "Items": [{"pk": {"S": "a"}, "bs": {"BS": [B64]}}],
        "Count": 1,
        "ScannedCount": 1,
        "LastEvaluatedKey": {"pk": {"S": "a"}, "sk": {"B": B64}},
        "ConsumedCapacity": {"TableName": "t", "CapacityUnits": 0.5},
    },
    "BatchGetItem": {
        "Responses": {"t": [{"pk": {"S": "a"}}]},
        "UnprocessedKeys": {"t": {"Keys": [{"pk": {"B": B64}}], "ConsistentRead": True}},
    },
    "BatchWriteItem": {
        "UnprocessedItems": {
            "t": [
                {"PutRequest": {"Item": {"pk": {"S": "a"}, "m": {"M": {"x": {"B": B64}}}}}},
                {"DeleteRequest": {"Key": {"pk": {"B": B64}}}},
            ]
        },
        "ItemCollectionMetrics": {
            "t": [{"ItemCollectionKey": {"pk": {"B": B64}}, "SizeEstimateRangeGB": [0.0, 1.0]}]
        },
        "ConsumedCapacity": [{"TableName": "t", "CapacityUnits": 2.0}],
    },
    "TransactWriteItems": {
        "ItemCollectionMetrics": {"t": [{"SizeEstimateRangeGB": [0.0, 1.0]}]},
    },
    "PutItem": {"Attributes": {"l": {"L": [{"B": B64}, {"NULL": True}]}}},
    "Scan": {"Items": [], "Count": 0, "ScannedCount": 0},
}

PARAMS: dict[str, dict[str, Any]] = {
    "GetItem": {"TableName": "t", "Key": {"pk": {"B": b"\x00"}}},
    "PutItem": {"TableName": "t", "Item": {"pk": {"B": b"\x00"}}, "ReturnValues": "ALL_OLD"},
    "Query": {"TableName": "t", "KeyConditionExpression": "pk = :v"},
    "Scan": {"TableName": "t", "Limit": 5},
    "BatchGetItem": {"RequestItems": {"t": {"Keys": [{"pk": {"B": b"\x00"}}]}}},
    "BatchWriteItem": {"RequestItems": {"t": [{"PutRequest": {"Item": {"pk": {"B": b"\x00"}}}}]}},
    "TransactWriteItems": {
        "TransactItems": [{"Put": {"TableName": "t", "Item": {"pk": {"BS": [b"\x01"]}}}}]
    },
}


def _no_sleep(seconds: float) -> None:
    """No waiting in tests."""


@pytest.mark.parametrize("operation", sorted(RESULTS))
def test_results_equal_botocores(operation: str) -> None:
    body = json.dumps(RESULTS[operation]).encode()
    with fake_server(respond(200, body)) as server:
        config = config_for(server.url)
        client = botocore_client(config)
        sender = LeanSender(config, client)
        params = PARAMS[operation]
        assert sender.send(operation, params) == botocore_call(client, operation, params)
        lean_body, boto_body = (json.loads(_parse_request(raw)[1]) for raw in server.requests)
        if operation == "TransactWriteItems":
            assert lean_body.pop("ClientRequestToken") != boto_body.pop("ClientRequestToken")
        assert lean_body == boto_body
        sender.close()
        client.close()


def _parse_request(raw: bytes) -> tuple[dict[str, str], bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    assert lines[0] == "POST / HTTP/1.1"
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return headers, body


def _assert_signed(raw: bytes, url: str, credentials: Credentials) -> None:
    headers, body = _parse_request(raw)
    names = ("X-Amz-Target", "Content-Type")
    request = AWSRequest(
        method="POST", url=url + "/", data=body, headers={n: headers[n] for n in names}
    )
    when = datetime.strptime(headers["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    with mock.patch("botocore.auth.get_current_datetime", return_value=when):
        SigV4Auth(credentials, "dynamodb", "us-east-1").add_auth(request)
    assert headers["Authorization"] == request.headers["Authorization"]
    assert headers.get("X-Amz-Security-Token") == credentials.token
    assert headers["Host"] == url.split("://")[1]


def test_every_request_is_signed_as_botocore_signs_it() -> None:
    with fake_server() as server:
        config = config_for(server.url)
        client = botocore_client(config)
        sender = LeanSender(config, client)
        sender.send("PutItem", {"TableName": "t", "Item": {"pk": {"S": "a"}}})
        _assert_signed(server.requests[0], server.url, Credentials("AKIDWIRETESTS", SECRET, TOKEN))
        headers, _ = _parse_request(server.requests[0])
        assert headers["User-Agent"] == client._user_agent_creator.to_string()
        sender.close()


def test_refreshed_credentials_are_used_by_the_same_sender() -> None:
    issued: list[str] = []

    def refresh() -> dict[str, str]:
        issued.append(f"AKIDREFRESHED{len(issued)}")
        expiry = datetime.now(UTC) + timedelta(minutes=1)
        return {
            "access_key": issued[-1],
            "secret_key": "s",
            "token": f"t{len(issued)}",
            "expiry_time": expiry.isoformat(),
        }

    refreshable = RefreshableCredentials.create_from_metadata(refresh(), refresh, "test")
    with fake_server() as server:
        config = config_for(server.url)
        client = botocore_client(config)
        client._request_signer._credentials = refreshable
        sender = LeanSender(config, client)
        for _ in range(2):
            sender.send("GetItem", {"TableName": "t", "Key": {}})
        for number, raw in enumerate(server.requests, start=2):
            frozen = Credentials(issued[number - 1], "s", f"t{number}")
            _assert_signed(raw, server.url, frozen)
        sender.close()


def test_a_connection_closed_while_idle_costs_no_attempt() -> None:
    with fake_server() as server:
        config = config_for(server.url, max_attempts=1)
        sender = LeanSender(config, botocore_client(config))
        sender.send("GetItem", {"TableName": "t"})
        server.close_idle()
        assert server.wait_all_closed()
        answer = sender.send("GetItem", {"TableName": "t"})
        assert answer["ResponseMetadata"]["RetryAttempts"] == 0
        assert (len(server.requests), server.connections, sender.pool.opened) == (2, 2, 2)
        sender.close()


def test_a_kept_alive_connection_closed_unnoticed_is_replaced_without_an_attempt() -> None:
    with fake_server() as server:
        server.script = [respond(), drop]
        config = config_for(server.url, max_attempts=1)
        sender = LeanSender(config, botocore_client(config))
        sender.send("GetItem", {"TableName": "t"})
        answer = sender.send("GetItem", {"TableName": "t"})
        assert answer["ResponseMetadata"]["RetryAttempts"] == 0
        assert (len(server.requests), server.connections) == (3, 2)
        sender.close()


@pytest.mark.parametrize(("stall", "expected"), [(0.0, None), (2.0, ReadTimeoutError)])
def test_the_read_timeout_counts_from_the_latest_bytes(
    stall: float, expected: type[Exception] | None
) -> None:
    # GIVEN a server that sends its answer in 5 parts, 0.25 s apart: 1 s in all
    with fake_server(trickle(ITEM, 5, 0.25, stall=stall)) as server:
        config = config_for(server.url, read_timeout_seconds=0.6, max_attempts=1)
        sender = LeanSender(config, botocore_client(config))
        # WHEN a call waits on it with a read timeout of 0.6 s
        try:
            answer: dict[str, Any] | None = sender.send("GetItem", GET)
            raised: type[Exception] | None = None
        except ReadTimeoutError as error:
            answer, raised = None, type(error)
        sender.close()
    # THEN each arrival restarts the wait (the call outlives the timeout), and a stall of
    # 2 s before the last part times it out
    assert raised is expected
    assert answer is None or answer["Item"]["pk"] == {"S": "a"}


def test_a_connection_the_server_closes_is_not_kept() -> None:
    with fake_server(respond(close=True)) as server:
        config = config_for(server.url)
        sender = LeanSender(config, botocore_client(config))
        for _ in range(3):
            sender.send("GetItem", {"TableName": "t"})
        assert server.connections == 3
        sender.close()


def test_threads_share_one_pool_within_its_bound() -> None:
    def slow(sock: Any, request: bytes) -> bool:
        threading.Event().wait(0.002)
        return respond(200, b'{"Item": {}}')(sock, request)

    errors: list[BaseException] = []
    with fake_server(slow) as server:
        config = config_for(server.url, max_pool_connections=3)
        sender = LeanSender(config, botocore_client(config))

        def work() -> None:
            try:
                for _ in range(25):
                    assert sender.send("GetItem", {"TableName": "t"})["Item"] == {}
            except BaseException as error:  # noqa: BLE001 - reported below
                errors.append(error)

        threads = [threading.Thread(target=work) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert errors == []
        assert len(server.requests) == 200
        assert server.most_open <= 3
        sender.close()
        assert server.wait_all_closed()


def test_close_closes_every_connection_and_later_calls_leave_none_open() -> None:
    with fake_server() as server:
        config = config_for(server.url)
        sender = LeanSender(config, botocore_client(config))
        sender.send("GetItem", {"TableName": "t"})
        sender.close()
        sender.send("GetItem", {"TableName": "t"})
        assert server.wait_all_closed()


def test_no_secret_in_any_log_record(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with fake_server(respond(500, b"")) as server:
        server.script = [respond()]
        config = config_for(server.url, max_attempts=2)
        sender = LeanSender(config, botocore_client(config), sleep=_no_sleep)
        sender.send("GetItem", {"TableName": "t"})
        with pytest.raises(Exception):  # noqa: B017, PT011 - any failure; its logs matter
            sender.send("GetItem", {"TableName": "t"})
        sender.close()
    assert any(record.name.startswith("src.services.dynamodb._wire") for record in caplog.records)
    for record in caplog.records:
        text = record.getMessage() + repr(record.__dict__)
        assert SECRET not in text and TOKEN not in text


@pytest.fixture
def ca() -> Any:
    trustme = pytest.importorskip("trustme")
    return trustme.CA()


def _tls_server_context(ca: Any) -> Any:
    import ssl

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    return context


def test_tls_with_botocores_ca_bundle(ca: Any, tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    with fake_server(respond(200, b'{"Item": {}}'), tls=_tls_server_context(ca)) as server:
        config = config_for(server.url)
        client = botocore_client(config)
        client._endpoint.http_session._verify = str(bundle)
        sender = LeanSender(config, client)
        assert sender.send("GetItem", {"TableName": "t"})["Item"] == {}
        sender.close()
        client.close()


def test_tls_verification_off(ca: Any) -> None:
    with fake_server(respond(200, b'{"Item": {}}'), tls=_tls_server_context(ca)) as server:
        config = config_for(server.url)
        client = botocore_client(config)
        client._endpoint.http_session._verify = False
        sender = LeanSender(config, client)
        assert sender.send("GetItem", {"TableName": "t"})["Item"] == {}
        sender.close()


def test_tls_with_a_ca_directory(ca: Any, tmp_path: Path) -> None:
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    with fake_server(respond(200, b'{"Item": {}}'), tls=_tls_server_context(ca)) as server:
        config = config_for(server.url, max_attempts=1)
        client = botocore_client(config)
        client._endpoint.http_session._verify = str(tmp_path)
        sender = LeanSender(config, client)
        # a directory needs OpenSSL's hashed names; without them the certificate is refused
        with pytest.raises(SSLError):
            sender.send("GetItem", {"TableName": "t"})
        sender.close()


def test_a_refused_certificate_is_botocores_ssl_error_and_sends_nothing(
    ca: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("botocore.endpoint.time.sleep", _no_sleep)
    with fake_server(tls=_tls_server_context(ca)) as server:
        config = config_for(server.url, max_attempts=2)
        client = botocore_client(config)
        sender = LeanSender(config, client, sleep=_no_sleep)
        with pytest.raises(SSLError) as lean:
            sender.send("GetItem", {"TableName": "t"})
        lean_connections = server.connections
        with pytest.raises(SSLError):
            botocore_call(client, "GetItem", {"TableName": "t"})
        assert server.requests == []
        assert lean_connections == server.connections - lean_connections == 2
        assert server.url in str(lean.value)
        sender.close()
        client.close()


def test_other_operations_are_refused_before_any_request() -> None:
    with fake_server() as server:
        config = config_for(server.url)
        sender = LeanSender(config, botocore_client(config))
        with pytest.raises(ValueError, match="DescribeTable"):
            sender.send("DescribeTable", {"TableName": "t"})
        assert server.requests == []
        sender.close()


def test_no_credentials_is_botocores_error(monkeypatch: pytest.MonkeyPatch) -> None:
    with fake_server() as server:
        config = config_for(server.url)
        client = botocore_client(config)
        client._request_signer._credentials = None
        sender = LeanSender(config, client)
        with pytest.raises(NoCredentialsError):
            sender.send("GetItem", {"TableName": "t"})
        assert server.requests == []


def test_bodies_are_botocores_json_and_refuse_what_it_cannot_send() -> None:
    raw = {"B": b"\x00\xff", "BS": [bytearray(b"a")]}
    assert encode("PutItem", raw) == b'{"B":"AP8=","BS":["YQ=="]}'
    with pytest.raises(TypeError):
        encode("PutItem", {"x": object()})
    token = json.loads(encode("TransactWriteItems", {"TransactItems": []}))["ClientRequestToken"]
    assert len(token) == 36
    given = {"TransactItems": [], "ClientRequestToken": "mine"}
    assert json.loads(encode("TransactWriteItems", given)) == given


def test_bodies_botocore_parses_to_nothing() -> None:
    for body in (b"", b"not json", b"[1]"):
        parsed = parse_success("GetItem", Response(200, "OK", {}, body, True)).read()
        assert parsed == {"ResponseMetadata": {"HTTPStatusCode": 200, "HTTPHeaders": {}}}


def test_a_success_is_parsed_when_read_and_only_once() -> None:
    # GIVEN a 2xx answer with an item
    body = b'{"Item": {"pk": {"S": "a"}}}'
    unread = parse_success("GetItem", Response(200, "OK", {"x-amzn-requestid": "R"}, body, True))
    # THEN before it is read it holds only its metadata
    assert list(unread) == ["ResponseMetadata"]
    assert unread["ResponseMetadata"]["RequestId"] == "R"
    # WHEN it is read (twice) THEN it is complete, and the second read changes nothing
    first = dict(unread.read())
    assert unread.read() is unread
    assert first == dict(unread) and unread["Item"] == {"pk": {"S": "a"}}


def test_endpoints() -> None:
    assert endpoint("https://dynamodb.us-east-1.amazonaws.com") == (
        "https://dynamodb.us-east-1.amazonaws.com/",
        True,
        "dynamodb.us-east-1.amazonaws.com",
        443,
        "dynamodb.us-east-1.amazonaws.com",
    )
    assert endpoint("http://[::1]:8000").host_header == "[::1]:8000"
    assert endpoint("http://localhost:80/").host_header == "localhost"


def test_a_bad_crc32_header_is_a_mismatch() -> None:
    with fake_server(respond(200, b"{}", with_crc=False, headers={"x-amz-crc32": "abc"})) as server:
        config = config_for(server.url, max_attempts=1)
        sender = LeanSender(config, botocore_client(config))
        with pytest.raises(Exception, match="crc32"):
            sender.send("GetItem", {"TableName": "t"})
        sender.close()


def test_lean_supported() -> None:
    config = config_for("http://127.0.0.1:1")
    assert lean_supported(config) is None
    assert "fast_reads" in str(lean_supported(config_for("http://x", fast_reads=False)))


def test_a_proxy_in_the_environment_needs_botocore(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.test:3128")
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.test:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert "proxy" in str(lean_supported(config_for("https://dynamodb.test")))
    monkeypatch.setenv("NO_PROXY", "dynamodb.test")
    assert lean_supported(config_for("https://dynamodb.test")) is None


def test_instrumented_botocore_needs_botocore(monkeypatch: pytest.MonkeyPatch) -> None:
    wrapt = pytest.importorskip("wrapt")

    def traced(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:
        return wrapped(*args, **kwargs)

    original = botocore.client.BaseClient.__dict__["_make_api_call"]
    wrapper = wrapt.FunctionWrapper(original, traced)
    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", wrapper)
    assert "instrumented" in str(lean_supported(config_for("http://127.0.0.1:1")))


def test_clients_with_a_proxy_or_a_client_certificate_are_refused() -> None:
    config = config_for("http://127.0.0.1:1")
    with pytest.raises(ValueError, match="proxies"):
        from_client(botocore_client(config, proxies={"http": "http://proxy.test"}))
    with pytest.raises(ValueError, match="certificates"):
        from_client(botocore_client(config, client_cert="/nowhere/cert.pem"))


def test_signatures_use_the_clock_seam() -> None:
    when = datetime(2031, 5, 6, 7, 8, 9, tzinfo=UTC)
    with fake_server() as server:
        config = config_for(server.url)
        client = botocore_client(config)
        sender = LeanSender(config, client, clock=when.timestamp)
        sender.send("GetItem", {"TableName": "t"})
        sender.send("GetItem", {"TableName": "t"})
        for raw in server.requests:
            assert _parse_request(raw)[0]["X-Amz-Date"] == "20310506T070809Z"
            _assert_signed(raw, server.url, Credentials("AKIDWIRETESTS", SECRET, TOKEN))
        sender.close()
        client.close()


def test_botocores_new_retry_behaviour_is_followed_not_avoided(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN botocore's new retry behaviour switched on
    monkeypatch.setattr("botocore.retries.standard.NEW_RETRIES_ENABLED", True, raising=False)
    config = config_for("http://127.0.0.1:1")
    # THEN the lean path still sends, deciding retries by the new rules
    assert lean_supported(config) is None
    sender = LeanSender(config, botocore_client(config))
    assert sender.policy.rules in (PREVIEW, CURRENT)
    sender.close()


@pytest.mark.parametrize(
    ("region", "account", "expected"),
    [
        ("eu-west-3", None, "https://dynamodb.eu-west-3.amazonaws.com/"),
        ("cn-north-1", None, "https://dynamodb.cn-north-1.amazonaws.com.cn/"),
        ("us-east-1", "123456789012", "https://123456789012.ddb.us-east-1.amazonaws.com/"),
    ],
)
def test_the_endpoint_is_botocores(region: str, account: str | None, expected: str) -> None:
    import botocore.session

    made = botocore.session.Session()
    made.set_credentials("AKIDWIRETESTS", SECRET, None, account_id=account)
    client = made.create_client("dynamodb", region_name=region)
    config = config_for("http://unused", region_name=region)
    sender = LeanSender(config, client)
    assert sender.endpoint_url == expected
    sender.close()
    client.close()
