"""Garbage in: every case gets a clear exception, and none leaves a partial write behind.

Each case runs through ``FaultProxy`` (no fault set), only to count the requests the
service sends. A case the service can judge (``local``) must raise before any request;
a few may first read the table's key schema (``DescribeTable``), never touch an item.
A case only DynamoDB can judge must surface DynamoDB's own exception unchanged. For
every case, the table is read back directly afterwards: it still holds exactly the one
seed item it started with, unchanged.
"""

from __future__ import annotations

import datetime
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from botocore.exceptions import ClientError
from mypy_boto3_dynamodb import DynamoDBClient
from pydantic import ValidationError

from integration_tests.adversarial.conftest import LOGGER_NAME, service_logger, stored_items
from integration_tests.adversarial.proxy import FaultProxy
from integration_tests.support import ServiceFactory
from src.services.dynamodb.dynamodb_models import (
    ConditionCheck,
    Delete,
    DynamoDBConfig,
    Get,
    Put,
    Update,
)
from src.services.dynamodb.dynamodb_service import DynamoDBService

SEED = {"pk": "seed", "sk": 0, "v": "original", "n": 1}
SEED_KEY = {"pk": "seed", "sk": 0}
SCHEMA = frozenset({"DescribeTable"})
"""The one request a local case may make first: reading the table's key schema."""
Errors = type[BaseException] | tuple[type[BaseException], ...]


def raw(value: object) -> Any:
    """Hand a deliberately ill-typed value to a typed signature."""
    return value


@dataclass(frozen=True)
class Ctx:
    """What a case runs against: a service through the proxy (no default table), its table."""

    service: DynamoDBService
    table: str


@dataclass(frozen=True)
class Case:
    """One piece of garbage and what the service must make of it."""

    id: str
    call: Callable[[Ctx], object]
    error: Errors
    message: str
    """A regex the exception's ``str`` must match: what is wrong, in words."""
    local: bool
    """The service judges it before any request (else DynamoDB does, and it propagates)."""
    allowed: frozenset[str] = frozenset()
    """Requests a local case may still make (the key schema), none touching an item."""


def item(**extra: Any) -> dict[str, Any]:
    """A well-formed item of the case table, plus ``extra`` attributes."""
    return {"pk": "a", "sk": 1, **extra}


def items(count: int, **at: dict[str, Any]) -> list[dict[str, Any]]:
    """``count`` well-formed items; ``at={"i30": {...}}`` replaces item 30 by that dict."""
    made = [{"pk": "b", "sk": i, "v": "x"} for i in range(count)]
    for where, replacement in at.items():
        made[int(where[1:])] = replacement
    return made


def put(**extra: Any) -> Callable[[Ctx], object]:
    return lambda c: c.service.put_item(item(**extra), c.table)


BIG = "x" * 410_000  # over DynamoDB's 400 KB item size

