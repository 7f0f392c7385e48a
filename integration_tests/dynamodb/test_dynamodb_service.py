"""The DynamoDB service against real DynamoDB Local: every operation, end to end.

DynamoDB Local pages at 1 MB like AWS, but applies that limit *after* a filter (see
``/work/shared/DYNAMODB-LOCAL.md``): a filtered read only pages when the matching
items are large, so the sparse-filter tests make them about 100 KB each.
"""

from __future__ import annotations

import gc
import logging
import math
import random
import time
import tracemalloc
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from botocore.exceptions import ClientError

from integration_tests.dynamodb.conftest import (
    GSI_NAME,
    LOGGER_NAME,
    Sent,
    TableFactory,
    drop_table,
    logger,
)
from integration_tests.support import (
    ATTRIBUTES,
    KEY_SCHEMA,
    LEAN,
    ServiceFactory,
    make_config,
    sends_lean,
    unique_table_name,
)
from src.services.dynamodb.dynamodb_models import (
    ConditionCheck,
    Delete,
    Get,
    Item,
    Key,
    Put,
    Update,
    WriteAction,
)
from src.services.dynamodb.dynamodb_service import DynamoDBService

PAD = "x" * 1000
"""Makes an item about 1 KB, so 1,500 of them span two of DynamoDB's 1 MB pages."""
BIG_PARTITION = "big"
BIG_PARTITION_SIZE = 1500
SMALL_ITEMS = 1500


