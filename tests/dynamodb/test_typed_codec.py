"""The model codec: models to items and back, property-tested through the wire form.

Round trips go ``to_item`` -> ``encode_item`` (DynamoDB's attribute-value form) ->
``decoder_for`` -> validation, with no DynamoDB in between. The strategies keep to what
DynamoDB stores: finite floats and numbers from 1E-130 to 9.99E+125 in magnitude (or 0),
at most 38 significant digits, strings without lone surrogates (they are not UTF-8), and
UTC offsets in whole minutes (Pydantic writes an offset without its seconds).
"""

from __future__ import annotations

import pickle
import traceback
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from enum import Enum, IntEnum
from typing import Annotated, Any, NamedTuple, assert_type
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    Json,
    PlainSerializer,
    TypeAdapter,
    computed_field,
    create_model,
    field_serializer,
    field_validator,
    model_serializer,
    model_validator,
)

from src.services.dynamodb._typed import (
    FieldError,
    ItemValidationError,
    ModelReader,
    as_item,
    decoder_for,
    models_of,
    needs_decimal,
    reader,
    to_item,
    validate_one,
    validate_page,
    writing,
)
from src.services.dynamodb._typed.writing import _plain
from src.services.dynamodb._values import encode_item, to_wire_item
from src.services.dynamodb.dynamodb_models import Item, Numbers

PROPERTY = settings(
    database=None, deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow]
)
SECRET = "s3cr3t-PLANTED-value-7f3a"
KEY_NAMES = ("pk", "sk")
NUMBERS: tuple[Numbers, ...] = ("native", "decimal")


class Color(Enum):
    RED = "red"
    BLUE = "blue"


class Level(IntEnum):
    LOW = 1
    HIGH = 2


# What DynamoDB stores -------------------------------------------------------------------

texts = st.text(st.characters(exclude_categories=["Cs"]), max_size=20)
ints = st.integers(-(10**38) + 1, 10**38 - 1)
floats = st.one_of(
    st.just(0.0),
    st.floats(1e-130, 9.99e125),
    st.floats(-9.99e125, -1e-130),
)


def _decimal(digits: int, exponent: int) -> Decimal:
    return Decimal(f"{digits}E{exponent}")


decimals = st.builds(_decimal, ints, st.integers(-130, 87)).filter(
    lambda d: d.is_zero() or -130 <= d.adjusted() <= 125
)
offsets = st.integers(-(24 * 60) + 1, 24 * 60 - 1).map(lambda m: timezone(timedelta(minutes=m)))
naive_datetimes = st.datetimes()
aware_datetimes = st.datetimes(timezones=offsets)


class Inner(BaseModel):
    name: str
    count: int = Field(alias="Count")


@dataclass(frozen=True)
class Case:
    """One supported type: its annotation, values of it, and the attribute it is stored as."""

    name: str
    annotation: Any
    values: st.SearchStrategy[Any]
    stored: Callable[[Any, BaseModel], Any]


def _json_string(_: Any, model: BaseModel) -> Any:
    """The documented form of an 'other' value: the string Pydantic's JSON mode writes."""
    written = model.model_dump(mode="json", by_alias=True)["Value"]
    assert isinstance(written, str)
    return {"S": written}


def _number_set(values: Any, _: Any) -> Any:
    return {"NS": {str(v) for v in values}} if values else {"L": []}