OPERATION_CASES: list[Case] = [
    # -- tables
    Case(
        "table-too-short",
        lambda c: c.service.put_item(item(), "ab"),
        ValueError,
        r"illegal table name 'ab'",
        local=True,
    ),
    Case(
        "table-too-long",
        lambda c: c.service.get_item(SEED_KEY, "t" * 256),
        ValueError,
        r"illegal table name .*3-255",
        local=True,
    ),
    Case(
        "table-illegal-characters",
        lambda c: c.service.scan(table_name="bad name!"),
        ValueError,
        r"illegal table name 'bad name!'",
        local=True,
    ),
    Case(
        "table-not-a-str",
        lambda c: c.service.delete_item(SEED_KEY, raw(123)),
        TypeError,
        r"table name must be a str, not int",
        local=True,
    ),
    Case(
        "no-table-no-default",
        lambda c: c.service.put_item(item()),
        ValueError,
        r"no table_name given and no default_table_name",
        local=True,
    ),
    Case(
        "create-table-illegal-name",
        lambda c: c.service.create_table("x" * 256, [], []),
        ValueError,
        r"illegal table name",
        local=True,
    ),
    Case(
        "table-does-not-exist",
        lambda c: c.service.put_item(item(), "no-such-table-anywhere"),
        ClientError,
        r"ResourceNotFoundException.*non-existent table",
        local=False,
    ),
    # -- items and keys: shape
    Case(
        "put-empty-item",
        lambda c: c.service.put_item({}, c.table),
        ValueError,
        r"item is empty",
        local=True,
    ),
    Case(
        "put-none-item",
        lambda c: c.service.put_item(raw(None), c.table),
        TypeError,
        r"item must be a dict .* not NoneType",
        local=True,
    ),
    Case(
        "put-list-item",
        lambda c: c.service.put_item(raw([("pk", "a")]), c.table),
        TypeError,
        r"item must be a dict .* not list",
        local=True,
    ),
    Case(
        "get-empty-key",
        lambda c: c.service.get_item({}, c.table),
        ValueError,
        r"key is empty",
        local=True,
    ),
    Case(
        "get-none-key",
        lambda c: c.service.get_item(raw(None), c.table),
        TypeError,
        r"key must be a dict .* not NoneType",
        local=True,
    ),
    Case(
        "get-str-key",
        lambda c: c.service.get_item(raw("seed"), c.table),
        TypeError,
        r"key must be a dict .* not str",
        local=True,
    ),
    Case(
        "delete-empty-key",
        lambda c: c.service.delete_item({}, c.table),
        ValueError,
        r"key is empty",
        local=True,
    ),
    Case(
        "update-empty-key",
        lambda c: c.service.update_item({}, "SET v = :v", {":v": 1}, c.table),
        ValueError,
        r"key is empty",
        local=True,
    ),
    Case(
        "attribute-name-not-a-str",
        lambda c: c.service.put_item(raw({1: "a"}), c.table),
        TypeError,
        r"attribute names must be str, not int",
        local=True,
    ),
    # -- items and keys: values
    Case("nan", put(score=float("nan")), ValueError, r"'score'.*NaN", local=True),
    Case(
        "inf-nested",
        put(scores=[1, float("-inf")]),
        ValueError,
        r"'scores\[1\]'.*infinity",
        local=True,
    ),
    Case("decimal-nan", put(score=Decimal("NaN")), ValueError, r"'score'.*NaN", local=True),
    Case(
        "nan-in-a-key",
        lambda c: c.service.get_item({"pk": "a", "sk": float("nan")}, c.table),
        ValueError,
        r"'sk'.*NaN",
        local=True,
    ),
    Case("empty-set", put(tags=set()), ValueError, r"'tags'.*empty set", local=True),
    Case(
        "empty-frozenset-in-a-map",
        put(m={"s": frozenset()}),
        ValueError,
        r"'m\.s'.*empty set",
        local=True,
    ),
    Case("mixed-set", put(tags={1, "a"}), TypeError, r"'tags'.*a set must hold only", local=True),
    Case("object", put(thing=object()), TypeError, r"'thing'.*cannot store a object", local=True),
    Case(
        "datetime",
        put(when=datetime.datetime(2024, 1, 1)),
        TypeError,
        r"'when'.*cannot store a datetime",
        local=True,
    ),
    Case(
        "nan-in-expression-values",
        lambda c: c.service.update_item(SEED_KEY, "SET v = :v", {":v": float("nan")}, c.table),
        ValueError,
        r"':v'.*NaN",
        local=True,
    ),
    Case(
        "empty-set-in-expression-values",
        lambda c: c.service.update_item(SEED_KEY, "ADD s :s", {":s": set()}, c.table),
        ValueError,
        r"':s'.*empty set",
        local=True,
    ),
    # -- keys DynamoDB judges (the service does not know the key's types)
    Case(
        "sk-as-str-in-get",
        lambda c: c.service.get_item({"pk": "seed", "sk": "0"}, c.table),
        ClientError,
        r"ValidationException.*Type mismatch",
        local=False,
    ),
    Case(
        "sk-as-str-in-put",
        lambda c: c.service.put_item({"pk": "a", "sk": "1"}, c.table),
        ClientError,
        r"ValidationException.*Type mismatch",
        local=False,
    ),
    Case(
        "sk-as-bool-in-update",
        lambda c: c.service.update_item(
            {"pk": "seed", "sk": True}, "SET v = :v", {":v": 2}, c.table
        ),
        ClientError,
        r"ValidationException.*Invalid attribute value type",
        local=False,
    ),
    Case(
        "put-missing-sk",
        lambda c: c.service.put_item({"pk": "a", "v": 1}, c.table),
        ClientError,
        r"ValidationException.*required keys",
        local=False,
    ),
    Case(
        "get-missing-sk",
        lambda c: c.service.get_item({"pk": "seed"}, c.table),
        ClientError,
        r"ValidationException.*conditions on the keys",
        local=False,
    ),
    Case(
        "empty-string-key",
        lambda c: c.service.put_item({"pk": "", "sk": 1}, c.table),
        ClientError,
        r"ValidationException.*empty string",
        local=False,
    ),
    Case(
        "item-over-400-kb",
        put(v=BIG),
        ClientError,
        r"ValidationException.*Item size has exceeded",
        local=False,
    ),
    Case(
        "number-overflow",
        put(n=10**200),
        ValueError,
        r"attribute 'n': DynamoDB stores numbers from 1E-130 to 9\.99E\+125",
        local=True,
    ),
    Case(
        "number-too-precise",
        put(n=Decimal("1.234567890123456789012345678901234567891")),
        ValueError,
        r"attribute 'n': more than 38 significant digits",
        local=True,
    ),
    # -- expressions
    Case(
        "malformed-update-expression",
        lambda c: c.service.update_item(SEED_KEY, "SET = :v", {":v": 2}, c.table),
        ClientError,
        r"ValidationException.*Invalid UpdateExpression: Syntax error",
        local=False,
    ),
    Case(
        "update-of-a-key-attribute",
        lambda c: c.service.update_item(SEED_KEY, "SET pk = :v", {":v": "x"}, c.table),
        ClientError,
        r"ValidationException.*Cannot update attribute pk",
        local=False,
    ),
    Case(
        "malformed-condition",
        lambda c: c.service.delete_item(
            SEED_KEY,
            c.table,
            condition_expression="v = = :v",
            expression_attribute_values={":v": "original"},
        ),
        ClientError,
        r"ValidationException.*Invalid ConditionExpression",
        local=False,
    ),
    Case(
        "malformed-key-condition",
        lambda c: c.service.query("pk === :p", {":p": "seed"}, c.table),
        ClientError,
        r"ValidationException.*Invalid KeyConditionExpression",
        local=False,
    ),
    Case(
        "malformed-filter",
        lambda c: c.service.scan("v >>> :x", {":x": 1}, c.table),
        ClientError,
        r"ValidationException.*Invalid FilterExpression",
        local=False,
    ),
    Case(
        "filter-on-a-key-attribute",
        lambda c: c.service.query(
            "pk = :p", {":p": "seed", ":s": 0}, c.table, filter_expression="sk = :s"
        ),
        ClientError,
        r"ValidationException.*non-primary key attributes",
        local=False,
    ),
    Case(
        "unknown-index",
        lambda c: c.service.query("pk = :p", {":p": "seed"}, c.table, index_name="nope"),
        ClientError,
        r"ValidationException.*specified index: nope",
        local=False,
    ),
    Case(
        "unknown-value-placeholder",
        lambda c: c.service.update_item(SEED_KEY, "SET v = :missing", {":v": 2}, c.table),
        ValueError,
        r"expression_attribute_values lacks \[':missing'\]",
        local=True,
    ),
    Case(
        "unused-value",
        lambda c: c.service.update_item(SEED_KEY, "SET v = :v", {":v": 2, ":unused": 3}, c.table),
        ValueError,
        r"expression_attribute_values has \[':unused'\], which no expression",
        local=True,
    ),
    Case(
        "value-without-the-colon",
        lambda c: c.service.update_item(SEED_KEY, "SET v = :v", {"v": 2}, c.table),
        ValueError,
        r"start with ':', got 'v'",
        local=True,
    ),
    Case(
        "unknown-name-placeholder",
        lambda c: c.service.update_item(SEED_KEY, "SET #n = :v", {":v": 2}, c.table),
        ValueError,
        r"expression_attribute_names lacks \['#n'\]",
        local=True,
    ),
    Case(
        "name-placeholder-without-the-hash",
        lambda c: c.service.update_item(
            SEED_KEY, "SET #n = :v", {":v": 2}, c.table, expression_attribute_names={"n": "v"}
        ),
        ValueError,
        r"map '#name' to a str: 'n'",
        local=True,
    ),
    Case(
        "empty-update-expression",
        lambda c: c.service.update_item(SEED_KEY, "  ", {":v": 2}, c.table),
        ValueError,
        r"update_expression is empty",
        local=True,
    ),
    Case(
        "condition-not-a-str",
        lambda c: c.service.put_item(item(), c.table, condition_expression=raw(42)),
        TypeError,
        r"condition_expression must be a str or a condition object, not int",
        local=True,
    ),
    Case(
        "missing-key-condition",
        lambda c: c.service.query(raw(None), {":p": "seed"}, c.table),
        TypeError,
        r"key_condition_expression is required",
        local=True,
    ),
    Case(
        "expression-values-a-list",
        lambda c: c.service.update_item(SEED_KEY, "SET v = :v", raw([(":v", 2)]), c.table),
        TypeError,
        r"expression_attribute_values must be a dict, not list",
        local=True,
    ),
    # -- limits and segments
    Case(
        "query-negative-limit",
        lambda c: c.service.query("pk = :p", {":p": "seed"}, c.table, limit=-1),
        ValueError,
        r"limit must be >= 0 .*got -1",
        local=True,
    ),
    Case(
        "scan-negative-limit",
        lambda c: c.service.scan(table_name=c.table, limit=-5),
        ValueError,
        r"limit must be >= 0 .*got -5",
        local=True,
    ),
    Case(
        "iter-scan-negative-limit-fails-at-once",
        lambda c: c.service.iter_scan(table_name=c.table, limit=-1),
        ValueError,
        r"limit must be >= 0",
        local=True,
    ),
    Case(
        "limit-a-bool",
        lambda c: c.service.scan(table_name=c.table, limit=raw(True)),
        TypeError,
        r"limit must be an int, not bool",
        local=True,
    ),
    Case(
        "statement-negative-limit",
        lambda c: c.service.execute_statement(f'SELECT * FROM "{c.table}"', limit=-1),
        ValueError,
        r"limit must be >= 0",
        local=True,
    ),
    Case(
        "zero-segments",
        lambda c: c.service.scan(table_name=c.table, segments=0),
        ValueError,
        r"segments must be from 1 to 1000000, got 0",
        local=True,
    ),
    Case(
        "too-many-segments",
        lambda c: c.service.scan(table_name=c.table, segments=1_000_001),
        ValueError,
        r"segments must be from 1 to 1000000",
        local=True,
    ),
    Case(
        "segments-with-a-limit",
        lambda c: c.service.scan(table_name=c.table, segments=4, limit=10),
        ValueError,
        r"parallel scan .* takes no limit",
        local=True,
    ),
    # -- batches
    Case(
        "batch-write-not-a-list",
        lambda c: c.service.batch_write_items(raw({"pk": "a", "sk": 1}), c.table),
        TypeError,
        r"items must be a list, not dict",
        local=True,
    ),
    Case(
        "batch-write-none",
        lambda c: c.service.batch_write_items(raw(None), c.table),
        TypeError,
        r"items must be a list, not NoneType",
        local=True,
    ),
    Case(
        "batch-write-duplicate-keys",
        lambda c: c.service.batch_write_items(items(40, i30={"pk": "b", "sk": 0}), c.table),
        ValueError,
        r"items\[30\] has the same primary key as items\[0\]",
        local=True,
        allowed=SCHEMA,
    ),
    Case(
        "batch-write-duplicate-numbers-1-1.0-1.00",
        lambda c: c.service.batch_write_items(
            [{"pk": "a", "sk": 1}, {"pk": "a", "sk": Decimal("1.00")}], c.table
        ),
        ValueError,
        r"items\[1\] has the same primary key as items\[0\]",
        local=True,
        allowed=SCHEMA,
    ),
    Case(
        "batch-write-missing-key-late",
        lambda c: c.service.batch_write_items(items(50, i40={"pk": "b"}), c.table),
        ValueError,
        r"items\[40\] lacks the key attribute\(s\) \['sk'\]",
        local=True,
        allowed=SCHEMA,
    ),
    Case(
        "batch-write-nan-late",
        lambda c: c.service.batch_write_items(
            items(50, i30={"pk": "b", "sk": 30, "f": float("inf")}), c.table
        ),
        ValueError,
        r"'f'.*infinity",
        local=True,
    ),
    Case(
        "batch-write-empty-item-late",
        lambda c: c.service.batch_write_items(items(30, i27={}), c.table),
        ValueError,
        r"items\[27\] is empty",
        local=True,
    ),
    # a bad item after the first request of 25: the first request must not be written either
    Case(
        "batch-write-wrong-key-type-late",
        lambda c: c.service.batch_write_items(items(40, i30={"pk": "b", "sk": "30"}), c.table),
        ValueError,
        r"items\[30\]: key attribute 'sk' must be N, not S",
        local=True,
        allowed=SCHEMA,
    ),
    Case(
        "batch-write-item-over-400-kb-late",
        lambda c: c.service.batch_write_items(
            items(40, i30={"pk": "b", "sk": 30, "v": BIG}), c.table
        ),
        ValueError,
        r"items\[30\] is about \d+ bytes; DynamoDB's limit is 400 KB",
        local=True,
    ),
    Case(
        "batch-get-mixed-key-shapes",
        lambda c: c.service.batch_get_items([SEED_KEY, {"pk": "seed"}], c.table),
        ValueError,
        r"keys\[1\] has attributes \['pk'\], keys\[0\] has \['pk', 'sk'\]",
        local=True,
    ),
    Case(
        "batch-get-empty-key",
        lambda c: c.service.batch_get_items([{}], c.table),
        ValueError,
        r"keys\[0\] is empty",
        local=True,
    ),
    Case(
        "batch-get-wrong-key-type",
        lambda c: c.service.batch_get_items([{"pk": "seed", "sk": "0"}], c.table),
        ClientError,
        r"ValidationException.*Type mismatch",
        local=False,
    ),
    # -- transactions
    Case(
        "transaction-of-no-action",
        lambda c: c.service.transact_write_items([]),
        ValueError,
        r"1 to 100 actions, got 0",
        local=True,
    ),
    Case(
        "transaction-of-101-actions",
        lambda c: c.service.transact_write_items(
            [Put({"pk": "t", "sk": i}, c.table) for i in range(101)]
        ),
        ValueError,
        r"1 to 100 actions, got 101",
        local=True,
    ),
    Case(
        "transaction-duplicate-item-1-and-1.0",
        lambda c: c.service.transact_write_items(
            [
                Put({"pk": "t", "sk": 1}, c.table),
                Update({"pk": "t", "sk": 1.0}, "SET v = :v", {":v": 1}, c.table),
            ]
        ),
        ValueError,
        r"actions\[1\] acts on an item of .* another action acts on",
        local=True,
        allowed=SCHEMA,
    ),
    Case(
        "transaction-action-a-dict",
        lambda c: c.service.transact_write_items(raw([{"Put": {"Item": item()}}])),
        TypeError,
        r"actions\[0\] is a dict, not a Put",
        local=True,
    ),
    Case(
        "transaction-delete-with-a-whole-item",
        lambda c: c.service.transact_write_items([Delete({**SEED_KEY, "v": "x"}, c.table)]),
        ValueError,
        r"actions\[0\] has non-key attribute\(s\) \['v'\]",
        local=True,
        allowed=SCHEMA,
    ),
    Case(
        "transaction-put-missing-key",
        lambda c: c.service.transact_write_items(
            [Put({"pk": "t", "sk": 1}, c.table), Put({"pk": "t"}, c.table)]
        ),
        ValueError,
        r"actions\[1\] lacks the key attribute\(s\) \['sk'\]",
        local=True,
        allowed=SCHEMA,
    ),
    Case(
        "transaction-token-too-long",
        lambda c: c.service.transact_write_items(
            [Put(item(), c.table)], client_request_token="t" * 37
        ),
        ValueError,
        r"client_request_token must be a str of 1 to 36",
        local=True,
        allowed=SCHEMA,
    ),
    Case(
        "transaction-empty-condition-check",
        lambda c: c.service.transact_write_items(
            [ConditionCheck(SEED_KEY, "", table_name=c.table)]
        ),
        ValueError,
        r"condition_expression is empty",
        local=True,
    ),
    Case(
        "transaction-malformed-second-action",
        lambda c: c.service.transact_write_items(
            [Put({"pk": "t", "sk": 1}, c.table), Update(SEED_KEY, "SET = :v", {":v": 1}, c.table)]
        ),
        ClientError,
        r"ValidationException.*Invalid UpdateExpression",
        local=False,
    ),
    Case(
        "transaction-wrong-key-type",
        lambda c: c.service.transact_write_items(
            [
                Put({"pk": "t", "sk": 1}, c.table),
                Update({"pk": "seed", "sk": "0"}, "SET v = :v", {":v": 1}, c.table),
            ]
        ),
        ValueError,
        r"actions\[1\]: key attribute 'sk' must be N, not S",
        local=True,
        allowed=SCHEMA,
    ),
    Case(
        "transact-get-of-nothing",
        lambda c: c.service.transact_get_items([]),
        ValueError,
        r"1 to 100 gets, got 0",
        local=True,
    ),
    Case(
        "transact-get-duplicates",
        lambda c: c.service.transact_get_items(
            [Get(SEED_KEY, c.table), Get({"pk": "seed", "sk": 0.0}, c.table)]
        ),
        ValueError,
        r"gets\[1\] acts on an item",
        local=True,
        allowed=SCHEMA,
    ),
    Case(
        "transact-get-not-a-key",
        lambda c: c.service.transact_get_items([Get({**SEED_KEY, "v": 1}, c.table)]),
        ValueError,
        r"gets\[0\] has non-key attribute",
        local=True,
        allowed=SCHEMA,
    ),
    # -- PartiQL
    Case(
        "empty-statement",
        lambda c: c.service.execute_statement(" "),
        ValueError,
        r"statement is empty",
        local=True,
    ),
    Case(
        "parameters-a-str",
        lambda c: c.service.execute_statement(f'SELECT * FROM "{c.table}"', raw("seed")),
        TypeError,
        r"parameters must be a list, not str",
        local=True,
    ),
    Case(
        "nan-parameter",
        lambda c: c.service.execute_statement(
            f'UPDATE "{c.table}" SET v = ? WHERE pk = ? AND sk = ?', [float("nan"), "seed", 0]
        ),
        ValueError,
        r"'parameters\[0\]'.*NaN",
        local=True,
    ),
    Case(
        "malformed-statement",
        lambda c: c.service.execute_statement("SELEC * FROM x"),
        ClientError,
        r"ValidationException.*wasn't well formed",
        local=False,
    ),
]

