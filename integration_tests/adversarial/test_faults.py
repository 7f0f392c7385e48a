"""The service against a misbehaving server: partial batches, throttling, 500s, hangs, cuts.

Every fault is injected by ``FaultProxy`` between the service and DynamoDB Local; what
ended up in the table is read back directly, never through the proxy or the service.
Every test measures its own time, so a hang fails a bound instead of the run.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import (
    ChecksumError,
    ClientError,
    ConnectionClosedError,
    ReadTimeoutError,
)
from mypy_boto3_dynamodb import DynamoDBClient

from integration_tests.adversarial.conftest import (
    LOGGER_NAME,
    READS,
    SLACK_SECONDS,
    stored_items,
    stored_keys,
)
from integration_tests.adversarial.proxy import FaultProxy, Wire
from integration_tests.support import ServiceFactory
from src.services.dynamodb import _batching
from src.services.dynamodb.dynamodb_models import (
    Item,
    UnprocessedItemsError,
    UnprocessedKeysError,
)

ROUNDS = _batching.RESEND_ROUNDS
# The most a batch that never goes through may sleep: 50 ms doubling, capped at 1 s.
MAX_BACKOFF_SECONDS = sum(
    min(_batching.MAX_DELAY_SECONDS, _batching.BASE_DELAY_SECONDS * 2.0**r) for r in range(ROUNDS)
)


def make_items(count: int, pk: str = "p") -> list[Item]:
    """``count`` items of one partition, ``sk`` 0..count-1, each with a payload."""
    return [
        {"pk": pk, "sk": sk, "v": f"value-{sk}", "tags": {"a", f"t{sk}"}} for sk in range(count)
    ]


def key_of(item: Item) -> dict[str, Any]:
    return {"pk": item["pk"], "sk": item["sk"]}


def sk_in(*sks: int) -> Callable[[Wire], bool]:
    """A proxy predicate on wire items or keys: their ``sk`` is one of ``sks``."""
    wanted = {str(sk) for sk in sks}
    return lambda wire: wire["sk"]["N"] in wanted


def seed(direct: DynamoDBClient, table: str, items: list[Item]) -> None:
    """Write items straight into DynamoDB Local, bypassing proxy and service."""
    for start in range(0, len(items), 25):
        answer = direct.batch_write_item(
            RequestItems={
                table: [
                    {
                        "PutRequest": {
                            "Item": {
                                "pk": {"S": item["pk"]},
                                "sk": {"N": str(item["sk"])},
                                "v": {"S": item["v"]},
                                "tags": {"SS": sorted(item["tags"])},
                            }
                        }
                    }
                    for item in items[start : start + 25]
                ]
            }
        )
        assert not answer["UnprocessedItems"], "DynamoDB Local left a seed write unprocessed"


def by_key(items: list[Item]) -> list[Item]:
    return sorted(items, key=lambda item: (str(item["pk"]), int(item["sk"])))


# -- partial batches ----------------------------------------------------------------------


def test_partial_batch_writes_are_resent_until_every_item_is_written(
    proxy: FaultProxy, service_via_proxy: ServiceFactory, direct: DynamoDBClient, table: str
) -> None:
    # GIVEN a proxy answering the next 3 BatchWriteItem calls with half their writes unprocessed
    proxy.unprocessed_writes(3, 0.5)
    service = service_via_proxy()
    items = make_items(60)
    # WHEN 60 items (3 requests of at most 25) are written, with the real backoff
    started = time.monotonic()
    service.batch_write_items(items, table)
    elapsed = time.monotonic() - started
    # THEN every item is in the table, whole, read back directly
    assert by_key(stored_items(direct, table)) == items
    # AND the 3 requests' leftovers (12 + 12 + 5) went again together, in 2 requests
    assert proxy.count("BatchWriteItem") == 3 + 2
    # AND one round of backoff (at most 50 ms) kept it quick
    assert elapsed < 0.05 + SLACK_SECONDS


def test_partial_batch_reads_are_resent_until_every_key_is_read(
    proxy: FaultProxy, service_via_proxy: ServiceFactory, direct: DynamoDBClient, table: str
) -> None:
    # GIVEN 150 stored items and a proxy withholding half the keys of the next 3 BatchGetItems
    items = make_items(150)
    seed(direct, table, items)
    proxy.unprocessed_reads(3, 0.5)
    service = service_via_proxy()
    # WHEN every key is read, in reverse order (2 requests of at most 100)
    keys = [key_of(item) for item in reversed(items)]
    found = service.batch_get_items(keys, table)
    # THEN every item is returned, whole, in the order of the keys
    assert found == list(reversed(items))
    # AND the leftovers of both (50 + 25) went again in one request, itself half withheld
    assert proxy.count("BatchGetItem") == 2 + 1 + 1


def test_a_batch_withheld_for_every_round_but_the_last_is_written_with_bounded_backoff(
    proxy: FaultProxy, service_via_proxy: ServiceFactory, direct: DynamoDBClient, table: str
) -> None:
    # GIVEN a proxy refusing every write of the next RESEND_ROUNDS requests (real sleep)
    proxy.unprocessed_writes(ROUNDS, 1.0)
    service = service_via_proxy()
    items = make_items(10)
    # WHEN the items are written
    started = time.monotonic()
    service.batch_write_items(items, table)
    elapsed = time.monotonic() - started
    # THEN the last resend round wrote them all, within the bounded backoff
    assert by_key(stored_items(direct, table)) == items
    assert proxy.count("BatchWriteItem") == ROUNDS + 1
    assert elapsed < MAX_BACKOFF_SECONDS + SLACK_SECONDS


def test_a_batch_withheld_one_round_too_many_raises_with_every_item_and_can_be_resent(
    proxy: FaultProxy, service_via_proxy: ServiceFactory, direct: DynamoDBClient, table: str
) -> None:
    # GIVEN a proxy refusing every write of the next RESEND_ROUNDS + 1 requests
    proxy.unprocessed_writes(ROUNDS + 1, 1.0)
    service = service_via_proxy()
    items = make_items(10)
    # WHEN the items are written
    with pytest.raises(UnprocessedItemsError) as raised:
        service.batch_write_items(items, table)
    # THEN the error carries every item, as the caller's own dicts, and nothing was written
    assert raised.value.unprocessed == items
    assert all(a is b for a, b in zip(raised.value.unprocessed, items, strict=True))
    assert stored_items(direct, table) == []
    assert proxy.count("BatchWriteItem") == ROUNDS + 1
    # AND resending exactly what it carries writes everything
    service.batch_write_items(raised.value.unprocessed, table)
    assert by_key(stored_items(direct, table)) == items


def test_permanently_withheld_writes_raise_in_bounded_real_time_carrying_exactly_them(
    proxy: FaultProxy,
    service_via_proxy: ServiceFactory,
    direct: DynamoDBClient,
    table: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # GIVEN a proxy that never lets two items of the last request through (real sleep)
    proxy.withhold_items(sk_in(52, 57))
    service = service_via_proxy()
    items = make_items(60)
    # WHEN the 60 items are written
    started = time.monotonic()
    with caplog.at_level(logging.DEBUG), pytest.raises(UnprocessedItemsError) as raised:
        service.batch_write_items(items, table)
    elapsed = time.monotonic() - started
    # THEN it gave up within the bounded backoff (~4.55 s at most), after every resend round
    assert elapsed < MAX_BACKOFF_SECONDS + SLACK_SECONDS
    assert proxy.count("BatchWriteItem") == 3 + ROUNDS
    # AND the error carries exactly the withheld items, as the caller's dicts
    assert raised.value.unprocessed == [items[52], items[57]]
    assert raised.value.unprocessed[0] is items[52]
    assert "2 of 60 items" in str(raised.value)
    # AND every other item is in the table
    assert stored_keys(direct, table) == {("p", sk) for sk in range(60)} - {("p", 52), ("p", 57)}
    # AND the failure was logged once at ERROR
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.name for r in errors] == [LOGGER_NAME]
    assert "batch_write_items" in errors[0].getMessage()


@pytest.mark.parametrize("concurrency", [1, 4])
def test_a_hot_partition_does_not_stop_the_rest_of_a_batch_write(
    proxy: FaultProxy,
    service_via_proxy: ServiceFactory,
    direct: DynamoDBClient,
    table: str,
    concurrency: int,
) -> None:
    # GIVEN a proxy that never lets 5 items through, each in a different request of 25
    stuck = (10, 70, 130, 190, 250)
    proxy.withhold_items(sk_in(*stuck))
    service = service_via_proxy()
    items = make_items(300)
    # WHEN 300 items are written
    started = time.monotonic()
    with pytest.raises(UnprocessedItemsError) as raised:
        service.batch_write_items(items, table, concurrency=concurrency)
    elapsed = time.monotonic() - started
    # THEN every other item is written: the stuck ones held nothing back
    assert stored_keys(direct, table) == {("p", sk) for sk in range(300) if sk not in stuck}
    # AND the error carries exactly the stuck items, in the order given
    assert raised.value.unprocessed == [items[sk] for sk in stuck]
    # AND 12 requests, then one request a round for the 5 leftovers, within the time bound
    assert proxy.count("BatchWriteItem") == 12 + ROUNDS
    assert elapsed < MAX_BACKOFF_SECONDS + SLACK_SECONDS


def test_a_hot_partition_does_not_stop_the_rest_of_a_batch_read(
    proxy: FaultProxy, service_via_proxy: ServiceFactory, direct: DynamoDBClient, table: str
) -> None:
    # GIVEN 300 stored items and a proxy that never lets 5 keys through, in 3 requests
    items = make_items(300)
    seed(direct, table, items)
    stuck = (10, 70, 130, 190, 250)
    proxy.withhold_keys(sk_in(*stuck))
    service = service_via_proxy()
    keys = [key_of(item) for item in items]
    # WHEN every key is read
    started = time.monotonic()
    with pytest.raises(UnprocessedKeysError) as raised:
        service.batch_get_items(keys, table, concurrency=3)
    elapsed = time.monotonic() - started
    # THEN the error carries exactly the stuck keys in order, and every other item found
    assert raised.value.unprocessed == [keys[sk] for sk in stuck]
    assert raised.value.found == [item for item in items if item["sk"] not in stuck]
    assert proxy.count("BatchGetItem") == 3 + ROUNDS
    assert elapsed < MAX_BACKOFF_SECONDS + SLACK_SECONDS


def test_a_batch_stuck_whole_gives_up_in_bounded_time_with_every_item(
    proxy: FaultProxy, service_via_proxy: ServiceFactory, direct: DynamoDBClient, table: str
) -> None:
    # GIVEN a proxy that never lets any write through
    proxy.withhold_items(lambda item: True)
    service = service_via_proxy()
    items = make_items(300)
    # WHEN 300 items are written
    started = time.monotonic()
    with pytest.raises(UnprocessedItemsError) as raised:
        service.batch_write_items(items, table, concurrency=4)
    elapsed = time.monotonic() - started
    # THEN it gave up after every round, in bounded time, carrying every item in order
    assert raised.value.unprocessed == items
    assert stored_items(direct, table) == []
    assert proxy.count("BatchWriteItem") == 12 * (1 + ROUNDS)
    assert elapsed < MAX_BACKOFF_SECONDS + 2 * SLACK_SECONDS


def test_permanently_withheld_keys_raise_carrying_exactly_them_and_what_was_found(
    proxy: FaultProxy, service_via_proxy: ServiceFactory, direct: DynamoDBClient, table: str
) -> None:
    # GIVEN 150 stored items and a proxy that never lets keys 120 and 140 through
    items = make_items(150)
    seed(direct, table, items)
    proxy.withhold_keys(sk_in(120, 140))
    service = service_via_proxy()
    keys = [key_of(item) for item in items]
    # WHEN every key is read (key 120 asked twice: duplicates are read once)
    started = time.monotonic()
    with pytest.raises(UnprocessedKeysError) as raised:
        service.batch_get_items([*keys, keys[120]], table)
    # THEN it gave up after every resend round, in bounded time
    assert time.monotonic() - started < MAX_BACKOFF_SECONDS + SLACK_SECONDS
    assert proxy.count("BatchGetItem") == 2 + ROUNDS
    # AND the error carries exactly the withheld keys (the caller's dicts) and the others found
    assert raised.value.unprocessed == [keys[120], keys[140]]
    assert raised.value.unprocessed[0] is keys[120]
    assert raised.value.found == [item for item in items if item["sk"] not in (120, 140)]


# -- throttling and server errors -----------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "attempts"),
    [("throttle", 2), ("server_errors", 2), ("server_errors", 3)],
)
def test_transient_errors_below_max_attempts_are_retried_to_success(
    proxy: FaultProxy,
    service_via_proxy: ServiceFactory,
    direct: DynamoDBClient,
    table: str,
    fault: str,
    attempts: int,
) -> None:
    # GIVEN max_attempts - 1 injected errors on PutItem
    getattr(proxy, fault)(attempts - 1, operation="PutItem")
    service = service_via_proxy(max_attempts=attempts)
    # WHEN an item is put
    started = time.monotonic()
    service.put_item({"pk": "p", "sk": 1, "v": "x"}, table)
    # THEN botocore retried it through: max_attempts requests, the item is there
    assert proxy.count("PutItem") == attempts
    assert stored_keys(direct, table) == {("p", 1)}
    # AND the retries' backoff stayed bounded (throttling: at most 1 s; others: 25, 50 ms)
    assert time.monotonic() - started < 1.0 + SLACK_SECONDS


@pytest.mark.parametrize(
    ("fault", "attempts", "code", "status"),
    [
        ("throttle", 2, "ProvisionedThroughputExceededException", 400),
        ("throttle", 1, "ProvisionedThroughputExceededException", 400),
        ("server_errors", 3, "InternalServerError", 500),
    ],
)
def test_transient_errors_at_max_attempts_surface_unchanged_and_are_logged_once(
    proxy: FaultProxy,
    service_via_proxy: ServiceFactory,
    table: str,
    caplog: pytest.LogCaptureFixture,
    fault: str,
    attempts: int,
    code: str,
    status: int,
) -> None:
    # GIVEN as many injected errors on GetItem as the service makes attempts
    getattr(proxy, fault)(attempts, operation="GetItem")
    service = service_via_proxy(max_attempts=attempts)
    # WHEN an item is read
    started = time.monotonic()
    with caplog.at_level(logging.DEBUG), pytest.raises(ClientError) as raised:
        service.get_item({"pk": "p", "sk": 1}, table)
    # THEN botocore's own modelled exception surfaces, after exactly max_attempts requests
    assert type(raised.value) is getattr(service.client.exceptions, code)
    assert raised.value.response["Error"]["Code"] == code
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert raised.value.response["ResponseMetadata"]["RetryAttempts"] == attempts - 1
    assert proxy.count("GetItem") == attempts
    assert time.monotonic() - started < 3.0 + SLACK_SECONDS
    # AND it was logged exactly once at ERROR, naming the operation, the table and the code
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert errors[0].name == LOGGER_NAME
    assert (errors[0].__dict__["operation"], errors[0].__dict__["table"]) == ("get_item", table)
    assert code in errors[0].getMessage()


# -- hangs ---------------------------------------------------------------------------------


def test_a_hanging_endpoint_makes_ping_false_and_calls_raise_in_bounded_time(
    proxy: FaultProxy,
    service_via_proxy: ServiceFactory,
    table: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # GIVEN an endpoint that accepts every request and never answers
    proxy.hang(None)
    service = service_via_proxy(
        connect_timeout_seconds=0.5, read_timeout_seconds=0.5, max_attempts=2
    )
    # about max_attempts x (connect + read), plus botocore's short backoff between attempts
    bound = 2 * (0.5 + 0.5) + 1.0
    # WHEN the service is pinged, once with its own timeouts, once with a shorter one
    started = time.monotonic()
    with caplog.at_level(logging.ERROR):
        answer = service.ping()
    # THEN it answers False after one attempt (a health check is never retried), logging once
    assert answer is False
    assert time.monotonic() - started < 0.5 + 0.5 + SLACK_SECONDS
    assert proxy.count("ListTables") == 1
    assert [r.levelno for r in caplog.records] == [logging.ERROR]
    started = time.monotonic()
    assert service.ping(timeout_seconds=0.2) is False
    assert time.monotonic() - started < 0.2 + 0.2 + SLACK_SECONDS
    assert proxy.count("ListTables") == 2
    # AND an operation raises botocore's read timeout within the same bound
    started = time.monotonic()
    with pytest.raises(ReadTimeoutError):
        service.get_item({"pk": "p", "sk": 1}, table)
    assert time.monotonic() - started < bound
    assert proxy.count("GetItem") == 2
    # AND once the endpoint answers again, the same service works
    proxy.reset()
    assert service.ping() is True


def test_a_hang_in_the_middle_of_a_batch_raises_in_bounded_time_leaving_the_rest_unsent(
    proxy: FaultProxy, service_via_proxy: ServiceFactory, direct: DynamoDBClient, table: str
) -> None:
    # GIVEN a service that has written a first batch, then an endpoint that stops answering
    service = service_via_proxy(read_timeout_seconds=0.5, max_attempts=2)
    service.batch_write_items(make_items(5, pk="before"), table)
    proxy.hang(None, operation="BatchWriteItem")
    # WHEN 60 more items are written
    started = time.monotonic()
    with pytest.raises(ReadTimeoutError):
        service.batch_write_items(make_items(60), table)
    # THEN the call raised within the bound, after max_attempts requests for the first chunk
    assert time.monotonic() - started < 2 * (0.5 + 0.5) + 1.0 + SLACK_SECONDS
    assert proxy.count("BatchWriteItem") == 1 + 2
    # AND none of the new items was written (the hung requests were never forwarded)
    assert stored_keys(direct, table) == {("before", sk) for sk in range(5)}


# -- responses cut mid-body ----------------------------------------------------------------

# (max_attempts, responses cut, cut by a TCP reset): fewer cuts than attempts must succeed
CUTS = [(2, 1, False), (1, 1, False), (2, 2, False), (2, 1, True), (1, 1, True)]


@pytest.mark.parametrize("read", list(READS))
def test_a_response_cut_mid_body_gives_the_full_result_or_raises_never_a_short_one(
    proxy: FaultProxy,
    service_via_proxy: ServiceFactory,
    direct: DynamoDBClient,
    table: str,
    read: str,
) -> None:
    # GIVEN 20 stored items and the full answer of the read, through the proxy, unfaulted
    seed(direct, table, make_items(20))
    operation, call = READS[read]
    expected = call(service_via_proxy(), table)
    assert expected not in (None, [])
    for attempts, cuts, reset in CUTS:
        service = service_via_proxy(max_attempts=attempts)
        proxy.clear_requests()
        proxy.drop_mid_response(cuts, reset=reset, operation=operation)
        # WHEN the read meets `cuts` responses cut after half their body
        started = time.monotonic()
        try:
            result = call(service, table)
        except (ChecksumError, ConnectionClosedError) as error:
            # THEN, with no attempt left, it raises (a CRC mismatch, or the reset)
            assert cuts >= attempts, f"{attempts} attempts, {cuts} cuts: {error!r}"
            # (botocore releases differ on a short body: some read it, then the CRC fails;
            # others refuse the short read itself)
            assert isinstance(
                error, ConnectionClosedError if reset else (ChecksumError, ConnectionClosedError)
            )
        else:
            # THEN, with an attempt left, botocore retried and the result is the full one
            assert cuts < attempts, f"{attempts} attempts, {cuts} cuts: a result came back"
            assert result == expected
        assert proxy.count(operation) == attempts
        assert time.monotonic() - started < 1.0 + SLACK_SECONDS
        proxy.reset()


def test_a_page_cut_in_the_middle_of_a_stream_raises_instead_of_ending_it_early(
    proxy: FaultProxy, service_via_proxy: ServiceFactory, direct: DynamoDBClient, table: str
) -> None:
    # GIVEN 12 items of ~100 KB (two pages of DynamoDB Local's 1 MB) and a single attempt
    big = "x" * 100_000
    for sk in range(12):
        direct.put_item(
            TableName=table, Item={"pk": {"S": "p"}, "sk": {"N": str(sk)}, "v": {"S": big}}
        )
    service = service_via_proxy(max_attempts=1)
    stream = service.iter_query("pk = :p", {":p": "p"}, table)
    first = next(stream)
    assert proxy.count("Query") == 1
    # WHEN the response of the second page is cut mid-body
    proxy.drop_mid_response(1, operation="Query")
    # THEN iterating raises a checksum error instead of ending with the first page's items
    seen = [first]
    with pytest.raises((ChecksumError, ConnectionClosedError)):
        seen.extend(stream)
    assert proxy.count("Query") == 2
    assert len(seen) < 12
    # AND with two attempts the same cut is retried and the stream is whole
    again = service_via_proxy(max_attempts=2)
    stream = again.iter_query("pk = :p", {":p": "p"}, table)
    first = next(stream)
    proxy.drop_mid_response(1, operation="Query")
    assert [item["sk"] for item in [first, *stream]] == list(range(12))


def test_a_cut_response_to_an_add_is_retried_by_botocore_and_applied_twice(
    proxy: FaultProxy, service_via_proxy: ServiceFactory, direct: DynamoDBClient, table: str
) -> None:
    # GIVEN a counter at 0 and a response to UpdateItem cut after DynamoDB applied it
    direct.put_item(TableName=table, Item={"pk": {"S": "c"}, "sk": {"N": "0"}, "n": {"N": "0"}})
    service = service_via_proxy(max_attempts=2)
    proxy.drop_mid_response(1, operation="UpdateItem")
    # WHEN one increment is asked for
    after = service.update_item({"pk": "c", "sk": 0}, "ADD n :one", {":one": 1}, table)
    # THEN botocore's standard mode resent it on the CRC mismatch: it counted twice.
    # (A property of botocore's retries, not of the service: non-idempotent updates are
    # not safe to retry; a caller needing exactly-once uses a condition or a transaction
    # with a client_request_token.)
    assert proxy.count("UpdateItem") == 2
    assert after["n"] == 2
    assert stored_items(direct, table)[0]["n"] == 2