CASES = [
    Case("str", str, texts, lambda v, _: {"S": v}),
    Case("int", int, ints, lambda v, _: {"N": str(v)}),
    Case("float", float, floats, lambda v, _: {"N": repr(v)}),
    Case("decimal", Decimal, decimals, lambda v, _: {"N": str(v)}),
    Case("bool", bool, st.booleans(), lambda v, _: {"BOOL": v}),
    Case("bytes", bytes, st.binary(max_size=20), lambda v, _: {"B": v}),
    Case("set_str", set[str], st.sets(texts), lambda v, _: {"SS": v} if v else {"L": []}),
    Case("set_int", set[int], st.sets(ints), _number_set),
    Case(
        "frozenset_bytes",
        frozenset[bytes],
        st.frozensets(st.binary(max_size=8)),
        lambda v, _: {"BS": set(v)} if v else {"L": []},
    ),
    Case(
        "list_int",
        list[int],
        st.lists(ints, max_size=5),
        lambda v, _: {"L": [{"N": str(n)} for n in v]},
    ),
    Case(
        "tuple",
        tuple[str, float],
        st.tuples(texts, floats),
        lambda v, _: {"L": [{"S": v[0]}, {"N": repr(v[1])}]},
    ),
    Case(
        "model",
        Inner,
        st.builds(Inner, name=texts, Count=ints),
        lambda v, _: {"M": {"name": {"S": v.name}, "Count": {"N": str(v.count)}}},
    ),
    Case(
        "dict",
        dict[str, float],
        st.dictionaries(texts, floats, max_size=4),
        lambda v, _: {"M": {k: {"N": repr(n)} for k, n in v.items()}},
    ),
    Case("naive_datetime", datetime, naive_datetimes, _json_string),
    Case("aware_datetime", datetime, aware_datetimes, _json_string),
    Case("date", date, st.dates(), lambda v, _: {"S": v.isoformat()}),
    Case("time", time, st.times(), _json_string),
    Case("timedelta", timedelta, st.timedeltas(), _json_string),
    Case("uuid", UUID, st.uuids(), lambda v, _: {"S": str(v)}),
    Case("enum", Color, st.sampled_from(Color), lambda v, _: {"S": v.value}),
    Case("int_enum", Level, st.sampled_from(Level), lambda v, _: {"N": str(v.value)}),
]
MODELS: dict[str, type[BaseModel]] = {
    case.name: create_model(
        f"Has_{case.name}",
        value=(case.annotation, Field(alias="Value")),
        absent=(case.annotation | None, None),
    )
    for case in CASES
}


def _sets_unordered(value: Any) -> Any:
    """An attribute value with its sets' members unordered, to compare with an expected one."""
    ((tag, raw),) = value.items()
    if tag in ("SS", "NS", "BS"):
        return {tag: set(raw)}
    if tag == "M":
        return {tag: {name: _sets_unordered(v) for name, v in raw.items()}}
    if tag == "L":
        return {tag: [_sets_unordered(v) for v in raw]}
    return value


def _round_trip(model: BaseModel, numbers: Numbers) -> BaseModel:
    wire = encode_item(to_item(model))
    item = decoder_for(type(model), numbers)(wire)
    return validate_one(type(model), item, table="t", key_names=KEY_NAMES)


# Round trips ----------------------------------------------------------------------------


@pytest.mark.parametrize("numbers", NUMBERS)
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
@PROPERTY
@given(data=st.data())
def test_each_type_round_trips_in_its_documented_form(
    case: Case, numbers: Numbers, data: st.DataObject
) -> None:
    # GIVEN a model with one field of the type, under an alias, and a None field
    model_cls = MODELS[case.name]
    model = model_cls(Value=data.draw(case.values))
    # WHEN it is stored and read back
    wire = encode_item(to_item(model))
    back = _round_trip(model, numbers)
    # THEN it is stored under the alias in the documented form, None left out,
    # and it reads back equal, a Decimal digit for digit
    assert list(wire) == ["Value"]
    assert _sets_unordered(wire["Value"]) == case.stored(model.value, model)  # type: ignore[attr-defined]
    # AND the service's own path (plain dumps encoded without a second pass) writes the same
    assert to_wire_item(model) == wire
    assert back == model
    if isinstance(model.value, Decimal):  # type: ignore[attr-defined]
        assert back.value.as_tuple() == model.value.as_tuple()  # type: ignore[attr-defined]


class Everything(BaseModel):
    pk: str = Field(alias="PK")
    sk: int = Field(alias="SK")
    text: str
    count: int
    ratio: float
    price: Decimal
    flag: bool
    blob: bytes
    tags: set[str]
    scores: frozenset[int]
    blobs: frozenset[bytes]
    items: list[Inner]
    pair: tuple[int, str]
    by_name: dict[str, Decimal]
    at: datetime
    day: date
    id: UUID
    color: Color
    level: Level
    note: str | None = None
    parent: Inner | None = None


