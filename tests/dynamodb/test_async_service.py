"""AsyncDynamoDBService on a moto server: the async twin of the blocking service.

moto's ``mock_aws`` does not patch aiobotocore, so one ``ThreadedMotoServer`` runs for
the session and every service here talks to it over HTTP. Each test uses its own,
uniquely named tables, so tests do not see each other's data.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import socket
import subprocess
import sys
import uuid
import zlib
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Iterator
from pathlib import Path
from typing import Any, cast

import pytest
from botocore.exceptions import ChecksumError, ClientError
from moto.server import ThreadedMotoServer

from src.services.dynamodb import (
    ConditionCheck,
    Delete,
    DynamoDBConfig,
    DynamoDBService,
    Get,
    Item,
    ItemIn,
    Put,
    Update,
)
from src.services.dynamodb._awaiting import _check_crc32
from src.services.dynamodb._protocol import Call, Fanout, Sleep, Steps, Stream
from src.services.dynamodb.async_dynamodb_service import AsyncDynamoDBService
from tests.dynamodb.conftest import ATTRIBUTES, KEY_SCHEMA

pytestmark = pytest.mark.async_twin

REPO = Path(__file__).resolve().parents[2]
LOGGER_NAME = "tests.dynamodb.async"
ELAPSED = re.compile(r"\d+(\.\d+)? ms")
REQUEST_ID = re.compile(r"request id [^)]+")


# -- fixtures -------------------------------------------------------------------------------


@pytest.fixture
def anyio_backend() -> str:
    """Run the anyio-marked tests on asyncio (aiobotocore needs it)."""
    return "asyncio"


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """One moto server in a thread for the whole session; stopped at the end."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def make_config(endpoint: str, **overrides: Any) -> DynamoDBConfig:
    """A config on ``endpoint`` with test keys; ``overrides`` win."""
    settings: dict[str, Any] = {
        "region_name": "us-east-1",
        "endpoint_url": endpoint,
        "aws_access_key_id": "testing",
        "aws_secret_access_key": "testing-secret",
        **overrides,
    }
    return DynamoDBConfig(**settings)


def async_logger() -> logging.Logger:
    """The logger every service here logs to, at DEBUG (caplog sees it)."""
    log = logging.getLogger(LOGGER_NAME)
    log.setLevel(logging.DEBUG)
    return log


@pytest.fixture
def table(moto_endpoint: str, request: pytest.FixtureRequest) -> str:
    """A fresh table (pk S, sk N) on the moto server, made by a blocking service."""
    name = f"t-{re.sub(r'[^A-Za-z0-9_.-]+', '-', request.node.name)[:40]}-{uuid.uuid4().hex}"
    with DynamoDBService(logger=async_logger(), config=make_config(moto_endpoint)) as admin:
        admin.create_table(name, KEY_SCHEMA, ATTRIBUTES)
    return name


@pytest.fixture
async def service(moto_endpoint: str, table: str) -> AsyncIterator[AsyncDynamoDBService]:
    """An async service on the moto server, its default table ``table``; closed afterwards."""
    config = make_config(moto_endpoint, default_table_name=table)
    async with AsyncDynamoDBService(logger=async_logger(), config=config) as dynamodb:
        yield dynamodb


def closed_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def items(count: int, pk: str = "a") -> list[ItemIn]:
    """``count`` items of one partition, ``sk`` 0..count-1."""
    return [{"pk": pk, "sk": n, "n": n} for n in range(count)]


def has_client(service: AsyncDynamoDBService) -> bool:
    """Whether the service has made its (non-probe) client yet."""
    return service._client is not None


def counting(service: AsyncDynamoDBService) -> list[bool]:
    """Count calls to ``service._make_client`` (one entry per call, probe or not)."""
    made: list[bool] = []
    original = service._make_client

    async def wrapper(*, probe: bool = False, timeout: float | None = None) -> Any:
        made.append(probe)
        return await original(probe=probe, timeout=timeout)

    service._make_client = wrapper  # type: ignore[method-assign]
    return made


