"""Secrets and privacy: what every logger and every exception says, at every level.

A service with a distinctive secret access key and session token (DynamoDB Local checks
no signature, only that the key id looks like one) runs every operation, on success and
on every failure path the proxy can provoke, while the root logger captures every record
of every logger at DEBUG. No record, no exception (``str``, ``repr``, traceback) may hold
the secret or the token, nor any long piece of them; no record at INFO or above may hold
an attribute value of an item.
"""

from __future__ import annotations

import logging
import traceback
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from botocore.exceptions import (
    ChecksumError,
    ClientError,
    ConnectionClosedError,
    ReadTimeoutError,
)
from mypy_boto3_dynamodb import DynamoDBClient
from pydantic import ValidationError

from integration_tests.adversarial.conftest import (
    Made,
    close_all,
    drop_table_directly,
    service_logger,
    service_of,
)
from integration_tests.adversarial.proxy import FaultProxy
from integration_tests.support import (
    ATTRIBUTES,
    KEY_SCHEMA,
    make_config,
    sends_lean,
    unique_table_name,
)
from src.services.dynamodb.dynamodb_models import (
    ConditionCheck,
    DynamoDBConfig,
    Get,
    Put,
    UnprocessedItemsError,
    UnprocessedKeysError,
    Update,
)
from src.services.dynamodb.dynamodb_service import DynamoDBService

ACCESS_KEY_ID = "AKIAIOSFODNN7PRIVACY"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzQ8uSECRETx"
TOKEN = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQDTOKENsessionZ9"
WINDOW = 10
"""A leak is any run of this many characters of the secret or the token."""


def pieces(secret: str) -> set[str]:
    return {secret[i : i + WINDOW] for i in range(len(secret) - WINDOW + 1)}


SECRET_PIECES = pieces(SECRET) | pieces(TOKEN)
WIRE_LOGGER = "src.services.dynamodb._wire"
"""The lean wire path's loggers are under this name."""


def leaks(text: str) -> bool:
    """Whether ``text`` holds the secret, the token, or any WINDOW-long piece of either."""
    return any(piece in text for piece in SECRET_PIECES)


class Values:
    """Distinctive attribute values, remembered so that logs can be searched for them."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def __call__(self, name: str) -> str:
        value = f"PRIVATE-VALUE-123-{name}-{uuid.uuid4().hex[:8]}"
        self.used.add(value)
        return value

    def number(self) -> int:
        value = 900_000_000 + len(self.used) * 7_919
        self.used.add(str(value))
        return value


def exception_text(error: BaseException) -> str:
    """Everything an exception can show: ``str``, ``repr`` and the formatted traceback."""
    formatted = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    return "\n".join([str(error), repr(error), formatted])


def record_text(record: logging.LogRecord) -> str:
    """Everything a handler or a JSON formatter can show of a record, extras included."""
    parts = [record.getMessage(), repr(vars(record))]
    if record.exc_info and record.exc_info[1] is not None:
        parts.append(exception_text(record.exc_info[1]))
    return "\n".join(parts)


def wire_records(records: list[logging.LogRecord], values: set[str]) -> list[logging.LogRecord]:
    """The lean wire path's records, each checked to show no value, at any level (DEBUG too)."""
    wire = [record for record in records if record.name.startswith(WIRE_LOGGER)]
    for record in wire:
        text = record_text(record)
        shown = [value for value in values if value in text]
        assert not shown, f"{record.name} {record.levelname} shows {shown}: {text[:2000]}"
    return wire


def assert_private(
    records: list[logging.LogRecord], errors: list[BaseException], values: set[str]
) -> None:
    """No record or exception leaks a secret; no INFO+ record holds an item's value."""
    for record in records:
        text = record_text(record)
        assert not leaks(text), f"{record.name} {record.levelname} leaks a secret: {text[:2000]}"
        if record.levelno >= logging.INFO:
            shown = [value for value in values if value in text]
            assert not shown, f"{record.name} {record.levelname} shows {shown}: {text[:2000]}"
    for error in errors:
        text = exception_text(error)
        assert not leaks(text), f"{type(error).__name__} leaks a secret: {text[:2000]}"


