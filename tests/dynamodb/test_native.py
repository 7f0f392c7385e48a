"""The C decoder (``_native``) against the pure-Python one: the same results, the same errors.

``make`` builds the C module before the tests; ``DYNAMODB_SERVICE_NATIVE=0`` (the sync-only
run) turns it off, and then only the tests of the switch itself run.
"""

from __future__ import annotations

import os
import sys
from base64 import b64encode
from collections.abc import Callable
from decimal import Decimal
from enum import IntEnum, StrEnum
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from src.services.dynamodb import _native
from src.services.dynamodb._values import _DECODERS, _to_wire_item, item_decoder, to_wire_item
from src.services.dynamodb.dynamodb_models import Numbers

SWITCHED_OFF = os.environ.get(_native.SWITCH) == "0"
needs_native = pytest.mark.skipif(SWITCHED_OFF, reason=f"{_native.SWITCH}=0: pure Python only")

Decode = Callable[[Any], Any]


def built(numbers: Numbers) -> Decode:
    """A C decoder over the reference decoder of ``numbers`` mode (the module must be built)."""
    from src.services.dynamodb._native._decode import Decoder

    reference = _DECODERS[numbers]
    return Decoder(reference.number, reference.tagged, reference.item, numbers == "native")


def outcome(decode: Decode, wire: Any) -> tuple[str, Any]:
    """What ``decode`` gives: ``("value", typed tree)`` or ``("error", type and message)``."""
    try:
        return "value", typed(decode(wire))
    except Exception as error:
        return "error", (type(error), str(error))


def typed(value: Any) -> Any:
    """``value`` with every leaf's type beside it: ``1`` and ``1.0`` (or ``True``) differ."""
    if isinstance(value, dict):
        return {name: typed(inner) for name, inner in value.items()}
    if isinstance(value, list):
        return [typed(inner) for inner in value]
    if isinstance(value, set | frozenset):
        return (type(value), sorted((type(v).__name__, repr(v)) for v in value))
    return (type(value), value)


def _number_texts() -> st.SearchStrategy[str]:
    fixed = ["0", "-0", "007", "1e5", "1.50", "-1.5E-3", "12345678901234567890", "1" * 18]
    return st.one_of(
        st.integers(-(10**40), 10**40).map(str),
        st.floats(allow_nan=False, allow_infinity=False).map(repr),
        st.decimals(allow_nan=False, allow_infinity=False, places=3).map(str),
        st.sampled_from(fixed),
    )


def _base64() -> st.SearchStrategy[str]:
    return st.binary(max_size=8).map(lambda raw: b64encode(raw).decode())


def _leaves() -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(
        st.builds(lambda s: {"S": s}, st.text(max_size=6)),
        st.builds(lambda n: {"N": n}, _number_texts()),
        st.builds(lambda b: {"BOOL": b}, st.booleans()),
        st.just({"NULL": True}),
        st.builds(lambda b: {"B": b}, _base64()),
        st.builds(lambda v: {"SS": v}, st.lists(st.text(max_size=4), min_size=1, unique=True)),
        st.builds(lambda v: {"NS": v}, st.lists(_number_texts(), min_size=1, max_size=3)),
        st.builds(lambda v: {"BS": v}, st.lists(_base64(), min_size=1, max_size=3)),
    )


NAMES = st.text(min_size=1, max_size=6)
VALUES = st.recursive(
    _leaves(),
    lambda inner: st.one_of(
        st.builds(lambda v: {"L": v}, st.lists(inner, max_size=4)),
        st.builds(lambda v: {"M": v}, st.dictionaries(NAMES, inner, max_size=4)),
    ),
    max_leaves=12,
)
ITEMS = st.dictionaries(NAMES, VALUES, max_size=6)

MALFORMED: list[Any] = [
    {"a": {"S": "x", "N": "1"}},  # two tags: the reference's loop lets the last one win
    {"a": {"M": {"b": {"S": "x", "BOOL": True}}}},
    {"a": {}},
    {"a": {"X": 1}},
    {"a": {"N": "abc"}},
    {"a": {"N": ""}},
    {"a": {"N": "-"}},
    {"a": {"N": 5}},
    {"a": {"L": "not a list"}},
    {"a": {"L": ({"S": "x"},)}},
    {"a": {"M": []}},
    {"a": {"L": [{"S": "x", "N": "1"}]}},
    {"a": {"L": [{}]}},
    {"a": "plain"},
    {"a": {1: "x"}},
    {"a": {"NS": ["x"]}},
    {"a": {"B": "not base64!"}},
    [],
    None,
]


