"""batch_write_items and batch_get_items: chunks, resends, exact leftovers, duplicates."""

from __future__ import annotations

import logging
import math
import random
from decimal import Decimal
from typing import Any

import pytest
from botocore.stub import Stubber
from pydantic import BaseModel, field_serializer
from pydantic_core import PydanticSerializationError

from src.services.dynamodb import _batching
from src.services.dynamodb.dynamodb_models import (
    UnprocessedError,
    UnprocessedItemsError,
    UnprocessedKeysError,
)
from src.services.dynamodb.dynamodb_service import DynamoDBService

from .conftest import ATTRIBUTES, KEY_SCHEMA, TABLE, requests_of, stubbed

Wire = dict[str, Any]
ROUNDS = _batching.RESEND_ROUNDS


def item(i: int) -> dict[str, Any]:
    return {"pk": f"u{i}", "sk": i, "name": f"name-{i}"}


def item_wire(i: int) -> Wire:
    return {"pk": {"S": f"u{i}"}, "sk": {"N": str(i)}, "name": {"S": f"name-{i}"}}


def key(i: int) -> dict[str, Any]:
    return {"pk": f"u{i}", "sk": i}


def key_wire(i: int) -> Wire:
    return {"pk": {"S": f"u{i}"}, "sk": {"N": str(i)}}


def puts(indexes: list[int] | range) -> list[Wire]:
    return [{"PutRequest": {"Item": item_wire(i)}} for i in indexes]


def write_params(indexes: list[int] | range) -> dict[str, Any]:
    return {"RequestItems": {TABLE: puts(indexes)}}


def write_response(unprocessed: list[int]) -> dict[str, Any]:
    return {"UnprocessedItems": {TABLE: puts(unprocessed)} if unprocessed else {}}


def get_params(indexes: list[int] | range) -> dict[str, Any]:
    keys = [key_wire(i) for i in indexes]
    return {"RequestItems": {TABLE: {"Keys": keys, "ConsistentRead": False}}}


def get_response(found: list[int], unprocessed: list[int]) -> dict[str, Any]:
    response: dict[str, Any] = {"Responses": {TABLE: [item_wire(i) for i in found]}}
    response["UnprocessedKeys"] = (
        {TABLE: {"Keys": [key_wire(i) for i in unprocessed]}} if unprocessed else {}
    )
    return response


def stub_describe(stubber: Stubber) -> None:
    """Queue the one DescribeTable the key-schema lookup makes."""
    stubber.add_response(
        "describe_table",
        {
            "Table": {
                "TableName": TABLE,
                "KeySchema": KEY_SCHEMA,
                "AttributeDefinitions": ATTRIBUTES,
                "TableStatus": "ACTIVE",
            }
        },
        {"TableName": TABLE},
    )


def record_sleeps(service: DynamoDBService) -> list[float]:
    """Count the backoff sleeps through the core's jitter, which makes each one zero."""
    sleeps: list[float] = []

    def jitter() -> float:
        sleeps.append(0.0)
        return 0.0

    service._core.jitter = jitter
    return sleeps


def assert_backoff(sleeps: list[float], count: int) -> None:
    """Exactly ``count`` backoff sleeps (one before each resend round)."""
    assert len(sleeps) == count


def ours(caplog: pytest.LogCaptureFixture, level: int) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "tests.dynamodb" and r.levelno == level]


# -- batch_write_items: chunks (moto) ------------------------------------------------------


@pytest.mark.parametrize("count", [0, 1, 25, 26, 100, 101, 1000])
def test_batch_write_sends_25_a_request(service: DynamoDBService, table: str, count: int) -> None:
    # GIVEN ``count`` distinct items
    writes = requests_of(service, "BatchWriteItem")
    describes = requests_of(service, "DescribeTable")
    # WHEN they are batch-written
    service.batch_write_items([item(i) for i in range(count)])
    # THEN ceil(count / 25) requests of at most 25 went out, in order
    sizes = [len(r["RequestItems"][TABLE]) for r in writes]
    assert len(writes) == math.ceil(count / 25)
    assert sizes == [min(25, count - 25 * n) for n in range(len(writes))]
    sent = [p["PutRequest"]["Item"]["sk"]["N"] for r in writes for p in r["RequestItems"][TABLE]]
    assert sent == [str(i) for i in range(count)]
    # AND every item is in the table; an empty list made no call at all
    assert len(service.scan()) == count
    assert len(describes) == (1 if count else 0)