# -- every operation round-trips ------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("fast_reads", [True, False])
async def test_reads_are_equal_with_and_without_fast_reads(
    moto_endpoint: str, table: str, fast_reads: bool
) -> None:
    # GIVEN an item with sets, binary, nested values and a 38-digit number
    item = {
        "pk": "a",
        "sk": 1,
        "tags": {"x", "y"},
        "blob": b"\x00\xff",
        "nested": {"list": [1, "two", None, True]},
        "big": 12345678901234567890123456789012345678,
    }
    config = make_config(moto_endpoint, default_table_name=table, fast_reads=fast_reads)
    async with AsyncDynamoDBService(async_logger(), config) as service:
        # WHEN it is written and read back
        await service.put_item(item)
        got = await service.get_item({"pk": "a", "sk": 1})
    # THEN it is the same item
    assert got == item


@pytest.mark.anyio
async def test_create_table_list_exists_and_delete_table_round_trip(moto_endpoint: str) -> None:
    # GIVEN an async service and a table name nobody uses
    name = f"tables-{uuid.uuid4().hex}"
    async with AsyncDynamoDBService(async_logger(), make_config(moto_endpoint)) as service:
        # WHEN the table is created
        await service.create_table(name, KEY_SCHEMA, ATTRIBUTES)
        # THEN it exists and is listed
        assert await service.table_exists(name) is True
        assert name in await service.list_tables()
        # WHEN it is deleted
        await service.delete_table(name)
        # THEN it is gone
        assert await service.table_exists(name) is False
        assert name not in await service.list_tables()


@pytest.mark.anyio
async def test_item_operations_round_trip(service: AsyncDynamoDBService) -> None:
    # GIVEN an empty table
    key = {"pk": "a", "sk": 1}
    # WHEN an item is put, then put again asking for the old one
    await service.put_item({**key, "v": "one"})
    old = await service.put_item({**key, "v": "two"}, return_old=True)
    # THEN the old item comes back, and the new one is stored
    assert old == {**key, "v": "one"}
    assert await service.get_item(key) == {**key, "v": "two"}
    # WHEN it is updated
    updated = await service.update_item(key, "SET v = :v", {":v": "three"})
    # THEN the whole new item comes back
    assert updated == {**key, "v": "three"}
    # WHEN it is deleted asking for the old one
    deleted = await service.delete_item(key, return_old=True)
    # THEN the last version comes back and nothing is left
    assert deleted == {**key, "v": "three"}
    assert await service.get_item(key) is None
    assert await service.delete_item(key, return_old=True) is None


@pytest.mark.anyio
async def test_query_and_iter_query_with_early_break(service: AsyncDynamoDBService) -> None:
    # GIVEN 30 items in one partition
    await service.batch_write_items(items(30))
    # WHEN they are queried all at once
    everything = await service.query("pk = :pk", {":pk": "a"})
    # THEN all come back in key order
    assert [item["sk"] for item in everything] == list(range(30))
    # WHEN an iterator is broken out of after 3 items and closed
    seen: list[Item] = []
    stream = cast(AsyncGenerator[Item, None], service.iter_query("pk = :pk", {":pk": "a"}))
    async with contextlib.aclosing(stream) as first_three:
        async for item in first_three:
            seen.append(item)
            if len(seen) == 3:
                break
    # THEN exactly those 3 were seen, and the iterator is finished
    assert [item["sk"] for item in seen] == [0, 1, 2]
    assert [item async for item in stream] == []


@pytest.mark.anyio
async def test_query_page_and_scan_page_follow_cursors(service: AsyncDynamoDBService) -> None:
    # GIVEN 7 items in one partition
    await service.batch_write_items(items(7))
    # WHEN both are read 3 at a time, following the cursors
    for read in ("query", "scan"):
        keys: list[int] = []
        cursor: str | None = None
        pages = 0
        while True:
            if read == "query":
                page = await service.query_page(
                    "pk = :pk", {":pk": "a"}, page_size=3, cursor=cursor
                )
            else:
                page = await service.scan_page(page_size=3, cursor=cursor)
            pages += 1
            keys.extend(item["sk"] for item in page.items)
            if (cursor := page.cursor) is None:
                break
        # THEN every item is read exactly once, over at least 3 pages
        assert sorted(keys) == list(range(7)), read
        assert pages >= 3


