"""Client CPU per call: ``LeanSender.send`` against ``client._make_api_call`` on DynamoDB Local.

Interleaved slices of the same GetItem / PutItem / Query (one 200-byte item, or a page of
25), measured with ``time.process_time`` (this process only). Prints microseconds per
call and the ratio lean / botocore. Run: ``PYTHONPATH=. .venv/bin/python -m bench.wire_bench``
(starts a DynamoDB Local unless ``DYNAMODB_ENDPOINT_URL`` is set).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import time
from collections.abc import Awaitable, Callable
from typing import Any

from devtools.dynamodb_local import ENDPOINT_ENV, DynamoDBLocal
from src.services.dynamodb._wire import LeanSender
from tests.wire.support import botocore_call, botocore_client, config_for

TABLE = "wire-bench"


def _setup(client: Any) -> None:
    client.create_table(
        TableName=TABLE,
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "N"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    for n in range(25):
        item = {"pk": {"S": "p"}, "sk": {"N": str(n)}, "data": {"S": "x" * 180}}
        client.put_item(TableName=TABLE, Item=item)


WORKLOADS: dict[str, tuple[str, dict[str, Any]]] = {
    "get": ("GetItem", {"TableName": TABLE, "Key": {"pk": {"S": "p"}, "sk": {"N": "1"}}}),
    "put": (
        "PutItem",
        {"TableName": TABLE, "Item": {"pk": {"S": "q"}, "sk": {"N": "1"}, "d": {"S": "x" * 180}}},
    ),
    "query 25": (
        "Query",
        {
            "TableName": TABLE,
            "KeyConditionExpression": "pk = :p",
            "ExpressionAttributeValues": {":p": {"S": "p"}},
        },
    ),
}


def _cpu(call: Callable[[], Any], count: int) -> float:
    started = time.process_time()
    for _ in range(count):
        call()
    return time.process_time() - started


def run(endpoint: str, calls: int, slices: int) -> None:
    """Measure every workload; print CPU per call and the ratio."""
    config = config_for(endpoint, aws_session_token=None, read_timeout_seconds=10.0)
    client = botocore_client(config)
    _setup(client)
    sender = LeanSender(config, client)
    for name, (operation, params) in WORKLOADS.items():
        ways: dict[str, Callable[[], Any]] = {
            "lean": functools.partial(sender.send, operation, params),
            "botocore": functools.partial(botocore_call, client, operation, params),
        }
        spent = dict.fromkeys(ways, 0.0)
        for way in ways.values():
            _cpu(way, 50)
        for _ in range(slices):
            for way_name, way in ways.items():
                spent[way_name] += _cpu(way, calls)
        per_call = {way: spent[way] / (calls * slices) * 1e6 for way in ways}
        print(
            f"{name:>15}: lean {per_call['lean']:7.1f} us, botocore {per_call['botocore']:7.1f} us,"
            f" ratio {per_call['lean'] / per_call['botocore']:.3f}"
        )
    asyncio.run(_run_async(config, calls, slices))
    sender.close()
    client.close()


async def _async_cpu(call: Callable[[], Awaitable[Any]], count: int) -> float:
    started = time.process_time()
    for _ in range(count):
        await call()
    return time.process_time() - started


async def _run_async(config: Any, calls: int, slices: int) -> None:
    """The asyncio twin: ``AsyncLeanSender.send`` against aiobotocore, sequential awaits."""
    from src.services.dynamodb._wire import AsyncLeanSender
    from tests.wire.support import aiobotocore_call, aiobotocore_client

    client = await aiobotocore_client(config)
    sender = AsyncLeanSender(config, client)
    for name, (operation, params) in WORKLOADS.items():
        ways: dict[str, Callable[[], Awaitable[Any]]] = {
            "lean": functools.partial(sender.send, operation, params),
            "aiobotocore": functools.partial(aiobotocore_call, client, operation, params),
        }
        spent = dict.fromkeys(ways, 0.0)
        for way in ways.values():
            await _async_cpu(way, 50)
        for _ in range(slices):
            for way_name, way in ways.items():
                spent[way_name] += await _async_cpu(way, calls)
        lean, peer = (spent[way] / (calls * slices) * 1e6 for way in ways)
        print(
            f"{name + ' async':>15}: lean {lean:7.1f} us, aiobotocore {peer:7.1f} us,"
            f" ratio {lean / peer:.3f}"
        )
    await sender.close()
    await client.__aexit__(None, None, None)


def main() -> None:
    """Parse arguments, start DynamoDB Local if needed, run."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=500, help="calls per slice")
    parser.add_argument("--slices", type=int, default=4, help="interleaved slices per way")
    args = parser.parse_args()
    endpoint = os.environ.get(ENDPOINT_ENV)
    if endpoint:
        run(endpoint, args.calls, args.slices)
        return
    with DynamoDBLocal() as local:
        run(local.endpoint_url, args.calls, args.slices)


if __name__ == "__main__":
    main()
