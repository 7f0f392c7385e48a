"""DynamoDBService: construction, tables, items, logging, errors and lifetime.

Behaviour runs on moto's ``mock_aws`` (fixtures ``service`` and ``table``); error paths
and exact request shapes run on ``botocore.stub.Stubber`` over a service pointed at a
closed port, so a request nobody queued fails loudly instead of reaching a network.
"""

from __future__ import annotations

import inspect
import logging
import time
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import botocore.httpsession
import pytest
from boto3.resources.base import ServiceResource
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.compat import HTTPHeaders
from botocore.exceptions import (
    ChecksumError,
    ClientError,
    EndpointConnectionError,
    ParamValidationError,
)
from moto import mock_aws
from mypy_boto3_dynamodb.type_defs import GlobalSecondaryIndexTypeDef

from src.services.dynamodb import _blocking, _core
from src.services.dynamodb._connection import check_crc32
from src.services.dynamodb._core import POLL_SECONDS
from src.services.dynamodb.dynamodb_models import DynamoDBConfig, Get, Put
from src.services.dynamodb.dynamodb_service import DynamoDBService
from tests.dynamodb.conftest import (
    ATTRIBUTES,
    KEY_SCHEMA,
    SECRET,
    TABLE,
    TOKEN,
    CapacityStubber,
    stubbed,
)

LOGGER = "tests.dynamodb"
KEY: dict[str, Any] = {"pk": "a", "sk": 1}
WIRE_KEY: dict[str, Any] = {"pk": {"S": "a"}, "sk": {"N": "1"}}
CLOSED_PORT = "http://127.0.0.1:9"
OFFLINE: dict[str, Any] = {
    "region_name": "us-east-1",
    "aws_access_key_id": "AKIAIOSFODNN7EXAMPLE",
    "aws_secret_access_key": SECRET,
    "aws_session_token": TOKEN,
    "endpoint_url": CLOSED_PORT,
    "default_table_name": TABLE,
    "connect_timeout_seconds": 0.5,
    "read_timeout_seconds": 0.5,
    "max_attempts": 1,
}
GSI: GlobalSecondaryIndexTypeDef = {
    "IndexName": "by_email",
    "KeySchema": [{"AttributeName": "email", "KeyType": "HASH"}],
    "Projection": {"ProjectionType": "ALL"},
}
GSI_ATTRIBUTES: list[Any] = [*ATTRIBUTES, {"AttributeName": "email", "AttributeType": "S"}]

Make = Callable[..., DynamoDBService]


@pytest.fixture
def make_offline(logger: logging.Logger) -> Iterator[Make]:
    """Build services on a closed port (no mock_aws): only a Stubber may answer them."""
    made: list[DynamoDBService] = []

    def make(**fields: Any) -> DynamoDBService:
        service = DynamoDBService(logger=logger, config=DynamoDBConfig(**(OFFLINE | fields)))
        made.append(service)
        return service

    yield make
    for service in made:
        service.close()


@pytest.fixture
def sleeps() -> list[float]:
    """The sleeps a service asked for (recorded, never slept)."""
    return []


@pytest.fixture(scope="module")
def shared_offline() -> Iterator[DynamoDBService]:
    """One Stubber-only service with capacities 7/3 (not the defaults), for the module."""
    logger = logging.getLogger(LOGGER)
    logger.setLevel(logging.DEBUG)
    config = DynamoDBConfig(**(OFFLINE | {"read_capacity_units": 7, "write_capacity_units": 3}))
    service = DynamoDBService(logger=logger, config=config)
    yield service
    service.close()


class _Clock:
    """Stands in for the blocking driver's ``time`` module: records sleeps, never sleeps."""

    def __init__(self, sleeps: list[float]) -> None:
        self.sleeps = sleeps

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)


@pytest.fixture
def offline(
    shared_offline: DynamoDBService, sleeps: list[float], monkeypatch: pytest.MonkeyPatch
) -> DynamoDBService:
    """The shared Stubber-only service, recording the sleeps of this test."""
    monkeypatch.setattr(_blocking, "time", _Clock(sleeps))
    return shared_offline


def probe_client(service: DynamoDBService) -> CapacityStubber:
    """A ``stubbed``-like Stubber on the one-attempt client ``ping`` uses."""
    client = service._make_client(probe=True)
    client.meta.events.unregister("after-call.dynamodb", check_crc32)
    service._probes[None] = client
    return CapacityStubber(client)


@pytest.fixture(scope="module")
def closed() -> DynamoDBService:
    """A closed service, shared by the module."""
    config = DynamoDBConfig(**OFFLINE)
    service = DynamoDBService(logger=logging.getLogger(LOGGER), config=config)
    service.close()
    return service