def test_batch_write_converts_values_and_logs_counts(
    service: DynamoDBService, table: str, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN items with floats, Decimals and sets
    items = [{"pk": "a", "sk": 1, "price": 0.1, "tags": {"x"}}, {"pk": "a", "sk": 2.0}]
    # WHEN written
    service.batch_write_items(items)
    # THEN they read back converted
    assert service.get_item({"pk": "a", "sk": 1}) == items[0]
    assert service.get_item({"pk": "a", "sk": 2}) == {"pk": "a", "sk": 2}
    # AND the INFO record counts requests (the key-schema lookup and the one batch) and
    # items, with no item value in it
    done = [r for r in ours(caplog, logging.INFO) if r.__dict__["operation"] == "batch_write_items"]
    assert [r.__dict__["counts"] for r in done] == [{"requests": 2, "items": 2}]
    assert "0.1" not in done[0].getMessage()


# -- batch_write_items: unprocessed items (Stubber) ------------------------------------


def test_unprocessed_items_returned_once_are_resent(service: DynamoDBService) -> None:
    sleeps = record_sleeps(service)
    with stubbed(service) as stubber:
        # GIVEN the first request of 30 items leaves 3 unprocessed once
        stub_describe(stubber)
        stubber.add_response(
            "batch_write_item", write_response([4, 9, 20]), write_params(range(25))
        )
        stubber.add_response("batch_write_item", write_response([]), write_params(range(25, 30)))
        stubber.add_response("batch_write_item", write_response([]), write_params([4, 9, 20]))
        # WHEN the 30 are written
        service.batch_write_items([item(i) for i in range(30)])
        # THEN every item was sent once, then exactly the 3 were resent after one backoff sleep
        stubber.assert_no_pending_responses()
    assert_backoff(sleeps, 1)


def test_unprocessed_items_returned_several_times_are_resent_until_done(
    service: DynamoDBService,
) -> None:
    sleeps = record_sleeps(service)
    with stubbed(service) as stubber:
        # GIVEN 5 items, of which fewer come back unprocessed each round
        stub_describe(stubber)
        stubber.add_response("batch_write_item", write_response([0, 1, 3]), write_params(range(5)))
        stubber.add_response("batch_write_item", write_response([1, 3]), write_params([0, 1, 3]))
        stubber.add_response("batch_write_item", write_response([3]), write_params([1, 3]))
        stubber.add_response("batch_write_item", write_response([]), write_params([3]))
        # WHEN written
        service.batch_write_items([item(i) for i in range(5)])
        # THEN each round resent what was left, with growing bounded backoff
        stubber.assert_no_pending_responses()
    assert_backoff(sleeps, 3)


def test_items_never_processed_raise_with_exactly_the_unwritten_items(
    service: DynamoDBService, caplog: pytest.LogCaptureFixture
) -> None:
    sleeps = record_sleeps(service)
    items = [item(i) for i in range(60)]
    stuck = [41, 27, 30]  # the server's order, not the caller's
    with stubbed(service) as stubber:
        # GIVEN chunks 1 and 3 are written, chunk 2 always leaves 3 items unprocessed
        stub_describe(stubber)
        stubber.add_response("batch_write_item", write_response([]), write_params(range(25)))
        stubber.add_response("batch_write_item", write_response(stuck), write_params(range(25, 50)))
        stubber.add_response("batch_write_item", write_response([]), write_params(range(50, 60)))
        for _ in range(ROUNDS):
            stubber.add_response("batch_write_item", write_response(stuck), write_params(stuck))
        # WHEN the 60 are written
        with pytest.raises(UnprocessedItemsError) as raised:
            service.batch_write_items(items)
        # THEN every chunk was sent once, the stuck items resent for the bounded rounds
        stubber.assert_no_pending_responses()
    # AND the error carries exactly the caller's unwritten items, in the caller's order
    unwritten = [27, 30, 41]
    assert raised.value.unprocessed == [items[i] for i in unwritten]
    assert all(a is items[i] for a, i in zip(raised.value.unprocessed, unwritten, strict=True))
    assert isinstance(raised.value, UnprocessedError) and isinstance(raised.value, RuntimeError)
    assert "3 of 60" in str(raised.value)
    assert_backoff(sleeps, ROUNDS)
    # AND one ERROR record, naming no item value
    [error] = ours(caplog, logging.ERROR)
    assert "UnprocessedItemsError" in error.getMessage()
    assert "u27" not in error.getMessage() and "name-" not in error.getMessage()
    assert error.__dict__["counts"]["items"] == 57


def test_unprocessed_items_are_matched_by_key_value(service: DynamoDBService) -> None:
    record_sleeps(service)
    # GIVEN an item whose number the server hands back normalised (7.50 -> 7.5)
    items = [{"pk": "a", "sk": Decimal("7.50")}, {"pk": "b", "sk": 1}]
    sent = [{"PutRequest": {"Item": {"pk": {"S": "a"}, "sk": {"N": "7.50"}}}}]
    sent.append({"PutRequest": {"Item": {"pk": {"S": "b"}, "sk": {"N": "1"}}}})
    back = [{"PutRequest": {"Item": {"pk": {"S": "a"}, "sk": {"N": "7.5"}}}}]
    with stubbed(service) as stubber:
        stub_describe(stubber)
        stubber.add_response(
            "batch_write_item", {"UnprocessedItems": {TABLE: back}}, {"RequestItems": {TABLE: sent}}
        )
        for _ in range(ROUNDS):
            stubber.add_response(
                "batch_write_item",
                {"UnprocessedItems": {TABLE: back}},
                {"RequestItems": {TABLE: back}},
            )
        # WHEN it never clears
        with pytest.raises(UnprocessedItemsError) as raised:
            service.batch_write_items(items)
        stubber.assert_no_pending_responses()
    # THEN the caller's own item is the one reported
    assert raised.value.unprocessed == [items[0]]
    assert raised.value.unprocessed[0]["sk"] == Decimal("7.50")


# -- batch_write_items: validation --------------------------------------------------------


def test_duplicate_keys_are_a_value_error_before_any_write(
    service: DynamoDBService, table: str
) -> None:
    writes = requests_of(service, "BatchWriteItem")
    # GIVEN items 0 and 30 share a key by value (1 and Decimal("1.00")), in different chunks
    items = [item(i) for i in range(40)]
    items[0] = {"pk": "u1", "sk": Decimal("1.00"), "name": "other"}
    # WHEN written THEN ValueError naming both positions, and nothing was written
    with pytest.raises(ValueError, match=r"items\[1\].*items\[0\]"):
        service.batch_write_items(items)
    items[0] = {"pk": "u1", "sk": 1.0}
    with pytest.raises(ValueError, match="same primary key"):
        service.batch_write_items(items)
    assert writes == [] and service.scan() == []


def test_key_schema_is_described_once_per_table(service: DynamoDBService, table: str) -> None:
    describes = requests_of(service, "DescribeTable")
    # WHEN two batch writes go to the same table
    service.batch_write_items([item(1)])
    service.batch_write_items([item(2), item(3)])
    # THEN the key schema was read once
    assert describes == [{"TableName": TABLE}]
    # WHEN a write does not fit the cached schema THEN it is described once more, to be sure
    with pytest.raises(ValueError):
        service.batch_write_items([item(4), item(4)])
    assert len(describes) == 2
    # AND the fresh schema is cached again
    service.batch_write_items([item(5)])
    assert len(describes) == 2


def test_a_table_made_again_elsewhere_with_another_key_is_described_again(
    service: DynamoDBService, table: str
) -> None:
    # GIVEN the service cached the schema (pk, sk) of the table
    service.batch_write_items([item(1)])
    # AND someone else re-created it with the key pk alone
    service.client.delete_table(TableName=TABLE)
    service.client.create_table(
        TableName=TABLE,
        KeySchema=KEY_SCHEMA[:1],
        AttributeDefinitions=ATTRIBUTES[:1],
        ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
    )
    # WHEN items with no sk are written
    service.batch_write_items([{"pk": "a"}, {"pk": "b"}])
    # THEN the stale schema did not refuse them: they are there
    assert sorted(i["pk"] for i in service.scan()) == ["a", "b"]


def test_recreated_table_is_described_again(service: DynamoDBService, table: str) -> None:
    # GIVEN a write cached the (pk, sk) schema, then the table is recreated keyed by pk alone
    service.batch_write_items([{"pk": "a", "sk": 1}, {"pk": "a", "sk": 2}])
    service.delete_table(TABLE)
    service.create_table(TABLE, KEY_SCHEMA[:1], ATTRIBUTES[:1])
    # WHEN two items share pk THEN they are duplicates under the new schema
    with pytest.raises(ValueError, match="same primary key"):
        service.batch_write_items([{"pk": "a", "sk": 1}, {"pk": "a", "sk": 2}])
    # GIVEN the table is deleted behind the service's back, then created again by it
    service.client.delete_table(TableName=TABLE)
    service.create_table(TABLE, KEY_SCHEMA, ATTRIBUTES)
    # WHEN items share pk only THEN they are distinct under the (pk, sk) schema again
    service.batch_write_items([{"pk": "a", "sk": 1}, {"pk": "a", "sk": 2}])
    assert len(service.scan()) == 2


def test_item_lacking_a_key_attribute_is_a_value_error(
    service: DynamoDBService, table: str
) -> None:
    writes = requests_of(service, "BatchWriteItem")
    # GIVEN item 30 has no sort key
    items = [item(i) for i in range(40)]
    items[30] = {"pk": "u30", "name": "no sk"}
    # WHEN written THEN ValueError naming it, nothing written
    with pytest.raises(ValueError, match=r"items\[30\] lacks.*sk"):
        service.batch_write_items(items)
    assert writes == [] and service.scan() == []


def test_batch_write_refuses_bad_values_before_any_call(service: DynamoDBService) -> None:
    with stubbed(service) as stubber:
        # GIVEN nothing queued WHEN items are not a list, hold nan, or an empty item
        with pytest.raises(TypeError):
            service.batch_write_items({"pk": "a"})  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="attribute .sk.: NaN"):
            service.batch_write_items([item(0), {"pk": "a", "sk": float("nan")}])
        with pytest.raises(ValueError, match="empty"):
            service.batch_write_items([{}])
        with pytest.raises(ValueError, match="table"):
            service.batch_write_items([item(0)], "no")
        # THEN nothing was sent
        stubber.assert_no_pending_responses()