@pytest.mark.anyio
async def test_scan_in_three_segments_and_iter_scan(service: AsyncDynamoDBService) -> None:
    # GIVEN 40 items over 4 partitions
    for pk in "abcd":
        await service.batch_write_items(items(10, pk))
    # WHEN the table is scanned in 3 parallel segments, and lazily
    parallel = await service.scan(segments=3)
    lazy = [item async for item in service.iter_scan(segments=3)]
    # THEN both read every item exactly once
    expected = sorted((pk, n) for pk in "abcd" for n in range(10))
    assert sorted((item["pk"], item["sk"]) for item in parallel) == expected
    assert sorted((item["pk"], item["sk"]) for item in lazy) == expected


@pytest.mark.anyio
async def test_batches_with_concurrency_four(service: AsyncDynamoDBService) -> None:
    # GIVEN 120 items (5 write requests, 2 read requests)
    written = items(120)
    keys: list[ItemIn] = [{"pk": item["pk"], "sk": item["sk"]} for item in written]
    # WHEN they are written with 4 requests in flight
    await service.batch_write_items(written, concurrency=4)
    # THEN all read back in the order asked, also 4 at once
    assert await service.batch_get_items(keys, concurrency=4) == written
    # WHEN they are deleted 4 requests at once
    await service.batch_delete_items(keys, concurrency=4)
    # THEN none is left
    assert await service.scan() == []


@pytest.mark.anyio
async def test_transactions_and_statements(service: AsyncDynamoDBService, table: str) -> None:
    # GIVEN two items
    await service.put_item({"pk": "a", "sk": 1, "v": 1})
    await service.put_item({"pk": "a", "sk": 2, "v": 2})
    # WHEN one transaction writes, updates, deletes and checks
    await service.transact_write_items(
        [
            Put({"pk": "b", "sk": 1, "v": 10}),
            Update({"pk": "a", "sk": 1}, "SET v = :v", {":v": 11}),
            Delete({"pk": "a", "sk": 2}),
            ConditionCheck({"pk": "a", "sk": 3}, "attribute_not_exists(pk)"),
        ]
    )
    # THEN a transactional read sees all of it
    got = await service.transact_get_items(
        [Get({"pk": "a", "sk": 1}), Get({"pk": "a", "sk": 2}), Get({"pk": "b", "sk": 1})]
    )
    assert got == [{"pk": "a", "sk": 1, "v": 11}, None, {"pk": "b", "sk": 1, "v": 10}]
    # AND a PartiQL statement reads the same
    found = await service.execute_statement(f'SELECT * FROM "{table}" WHERE pk = ?', ["b"])
    assert found == [{"pk": "b", "sk": 1, "v": 10}]


@pytest.mark.anyio
async def test_ping_true_then_false_against_a_closed_port(moto_endpoint: str) -> None:
    # GIVEN a service on the moto server and one on a port nothing listens on
    port = closed_port()
    alive = AsyncDynamoDBService(async_logger(), make_config(moto_endpoint))
    dead = AsyncDynamoDBService(async_logger(), make_config(f"http://127.0.0.1:{port}"))
    async with alive, dead:
        made = counting(alive)
        # WHEN both are pinged, the live one twice
        # THEN the live one answers (one probe client for both pings), the dead one does not
        assert await alive.ping() is True
        assert await alive.ping() is True
        assert made == [True]
        assert await dead.ping(timeout_seconds=0.5) is False


# -- the client: made once, closed once ------------------------------------------------------


@pytest.mark.anyio
async def test_fifty_tasks_on_a_fresh_instance_make_one_client(
    moto_endpoint: str, table: str
) -> None:
    # GIVEN a fresh instance that has not made its client yet (the botocore transport:
    # on the lean path, with an endpoint and keys, no client is needed at all)
    config = make_config(moto_endpoint, default_table_name=table, transport="botocore")
    async with AsyncDynamoDBService(async_logger(), config) as service:
        made = counting(service)
        # WHEN 50 tasks start together
        results = await asyncio.gather(*(service.put_item({"pk": "a", "sk": n}) for n in range(50)))
        # THEN all succeed and exactly one (non-probe) client was made
        assert results == [None] * 50
        assert made == [False]
        assert len(await service.scan()) == 50


