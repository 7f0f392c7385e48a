"""Fast reads under faults: damaged bodies, throttling and missing tables, both twins.

With ``fast_reads`` on, a successful read's body is parsed by orjson in a
``before-parse`` hook instead of botocore's parser. The contract says retries, CRC32
checks and errors behave exactly as before: a body damaged in place (same length,
still valid JSON, saying something else) must still be caught by the CRC, retried
while attempts are left and raised as ``ChecksumError`` on the last one; a throttled
read is retried to success; a missing table is botocore's modelled exception.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from botocore.exceptions import ChecksumError, ClientError
from mypy_boto3_dynamodb import DynamoDBClient

from integration_tests.adversarial.conftest import READS as ALL_READS
from integration_tests.adversarial.conftest import SLACK_SECONDS, Read
from integration_tests.adversarial.proxy import FaultProxy
from integration_tests.support import ServiceFactory, sends_lean, unique_table_name
from src.services.dynamodb import _fastread
from src.services.dynamodb.dynamodb_models import Get
from src.services.dynamodb.dynamodb_service import DynamoDBService

READS = {name: ALL_READS[name] for name in ("get_item", "query", "batch_get_items")}
"""The reads the damaged-body and throttling cases run: (botocore operation, call)."""

MISSING_TABLE_READS: dict[str, Read] = {
    **{name: call for name, (_, call) in READS.items()},
    "scan": lambda s, t: s.scan(table_name=t),
    "query_page": lambda s, t: s.query_page("pk = :p", {":p": "p"}, t),
    "transact_get_items": lambda s, t: s.transact_get_items([Get({"pk": "p", "sk": 1}, t)]),
    "execute_statement": lambda s, t: s.execute_statement(
        f'SELECT * FROM "{t}" WHERE pk = ?', ["p"]
    ),
    "update_item": lambda s, t: s.update_item({"pk": "p", "sk": 1}, "SET v = :v", {":v": 1}, t),
}

Parsed = list[tuple[str, int, bool]]
"""Per response: (operation, HTTP status, whether the fast parser took its body)."""


def watch_parsing(service: DynamoDBService) -> Parsed:
    """Record, for every read response that reaches botocore from now on, who parsed it.

    Registered after the service's own hook and on the less specific event, this runs
    after the fast parser: a body it took is empty by then. The lean wire path reads
    its responses itself: none of them comes here.
    """
    seen: Parsed = []

    def record(response_dict: dict[str, Any], operation_model: Any, **_: Any) -> None:
        if operation_model.name in _fastread.READ_OPERATIONS:
            seen.append(
                (operation_model.name, response_dict["status_code"], not response_dict["body"])
            )

    service.client.meta.events.register("before-parse.dynamodb", record)
    return seen


def seed(direct: DynamoDBClient, table: str) -> None:
    """20 items of partition ``p`` with a string, a set, a map and a number each."""
    answer = direct.batch_write_item(
        RequestItems={
            table: [
                {
                    "PutRequest": {
                        "Item": {
                            "pk": {"S": "p"},
                            "sk": {"N": str(sk)},
                            "v": {"S": f"value-{sk}"},
                            "tags": {"SS": ["a", f"t{sk}"]},
                            "m": {"M": {"deep": {"L": [{"N": "1.5"}, {"B": b"bytes"}]}}},
                        }
                    }
                }
                for sk in range(20)
            ]
        }
    )
    assert not answer["UnprocessedItems"], "DynamoDB Local left a seed write unprocessed"


@pytest.mark.parametrize("read", list(READS))
def test_a_body_damaged_in_place_is_retried_while_attempts_last_then_a_checksum_error(
    proxy: FaultProxy,
    service_via_proxy: ServiceFactory,
    direct: DynamoDBClient,
    table: str,
    read: str,
) -> None:
    # GIVEN 20 stored items and the full answer of the read through the proxy, unfaulted
    seed(direct, table)
    operation, call = READS[read]
    expected = call(service_via_proxy(fast_reads=True), table)
    assert expected not in (None, [])
    # (attempts, damaged responses): fewer damaged than attempts must give the full answer
    for attempts, damaged in [(1, 1), (2, 1), (2, 2)]:
        service = service_via_proxy(max_attempts=attempts, fast_reads=True)
        parsed = watch_parsing(service)
        proxy.clear_requests()
        # WHEN the read meets `damaged` responses with letters changed, length and JSON kept
        proxy.corrupt_body(damaged, operation=operation)
        started = time.monotonic()
        try:
            result = call(service, table)
        except ChecksumError as error:
            # THEN, with no attempt left, the CRC mismatch is raised: never the wrong answer
            assert damaged >= attempts, f"{attempts} attempts, {damaged} damaged: {error!r}"
        else:
            # THEN, with an attempt left, botocore retried and the answer is the full one
            assert damaged < attempts, f"{attempts} attempts, {damaged} damaged: {result!r}"
            assert result == expected
        assert proxy.count(operation) == attempts
        # AND every response, damaged or not, went to the fast parser (on the lean path,
        # which reads every response itself, none reached botocore's parser)
        assert parsed == ([] if sends_lean(service) else [(operation, 200, True)] * attempts)
        assert time.monotonic() - started < 1.0 + SLACK_SECONDS
        proxy.reset()


@pytest.mark.parametrize("read", list(READS))
def test_a_throttled_fast_read_is_retried_to_success_below_max_attempts(
    proxy: FaultProxy,
    service_via_proxy: ServiceFactory,
    direct: DynamoDBClient,
    table: str,
    read: str,
) -> None:
    # GIVEN 20 stored items, the unfaulted answer, and 2 throttling errors on the read
    seed(direct, table)
    operation, call = READS[read]
    expected = call(service_via_proxy(fast_reads=True), table)
    service = service_via_proxy(max_attempts=3, fast_reads=True)
    parsed = watch_parsing(service)
    proxy.clear_requests()
    proxy.throttle(2, operation=operation)
    # WHEN it is read with 3 attempts allowed
    started = time.monotonic()
    result = call(service, table)
    # THEN botocore retried through the throttling and the answer is the full one
    assert result == expected
    assert proxy.count(operation) == 3
    # AND the errors went through botocore's parser, the success through the fast one (on
    # the lean path, which reads every response itself, none reached botocore's parser)
    botocore_parsed = [(operation, 400, False), (operation, 400, False), (operation, 200, True)]
    assert parsed == ([] if sends_lean(service) else botocore_parsed)
    # AND the backoff stayed bounded (throttling: up to 1 s, then up to 2 s)
    assert time.monotonic() - started < 3.0 + SLACK_SECONDS


@pytest.mark.parametrize("read", list(MISSING_TABLE_READS))
def test_a_fast_read_of_a_missing_table_is_resource_not_found(
    proxy: FaultProxy, service_via_proxy: ServiceFactory, read: str
) -> None:
    # GIVEN a service with fast reads, and a table name nobody made
    service = service_via_proxy(fast_reads=True)
    missing = unique_table_name("missing", "adv")
    # WHEN it is read
    with pytest.raises(service.exceptions.ResourceNotFoundException) as raised:
        MISSING_TABLE_READS[read](service, missing)
    # THEN botocore's modelled exception came through unchanged, from one request
    error: ClientError = raised.value
    assert error.response["Error"]["Code"] == "ResourceNotFoundException"
    assert error.response["ResponseMetadata"]["RetryAttempts"] == 0
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert len(proxy.requests) == 1