CONFIG: dict[str, Any] = {"region_name": "us-east-1", "endpoint_url": "http://127.0.0.1:9"}
ConfigCall = Callable[[], object]
CONFIG_CASES: list[tuple[str, ConfigCall, Errors, str]] = [
    (
        "region-empty",
        lambda: DynamoDBConfig(**{**CONFIG, "region_name": ""}),
        ValidationError,
        r"region_name",
    ),
    (
        "region-upper-case",
        lambda: DynamoDBConfig(**{**CONFIG, "region_name": "US-EAST-1"}),
        ValidationError,
        r"region_name\n.*not an AWS region",
    ),
    (
        "region-unknown",
        lambda: DynamoDBConfig(**{**CONFIG, "region_name": "moon-base-1"}),
        ValidationError,
        r"'moon-base-1' is not an AWS region",
    ),
    (
        "region-typo-field",
        lambda: DynamoDBConfig(**{"regon_name": "us-east-1"}),
        ValidationError,
        r"regon_name\n.*Extra inputs are not permitted",
    ),
    (
        "endpoint-not-http",
        lambda: DynamoDBConfig(**{**CONFIG, "endpoint_url": "ftp://h"}),
        ValidationError,
        r"endpoint_url\n.*http:// or https://",
    ),
    (
        "endpoint-without-host",
        lambda: DynamoDBConfig(**{**CONFIG, "endpoint_url": "http://"}),
        ValidationError,
        r"endpoint_url",
    ),
    (
        "default-table-too-short",
        lambda: DynamoDBConfig(**{**CONFIG, "default_table_name": "ab"}),
        ValidationError,
        r"default_table_name\n.*illegal table name",
    ),
    (
        "connect-timeout-zero",
        lambda: DynamoDBConfig(**{**CONFIG, "connect_timeout_seconds": 0}),
        ValidationError,
        r"connect_timeout_seconds\n.*greater than 0",
    ),
    (
        "read-timeout-negative",
        lambda: DynamoDBConfig(**{**CONFIG, "read_timeout_seconds": -1}),
        ValidationError,
        r"read_timeout_seconds",
    ),
    (
        "read-timeout-inf",
        lambda: DynamoDBConfig(**{**CONFIG, "read_timeout_seconds": float("inf")}),
        ValidationError,
        r"read_timeout_seconds",
    ),
    (
        "max-attempts-zero",
        lambda: DynamoDBConfig(**{**CONFIG, "max_attempts": 0}),
        ValidationError,
        r"max_attempts\n.*greater than or equal to 1",
    ),
    (
        "capacity-zero",
        lambda: DynamoDBConfig(**{**CONFIG, "read_capacity_units": 0}),
        ValidationError,
        r"read_capacity_units",
    ),
    (
        "numbers-unknown",
        lambda: DynamoDBConfig(**{**CONFIG, "numbers": "float"}),
        ValidationError,
        r"numbers\n.*'native' or 'decimal'",
    ),
    (
        "secret-without-key-id",
        lambda: DynamoDBConfig(**{**CONFIG, "aws_secret_access_key": "s"}),
        ValidationError,
        r"aws_access_key_id and aws_secret_access_key together",
    ),
    (
        "logger-not-a-logger",
        lambda: DynamoDBService(logger=raw("log"), config=DynamoDBConfig(**CONFIG)),
        TypeError,
        r"logger must be a logging.Logger, not str",
    ),
    (
        "config-a-dict",
        lambda: DynamoDBService(logger=service_logger(), config=raw(CONFIG)),
        TypeError,
        r"config must be a DynamoDBConfig, not dict",
    ),
]