everything = st.builds(
    Everything,
    PK=texts,
    SK=ints,
    text=texts,
    count=ints,
    ratio=floats,
    price=decimals,
    flag=st.booleans(),
    blob=st.binary(max_size=10),
    tags=st.sets(texts, max_size=3),
    scores=st.frozensets(ints, max_size=3),
    blobs=st.frozensets(st.binary(max_size=4), max_size=3),
    items=st.lists(st.builds(Inner, name=texts, Count=ints), max_size=2),
    pair=st.tuples(ints, texts),
    by_name=st.dictionaries(texts, decimals, max_size=3),
    at=aware_datetimes | naive_datetimes,
    day=st.dates(),
    id=st.uuids(),
    color=st.sampled_from(Color),
    level=st.sampled_from(Level),
    note=st.none() | texts,
    parent=st.none() | st.builds(Inner, name=texts, Count=ints),
)


@pytest.mark.parametrize("numbers", NUMBERS)
@PROPERTY
@given(model=everything)
def test_a_model_of_every_type_round_trips_as_a_page(model: Everything, numbers: Numbers) -> None:
    # GIVEN a model with every supported type, nested and optional ones included
    wire = encode_item(to_item(model))
    # WHEN a page of it is decoded and validated
    decode = decoder_for(Everything, numbers)
    models = models_of(Everything, [decode(wire), decode(wire)], table="t", key_names=("PK", "SK"))
    # THEN each model is equal, None fields are absent, and Decimals are exact
    assert models == [model, model]
    assert to_wire_item(model) == wire
    assert ("note" in wire) is (model.note is not None)
    assert ("parent" in wire) is (model.parent is not None)
    assert wire["at"] == {"S": model.model_dump(mode="json", include={"at"})["at"]}
    assert models[0].price.as_tuple() == model.price.as_tuple()
    assert [str(v) for v in models[0].by_name.values()] == [str(v) for v in model.by_name.values()]


def test_numbers_that_dynamodb_cannot_hold_are_refused_when_encoded() -> None:
    # GIVEN models holding a NaN, an infinity and a number of 39 digits
    model_cls = MODELS["float"]
    # WHEN they are encoded, THEN the attribute is named in the refusal
    for bad in (float("nan"), float("inf")):
        with pytest.raises(ValueError, match="'Value'"):
            encode_item(to_item(model_cls(Value=bad)))
    with pytest.raises(ValueError, match="38 significant digits"):
        encode_item(to_item(MODELS["int"](Value=10**39 + 1)))


# Writing: what is stored ----------------------------------------------------------------


class Point(NamedTuple):
    x: int
    y: int


class Shapes(BaseModel):
    by_number: dict[int, str]
    by_id: dict[UUID, int]
    colors: set[Color]
    pairs: set[tuple[int, int]]
    flags: set[bool]
    mixed: set[int | str]
    empty: frozenset[str]
    queue: deque[int]
    point: Point
    ordered: OrderedDict[str, int]
    raw: Json[list[int]]
    anything: Any = None


def test_containers_and_keys_are_stored_as_dynamodb_holds_them() -> None:
    # GIVEN a model with non-str map keys, sets DynamoDB cannot hold as sets, subclasses
    # of the containers, binary that is not bytes and a Json field
    uid = UUID(int=7)
    model = Shapes(
        by_number={1: "one"},
        by_id={uid: 7},
        colors={Color.RED},
        pairs={(1, 2)},
        flags={True},
        mixed={1, "a"},
        empty=frozenset(),
        queue=deque([1, 2]),
        point=Point(1, 2),
        ordered=OrderedDict(a=1),
        raw="[1, 2]",
        anything=[bytearray(b"\xff"), memoryview(b"\xfe")],
    )
    # WHEN it is made an item
    item = to_item(model)
    # THEN keys are JSON mode's strings, sets of other things are sets of their JSON
    # form when they can be, else lists; an empty set is an empty list; a Json field is
    # its JSON text; and the item is encodable
    assert item["by_number"] == {"1": "one"}
    assert item["by_id"] == {str(uid): 7}
    assert item["colors"] == {"red"}
    assert item["pairs"] == [[1, 2]]
    assert item["flags"] == [True]
    assert sorted(item["mixed"], key=str) == [1, "a"]
    assert item["empty"] == []
    assert item["queue"] == [1, 2]
    assert item["point"] == [1, 2]
    assert item["ordered"] == {"a": 1}
    assert item["raw"] == "[1,2]"
    assert item["anything"] == [b"\xff", b"\xfe"]
    encode_item(item)
    back = _round_trip(model.model_copy(update={"anything": None}), "native")
    assert back == model.model_copy(update={"anything": None})


