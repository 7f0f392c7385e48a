"""Value conversion, directly on ``_values`` and through the service's public API."""

from __future__ import annotations

import datetime
import logging
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from enum import IntEnum, StrEnum
from typing import Any, cast

import pytest
from moto import mock_aws
from mypy_boto3_dynamodb.client import DynamoDBClient

from src.services.dynamodb._values import (
    check_sizes,
    item_decoder,
    key_fingerprint,
    to_wire,
    to_wire_item,
    to_wire_values,
)
from src.services.dynamodb.dynamodb_models import DynamoDBConfig
from src.services.dynamodb.dynamodb_service import DynamoDBService
from tests.dynamodb.conftest import ATTRIBUTES, KEY_SCHEMA, TABLE, stubbed

KEY: dict[str, Any] = {"pk": "a", "sk": 1}
NATIVE = item_decoder("native")
DECIMAL = item_decoder("decimal")


@pytest.fixture
def decimal_service(logger: logging.Logger, config: DynamoDBConfig) -> Iterator[DynamoDBService]:
    """A service in ``numbers="decimal"`` mode with the table ``users``, inside ``mock_aws``."""
    with mock_aws():
        fields = config.model_dump() | {"numbers": "decimal"}
        service = DynamoDBService(logger=logger, config=DynamoDBConfig(**fields))
        service.create_table(TABLE, KEY_SCHEMA, ATTRIBUTES)
        yield service
        service.close()


@pytest.fixture(scope="module")
def offline() -> Iterator[DynamoDBService]:
    """A service pointed at a closed port, shared by the module: for Stubber-only tests."""
    config = DynamoDBConfig(
        region_name="us-east-1",
        aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
        aws_secret_access_key="not-a-secret",
        endpoint_url="http://127.0.0.1:9",
        default_table_name=TABLE,
        max_attempts=1,
    )
    service = DynamoDBService(logger=logging.getLogger("tests.dynamodb"), config=config)
    yield service
    service.close()


def _stored(service: DynamoDBService, name: str) -> Any:
    """The raw attribute value moto holds for ``name`` of the item at KEY.

    Read with a plain botocore client: the service's own client parses reads fast
    (binary stays base64 text there).
    """
    plain = cast(
        DynamoDBClient, service._session.create_client("dynamodb", region_name="us-east-1")
    )
    try:
        raw = plain.get_item(TableName=TABLE, Key={"pk": {"S": "a"}, "sk": {"N": "1"}})
    finally:
        plain.close()
    return raw["Item"][name]


# -- to_wire: what goes on the wire ---------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "wire"),
    [
        ("text", {"S": "text"}),
        ("", {"S": ""}),
        (0.1, {"N": "0.1"}),
        (1e-130, {"N": "1e-130"}),
        (10**38, {"N": "1" + "0" * 38}),
        (-0.0, {"N": "-0.0"}),
        (1, {"N": "1"}),
        (-7, {"N": "-7"}),
        (2.5, {"N": "2.5"}),
        (Decimal("3.14"), {"N": "3.14"}),
        (Decimal("1.00"), {"N": "1.00"}),
        (True, {"BOOL": True}),
        (False, {"BOOL": False}),
        (None, {"NULL": True}),
        (b"\x00\xff", {"B": b"\x00\xff"}),
        (bytearray(b"ab"), {"B": b"ab"}),
        (memoryview(b"mv"), {"B": b"mv"}),
        ([1, "x"], {"L": [{"N": "1"}, {"S": "x"}]}),
        ((1, "x"), {"L": [{"N": "1"}, {"S": "x"}]}),
        ({"k": [True]}, {"M": {"k": {"L": [{"BOOL": True}]}}}),
        ({}, {"M": {}}),
        ([], {"L": []}),
        ({"only"}, {"SS": ["only"]}),
        (frozenset({b"b"}), {"BS": [b"b"]}),
        ({Decimal("1.5")}, {"NS": ["1.5"]}),
    ],
    ids=lambda value: repr(value)[:30],
)
def test_to_wire_gives_the_attribute_value_dynamodb_expects(value: Any, wire: Any) -> None:
    # GIVEN a Python value
    # WHEN it is converted
    # THEN it has the expected DynamoDB type tag and text
    assert to_wire(value, "a") == wire