def test_there_are_at_least_40_cases_with_unique_ids() -> None:
    # GIVEN the case tables  WHEN counted  THEN there are enough of them, each named once
    ids = [case.id for case in OPERATION_CASES] + [case[0] for case in CONFIG_CASES]
    assert len(ids) >= 40
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(
    ("call", "error", "message"), [c[1:] for c in CONFIG_CASES], ids=[c[0] for c in CONFIG_CASES]
)
def test_bad_configuration_fails_clearly_before_anything_is_built(
    call: ConfigCall, error: Errors, message: str, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN a bad config value (or constructor argument)
    # WHEN the config or the service is made
    with caplog.at_level(logging.DEBUG), pytest.raises(error) as raised:
        call()
    # THEN it fails with a message saying what is wrong, and nothing was logged as a failure
    assert re.search(message, str(raised.value)), str(raised.value)
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


@pytest.mark.parametrize("case", OPERATION_CASES, ids=[case.id for case in OPERATION_CASES])
def test_bad_input_fails_clearly_and_writes_nothing(
    case: Case,
    proxy: FaultProxy,
    service_via_proxy: ServiceFactory,
    direct: DynamoDBClient,
    table: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # GIVEN a table holding one seed item, and a service reaching it through the proxy
    direct.put_item(
        TableName=table,
        Item={"pk": {"S": "seed"}, "sk": {"N": "0"}, "v": {"S": "original"}, "n": {"N": "1"}},
    )
    ctx = Ctx(service_via_proxy(), table)
    proxy.clear_requests()
    # WHEN the garbage is handed to it
    with caplog.at_level(logging.DEBUG), pytest.raises(case.error) as raised:
        case.call(ctx)
    # THEN the exception says what is wrong
    assert re.search(case.message, str(raised.value)), str(raised.value)
    # AND a case the service can judge sent no request (but perhaps the key schema's)
    if case.local:
        assert set(proxy.requests) <= case.allowed, proxy.requests
    elif isinstance(raised.value, ClientError):
        # AND DynamoDB's exception came through unchanged, from one request, not retried
        assert raised.value.response["ResponseMetadata"]["RetryAttempts"] == 0
    # AND the failure was logged once, at ERROR, by the service
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.name for r in errors] == [LOGGER_NAME]
    # AND nothing was written: the table holds the seed item alone, unchanged
    assert stored_items(direct, table) == [SEED]


def test_a_service_with_a_default_table_judges_names_the_same_way(
    direct_service: ServiceFactory,
) -> None:
    # GIVEN a service whose default table is legal  WHEN an illegal name is passed explicitly
    service = direct_service(default_table_name="a-legal-default")
    # THEN the explicit name is judged, not silently replaced by the default
    with pytest.raises(ValueError, match="illegal table name"):
        service.put_item(item(), "x")
