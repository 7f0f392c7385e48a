"""A tour of DynamoDBService against a real DynamoDB Local: ``make demo``.

Starts DynamoDB Local itself (or uses ``DYNAMODB_ENDPOINT_URL``) and stops it at the
end, on error and on Ctrl-C. Each step prints what it did; the service's own INFO
log lines (operation, table, counts, elapsed ms) are shown indented beneath.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

from botocore.exceptions import ClientError

from devtools.dynamodb_local import ENDPOINT_ENV, DynamoDBLocal, PrerequisiteError, exit_on_sigterm
from src.services.dynamodb import (
    AsyncDynamoDBService,
    DynamoDBConfig,
    DynamoDBService,
    Put,
    Update,
)

T = TypeVar("T")
USERS = "demo-users"
ORDERS = "demo-orders"
EVENTS = "demo-events"


def step(title: str) -> None:
    """Print a step's heading."""
    print(f"\n== {title}")


def show(text: str) -> None:
    """Print what a step did."""
    print(f"   {text}")


@contextlib.contextmanager
def endpoint() -> Iterator[str]:
    """Yield ``DYNAMODB_ENDPOINT_URL``, or a DynamoDB Local started (and stopped) here."""
    external = os.environ.get(ENDPOINT_ENV)
    if external:
        yield external
        return
    started = time.perf_counter()
    with DynamoDBLocal() as server:
        show(f"DynamoDB Local up at {server.endpoint_url} in {time.perf_counter() - started:.1f} s")
        yield server.endpoint_url


def demo_logger() -> logging.Logger:
    """A logger printing the service's records indented under each step."""
    logger = logging.getLogger("demo.dynamodb")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("      log %(levelname)s: %(message)s"))
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return logger


def demo_config(endpoint_url: str) -> DynamoDBConfig:
    """The config as a user would write it for DynamoDB Local."""
    return DynamoDBConfig(
        region_name="us-east-1",
        endpoint_url=endpoint_url,
        aws_access_key_id="local",
        aws_secret_access_key="local",
        default_table_name=USERS,
    )


def make_service(endpoint_url: str) -> DynamoDBService:
    """The service as a user would build it: a logger and a config."""
    return DynamoDBService(logger=demo_logger(), config=demo_config(endpoint_url))


def items_tour(service: DynamoDBService) -> None:
    """The specification's Example Usage, grown: create, put, get, update, refuse, delete."""
    step(f"create table {USERS} (key: id)")
    service.create_table(
        USERS,
        [{"AttributeName": "id", "KeyType": "HASH"}],
        [{"AttributeName": "id", "AttributeType": "S"}],
    )
    step("put and get an item (a float goes in, a float comes back: no Decimal)")
    service.put_item({"id": "user123", "name": "Alice", "balance": 100.5, "tags": {"admin"}})
    show(f"get_item -> {service.get_item({'id': 'user123'})}")
    step("update the attribute 'name' (a reserved word) through expression_attribute_names")
    updated = service.update_item(
        {"id": "user123"},
        "SET #n = :n ADD logins :one",
        {":n": "Alice Smith", ":one": 1},
        expression_attribute_names={"#n": "name"},
    )
    show(f"update_item -> {updated}")
    step("a conditional put that must not overwrite: refused by DynamoDB")
    try:
        service.put_item({"id": "user123"}, condition_expression="attribute_not_exists(id)")
    except service.exceptions.ConditionalCheckFailedException as error:
        show(f"refused: {error.response['Error']['Code']}; the item is unchanged")
    step("delete the item")
    service.delete_item({"id": "user123"})
    show(f"get_item after delete -> {service.get_item({'id': 'user123'})}")


