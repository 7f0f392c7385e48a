"""DynamoDBConfig validation and secrecy, the error classes, the transaction actions."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from pydantic import SecretStr, ValidationError

from src.services.dynamodb.dynamodb_models import (
    ConditionCheck,
    Delete,
    DynamoDBConfig,
    Get,
    Put,
    UnprocessedError,
    UnprocessedItemsError,
    UnprocessedKeysError,
    Update,
    check_table_name,
)
from src.services.dynamodb.dynamodb_service import DynamoDBService
from tests.dynamodb.conftest import SECRET, TOKEN

KEY_ID = "AKIAIOSFODNN7EXAMPLE"


def _config(**fields: Any) -> DynamoDBConfig:
    """A config in us-east-1 with ``fields`` on top."""
    return DynamoDBConfig(**{"region_name": "us-east-1", **fields})


def _error_fields(error: ValidationError) -> set[str]:
    return {str(part) for detail in error.errors() for part in detail["loc"]}


# -- region ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "region",
    ["us-east-1", "eu-west-3", "us-gov-west-1", "cn-north-1", "mx-central-1", "ap-southeast-7"],
)
def test_a_known_region_is_accepted(region: str) -> None:
    # GIVEN a real AWS region name
    # WHEN a config is built with it
    config = DynamoDBConfig(region_name=region)
    # THEN it is kept as given, with the documented defaults
    assert config.region_name == region
    assert config.read_capacity_units == 5
    assert config.write_capacity_units == 5
    assert config.connect_timeout_seconds == 5.0
    assert config.read_timeout_seconds == 10.0
    assert config.max_attempts == 3
    assert config.numbers == "native"
    assert config.endpoint_url is None
    assert config.default_table_name is None


@pytest.mark.parametrize(
    "region",
    [
        "",
        "us-east",
        "US-EAST-1",
        "us_east_1",
        "moon-base-1",
        " us-east-1",
        "us-East-1",
        "us-east-1 ",
        "us-east-1\n",
    ],
)
def test_a_malformed_region_is_refused_naming_the_field(region: str) -> None:
    # GIVEN a string that is not an AWS region name
    # WHEN a config is built with it
    with pytest.raises(ValidationError) as caught:
        DynamoDBConfig(region_name=region)
    # THEN validation fails on region_name
    assert _error_fields(caught.value) == {"region_name"}


def test_region_is_required() -> None:
    # GIVEN no region at all
    # WHEN a config is built
    with pytest.raises(ValidationError) as caught:
        DynamoDBConfig()  # type: ignore[call-arg]
    # THEN region_name is named as missing
    assert _error_fields(caught.value) == {"region_name"}


# -- credentials -------------------------------------------------------------------------------


def test_keys_given_together_are_kept_with_the_secret_hidden() -> None:
    # GIVEN a key pair and a session token
    config = _config(
        aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET, aws_session_token=TOKEN
    )
    # THEN the secrets are SecretStr whose values are still reachable on purpose
    assert config.aws_access_key_id == KEY_ID
    assert isinstance(config.aws_secret_access_key, SecretStr)
    assert config.aws_secret_access_key.get_secret_value() == SECRET
    assert isinstance(config.aws_session_token, SecretStr)
    assert config.aws_session_token.get_secret_value() == TOKEN


def test_no_keys_at_all_is_accepted_for_the_default_credential_chain() -> None:
    config = _config()
    assert config.aws_access_key_id is None
    assert config.aws_secret_access_key is None
    assert config.aws_session_token is None


@pytest.mark.parametrize(
    "fields",
    [
        {"aws_access_key_id": KEY_ID},
        {"aws_secret_access_key": SECRET},
        {"aws_access_key_id": KEY_ID, "aws_session_token": TOKEN},
        {"aws_secret_access_key": SECRET, "aws_session_token": TOKEN},
    ],
    ids=["id-only", "secret-only", "id-and-token", "secret-and-token"],
)
def test_half_a_key_pair_is_refused(fields: dict[str, str]) -> None:
    # GIVEN one half of a key pair
    # WHEN a config is built
    with pytest.raises(ValidationError, match="together") as caught:
        _config(**fields)
    # THEN the message never echoes the secret
    assert SECRET not in str(caught.value)
    assert TOKEN not in str(caught.value)


def test_a_session_token_without_keys_is_refused() -> None:
    with pytest.raises(ValidationError, match="aws_session_token needs") as caught:
        _config(aws_session_token=TOKEN)
    assert TOKEN not in str(caught.value)


# -- capacities, timeouts, attempts, numbers ---------------------------------------------------


@pytest.mark.parametrize("field", ["read_capacity_units", "write_capacity_units"])
@pytest.mark.parametrize("value", [0, -1])
def test_a_capacity_below_one_is_refused(field: str, value: int) -> None:
    with pytest.raises(ValidationError) as caught:
        _config(**{field: value})
    assert _error_fields(caught.value) == {field}


@pytest.mark.parametrize("field", ["read_capacity_units", "write_capacity_units"])
def test_a_capacity_of_one_is_accepted(field: str) -> None:
    assert getattr(_config(**{field: 1}), field) == 1


@pytest.mark.parametrize("field", ["connect_timeout_seconds", "read_timeout_seconds"])
@pytest.mark.parametrize("value", [0, 0.0, -1.0])
def test_a_timeout_of_zero_or_less_is_refused(field: str, value: float) -> None:
    with pytest.raises(ValidationError) as caught:
        _config(**{field: value})
    assert _error_fields(caught.value) == {field}


@pytest.mark.parametrize("field", ["connect_timeout_seconds", "read_timeout_seconds"])
@pytest.mark.parametrize("value", [float("inf"), float("nan")], ids=["inf", "nan"])
def test_an_infinite_or_nan_timeout_is_refused(field: str, value: float) -> None:
    # GIVEN a timeout that is no number of seconds (inf makes every request fail with
    # "timestamp out of range for platform time_t" instead of failing at configuration)
    # WHEN a config is built with it
    with pytest.raises(ValidationError) as caught:
        _config(**{field: value})
    # THEN validation fails on that field
    assert _error_fields(caught.value) == {field}


@pytest.mark.parametrize("field", ["connect_timeout_seconds", "read_timeout_seconds"])
def test_a_small_positive_timeout_is_accepted(field: str) -> None:
    assert getattr(_config(**{field: 0.05}), field) == 0.05


@pytest.mark.parametrize("value", [0, -3])
def test_max_attempts_below_one_is_refused(value: int) -> None:
    with pytest.raises(ValidationError) as caught:
        _config(max_attempts=value)
    assert _error_fields(caught.value) == {"max_attempts"}


def test_max_attempts_of_one_is_accepted() -> None:
    assert _config(max_attempts=1).max_attempts == 1


@pytest.mark.parametrize("mode", ["native", "decimal"])
def test_numbers_mode_native_or_decimal_is_accepted(mode: str) -> None:
    assert _config(numbers=mode).numbers == mode


@pytest.mark.parametrize("mode", ["float", "Decimal", "", "int"])
def test_any_other_numbers_mode_is_refused(mode: str) -> None:
    with pytest.raises(ValidationError) as caught:
        _config(numbers=mode)
    assert _error_fields(caught.value) == {"numbers"}


# -- endpoint URL ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["http://localhost:8000", "https://dynamodb.us-east-1.amazonaws.com", "http://127.0.0.1:9"],
)
def test_an_http_or_https_url_with_a_host_is_accepted(url: str) -> None:
    assert _config(endpoint_url=url).endpoint_url == url


@pytest.mark.parametrize("url", ["ftp://x", "localhost:8000", "http://", "", "dynamodb.local"])
def test_an_endpoint_that_is_not_an_http_url_with_a_host_is_refused(url: str) -> None:
    with pytest.raises(ValidationError, match="endpoint_url") as caught:
        _config(endpoint_url=url)
    assert _error_fields(caught.value) == {"endpoint_url"}


# -- table name --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["abc", "users", "My_Table-1.v2", "a" * 255], ids=["3", "users", "mixed", "255"]
)
def test_a_legal_default_table_name_is_accepted(name: str) -> None:
    assert _config(default_table_name=name).default_table_name == name


@pytest.mark.parametrize(
    "name",
    ["", "ab", "a" * 256, "users!", "my table", "tábla", "users/1", "a:b"],
    ids=["empty", "2", "256", "bang", "space", "accent", "slash", "colon"],
)
def test_an_illegal_default_table_name_is_refused(name: str) -> None:
    with pytest.raises(ValidationError) as caught:
        _config(default_table_name=name)
    assert _error_fields(caught.value) == {"default_table_name"}


def test_check_table_name_refuses_a_non_str_with_type_error() -> None:
    with pytest.raises(TypeError, match="must be a str, not int"):
        check_table_name(123)  # type: ignore[arg-type]


# -- model behaviour ---------------------------------------------------------------------------


def test_a_typo_field_is_refused_instead_of_ignored() -> None:
    # GIVEN a misspelled field name
    # WHEN a config is built with it
    with pytest.raises(ValidationError) as caught:
        DynamoDBConfig(region_name="us-east-1", regon_name="eu-west-1")  # type: ignore[call-arg]
    # THEN the unknown field is named
    assert _error_fields(caught.value) == {"regon_name"}
    assert caught.value.errors()[0]["type"] == "extra_forbidden"


def test_the_config_is_frozen() -> None:
    config = _config(default_table_name="users")
    with pytest.raises(ValidationError):
        config.region_name = "eu-west-1"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        config.default_table_name = "other"  # type: ignore[misc]
    assert config.region_name == "us-east-1"
    assert config.default_table_name == "users"


def test_the_config_is_hashable_and_compares_by_value() -> None:
    assert _config(default_table_name="users") == _config(default_table_name="users")
    assert hash(_config()) == hash(_config())


# -- secrecy -----------------------------------------------------------------------------------


def _secret_config() -> DynamoDBConfig:
    return _config(
        aws_access_key_id=KEY_ID,
        aws_secret_access_key=SECRET,
        aws_session_token=TOKEN,
        endpoint_url="http://localhost:8000",
        default_table_name="users",
    )


@pytest.mark.parametrize(
    "render",
    [repr, str, lambda config: config.model_dump_json(), lambda config: str(config.model_dump())],
    ids=["repr", "str", "model_dump_json", "model_dump"],
)
def test_the_secret_and_token_never_show_when_the_config_is_printed(render: Any) -> None:
    # GIVEN a config with a secret key and a session token
    config = _secret_config()
    # WHEN it is rendered as text
    text = render(config)
    # THEN neither secret appears, while the harmless fields do
    assert SECRET not in text
    assert TOKEN not in text
    assert "us-east-1" in text


def test_the_secret_and_token_never_show_in_the_service_repr() -> None:
    service = DynamoDBService(logger=logging.getLogger("tests.dynamodb"), config=_secret_config())
    try:
        text = repr(service)
        assert SECRET not in text
        assert TOKEN not in text
        assert KEY_ID not in text
        assert text == (
            "DynamoDBService(region_name='us-east-1', endpoint_url='http://localhost:8000', "
            "default_table_name='users')"
        )
    finally:
        service.close()


# -- errors ------------------------------------------------------------------------------------


def test_unprocessed_items_error_carries_exactly_the_unwritten_items() -> None:
    # GIVEN two items left unwritten out of 30 after 8 rounds
    unwritten: list[Mapping[str, object]] = [{"pk": "a", "sk": 1}, {"pk": "b", "sk": 2}]
    # WHEN the error is made
    error = UnprocessedItemsError(unwritten, total=30, rounds=8)
    # THEN it says how many and carries them
    assert str(error) == "2 of 30 items were not written after 8 resend rounds"
    assert error.unprocessed == unwritten
    assert isinstance(error, UnprocessedError)
    assert isinstance(error, RuntimeError)


def test_unprocessed_keys_error_carries_the_unread_keys_and_the_found_items() -> None:
    unread: list[Mapping[str, object]] = [{"pk": "a", "sk": 1}]
    found: list[dict[str, Any]] = [{"pk": "b", "sk": 2, "v": "x"}]
    error = UnprocessedKeysError(unread, found, total=5, rounds=3)
    assert str(error) == "1 of 5 keys were not read after 3 resend rounds"
    assert error.unprocessed == unread
    assert error.found == found
    assert isinstance(error, UnprocessedError)


# -- transaction actions -----------------------------------------------------------------------

KEY: dict[str, Any] = {"pk": "a", "sk": 1}


@pytest.mark.parametrize(
    "action",
    [
        Put({"pk": "a", "sk": 1}),
        Update(KEY, "SET v = :v", {":v": 1}),
        Delete(KEY),
        ConditionCheck(KEY, "attribute_exists(pk)"),
        Get(KEY),
    ],
    ids=["Put", "Update", "Delete", "ConditionCheck", "Get"],
)
def test_transaction_actions_are_frozen(action: Any) -> None:
    # GIVEN any transaction action
    # WHEN a field is assigned
    with pytest.raises(dataclasses.FrozenInstanceError):
        action.table_name = "other"
    # THEN the action is unchanged and defaults to the default table
    assert action.table_name is None


@pytest.mark.parametrize(
    "make",
    [
        lambda: Put({"pk": "a"}, "users", "attribute_not_exists(pk)"),  # type: ignore[call-arg]
        lambda: Update(KEY, "SET v = :v", {":v": 1}, "users", "attribute_exists(pk)"),  # type: ignore[call-arg]
        lambda: Delete(KEY, "users", "attribute_exists(pk)"),  # type: ignore[call-arg]
        lambda: ConditionCheck(KEY, "attribute_exists(pk)", None, "users", {"#n": "n"}),  # type: ignore[call-arg]
        lambda: Get(KEY, "users", "pk"),  # type: ignore[call-arg]
    ],
    ids=["Put", "Update", "Delete", "ConditionCheck", "Get"],
)
def test_transaction_action_options_are_keyword_only(make: Callable[[], object]) -> None:
    # GIVEN an option passed positionally after the table name
    # WHEN the action is made
    # THEN it is a TypeError: options are keyword-only
    with pytest.raises(TypeError, match="positional"):
        make()


def test_transaction_actions_take_their_options_by_keyword() -> None:
    put = Put(
        {"pk": "a"},
        "users",
        condition_expression="attribute_not_exists(#p)",
        expression_attribute_names={"#p": "pk"},
        expression_attribute_values=None,
    )
    update = Update(
        KEY, "SET #n = :n", {":n": "Bob"}, "users", expression_attribute_names={"#n": "name"}
    )
    check = ConditionCheck(
        KEY, "#v > :v", {":v": 1}, "users", expression_attribute_names={"#v": "v"}
    )
    get = Get(KEY, "users", projection_expression="#n", expression_attribute_names={"#n": "name"})
    delete = Delete(KEY, condition_expression="attribute_exists(pk)")
    assert put.condition_expression == "attribute_not_exists(#p)"
    assert update.expression_attribute_names == {"#n": "name"}
    assert update.condition_expression is None
    assert check.expression_attribute_values == {":v": 1}
    assert get.projection_expression == "#n"
    assert delete.table_name is None
    assert delete.expression_attribute_values is None
    assert put == Put(
        {"pk": "a"},
        "users",
        condition_expression="attribute_not_exists(#p)",
        expression_attribute_names={"#p": "pk"},
    )