def test_a_float_is_stored_as_the_decimal_it_prints_as_not_its_binary_expansion() -> None:
    assert to_wire(0.1, "a") == {"N": "0.1"}
    assert to_wire(0.1 + 0.2, "a") == {"N": "0.30000000000000004"}
    assert to_wire(1e16, "a") == {"N": "1e+16"}


def test_bool_is_never_a_number_and_one_is_never_a_bool() -> None:
    assert to_wire(True, "a") == {"BOOL": True}
    assert to_wire(1, "a") == {"N": "1"}
    assert to_wire_item({"b": True, "i": 1}) == {"b": {"BOOL": True}, "i": {"N": "1"}}


@pytest.mark.parametrize(
    ("values", "tag", "expected"),
    [
        ({"b", "a"}, "SS", ["a", "b"]),
        ({b"y", b"x"}, "BS", [b"x", b"y"]),
        ({1, 2.5, Decimal("3")}, "NS", ["1", "2.5", "3"]),
        (frozenset({"z"}), "SS", ["z"]),
    ],
    ids=["SS", "BS", "NS", "frozenset"],
)
def test_sets_go_out_as_the_matching_set_type(values: Any, tag: str, expected: list[Any]) -> None:
    wire = to_wire(values, "s")
    assert list(wire) == [tag]
    assert sorted(wire[tag]) == expected  # type: ignore[literal-required]


class _Text(str):
    pass


class _Count(int):
    pass


class _Ratio(float):
    pass


def test_subclasses_of_str_int_and_float_are_stored_as_their_base_type() -> None:
    assert to_wire(_Text("t"), "a") == {"S": "t"}
    assert to_wire(_Count(4), "a") == {"N": "4"}
    assert to_wire(_Ratio(0.5), "a") == {"N": "0.5"}


class _Color(StrEnum):
    RED = "red"
    BLUE = "blue"


class _Size(IntEnum):
    SMALL = 1
    LARGE = 3


def test_str_and_int_enum_members_are_stored_as_their_values_alone_and_in_sets() -> None:
    # GIVEN enum members that are str and int subclasses
    # WHEN they are converted alone and in sets
    # THEN they are stored like the str and int they are, in both cases
    assert to_wire(_Color.RED, "c") == {"S": "red"}
    assert to_wire(_Size.LARGE, "s") == {"N": "3"}
    assert to_wire({_Size.SMALL, _Size.LARGE}, "s") == {"NS": ["1", "3"]}
    wire = to_wire({_Color.RED, _Color.BLUE}, "c")
    assert sorted(wire["SS"]) == ["blue", "red"]


def test_a_mapping_that_is_not_a_dict_is_stored_as_a_map() -> None:
    from types import MappingProxyType

    assert to_wire(MappingProxyType({"k": 1}), "a") == {"M": {"k": {"N": "1"}}}


def test_nested_paths_name_the_failing_value() -> None:
    item = {"m": {"l": [1, float("nan")]}}
    with pytest.raises(ValueError, match=r"'m\.l\[1\]'.*NaN"):
        to_wire_item(item)


@pytest.mark.parametrize(
    "bad", [float("nan"), float("inf"), float("-inf"), Decimal("NaN"), Decimal("Infinity")]
)
def test_nan_and_infinity_are_refused_naming_the_attribute(bad: Any) -> None:
    with pytest.raises(ValueError, match="attribute 'price': NaN and infinity"):
        to_wire_item({"pk": "a", "price": bad})


def test_nan_inside_a_number_set_is_refused() -> None:
    with pytest.raises(ValueError, match="'scores'"):
        to_wire_item({"scores": {1.0, float("nan")}})


@pytest.mark.parametrize("empty", [set(), frozenset()], ids=["set", "frozenset"])
def test_an_empty_set_is_refused_naming_the_attribute(empty: Any) -> None:
    with pytest.raises(ValueError, match="attribute 'm.tags': DynamoDB cannot store an empty set"):
        to_wire_item({"m": {"tags": empty}})


@pytest.mark.parametrize(
    "mixed", [{"a", 1}, {"a", b"a"}, {b"a", 1}, {True, False}, {None}], ids=repr
)
def test_a_set_of_mixed_or_unsupported_kinds_is_a_type_error(mixed: Any) -> None:
    with pytest.raises(TypeError, match="attribute 'tags': a set must hold only"):
        to_wire_item({"tags": mixed})


