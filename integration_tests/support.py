"""What both integration suites share: the table shape, configs and unique table names."""

from __future__ import annotations

import re
import uuid
from typing import Any, Protocol

import boto3
from botocore.config import Config
from mypy_boto3_dynamodb import DynamoDBClient
from mypy_boto3_dynamodb.type_defs import AttributeDefinitionTypeDef, KeySchemaElementTypeDef

from src.services.dynamodb.dynamodb_models import DynamoDBConfig
from src.services.dynamodb.dynamodb_service import DynamoDBService

KEY_SCHEMA: list[KeySchemaElementTypeDef] = [
    {"AttributeName": "pk", "KeyType": "HASH"},
    {"AttributeName": "sk", "KeyType": "RANGE"},
]
ATTRIBUTES: list[AttributeDefinitionTypeDef] = [
    {"AttributeName": "pk", "AttributeType": "S"},
    {"AttributeName": "sk", "AttributeType": "N"},
]


class ServiceFactory(Protocol):
    """Makes a service (keys local/local, us-east-1); keyword arguments override the config."""

    def __call__(self, **overrides: Any) -> DynamoDBService: ...


def unique_table_name(hint: str, prefix: str = "it") -> str:
    """A legal, unique table name that still says which test made it."""
    readable = re.sub(r"[^A-Za-z0-9_.-]+", "-", hint)[:60]
    return f"{prefix}-{readable}-{uuid.uuid4().hex}"


def make_config(endpoint: str, /, **overrides: Any) -> DynamoDBConfig:
    """A config on ``endpoint`` with keys local/local in us-east-1; ``overrides`` win."""
    settings: dict[str, Any] = {
        "region_name": "us-east-1",
        "endpoint_url": endpoint,
        "aws_access_key_id": "local",
        "aws_secret_access_key": "local",
        **overrides,
    }
    return DynamoDBConfig(**settings)


def plain_client(endpoint_url: str, *, attempts: int, read_timeout: float) -> DynamoDBClient:
    """A plain boto3 client (keys local/local), not the service: a test's own witness."""
    return boto3.client(
        "dynamodb",
        region_name="us-east-1",
        endpoint_url=endpoint_url,
        aws_access_key_id="local",
        aws_secret_access_key="local",
        config=Config(
            connect_timeout=2,
            read_timeout=read_timeout,
            retries={"total_max_attempts": attempts, "mode": "standard"},
        ),
    )
