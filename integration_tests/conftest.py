"""One DynamoDB Local per test session, or the endpoint in ``DYNAMODB_ENDPOINT_URL``."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from devtools.dynamodb_local import ENDPOINT_ENV, DynamoDBLocal, PrerequisiteError

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test under ``integration_tests/`` as ``integration``."""
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.integration)


def _external_endpoint() -> str | None:
    return os.environ.get(ENDPOINT_ENV) or None


@pytest.fixture(scope="session")
def dynamodb_server() -> Iterator[DynamoDBLocal | None]:
    """The DynamoDB Local this session started, or None when an external endpoint is used.

    Tests may ``stop()`` and ``start()`` it (same port). It is stopped when the session
    ends, whether the tests passed, failed or were interrupted.
    """
    if _external_endpoint() is not None:
        yield None
        return
    server = DynamoDBLocal()
    try:
        problem = _start(server)
        if problem is not None:
            pytest.fail(problem, pytrace=False)
        yield server
    finally:
        server.stop()


def _start(server: DynamoDBLocal) -> str | None:
    """Start the server; return what to install when java or npm is missing or too old."""
    try:
        server.start()
    except PrerequisiteError as error:
        return str(error)
    return None


@pytest.fixture(scope="session")
def dynamodb_endpoint(dynamodb_server: DynamoDBLocal | None) -> str:
    """The endpoint URL every integration test talks to."""
    if dynamodb_server is not None:
        return dynamodb_server.endpoint_url
    return os.environ[ENDPOINT_ENV]