@needs_native
@settings(max_examples=300, deadline=None)
@given(ITEMS)
def test_the_c_decoder_reads_any_item_as_the_python_one(item: dict[str, Any]) -> None:
    # GIVEN any item of DynamoDB's tags, nested; WHEN both decoders read it, in both modes
    for numbers in ("native", "decimal"):
        # THEN values, their types and their order are the same
        expected = outcome(_DECODERS[numbers].item, item)
        assert outcome(built(numbers), item) == expected
        assert list(built(numbers)(item)) == list(item)


@needs_native
@pytest.mark.parametrize("wire", MALFORMED, ids=repr)
def test_the_c_decoder_gives_the_python_ones_result_or_error_on_odd_input(wire: Any) -> None:
    for numbers in ("native", "decimal"):
        assert outcome(built(numbers), wire) == outcome(_DECODERS[numbers].item, wire)


@needs_native
def test_a_nesting_too_deep_for_the_interpreter_fails_as_in_python() -> None:
    # GIVEN a list nested deeper than the recursion limit
    wire: dict[str, Any] = {"S": "bottom"}
    for _ in range(sys.getrecursionlimit() + 50):
        wire = {"L": [wire]}
    # WHEN both decoders read it THEN both raise RecursionError (no crash)
    with pytest.raises(RecursionError):
        _DECODERS["native"].item({"a": wire})
    with pytest.raises(RecursionError):
        built("native")({"a": wire})


@needs_native
def test_short_integers_are_ints_only_in_native_mode() -> None:
    wire = {"n": {"N": "-123456789012345678"}, "big": {"N": "1234567890123456789"}}
    assert built("native")(wire) == {"n": -123456789012345678, "big": 1234567890123456789}
    assert built("decimal")(wire) == {
        "n": Decimal("-123456789012345678"),
        "big": Decimal("1234567890123456789"),
    }
    assert type(built("decimal")(wire)["n"]) is Decimal


@needs_native
def test_decoding_keeps_no_reference_to_what_it_read() -> None:
    # GIVEN a value read many times, through success and through the fallback
    text = "".join(["shared", "-value"])  # a fresh object, not an interned constant
    good = {"a": {"S": text}, "b": {"L": [{"S": text}]}}
    bad = {"a": {"S": text}, "b": {"N": "not a number"}}
    # THEN nothing holds it once the results are gone
    assert_keeps_no_reference(built("native"), text, good, bad)


def assert_keeps_no_reference(call: Decode, text: str, good: Any, bad: Any) -> None:
    """Call ``call`` on ``good`` and on ``bad`` (a ``ValueError``) 1,000 times: ``text``'s
    reference count must be what it was."""
    before = sys.getrefcount(text)
    for _ in range(1000):
        call(good)
        with pytest.raises(ValueError):
            call(bad)
    assert sys.getrefcount(text) == before


@needs_native
def test_a_function_that_changes_the_item_being_read_cannot_crash_the_decoder() -> None:
    # GIVEN an ``other`` function that empties the list, then deletes the attribute, it is in
    from src.services.dynamodb._native._decode import Decoder

    values: list[Any] = [{"B": "AAE="}, {"S": "after"}]
    wire: dict[str, Any] = {"a": {"L": values}, "b": {"B": "AAE="}}

    def other(tag: str, raw: Any) -> Any:
        values.clear()
        wire.pop("a", None)
        return f"read {tag}"

    decode = Decoder(str, other, lambda item: "the fallback's", True)
    # WHEN it reads the item THEN the list that shrank sends it to the fallback, no crash
    assert decode(wire) == "the fallback's"
    assert decode(wire) == {"b": "read B"}


@needs_native
def test_a_decoder_takes_exactly_one_wire_item() -> None:
    decode = cast_any(built("native"))
    with pytest.raises(TypeError, match="one wire item"):
        decode()
    with pytest.raises(TypeError, match="one wire item"):
        decode({}, wire={})


def cast_any(value: Any) -> Any:
    return value


@needs_native
def test_the_service_reads_through_the_c_decoder_when_it_is_built() -> None:
    assert type(item_decoder("native")).__name__ == "Decoder"
    assert type(item_decoder("decimal")).__name__ == "Decoder"


def made_through_the_switch() -> Decode | None:
    """What ``native_decoder`` makes over the native-mode Python decoder."""
    reference = _DECODERS["native"]
    return _native.native_decoder(
        reference.number, reference.tagged, reference.item, short_ints=True
    )


def test_the_switch_turns_the_c_decoder_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(_native.SWITCH, "0")
    made = made_through_the_switch()
    assert made is None


def test_without_the_built_module_there_is_no_c_decoder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(_native.SWITCH, raising=False)
    monkeypatch.setitem(sys.modules, "src.services.dynamodb._native._decode", None)
    made = made_through_the_switch()
    assert made is None


@needs_native
def test_the_c_decoder_is_made_when_built_and_not_switched_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(_native.SWITCH, "1")
    made = made_through_the_switch()
    assert made is not None
    assert made({"a": {"N": "7"}}) == {"a": 7}