# -- batch_get_items (moto) ----------------------------------------------------------------


@pytest.fixture
def filled(service: DynamoDBService, table: str) -> str:
    """250 items u0..u249 in the default table."""
    service.batch_write_items([item(i) for i in range(250)])
    return table


@pytest.mark.parametrize("count", [1, 100, 101, 250])
def test_batch_get_reads_100_a_request_in_key_order(
    service: DynamoDBService, filled: str, count: int
) -> None:
    reads = requests_of(service, "BatchGetItem")
    # GIVEN ``count`` keys in descending order, followed by repeats of the first 30
    order = list(range(count))[::-1]
    keys = [key(i) for i in order] + [key(i) for i in order[:30]]
    # WHEN read
    found = service.batch_get_items(keys)
    # THEN ceil(distinct / 100) requests, each key once, results in the order asked
    assert len(reads) == math.ceil(count / 100)
    assert sum(len(r["RequestItems"][TABLE]["Keys"]) for r in reads) == count
    assert found == [item(i) for i in order]


def test_batch_get_skips_missing_keys(service: DynamoDBService, filled: str) -> None:
    # GIVEN keys of which two do not exist
    keys = [key(5), {"pk": "nobody", "sk": 1}, key(3), {"pk": "u3", "sk": 4}]
    # WHEN read THEN only the found items come back, in key order
    assert service.batch_get_items(keys) == [item(5), item(3)]