def reads_tour(service: DynamoDBService) -> None:
    """Batch write, paged query, filtered scan with a limit, batch get."""
    step(f"create table {ORDERS} (key: customer, order_no) and batch-write 600 orders")
    service.create_table(
        ORDERS,
        [
            {"AttributeName": "customer", "KeyType": "HASH"},
            {"AttributeName": "order_no", "KeyType": "RANGE"},
        ],
        [
            {"AttributeName": "customer", "AttributeType": "S"},
            {"AttributeName": "order_no", "AttributeType": "N"},
        ],
    )
    orders = [
        {
            "customer": "c1" if n < 500 else "c2",
            "order_no": n,
            "total": round(9.99 + n * 0.5, 2),
            "status": "open" if n % 50 == 0 else "shipped",
            "notes": "x" * 2500,
        }
        for n in range(600)
    ]
    timed(lambda: service.batch_write_items(orders, ORDERS), "batch_write_items(600 items)")
    step("query customer c1: every page followed (about 1.25 MB, so DynamoDB pages it)")
    found = timed(lambda: service.query("customer = :c", {":c": "c1"}, ORDERS), "query")
    show(f"{len(found)} orders; the first total is {found[0]['total']!r} (a float)")
    step("query with limit=7: exactly 7 results, and Limit=7 asked of DynamoDB")
    show(f"{len(service.query('customer = :c', {':c': 'c1'}, ORDERS, limit=7))} orders")
    step("scan for open orders with a filter and limit=5 (status is a reserved word)")
    open_orders = service.scan(
        "#s = :open", {":open": "open"}, ORDERS, 5, expression_attribute_names={"#s": "status"}
    )
    show(f"{len(open_orders)} open orders: {[o['order_no'] for o in open_orders]}")
    step("batch get 150 keys (two requests), one of them twice and one missing")
    keys = [{"customer": "c1", "order_no": n} for n in range(0, 300, 2)]
    keys += [keys[0], {"customer": "nobody", "order_no": 1}]
    got = timed(lambda: service.batch_get_items(keys, ORDERS), "batch_get_items")
    first, last = got[0]["order_no"], got[-1]["order_no"]
    show(f"{len(got)} items, in the order asked: first {first}, last {last}")
    api_tour(service)


def api_tour(service: DynamoDBService) -> None:
    """What an HTTP API needs: pages with cursors, projections, bulk deletes."""
    step("a paged listing, as an HTTP API would serve it: 200 orders a page, with cursors")
    cursor: str | None = None
    pages = 0
    while True:
        page = service.query_page(
            "customer = :c", {":c": "c1"}, ORDERS, page_size=200, cursor=cursor
        )
        pages += 1
        shown = "None (the end)" if page.cursor is None else f"{page.cursor[:24]}..."
        show(f"page {pages}: {len(page.items)} orders, next cursor {shown}")
        if page.cursor is None:
            break
        cursor = page.cursor
    step("a projection: only the totals come back, not the 2.5 KB notes ('total' is reserved)")
    slim = service.query(
        "customer = :c",
        {":c": "c2"},
        ORDERS,
        3,
        projection_expression="order_no, #t",
        expression_attribute_names={"#t": "total"},
    )
    show(f"query with projection_expression -> {slim}")
    step("a bulk delete: every order of c2 (100 keys, 4 requests), one key given twice")
    keys = [{"customer": "c2", "order_no": n} for n in range(500, 600)] + [
        {"customer": "c2", "order_no": 500}
    ]
    timed(lambda: service.batch_delete_items(keys, ORDERS, concurrency=4), "batch_delete_items")
    show(f"c2 has {len(service.query('customer = :c', {':c': 'c2'}, ORDERS))} orders left")
    step(f"an on-demand table {EVENTS} with time to live on 'expires'")
    service.create_table(
        EVENTS,
        [{"AttributeName": "id", "KeyType": "HASH"}],
        [{"AttributeName": "id", "AttributeType": "S"}],
        billing_mode="PAY_PER_REQUEST",
        ttl_attribute="expires",
    )
    described = service.client.describe_table(TableName=EVENTS)["Table"]
    mode = described.get("BillingModeSummary", {}).get("BillingMode")
    ttl = service.client.describe_time_to_live(TableName=EVENTS)["TimeToLiveDescription"]
    status, attribute = ttl.get("TimeToLiveStatus"), ttl.get("AttributeName")
    show(f"billing mode {mode}; time to live {status} on {attribute}")


