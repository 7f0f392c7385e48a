"""The async twin's lean path on both event loops a host runs: asyncio's and uvloop.

uvicorn runs on uvloop wherever it is installed (``uvicorn[standard]``), and uvloop's
transports are not ``asyncio``'s classes. Every operation here goes over the lean path on
each loop, against DynamoDB Local. ``DYNAMODB_TEST_LOOP=uvloop`` runs the whole async
suite on uvloop.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator

import pytest
import uvloop
from botocore.exceptions import ClientError

from integration_tests.support import ATTRIBUTES, KEY_SCHEMA, make_config, unique_table_name
from src.services.dynamodb.async_dynamodb_service import AsyncDynamoDBService
from src.services.dynamodb.dynamodb_models import ConditionCheck, Put
from src.services.dynamodb.dynamodb_service import DynamoDBService

LOOPS: dict[str, Callable[[], asyncio.AbstractEventLoop]] = {
    "asyncio": asyncio.new_event_loop,
    "uvloop": uvloop.new_event_loop,
}


@pytest.fixture
def loop_table(admin: DynamoDBService, request: pytest.FixtureRequest) -> Iterator[str]:
    """A table of this test (pk S, sk N), deleted afterwards."""
    name = unique_table_name(request.node.name)
    admin.create_table(name, KEY_SCHEMA, ATTRIBUTES)
    try:
        yield name
    finally:
        admin.delete_table(name)


async def _every_operation(service: AsyncDynamoDBService, table: str) -> None:
    """Writes, reads, pages, batches, a transaction and a refused condition, checked."""
    await service.put_item({"pk": "a", "sk": 1, "note": "first"}, table)
    assert await service.get_item({"pk": "a", "sk": 1}, table) == {
        "pk": "a",
        "sk": 1,
        "note": "first",
    }
    with pytest.raises(ClientError) as refused:
        await service.put_item(
            {"pk": "a", "sk": 1}, table, condition_expression="attribute_not_exists(pk)"
        )
    assert refused.value.response["Error"]["Code"] == "ConditionalCheckFailedException"
    items = [{"pk": "b", "sk": n, "v": "x" * n} for n in range(70)]
    await service.batch_write_items(items, table)
    page = await service.query_page("pk = :p", {":p": "b"}, table, page_size=30)
    assert [item["sk"] for item in page.items] == list(range(30))
    assert await service.query("pk = :p", {":p": "b"}, table) == items
    assert await service.batch_get_items([{"pk": "b", "sk": n} for n in range(70)], table) == items
    await service.transact_write_items(
        [
            Put({"pk": "c", "sk": 1}, table),
            ConditionCheck({"pk": "a", "sk": 1}, "attribute_exists(pk)", table_name=table),
        ]
    )
    found = await asyncio.gather(
        *(service.get_item({"pk": "b", "sk": n}, table) for n in range(32))
    )
    assert found == items[:32]


@pytest.mark.parametrize("kind", sorted(LOOPS))
def test_every_operation_on_the_lean_path_on_each_loop(
    dynamodb_endpoint: str, loop_table: str, kind: str
) -> None:
    # GIVEN an async service on the lean path, its pool smaller than the calls at once
    config = make_config(dynamodb_endpoint, transport="lean", max_pool_connections=4)

    async def scenario() -> bool:
        async with AsyncDynamoDBService(logging.getLogger(__name__), config) as service:
            await _every_operation(service, loop_table)
            return service._lean is not None

    # WHEN every kind of operation runs on the loop
    with asyncio.Runner(loop_factory=LOOPS[kind]) as runner:
        sent_lean = runner.run(scenario())
    # THEN each gave what DynamoDB holds, and went by the lean path
    assert sent_lean