# The encoder ------------------------------------------------------------------------------


class Colour(StrEnum):
    RED = "red"


class Size(IntEnum):
    BIG = 3


def encoded() -> Callable[..., Any]:
    """A C encoder over the Python one (the module must be built)."""
    from src.services.dynamodb._native._encode import Encoder

    return Encoder(_to_wire_item)


SCALARS = st.one_of(
    st.text(max_size=6),
    st.booleans(),
    st.integers(),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(),
    st.floats(min_value=-1e-120, max_value=1e-120),
    st.sampled_from([0.0, -0.0, 1e126, 9.9e125, 1e-130, 1e-131, 2**63, -(2**63) - 1]),
    st.none(),
    st.decimals(allow_nan=True),
    st.binary(max_size=4),
    st.sets(st.integers(0, 9), max_size=3),
    st.sampled_from([Colour.RED, Size.BIG, bytearray(b"x"), frozenset({"a"}), object()]),
)
Kind = Callable[[st.SearchStrategy[Any]], st.SearchStrategy[Any]]


def nested(scalars: st.SearchStrategy[Any], *more: Kind) -> st.SearchStrategy[Any]:
    """``scalars`` in lists, tuples and maps of str names, a few levels deep, and in
    each of ``more`` kinds of container too."""
    return st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.lists(inner, max_size=3).map(tuple),
            st.dictionaries(st.text(max_size=4), inner, max_size=4),
            *(kind(inner) for kind in more),
        ),
        max_leaves=12,
    )


PYTHON_VALUES = nested(
    SCALARS, lambda inner: st.dictionaries(st.integers(0, 3), inner, min_size=1, max_size=2)
)
PYTHON_ITEMS = st.dictionaries(st.text(max_size=4), PYTHON_VALUES, max_size=6)


def writing(encode: Callable[..., Any], what: str) -> Decode:
    """``encode`` called as the service calls it: the item, and its name, positionally."""
    return lambda item: encode(item, what)


@needs_native
@settings(max_examples=400, deadline=None)
@given(PYTHON_ITEMS, st.sampled_from(["item", "key"]))
def test_the_c_encoder_writes_any_item_as_the_python_one(item: dict[str, Any], what: str) -> None:
    # GIVEN any item of any Python values, some of which DynamoDB cannot hold
    # WHEN both encoders write it THEN the same attribute values, or the same error
    expected = outcome(writing(_to_wire_item, what), item)
    assert outcome(writing(encoded(), what), item) == expected


@needs_native
@pytest.mark.parametrize(
    "item",
    [
        {},
        [],
        None,
        "text",
        {1: "x"},
        {"a": {2: "y"}},
        {"a": float("nan")},
        {"a": 10**40},
        {"a": 2**63},
        {"a": 1e126},
        {"a": 9.99e125},
        {"a": 1e-130},
        {"a": 1e-131},
        {"a": -0.0},
        {"a": [Colour.RED, Size.BIG, True]},
    ],
    ids=repr,
)
def test_the_c_encoder_gives_the_python_ones_result_or_error_on_odd_input(item: Any) -> None:
    expected = outcome(writing(_to_wire_item, "items[3]"), item)
    assert outcome(writing(encoded(), "items[3]"), item) == expected


@needs_native
def test_the_c_encoder_is_called_as_the_python_one() -> None:
    encode = cast_any(encoded())
    assert encode({"a": 1}) == {"a": {"N": "1"}}
    with pytest.raises(ValueError, match="^key is empty$"):
        encode({}, "key")
    with pytest.raises(TypeError):
        encode()
    with pytest.raises(TypeError, match="positional-only"):  # the Python one's own refusal
        encode({"a": 1}, what="key")


@needs_native
def test_encoding_keeps_no_reference_to_what_it_wrote() -> None:
    text = "".join(["shared", "-value"])
    good = {"a": text, "b": [text, {"c": 1.5}]}
    bad = {"a": text, "b": float("inf")}
    assert_keeps_no_reference(encoded(), text, good, bad)


@needs_native
def test_the_service_writes_through_the_c_encoder_when_it_is_built() -> None:
    assert type(to_wire_item).__name__ == "Encoder"


def test_the_switch_turns_the_c_encoder_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(_native.SWITCH, "0")
    assert _native.native_encoder(_to_wire_item) is None


def test_without_the_built_module_there_is_no_c_encoder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(_native.SWITCH, raising=False)
    monkeypatch.setitem(sys.modules, "src.services.dynamodb._native._encode", None)
    assert _native.native_encoder(_to_wire_item) is None


@needs_native
def test_the_c_encoder_is_made_when_built_and_not_switched_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(_native.SWITCH, "1")
    made = _native.native_encoder(_to_wire_item)
    assert made is not None
    assert made({"a": None}) == {"a": {"NULL": True}}