@pytest.mark.anyio
@pytest.mark.parametrize("delay", [0.0, 0.01, 0.05])
async def test_close_while_tasks_run(moto_endpoint: str, table: str, delay: float) -> None:
    # GIVEN 30 operations running on one instance
    config = make_config(moto_endpoint, default_table_name=table)
    service = AsyncDynamoDBService(async_logger(), config)
    tasks = [asyncio.create_task(service.put_item({"pk": "a", "sk": n})) for n in range(30)]
    await asyncio.sleep(delay)
    # WHEN the service is closed under them
    await service.close()
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    # THEN each either finished or raised RuntimeError
    assert all(o is None or isinstance(o, RuntimeError) for o in outcomes), outcomes


@pytest.mark.anyio
async def test_every_operation_after_close_is_a_runtime_error(
    moto_endpoint: str, table: str
) -> None:
    # GIVEN a service that was used, then closed
    config = make_config(moto_endpoint, default_table_name=table)
    service = AsyncDynamoDBService(async_logger(), config)
    await service.put_item({"pk": "a", "sk": 1})
    await service.close()
    made = counting(service)
    key = {"pk": "a", "sk": 1}
    calls: list[Awaitable[Any]] = [
        service.ping(),
        service.ping(timeout_seconds=1),
        service.table_exists(table),
        service.list_tables(),
        service.create_table("x", KEY_SCHEMA, ATTRIBUTES),
        service.delete_table(table),
        service.put_item(key),
        service.get_item(key),
        service.update_item(key, "SET v = :v", {":v": 1}),
        service.delete_item(key),
        service.query("pk = :pk", {":pk": "a"}),
        service.query_page("pk = :pk", {":pk": "a"}),
        service.scan(),
        service.scan_page(),
        service.execute_statement(f'SELECT * FROM "{table}"'),
        service.batch_write_items([key]),
        service.batch_delete_items([key]),
        service.batch_get_items([key]),
        service.transact_write_items([Put(key)]),
        service.transact_get_items([Get(key)]),
    ]
    # WHEN each is awaited
    # THEN each raises RuntimeError, and no client is made for any of them
    for call in calls:
        with pytest.raises(RuntimeError, match="closed"):
            await call
    with pytest.raises(RuntimeError, match="closed"):
        await anext(service.iter_query("pk = :pk", {":pk": "a"}))
    with pytest.raises(RuntimeError, match="closed"):
        await anext(service.iter_scan())
    assert made == []
    # AND closing again is harmless
    await service.close()


@pytest.mark.anyio
@pytest.mark.parametrize("transport", ["botocore", "lean"])
async def test_exceptions_catch_a_failed_conditional_put(
    moto_endpoint: str, table: str, transport: str
) -> None:
    # GIVEN an existing item, and a fresh service whose client does not exist yet
    config = make_config(moto_endpoint, default_table_name=table, transport=transport)
    async with AsyncDynamoDBService(async_logger(), config) as service:
        before = service.exceptions.ConditionalCheckFailedException
        assert not has_client(service)
        with DynamoDBService(async_logger(), config) as admin:
            admin.put_item({"pk": "a", "sk": 1})
        # WHEN a conditional put fails, before and after the client exists
        # THEN the class taken before the client existed catches it
        with pytest.raises(before):
            await service.put_item(
                {"pk": "a", "sk": 1}, condition_expression="attribute_not_exists(pk)"
            )
        # AND so does the client's own class afterwards (made by then on botocore; the
        # lean path needs none, and builds the classes from the session's service model)
        assert has_client(service) is (transport == "botocore")
        after = service.exceptions.ConditionalCheckFailedException
        assert after is before
        with pytest.raises(after):
            await service.put_item(
                {"pk": "a", "sk": 1}, condition_expression="attribute_not_exists(pk)"
            )


# -- the log records are the sync twin's -----------------------------------------------------


