"""``python -m examples.orders_api``: a DynamoDB Local, the orders table, the API on uvicorn.

Ctrl-C (or SIGTERM) stops uvicorn, then DynamoDB Local.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys

import uvicorn

from devtools.dynamodb_local import DynamoDBLocal, PrerequisiteError, exit_on_sigterm
from examples.orders_api.app import create_app
from examples.orders_api.settings import ENDPOINT_ENV, TABLE_ENV, load_config
from examples.orders_api.store import create_orders_table
from src.services.dynamodb import AsyncDynamoDBService

TABLE = "orders"
LOCAL_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}


async def _create_table() -> None:
    config = load_config(os.environ)
    logger = logging.getLogger("orders_api.setup")
    async with AsyncDynamoDBService(logger=logger, config=config) as service:
        await create_orders_table(service, TABLE)


def serve(host: str, port: int) -> None:
    """Start DynamoDB Local, create the table, serve the API until Ctrl-C, stop both."""
    with DynamoDBLocal() as local:
        os.environ[ENDPOINT_ENV] = local.endpoint_url
        os.environ[TABLE_ENV] = TABLE
        for name, value in LOCAL_CREDENTIALS.items():
            os.environ.setdefault(name, value)
        asyncio.run(_create_table())
        print(  # noqa: T201 - the one line a person running it needs
            f"orders API at http://{host}:{port} (docs: http://{host}:{port}/docs),"
            f" DynamoDB Local at {local.endpoint_url}; Ctrl-C stops both",
            flush=True,
        )
        uvicorn.run(create_app(), host=host, port=port, log_level="info")


def main(argv: list[str]) -> int:
    """Parse ``--host``/``--port``, serve, and return the exit code (2: java is missing)."""
    parser = argparse.ArgumentParser(prog="python -m examples.orders_api", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="interface (default: loopback)")
    parser.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    args = parser.parse_args(argv[1:])
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    exit_on_sigterm()
    try:
        serve(args.host, args.port)
    except KeyboardInterrupt:
        return 0
    except PrerequisiteError as error:
        print(f"error: {error}", file=sys.stderr)  # noqa: T201
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