def test_batch_get_of_no_keys_makes_no_call(service: DynamoDBService) -> None:
    with stubbed(service) as stubber:
        # GIVEN nothing queued WHEN no keys are asked THEN [] and no call
        assert service.batch_get_items([]) == []
        stubber.assert_no_pending_responses()


def test_batch_get_asks_duplicates_once_and_orders_results(service: DynamoDBService) -> None:
    # GIVEN keys with repeats (1 and 1.0 are the same number) and a server answering in
    # its own order, without one missing item
    keys = [key(2), key(1), {"pk": "u2", "sk": 2.0}, key(3), key(1)]
    with stubbed(service) as stubber:
        stubber.add_response("batch_get_item", get_response([3, 2], []), get_params([2, 1, 3]))
        # WHEN read
        found = service.batch_get_items(keys)
        # THEN each distinct key was asked once, results follow first appearance
        stubber.assert_no_pending_responses()
    assert found == [item(2), item(3)]


def test_unprocessed_keys_once_and_several_times_are_resent(service: DynamoDBService) -> None:
    sleeps = record_sleeps(service)
    with stubbed(service) as stubber:
        # GIVEN 4 keys: the server leaves 3, then 1, then none unprocessed
        stubber.add_response("batch_get_item", get_response([2], [0, 1, 3]), get_params(range(4)))
        stubber.add_response("batch_get_item", get_response([0, 1], [3]), get_params([0, 1, 3]))
        stubber.add_response("batch_get_item", get_response([3], []), get_params([3]))
        # WHEN read
        found = service.batch_get_items([key(i) for i in range(4)])
        stubber.assert_no_pending_responses()
    # THEN every item arrived, in key order, after two bounded sleeps
    assert found == [item(i) for i in range(4)]
    assert_backoff(sleeps, 2)