def comparable(records: list[logging.LogRecord]) -> list[tuple[Any, ...]]:
    """What must be equal between the twins: level, message (times masked), extra fields."""
    return [
        (
            record.levelname,
            REQUEST_ID.sub("request id <id>", ELAPSED.sub("<t> ms", record.getMessage())),
            getattr(record, "operation", None),
            getattr(record, "table", None),
            getattr(record, "counts", None),
            getattr(record, "consumed_capacity", None),
            getattr(record, "request_id", None) is not None,
        )
        for record in records
        if record.name == LOGGER_NAME
    ]


def run_sync(service: DynamoDBService, name: str) -> None:
    """The sequence of operations whose log records are compared (blocking twin)."""
    service.create_table(name, KEY_SCHEMA, ATTRIBUTES)
    service.batch_write_items(items(5), name)
    service.put_item({"pk": "a", "sk": 9}, name)
    with contextlib.suppress(ClientError):
        service.put_item(
            {"pk": "a", "sk": 9}, name, condition_expression="attribute_not_exists(pk)"
        )
    service.get_item({"pk": "a", "sk": 9}, name)
    service.query("pk = :pk", {":pk": "a"}, name)
    service.scan(table_name=name)
    service.batch_get_items([{"pk": "a", "sk": 1}], name)
    for _ in zip(range(2), service.iter_query("pk = :pk", {":pk": "a"}, name), strict=False):
        pass
    service.delete_table(name)


async def run_async(service: AsyncDynamoDBService, name: str) -> None:
    """The same sequence on the async twin."""
    await service.create_table(name, KEY_SCHEMA, ATTRIBUTES)
    await service.batch_write_items(items(5), name)
    await service.put_item({"pk": "a", "sk": 9}, name)
    with contextlib.suppress(ClientError):
        await service.put_item(
            {"pk": "a", "sk": 9}, name, condition_expression="attribute_not_exists(pk)"
        )
    await service.get_item({"pk": "a", "sk": 9}, name)
    await service.query("pk = :pk", {":pk": "a"}, name)
    await service.scan(table_name=name)
    await service.batch_get_items([{"pk": "a", "sk": 1}], name)
    stream = cast(AsyncGenerator[Item, None], service.iter_query("pk = :pk", {":pk": "a"}, name))
    async with contextlib.aclosing(stream):
        seen = 0
        async for _ in stream:
            seen += 1
            if seen == 2:
                break
    await service.delete_table(name)


@pytest.mark.anyio
async def test_log_records_equal_the_sync_twins(
    moto_endpoint: str, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN a blocking and an async service on the same server, and one table name
    name = f"twins-{uuid.uuid4().hex}"
    config = make_config(moto_endpoint)
    caplog.set_level(logging.DEBUG, logger=LOGGER_NAME)
    # WHEN the same operations run on each
    with DynamoDBService(async_logger(), config) as blocking:
        run_sync(blocking, name)
    sync_records = comparable(caplog.records)
    caplog.clear()
    async with AsyncDynamoDBService(async_logger(), config) as service:
        await run_async(service, name)
    async_records = comparable(caplog.records)
    # THEN the records are equal, record for record
    assert len(sync_records) >= 20
    assert async_records == sync_records


@pytest.mark.anyio
async def test_cancelling_a_task_logs_stopped_early(caplog: pytest.LogCaptureFixture) -> None:
    # GIVEN a server that accepts connections and never answers
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        config = make_config(f"http://127.0.0.1:{port}", max_attempts=1)
        caplog.set_level(logging.DEBUG, logger=LOGGER_NAME)
        async with AsyncDynamoDBService(async_logger(), config) as service:
            task = asyncio.create_task(service.get_item({"pk": "a", "sk": 1}, "waiting"))
            await asyncio.sleep(0.3)
            # WHEN the task is cancelled in the middle of its request
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
    # THEN one INFO record says the caller stopped it early, and nothing failed
    done = [r for r in caplog.records if r.name == LOGGER_NAME and r.levelno >= logging.INFO]
    assert [r.levelname for r in done] == ["INFO"]
    assert "stopped early by the caller" in done[0].getMessage()
    assert getattr(done[0], "operation", None) == "get_item"


# -- lazy import --------------------------------------------------------------------------------


def test_package_and_sync_service_do_not_import_the_async_stack() -> None:
    # GIVEN a fresh interpreter in the repository
    script = (
        "import sys\n"
        "import src.services.dynamodb\n"
        "import src.services.dynamodb.dynamodb_service\n"
        "print(sorted(m for m in ('aiobotocore', 'aiohttp') if m in sys.modules))\n"
        "cls = src.services.dynamodb.AsyncDynamoDBService\n"
        "print(cls.__name__, 'aiobotocore' in sys.modules)\n"
    )
    # WHEN it imports the package and the sync service, then asks for the async twin
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=True
    )
    # THEN the async stack is loaded only on that access
    assert done.stdout.splitlines() == ["[]", "AsyncDynamoDBService True"]