@pytest.mark.parametrize(
    "bad",
    [object(), datetime.datetime(2024, 1, 1), datetime.date(2024, 1, 1), 1j, print],
    ids=["object", "datetime", "date", "complex", "function"],
)
def test_an_unsupported_type_is_a_type_error_naming_the_attribute(bad: Any) -> None:
    with pytest.raises(TypeError, match=r"attribute 'l\[0\]\.when': DynamoDB cannot store a "):
        to_wire_item({"l": [{"when": bad}]})


def test_a_non_str_dict_key_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="attribute names must be str, not int in 'm'"):
        to_wire_item({"m": {1: "x"}})
    with pytest.raises(TypeError, match="attribute names must be str, not int"):
        to_wire_item({1: "x"})  # type: ignore[dict-item]


def test_an_item_must_be_a_non_empty_mapping() -> None:
    with pytest.raises(
        TypeError, match="key must be a dict of attribute names to values, not list"
    ):
        to_wire_item([("pk", "a")], "key")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="^item is empty$"):
        to_wire_item({})


def test_expression_attribute_values_are_converted_and_their_names_checked() -> None:
    assert to_wire_values(None) is None
    assert to_wire_values({}) is None
    assert to_wire_values({":v": 0.1, ":s": {"a"}}) == {":v": {"N": "0.1"}, ":s": {"SS": ["a"]}}
    with pytest.raises(ValueError, match="start with ':', got 'v'"):
        to_wire_values({"v": 1})
    with pytest.raises(ValueError, match="start with ':'"):
        to_wire_values({1: 1})  # type: ignore[dict-item]
    with pytest.raises(TypeError, match="expression_attribute_values must be a dict, not list"):
        to_wire_values([(":v", 1)])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="':v'"):
        to_wire_values({":v": float("inf")})


# -- item_decoder: what comes back --------------------------------------------------------------


def test_native_numbers_come_back_as_int_when_whole_and_float_otherwise() -> None:
    wire = {
        "i": {"N": "42"},
        "whole": {"N": "7.00"},
        "exp": {"N": "1e+16"},
        "neg0": {"N": "-0.0"},
        "f": {"N": "0.1"},
        "tiny": {"N": "1e-130"},
        "big": {"N": "1" + "0" * 38},
    }
    item = NATIVE(wire)
    assert item == {
        "i": 42,
        "whole": 7,
        "exp": 10**16,
        "neg0": 0,
        "f": 0.1,
        "tiny": 1e-130,
        "big": 10**38,
    }
    assert [type(item[name]) for name in wire] == [int, int, int, int, float, float, int]


def test_decimal_numbers_come_back_exactly_as_stored() -> None:
    item = DECIMAL({"n": {"N": "7.00"}, "s": {"NS": ["0.1", "2"]}})
    assert item == {"n": Decimal("7.00"), "s": {Decimal("0.1"), Decimal("2")}}
    assert str(item["n"]) == "7.00"


def test_every_type_tag_is_decoded() -> None:
    wire: Any = {
        "s": {"S": "x"},
        "b": {"B": b"\x01"},
        "t": {"BOOL": True},
        "z": {"NULL": True},
        "ss": {"SS": ["a", "b"]},
        "ns": {"NS": ["1", "2.5"]},
        "bs": {"BS": [b"x"]},
        "m": {"M": {"l": {"L": [{"N": "1"}, {"M": {}}]}}},
    }
    assert NATIVE(wire) == {
        "s": "x",
        "b": b"\x01",
        "t": True,
        "z": None,
        "ss": {"a", "b"},
        "ns": {1, 2.5},
        "bs": {b"x"},
        "m": {"l": [1, {}]},
    }


def test_an_attribute_value_with_no_type_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="no type"):
        NATIVE({"a": {}})


# -- key_fingerprint -----------------------------------------------------------------------


def test_identity_treats_equal_numbers_as_the_same_key() -> None:
    ones = [to_wire_item({"pk": "a", "sk": one}) for one in (1, 1.0, Decimal("1.00"))]
    assert len({key_fingerprint(wire) for wire in ones}) == 1
    assert key_fingerprint(ones[0]) != key_fingerprint(to_wire_item({"pk": "a", "sk": 2}))
    assert key_fingerprint(ones[0]) != key_fingerprint(to_wire_item({"pk": "b", "sk": 1}))