def beyond_tour(service: DynamoDBService) -> None:
    """A transaction, a refused transaction, PartiQL, and a parallel scan."""
    step("transfer 30 from alice to bob as one transaction")
    service.batch_write_items([{"id": "alice", "balance": 50}, {"id": "bob", "balance": 10}])
    service.transact_write_items(_transfer("alice", "bob", 30))
    show(f"alice {_balance(service, 'alice')}, bob {_balance(service, 'bob')}")
    step("transfer 30 more: alice has only 20, so the transaction is cancelled")
    try:
        service.transact_write_items(_transfer("alice", "bob", 30))
    except ClientError as error:
        reasons = [reason["Code"] for reason in error.response.get("CancellationReasons", [])]
        show(f"{error.response['Error']['Code']}, reasons {reasons}")
    show(f"nothing changed: alice {_balance(service, 'alice')}, bob {_balance(service, 'bob')}")
    step("PartiQL with ? parameters")
    rows = service.execute_statement(f'SELECT * FROM "{USERS}" WHERE id = ?', ["bob"])
    show(f"execute_statement -> {rows}")
    step(f"scan all of {ORDERS}: plain, then as 4 parallel segments (each warmed up once)")
    service.scan(table_name=ORDERS)
    service.scan(table_name=ORDERS, segments=4)
    plain = timed(lambda: service.scan(table_name=ORDERS), "plain scan")
    parallel = timed(lambda: service.scan(table_name=ORDERS, segments=4), "parallel scan")
    same = {o["order_no"] for o in plain} == {o["order_no"] for o in parallel}
    show(f"{len(plain)} and {len(parallel)} items; the same set: {same}")
    show(
        "(on one machine, against a small in-memory table, 4 segments may well be slower:"
        " each segment is another request and the workers share 2 cores with the server;"
        " a parallel scan pays off on large tables in AWS, where each segment is a partition)"
    )


def async_tour(endpoint_url: str) -> None:
    """The async twin: 300 gets at once from one AsyncDynamoDBService, timed."""
    step("the async twin: asyncio.gather of 300 get_item on one AsyncDynamoDBService")
    logger = demo_logger()
    level = logger.level
    logger.setLevel(logging.WARNING)  # 300 INFO records would drown the step

    async def gets() -> int:
        async with AsyncDynamoDBService(logger=logger, config=demo_config(endpoint_url)) as aio:
            keys = [{"customer": "c1", "order_no": n} for n in range(300)]
            started = time.perf_counter()
            found = await asyncio.gather(*(aio.get_item(key, ORDERS) for key in keys))
            elapsed = time.perf_counter() - started
            show(f"{sum(item is not None for item in found)} items in {elapsed * 1000:.0f} ms")
            return len(found)

    try:
        asyncio.run(gets())
    finally:
        logger.setLevel(level)


def _transfer(source: str, target: str, amount: int) -> list[Put | Update]:
    return [
        Update(
            {"id": source},
            "SET balance = balance - :a",
            {":a": amount},
            condition_expression="balance >= :a",
        ),
        Update({"id": target}, "SET balance = balance + :a", {":a": amount}),
    ]


def _balance(service: DynamoDBService, user: str) -> object:
    item = service.get_item({"id": user}, consistent_read=True)
    return None if item is None else item["balance"]


def timed(action: Callable[[], T], what: str) -> T:
    """Run ``action`` and print how long it took."""
    started = time.perf_counter()
    result = action()
    show(f"{what}: {(time.perf_counter() - started) * 1000:.0f} ms")
    return result


def main() -> int:
    """Run the whole tour; the server is stopped however it ends."""
    exit_on_sigterm()
    print("DynamoDBService tour")
    try:
        with endpoint() as endpoint_url, make_service(endpoint_url) as service:
            show(f"{service!r}")
            show(f"ping -> {service.ping(timeout_seconds=2.0)}")
            try:
                items_tour(service)
                reads_tour(service)
                beyond_tour(service)
                async_tour(endpoint_url)
            finally:
                step("list tables, then delete the tour's tables")
                show(f"list_tables -> {service.list_tables()}")
                for table in (USERS, ORDERS, EVENTS):
                    if service.table_exists(table):
                        service.delete_table(table)
                show(f"list_tables -> {service.list_tables()}")
    except PrerequisiteError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted; DynamoDB Local stopped", file=sys.stderr)
        return 130
    print("\nDone.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