# -- the driver's less travelled paths ---------------------------------------------------------


def test_constructor_needs_no_loop_and_no_keys() -> None:
    # GIVEN no running event loop and a config without keys
    config = DynamoDBConfig(region_name="us-east-1", endpoint_url="http://127.0.0.1:1")
    # WHEN the service is made
    service = AsyncDynamoDBService(async_logger(), config)
    # THEN no client exists yet, and its config and exceptions are there
    assert not has_client(service)
    assert service.config is config
    missing = service.exceptions.ResourceNotFoundException
    assert issubclass(missing, ClientError)
    asyncio.run(service.close())


@pytest.mark.anyio
async def test_driver_sleeps_and_streams_nothing(moto_endpoint: str) -> None:
    # GIVEN steps that only sleep, and a stream that ends at once
    def sleeping() -> Steps[str]:
        yield Sleep(0.0)
        return "slept"

    def nothing() -> Stream:
        return
        yield

    async with AsyncDynamoDBService(async_logger(), make_config(moto_endpoint)) as service:
        # WHEN the driver runs them
        slept = await service._run(sleeping())
        streamed = [item async for item in service._stream(nothing())]
    # THEN the sleep is carried out and the stream yields nothing
    assert slept == "slept"
    assert streamed == []


@pytest.mark.anyio
async def test_fanout_failure_stops_the_rest(moto_endpoint: str) -> None:
    # GIVEN six calls that all fail, two at a time
    calls = [Call("DescribeTable", {"TableName": f"missing-{n}"}) for n in range(6)]

    def steps() -> Steps[Exception | None]:
        try:
            yield Fanout(calls, 2)
        except ClientError as error:
            return error
        return None

    async with AsyncDynamoDBService(async_logger(), make_config(moto_endpoint)) as service:
        sent: list[str] = []
        original = service._send

        async def send(call: Call) -> dict[str, Any]:
            sent.append(call.params["TableName"])
            return await original(call)

        service._send = send  # type: ignore[method-assign]
        # WHEN the driver runs the fanout
        error = await service._run(steps())
    # THEN the first failure comes back, and not every call was sent
    assert isinstance(error, ClientError)
    assert error.response["Error"]["Code"] == "ResourceNotFoundException"
    assert len(sent) < len(calls)


class _Response:
    """What the ``after-call`` hook sees of aiobotocore's response: headers, awaited body."""

    def __init__(self, headers: dict[str, str], body: bytes) -> None:
        self.headers = headers
        self._body = body

    @property
    def content(self) -> Awaitable[bytes]:
        async def read() -> bytes:
            return self._body

        return read()


@pytest.mark.anyio
async def test_crc32_hook_checks_only_the_last_attempt() -> None:
    # GIVEN a body and its CRC32
    body = b'{"Items": []}'
    good = {"x-amz-crc32": str(zlib.crc32(body))}
    bad = {"x-amz-crc32": str(zlib.crc32(body) ^ 1)}
    last = {"ResponseMetadata": {"MaxAttemptsReached": True}}
    # WHEN the hook sees a response that is not the last attempt, or one that matches
    # THEN it passes them
    await _check_crc32(_Response(bad, body), {"ResponseMetadata": {}})
    await _check_crc32(_Response(good, body), last)
    # WHEN the last attempt's body does not match
    # THEN it raises botocore's ChecksumError
    with pytest.raises(ChecksumError):
        await _check_crc32(_Response(bad, body), last)
