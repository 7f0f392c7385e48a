"""The fault proxy itself, driven by raw boto3 clients against DynamoDB Local."""

from __future__ import annotations

import json
import threading
import time
import uuid
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import (
    ChecksumError,
    ClientError,
    ConnectionClosedError,
    EndpointConnectionError,
    ReadTimeoutError,
)
from mypy_boto3_dynamodb import DynamoDBClient
from mypy_boto3_dynamodb.type_defs import KeysAndAttributesTypeDef, WriteRequestTypeDef

from devtools.dynamodb_local import DynamoDBLocal
from integration_tests.adversarial.proxy import FaultProxy, corrupt
from integration_tests.support import plain_client

pytestmark = pytest.mark.integration

TABLE = "fault-proxy-a"
OTHER_TABLE = "fault-proxy-b"
MakeClient = Callable[..., DynamoDBClient]


def new_client(endpoint_url: str, attempts: int = 1, read_timeout: float = 10.0) -> DynamoDBClient:
    return plain_client(endpoint_url, attempts=attempts, read_timeout=read_timeout)


@pytest.fixture(scope="module")
def upstream() -> Iterator[DynamoDBClient]:
    """A direct client to a DynamoDB Local holding two tables keyed by ``pk``."""
    with DynamoDBLocal() as server:
        client = new_client(server.endpoint_url)
        for table in (TABLE, OTHER_TABLE):
            client.create_table(
                TableName=table,
                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                BillingMode="PAY_PER_REQUEST",
            )
        try:
            yield client
        finally:
            client.close()


@pytest.fixture
def proxy(upstream: DynamoDBClient) -> Iterator[FaultProxy]:
    with FaultProxy(upstream.meta.endpoint_url) as fault_proxy:
        yield fault_proxy


@pytest.fixture
def make_client(proxy: FaultProxy) -> Iterator[MakeClient]:
    """Clients pointed at the proxy, all closed at the end of the test."""
    clients: list[DynamoDBClient] = []

    def make(
        attempts: int = 1, read_timeout: float = 10.0, check_crc: bool = True
    ) -> DynamoDBClient:
        client = new_client(proxy.endpoint_url, attempts, read_timeout)
        if check_crc:  # in standard mode botocore only retries on a bad CRC, never raises
            client.meta.events.register("before-parse.dynamodb", require_crc)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def require_crc(response_dict: dict[str, Any], **kwargs: Any) -> None:
    """Fail the call unless the response carries the right ``x-amz-crc32``."""
    expected = response_dict["headers"].get("x-amz-crc32")
    assert expected == str(zlib.crc32(response_dict["body"])), "missing or wrong x-amz-crc32"


def keys(count: int) -> list[str]:
    """Fresh partition keys, so tests sharing the tables never see each other's items."""
    prefix = uuid.uuid4().hex[:8]
    return [f"{prefix}-{i}" for i in range(count)]


def put(pk: str) -> WriteRequestTypeDef:
    return {"PutRequest": {"Item": {"pk": {"S": pk}, "v": {"N": "1"}}}}


def stored(client: DynamoDBClient, table: str, pks: list[str]) -> list[str]:
    """The keys among ``pks`` that exist in ``table``, read item by item."""
    found = [
        client.get_item(TableName=table, Key={"pk": {"S": pk}}, ConsistentRead=True) for pk in pks
    ]
    return [pk for pk, answer in zip(pks, found, strict=True) if "Item" in answer]


def test_normal_traffic_passes_and_is_counted(proxy: FaultProxy, make_client: MakeClient) -> None:
    # GIVEN a proxy with no fault and a client that does not retry
    client = make_client()
    [pk] = keys(1)
    # WHEN an item is written then read through the proxy
    client.put_item(TableName=TABLE, Item={"pk": {"S": pk}, "v": {"S": "x"}})
    answer = client.get_item(TableName=TABLE, Key={"pk": {"S": pk}})
    # THEN the answers pass botocore's CRC check and every request is counted
    assert answer["Item"] == {"pk": {"S": pk}, "v": {"S": "x"}}
    assert proxy.requests == ["PutItem", "GetItem"]
    assert (proxy.count("PutItem"), proxy.count("BatchWriteItem")) == (1, 0)