def code_of(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code"))


def key_of(item: Item) -> tuple[str, int]:
    return (str(item["pk"]), int(item["sk"]))


# -- a shared read-only table for the multi-page reads --------------------------------


@dataclass(frozen=True)
class BigTable:
    """A table of 3,000 items: one partition of 1,500 x 1 KB (two 1 MB pages), 1,500 small."""

    name: str
    first_page: int
    """How many items of the big partition DynamoDB Local's first Query page holds."""
    keys: frozenset[tuple[str, int]]


@pytest.fixture(scope="module")
def big_table(admin: DynamoDBService) -> Iterator[BigTable]:
    name = unique_table_name("big-table")
    admin.create_table(name, KEY_SCHEMA, ATTRIBUTES)
    try:
        big = [{"pk": BIG_PARTITION, "sk": i, "pad": PAD} for i in range(BIG_PARTITION_SIZE)]
        small = [{"pk": f"p{i % 5}", "sk": i, "v": i} for i in range(SMALL_ITEMS)]
        admin.batch_write_items(big + small, name)
        first = admin.client.query(
            TableName=name,
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": {"S": BIG_PARTITION}},
        )
        assert "LastEvaluatedKey" in first, "the big partition must span DynamoDB pages"
        keys = frozenset(key_of(item) for item in big + small)
        yield BigTable(name=name, first_page=len(first["Items"]), keys=keys)
    finally:
        drop_table(admin, name)


# -- connection and tables ---------------------------------------------------------------


def test_the_transport_this_run_asks_for_is_the_one_that_sends(service: DynamoDBService) -> None:
    # GIVEN this run's service (DYNAMODB_TRANSPORT: "lean" or "botocore"; fast reads on)
    # THEN the lean wire path sends its data-plane calls exactly when the run asks for it
    # (so a run on the lean path cannot pass on botocore by a silent fallback)
    assert service.config.transport == ("lean" if LEAN else "botocore")
    assert sends_lean(service) is LEAN


def test_ping_is_true_against_dynamodb_local(service: DynamoDBService) -> None:
    # GIVEN a service on the running DynamoDB Local
    # WHEN it pings
    # THEN the endpoint answered a real call
    assert service.ping() is True


def test_ping_is_false_and_quick_against_a_closed_port(
    service_factory: ServiceFactory, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN a service on a port nobody listens on, small timeouts and one attempt
    dead = service_factory(
        endpoint_url="http://127.0.0.1:9",
        connect_timeout_seconds=0.5,
        read_timeout_seconds=0.5,
        max_attempts=1,
    )
    caplog.set_level(logging.ERROR, logger=LOGGER_NAME)
    # WHEN it pings
    started = time.perf_counter()
    answered = dead.ping()
    elapsed = time.perf_counter() - started
    # THEN it says False at once (one attempt: the proxy suite counts it), with one ERROR record
    assert answered is False
    assert elapsed < 2.0
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert [getattr(r, "operation", None) for r in errors] == ["ping"]


def test_tables_are_listed_and_exist(service: DynamoDBService, make_table: TableFactory) -> None:
    # GIVEN three new tables
    names = [make_table() for _ in range(3)]
    # WHEN the service lists the tables and asks after each one
    listed = service.list_tables()
    exist = [service.table_exists(name) for name in names]
    # THEN all three are listed once and exist; a table never made does not
    assert set(names) <= set(listed)
    assert len(listed) == len(set(listed))
    assert exist == [True, True, True]
    assert service.table_exists(unique_table_name("never-made")) is False


def test_list_tables_follows_every_page(
    service: DynamoDBService, make_table: TableFactory, sent: Sent
) -> None:
    # GIVEN three new tables, and DynamoDB Local made to page tables two at a time
    # (instead of 100: a botocore hook adds Limit=2 to every ListTables request)
    names = [make_table() for _ in range(3)]
    everything = service.list_tables()

    def two_a_page(params: dict[str, Any], **kwargs: Any) -> None:
        params["Limit"] = 2

    service.client.meta.events.register("before-parameter-build.dynamodb.ListTables", two_a_page)
    requests = sent(service, "ListTables")
    # WHEN the tables are listed
    paged = service.list_tables()
    # THEN every page was followed through LastEvaluatedTableName to the same full list
    assert set(names) <= set(paged)
    assert paged == everything
    assert len(requests) == math.ceil(len(everything) / 2) >= 2
    assert all("ExclusiveStartTableName" in request for request in requests[1:])


def test_create_table_returns_with_the_table_and_its_gsi_active(
    service_factory: ServiceFactory, make_table: TableFactory
) -> None:
    # GIVEN a service whose capacities are not the defaults
    custom = service_factory(read_capacity_units=7, write_capacity_units=3)
    # WHEN it creates a table with a global secondary index
    name = make_table(gsi=True, through=custom)
    # THEN on return the table and the index are ACTIVE, both with the configured capacity
    table = custom.client.describe_table(TableName=name)["Table"]
    assert table["TableStatus"] == "ACTIVE"
    [index] = table["GlobalSecondaryIndexes"]
    assert (index["IndexName"], index["IndexStatus"]) == (GSI_NAME, "ACTIVE")
    for throughput in (table["ProvisionedThroughput"], index["ProvisionedThroughput"]):
        assert (throughput["ReadCapacityUnits"], throughput["WriteCapacityUnits"]) == (7, 3)
    # AND the index answers a query at once
    assert custom.query("#o = :o", {":o": "ann"}, name, **_by_owner()) == []


def test_delete_table_returns_once_the_table_is_gone(service: DynamoDBService, table: str) -> None:
    # GIVEN a table holding an item
    service.put_item({"pk": "a", "sk": 1}, table)
    # WHEN the service deletes it
    service.delete_table(table)
    # THEN it is gone on return: not there, not listed, and reading it fails
    assert service.table_exists(table) is False
    assert table not in service.list_tables()
    with pytest.raises(service.client.exceptions.ResourceNotFoundException):
        service.get_item({"pk": "a", "sk": 1}, table)


# -- items ------------------------------------------------------------------------------


def test_put_get_update_delete_round_trip(service: DynamoDBService, table: str) -> None:
    # GIVEN an empty table
    key: Key = {"pk": "user#1", "sk": 1}
    assert service.get_item(key, table) is None
    # WHEN an item is put, updated and deleted
    service.put_item({**key, "email": "a@example.com", "age": 30}, table)
    stored = service.get_item(key, table, consistent_read=True)
    updated = service.update_item(key, "SET age = age + :one REMOVE email", {":one": 1}, table)
    after_update = service.get_item(key, table)
    service.delete_item(key, table)
    # THEN each step is what DynamoDB holds, and deleting an absent item is fine
    assert stored == {**key, "email": "a@example.com", "age": 30}
    assert updated == after_update == {**key, "age": 31}
    assert service.get_item(key, table) is None
    service.delete_item(key, table)


def test_conditional_put_is_refused_and_the_item_kept(service: DynamoDBService, table: str) -> None:
    # GIVEN an item written only if absent
    first: Item = {"pk": "u", "sk": 1, "v": "first"}
    service.put_item(first, table, condition_expression="attribute_not_exists(pk)")
    # WHEN a second put under the same condition comes
    # THEN DynamoDB refuses it with its own exception, and the first item stays
    with pytest.raises(service.client.exceptions.ConditionalCheckFailedException):
        service.put_item(
            {"pk": "u", "sk": 1, "v": "second"},
            table,
            condition_expression="attribute_not_exists(pk)",
        )
    assert service.get_item({"pk": "u", "sk": 1}, table) == first


def test_conditional_update_and_delete_are_refused(service: DynamoDBService, table: str) -> None:
    # GIVEN an item with a version
    key: Key = {"pk": "doc", "sk": 1}
    service.put_item({**key, "version": 2}, table)
    # WHEN an update and a delete expect another version
    # THEN both are refused and the item is untouched
    with pytest.raises(service.client.exceptions.ConditionalCheckFailedException):
        service.update_item(
            key,
            "SET version = :new",
            {":new": 3, ":old": 1},
            table,
            condition_expression="version = :old",
        )
    with pytest.raises(service.client.exceptions.ConditionalCheckFailedException):
        service.delete_item(
            key,
            table,
            condition_expression="version = :old",
            expression_attribute_values={":old": 1},
        )
    assert service.get_item(key, table) == {**key, "version": 2}


def test_update_of_a_reserved_word_goes_through_attribute_names(
    service: DynamoDBService, table: str
) -> None:
    # GIVEN an item with an attribute called "name", a DynamoDB reserved word
    key: Key = {"pk": "user", "sk": 1}
    service.put_item({**key, "name": "old"}, table)
    # WHEN it is updated by its bare name, DynamoDB refuses the expression
    with pytest.raises(ClientError) as refused:
        service.update_item(key, "SET name = :n", {":n": "new"}, table)
    assert code_of(refused.value) == "ValidationException"
    assert "reserved keyword" in str(refused.value)
    # WHEN it is updated through a placeholder
    updated = service.update_item(
        key, "SET #n = :n", {":n": "new"}, table, expression_attribute_names={"#n": "name"}
    )
    # THEN the attribute is changed
    assert updated == {**key, "name": "new"}
    assert service.get_item(key, table) == updated


def test_add_is_an_atomic_counter_across_threads(service: DynamoDBService, table: str) -> None:
    # GIVEN no counter yet, and one service shared by four threads
    key: Key = {"pk": "counter", "sk": 0}

    def bump(_: int) -> int:
        after = service.update_item(
            key, "ADD #c :one", {":one": 1}, table, expression_attribute_names={"#c": "count"}
        )
        return int(after["count"])

    # WHEN 40 increments race
    with ThreadPoolExecutor(max_workers=4) as pool:
        seen = list(pool.map(bump, range(40)))
    # THEN ADD created the counter, every increment saw its own value, and none was lost
    assert sorted(seen) == list(range(1, 41))
    assert service.get_item(key, table, consistent_read=True) == {**key, "count": 40}


VALUES: Item = {
    "pk": "values",
    "sk": 1,
    "tenth": 0.1,
    "tiny": 1e-130,
    "huge": 10**38,
    "negative_zero": -0.0,
    "yes": True,
    "no": False,
    "one": 1,
    "nothing": None,
    "text": "héllo ✓",
    "empty_text": "",
    "nested": {"list": [1, "two", None, {"deep": 2.5}], "empty_map": {}, "empty_list": []},
    "strings": {"a", "b"},
    "numbers": {1, 2.5, 10**38},
    "blobs": {b"\x00", b"\xff"},
    "blob": b"\x00\x01\xfe\xff",
}
VALUES_KEY: Key = {"pk": "values", "sk": 1}


def test_values_round_trip_as_native_python(service: DynamoDBService, table: str) -> None:
    # GIVEN an item holding every kind of value
    service.put_item(VALUES, table)
    # WHEN it is read back, through the service and raw
    got = service.get_item(VALUES_KEY, table)
    raw = service.client.get_item(TableName=table, Key={"pk": {"S": "values"}, "sk": {"N": "1"}})[
        "Item"
    ]
    # THEN floats were stored as the decimal they print as, extremes exactly
    assert raw["tenth"] == {"N": "0.1"}
    assert Decimal(raw["tiny"]["N"]) == Decimal("1e-130")
    assert raw["huge"] == {"N": "1" + "0" * 38}
    # AND DynamoDB Local drops the sign of -0.0: it is stored and returned as "0"
    assert raw["negative_zero"] == {"N": "0"}
    # AND numbers come back as int when whole, float otherwise; bool stays bool
    assert got is not None
    assert (type(got["tenth"]), got["tenth"]) == (float, 0.1)
    assert (type(got["tiny"]), got["tiny"]) == (float, 1e-130)
    assert (type(got["huge"]), got["huge"]) == (int, 10**38)
    assert (type(got["negative_zero"]), got["negative_zero"]) == (int, 0)
    assert (type(got["one"]), got["yes"], got["no"]) == (int, True, False)
    assert {type(n) for n in got["numbers"]} == {int, float}
    assert got == VALUES


def test_values_round_trip_as_decimals(
    service: DynamoDBService, service_factory: ServiceFactory, table: str
) -> None:
    # GIVEN the same item, and a service that reads numbers as Decimal
    service.put_item(VALUES, table)
    exact = service_factory(numbers="decimal")
    # WHEN it is read back
    got = exact.get_item(VALUES_KEY, table)
    # THEN every number is the Decimal stored; -0.0 comes back as an unsigned 0
    assert got is not None
    assert got["tenth"] == Decimal("0.1")
    assert got["tiny"] == Decimal("1e-130")
    assert got["huge"] == Decimal(10**38)
    assert got["negative_zero"] == Decimal(0)
    assert not got["negative_zero"].is_signed()
    assert (got["one"], got["yes"]) == (Decimal(1), True)
    assert got["nested"] == {
        "list": [Decimal(1), "two", None, {"deep": Decimal("2.5")}],
        "empty_map": {},
        "empty_list": [],
    }
    assert got["numbers"] == {Decimal(1), Decimal("2.5"), Decimal(10**38)}
    assert (got["strings"], got["blobs"], got["blob"]) == (
        VALUES["strings"],
        VALUES["blobs"],
        VALUES["blob"],
    )


# -- query and scan -----------------------------------------------------------------------


def test_query_reads_a_partition_larger_than_a_page_whole(
    service: DynamoDBService, big_table: BigTable, sent: Sent
) -> None:
    # GIVEN a partition of 1.5 MB, which DynamoDB Local returns in two 1 MB pages
    queries = sent(service, "Query")
    # WHEN it is queried with no limit
    items = service.query("pk = :p", {":p": BIG_PARTITION}, big_table.name)
    # THEN every item comes back, in sort-key order, read in as many requests as pages
    assert [item["sk"] for item in items] == list(range(BIG_PARTITION_SIZE))
    assert len(queries) == math.ceil(BIG_PARTITION_SIZE / big_table.first_page) == 2
    assert "Limit" not in queries[0]
    assert "ExclusiveStartKey" in queries[1]


@pytest.mark.parametrize("case", ["under a page", "one page", "over a page", "over everything"])
def test_query_limit_counts_items_and_asks_for_no_more(
    service: DynamoDBService, big_table: BigTable, sent: Sent, case: str
) -> None:
    # GIVEN the 1.5 MB partition and a limit relative to DynamoDB Local's first page
    page = big_table.first_page
    limit, requests = {
        "under a page": (100, [100]),
        "one page": (page, [page]),
        "over a page": (page + 100, [page + 100, 100]),
        "over everything": (5000, [5000, 5000 - page]),
    }[case]
    queries = sent(service, "Query")
    # WHEN it is queried with that limit
    items = service.query("pk = :p", {":p": BIG_PARTITION}, big_table.name, limit)
    # THEN the first `limit` items come back, and the last request asked for the remainder
    assert [item["sk"] for item in items] == list(range(min(limit, BIG_PARTITION_SIZE)))
    assert [query["Limit"] for query in queries] == requests


def test_query_backwards_with_a_limit_over_a_page(
    service: DynamoDBService, big_table: BigTable, sent: Sent
) -> None:
    # GIVEN the 1.5 MB partition
    queries = sent(service, "Query")
    # WHEN it is queried backwards for one item more than a page
    limit = big_table.first_page + 1
    items = service.query(
        "pk = :p", {":p": BIG_PARTITION}, big_table.name, limit, scan_index_forward=False
    )
    # THEN the last `limit` items come back, highest first; the second request asked for 1
    last = BIG_PARTITION_SIZE - 1
    assert [item["sk"] for item in items] == [last - i for i in range(limit)]
    assert [query["Limit"] for query in queries] == [limit, 1]
    assert all(query["ScanIndexForward"] is False for query in queries)


def test_scan_limit_over_a_page(service: DynamoDBService, big_table: BigTable, sent: Sent) -> None:
    # GIVEN 3,000 items, about 1.6 MB
    scans = sent(service, "Scan")
    # WHEN 2,000 of them are scanned for, more than the first page holds
    items = service.scan(table_name=big_table.name, limit=2000)
    # THEN 2,000 distinct items come back; each request asked only for what was still missing
    keys = {key_of(item) for item in items}
    assert len(items) == len(keys) == 2000
    assert keys <= big_table.keys
    limits = [scan["Limit"] for scan in scans]
    assert len(limits) >= 2
    assert limits[0] == 2000
    assert limits == sorted(limits, reverse=True)
    assert len(set(limits)) == len(limits)


@pytest.fixture
def sparse_table(service: DynamoDBService, table: str) -> str:
    """1,000 items in partition "f"; every 50th is a ~100 KB match (``hit = true``)."""
    service.batch_write_items(
        [
            {
                "pk": "f",
                "sk": i,
                "hit": i % 50 == 0,
                "pad": "y" * 100_000 if i % 50 == 0 else "z",
            }
            for i in range(1000)
        ],
        table,
    )
    return table


def test_sparse_filter_with_a_limit_returns_that_many_matches(
    service: DynamoDBService, sparse_table: str, sent: Sent
) -> None:
    # GIVEN 20 large matches among 1,000 items: DynamoDB Local pages them at 1 MB
    queries = sent(service, "Query")
    # WHEN 15 matches are asked for
    found = service.query(
        "pk = :p", {":p": "f", ":t": True}, sparse_table, 15, filter_expression="hit = :t"
    )
    # THEN the first 15 matches come back, over several pages, with no request Limit
    # (a Limit would count the items read, not the matches)
    assert [item["sk"] for item in found] == [50 * n for n in range(15)]
    assert len(queries) >= 2
    assert all("Limit" not in query for query in queries)


def test_sparse_filter_without_a_limit_returns_every_match(
    service: DynamoDBService, sparse_table: str, sent: Sent
) -> None:
    # GIVEN 20 large matches among 1,000 items
    queries = sent(service, "Query")
    scans = sent(service, "Scan")
    # WHEN every match is asked for, by query and by scan (the latter with a limit)
    found = service.query(
        "pk = :p", {":p": "f", ":t": True}, sparse_table, filter_expression="hit = :t"
    )
    scanned = service.scan("hit = :t", {":t": True}, sparse_table, 15)
    # THEN all 20 (and 15) matches come back, each read over more than one page
    assert [item["sk"] for item in found] == [50 * n for n in range(20)]
    assert len(scanned) == 15
    assert all(item["hit"] is True for item in scanned)
    assert len(queries) >= 2
    assert len(scans) >= 2
    assert all("Limit" not in scan for scan in scans)


def test_query_filter_cannot_name_a_key_attribute(service: DynamoDBService, table: str) -> None:
    # GIVEN an item
    service.put_item({"pk": "a", "sk": 1}, table)
    # WHEN a query filters on the sort key
    # THEN DynamoDB Local refuses it, and the ClientError reaches the caller unchanged
    with pytest.raises(ClientError) as refused:
        service.query("pk = :p", {":p": "a", ":s": 0}, table, filter_expression="sk > :s")
    assert code_of(refused.value) == "ValidationException"
    assert "non-primary key" in str(refused.value)
    # AND a scan may filter on a key attribute (as in AWS)
    assert service.scan("pk = :p", {":p": "a"}, table) == [{"pk": "a", "sk": 1}]


def _by_owner() -> dict[str, Any]:
    return {"index_name": GSI_NAME, "expression_attribute_names": {"#o": "owner"}}


def test_query_and_scan_through_a_gsi(service: DynamoDBService, gsi_table: str) -> None:
    # GIVEN ten documents owned by ann or bob, and one with no owner
    documents = [
        {"pk": f"doc{i}", "sk": 0, "owner": "ann" if i % 2 == 0 else "bob", "rank": 10 - i}
        for i in range(10)
    ]
    service.batch_write_items([*documents, {"pk": "orphan", "sk": 0}], gsi_table)
    # WHEN ann's documents are queried through the index, forwards, backwards, by rank
    forwards = service.query("#o = :o", {":o": "ann"}, gsi_table, **_by_owner())
    backwards = service.query(
        "#o = :o", {":o": "ann"}, gsi_table, 2, scan_index_forward=False, **_by_owner()
    )
    ranked = service.query(
        "#o = :o AND #r > :r",
        {":o": "ann", ":r": 5},
        gsi_table,
        index_name=GSI_NAME,
        expression_attribute_names={"#o": "owner", "#r": "rank"},
    )
    indexed = service.scan(table_name=gsi_table, index_name=GSI_NAME)
    # THEN they come in rank order, whole items (projection ALL); the orphan is not indexed
    assert [item["pk"] for item in forwards] == ["doc8", "doc6", "doc4", "doc2", "doc0"]
    assert forwards[0] == documents[8]
    assert [item["pk"] for item in backwards] == ["doc0", "doc2"]
    assert [item["rank"] for item in ranked] == [6, 8, 10]
    assert sorted(item["pk"] for item in indexed) == sorted(d["pk"] for d in documents)


# -- batches ----------------------------------------------------------------------------


def test_batch_write_refuses_duplicate_keys_before_writing(
    service: DynamoDBService, table: str, sent: Sent
) -> None:
    # GIVEN 30 items, the last with the key of the first (1 and 1.0 are one number)
    items: list[Item] = [{"pk": "d", "sk": i} for i in range(1, 30)] + [{"pk": "d", "sk": 1.0}]
    writes = sent(service, "BatchWriteItem")
    # WHEN they are batch-written
    # THEN it is a ValueError, and nothing was sent or written
    with pytest.raises(ValueError, match="same primary key"):
        service.batch_write_items(items, table)
    assert writes == []
    assert service.scan(table_name=table) == []


def test_batch_write_and_get_thousands_of_items(
    service: DynamoDBService, table: str, sent: Sent
) -> None:
    # GIVEN 3,000 items over ten partitions
    items: list[Item] = [{"pk": f"p{i % 10}", "sk": i, "v": f"value {i}"} for i in range(3000)]
    writes = sent(service, "BatchWriteItem")
    gets = sent(service, "BatchGetItem")
    # WHEN they are batch-written
    service.batch_write_items(items, table)
    # THEN they went 25 a request, and a scan counts all of them back
    assert len(writes) >= 120
    assert all(len(write["RequestItems"][table]) <= 25 for write in writes)
    assert sorted(key_of(item) for item in service.scan(table_name=table)) == sorted(
        key_of(item) for item in items
    )
    # WHEN they are batch-read in a shuffled order, with duplicates and missing keys
    keys: list[Key] = [{"pk": item["pk"], "sk": item["sk"]} for item in items]
    random.Random(7).shuffle(keys)
    missing: list[Key] = [{"pk": "nobody", "sk": n} for n in range(5)]
    asked = keys[:1000] + missing + keys[:50] + keys[1000:] + missing[:2]
    found = service.batch_get_items(asked, table)
    # THEN every item comes back once, in the order its key first appears; missing are skipped
    by_key = {key_of(item): item for item in items}
    assert found == [by_key[key_of(key)] for key in keys]
    # AND each distinct key was asked once, at most 100 a request
    sent_keys = [key_of(_plain(k)) for get in gets for k in get["RequestItems"][table]["Keys"]]
    assert len(sent_keys) == len(set(sent_keys)) == 3005
    assert len(gets) == math.ceil(3005 / 100)


def _plain(wire_key: dict[str, dict[str, str]]) -> Item:
    return {"pk": wire_key["pk"]["S"], "sk": int(wire_key["sk"]["N"])}


# -- transactions -------------------------------------------------------------------------

ALICE: Key = {"pk": "account", "sk": 1}
BOB: Key = {"pk": "account", "sk": 2}


def _open_accounts(service: DynamoDBService, table: str) -> None:
    service.put_item({**ALICE, "owner_name": "alice", "balance": 100}, table)
    service.put_item({**BOB, "owner_name": "bob", "balance": 0}, table)


def _transfer(amount: int, table: str) -> list[WriteAction]:
    return [
        Update(
            ALICE,
            "SET balance = balance - :amount",
            {":amount": amount},
            table,
            condition_expression="balance >= :amount",
        ),
        Update(BOB, "SET balance = balance + :amount", {":amount": amount}, table),
    ]


def _balances(service: DynamoDBService, table: str) -> list[Any]:
    found = service.transact_get_items([Get(ALICE, table), Get(BOB, table)])
    return [None if item is None else item["balance"] for item in found]


def test_transfer_transaction_commits(service: DynamoDBService, table: str) -> None:
    # GIVEN alice with 100 and bob with 0
    _open_accounts(service, table)
    # WHEN 30 are transferred in one transaction
    service.transact_write_items(_transfer(30, table))
    # THEN both sides changed
    assert _balances(service, table) == [70, 30]


def test_transfer_transaction_cancelled_by_its_condition_changes_nothing(
    service: DynamoDBService, table: str
) -> None:
    # GIVEN alice with 100 and bob with 0
    _open_accounts(service, table)
    # WHEN 500 are transferred, more than alice has
    # THEN botocore's TransactionCanceledException names each action's reason
    with pytest.raises(service.client.exceptions.TransactionCanceledException) as cancelled:
        service.transact_write_items(_transfer(500, table))
    reasons = cancelled.value.response.get("CancellationReasons", [])
    assert [reason.get("Code") for reason in reasons] == ["ConditionalCheckFailed", "None"]
    # AND neither account changed
    assert _balances(service, table) == [100, 0]


def test_transaction_of_put_delete_and_condition_check(
    service: DynamoDBService, table: str
) -> None:
    # GIVEN the accounts and an old item
    _open_accounts(service, table)
    old: Key = {"pk": "old", "sk": 1}
    service.put_item({**old, "v": 1}, table)
    # WHEN one transaction puts a new item, deletes the old one and checks alice's balance
    service.transact_write_items(
        [
            Put(
                {"pk": "new", "sk": 1, "v": 2},
                table,
                condition_expression="attribute_not_exists(pk)",
            ),
            Delete(old, table, condition_expression="attribute_exists(pk)"),
            ConditionCheck(ALICE, "balance >= :min", {":min": 100}, table),
        ]
    )
    # THEN all of it happened
    assert service.get_item({"pk": "new", "sk": 1}, table) == {"pk": "new", "sk": 1, "v": 2}
    assert service.get_item(old, table) is None


def test_transact_get_items_in_order_with_projection_and_absent_items(
    service: DynamoDBService, table: str
) -> None:
    # GIVEN the accounts
    _open_accounts(service, table)
    # WHEN alice (projected), an absent item and bob are read in one transaction
    found = service.transact_get_items(
        [
            Get(
                ALICE,
                table,
                projection_expression="#b",
                expression_attribute_names={"#b": "balance"},
            ),
            Get({"pk": "account", "sk": 99}, table),
            Get(BOB, table),
        ]
    )
    # THEN they come in the order asked, None for the absent one, projection honoured
    assert found == [{"balance": 100}, None, {**BOB, "owner_name": "bob", "balance": 0}]


def test_client_request_token_makes_a_resend_a_no_op(service: DynamoDBService, table: str) -> None:
    # GIVEN alice with 100, and a deposit of 10 with a request token
    _open_accounts(service, table)
    token = str(uuid.uuid4())
    deposit: list[WriteAction] = [Update(ALICE, "ADD balance :d", {":d": 10}, table)]
    # WHEN the same transaction is sent twice with that token
    service.transact_write_items(deposit, client_request_token=token)
    service.transact_write_items(deposit, client_request_token=token)
    # THEN DynamoDB Local applied it once
    assert _balances(service, table) == [110, 0]
    # AND the token with different actions is refused, changing nothing
    with pytest.raises(service.client.exceptions.IdempotentParameterMismatchException):
        service.transact_write_items(
            [Update(ALICE, "ADD balance :d", {":d": 20}, table)], client_request_token=token
        )
    assert _balances(service, table) == [110, 0]
    # AND without a token the same transaction applies every time
    service.transact_write_items(deposit)
    service.transact_write_items(deposit)
    assert _balances(service, table) == [130, 0]


# -- PartiQL ------------------------------------------------------------------------------


def test_partiql_insert_and_select_with_parameters(service: DynamoDBService, table: str) -> None:
    # GIVEN an INSERT with ? parameters given as plain Python values
    insert = f"INSERT INTO \"{table}\" VALUE {{'pk': ?, 'sk': ?, 'price': ?, 'tags': ?}}"
    service.execute_statement(insert, ["book", 1, 0.1, {"new", "paper"}])
    service.put_item({"pk": "book", "sk": 2, "price": 12}, table)
    service.put_item({"pk": "pen", "sk": 1, "price": 3}, table)
    # WHEN the item is read back, and a parameterized SELECT runs
    stored = service.get_item({"pk": "book", "sk": 1}, table)
    rows = service.execute_statement(
        f'SELECT * FROM "{table}" WHERE pk = ? AND price > ?', ["book", 1], consistent_read=True
    )
    # THEN the INSERT stored the converted values, and the SELECT found the matches
    assert stored == {"pk": "book", "sk": 1, "price": 0.1, "tags": {"new", "paper"}}
    assert sorted(row["sk"] for row in rows) == [2]
    # AND inserting the same key again is refused (DynamoDB Local's code: "DuplicateItem";
    # AWS documents "DuplicateItemException")
    with pytest.raises(ClientError) as refused:
        service.execute_statement(insert, ["book", 1, 0.2, {"x"}])
    assert code_of(refused.value).startswith("DuplicateItem")
    assert service.get_item({"pk": "book", "sk": 1}, table) == stored


@pytest.mark.parametrize("limit", [0, 100, 1200])
def test_partiql_select_follows_next_token(
    service: DynamoDBService, big_table: BigTable, sent: Sent, limit: int
) -> None:
    # GIVEN the 1.5 MB partition, which DynamoDB Local returns in 1 MB PartiQL pages
    statements = sent(service, "ExecuteStatement")
    # WHEN it is selected with a limit (0: all)
    rows = service.execute_statement(
        f'SELECT * FROM "{big_table.name}" WHERE pk = ?', [BIG_PARTITION], limit=limit
    )
    # THEN exactly that many distinct rows come back, following NextToken when needed
    wanted = limit or BIG_PARTITION_SIZE
    assert len(rows) == len({key_of(row) for row in rows}) == wanted
    assert len(statements) == (1 if wanted <= big_table.first_page else 2)
    assert all("NextToken" in statement for statement in statements[1:])


# -- streaming reads and parallel scan ---------------------------------------------------


def test_iter_scan_holds_one_page_at_a_time(
    service: DynamoDBService, table: str, sent: Sent
) -> None:
    # GIVEN 200 items of 100 KB: 20 MB, about 20 DynamoDB pages
    count, size = 200, 100_000
    service.batch_write_items(
        [{"pk": f"m{i % 4}", "sk": i, "pad": "x" * size} for i in range(count)], table
    )
    scans = sent(service, "Scan")
    gc.collect()
    tracemalloc.start()
    try:
        # WHEN it is streamed item by item, noting the memory held at every item
        streamed = padding = 0
        held = 0
        for item in service.iter_scan(table_name=table):
            streamed += 1
            padding += len(item["pad"])
            held = max(held, tracemalloc.get_traced_memory()[0])
        streamed_pages = len(scans)
        # AND then read as a list
        listed = service.scan(table_name=table)
        list_held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    # THEN the stream saw every item over many pages, never holding more than a page or
    # two of the table (a page is about 1.1 MB), while the list holds the whole table.
    # (The parser's transient peak while a page is parsed is not held: orjson takes about
    # 13 times a body made of 100 KB strings, for a moment.)
    assert (streamed, padding, len(listed)) == (count, count * size, count)
    assert streamed_pages >= 15
    assert held < count * size / 6
    assert list_held > count * size


StreamOf = Callable[[DynamoDBService, str], Iterator[Item]]
STREAMS: dict[str, StreamOf] = {
    "Scan": lambda service, table: service.iter_scan(table_name=table),
    "Query": lambda service, table: service.iter_query("pk = :p", {":p": BIG_PARTITION}, table),
}


@pytest.mark.parametrize("operation", list(STREAMS))
def test_an_abandoned_stream_sends_no_further_request(
    service: DynamoDBService, big_table: BigTable, sent: Sent, operation: str
) -> None:
    # GIVEN a table of several pages
    requests = sent(service, operation)
    stream_of = STREAMS[operation]
    # WHEN the caller breaks out after the first item
    for _ in stream_of(service, big_table.name):
        break
    gc.collect()
    # THEN one page was read, and nothing more
    assert len(requests) == 1
    # WHEN a stream is made, one item taken, then dropped
    stream = stream_of(service, big_table.name)
    before_first = len(requests)
    next(stream)
    after_first = len(requests)
    del stream
    gc.collect()
    # THEN nothing was sent before the first item, one request for it, none after
    assert (before_first, after_first, len(requests)) == (1, 2, 2)


@pytest.mark.parametrize("segments", [4, 8])
def test_parallel_scan_reads_every_item_once(
    service: DynamoDBService, big_table: BigTable, sent: Sent, segments: int
) -> None:
    # GIVEN 3,000 items and a plain scan of them
    plain = {key_of(item) for item in service.scan(table_name=big_table.name)}
    scans = sent(service, "Scan")
    # WHEN they are scanned in segments, as a list and as a stream
    parallel = [key_of(item) for item in service.scan(table_name=big_table.name, segments=segments)]
    streamed = {
        key_of(item) for item in service.iter_scan(table_name=big_table.name, segments=segments)
    }
    # THEN each holds every item exactly once, the same set as the plain scan
    assert len(parallel) == len(set(parallel)) == len(big_table.keys)
    assert set(parallel) == streamed == plain == big_table.keys
    # AND every segment was really asked for
    asked = {(scan["Segment"], scan["TotalSegments"]) for scan in scans}
    assert asked == {(segment, segments) for segment in range(segments)}


# -- lifetime -----------------------------------------------------------------------------

ClosedCall = Callable[[DynamoDBService, str], object]
AFTER_CLOSE: dict[str, ClosedCall] = {
    "ping": lambda s, t: s.ping(),
    "table_exists": lambda s, t: s.table_exists(t),
    "list_tables": lambda s, t: s.list_tables(),
    "create_table": lambda s, t: s.create_table(t, KEY_SCHEMA, ATTRIBUTES),
    "delete_table": lambda s, t: s.delete_table(t),
    "put_item": lambda s, t: s.put_item({"pk": "a", "sk": 1}, t),
    "get_item": lambda s, t: s.get_item({"pk": "a", "sk": 1}, t),
    "update_item": lambda s, t: s.update_item({"pk": "a", "sk": 1}, "SET v = :v", {":v": 1}, t),
    "delete_item": lambda s, t: s.delete_item({"pk": "a", "sk": 1}, t),
    "query": lambda s, t: s.query("pk = :p", {":p": "a"}, t),
    "iter_query": lambda s, t: list(s.iter_query("pk = :p", {":p": "a"}, t)),
    "scan": lambda s, t: s.scan(table_name=t),
    "iter_scan": lambda s, t: list(s.iter_scan(table_name=t)),
    "parallel scan": lambda s, t: s.scan(table_name=t, segments=4),
    "batch_write_items": lambda s, t: s.batch_write_items([{"pk": "a", "sk": 1}], t),
    "batch_get_items": lambda s, t: s.batch_get_items([{"pk": "a", "sk": 1}], t),
    "transact_write_items": lambda s, t: s.transact_write_items([Put({"pk": "a", "sk": 1}, t)]),
    "transact_get_items": lambda s, t: s.transact_get_items([Get({"pk": "a", "sk": 1}, t)]),
    "execute_statement": lambda s, t: s.execute_statement(f'SELECT * FROM "{t}"'),
}


@pytest.mark.parametrize("operation", list(AFTER_CLOSE))
def test_every_operation_after_close_is_a_runtime_error(
    service_factory: ServiceFactory, admin: DynamoDBService, sent: Sent, operation: str
) -> None:
    # GIVEN a service that worked, then was closed
    closed = service_factory()
    requests = sent(closed, "*")
    assert closed.ping() is True
    assert closed.list_tables() is not None
    assert len(requests) == 1
    requests.clear()
    closed.close()
    # WHEN any operation is called (on a table that does not exist: were the call sent,
    # DynamoDB would answer ResourceNotFoundException, or create the table)
    name = unique_table_name(f"closed-{operation}")
    try:
        # THEN it is a clear RuntimeError, and no request was sent
        with pytest.raises(RuntimeError, match="closed"):
            AFTER_CLOSE[operation](closed, name)
        assert requests == []
    finally:
        drop_table(admin, name)


def test_a_with_block_closes_the_service(dynamodb_endpoint: str, table: str) -> None:
    # GIVEN a service used as a context manager
    with DynamoDBService(logger=logger(), config=make_config(dynamodb_endpoint)) as managed:
        inside = managed.get_item({"pk": "a", "sk": 1}, table)
    # WHEN it is used after the block
    # THEN it worked inside and is closed after
    assert inside is None
    with pytest.raises(RuntimeError, match="closed"):
        managed.get_item({"pk": "a", "sk": 1}, table)