class Serialized(BaseModel):
    at: datetime
    secret_number: Annotated[int, PlainSerializer(lambda v: str(v * 2), return_type=str)]
    label: str

    @field_serializer("at")
    def _epoch(self, value: datetime) -> float:
        return value.timestamp()


class Flattened(BaseModel):
    name: str

    @model_serializer
    def _as_item(self) -> dict[str, Any]:
        return {"NAME": self.name.upper(), "kind": "flat"}


class Scalar(BaseModel):
    name: str

    @model_serializer
    def _as_text(self) -> str:
        return self.name


def test_the_models_own_serializers_are_honoured() -> None:
    # GIVEN models with a field serializer, a PlainSerializer and a model serializer
    at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    # WHEN they are made items
    item = to_item(Serialized(at=at, secret_number=21, label="x"))
    flat = to_item(Flattened(name="ada"))
    # THEN what they wrote is stored
    assert item == {"at": at.timestamp(), "secret_number": "42", "label": "x"}
    assert flat == {"NAME": "ADA", "kind": "flat"}


class Indexed(BaseModel):
    org: str
    user: str
    payload: Json[dict[str, int]]

    @computed_field(alias="GSI1PK")  # type: ignore[prop-decorator]
    @property
    def by_org(self) -> str:
        return f"ORG#{self.org}"

    @computed_field  # type: ignore[prop-decorator]
    @property
    def unset(self) -> str | None:
        return None


def test_computed_fields_are_stored_beside_the_fields() -> None:
    # GIVEN a model with a computed index key, a computed None and a Json field
    model = Indexed(org="acme", user="ada", payload='{"a": 1}')
    # WHEN it is stored, THEN the computed key is stored under its alias, None left out,
    # the Json field as its text; and it reads back equal, the computed field ignored
    item = to_item(model)
    assert item == {"org": "acme", "user": "ada", "payload": '{"a":1}', "GSI1PK": "ORG#acme"}
    assert _round_trip(model, "native") == model


def test_a_model_that_does_not_dump_to_a_mapping_is_refused() -> None:
    with pytest.raises(TypeError, match="Scalar dumps to a str, not a dict"):
        to_item(Scalar(name="x"))


def test_as_item_takes_models_and_mappings_alike() -> None:
    # GIVEN a mapping and a model
    mapping = {"pk": "u1"}
    # WHEN each is taken as an item, THEN the mapping is itself, the model its item
    assert as_item(mapping) is mapping
    assert as_item(Inner(name="n", Count=1)) == {"name": "n", "Count": 1}


def test_subclasses_of_sets_are_stored_as_sets() -> None:
    # GIVEN a frozenset subclass (Pydantic's dumps make them frozensets; a plain value
    # can still be one)
    class Tags(frozenset[str]):
        pass

    # WHEN it is made storable, THEN it stays a set
    assert _plain(Tags({"a"})) == {"a"}


# Reading ----------------------------------------------------------------------------------


class Strict(BaseModel):
    model_config = ConfigDict(strict=True)
    count: int
    ratio: float
    at: datetime
    tags: set[str]
    pair: tuple[int, int]
    strict_field: int = Field(strict=True)


def test_a_strict_model_reads_its_own_stored_form() -> None:
    # GIVEN a strict model, stored
    model = Strict(
        count=3,
        ratio=0.5,
        at=datetime(2026, 1, 1, tzinfo=UTC),
        tags=set(),
        pair=(1, 2),
        strict_field=4,
    )
    # WHEN it is read back with numbers as decimals, THEN it is equal: ISO strings,
    # Decimals, lists for sets and tuples validate as in lax mode
    assert _round_trip(model, "decimal") == model


class Priced(BaseModel):
    count: int
    ratio: float
    lines: list[Inner]


class Order(BaseModel):
    lines: list[Annotated[Decimal, Field(max_digits=38)]] | None = None


class Deep(BaseModel):
    order: Order


