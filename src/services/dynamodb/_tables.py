"""Table requests and statuses: pure helpers for create, describe and wait."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, get_args

from .dynamodb_models import BillingMode, DynamoDBConfig

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import (
        AttributeDefinitionTypeDef,
        CreateTableInputTypeDef,
        GlobalSecondaryIndexTypeDef,
        KeySchemaElementTypeDef,
        LocalSecondaryIndexTypeDef,
        ProvisionedThroughputTypeDef,
        TableDescriptionTypeDef,
    )

BILLING_MODES = frozenset(get_args(BillingMode))


def _non_empty_list(value: Sequence[object], what: str) -> None:
    if not isinstance(value, list | tuple):
        raise TypeError(f"{what} must be a list, not {type(value).__name__}")
    if not value or not all(isinstance(entry, dict) for entry in value):
        raise ValueError(f"{what} must be a non-empty list of dicts")


def check_billing_mode(mode: BillingMode | None, config: DynamoDBConfig) -> BillingMode:
    """Return the billing mode to use: ``mode`` when given, else the configured one."""
    if mode is None:
        return config.billing_mode
    if mode not in BILLING_MODES:
        raise ValueError(f"billing_mode must be one of {sorted(BILLING_MODES)}, got {mode!r}")
    return mode


def create_request(
    table: str,
    key_schema: Sequence[KeySchemaElementTypeDef],
    attribute_definitions: Sequence[AttributeDefinitionTypeDef],
    *,
    global_indexes: Sequence[GlobalSecondaryIndexTypeDef] | None,
    local_indexes: Sequence[LocalSecondaryIndexTypeDef] | None,
    billing_mode: BillingMode,
    config: DynamoDBConfig,
) -> CreateTableInputTypeDef:
    """Build a ``CreateTable`` request.

    Provisioned: the table and each global index get the configured capacity, unless
    an index sets its own. On demand (``PAY_PER_REQUEST``): no capacity anywhere.
    """
    _non_empty_list(key_schema, "key_schema")
    _non_empty_list(attribute_definitions, "attribute_definitions")
    request: CreateTableInputTypeDef = {
        "TableName": table,
        "KeySchema": list(key_schema),
        "AttributeDefinitions": list(attribute_definitions),
        "BillingMode": billing_mode,
    }
    throughput: ProvisionedThroughputTypeDef = {
        "ReadCapacityUnits": config.read_capacity_units,
        "WriteCapacityUnits": config.write_capacity_units,
    }
    provisioned = billing_mode == "PROVISIONED"
    if provisioned:
        request["ProvisionedThroughput"] = throughput
    if global_indexes is not None:
        _non_empty_list(global_indexes, "global_secondary_indexes")
        extra: dict[str, Any] = {"ProvisionedThroughput": throughput} if provisioned else {}
        indexes: list[Any] = [{**extra, **index} for index in global_indexes]
        request["GlobalSecondaryIndexes"] = indexes
    if local_indexes is not None:
        _non_empty_list(local_indexes, "local_secondary_indexes")
        request["LocalSecondaryIndexes"] = list(local_indexes)
    return request


def is_active(table: TableDescriptionTypeDef | None) -> bool:
    """Return whether a described table and all its global indexes are ``ACTIVE``."""
    if table is None or table.get("TableStatus") != "ACTIVE":
        return False
    return all(
        index.get("IndexStatus") == "ACTIVE" for index in table.get("GlobalSecondaryIndexes", [])
    )