@pytest.fixture
def everything(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Capture every record of every logger at DEBUG (the root logger at DEBUG)."""
    caplog.set_level(logging.DEBUG)
    service_logger()
    yield caplog


def secret_config(endpoint_url: str, table: str, read_timeout: float) -> DynamoDBConfig:
    """The distinctive credentials, on ``endpoint_url``, with ``table`` as the default."""
    return make_config(
        endpoint_url,
        aws_access_key_id=ACCESS_KEY_ID,
        aws_secret_access_key=SECRET,
        aws_session_token=TOKEN,
        default_table_name=table,
        connect_timeout_seconds=1.0,
        read_timeout_seconds=read_timeout,
        max_attempts=2,
    )


@pytest.fixture
def secret_service(proxy: FaultProxy, table: str, twin: str) -> Iterator[DynamoDBService]:
    """A service of ``twin`` through the proxy with distinctive credentials."""
    made: Made = []
    try:
        yield service_of(twin, secret_config(proxy.endpoint_url, table, read_timeout=10.0), made)
    finally:
        close_all(made)


@pytest.fixture
def hasty_secret_service(proxy: FaultProxy, table: str, twin: str) -> Iterator[DynamoDBService]:
    """The same credentials with a 0.5 s read timeout, for the hanging endpoint."""
    made: Made = []
    try:
        yield service_of(twin, secret_config(proxy.endpoint_url, table, 0.5), made)
    finally:
        close_all(made)


def test_every_operation_that_succeeds_keeps_secrets_and_values_out_of_logs(
    everything: pytest.LogCaptureFixture,
    secret_service: DynamoDBService,
    proxy: FaultProxy,
    direct: DynamoDBClient,
    table: str,
) -> None:
    # GIVEN a service with distinctive credentials and items of distinctive values
    service, v = secret_service, Values()
    pk, sk = v("pk"), v.number()
    other = unique_table_name("privacy-other")
    # WHEN every operation runs and succeeds
    try:
        assert service.ping() is True
        assert table in service.list_tables()
        service.create_table(other, KEY_SCHEMA, ATTRIBUTES)
        assert service.table_exists(other) is True
        service.put_item({"pk": pk, "sk": sk, "v": v("put"), "m": {"x": [v("deep")]}})
        assert service.get_item({"pk": pk, "sk": sk}) is not None
        service.update_item(
            {"pk": pk, "sk": sk},
            "SET #n = :n",
            {":n": v("update")},
            condition_expression="attribute_exists(pk)",
            expression_attribute_names={"#n": "name"},
        )
        assert len(service.query("pk = :p", {":p": pk}, consistent_read=True)) == 1
        assert len(service.scan("v = :v", {":v": v("filter")})) == 0
        assert len(service.scan(segments=3)) == 1
        assert len(list(service.iter_query("pk = :p", {":p": pk}, limit=1))) == 1
        batch = [{"pk": v("batch"), "sk": v.number(), "s": {v("set")}} for _ in range(30)]
        service.batch_write_items(batch)
        keys = [{"pk": item["pk"], "sk": item["sk"]} for item in batch]
        assert len(service.batch_get_items(keys)) == 30
        tx_key = {"pk": v("tx"), "sk": v.number()}
        service.transact_write_items(
            [
                Put({**tx_key, "v": v("tx-put")}),
                Update(keys[0], "SET w = :w", {":w": v("tx-update")}),
                ConditionCheck({"pk": pk, "sk": sk}, "attribute_exists(pk)"),
            ],
            client_request_token=str(uuid.uuid4()),
        )
        assert service.transact_get_items([Get(tx_key), Get(keys[1])])[0] is not None
        service.execute_statement(
            f"INSERT INTO \"{table}\" VALUE {{'pk': ?, 'sk': ?, 'v': ?}}",
            [v("partiql-pk"), v.number(), v("partiql")],
        )
        assert service.execute_statement(f'SELECT * FROM "{table}" WHERE pk = ?', [pk])
        service.delete_item({"pk": pk, "sk": sk})
        service.delete_table(other)
    finally:
        drop_table_directly(direct, other)
    # THEN no record leaks a secret, and none at INFO or above shows a value
    assert_private(everything.records, [], v.used)
    # AND the capture is real: DEBUG records of botocore show the key id, and the signed
    # request was logged with the token blanked out (the table calls go by botocore on
    # either transport)
    debug = "\n".join(r.getMessage() for r in everything.records if r.levelno == logging.DEBUG)
    assert ACCESS_KEY_ID in debug
    assert "**********" in debug
    if not sends_lean(service):
        # AND botocore's DEBUG records show the values of the data-plane calls it sent
        # (botocore's own logging, which the lean path bypasses)
        assert pk in debug
    else:
        # AND the lean path's own records (DEBUG included) show no value: a throttled read
        # makes it log its retry, which the capture holds
        proxy.throttle(1, operation="GetItem")
        assert service.get_item({"pk": v("lean-pk"), "sk": v.number()}) is None
        wire = wire_records(everything.records, v.used)
        assert any(r.levelno == logging.DEBUG and "GetItem" in r.getMessage() for r in wire)
        assert_private(everything.records, [], v.used)
    # AND every operation ran and reported at INFO
    done = {r.__dict__.get("operation") for r in everything.records if r.levelno == logging.INFO}
    assert done >= {
        "ping",
        "list_tables",
        "create_table",
        "table_exists",
        "put_item",
        "get_item",
        "update_item",
        "query",
        "scan",
        "batch_write_items",
        "batch_get_items",
        "transact_write_items",
        "transact_get_items",
        "execute_statement",
        "delete_item",
        "delete_table",
    }


Errors = type[BaseException] | tuple[type[BaseException], ...]


@dataclass(frozen=True)
class Failure:
    """One failure path: the fault to set on the proxy first, the call, what it raises."""

    what: str
    call: Callable[[], object]
    error: Errors
    fault: Callable[[FaultProxy], None] | None = None


def failures(
    service: DynamoDBService, hasty: DynamoDBService, v: Values, table: str
) -> list[Failure]:
    """Every failure path of the service, each with distinctive values in it."""
    pk, sk = v("pk"), v.number()
    service.put_item({"pk": pk, "sk": sk, "v": v("existing")})
    key = {"pk": pk, "sk": sk}
    errors = service.client.exceptions
    return [
        Failure(
            "conditional put",
            lambda: service.put_item(
                {**key, "v": v("refused")}, condition_expression="attribute_not_exists(pk)"
            ),
            errors.ConditionalCheckFailedException,
        ),
        Failure(
            "conditional delete with values",
            lambda: service.delete_item(
                key, condition_expression="v = :v", expression_attribute_values={":v": v("no")}
            ),
            errors.ConditionalCheckFailedException,
        ),
        Failure(
            "transaction cancelled",
            lambda: service.transact_write_items(
                [
                    Put({"pk": v("tx"), "sk": v.number(), "v": v("tx-v")}),
                    ConditionCheck(key, "v = :v", {":v": v("not-it")}),
                ]
            ),
            errors.TransactionCanceledException,
        ),
        Failure(
            "throttled",
            lambda: service.get_item(key),
            errors.ProvisionedThroughputExceededException,
            lambda proxy: proxy.throttle(2),
        ),
        Failure(
            "server errors",
            lambda: service.put_item({**key, "v": v("500")}),
            errors.InternalServerError,
            lambda proxy: proxy.server_errors(2),
        ),
        Failure(
            "hang: ping",
            lambda: _raise_if_false(hasty.ping()),
            RuntimeError,
            lambda proxy: proxy.hang(2),
        ),
        Failure(
            "hang: get",
            lambda: hasty.get_item({"pk": v("hung"), "sk": 1}),
            ReadTimeoutError,
            lambda proxy: proxy.hang(2),
        ),
        Failure(
            "cut response",
            lambda: service.query("pk = :p", {":p": pk}),
            (ChecksumError, ConnectionClosedError),
            lambda proxy: proxy.drop_mid_response(2),
        ),
        Failure(
            "key of the wrong type",
            lambda: service.get_item({"pk": v("pk-typed"), "sk": v("sk-as-str")}),
            ClientError,
        ),
        Failure(
            "item too large",
            lambda: service.put_item({"pk": v("big"), "sk": 1, "v": v("big") * 20_000}),
            ClientError,
        ),
        Failure(
            "malformed update",
            lambda: service.update_item(key, "SET = :v", {":v": v("malformed")}),
            ClientError,
        ),
        Failure(
            "nan",
            lambda: service.put_item({"pk": v("nan"), "sk": 1, "f": float("nan")}),
            ValueError,
        ),
        Failure(
            "unsupported type",
            lambda: service.put_item({"pk": v("obj"), "sk": 1, "o": object()}),
            TypeError,
        ),
        Failure(
            "unused expression value",
            lambda: service.update_item(key, "SET a = :a", {":a": v("a"), ":b": v("unused")}),
            ValueError,
        ),
        Failure(
            "duplicate batch keys",
            lambda: service.batch_write_items([{**key, "v": v("d1")}, {**key, "v": v("d2")}]),
            ValueError,
        ),
        Failure(
            "unprocessed items",
            lambda: service.batch_write_items([{"pk": v("unprocessed"), "sk": 2}]),
            UnprocessedItemsError,
            lambda proxy: proxy.withhold_items(lambda wire: True),
        ),
        Failure(
            "unprocessed keys",
            lambda: service.batch_get_items([key, {"pk": v("unread"), "sk": 3}]),
            UnprocessedKeysError,
            lambda proxy: proxy.withhold_keys(lambda wire: True),
        ),
        Failure(
            "missing table",
            lambda: service.put_item({"pk": v("nowhere"), "sk": 1}, table + "-missing"),
            errors.ResourceNotFoundException,
        ),
        Failure(
            "malformed statement",
            lambda: service.execute_statement(
                f'SELECT * FROM "{table}" WHERE pk = ? AND', [v("parameter")]
            ),
            ClientError,
        ),
    ]


def _raise_if_false(answer: bool) -> None:
    if not answer:
        raise RuntimeError("ping answered False")


def test_every_failure_path_keeps_secrets_out_of_logs_and_exceptions(
    everything: pytest.LogCaptureFixture,
    secret_service: DynamoDBService,
    hasty_secret_service: DynamoDBService,
    proxy: FaultProxy,
    table: str,
) -> None:
    # GIVEN a service with distinctive credentials, and every way a call can fail
    v = Values()
    paths = failures(secret_service, hasty_secret_service, v, table)
    raised: list[BaseException] = []
    # WHEN each fails
    for path in paths:
        if path.fault is not None:
            path.fault(proxy)
        with pytest.raises(path.error) as failure:
            path.call()
        raised.append(failure.value)
        proxy.reset()
        assert not leaks(exception_text(failure.value)), path.what
    # THEN no record and no exception leaks a secret; no INFO+ record shows a value
    assert_private(everything.records, raised, v.used)
    # AND no record of the lean path shows a value, DEBUG included (when it sends, it
    # logged its retries of the throttled, failed, hung and cut calls)
    wire = wire_records(everything.records, v.used)
    if sends_lean(secret_service):
        assert wire
    # AND every failure was logged at ERROR by the service (the ping's included)
    errors = [r for r in everything.records if r.levelno >= logging.ERROR]
    assert len(errors) == len(paths)


def test_a_failed_statement_does_not_log_the_values_written_into_it_at_error(
    everything: pytest.LogCaptureFixture, secret_service: DynamoDBService, table: str
) -> None:
    # GIVEN a PartiQL statement with a value written into its text (legal PartiQL)
    value = Values()("inlined")
    statement = f"SELECT * FROM \"{table}\" WHERE pk = '{value}' AND"
    # WHEN DynamoDB refuses it as malformed
    with pytest.raises(ClientError, match="ValidationException"):
        secret_service.execute_statement(statement)
    # THEN the ERROR record does not show the value (DynamoDB's message echoes the statement)
    assert_private(everything.records, [], {value})


@pytest.mark.parametrize(
    "settings",
    [
        {"aws_secret_access_key": SECRET},
        {"aws_session_token": TOKEN},
        {"aws_access_key_id": ACCESS_KEY_ID, "aws_session_token": TOKEN},
        {"aws_access_key_id": ACCESS_KEY_ID, "aws_secret_access_key": [SECRET]},
        {
            "region_name": "nowhere",
            "aws_access_key_id": ACCESS_KEY_ID,
            "aws_secret_access_key": SECRET,
            "aws_session_token": TOKEN,
        },
    ],
    ids=["secret-alone", "token-alone", "token-without-secret", "secret-not-a-str", "bad-region"],
)
def test_a_refused_config_does_not_echo_the_secrets(settings: dict[str, Any]) -> None:
    # GIVEN credentials the config refuses (or a bad field beside good credentials)
    # WHEN the config is made
    with pytest.raises(ValidationError) as raised:
        DynamoDBConfig(**{"region_name": "us-east-1", **settings})
    # THEN the error (str, repr, traceback) does not echo the secret or the token
    assert not leaks(exception_text(raised.value)), str(raised.value)


def test_an_accepted_config_and_its_service_do_not_show_the_secrets() -> None:
    # GIVEN a config with the credentials, and a service on it
    config = make_config(
        "http://127.0.0.1:9",
        aws_access_key_id=ACCESS_KEY_ID,
        aws_secret_access_key=SECRET,
        aws_session_token=TOKEN,
    )
    with DynamoDBService(logger=service_logger(), config=config) as service:
        # WHEN they are printed, dumped or represented  THEN the secrets are not there
        for text in (repr(config), str(config), config.model_dump_json(), repr(service)):
            assert not leaks(text), text
        assert not leaks(repr(config.model_dump()))