def test_a_decimal_field_anywhere_asks_for_decimal_numbers() -> None:
    # GIVEN models with and without a Decimal field, nested and optional included
    # WHEN their decoders are asked for with native numbers
    # THEN a model with a Decimal anywhere decodes exact numbers, the others as asked
    assert needs_decimal(Everything) and needs_decimal(Deep) and needs_decimal(Order)
    assert not needs_decimal(Priced) and not needs_decimal(Inner)
    wire = {"order": {"M": {"lines": {"L": [{"N": "0.1000000000000000000000000000000000001"}]}}}}
    deep = validate_one(Deep, decoder_for(Deep, "native")(wire), table="t", key_names=())
    assert deep.order.lines == [Decimal("0.1000000000000000000000000000000000001")]
    assert decoder_for(Priced, "native")({"n": {"N": "1.5"}}) == {"n": 1.5}
    assert decoder_for(Priced, "decimal")({"n": {"N": "1.5"}}) == {"n": Decimal("1.5")}


class Tree(BaseModel):
    weight: Decimal
    children: list[Tree] = []


class Plain(BaseModel):
    name: str
    children: list[Plain] = []


def test_a_recursive_model_is_searched_for_decimals_once() -> None:
    assert needs_decimal(Tree) and not needs_decimal(Plain)
    tree = Tree(weight=Decimal("1.5"), children=[Tree(weight=Decimal("0.25"))])
    assert _round_trip(tree, "native") == tree


def test_int_and_float_fields_validate_from_decimals() -> None:
    item = {"count": Decimal("12345678901234567890123456789012345678"), "ratio": Decimal("0.1")}
    model = validate_one(Priced, {**item, "lines": []}, table="t", key_names=())
    assert model.count == 12345678901234567890123456789012345678 and model.ratio == 0.1


def test_sets_from_the_decoder_validate_into_sets_frozensets_and_lists() -> None:
    class Sets(BaseModel):
        names: set[str]
        numbers: frozenset[int]
        listed: list[str]
        blobs: set[bytes]

    wire = {
        "names": {"SS": ["a", "b"]},
        "numbers": {"NS": ["1", "2"]},
        "listed": {"SS": ["x"]},
        "blobs": {"BS": [b"\x00"]},
    }
    for numbers in NUMBERS:
        model = validate_one(Sets, decoder_for(Sets, numbers)(wire), table="t", key_names=())
        assert model == Sets(
            names={"a", "b"}, numbers=frozenset({1, 2}), listed=["x"], blobs={b"\x00"}
        )


class Loose(BaseModel):
    pk: str