def test_identity_ignores_attribute_order_and_tells_types_apart() -> None:
    assert key_fingerprint(to_wire_item({"pk": "a", "sk": 1})) == key_fingerprint(
        to_wire_item({"sk": 1, "pk": "a"})
    )
    assert key_fingerprint(to_wire_item({"pk": "1"})) != key_fingerprint(to_wire_item({"pk": 1}))
    assert key_fingerprint(to_wire_item({"pk": b"a"})) != key_fingerprint(to_wire_item({"pk": "a"}))


# -- through the service: put then get on moto ------------------------------------------------


@pytest.mark.parametrize(
    ("value", "stored", "back"),
    [
        (0.1, {"N": "0.1"}, 0.1),
        (1e-130, {"N": "1e-130"}, 1e-130),
        (10**38, {"N": "1" + "0" * 38}, 10**38),
        (-0.0, {"N": "-0.0"}, 0),
        (2.5, {"N": "2.5"}, 2.5),
        (Decimal("7.00"), {"N": "7.00"}, 7),
        (Decimal("0.25"), {"N": "0.25"}, 0.25),
        (True, {"BOOL": True}, True),
        (1, {"N": "1"}, 1),
        (None, {"NULL": True}, None),
        (bytearray(b"\x00ab"), {"B": b"\x00ab"}, b"\x00ab"),
        ("", {"S": ""}, ""),
    ],
    ids=lambda value: repr(value)[:30],
)
def test_a_value_round_trips_through_put_and_get(
    service: DynamoDBService, table: str, value: Any, stored: Any, back: Any
) -> None:
    # GIVEN an item holding the value
    service.put_item({**KEY, "v": value})
    # WHEN it is read back
    item = service.get_item(KEY)
    # THEN DynamoDB holds the expected wire value and the service returns the native value
    assert _stored(service, "v") == stored
    assert item == {**KEY, "v": back}
    assert item is not None and type(item["v"]) is type(back)


def test_bool_stays_bool_and_int_stays_int_through_the_service(
    service: DynamoDBService, table: str
) -> None:
    service.put_item({**KEY, "flag": True, "one": 1, "zero": 0, "off": False})
    item = service.get_item(KEY)
    assert item is not None
    assert [type(item[name]) for name in ("flag", "one", "zero", "off")] == [bool, int, int, bool]
    assert item["flag"] is True and item["off"] is False


def test_nested_maps_lists_and_sets_round_trip(service: DynamoDBService, table: str) -> None:
    body = {
        "profile": {"name": "VALUE-XYZ", "scores": [1, 2.5, {"deep": [None, True]}]},
        "tags": {"a", "b"},
        "blobs": {b"x", b"y"},
        "nums": {1, 2.5, Decimal("3")},
        "frozen": frozenset({"f"}),
        "pair": ("x", 1),
    }
    service.put_item({**KEY, **body})
    assert service.get_item(KEY) == {
        **KEY,
        "profile": {"name": "VALUE-XYZ", "scores": [1, 2.5, {"deep": [None, True]}]},
        "tags": {"a", "b"},
        "blobs": {b"x", b"y"},
        "nums": {1, 2.5, 3},
        "frozen": {"f"},
        "pair": ["x", 1],
    }
    item = service.get_item(KEY)
    assert item is not None
    assert type(item["tags"]) is set and type(item["frozen"]) is set
    assert _stored(service, "tags")["SS"] and _stored(service, "blobs")["BS"]
    assert _stored(service, "nums")["NS"]


def test_native_mode_gives_the_nearest_float_past_17_significant_digits(
    service: DynamoDBService, table: str
) -> None:
    # GIVEN a non-integer of 38 significant digits, and a 38-digit integer, stored exactly
    exact = Decimal("3.1415926535897932384626433832795028841")
    service.put_item({**KEY, "pi": exact, "big": 10**37 + 1})
    # WHEN it is read in native mode (the default)
    item = service.get_item(KEY)
    assert item is not None
    # THEN the non-integer is the nearest float, no longer the stored value (README:
    # money belongs in numbers="decimal"), while the integer stays exact
    assert type(item["pi"]) is float
    assert item["pi"] == float(exact)
    assert Decimal(item["pi"]) != exact
    assert item["big"] == 10**37 + 1 and type(item["big"]) is int
    # AND DynamoDB still holds every digit
    assert _stored(service, "pi") == {"N": str(exact)}


