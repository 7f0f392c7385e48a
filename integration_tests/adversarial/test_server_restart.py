"""Server death and return under a live service object, straight on DynamoDB Local.

These tests stop and restart the session's DynamoDB Local (``-inMemory``: every table
is gone afterwards); the server is always started again, in a ``finally``, because
every later test of the session shares it.
"""

from __future__ import annotations

import time

import pytest
from botocore.exceptions import ConnectionClosedError, EndpointConnectionError
from mypy_boto3_dynamodb import DynamoDBClient

from devtools.dynamodb_local import DynamoDBLocal
from integration_tests.adversarial.conftest import (
    create_table_directly,
    drop_table_directly,
    stored_keys,
)
from integration_tests.support import ServiceFactory
from src.services.dynamodb.dynamodb_models import Put

# botocore's backoff between attempts on connection errors is tens of milliseconds;
# the slack covers a loaded 2-core machine.
SLACK_SECONDS = 2.0


@pytest.fixture
def server(dynamodb_server: DynamoDBLocal | None) -> DynamoDBLocal:
    """The session's DynamoDB Local; tests that stop it start it again in a ``finally``."""
    if dynamodb_server is None:
        pytest.skip("DYNAMODB_ENDPOINT_URL is set: this session did not start the server")
    return dynamodb_server


def test_a_live_service_raises_promptly_while_the_server_is_down_and_works_after_it_returns(
    server: DynamoDBLocal, direct_service: ServiceFactory, direct: DynamoDBClient, table: str
) -> None:
    # GIVEN a live service that has written to the table (its pool holds a kept-alive
    # connection, its key-schema cache knows the table)
    service = direct_service(connect_timeout_seconds=1.0, read_timeout_seconds=2.0, max_attempts=2)
    service.put_item({"pk": "p", "sk": 1, "v": "before"}, table)
    service.batch_write_items([{"pk": "p", "sk": 2}, {"pk": "p", "sk": 3}], table)
    bound = 2 * 1.0 + SLACK_SECONDS
    try:
        # WHEN the server dies under it
        server.stop()
        # THEN the next call raises a connection error promptly (about max_attempts x connect)
        started = time.monotonic()
        with pytest.raises((EndpointConnectionError, ConnectionClosedError)):
            service.get_item({"pk": "p", "sk": 1}, table)
        assert time.monotonic() - started < bound
        # AND so do a batch and a query; ping answers False, just as promptly
        started = time.monotonic()
        with pytest.raises((EndpointConnectionError, ConnectionClosedError)):
            service.batch_write_items([{"pk": "p", "sk": 4}], table)
        with pytest.raises((EndpointConnectionError, ConnectionClosedError)):
            service.query("pk = :p", {":p": "p"}, table)
        assert service.ping() is False
        assert time.monotonic() - started < 3 * bound
    finally:
        # WHEN it comes back on the same port (in memory: every table is gone)
        server.start()
    # THEN the same service object answers again, without being rebuilt
    assert service.ping() is True
    assert service.table_exists(table) is False
    # AND once the table is made again, every kind of call works through it
    create_table_directly(direct, table)
    service.put_item({"pk": "p", "sk": 1, "v": "after"}, table)
    service.batch_write_items([{"pk": "p", "sk": 2}, {"pk": "p", "sk": 3}], table)
    service.update_item({"pk": "p", "sk": 1}, "SET v = :v", {":v": "again"}, table)
    service.transact_write_items([Put({"pk": "p", "sk": 9}, table)])
    assert service.get_item({"pk": "p", "sk": 1}, table) == {"pk": "p", "sk": 1, "v": "again"}
    assert [item["sk"] for item in service.query("pk = :p", {":p": "p"}, table)] == [1, 2, 3, 9]
    assert stored_keys(direct, table) == {("p", 1), ("p", 2), ("p", 3), ("p", 9)}


def test_a_table_made_again_with_another_key_schema_is_used_by_the_same_service(
    direct_service: ServiceFactory, direct: DynamoDBClient, table: str
) -> None:
    # GIVEN a live service that has batch-written to the table (pk, sk), and so knows its key
    service = direct_service()
    service.batch_write_items([{"pk": "p", "sk": 1}], table)
    # WHEN someone else (or a server restart, then a setup script) makes the table again,
    # same name, now keyed by `id` alone
    drop_table_directly(direct, table)
    direct.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    # THEN the same service writes items of the new shape, by batch and by transaction
    service.batch_write_items([{"id": "a"}, {"id": "b"}], table)
    service.transact_write_items([Put({"id": "c"}, table)])
    assert {item["id"] for item in service.scan(table_name=table)} == {"a", "b", "c"}