class Closed(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pk: str


def test_extra_attributes_are_ignored_unless_the_model_forbids_them() -> None:
    item = {"pk": "u1", "other": SECRET}
    assert validate_one(Loose, item, table="t", key_names=KEY_NAMES) == Loose(pk="u1")
    with pytest.raises(ItemValidationError) as caught:
        validate_one(Closed, item, table="t", key_names=KEY_NAMES)
    assert caught.value.errors == (FieldError(("other",), "extra_forbidden"),)


# Errors ---------------------------------------------------------------------------------


class User(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pk: str
    sk: int
    age: int
    email: str
    tags: list[str] = []

    @field_validator("email")
    @classmethod
    def _quotes_its_input(cls, value: str) -> str:
        if "@" not in value:
            raise ValueError(f"{value} is not an email address")
        return value


def _bad_user(pk: str = "USER#1") -> Item:
    return {
        "pk": pk,
        "sk": 7,
        "age": SECRET,
        "email": SECRET,
        "tags": ["ok", {"k": SECRET}],
        "notes": SECRET,
    }


def _everything_said(error: ItemValidationError) -> str:
    return "\n".join(
        [str(error), repr(error), error.log_summary, *map(str, error.args)]
        + traceback.format_exception(error)
    )


def test_a_validation_error_names_what_and_where_but_no_value() -> None:
    # GIVEN a stored item whose values hold a secret, one of them quoted by a validator
    good = {"pk": "USER#0", "sk": 1, "age": 30, "email": "a@b.c"}
    # WHEN a page holding it is validated
    with pytest.raises(ItemValidationError) as caught:
        models_of(User, [good, _bad_user()], table="users", key_names=KEY_NAMES)
    error = caught.value
    # THEN the error names the table, the key, locations and types, and no other value
    said = _everything_said(error)
    assert SECRET not in said
    assert error.__cause__ is None and error.__context__ is None
    assert isinstance(error, ValueError)
    assert error.table == "users" and error.model == "User"
    assert error.key == {"pk": "USER#1", "sk": 7}
    assert error.errors == (
        FieldError(("age",), "int_parsing"),
        FieldError(("email",), "value_error"),
        FieldError(("tags", 1), "string_type"),
        FieldError(("notes",), "extra_forbidden"),
    )
    assert str(error).startswith(
        "item {'pk': 'USER#1', 'sk': 7} of table 'users' does not fit User: "
    )
    assert "age (int_parsing)" in str(error) and "tags[1] (string_type)" in str(error)


def test_the_log_summary_names_the_key_attributes_not_their_values() -> None:
    # GIVEN a bad item whose key holds a value that must not be logged
    with pytest.raises(ItemValidationError) as caught:
        validate_one(Loose, {"pk": 5, "sk": SECRET}, table="users", key_names=KEY_NAMES)
    # WHEN its log summary is taken, THEN it names the key attributes only
    summary = caught.value.log_summary
    assert (
        summary
        == "item (key attributes pk, sk) of table 'users' does not fit Loose: pk (string_type)"
    )
    assert SECRET in str(caught.value)


def test_an_item_without_its_key_is_named_as_such() -> None:
    with pytest.raises(ItemValidationError) as caught:
        validate_one(Loose, {"other": 1}, table="users", key_names=KEY_NAMES)
    assert caught.value.key == {}
    assert "(key not read)" in caught.value.log_summary
    assert str(caught.value) == "item {} of table 'users' does not fit Loose: pk (missing)"


class Whole(BaseModel):
    pk: str

    @model_validator(mode="before")
    @classmethod
    def _refuse(cls, data: Any) -> Any:
        raise ValueError(f"refused {data}")


def test_an_error_of_the_whole_item_is_located_at_the_item() -> None:
    with pytest.raises(ItemValidationError) as caught:
        validate_one(Whole, {"pk": SECRET}, table="users", key_names=())
    assert caught.value.errors == (FieldError((), "value_error"),)
    assert str(caught.value).endswith("does not fit Whole: (item) (value_error)")
    assert SECRET not in _everything_said(caught.value)


class Keyed(BaseModel):
    by_id: dict[UUID, int]
    counts: dict[str, int]


def test_a_refused_map_key_is_not_quoted_in_the_location() -> None:
    # GIVEN an item whose map key is itself refused, and a map value refused under a key
    item = {"by_id": {SECRET: 1}, "counts": {"visits": SECRET}}
    # WHEN it is validated
    with pytest.raises(ItemValidationError) as caught:
        validate_one(Keyed, item, table="t", key_names=())
    # THEN the refused key is located by Pydantic's marker alone, and a map key under
    # which a value was refused by '*' (a map's keys are part of its value)
    assert caught.value.errors == (
        FieldError(("by_id", "[key]"), "uuid_parsing"),
        FieldError(("counts", "*"), "int_parsing"),
    )
    assert "by_id[key] (uuid_parsing), counts.* (int_parsing)" in str(caught.value)
    assert SECRET not in _everything_said(caught.value)


def test_many_errors_are_counted_past_the_first_ten() -> None:
    Wide = create_model("Wide", **{f"f{n}": (int, ...) for n in range(13)})  # type: ignore[call-overload]
    with pytest.raises(ItemValidationError) as caught:
        validate_one(Wide, {}, table="t", key_names=())
    assert len(caught.value.errors) == 13
    assert str(caught.value).endswith("f9 (missing) and 3 more")


def test_the_error_survives_pickling() -> None:
    # GIVEN an error (errors cross process boundaries in executors and log handlers)
    with pytest.raises(ItemValidationError) as caught:
        validate_one(Loose, {"pk": 1, "sk": 2}, table="users", key_names=KEY_NAMES)
    # WHEN it is pickled and unpickled, THEN it is the same
    copy = pickle.loads(pickle.dumps(caught.value))
    assert (copy.table, copy.model, copy.key, copy.errors) == (
        "users",
        "Loose",
        {"pk": 1, "sk": 2},
        (FieldError(("pk",), "string_type"),),
    )
    assert str(copy) == str(caught.value)


@pytest.mark.parametrize("bad_at", [0, 1, 3])
def test_a_page_hands_out_the_items_before_the_first_bad_one(bad_at: int) -> None:
    # GIVEN a page with a bad item at some place, and another bad one after it
    items: list[Item] = [{"pk": f"u{n}"} for n in range(5)]
    items[bad_at] = {"pk": 1, "sk": "first"}
    items[4] = {"pk": 2, "sk": "second"}
    # WHEN it is validated
    good, error = validate_page(Loose, items, table="users", key_names=KEY_NAMES)
    # THEN the models before the first bad one come out, and its error
    assert good == [Loose(pk=f"u{n}") for n in range(bad_at)]
    assert error is not None and error.key == {"pk": 1, "sk": "first"}
    assert error.errors == (FieldError(("pk",), "string_type"),)


def test_a_good_page_has_no_error() -> None:
    items: list[Item] = [{"pk": "a"}, {"pk": "b"}]
    assert validate_page(Loose, items, table="t", key_names=KEY_NAMES) == (
        [Loose(pk="a"), Loose(pk="b")],
        None,
    )
    assert models_of(Loose, [], table="t", key_names=KEY_NAMES) == []


# Caching and typing -----------------------------------------------------------------------


def test_the_reader_is_built_once_per_model_class() -> None:
    # GIVEN a model class never read before
    Fresh = create_model("Fresh", pk=(str, ...))
    # WHEN its reader is asked for twice and used
    first = reader(Fresh)
    models_of(Fresh, [{"pk": "a"}], table="t", key_names=("pk",))
    needs_decimal(Fresh)
    # THEN it is the same reader, with the same adapter
    assert reader(Fresh) is first
    assert reader(Fresh).page is first.page
    assert isinstance(first.page, TypeAdapter) and first.model is Fresh and not first.decimal


def test_only_model_classes_are_read_into() -> None:
    with pytest.raises(TypeError, match="BaseModel subclass"):
        reader(dict)  # type: ignore[type-var]


def test_the_types_follow_the_model_class() -> None:
    # Checked by `mypy --strict`: each function's result is typed by the model passed in
    item: Item = {"pk": "a"}
    assert_type(reader(Loose), ModelReader[Loose])
    assert_type(models_of(Loose, [item], table="t", key_names=()), list[Loose])
    assert_type(validate_one(Loose, item, table="t", key_names=()), Loose)
    page = validate_page(Loose, [item], table="t", key_names=())
    assert_type(page, tuple[list[Loose], ItemValidationError | None])
    assert_type(to_item(Loose(pk="a")), dict[str, Any])
    assert_type(needs_decimal(Loose), bool)
    assert page == ([Loose(pk="a")], None)


def test_a_secret_field_is_refused_not_stored_masked() -> None:
    from pydantic import SecretStr

    class Account(BaseModel):
        pk: str
        password: SecretStr

    # GIVEN a model with a secret WHEN it is made an item THEN TypeError, before any write
    with pytest.raises(TypeError, match=r"SecretStr field would be stored as '\*+' and lost"):
        to_item(Account(pk="a", password=SecretStr(SECRET)))


class PlainRecord(BaseModel):
    pk: str
    n: int
    tags: list[str]


class Stamped(BaseModel):
    pk: str
    at: datetime


def test_plain_dumps_are_encoded_as_they_are_and_others_are_converted_first() -> None:
    # GIVEN a model of plain values and one holding a datetime
    plain = PlainRecord(pk="a", n=1, tags=["x"])
    stamped = Stamped(pk="a", at=datetime(2026, 12, 3, 12, 0, tzinfo=UTC))
    # WHEN both are encoded
    # THEN each is stored as to_item makes it, the datetime as its JSON text
    assert to_wire_item(plain) == {"pk": {"S": "a"}, "n": {"N": "1"}, "tags": {"L": [{"S": "x"}]}}
    assert to_wire_item(stamped) == {"pk": {"S": "a"}, "at": {"S": "2026-12-03T12:00:00Z"}}
    # AND only the class that needed converting goes through to_item from then on
    assert writing._CONVERTS.get(Stamped) is True
    assert writing._CONVERTS.get(PlainRecord) is None
    assert to_wire_item(stamped) == encode_item(to_item(stamped))