def test_decimal_mode_returns_every_number_as_the_exact_decimal(
    decimal_service: DynamoDBService,
) -> None:
    # GIVEN a 38-digit decimal, a float, an int and a number set
    exact = Decimal("3.1415926535897932384626433832795028841")
    decimal_service.put_item({**KEY, "pi": exact, "f": 0.1, "i": 10**38, "ns": {1, 2.5}})
    # WHEN it is read in decimal mode
    item = decimal_service.get_item(KEY)
    # THEN every number is a Decimal, exactly as stored
    assert item == {
        "pk": "a",
        "sk": Decimal(1),
        "pi": exact,
        "f": Decimal("0.1"),
        "i": Decimal(10**38),
        "ns": {Decimal(1), Decimal("2.5")},
    }
    assert all(type(item[name]) is Decimal for name in ("sk", "pi", "f", "i"))


def test_decimal_mode_converts_the_values_update_returns(
    decimal_service: DynamoDBService,
) -> None:
    decimal_service.put_item({**KEY, "n": Decimal("1.5")})
    after = decimal_service.update_item(KEY, "SET n = n + :d", {":d": Decimal("0.25")})
    assert after == {"pk": "a", "sk": Decimal(1), "n": Decimal("1.75")}


# -- through the service: every mistake is refused before any request --------------------------

Call = Callable[[DynamoDBService], object]


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda s: s.put_item({**KEY, "v": float("nan")}), ValueError, r"'v': NaN"),
        (lambda s: s.put_item({**KEY, "v": float("inf")}), ValueError, r"'v': NaN"),
        (lambda s: s.put_item({**KEY, "v": Decimal("NaN")}), ValueError, r"'v': NaN"),
        (
            lambda s: s.put_item({**KEY, "m": {"l": [1, float("-inf")]}}),
            ValueError,
            r"'m\.l\[1\]'",
        ),
        (lambda s: s.put_item({**KEY, "tags": set()}), ValueError, "'tags'.*empty set"),
        (lambda s: s.put_item({**KEY, "tags": {"a", 1}}), TypeError, "'tags'.*only"),
        (lambda s: s.put_item({**KEY, "o": object()}), TypeError, "'o'.*object"),
        (
            lambda s: s.put_item({**KEY, "when": datetime.datetime(2024, 1, 1)}),
            TypeError,
            "'when'.*datetime",
        ),
        (lambda s: s.put_item({**KEY, "m": {2: "x"}}), TypeError, "attribute names must be str"),
        (lambda s: s.put_item({}), ValueError, "item is empty"),
        (lambda s: s.get_item({"pk": "a", "sk": float("nan")}), ValueError, "'sk'"),
        (lambda s: s.get_item({}), ValueError, "key is empty"),
        (lambda s: s.delete_item({"pk": object(), "sk": 1}), TypeError, "'pk'"),
        (
            lambda s: s.update_item(KEY, "SET v = :v", {":v": float("nan")}),
            ValueError,
            "':v'",
        ),
        (lambda s: s.update_item(KEY, "SET v = :v", {":v": set()}), ValueError, "':v'.*empty"),
        (lambda s: s.update_item(KEY, "SET v = :v", {"v": 1}), ValueError, "start with ':'"),
        (
            lambda s: s.delete_item(
                KEY, condition_expression="v = :v", expression_attribute_values={":v": object()}
            ),
            TypeError,
            "':v'",
        ),
        (
            lambda s: s.put_item(
                KEY,
                condition_expression="v <> :v",
                expression_attribute_values={":v": float("nan")},
            ),
            ValueError,
            "':v'",
        ),
    ],
    ids=[
        "put-nan",
        "put-inf",
        "put-decimal-nan",
        "put-nested-inf",
        "put-empty-set",
        "put-mixed-set",
        "put-object",
        "put-datetime",
        "put-int-map-key",
        "put-empty-item",
        "get-nan-key",
        "get-empty-key",
        "delete-object-key",
        "update-nan-value",
        "update-empty-set-value",
        "update-value-name-without-colon",
        "delete-object-condition-value",
        "put-nan-condition-value",
    ],
)
def test_a_bad_value_is_refused_before_any_request(
    offline: DynamoDBService, call: Call, error: type[Exception], match: str
) -> None:
    # GIVEN a client that answers nothing: any request would raise UnStubbedResponseError
    with stubbed(offline) as stub:
        # WHEN an operation is called with a value DynamoDB cannot hold
        # THEN the caller's error is raised, naming the attribute, and nothing was sent
        with pytest.raises(error, match=match):
            call(offline)
        stub.assert_no_pending_responses()