@pytest.mark.parametrize(
    ("count", "fraction", "withheld"),
    [(4, 0.5, 2), (5, 0.5, 2), (1, 0.5, 1), (3, 1.0, 3), (4, 0.25, 1), (2, 0.1, 1)],
)
def test_unprocessed_writes_withholds_the_last_share(
    proxy: FaultProxy,
    make_client: MakeClient,
    upstream: DynamoDBClient,
    count: int,
    fraction: float,
    withheld: int,
) -> None:
    # GIVEN one round of unprocessed writes
    proxy.unprocessed_writes(1, fraction)
    pks = keys(count)
    # WHEN a batch of puts goes through
    answer = make_client().batch_write_item(RequestItems={TABLE: [put(pk) for pk in pks]})
    # THEN the last ones come back unprocessed, and only the others were written
    assert answer["UnprocessedItems"] == {TABLE: [put(pk) for pk in pks[count - withheld :]]}
    assert stored(upstream, TABLE, pks) == pks[: count - withheld]


def test_unprocessed_writes_stop_after_their_rounds_and_span_tables(
    proxy: FaultProxy, make_client: MakeClient, upstream: DynamoDBClient
) -> None:
    # GIVEN one round of unprocessed writes and a batch over two tables
    proxy.unprocessed_writes(1)
    a, b = keys(2), keys(2)
    batch: dict[str, list[WriteRequestTypeDef]] = {
        TABLE: [put(pk) for pk in a],
        OTHER_TABLE: [put(pk) for pk in b],
    }
    client = make_client()
    # WHEN the batch is sent twice
    first = client.batch_write_item(RequestItems=batch)
    second = client.batch_write_item(RequestItems=batch)
    # THEN the first round withholds the last half across tables, the second nothing
    assert first["UnprocessedItems"] == {OTHER_TABLE: [put(pk) for pk in b]}
    assert second["UnprocessedItems"] == {}
    assert (stored(upstream, TABLE, a), stored(upstream, OTHER_TABLE, b)) == (a, b)
    assert proxy.count("BatchWriteItem") == 2


def test_withhold_items_always_withholds_matching_puts_and_deletes(
    proxy: FaultProxy, make_client: MakeClient, upstream: DynamoDBClient
) -> None:
    # GIVEN a poisoned key the proxy never lets through, and an item to delete
    good, poison, doomed = keys(3)
    upstream.put_item(TableName=TABLE, Item={"pk": {"S": doomed}})
    proxy.withhold_items(lambda item: item["pk"]["S"] in (poison, doomed))
    delete: WriteRequestTypeDef = {"DeleteRequest": {"Key": {"pk": {"S": doomed}}}}
    batch = {TABLE: [put(poison), put(good), delete]}
    client = make_client()
    # WHEN the batch is sent three times
    answers = [client.batch_write_item(RequestItems=batch) for _ in range(3)]
    # THEN each answer holds exactly the matching writes; the rest landed
    for answer in answers:
        assert answer["UnprocessedItems"] == {TABLE: [put(poison), delete]}
    assert stored(upstream, TABLE, [good, poison, doomed]) == [good, doomed]


def test_unprocessed_reads_withhold_the_last_keys_with_the_table_options(
    proxy: FaultProxy, make_client: MakeClient, upstream: DynamoDBClient
) -> None:
    # GIVEN four stored items and one round of unprocessed reads
    pks = keys(4)
    for pk in pks:
        upstream.put_item(TableName=TABLE, Item={"pk": {"S": pk}, "v": {"N": "7"}})
    proxy.unprocessed_reads(1)
    spec: KeysAndAttributesTypeDef = {
        "Keys": [{"pk": {"S": pk}} for pk in pks],
        "ConsistentRead": True,
        "ProjectionExpression": "#k",
        "ExpressionAttributeNames": {"#k": "pk"},
    }
    request = {TABLE: spec}
    client = make_client()
    # WHEN the keys are read twice in a batch
    first = client.batch_get_item(RequestItems=request)
    second = client.batch_get_item(RequestItems=request)
    # THEN the first answer holds the first half, and the last half as UnprocessedKeys
    assert sorted(item["pk"]["S"] for item in first["Responses"][TABLE]) == pks[:2]
    assert first["Responses"][TABLE][0].keys() == {"pk"}
    assert first["UnprocessedKeys"] == {
        TABLE: {**spec, "Keys": [{"pk": {"S": pk}} for pk in pks[2:]]}
    }
    # AND the round is used up
    assert len(second["Responses"][TABLE]) == 4
    assert second["UnprocessedKeys"] == {}


def test_withhold_keys_can_withhold_every_key(
    proxy: FaultProxy, make_client: MakeClient, upstream: DynamoDBClient
) -> None:
    # GIVEN a proxy that withholds every key
    [pk] = keys(1)
    upstream.put_item(TableName=TABLE, Item={"pk": {"S": pk}})
    proxy.withhold_keys(lambda key: True)
    # WHEN a batch get asks for the item
    answer = make_client().batch_get_item(RequestItems={TABLE: {"Keys": [{"pk": {"S": pk}}]}})
    # THEN nothing is read and the key comes back unprocessed
    assert answer["Responses"] == {TABLE: []}
    assert answer["UnprocessedKeys"] == {TABLE: {"Keys": [{"pk": {"S": pk}}]}}


