"""Configuration, value aliases, transaction actions, pages and errors of the DynamoDB service."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import KW_ONLY, dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeAlias
from urllib.parse import urlsplit

import botocore
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from typing_extensions import TypeVar

if TYPE_CHECKING:
    from boto3.dynamodb.conditions import ConditionBase

Item = dict[str, Any]
"""An item as Python values: ``{"id": "u1", "age": 30, "tags": {"a", "b"}}``."""
Key = dict[str, Any]
"""The primary-key attributes of an item, as Python values."""
ItemIn: TypeAlias = Mapping[str, object]
"""What an item, key or expression-values argument accepts: any mapping (a TypedDict too)."""
ItemOrModel: TypeAlias = "ItemIn | BaseModel"
"""What a write accepts as an item: a mapping, or a Pydantic model (stored by its aliases)."""
Names: TypeAlias = Mapping[str, str]
"""``expression_attribute_names``: ``{"#s": "status"}``."""
Condition: TypeAlias = "str | ConditionBase"
"""An expression string, or a ``boto3.dynamodb.conditions`` object (``Key``/``Attr``)."""
Numbers = Literal["native", "decimal"]
Transport = Literal["lean", "botocore"]
BillingMode = Literal["PROVISIONED", "PAY_PER_REQUEST"]
LogLevel = Literal["ERROR", "WARNING", "INFO"]
ReturnValues = Literal["ALL_NEW", "UPDATED_NEW", "ALL_OLD", "UPDATED_OLD", "NONE"]

TABLE_NAME_PATTERN = re.compile(r"[A-Za-z0-9_.\-]{3,255}")


_PARTITIONS_FILE = Path(botocore.__file__).parent / "data" / "partitions.json"


@lru_cache(maxsize=1)
def _region_patterns() -> tuple[re.Pattern[str], ...]:
    """The region patterns botocore ships in ``partitions.json`` (new regions need no change).

    The file is read with ``json``: ``botocore.loaders`` would cost a cold start about
    100 ms of imports. A botocore that ships it otherwise (compressed) is asked through
    its loader.
    """
    shipped = _PARTITIONS_FILE
    if shipped.is_file():
        partitions = json.loads(shipped.read_bytes())["partitions"]
    else:
        from botocore.loaders import Loader

        partitions = Loader().load_data("partitions")["partitions"]
    return tuple(re.compile(partition["regionRegex"]) for partition in partitions)


def check_table_name(name: str) -> str:
    """Return ``name`` when it is a legal DynamoDB table name, else raise ``ValueError``."""
    if not isinstance(name, str):
        raise TypeError(f"a table name must be a str, not {type(name).__name__}")
    if TABLE_NAME_PATTERN.fullmatch(name) is None:
        raise ValueError(
            f"illegal table name {name[:300]!r}: use 3-255 of the characters a-z A-Z 0-9 _ - ."
        )
    return name


class DynamoDBConfig(BaseModel):
    """How to reach DynamoDB: region, credentials, endpoint, defaults and timeouts.

    Leave both keys out to use boto3's default credential chain (an IAM role, the
    environment, a profile). Secrets are ``SecretStr`` and never printed.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    region_name: str
    aws_access_key_id: str | None = None
    aws_secret_access_key: SecretStr | None = None
    aws_session_token: SecretStr | None = None
    endpoint_url: str | None = None
    default_table_name: str | None = None
    read_capacity_units: int = Field(default=5, ge=1)
    write_capacity_units: int = Field(default=5, ge=1)
    connect_timeout_seconds: float = Field(default=5.0, gt=0, allow_inf_nan=False)
    read_timeout_seconds: float = Field(default=10.0, gt=0, allow_inf_nan=False)
    max_attempts: int = Field(default=3, ge=1)
    numbers: Numbers = "native"
    billing_mode: BillingMode = "PROVISIONED"
    max_pool_connections: int = Field(default=10, ge=1)
    fast_reads: bool = True
    transport: Transport = "lean"
    """``"lean"``: the data-plane calls are sent by the service's own wire path (``_wire``),
    botocore's credentials, endpoints, TLS, errors and retry rules kept; ``"botocore"``:
    every call goes through botocore's pipeline."""
    condition_failure_log_level: LogLevel = "ERROR"

    @field_validator("region_name")
    @classmethod
    def _known_region(cls, value: str) -> str:
        if value != value.lower() or not any(p.fullmatch(value) for p in _region_patterns()):
            raise ValueError(f"{value!r} is not an AWS region name such as 'us-east-1'")
        return value

    @field_validator("endpoint_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None:
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError("endpoint_url must be an http:// or https:// URL with a host")
        return value

    @field_validator("default_table_name")
    @classmethod
    def _legal_table_name(cls, value: str | None) -> str | None:
        return None if value is None else check_table_name(value)

    @model_validator(mode="after")
    def _credentials_paired(self) -> DynamoDBConfig:
        has_id = self.aws_access_key_id is not None
        if has_id != (self.aws_secret_access_key is not None):
            raise ValueError(
                "give aws_access_key_id and aws_secret_access_key together, or neither"
            )
        if self.aws_session_token is not None and not has_id:
            raise ValueError("aws_session_token needs aws_access_key_id and aws_secret_access_key")
        return self


class KeySchemaError(ValueError):
    """An item or key does not fit the table's key schema, as the service knows it."""


class UnprocessedError(RuntimeError):
    """DynamoDB kept handing back part of a batch after every resend round."""


class UnprocessedItemsError(UnprocessedError):
    """``batch_write_items`` could not write some items; ``unprocessed`` holds exactly those."""

    def __init__(self, unprocessed: Sequence[ItemOrModel], *, total: int, rounds: int) -> None:
        super().__init__(
            f"{len(unprocessed)} of {total} items were not written after {rounds} resend rounds"
        )
        self.unprocessed: list[Any] = list(unprocessed)
        """The items not written, as they were given (mappings, or models)."""


class UnprocessedKeysError(UnprocessedError):
    """``batch_get_items`` could not read some keys; ``unprocessed`` holds exactly those.

    ``found`` holds the items that were read, in the order their keys were asked (as
    models, when read with ``model=``).
    """

    def __init__(
        self, unprocessed: Sequence[ItemIn], found: Sequence[Any], *, total: int, rounds: int
    ) -> None:
        super().__init__(
            f"{len(unprocessed)} of {total} keys were not read after {rounds} resend rounds"
        )
        self.unprocessed: list[ItemIn] = list(unprocessed)
        self.found: list[Any] = list(found)


@dataclass(frozen=True, slots=True)
class Put:
    """Transaction action: write ``item`` whole, if ``condition_expression`` holds."""

    item: ItemOrModel
    table_name: str | None = None
    _: KW_ONLY
    condition_expression: Condition | None = None
    expression_attribute_names: Names | None = None
    expression_attribute_values: ItemIn | None = None


@dataclass(frozen=True, slots=True)
class Update:
    """Transaction action: apply ``update_expression`` to the item at ``key``."""

    key: ItemIn
    update_expression: str
    expression_attribute_values: ItemIn | None = None
    table_name: str | None = None
    _: KW_ONLY
    condition_expression: Condition | None = None
    expression_attribute_names: Names | None = None


@dataclass(frozen=True, slots=True)
class Delete:
    """Transaction action: delete the item at ``key``, if ``condition_expression`` holds."""

    key: ItemIn
    table_name: str | None = None
    _: KW_ONLY
    condition_expression: Condition | None = None
    expression_attribute_names: Names | None = None
    expression_attribute_values: ItemIn | None = None


@dataclass(frozen=True, slots=True)
class ConditionCheck:
    """Transaction action: cancel the transaction unless the item at ``key`` passes."""

    key: ItemIn
    condition_expression: Condition
    expression_attribute_values: ItemIn | None = None
    table_name: str | None = None
    _: KW_ONLY
    expression_attribute_names: Names | None = None


@dataclass(frozen=True, slots=True)
class Get:
    """Transactional read of the item at ``key``."""

    key: ItemIn
    table_name: str | None = None
    _: KW_ONLY
    projection_expression: str | None = None
    expression_attribute_names: Names | None = None


WriteAction = Put | Update | Delete | ConditionCheck


PageItem = TypeVar("PageItem", default=Item)
"""What a page holds: items (``Page`` alone is ``Page[Item]``), or models (``Page[User]``)."""


@dataclass(frozen=True, slots=True)
class Page(Generic[PageItem]):
    """One page of ``query_page``/``scan_page``: its items, and where the next one starts.

    ``cursor`` is None when nothing follows; otherwise pass it back as ``cursor=`` to
    continue right after the last item of ``items``. It is URL-safe and opaque, and it
    carries the last key read, encoded (not encrypted). With ``model=User`` the items are
    ``User`` instances: a ``Page[User]``.
    """

    items: list[PageItem]
    cursor: str | None