def test_an_empty_attribute_value_inside_a_list_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="no type"):
        NATIVE({"l": {"L": [{}]}})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.0000000000000000001", 1.0),
        ("1E+2", 100),
        ("-7", -7),
        ("-7.5", -7.5),
        ("0.000000000000000000000000000000000000000001", 1e-42),
    ],
)
def test_native_numbers_are_int_only_when_exactly_whole(text: str, expected: float) -> None:
    # GIVEN a number as DynamoDB may write it
    # WHEN it is read in native mode
    value = NATIVE({"n": {"N": text}})["n"]
    # THEN whole numbers are ints and anything else (even 1 + 1e-19) a float
    assert value == expected
    assert type(value) is type(expected)


# -- DynamoDB's number limits, checked before any request --------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (1e200, "1E-130 to 9.99E"),
        (-1e126, "1E-130 to 9.99E"),
        (1e-131, "1E-130 to 9.99E"),
        (10**126, "1E-130 to 9.99E"),
        (123456789012345678901234567890123456789, "38 significant digits"),
        (Decimal("1.23456789012345678901234567890123456789"), "38 significant digits"),
        (Decimal("1E+126"), "1E-130 to 9.99E"),
        (Decimal("1E-131"), "1E-130 to 9.99E"),
    ],
)
def test_numbers_dynamodb_cannot_hold_are_refused_naming_the_attribute(
    value: Any, message: str
) -> None:
    with pytest.raises(ValueError, match=rf"attribute 'n': .*{re.escape(message)}"):
        to_wire_item({"n": value})


@pytest.mark.parametrize(
    "value",
    [0.0, 1e-130, 9.99e125, 10**38, -(10**125), Decimal("0E+200"), Decimal("9.99E+125"), 1e125],
)
def test_numbers_at_dynamodbs_limits_are_accepted(value: Any) -> None:
    assert "N" in to_wire(value, "n")


def test_identity_keeps_38_digit_numbers_apart() -> None:
    # GIVEN two 38-digit numbers that differ only in the last digit
    a = {"k": {"N": "1" + "0" * 36 + "1"}}
    b = {"k": {"N": "1" + "0" * 36 + "2"}}
    # THEN they are different keys (a 28-digit context would round them together)
    assert key_fingerprint(a) != key_fingerprint(b)


# -- item sizes ---------------------------------------------------------------------------------


def test_an_item_over_400_kb_is_refused_with_its_position() -> None:
    small = to_wire_item({"pk": "a"})
    big = to_wire_item({"pk": "b", "blob": "x" * (400 * 1024)})
    with pytest.raises(ValueError, match=r"items\[1\] is about \d+ bytes"):
        check_sizes([small, big])


def test_sizes_follow_dynamodbs_rules_for_every_type() -> None:
    # GIVEN an item of every type, just under the limit
    rest = to_wire_item(
        {
            "n": 12345,
            "b": b"xy",
            "flag": True,
            "none": None,
            "ss": {"a", "b"},
            "ns": {1, 2},
            "bs": {b"z"},
            "m": {"k": "v"},
            "l": [1, "x"],
        }
    )
    overhead = 2 + 10 + 5 + 20
    filler = to_wire_item({"s": "x" * (400 * 1024 - 1 - overhead - 200)})
    # WHEN its size is checked THEN it passes; 300 more bytes of string and it does not
    check_sizes([{**rest, **filler}])
    with pytest.raises(ValueError, match="400 KB"):
        check_sizes([{**rest, **to_wire_item({"s": "x" * (400 * 1024)})}])


def test_an_item_whose_json_is_long_but_whose_size_is_not_passes() -> None:
    # GIVEN 300 KB of binary: over 400 KB as JSON text (base64 or escaped), 300 KB stored
    item = to_wire_item({"pk": "a", "blob": b"\x00" * (300 * 1024)})
    # WHEN its size is checked THEN it passes, by DynamoDB's own sizing rules
    check_sizes([item])
