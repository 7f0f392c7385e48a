"""The example's settings, read from the environment and validated at startup."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from src.services.dynamodb import DynamoDBConfig

ENDPOINT_ENV = "DYNAMODB_ENDPOINT_URL"
REGION_ENV = "AWS_REGION"
TABLE_ENV = "ORDERS_TABLE"
TRANSPORT_ENV = "DYNAMODB_TRANSPORT"
DEFAULT_REGION = "us-east-1"

# A web request should fail fast when DynamoDB cannot be reached: botocore's own
# defaults (60 s connect, 60 s read) would hold a worker for minutes. Two attempts
# still absorb a dropped kept-alive connection or one throttled request.
CONNECT_TIMEOUT_SECONDS = 1.0
READ_TIMEOUT_SECONDS = 3.0
MAX_ATTEMPTS = 2
# One connection per request in flight: the default (10) would queue a busy worker.
MAX_POOL_CONNECTIONS = 64


class SettingsError(ValueError):
    """A setting the app needs is missing from the environment."""


def load_config(environ: Mapping[str, str]) -> DynamoDBConfig:
    """Return the service's config from ``environ``, validated by ``DynamoDBConfig``.

    Credentials are not read here: botocore's own chain finds them (an IAM role, the
    ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY`` variables, a profile).

    Args:
        environ: The environment, usually ``os.environ``.

    Returns:
        The config: the table from ``ORDERS_TABLE`` as the default table, the region
        from ``AWS_REGION`` (default us-east-1), the endpoint from
        ``DYNAMODB_ENDPOINT_URL`` (unset: AWS's own), the transport from
        ``DYNAMODB_TRANSPORT`` (``lean`` or ``botocore``; unset: the service's default),
        short timeouts, refusals at INFO.

    Raises:
        SettingsError: ``ORDERS_TABLE`` is not set.
        pydantic.ValidationError: A value is not valid (names the field).
    """
    table = environ.get(TABLE_ENV)
    if not table:
        raise SettingsError(f"{TABLE_ENV} is not set: name the table of the orders API")
    options: dict[str, Any] = {}
    if transport := environ.get(TRANSPORT_ENV):
        options["transport"] = transport
    return DynamoDBConfig(
        region_name=environ.get(REGION_ENV) or DEFAULT_REGION,
        endpoint_url=environ.get(ENDPOINT_ENV) or None,
        default_table_name=table,
        connect_timeout_seconds=CONNECT_TIMEOUT_SECONDS,
        read_timeout_seconds=READ_TIMEOUT_SECONDS,
        max_attempts=MAX_ATTEMPTS,
        max_pool_connections=MAX_POOL_CONNECTIONS,
        condition_failure_log_level="INFO",
        **options,
    )