def test_unprocessed_keys_returned_once_are_resent(service: DynamoDBService) -> None:
    sleeps = record_sleeps(service)
    with stubbed(service) as stubber:
        # GIVEN 101 keys: the first request leaves key 7 unprocessed once
        stubber.add_response(
            "batch_get_item",
            get_response([i for i in range(100) if i != 7], [7]),
            get_params(range(100)),
        )
        stubber.add_response("batch_get_item", get_response([100], []), get_params([100]))
        stubber.add_response("batch_get_item", get_response([7], []), get_params([7]))
        # WHEN read
        found = service.batch_get_items([key(i) for i in range(101)])
        stubber.assert_no_pending_responses()
    # THEN all 101 arrived in order, after one sleep
    assert found == [item(i) for i in range(101)]
    assert_backoff(sleeps, 1)


def test_keys_never_processed_raise_with_exactly_the_unread_keys(
    service: DynamoDBService, caplog: pytest.LogCaptureFixture
) -> None:
    sleeps = record_sleeps(service)
    # GIVEN 150 distinct keys (one repeated), the server never reads keys 90..99
    keys = [key(i) for i in range(150)] + [key(120)]
    stuck = list(range(99, 89, -1))
    with stubbed(service) as stubber:
        stubber.add_response(
            "batch_get_item", get_response(list(range(90)), stuck), get_params(range(100))
        )
        stubber.add_response(
            "batch_get_item", get_response(list(range(100, 150)), []), get_params(range(100, 150))
        )
        for _ in range(ROUNDS):
            stubber.add_response("batch_get_item", get_response([], stuck), get_params(stuck))
        # WHEN read
        with pytest.raises(UnprocessedKeysError) as raised:
            service.batch_get_items(keys)
        # THEN both chunks were sent once, the stuck keys resent for the bounded rounds
        stubber.assert_no_pending_responses()
    # AND the error carries exactly the unread keys (each once, caller's order) and the found
    assert raised.value.unprocessed == [key(i) for i in range(90, 100)]
    assert raised.value.found == [item(i) for i in range(90)] + [item(i) for i in range(100, 150)]
    assert str(raised.value).startswith("10 of ")
    assert_backoff(sleeps, ROUNDS)
    [error] = ours(caplog, logging.ERROR)
    assert "UnprocessedKeysError" in error.getMessage() and "u9" not in error.getMessage()


def test_keys_with_different_attributes_are_a_value_error(service: DynamoDBService) -> None:
    with stubbed(service) as stubber:
        # GIVEN nothing queued WHEN keys name different attributes THEN ValueError, no call
        with pytest.raises(ValueError, match=r"keys\[1\]"):
            service.batch_get_items([key(0), {"pk": "u1"}])
        with pytest.raises(ValueError, match=r"keys\[2\]"):
            service.batch_get_items([key(0), key(1), {"pk": "u2", "other": 2}])
        with pytest.raises(TypeError):
            service.batch_get_items(key(0))  # type: ignore[call-overload]
        with pytest.raises(ValueError, match="empty"):
            service.batch_get_items([{}])
        stubber.assert_no_pending_responses()


# -- _batching directly --------------------------------------------------------------------