def test_throttle_fails_a_single_attempt(proxy: FaultProxy, make_client: MakeClient) -> None:
    # GIVEN one throttle and a client making a single attempt
    proxy.throttle(1)
    client = make_client(attempts=1)
    # WHEN it calls
    with pytest.raises(client.exceptions.ProvisionedThroughputExceededException) as raised:
        client.list_tables()
    # THEN the throttle error is raised, then the next call passes
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    client.list_tables()
    assert proxy.count("ListTables") == 2


@pytest.mark.parametrize(("fault", "status"), [("throttle", 400), ("server_errors", 500)])
def test_retryable_faults_are_retried_through(
    proxy: FaultProxy, make_client: MakeClient, fault: str, status: int
) -> None:
    # GIVEN two injected errors and a client allowed three attempts
    getattr(proxy, fault)(2)
    client = make_client(attempts=3)
    # WHEN it calls
    answer = client.list_tables()
    # THEN it succeeds on the third request, after two of the status
    assert answer["ResponseMetadata"]["RetryAttempts"] == 2
    assert proxy.count("ListTables") == 3
    # AND with a single attempt, the error surfaces
    getattr(proxy, fault)(1)
    with pytest.raises(ClientError) as raised:
        make_client(attempts=1).list_tables()
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == status


def test_faults_can_target_one_operation(proxy: FaultProxy, make_client: MakeClient) -> None:
    # GIVEN a server error meant for GetItem only
    proxy.server_errors(1, operation="GetItem")
    client = make_client()
    [pk] = keys(1)
    # WHEN another operation runs, then GetItem
    client.put_item(TableName=TABLE, Item={"pk": {"S": pk}})
    # THEN only GetItem fails
    with pytest.raises(ClientError, match="InternalServerError"):
        client.get_item(TableName=TABLE, Key={"pk": {"S": pk}})


def test_hang_times_the_client_out(proxy: FaultProxy, make_client: MakeClient) -> None:
    # GIVEN one hung request and a client with a short read timeout and one attempt
    proxy.hang(1)
    client = make_client(read_timeout=0.5)
    # WHEN it calls
    with pytest.raises(ReadTimeoutError):
        client.list_tables()
    # THEN the hang is used up: the next call is answered
    client.list_tables()


def handler_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if "process_request_thread" in t.name}


def test_close_ends_hung_and_idle_connections_promptly(
    proxy: FaultProxy, make_client: MakeClient
) -> None:
    # GIVEN a kept-alive idle connection, and a client waiting on a hung request
    others = handler_threads()
    make_client().list_tables()
    proxy.hang(None)
    hung = make_client(read_timeout=30)
    errors: list[Exception] = []

    def call() -> None:
        try:
            hung.list_tables()
        except Exception as error:  # noqa: BLE001 - the test inspects it
            errors.append(error)

    waiter = threading.Thread(target=call)
    waiter.start()
    while proxy.count("ListTables") < 2:
        time.sleep(0.01)
    assert len(handler_threads() - others) == 2
    # WHEN the proxy closes
    started = time.monotonic()
    proxy.close()
    # THEN it is done within a second, its handler threads have ended,
    waited = time.monotonic() - started
    waiter.join(timeout=5)
    assert waited < 1.0
    assert handler_threads() - others == set()
    # AND the waiting client saw the connection end, and new calls are refused
    assert [type(error) for error in errors] == [ConnectionClosedError]
    with pytest.raises(EndpointConnectionError):
        make_client().list_tables()


def test_drop_mid_response_is_caught_by_the_crc_and_retried(
    proxy: FaultProxy, make_client: MakeClient, upstream: DynamoDBClient
) -> None:
    # GIVEN one response cut after half its body and a client allowed two attempts
    proxy.drop_mid_response(1)
    [pk] = keys(1)
    # WHEN it writes an item
    answer = make_client(attempts=2, check_crc=False).put_item(
        TableName=TABLE, Item={"pk": {"S": pk}}
    )
    # THEN the CRC mismatch made botocore send the request again, and the item is there
    assert answer["ResponseMetadata"]["RetryAttempts"] == 1
    assert proxy.count("PutItem") == 2
    assert stored(upstream, TABLE, [pk]) == [pk]