def _ours(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """The records the service wrote to its own logger."""
    return [record for record in caplog.records if record.name == LOGGER]


def _levels(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.levelname for record in _ours(caplog)]


def _described(status: str, index_status: str | None = None) -> dict[str, Any]:
    table: dict[str, Any] = {"TableName": TABLE, "TableStatus": status}
    if index_status is not None:
        table["GlobalSecondaryIndexes"] = [{"IndexName": "by_email", "IndexStatus": index_status}]
    return {"Table": table}


# -- constructor --------------------------------------------------------------------------------


def test_the_constructor_makes_no_network_call(
    logger: logging.Logger, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN every HTTP send recorded and refused, and an endpoint on a closed port
    sent: list[str] = []

    def send(self: object, request: AWSPreparedRequest) -> None:
        sent.append(request.url)
        raise EndpointConnectionError(endpoint_url=request.url)

    monkeypatch.setattr(botocore.httpsession.URLLib3Session, "send", send)
    config = DynamoDBConfig(**OFFLINE)
    # WHEN the service is built and its client and resource are reached
    started = time.perf_counter()
    service = DynamoDBService(logger=logger, config=config)
    elapsed = time.perf_counter() - started
    try:
        assert service.client is service.client
        assert service.resource is not None
        # THEN it was quick and sent nothing
        assert elapsed < 2.0
        assert sent == []
        # AND the recorder does see a real call (so the check above can fail)
        assert service.ping() is False
        assert sent == [CLOSED_PORT + "/"]
    finally:
        service.close()


def test_the_client_is_built_from_the_config(make_offline: Make) -> None:
    service = make_offline(connect_timeout_seconds=1.5, read_timeout_seconds=2.5, max_attempts=4)
    meta = service.client.meta
    assert meta.region_name == "us-east-1"
    assert meta.endpoint_url == CLOSED_PORT
    assert meta.config.connect_timeout == 1.5  # type: ignore[attr-defined]
    assert meta.config.read_timeout == 2.5  # type: ignore[attr-defined]
    assert meta.config.retries == {"total_max_attempts": 4, "mode": "standard"}  # type: ignore[attr-defined]


def _signed_headers(service: DynamoDBService, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Ping once with HTTP sends intercepted; return the headers of the signed request."""
    headers: dict[str, str] = {}

    def send(self: object, request: AWSPreparedRequest) -> None:
        for name, value in request.headers.items():
            headers[name] = value.decode() if isinstance(value, bytes) else str(value)
        raise EndpointConnectionError(endpoint_url=request.url)

    monkeypatch.setattr(botocore.httpsession.URLLib3Session, "send", send)
    assert service.ping() is False
    return headers


def test_no_keys_means_the_default_credential_chain(
    logger: logging.Logger, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN credentials only in the environment and a config without keys
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAENVIRONMENTKEY00")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "environment-secret")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    config = DynamoDBConfig(region_name="eu-west-3", endpoint_url=CLOSED_PORT, max_attempts=1)
    with DynamoDBService(logger=logger, config=config) as service:
        # WHEN a request is signed
        headers = _signed_headers(service, monkeypatch)
    # THEN it is signed with the environment's key for the configured region
    assert "Credential=AKIAENVIRONMENTKEY00/" in headers["Authorization"]
    assert "/eu-west-3/dynamodb/" in headers["Authorization"]
    assert "X-Amz-Security-Token" not in headers


def test_configured_keys_and_token_sign_the_requests(
    offline: DynamoDBService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAENVIRONMENTKEY00")
    headers = _signed_headers(offline, monkeypatch)
    assert "Credential=AKIAIOSFODNN7EXAMPLE/" in headers["Authorization"]
    assert headers["X-Amz-Security-Token"] == TOKEN


@pytest.mark.parametrize(
    ("logger_arg", "config_arg", "match"),
    [
        ("not a logger", DynamoDBConfig(region_name="us-east-1"), "logger must be a logging"),
        (None, DynamoDBConfig(region_name="us-east-1"), "logger must be a logging"),
        (logging.getLogger(LOGGER), {"region_name": "us-east-1"}, "config must be a DynamoDB"),
        (logging.getLogger(LOGGER), None, "config must be a DynamoDBConfig"),
    ],
    ids=["str-logger", "none-logger", "dict-config", "none-config"],
)
def test_the_constructor_refuses_the_wrong_types(
    logger_arg: Any, config_arg: Any, match: str
) -> None:
    with pytest.raises(TypeError, match=match):
        DynamoDBService(logger=logger_arg, config=config_arg)


def test_both_constructor_arguments_are_required(
    logger: logging.Logger, config: DynamoDBConfig
) -> None:
    with pytest.raises(TypeError):
        DynamoDBService(logger=logger)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        DynamoDBService(config=config)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        DynamoDBService()  # type: ignore[call-arg]
    parameters = inspect.signature(DynamoDBService).parameters
    assert list(parameters) == ["logger", "config"]
    assert all(p.default is inspect.Parameter.empty for p in parameters.values())


# -- _resolve_table -----------------------------------------------------------------------------


def test_resolve_table_prefers_the_given_name(offline: DynamoDBService) -> None:
    assert offline._resolve_table("orders") == "orders"


def test_resolve_table_falls_back_to_the_default(offline: DynamoDBService) -> None:
    assert offline._resolve_table(None) == TABLE


def test_resolve_table_without_a_default_is_a_value_error(make_offline: Make) -> None:
    service = make_offline(default_table_name=None)
    with pytest.raises(ValueError, match="no table_name given and no default_table_name"):
        service._resolve_table(None)


@pytest.mark.parametrize("name", ["ab", "a" * 256, "bad name", "users!", ""])
def test_resolve_table_refuses_an_illegal_name(offline: DynamoDBService, name: str) -> None:
    with pytest.raises(ValueError, match="illegal table name"):
        offline._resolve_table(name)


def test_resolve_table_refuses_a_non_str_name(offline: DynamoDBService) -> None:
    with pytest.raises(TypeError, match="must be a str"):
        offline._resolve_table(42)  # type: ignore[arg-type]


def test_an_item_operation_with_no_table_and_no_default_fails_before_any_call(
    make_offline: Make, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN a service with no default table
    service = make_offline(default_table_name=None)
    with stubbed(service) as stub:
        # WHEN an item is put without a table name
        with pytest.raises(ValueError, match="no table_name"):
            service.put_item({"pk": "VALUE-XYZ", "sk": 1})
        # THEN nothing was sent and the failure was logged once at ERROR
        stub.assert_no_pending_responses()
    assert _levels(caplog) == ["ERROR"]
    assert _ours(caplog)[0].operation == "put_item"  # type: ignore[attr-defined]
    assert "VALUE-XYZ" not in caplog.text


# -- ping ---------------------------------------------------------------------------------------


def test_ping_is_true_when_the_endpoint_answers(
    service: DynamoDBService, caplog: pytest.LogCaptureFixture
) -> None:
    assert service.ping() is True
    assert _levels(caplog) == ["DEBUG", "INFO"]


def test_ping_is_false_and_logs_once_when_the_credentials_are_refused(
    offline: DynamoDBService, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN an endpoint that refuses the credentials
    with probe_client(offline) as stub:
        stub.add_client_error(
            "list_tables",
            service_error_code="UnrecognizedClientException",
            service_message="The security token included in the request is invalid.",
            expected_params={"Limit": 1},
        )
        # WHEN it is pinged
        answer = offline.ping()
        stub.assert_no_pending_responses()
    # THEN ping says False and one ERROR names the error
    assert answer is False
    assert _levels(caplog) == ["DEBUG", "ERROR"]
    error = _ours(caplog)[1]
    assert error.operation == "ping"  # type: ignore[attr-defined]
    assert "UnrecognizedClientException" in error.getMessage()


def test_ping_is_false_quickly_against_a_closed_port(
    make_offline: Make, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN nothing listening on the endpoint, and a short connect timeout
    service = make_offline(connect_timeout_seconds=0.2)
    # WHEN it is pinged
    started = time.perf_counter()
    answer = service.ping()
    # THEN it is False, fast, and logged once at ERROR
    assert answer is False
    assert time.perf_counter() - started < 5.0
    assert _levels(caplog) == ["DEBUG", "ERROR"]
    assert "EndpointConnectionError" in _ours(caplog)[1].getMessage()


# -- damaged responses ------------------------------------------------------------------------


class _Body:
    """A raw HTTP body for ``AWSResponse``."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def _answer_get_item_with(service: DynamoDBService, body: bytes, *crc32s: int) -> None:
    """Make GetItem answer ``body`` with each ``x-amz-crc32`` given in turn, then the last."""
    checksums = list(crc32s)

    def respond(**_: Any) -> AWSResponse:
        headers = HTTPHeaders()
        headers["x-amz-crc32"] = str(checksums.pop(0) if len(checksums) > 1 else checksums[0])
        return AWSResponse(CLOSED_PORT, 200, headers, _Body(body))

    # a before-send handler that returns a response stands in for the network (as moto does)
    service.client.meta.events.register("before-send.dynamodb.GetItem", respond)  # type: ignore[arg-type]


def test_a_response_whose_crc32_does_not_match_is_a_checksum_error(
    make_offline: Make, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN a GetItem answer damaged in transit: an empty body whose checksum is wrong
    service = make_offline()
    _answer_get_item_with(service, b"{}", zlib.crc32(b"{}") ^ 1)
    # WHEN the item is read
    with pytest.raises(ChecksumError):
        service.get_item(KEY)
    # THEN it is an error, logged once, not an absent item
    assert _levels(caplog) == ["DEBUG", "ERROR"]


def test_a_damaged_response_before_the_last_attempt_is_retried_by_botocore(
    make_offline: Make,
) -> None:
    # GIVEN three attempts, the first answer damaged and the second intact
    body = b'{"Item": {"pk": {"S": "a"}, "sk": {"N": "1"}}}'
    service = make_offline(max_attempts=3)
    _answer_get_item_with(service, body, zlib.crc32(body) ^ 1, zlib.crc32(body))
    # WHEN the item is read THEN botocore's standard mode retried and the intact one is used
    assert service.get_item(KEY) == KEY


def test_damaged_answers_on_every_attempt_end_in_a_checksum_error(make_offline: Make) -> None:
    # GIVEN three attempts, every answer damaged (a truncated body parses as a shorter one)
    service = make_offline(max_attempts=3)
    _answer_get_item_with(service, b"{}", zlib.crc32(b"{}") ^ 1)
    # WHEN the item is read THEN the last attempt's damage is an error, not "no item"
    with pytest.raises(ChecksumError):
        service.get_item(KEY)


def test_a_response_without_a_crc32_header_is_used_as_it_is(make_offline: Make) -> None:
    # GIVEN an endpoint (a proxy, a DynamoDB look-alike) that sends no x-amz-crc32
    body = b'{"Item": {"pk": {"S": "a"}, "sk": {"N": "1"}}}'
    service = make_offline()

    def respond(**_: Any) -> AWSResponse:
        return AWSResponse(CLOSED_PORT, 200, HTTPHeaders(), _Body(body))

    service.client.meta.events.register("before-send.dynamodb.GetItem", respond)  # type: ignore[arg-type]
    # WHEN the item is read on the last (only) attempt THEN nothing is checked, the item is used
    assert service.get_item(KEY) == KEY


def test_a_response_whose_crc32_matches_is_used(make_offline: Make) -> None:
    body = b'{"Item": {"pk": {"S": "a"}, "sk": {"N": "1"}}}'
    service = make_offline()
    _answer_get_item_with(service, body, zlib.crc32(body))
    assert service.get_item(KEY) == KEY


# -- tables ---------------------------------------------------------------------------------------


def test_table_exists_is_true_for_a_table_and_false_otherwise(
    service: DynamoDBService, table: str
) -> None:
    assert service.table_exists(table) is True
    assert service.table_exists("missing") is False


def test_table_exists_lets_other_errors_propagate(
    offline: DynamoDBService, caplog: pytest.LogCaptureFixture
) -> None:
    with stubbed(offline) as stub:
        stub.add_client_error(
            "describe_table", "AccessDeniedException", expected_params={"TableName": "orders"}
        )
        with pytest.raises(ClientError) as caught:
            offline.table_exists("orders")
        stub.assert_no_pending_responses()
    assert caught.value.response["Error"]["Code"] == "AccessDeniedException"
    assert _levels(caplog) == ["DEBUG", "ERROR"]


def test_list_tables_on_moto_lists_every_table(service: DynamoDBService) -> None:
    assert service.list_tables() == []
    for name in ("users", "orders", "audit"):
        service.create_table(name, KEY_SCHEMA, ATTRIBUTES)
    assert sorted(service.list_tables()) == ["audit", "orders", "users"]


def test_list_tables_follows_last_evaluated_table_name_over_every_page(
    offline: DynamoDBService, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN three pages of table names, each but the last naming where to go on
    first = [f"t{i:03d}" for i in range(100)]
    second = [f"u{i:03d}" for i in range(100)]
    with stubbed(offline) as stub:
        stub.add_response(
            "list_tables", {"TableNames": first, "LastEvaluatedTableName": "t099"}, {}
        )
        stub.add_response(
            "list_tables",
            {"TableNames": second, "LastEvaluatedTableName": "u099"},
            {"ExclusiveStartTableName": "t099"},
        )
        stub.add_response(
            "list_tables", {"TableNames": ["zeta"]}, {"ExclusiveStartTableName": "u099"}
        )
        # WHEN the tables are listed
        names = offline.list_tables()
        # THEN every page was asked for, from where the last stopped, and every name returned
        stub.assert_no_pending_responses()
    assert names == [*first, *second, "zeta"]
    info = _ours(caplog)[-1]
    assert info.levelname == "INFO"
    assert "requests=3" in info.getMessage() and "tables=201" in info.getMessage()


def test_create_table_sends_the_configured_throughput(
    offline: DynamoDBService, sleeps: list[float]
) -> None:
    # GIVEN a service configured with 7 read and 3 write units
    with stubbed(offline) as stub:
        stub.add_response(
            "create_table",
            {"TableDescription": {"TableName": TABLE, "TableStatus": "CREATING"}},
            {
                "TableName": TABLE,
                "KeySchema": KEY_SCHEMA,
                "AttributeDefinitions": ATTRIBUTES,
                "ProvisionedThroughput": {"ReadCapacityUnits": 7, "WriteCapacityUnits": 3},
                "BillingMode": "PROVISIONED",
            },
        )
        stub.add_response("describe_table", _described("ACTIVE"), {"TableName": TABLE})
        # WHEN a table is created with no indexes
        offline.create_table(TABLE, KEY_SCHEMA, ATTRIBUTES)
        # THEN the request carries those units and no index field, and no wait was needed
        stub.assert_no_pending_responses()
    assert sleeps == []


def test_create_table_fills_in_each_index_throughput_unless_the_index_sets_its_own(
    offline: DynamoDBService,
) -> None:
    # GIVEN one index without throughput and one with its own
    own: GlobalSecondaryIndexTypeDef = {
        "IndexName": "by_name",
        "KeySchema": [{"AttributeName": "name", "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "KEYS_ONLY"},
        "ProvisionedThroughput": {"ReadCapacityUnits": 11, "WriteCapacityUnits": 13},
    }
    attributes = [*GSI_ATTRIBUTES, {"AttributeName": "name", "AttributeType": "S"}]
    configured = {"ReadCapacityUnits": 7, "WriteCapacityUnits": 3}
    with stubbed(offline) as stub:
        stub.add_response(
            "create_table",
            {"TableDescription": {"TableName": TABLE}},
            {
                "TableName": TABLE,
                "KeySchema": KEY_SCHEMA,
                "AttributeDefinitions": attributes,
                "ProvisionedThroughput": configured,
                "BillingMode": "PROVISIONED",
                "GlobalSecondaryIndexes": [{**GSI, "ProvisionedThroughput": configured}, own],
            },
        )
        stub.add_response("describe_table", _described("ACTIVE", "ACTIVE"), {"TableName": TABLE})
        # WHEN the table is created with both
        offline.create_table(TABLE, KEY_SCHEMA, attributes, global_secondary_indexes=[GSI, own])
        # THEN the first gets the configured units and the second keeps its own
        stub.assert_no_pending_responses()
    assert "ProvisionedThroughput" not in GSI  # the caller's index is not modified


def test_create_table_waits_while_the_table_is_creating(
    offline: DynamoDBService, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN a table that is CREATING for two polls
    with stubbed(offline) as stub:
        stub.add_response("create_table", {"TableDescription": {"TableName": TABLE}})
        for status in ("CREATING", "CREATING", "ACTIVE"):
            stub.add_response("describe_table", _described(status), {"TableName": TABLE})
        # WHEN it is created
        offline.create_table(TABLE, KEY_SCHEMA, ATTRIBUTES)
        # THEN the service polled until ACTIVE, sleeping POLL_SECONDS between polls
        stub.assert_no_pending_responses()
    assert sleeps == [POLL_SECONDS, POLL_SECONDS]
    assert POLL_SECONDS == 1.0
    assert "polls=2" in _ours(caplog)[-1].getMessage()


def test_create_table_waits_while_an_index_is_creating(
    offline: DynamoDBService, sleeps: list[float]
) -> None:
    # GIVEN an ACTIVE table whose index is still CREATING for one poll
    with stubbed(offline) as stub:
        stub.add_response("create_table", {"TableDescription": {"TableName": TABLE}})
        stub.add_response("describe_table", _described("ACTIVE", "CREATING"))
        stub.add_response("describe_table", _described("ACTIVE", "ACTIVE"))
        # WHEN it is created
        offline.create_table(TABLE, KEY_SCHEMA, GSI_ATTRIBUTES, global_secondary_indexes=[GSI])
        # THEN it returned only once the index was ACTIVE too
        stub.assert_no_pending_responses()
    assert sleeps == [POLL_SECONDS]


def test_create_table_waits_while_the_table_is_not_yet_described(
    offline: DynamoDBService, sleeps: list[float]
) -> None:
    with stubbed(offline) as stub:
        stub.add_response("create_table", {"TableDescription": {"TableName": TABLE}})
        stub.add_client_error("describe_table", "ResourceNotFoundException")
        stub.add_response("describe_table", _described("ACTIVE"))
        offline.create_table(TABLE, KEY_SCHEMA, ATTRIBUTES)
        stub.assert_no_pending_responses()
    assert sleeps == [POLL_SECONDS]


def test_create_table_gives_up_after_the_bounded_wait(
    offline: DynamoDBService,
    sleeps: list[float],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN a single poll allowed, and a table that stays CREATING
    monkeypatch.setattr(_core, "MAX_POLLS", 1)
    with stubbed(offline) as stub:
        stub.add_response("create_table", {"TableDescription": {"TableName": TABLE}})
        stub.add_response("describe_table", _described("CREATING"))
        # WHEN it is created
        with pytest.raises(TimeoutError, match="create_table on users: not done after 1 polls"):
            offline.create_table(TABLE, KEY_SCHEMA, ATTRIBUTES)
        # THEN it timed out after one look and one sleep, logged once at ERROR
        stub.assert_no_pending_responses()
    assert sleeps == [POLL_SECONDS]
    assert _levels(caplog) == ["DEBUG", "ERROR"]


def test_create_table_on_moto_returns_an_active_table_with_its_index(
    service: DynamoDBService,
) -> None:
    # GIVEN the default capacities (5/5)
    # WHEN a table with an index is created
    service.create_table(TABLE, KEY_SCHEMA, GSI_ATTRIBUTES, global_secondary_indexes=[GSI])
    # THEN on return both are ACTIVE, provisioned with the configured units
    table = service.client.describe_table(TableName=TABLE)["Table"]
    assert table["TableStatus"] == "ACTIVE"
    assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == 5
    assert table["ProvisionedThroughput"]["WriteCapacityUnits"] == 5
    index = table["GlobalSecondaryIndexes"][0]
    assert index["IndexName"] == "by_email"
    assert index["IndexStatus"] == "ACTIVE"
    assert index["ProvisionedThroughput"]["ReadCapacityUnits"] == 5


def test_create_table_refused_by_dynamodb_propagates_unchanged(
    service: DynamoDBService, table: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.clear()
    with pytest.raises(service.client.exceptions.ResourceInUseException):
        service.create_table(table, KEY_SCHEMA, ATTRIBUTES)
    assert _levels(caplog) == ["DEBUG", "ERROR"]


@pytest.mark.parametrize(
    ("key_schema", "attributes", "error"),
    [
        ([], ATTRIBUTES, ValueError),
        (KEY_SCHEMA, [], ValueError),
        ("pk", ATTRIBUTES, TypeError),
        (KEY_SCHEMA, ["pk"], ValueError),
    ],
    ids=["no-key-schema", "no-attributes", "str-schema", "not-dicts"],
)
def test_create_table_refuses_a_malformed_schema_before_any_call(
    offline: DynamoDBService, key_schema: Any, attributes: Any, error: type[Exception]
) -> None:
    with stubbed(offline) as stub:
        with pytest.raises(error):
            offline.create_table(TABLE, key_schema, attributes)
        stub.assert_no_pending_responses()


@pytest.mark.parametrize(
    "key_schema",
    [
        [{"AttributeName": "pk", "KeyType": "HASH", "Typo": "x"}],
        [{"AttributeName": "pk", "KeyType": 1}],
        [{"KeyType": "HASH"}],
    ],
    ids=["unknown-field", "wrong-type", "missing-name"],
)
def test_create_table_runs_botocores_validator_before_any_call(
    offline: DynamoDBService, key_schema: Any
) -> None:
    # GIVEN a key schema botocore's own validator refuses (the client's is switched off)
    with stubbed(offline) as stub:
        # WHEN the table is created THEN the same ParamValidationError comes, before any call
        with pytest.raises(ParamValidationError):
            offline.create_table(TABLE, key_schema, ATTRIBUTES)
        stub.assert_no_pending_responses()


def test_client_skips_parameter_validation_because_the_service_checks_its_requests(
    offline: DynamoDBService,
) -> None:
    # GIVEN a raw request botocore's validator would refuse (a number where a str goes)
    # WHEN it is sent through the service's client to a closed port
    # THEN it reaches the network (connection refused), not ParamValidationError
    with pytest.raises(EndpointConnectionError):
        offline.client.put_item(TableName=TABLE, Item={"pk": {"S": 1}})


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.get_item(KEY, consistent_read="yes"),
        lambda s: s.query("pk = :p", {":p": "a"}, consistent_read=1),
        lambda s: s.query("pk = :p", {":p": "a"}, scan_index_forward="no"),
        lambda s: s.scan(consistent_read=None),
        lambda s: s.execute_statement('SELECT * FROM "users"', consistent_read="true"),
    ],
    ids=["get", "query-consistent", "query-forward", "scan", "partiql"],
)
def test_a_flag_that_is_not_a_bool_is_a_type_error_before_any_call(
    offline: DynamoDBService, call: Callable[[DynamoDBService], object]
) -> None:
    with stubbed(offline) as stub:
        with pytest.raises(TypeError, match="must be a bool"):
            result = call(offline)
            if isinstance(result, Iterator):
                next(result)
        stub.assert_no_pending_responses()


def test_delete_table_waits_until_the_table_is_gone(
    offline: DynamoDBService, sleeps: list[float]
) -> None:
    # GIVEN a table that is DELETING for one poll, then not found
    with stubbed(offline) as stub:
        stub.add_response(
            "delete_table", {"TableDescription": {"TableName": TABLE}}, {"TableName": TABLE}
        )
        stub.add_response("describe_table", _described("DELETING"), {"TableName": TABLE})
        stub.add_client_error(
            "describe_table", "ResourceNotFoundException", expected_params={"TableName": TABLE}
        )
        # WHEN it is deleted
        offline.delete_table(TABLE)
        # THEN the service returned only once DynamoDB said it was not found
        stub.assert_no_pending_responses()
    assert sleeps == [POLL_SECONDS]


def test_delete_table_on_moto_removes_it(service: DynamoDBService, table: str) -> None:
    service.delete_table(table)
    assert service.table_exists(table) is False
    assert service.list_tables() == []


def test_delete_table_of_a_missing_table_propagates_not_found(
    service: DynamoDBService, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(service.client.exceptions.ResourceNotFoundException):
        service.delete_table("missing")
    assert _levels(caplog) == ["DEBUG", "ERROR"]


# -- items on moto --------------------------------------------------------------------------------


def test_put_then_get_round_trips_an_item(service: DynamoDBService, table: str) -> None:
    item = {**KEY, "name": "Alice", "age": 30, "score": 0.5}
    service.put_item(item)
    assert service.get_item(KEY) == item


def test_put_and_get_use_the_table_given(service: DynamoDBService, table: str) -> None:
    service.create_table("orders", KEY_SCHEMA, ATTRIBUTES)
    service.put_item({**KEY, "where": "orders"}, "orders")
    assert service.get_item(KEY, "orders") == {**KEY, "where": "orders"}
    assert service.get_item(KEY) is None


def test_get_item_of_a_missing_key_is_none(service: DynamoDBService, table: str) -> None:
    assert service.get_item({"pk": "nobody", "sk": 0}) is None


def test_put_item_replaces_the_whole_item(service: DynamoDBService, table: str) -> None:
    service.put_item({**KEY, "old": 1})
    service.put_item({**KEY, "new": 2})
    assert service.get_item(KEY) == {**KEY, "new": 2}


def test_a_conditional_put_that_fails_propagates_unchanged(
    service: DynamoDBService, table: str, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN an item written only if absent
    service.put_item({**KEY, "v": "first"}, condition_expression="attribute_not_exists(pk)")
    caplog.clear()
    # WHEN the same key is put again under the same condition
    with pytest.raises(ClientError) as caught:
        service.put_item({**KEY, "v": "second"}, condition_expression="attribute_not_exists(pk)")
    # THEN botocore's modelled exception comes out unchanged and the item is untouched
    assert type(caught.value) is service.client.exceptions.ConditionalCheckFailedException
    assert caught.value.response["Error"]["Code"] == "ConditionalCheckFailedException"
    assert caught.value.operation_name == "PutItem"
    assert service.get_item(KEY) == {**KEY, "v": "first"}
    assert _levels(caplog)[:2] == ["DEBUG", "ERROR"]


def test_a_conditional_put_with_names_and_values(service: DynamoDBService, table: str) -> None:
    service.put_item({**KEY, "version": 1})
    condition = "#v = :expected"
    service.put_item(
        {**KEY, "version": 2},
        condition_expression=condition,
        expression_attribute_names={"#v": "version"},
        expression_attribute_values={":expected": 1},
    )
    with pytest.raises(service.client.exceptions.ConditionalCheckFailedException):
        service.put_item(
            {**KEY, "version": 3},
            condition_expression=condition,
            expression_attribute_names={"#v": "version"},
            expression_attribute_values={":expected": 1},
        )
    assert service.get_item(KEY) == {**KEY, "version": 2}


def test_update_item_sets_a_reserved_word_through_attribute_names(
    service: DynamoDBService, table: str
) -> None:
    # GIVEN an item
    service.put_item({**KEY, "name": "Alice", "age": 30})
    # WHEN the attribute `name` (a reserved word) is set through a placeholder
    after = service.update_item(
        KEY, "SET #n = :n", {":n": "Bob"}, expression_attribute_names={"#n": "name"}
    )
    # THEN the whole new item comes back, and it is stored
    assert after == {**KEY, "name": "Bob", "age": 30}
    assert service.get_item(KEY) == after


def test_update_item_returns_all_new_values_converted(service: DynamoDBService, table: str) -> None:
    service.put_item({**KEY, "n": 1, "tags": {"a"}})
    after = service.update_item(
        KEY, "SET n = n + :half, ratio = :r ADD tags :more", {":half": 0.5, ":r": 2, ":more": {"b"}}
    )
    assert after == {**KEY, "n": 1.5, "ratio": 2, "tags": {"a", "b"}}
    assert type(after["n"]) is float and type(after["ratio"]) is int
    assert type(after["sk"]) is int and type(after["tags"]) is set


def test_update_item_of_an_absent_item_creates_it(service: DynamoDBService, table: str) -> None:
    after = service.update_item(KEY, "SET v = :v", {":v": "new"})
    assert after == {**KEY, "v": "new"}


def test_update_item_with_a_failing_condition_propagates_unchanged(
    service: DynamoDBService, table: str
) -> None:
    service.put_item({**KEY, "v": 1})
    with pytest.raises(service.client.exceptions.ConditionalCheckFailedException):
        service.update_item(
            KEY, "SET v = :new", {":new": 2, ":old": 5}, condition_expression="v = :old"
        )
    assert service.get_item(KEY) == {**KEY, "v": 1}


def test_update_item_remove_needs_no_values(service: DynamoDBService, table: str) -> None:
    service.put_item({**KEY, "v": 1, "w": 2})
    assert service.update_item(KEY, "REMOVE v", {}) == {**KEY, "w": 2}


def test_delete_item_removes_the_item(service: DynamoDBService, table: str) -> None:
    service.put_item({**KEY, "v": 1})
    service.delete_item(KEY)
    assert service.get_item(KEY) is None
    service.delete_item(KEY)  # absent is fine


def test_delete_item_obeys_its_condition(service: DynamoDBService, table: str) -> None:
    service.put_item({**KEY, "status": "active"})
    condition = "#s = :done"
    with pytest.raises(service.client.exceptions.ConditionalCheckFailedException):
        service.delete_item(
            KEY,
            condition_expression=condition,
            expression_attribute_names={"#s": "status"},
            expression_attribute_values={":done": "done"},
        )
    assert service.get_item(KEY) == {**KEY, "status": "active"}
    service.delete_item(
        KEY,
        condition_expression=condition,
        expression_attribute_names={"#s": "status"},
        expression_attribute_values={":done": "active"},
    )
    assert service.get_item(KEY) is None


def test_an_item_in_a_missing_table_propagates_not_found(
    service: DynamoDBService, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(service.client.exceptions.ResourceNotFoundException):
        service.put_item({**KEY, "v": "VALUE-XYZ"}, "missing")
    errors = [r for r in _ours(caplog) if r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert errors[0].table == "missing"  # type: ignore[attr-defined]
    assert "VALUE-XYZ" not in errors[0].getMessage()


# -- exact request shapes -------------------------------------------------------------------------


@pytest.mark.parametrize("consistent", [True, False])
def test_get_item_passes_consistent_read_through(
    offline: DynamoDBService, consistent: bool
) -> None:
    with stubbed(offline) as stub:
        stub.add_response(
            "get_item",
            {"Item": {**WIRE_KEY, "v": {"N": "2.5"}}},
            {"TableName": TABLE, "Key": WIRE_KEY, "ConsistentRead": consistent},
        )
        item = offline.get_item(KEY, consistent_read=consistent)
        stub.assert_no_pending_responses()
    assert item == {**KEY, "v": 2.5}


def test_get_item_reads_eventually_consistent_by_default(offline: DynamoDBService) -> None:
    with stubbed(offline) as stub:
        stub.add_response(
            "get_item", {}, {"TableName": "orders", "Key": WIRE_KEY, "ConsistentRead": False}
        )
        assert offline.get_item(KEY, "orders") is None
        stub.assert_no_pending_responses()


def test_put_item_sends_the_condition_names_and_values(offline: DynamoDBService) -> None:
    with stubbed(offline) as stub:
        stub.add_response(
            "put_item",
            {},
            {
                "TableName": TABLE,
                "Item": {**WIRE_KEY, "v": {"N": "0.1"}},
                "ConditionExpression": "attribute_not_exists(#p) OR #v < :v",
                "ExpressionAttributeNames": {"#p": "pk", "#v": "v"},
                "ExpressionAttributeValues": {":v": {"N": "0.1"}},
            },
        )
        offline.put_item(
            {**KEY, "v": 0.1},
            condition_expression="attribute_not_exists(#p) OR #v < :v",
            expression_attribute_names={"#p": "pk", "#v": "v"},
            expression_attribute_values={":v": 0.1},
        )
        stub.assert_no_pending_responses()


def test_put_item_without_options_sends_only_table_and_item(offline: DynamoDBService) -> None:
    with stubbed(offline) as stub:
        stub.add_response("put_item", {}, {"TableName": TABLE, "Item": WIRE_KEY})
        offline.put_item(KEY)
        stub.assert_no_pending_responses()


def test_update_item_asks_for_all_new_and_converts_the_answer(offline: DynamoDBService) -> None:
    with stubbed(offline) as stub:
        stub.add_response(
            "update_item",
            {"Attributes": {**WIRE_KEY, "name": {"S": "Bob"}, "n": {"N": "3"}}},
            {
                "TableName": TABLE,
                "Key": WIRE_KEY,
                "UpdateExpression": "SET #n = :n, n = :three",
                "ConditionExpression": "attribute_exists(pk)",
                "ExpressionAttributeNames": {"#n": "name"},
                "ExpressionAttributeValues": {":n": {"S": "Bob"}, ":three": {"N": "3"}},
                "ReturnValues": "ALL_NEW",
            },
        )
        after = offline.update_item(
            KEY,
            "SET #n = :n, n = :three",
            {":n": "Bob", ":three": 3},
            condition_expression="attribute_exists(pk)",
            expression_attribute_names={"#n": "name"},
        )
        stub.assert_no_pending_responses()
    assert after == {**KEY, "name": "Bob", "n": 3}


def test_update_item_with_no_attributes_back_is_an_empty_dict(offline: DynamoDBService) -> None:
    with stubbed(offline) as stub:
        stub.add_response("update_item", {})
        assert offline.update_item(KEY, "REMOVE v", {}) == {}
        stub.assert_no_pending_responses()


def test_delete_item_sends_the_condition_names_and_values(offline: DynamoDBService) -> None:
    with stubbed(offline) as stub:
        stub.add_response(
            "delete_item",
            {},
            {
                "TableName": "orders",
                "Key": WIRE_KEY,
                "ConditionExpression": "#s = :s",
                "ExpressionAttributeNames": {"#s": "status"},
                "ExpressionAttributeValues": {":s": {"S": "done"}},
            },
        )
        offline.delete_item(
            KEY,
            "orders",
            condition_expression="#s = :s",
            expression_attribute_names={"#s": "status"},
            expression_attribute_values={":s": "done"},
        )
        stub.assert_no_pending_responses()


# -- placeholders and expressions: refused before any call ----------------------------------------

Call = Callable[[DynamoDBService], object]


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (
            lambda s: s.update_item(KEY, "SET a = :x", {}),
            ValueError,
            r"expression_attribute_values lacks \[':x'\]",
        ),
        (
            lambda s: s.update_item(KEY, "SET a = :x", {":x": 1, ":y": 2}),
            ValueError,
            r"expression_attribute_values has \[':y'\]",
        ),
        (
            lambda s: s.update_item(KEY, "SET #n = :n", {":n": "Bob"}),
            ValueError,
            r"expression_attribute_names lacks \['#n'\]",
        ),
        (
            lambda s: s.update_item(
                KEY,
                "SET #n = :n",
                {":n": "Bob"},
                expression_attribute_names={"#n": "name", "#m": "other"},
            ),
            ValueError,
            r"expression_attribute_names has \['#m'\]",
        ),
        (
            lambda s: s.update_item(KEY, "SET v = :v", {":v": 1}, condition_expression="v < :max"),
            ValueError,
            r"lacks \[':max'\]",
        ),
        (
            lambda s: s.put_item(KEY, condition_expression="attribute_not_exists(#p)"),
            ValueError,
            r"expression_attribute_names lacks \['#p'\]",
        ),
        (
            lambda s: s.put_item(KEY, expression_attribute_values={":v": 1}),
            ValueError,
            r"has \[':v'\], which no expression uses",
        ),
        (
            lambda s: s.put_item(KEY, expression_attribute_names={"#v": "v"}),
            ValueError,
            r"has \['#v'\]",
        ),
        (
            lambda s: s.delete_item(KEY, condition_expression="v = :v"),
            ValueError,
            r"lacks \[':v'\]",
        ),
        (
            lambda s: s.delete_item(
                KEY, condition_expression="#v = :v", expression_attribute_names={"v": "v"}
            ),
            ValueError,
            "map '#name' to a str",
        ),
        (
            lambda s: s.delete_item(
                KEY,
                condition_expression="#v = :v",
                expression_attribute_names={"#v": 1},
                expression_attribute_values={":v": 1},
            ),
            ValueError,
            "map '#name' to a str",
        ),
        (
            lambda s: s.delete_item(
                KEY, condition_expression="#v = :v", expression_attribute_names=[("#v", "v")]
            ),
            TypeError,
            "expression_attribute_names must be a dict",
        ),
        (lambda s: s.update_item(KEY, "", {}), ValueError, "update_expression is empty"),
        (lambda s: s.update_item(KEY, "   ", {}), ValueError, "update_expression is empty"),
        (lambda s: s.update_item(KEY, None, {}), TypeError, "update_expression"),
        (lambda s: s.update_item(KEY, 5, {}), TypeError, "update_expression must be a str"),
        (
            lambda s: s.put_item(KEY, condition_expression=""),
            ValueError,
            "condition_expression is empty",
        ),
        (
            lambda s: s.delete_item(KEY, condition_expression=b"v = :v"),
            TypeError,
            "condition_expression must be a str",
        ),
        (lambda s: s.get_item(KEY, "no"), ValueError, "illegal table name"),
        (lambda s: s.put_item([("pk", "a")]), TypeError, "item must be a dict"),
    ],
    ids=[
        "value-used-not-given",
        "value-given-not-used",
        "name-used-not-given",
        "name-given-not-used",
        "condition-value-not-given",
        "put-name-not-given",
        "put-value-without-expression",
        "put-name-without-expression",
        "delete-value-not-given",
        "name-without-hash",
        "name-to-non-str",
        "names-not-a-dict",
        "empty-update",
        "blank-update",
        "none-update",
        "int-update",
        "empty-condition",
        "bytes-condition",
        "illegal-table",
        "item-not-a-dict",
    ],
)
def test_a_caller_mistake_is_refused_before_any_call(
    offline: DynamoDBService,
    caplog: pytest.LogCaptureFixture,
    call: Call,
    error: type[Exception],
    match: str,
) -> None:
    # GIVEN a client with nothing queued: any request would raise UnStubbedResponseError
    with stubbed(offline) as stub:
        # WHEN an operation is called with a mistake the service can see
        with pytest.raises(error, match=match):
            call(offline)
        # THEN nothing was sent, and the failure was logged once at ERROR
        stub.assert_no_pending_responses()
    assert _levels(caplog).count("ERROR") == 1
    assert "INFO" not in _levels(caplog)


# -- logging --------------------------------------------------------------------------------------


@pytest.mark.parametrize("table_name", [None, TABLE], ids=["default-table", "named-table"])
def test_a_successful_put_logs_one_debug_then_one_info_with_operation_and_table(
    service: DynamoDBService,
    table: str,
    caplog: pytest.LogCaptureFixture,
    table_name: str | None,
) -> None:
    # GIVEN a fresh log
    caplog.clear()
    # WHEN an item is put
    service.put_item({**KEY, "v": "VALUE-XYZ"}, table_name)
    # THEN exactly DEBUG then INFO, each carrying operation and table as extra fields
    records = _ours(caplog)
    assert [r.levelno for r in records] == [logging.DEBUG, logging.INFO]
    for record in records:
        assert record.operation == "put_item"  # type: ignore[attr-defined]
        assert record.table == "users"  # type: ignore[attr-defined]
    info = records[1]
    assert "ms" in info.getMessage()
    assert "put_item on users" in info.getMessage()
    assert isinstance(info.elapsed_ms, float) and info.elapsed_ms >= 0  # type: ignore[attr-defined]


def test_a_logger_above_debug_gets_no_start_record_and_above_info_no_done_record(
    service: DynamoDBService, table: str, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN the service's logger at INFO
    caplog.set_level(logging.INFO, logger=LOGGER)
    caplog.clear()
    # WHEN an item is put
    service.put_item(KEY, TABLE)
    # THEN only the INFO record is written
    assert _levels(caplog) == ["INFO"]
    # GIVEN the logger at WARNING
    caplog.set_level(logging.WARNING, logger=LOGGER)
    caplog.clear()
    # WHEN one put succeeds and one fails
    service.put_item(KEY, TABLE)
    with pytest.raises(service.client.exceptions.ConditionalCheckFailedException):
        service.put_item(KEY, TABLE, condition_expression="attribute_not_exists(pk)")
    # THEN only the failure is written
    assert _levels(caplog) == ["ERROR"]


def test_a_get_logs_its_item_count(
    service: DynamoDBService, table: str, caplog: pytest.LogCaptureFixture
) -> None:
    service.put_item(KEY)
    caplog.clear()
    service.get_item(KEY, TABLE)
    service.get_item({"pk": "none", "sk": 0}, TABLE)
    infos = [r.getMessage() for r in _ours(caplog) if r.levelno == logging.INFO]
    assert len(infos) == 2
    assert "(requests=1 items=1 capacity=0.5)" in infos[0]
    assert "(requests=1 items=0 capacity=0.5)" in infos[1]


def test_a_failure_logs_exactly_one_error_then_raises(
    service: DynamoDBService, table: str, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN an item that already exists
    service.put_item({**KEY, "v": "VALUE-XYZ"})
    caplog.clear()
    # WHEN a put conditional on its absence is refused
    with pytest.raises(service.client.exceptions.ConditionalCheckFailedException):
        service.put_item(
            {**KEY, "v": "VALUE-XYZ"}, TABLE, condition_expression="attribute_not_exists(pk)"
        )
    # THEN one DEBUG, one ERROR naming the operation, table and error code, and no INFO
    records = _ours(caplog)
    assert [r.levelno for r in records] == [logging.DEBUG, logging.ERROR]
    error = records[1]
    assert error.operation == "put_item"  # type: ignore[attr-defined]
    assert error.table == TABLE  # type: ignore[attr-defined]
    assert "put_item on users failed" in error.getMessage()
    assert "ConditionalCheckFailedException" in error.getMessage()
    assert "VALUE-XYZ" not in error.getMessage()


def _every_path(service: DynamoDBService) -> None:
    """Put, get, update, query, delete and several failures, with distinctive values."""
    item = {"pk": "KEY-PK-XYZ", "sk": 7, "v": "VALUE-XYZ", "n": {"deep": ["VALUE-XYZ"]}}
    key = {"pk": "KEY-PK-XYZ", "sk": 7}
    service.put_item(item)
    service.get_item(key, consistent_read=True)
    service.update_item(
        key, "SET #n = :n", {":n": "VALUE-XYZ"}, expression_attribute_names={"#n": "name"}
    )
    service.query("pk = :pk", {":pk": "KEY-PK-XYZ"})
    service.put_item(item, condition_expression="attribute_exists(pk)")
    failures: list[Callable[[], object]] = [
        lambda: service.put_item(item, condition_expression="attribute_not_exists(pk)"),
        lambda: service.put_item({"pk": "KEY-PK-XYZ", "sk": "VALUE-XYZ"}),
        lambda: service.put_item({**item, "bad": float("nan")}),
        lambda: service.update_item(key, "SET v = :v", {":v": "VALUE-XYZ", ":w": "VALUE-XYZ"}),
        lambda: service.get_item({"pk": "KEY-PK-XYZ"}),
        lambda: service.put_item(item, "missing-table"),
    ]
    for failure in failures:
        with pytest.raises((ClientError, ValueError)):
            failure()
    service.delete_item(key)


def test_no_record_at_info_or_above_holds_an_attribute_value(
    service: DynamoDBService, table: str, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN every logger captured from DEBUG up
    caplog.set_level(logging.DEBUG)
    # WHEN every item path runs, successes and failures
    _every_path(service)
    # THEN no record at INFO or above, from any logger, shows a value or a key value
    loud = [r for r in caplog.records if r.levelno >= logging.INFO]
    assert len([r for r in loud if r.name == LOGGER and r.levelno == logging.ERROR]) == 6
    for record in loud:
        text = record.getMessage()
        assert "VALUE-XYZ" not in text, (record.name, text)
        assert "KEY-PK-XYZ" not in text, (record.name, text)


def test_no_record_of_the_service_holds_a_credential_at_any_level(
    service: DynamoDBService, table: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    _every_path(service)
    ours = _ours(caplog)
    assert len(ours) > 10
    for record in ours:
        text = f"{record.getMessage()} {record.__dict__!r}"
        assert SECRET not in text
        assert TOKEN not in text


def test_no_record_at_any_level_of_any_logger_holds_a_credential(
    service: DynamoDBService, table: str, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN every logger, botocore's own included, captured from DEBUG up
    caplog.set_level(logging.DEBUG)
    # WHEN every item path runs with a session token and a secret key configured
    _every_path(service)
    # THEN neither the secret nor the token appears in any record
    leaks = sorted(
        {
            record.name
            for record in caplog.records
            if SECRET in record.getMessage() or TOKEN in record.getMessage()
        }
    )
    assert leaks == []


# -- lifetime -------------------------------------------------------------------------------------

OPERATIONS: dict[str, Call] = {
    "ping": lambda s: s.ping(),
    "table_exists": lambda s: s.table_exists(TABLE),
    "list_tables": lambda s: s.list_tables(),
    "create_table": lambda s: s.create_table(TABLE, KEY_SCHEMA, ATTRIBUTES),
    "delete_table": lambda s: s.delete_table(TABLE),
    "put_item": lambda s: s.put_item(KEY),
    "get_item": lambda s: s.get_item(KEY),
    "update_item": lambda s: s.update_item(KEY, "SET v = :v", {":v": 1}),
    "delete_item": lambda s: s.delete_item(KEY),
    "query": lambda s: s.query("pk = :pk", {":pk": "a"}),
    "iter_query": lambda s: s.iter_query("pk = :pk", {":pk": "a"}),
    "scan": lambda s: s.scan(),
    "iter_scan": lambda s: s.iter_scan(),
    "batch_write_items": lambda s: s.batch_write_items([KEY]),
    "batch_get_items": lambda s: s.batch_get_items([KEY]),
    "transact_write_items": lambda s: s.transact_write_items([Put(KEY)]),
    "transact_get_items": lambda s: s.transact_get_items([Get(KEY)]),
    "execute_statement": lambda s: s.execute_statement('SELECT * FROM "users"'),
}


@pytest.mark.parametrize("name", list(OPERATIONS))
def test_every_operation_after_close_is_a_runtime_error_before_any_call(
    closed: DynamoDBService, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    # GIVEN a closed service whose client has nothing queued
    with stubbed(closed) as stub:
        # WHEN any operation is called
        with pytest.raises(
            RuntimeError, match=f"{name.removeprefix('iter_')}: the service is closed"
        ):
            OPERATIONS[name](closed)
        # THEN it is a clear RuntimeError, nothing was sent, and it was logged once
        stub.assert_no_pending_responses()
    assert _levels(caplog) == ["ERROR"]


def test_the_service_is_a_context_manager_that_closes(
    logger: logging.Logger, config: DynamoDBConfig
) -> None:
    with mock_aws():
        # GIVEN a service used in a with block
        with DynamoDBService(logger=logger, config=config) as service:
            assert isinstance(service, DynamoDBService)
            assert service.ping() is True
        # WHEN the block ends
        # THEN the service is closed
        with pytest.raises(RuntimeError, match="closed"):
            service.ping()


def test_the_context_manager_closes_and_lets_the_exception_through(
    make_offline: Make,
) -> None:
    service = make_offline()
    with pytest.raises(KeyError, match="boom"):
        with service as entered:
            assert entered is service
            raise KeyError("boom")
    with pytest.raises(RuntimeError, match="closed"):
        service.get_item(KEY)


def test_close_closes_the_client(make_offline: Make, monkeypatch: pytest.MonkeyPatch) -> None:
    service = make_offline()
    closed: list[str] = []
    monkeypatch.setattr(service.client, "close", lambda: closed.append("client"))
    service.close()
    assert closed == ["client"]
    assert service._resource is None  # close does not build a resource just to close it


def test_the_resource_is_made_lazily_once_and_closed_on_close(
    service: DynamoDBService, table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a service whose resource was never asked for
    assert service._resource is None
    # WHEN the resource is asked for twice
    resource = service.resource
    # THEN it is one boto3 resource on the same region and endpoint, and it works
    assert service.resource is resource
    assert isinstance(resource, ServiceResource)
    assert resource.meta.client is not service.client
    assert resource.meta.client.meta.region_name == "us-east-1"
    assert resource.meta.client.meta.endpoint_url == service.client.meta.endpoint_url
    assert resource.Table(table).table_status == "ACTIVE"
    # AND close closes its client too
    closed: list[str] = []
    monkeypatch.setattr(resource.meta.client, "close", lambda: closed.append("resource"))
    service.close()
    assert closed == ["resource"]


def test_the_resource_uses_the_configured_timeouts(make_offline: Make) -> None:
    service = make_offline(connect_timeout_seconds=1.25, max_attempts=2)
    config = service.resource.meta.client.meta.config
    assert config.connect_timeout == 1.25  # type: ignore[attr-defined]
    assert config.retries == {"total_max_attempts": 2, "mode": "standard"}  # type: ignore[attr-defined]