def test_backoff_is_full_jitter_doubling_up_to_a_cap() -> None:
    # GIVEN a fixed jitter of 1 (the upper bound) THEN it doubles from 50 ms up to 1 s
    bounds = [_batching.backoff(r, jitter=lambda: 1.0) for r in range(8)]
    assert bounds == pytest.approx([0.05, 0.1, 0.2, 0.4, 0.8, 1.0, 1.0, 1.0])
    assert _batching.backoff(40, jitter=lambda: 1.0) == _batching.MAX_DELAY_SECONDS
    # AND a jitter scales it, 0 meaning no wait
    assert _batching.backoff(2, jitter=lambda: 0.5) == pytest.approx(0.1)
    assert _batching.backoff(3, jitter=lambda: 0.0) == 0.0
    # AND a random jitter stays within the bounds
    for r in range(10):
        assert 0 <= _batching.backoff(r, random.random) <= bounds[min(r, 7)]


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"pk": "u", "sk": "7"}, r"items\[30\]: key attribute 'sk' must be N, not S"),
        ({"pk": "", "sk": 7}, r"items\[30\]: key attribute 'pk' is empty"),
        ({"pk": "u", "sk": 7, "blob": "x" * (400 * 1024)}, r"items\[30\] is about"),
        ({"pk": "u", "sk": 7, "price": float("nan")}, r"^items\[30\]: attribute 'price': NaN"),
        ({"pk": "u", "sk": 7, "tags": set()}, r"^items\[30\]: attribute 'tags': "),
        ({}, r"^items\[30\] is empty$"),
    ],
    ids=["wrong-key-type", "empty-key", "over-400-kb", "nan", "empty-set", "empty"],
)
def test_a_late_item_dynamodb_would_refuse_stops_the_batch_before_anything_is_written(
    service: DynamoDBService, table: str, bad: Any, message: str
) -> None:
    writes = requests_of(service, "BatchWriteItem")
    # GIVEN 40 items whose 31st DynamoDB would refuse (after the first 25 were written)
    items = [item(i) for i in range(40)]
    items[30] = bad
    # WHEN they are written THEN a ValueError names it, and no request was sent
    with pytest.raises(ValueError, match=message):
        service.batch_write_items(items)
    assert writes == [] and service.scan() == []


@pytest.mark.parametrize(
    ("bad", "error", "message"),
    [
        ({"pk": "u", "sk": float("inf")}, ValueError, r"^keys\[2\]: attribute 'sk': NaN"),
        ({"pk": "u", "sk": object()}, TypeError, r"^keys\[2\]: attribute 'sk': "),
        ({"pk": "u"}, ValueError, r"^keys\[2\] has attributes \['pk'\], keys\[0\] has"),
        ({"pk": "u", "id": 7}, ValueError, r"^keys\[2\] has attributes \['id', 'pk'\], keys"),
        ([("pk", "u")], TypeError, r"^keys\[2\] must be a dict of attribute names to values"),
    ],
    ids=["inf", "unstorable", "missing-attribute", "other-attribute", "not-a-dict"],
)
def test_a_bad_key_in_a_batch_get_is_named_by_its_index_before_any_request(
    service: DynamoDBService, table: str, bad: Any, error: type[Exception], message: str
) -> None:
    reads = requests_of(service, "BatchGetItem")
    # GIVEN keys whose third cannot be sent
    keys: list[dict[str, Any]] = [{"pk": "u", "sk": 1}, {"pk": "u", "sk": 2}, bad]
    # WHEN they are read THEN the error names keys[2], and no request was sent
    with pytest.raises(error, match=message):
        service.batch_get_items(keys)
    assert reads == []


def test_a_model_serializer_error_in_a_batch_propagates_as_it_is(
    service: DynamoDBService, table: str
) -> None:
    class Broken(BaseModel):
        pk: str
        sk: int

        @field_serializer("sk")
        def refuse(self, value: int) -> int:
            raise RuntimeError("the model's own serializer refused")

    # GIVEN a model whose own serializer raises WHEN it is written in a batch
    # THEN its own error comes out unchanged (not re-said as the encoder's)
    with pytest.raises(PydanticSerializationError, match="the model's own serializer refused"):
        service.batch_write_items([{"pk": "u", "sk": 1}, Broken(pk="u", sk=2)])