def test_drop_mid_response_on_the_last_attempt_returns_a_truncated_answer(
    proxy: FaultProxy, make_client: MakeClient
) -> None:
    # GIVEN one cut response and a client in standard mode with a single attempt
    proxy.drop_mid_response(1)
    client = make_client(attempts=1, check_crc=False)
    # WHEN it lists tables
    try:
        answer = client.list_tables()
    except ConnectionClosedError:
        pass  # this botocore refuses the short read itself
    else:
        # THEN (other botocore releases) it raises nothing: the answer silently lacks its fields
        assert "TableNames" not in answer
        assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200
    # AND a legacy-mode client raises a checksum error for the same fault
    proxy.drop_mid_response(1)
    legacy = boto3.client(
        "dynamodb",
        region_name="us-east-1",
        endpoint_url=proxy.endpoint_url,
        aws_access_key_id="local",
        aws_secret_access_key="local",
        config=Config(retries={"total_max_attempts": 1, "mode": "legacy"}),
    )
    try:
        with pytest.raises((ChecksumError, ConnectionClosedError)):
            legacy.list_tables()
    finally:
        legacy.close()


def test_drop_mid_response_with_reset_raises_after_upstream_applied_the_call(
    proxy: FaultProxy, make_client: MakeClient, upstream: DynamoDBClient
) -> None:
    # GIVEN one response cut by a TCP reset and a client making a single attempt
    proxy.drop_mid_response(1, reset=True)
    client = make_client()
    [pk] = keys(1)
    # WHEN it writes an item
    with pytest.raises(ConnectionClosedError):
        client.put_item(TableName=TABLE, Item={"pk": {"S": pk}})
    # THEN the write happened upstream nonetheless, and the next call is answered
    assert stored(upstream, TABLE, [pk]) == [pk]
    client.list_tables()


def test_reset_clears_every_fault(proxy: FaultProxy, make_client: MakeClient) -> None:
    # GIVEN every kind of fault, then a reset
    proxy.throttle(5)
    proxy.server_errors(5)
    proxy.hang(None)
    proxy.drop_mid_response(5)
    proxy.unprocessed_writes(None, 1.0)
    proxy.reset()
    client = make_client()
    [pk] = keys(1)
    # WHEN calls go through
    client.list_tables()
    answer = client.batch_write_item(RequestItems={TABLE: [put(pk)]})
    # THEN none is faulted
    assert answer["UnprocessedItems"] == {}


def test_fraction_must_be_a_share() -> None:
    # GIVEN a proxy (no upstream needed)  WHEN a fraction outside (0, 1] is given  THEN it fails
    with FaultProxy("http://127.0.0.1:9") as fault_proxy, pytest.raises(ValueError):
        fault_proxy.unprocessed_writes(1, 0.0)


def test_corrupt_keeps_length_and_json_outside_strings_and_changes_letters_inside() -> None:
    # GIVEN a DynamoDB answer with literals, numbers, an escaped quote and a \u escape
    body = b'{"Item":{"v":{"S":"a\\"b\\u00e9c"},"t":{"BOOL":true},"n":{"NULL":true}},"x":1.5e3}'
    # WHEN it is corrupted
    damaged = corrupt(body)
    # THEN it has the same length, is still JSON, and only letters inside strings changed
    assert len(damaged) == len(body)
    assert json.loads(damaged) == {
        "ITEM": {"V": {"S": 'A"B\u00e9C'}, "T": {"BOOL": True}, "N": {"NULL": True}},
        "X": 1500.0,
    }


def test_corrupt_body_is_caught_only_by_the_crc_and_retried(
    proxy: FaultProxy, make_client: MakeClient, upstream: DynamoDBClient
) -> None:
    # GIVEN a stored item, and the raw body of every response the client receives
    [pk] = keys(1)
    upstream.put_item(TableName=TABLE, Item={"pk": {"S": pk}, "v": {"S": "value"}})
    seen: list[tuple[bytes, str]] = []

    def record(response_dict: dict[str, Any], **_: Any) -> None:
        seen.append((response_dict["body"], response_dict["headers"]["x-amz-crc32"]))

    client = make_client(attempts=2, check_crc=False)
    client.meta.events.register("before-parse.dynamodb.GetItem", record)
    # WHEN one response to GetItem is corrupted and the client may make two attempts
    proxy.corrupt_body(1, operation="GetItem")
    answer = client.get_item(TableName=TABLE, Key={"pk": {"S": pk}}, ConsistentRead=True)
    # THEN the damaged body kept its length and parsed as JSON, but not its CRC
    (damaged, crc), (whole, whole_crc) = seen
    assert len(damaged) == len(whole) and damaged != whole
    assert json.loads(damaged) == json.loads(corrupt(whole))
    assert crc == whole_crc == str(zlib.crc32(whole)) != str(zlib.crc32(damaged))
    # AND botocore's CRC check made it retry: the answer is the whole one
    assert proxy.count("GetItem") == 2
    assert answer["Item"] == {"pk": {"S": pk}, "v": {"S": "value"}}
