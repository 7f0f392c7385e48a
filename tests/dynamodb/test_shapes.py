"""The shape decoder: compiled per shape, and always what the generic decoder gives.

Items are made by the project's own encoder (``to_wire_item``) from generated Python
items, then decoded by ``_Decoder.item`` (shapes first) and ``_Decoder.map`` (the generic
loop) of one fresh decoder; results are compared with their types, sets sorted, and keys
in order. Errors are compared by class, message and context.
"""

from __future__ import annotations

import os
import re
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from types import FunctionType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from src.services.dynamodb import _native, _shapes
from src.services.dynamodb._shapes import (
    ANY,
    COMPILE_AT,
    MAX_ATTRIBUTES,
    MAX_COUNTED,
    ShapeDecoder,
    compile_shape,
    shape_source,
    tags_of,
)
from src.services.dynamodb._values import (
    _Decoder,
    _native_number,
    decode_item,
    item_decoder,
    to_wire_item,
)
from src.services.dynamodb.dynamodb_models import Item, Numbers

PROPERTY = settings(
    database=None, deadline=None, max_examples=80, suppress_health_check=[HealthCheck.too_slow]
)
NUMBERS: tuple[Numbers, ...] = ("native", "decimal")
TAGS = ("S", "N", "B", "BOOL", "NULL", "SS", "NS", "BS", "M", "L")
PASSES = COMPILE_AT + 2
"""Decodes of each item: the last ones go through its compiled function."""

Wire = dict[str, Any]


def _decoder(numbers: Numbers = "native") -> _Decoder:
    return _Decoder(_native_number if numbers == "native" else Decimal)


class Spy:
    """A shape decoder on a real decoder's helpers, counting calls of its generic decoder."""

    def __init__(self, numbers: Numbers = "native") -> None:
        self.real = _decoder(numbers)
        self.generic_calls = 0
        self.shapes = ShapeDecoder(self.real._by_tag, self._generic)

    def _generic(self, wire: Mapping[str, Mapping[str, Any]]) -> Item:
        self.generic_calls += 1
        return self.real.map(wire)


def _exact(value: Any) -> Any:
    """A value with every type spelled out, sets sorted: equal only if exactly equal."""
    if isinstance(value, dict):
        return ("dict", [(repr(name), _exact(v)) for name, v in value.items()])
    if isinstance(value, list):
        return ("list", [_exact(v) for v in value])
    if isinstance(value, set | frozenset):
        return (type(value).__name__, sorted(repr(_exact(v)) for v in value))
    return (type(value).__name__, repr(value))


def _outcome(decode: Callable[[Any], Item], wire: Any) -> Any:
    """What decoding gives: the exact value, or the error's class, text and context."""
    try:
        return ("value", _exact(decode(wire)))
    except Exception as error:
        return ("error", type(error), str(error), error.__context__, error.__cause__)


def _same_as_generic(decoder: _Decoder, wire: Any) -> Any:
    got, want = _outcome(decoder.item, wire), _outcome(decoder.map, wire)
    assert got == want, wire
    return got


# What DynamoDB stores, from Python values -------------------------------------------------

texts = st.text(st.characters(exclude_categories=["Cs"]), max_size=8)
names = st.text(st.characters(exclude_categories=["Cs"]), max_size=6)
ints = st.integers(-(10**38) + 1, 10**38 - 1)
floats = st.one_of(st.just(0.0), st.floats(1e-130, 9.99e125), st.floats(-9.99e125, -1e-130))
decimals = st.builds(lambda d, e: Decimal(f"{d}E{e}"), ints, st.integers(-130, 87)).filter(
    lambda d: d.is_zero() or -130 <= d.adjusted() <= 125
)
numbers = st.one_of(ints, floats, decimals)
scalars = st.one_of(texts, numbers, st.booleans(), st.none(), st.binary(max_size=6))
sets = st.one_of(
    st.frozensets(texts, min_size=1, max_size=3),
    st.frozensets(st.binary(max_size=4), min_size=1, max_size=3),
    st.frozensets(numbers, min_size=1, max_size=3),
)
values = st.recursive(
    st.one_of(scalars, sets, st.lists(texts, max_size=3)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(names, inner, max_size=3)),
    max_leaves=8,
)
items = st.dictionaries(names, values, min_size=1, max_size=6)


@PROPERTY
@given(page=st.lists(items, min_size=1, max_size=4), mode=st.sampled_from(NUMBERS))
def test_every_item_decodes_as_the_generic_decoder_decodes_it_compiled_or_not(
    page: list[Item], mode: Numbers
) -> None:
    # GIVEN wire items as the encoder makes them, and a fresh decoder
    wires = [to_wire_item(item) for item in page]
    decoder = _decoder(mode)
    # WHEN each is decoded again and again (compiled from its COMPILE_AT-th sighting on)
    for _ in range(PASSES):
        for wire in wires:
            got = decoder.item(wire)
            # THEN the result is exactly the generic one, keys in the wire's order
            assert _exact(got) == _exact(decoder.map(wire))
            assert list(got) == list(wire)
    assert decoder.shapes()[0] >= 1


@PROPERTY
@given(data=st.data(), mode=st.sampled_from(NUMBERS))
def test_items_with_the_same_names_and_other_tags_decode_as_the_generic_decoder(
    data: st.DataObject, mode: Numbers
) -> None:
    # GIVEN two items with the same names, in the same order, their values drawn apart
    keys = data.draw(st.lists(names, min_size=1, max_size=5, unique=True))
    drawn = st.lists(values, min_size=len(keys), max_size=len(keys))
    first, second = (to_wire_item(dict(zip(keys, data.draw(drawn), strict=True))) for _ in range(2))
    decoder = _decoder(mode)
    # WHEN they take turns, long enough to compile either or both
    for _ in range(PASSES):
        for wire in (first, second):
            # THEN each decodes as the generic decoder decodes it
            _same_as_generic(decoder, wire)


@PROPERTY
@given(data=st.data(), mode=st.sampled_from(NUMBERS))
def test_items_of_one_length_with_other_names_or_order_decode_as_the_generic_decoder(
    data: st.DataObject, mode: Numbers
) -> None:
    # GIVEN an item, another of its length with other names, and the first in another order
    first = data.draw(items)
    others = data.draw(st.lists(names, min_size=len(first), max_size=len(first), unique=True))
    second = dict(zip(others, first.values(), strict=True))
    reordered = dict(reversed(first.items()))
    wires = [to_wire_item(item) for item in (first, second, reordered)]
    decoder = _decoder(mode)
    # WHEN they take turns
    for _ in range(PASSES):
        for wire in wires:
            # THEN each decodes as the generic decoder decodes it, in its own order
            assert _same_as_generic(decoder, wire)[1][1] == [
                (repr(name), _exact(decoder.map({name: value})[name]))
                for name, value in wire.items()
            ]


# How a shape is found and compiled -----------------------------------------------------


def test_a_shape_is_compiled_at_sighting_compile_at_then_read_with_no_generic_call() -> None:
    # GIVEN a shape decoder whose generic decoder counts its calls
    spy = Spy()
    wire = to_wire_item({"pk": "a", "n": 5, "ok": True, "tags": ["x", "y"], "z": None})
    # WHEN the item is decoded COMPILE_AT times
    for sighting in range(1, COMPILE_AT + 1):
        assert spy.shapes.item(wire) == spy.real.map(wire)
        # THEN nothing is compiled before the last of them
        assert spy.shapes.shapes()[0] == (1 if sighting == COMPILE_AT else 0)
    assert spy.generic_calls == COMPILE_AT
    # AND later decodes never call the generic decoder
    for _ in range(5):
        assert spy.shapes.item(wire) == {
            "pk": "a",
            "n": 5,
            "ok": True,
            "tags": ["x", "y"],
            "z": None,
        }
    assert spy.generic_calls == COMPILE_AT
    assert spy.shapes.shapes() == (1, 1, 0)


def test_a_compiled_function_reads_any_names_with_its_tags_in_the_items_order() -> None:
    # GIVEN a shape of tags S, N compiled for the names ("a", "b")
    spy = Spy()
    for _ in range(COMPILE_AT):
        spy.shapes.item({"a": {"S": "x"}, "b": {"N": "1"}})
    # WHEN items of other names (or order) with the same tags arrive
    got = [
        spy.shapes.item({"c": {"S": "y"}, "d": {"N": "2.5"}}),
        spy.shapes.item({"b": {"S": "z"}, "a": {"N": "3"}}),
    ]
    # THEN the one function reads them, names and order from the item
    assert got == [{"c": "y", "d": 2.5}, {"b": "z", "a": 3}]
    assert [list(item) for item in got] == [["c", "d"], ["b", "a"]]
    assert spy.generic_calls == COMPILE_AT


def test_a_tag_that_changes_under_the_same_names_falls_back_then_is_read_as_any_tag() -> None:
    # GIVEN {"a": S} compiled
    spy = Spy()
    for _ in range(COMPILE_AT):
        spy.shapes.item({"a": {"S": "x"}})
    # WHEN {"a": N} and {"a": NULL} take turns with it (their sightings count together)
    for _ in range(2 * COMPILE_AT):
        for wire, value in (({"a": {"N": "1"}}, 1), ({"a": {"NULL": True}}, None)):
            assert spy.shapes.item(wire) == {"a": value}
        assert spy.shapes.item({"a": {"S": "x"}}) == {"a": "x"}
    # THEN those names got one function, for S, then for any tag (ANY) once N came
    assert spy.shapes.shapes() == (2, 1, 0)
    calls = spy.generic_calls
    for wire in ({"a": {"N": "7"}}, {"a": {"NULL": True}}, {"a": {"S": "q"}}):
        spy.shapes.item(wire)
    assert spy.generic_calls == calls


def test_the_function_that_read_the_last_item_of_a_length_is_the_one_tried_first() -> None:
    # GIVEN two learned shapes of one length, other names and tags
    decoder = _decoder()
    first: Wire = {"a": {"S": "x"}, "b": {"N": "1"}}
    second: Wire = {"c": {"BOOL": True}, "d": {"NULL": True}}
    for wire in (first, second):
        for _ in range(COMPILE_AT):
            decoder.item(wire)
    assert decoder.shapes() == (2, 2, 0)
    # WHEN each is read after the other
    for wire in (first, second, first):
        decoder.item(wire)
        # THEN its names' function becomes the one tried first for that length
        assert decoder._recent[2] is decoder._shapes[hash(tuple(wire))][1]


def test_a_list_of_strings_and_any_other_list_decode_as_the_generic_decoder() -> None:
    # GIVEN a compiled shape with a list
    decoder = _decoder()
    for _ in range(COMPILE_AT):
        decoder.item({"l": {"L": [{"S": "a"}]}})
    assert decoder.shapes()[0] == 1
    # WHEN lists of strings, of mixed values, empty or nested come
    lists = [[{"S": "a"}, {"S": ""}], [], [{"S": "a"}, {"N": "1"}], [{"L": [{"S": "b"}]}]]
    # THEN each decodes as the generic decoder decodes it
    for values in lists:
        assert _same_as_generic(decoder, {"l": {"L": values}})[0] == "value"
    assert decoder.item({"l": {"L": [{"S": "a"}, {"N": "1"}]}}) == {"l": ["a", 1]}


def test_nested_maps_are_decoded_generically_and_never_compiled() -> None:
    # GIVEN items whose nested maps share a shape of their own
    decoder = _decoder()
    wire = to_wire_item({"pk": "a", "m": {"x": 1, "y": "z"}, "l": [{"x": 2, "y": "w"}]})
    # WHEN the item is decoded many times
    for _ in range(PASSES * 2):
        assert decoder.item(wire) == decoder.map(wire)
    # THEN the top-level shape alone is compiled
    assert decoder.shapes() == (1, 1, 0)


def test_numbers_come_back_as_the_decoders_mode_reads_them_through_a_compiled_shape() -> None:
    # GIVEN decoders in both modes, an item of numbers compiled in each
    wire = to_wire_item({"i": 7, "f": 0.5, "d": Decimal("7.00"), "s": {1, Decimal("2.5")}})
    native, exact = _decoder("native"), _decoder("decimal")
    for _ in range(PASSES):
        got = native.item(wire), exact.item(wire)
    # THEN native gives int and float, decimal gives Decimal as stored
    assert _exact(got[0]) == _exact({"i": 7, "f": 0.5, "d": 7, "s": {1, 2.5}})
    assert _exact(got[1]) == _exact(
        {
            "i": Decimal(7),
            "f": Decimal("0.5"),
            "d": Decimal("7.00"),
            "s": {Decimal(1), Decimal("2.5")},
        }
    )
    assert native.shapes()[0] == exact.shapes()[0] == 1


def test_the_service_decoders_are_shape_decoders() -> None:
    # GIVEN the decoders the service and decode_item use
    # THEN their item is the shape decoder's (the C decoder's fallback, when that is built),
    # and decode_item reads through it
    switched_off = os.environ.get(_native.SWITCH) == "0"
    for mode in NUMBERS:
        decode = item_decoder(mode)
        if switched_off:
            assert getattr(decode, "__func__", None) is ShapeDecoder.item
        else:  # make builds the C decoder before the tests
            assert type(decode).__name__ == "Decoder"
    wire = {"a": {"S": "x"}, "n": {"N": "1.50"}}
    assert [decode_item(wire, numbers=mode) for mode in NUMBERS] == [
        {"a": "x", "n": 1.5},
        {"a": "x", "n": Decimal("1.50")},
    ]


# Names never become code ---------------------------------------------------------------

DANGEROUS = [
    '"); import os; ("',
    "'); raise SystemExit(3); ('",
    "\nraise SystemExit(3)\n",
    "__class__",
    "__builtins__",
    "__import__('os')._exit(3)",
    "w",
    "k0",
    "a0",
    "N",
    "decode",
    "{",
    "}",
    "'",
    '"',
    '"""',
    "\\",
    "\n",
    "\r\n\t",
    "\x00",
    "é名🙂",
    "",
    " ",
    "#",
]


def test_names_that_would_be_code_in_source_decode_through_a_compiled_shape() -> None:
    # GIVEN an item whose names would break out of, or run in, any source they were put in
    spy = Spy()
    wire = to_wire_item({name: f"v{i}" for i, name in enumerate(DANGEROUS)} | {"n": 1})
    # WHEN it is decoded until compiled, and again
    for _ in range(PASSES):
        got = spy.shapes.item(wire)
    # THEN it is compiled, read with no generic call, every name and value kept in order
    assert spy.shapes.shapes()[0] == 1
    assert spy.generic_calls == COMPILE_AT
    assert list(got.items()) == [(name, f"v{i}") for i, name in enumerate(DANGEROUS)] + [("n", 1)]


def test_a_64_kb_name_decodes_through_a_compiled_shape() -> None:
    # GIVEN an item with a 64 KB name
    spy = Spy()
    name = "x" * 65536
    wire = {name: {"S": "v"}, "pk": {"S": "a"}}
    # WHEN it is decoded until compiled, and again
    for _ in range(PASSES):
        got = spy.shapes.item(wire)
    # THEN it decodes, compiled
    assert got == {name: "v", "pk": "a"}
    assert spy.shapes.shapes()[0] == 1 and spy.generic_calls == COMPILE_AT


def test_the_source_and_the_function_hold_tags_and_their_own_names_only() -> None:
    # GIVEN the function compiled for every tag and ANY
    decoder = _decoder()
    decode = compile_shape((*TAGS, ANY), decoder._helpers)
    assert isinstance(decode, FunctionType)
    code = decode.__code__
    # THEN its constants are whitelisted tags and None, it reads no global, and its
    # defaults are the decoder's helpers, no name or value of any item
    assert set(code.co_consts) <= {*TAGS, None}
    assert code.co_names == ("values",)
    assert decode.__defaults__ is not None
    assert all(callable(helper) for helper in decode.__defaults__)
    assert decode.__globals__ == {"__builtins__": {}}
    assert shape_source(("S", "N", "NULL", "L", ANY)) == (
        "def decode(w, N, L, V):\n"
        "    k0, k1, k2, k3, k4 = w\n"
        "    a0, a1, a2, a3, a4 = w.values()\n"
        '    a2["NULL"]\n'
        '    return {k0: a0["S"], k1: N(a1["N"]), k2: None, k3: L(a3["L"]), k4: V(a4)}\n'
    )
    assert shape_source(("BOOL",)).splitlines()[1:3] == ["    k0, = w", "    a0, = w.values()"]


def test_a_tag_outside_the_whitelist_or_not_a_plain_str_is_never_compiled() -> None:
    class Tag(str):
        __slots__ = ()

    # GIVEN items whose tags are not DynamoDB's, or not plain str, or several, or none
    # THEN none is to be compiled
    assert tags_of({"a": {"S": "x"}, "b": {"N": "1"}}) == ("S", "N")
    wires: list[Mapping[str, Mapping[str, Any]]] = [
        {"a": {"X": "x"}},
        {"a": {Tag("S"): "x"}},
        {"a": {"S": "x", "N": "1"}},
        {"a": {}},
        {},
        {f"a{i}": {"S": "x"} for i in range(MAX_ATTRIBUTES + 1)},
    ]
    for wire in wires:
        assert tags_of(wire) is None
    assert tags_of({f"a{i}": {"S": "x"} for i in range(MAX_ATTRIBUTES)}) == ("S",) * 64


# Errors stay the generic decoder's ------------------------------------------------------


def _compiled(decoder: _Decoder, wire: Wire) -> None:
    for _ in range(COMPILE_AT):
        decoder.item(wire)
    assert decoder.shapes()[0] >= 1


@pytest.mark.parametrize(
    ("wire", "error", "text"),
    [
        ({"a": {}, "l": {"L": []}}, ValueError, "an attribute value with no type"),
        ({"a": {"X": "x"}, "l": {"L": []}}, KeyError, "'X'"),
        ({"a": {"S": "x"}, "l": {"L": [{"S": "y"}, {}]}}, ValueError, "no type"),
        ({"a": {"S": "x"}, "l": {"L": [{"S": "y"}, {"Q": 1}]}}, KeyError, "'Q'"),
        ({"a": {"S": "x"}, "l": {"L": [{"M": {"b": {}}}]}}, ValueError, "no type"),
        ({"a": {"N": "abc"}, "l": {"L": []}}, ValueError, "could not convert"),
        (None, AttributeError, "items"),
        ([["a"], ["b"]], AttributeError, "items"),
        ("ab", AttributeError, "items"),
        ({"a": "S", "l": {"L": []}}, AttributeError, "items"),
    ],
    ids=repr,
)
def test_a_bad_item_raises_the_generic_decoders_error_on_a_compiled_shape_too(
    wire: Any, error: type[Exception], text: str
) -> None:
    # GIVEN a decoder with a compiled shape of two attributes: S and L
    decoder = _decoder()
    _compiled(decoder, {"a": {"S": "x"}, "l": {"L": [{"S": "y"}]}})
    # WHEN a bad item of its length (or no mapping at all) comes
    # THEN it raises what the generic decoder raises, with no chained context
    outcome = _same_as_generic(decoder, wire)
    assert outcome[:2] == ("error", error) and text in outcome[2]
    assert outcome[3] is None


def test_a_value_with_several_tags_is_read_by_its_shapes_tag_the_documented_liberty() -> None:
    # GIVEN {"a": S} compiled (a position of one tag, not ANY)
    decoder = _decoder()
    _compiled(decoder, {"a": {"S": "x"}})
    # WHEN a value carries S and N (DynamoDB never sends one)
    wire: Wire = {"a": {"S": "x", "N": "1"}}
    # THEN the function reads its S; the generic loop lets the last tag win
    assert decoder.item(wire) == {"a": "x"}
    assert decoder.map(wire) == {"a": 1}


# Limits ----------------------------------------------------------------------------------


def test_a_stream_of_distinct_names_compiles_nothing_and_counts_at_most_max_counted() -> None:
    # GIVEN a decoder
    spy = Spy()
    # WHEN MAX_COUNTED + 1 items of names never seen again come
    for i in range(MAX_COUNTED + 1):
        assert spy.shapes.item({f"a{i}": {"S": "x"}, "b": {"N": "1"}}) == {f"a{i}": "x", "b": 1}
        # THEN nothing is compiled, and the count never passes MAX_COUNTED
        assert spy.shapes.shapes()[0] == 0 and spy.shapes.shapes()[2] <= MAX_COUNTED
    # AND the count started over when it was full
    assert spy.shapes.shapes() == (0, 0, 1)
    assert spy.generic_calls == MAX_COUNTED + 1


def test_names_seen_fewer_than_compile_at_times_are_not_compiled() -> None:
    # GIVEN a few shapes, each seen COMPILE_AT - 1 times
    spy = Spy()
    for _ in range(COMPILE_AT - 1):
        for i in range(5):
            spy.shapes.item({f"a{i}": {"S": "x"}})
    # THEN none is compiled, all are counted
    assert spy.shapes.shapes() == (0, 0, 5)


def test_once_max_compiled_functions_are_made_no_more_are_compiled_nor_names_counted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN a limit of 2 functions
    monkeypatch.setattr(_shapes, "MAX_COMPILED", 2)
    spy = Spy()
    shapes: list[Wire] = [{"a": {"S": "x"}}, {"b": {"N": "1"}}, {"c": {"BOOL": True}}]
    # WHEN three shapes of other names and tags are each seen often
    for wire in shapes:
        for _ in range(PASSES):
            spy.shapes.item(wire)
    # THEN two are compiled, nothing more is counted, the third decodes generically
    assert spy.shapes.shapes() == (2, 2, 0)
    calls = spy.generic_calls
    assert spy.shapes.item(shapes[2]) == {"c": True}
    assert spy.generic_calls == calls + 1


def test_once_max_shapes_names_are_known_no_more_are_learned(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN a limit of 2 lists of names
    monkeypatch.setattr(_shapes, "MAX_SHAPES", 2)
    spy = Spy()
    # WHEN three lists of names are seen often, the third with the tags of the first
    shapes: list[Wire] = [{"a": {"S": "x"}}, {"b": {"N": "1"}}, {"c": {"S": "y"}}]
    for wire in shapes:
        for _ in range(PASSES):
            spy.shapes.item(wire)
    # THEN two are known; the third, tried with the function of the second, decodes generically
    assert spy.shapes.shapes() == (2, 2, 0)
    calls = spy.generic_calls
    assert spy.shapes.item(shapes[2]) == {"c": "y"}
    assert spy.generic_calls == calls + 1


def test_items_of_one_list_of_names_in_many_tags_share_one_function_of_any_tag() -> None:
    # GIVEN one list of names whose value comes in five tags
    spy = Spy()
    shapes: list[Wire] = [
        {"a": {tag: raw}}
        for tag, raw in (("S", "x"), ("N", "1"), ("BOOL", True), ("NULL", True), ("B", b"x"))
    ]
    # WHEN each is seen often, in turns
    for _ in range(PASSES):
        for wire in shapes:
            spy.shapes.item(wire)
    # THEN the names have one function (two compiled: S, then ANY), read with no generic call
    assert spy.shapes.shapes() == (2, 1, 0)
    calls = spy.generic_calls
    assert [spy.shapes.item(wire) for wire in shapes] == [
        {"a": "x"},
        {"a": 1},
        {"a": True},
        {"a": None},
        {"a": b"x"},
    ]
    assert spy.generic_calls == calls


def test_a_bad_value_at_a_position_of_any_tag_gets_the_generic_result_or_error() -> None:
    # GIVEN names {"a", "b"} whose "a" has been S and N: a function of any tag there
    decoder = _decoder()
    for _ in range(2 * COMPILE_AT):
        for tag, raw in (("S", "x"), ("N", "1")):
            decoder.item({"a": {tag: raw}, "b": {"S": "y"}})
    assert decoder.shapes() == (2, 1, 0)
    # WHEN "a" carries no tag, a tag that is not DynamoDB's (ANY's own text too), or two
    # THEN the result or the error is the generic decoder's
    for value in ({}, {"*": {"S": "x"}}, {"X": "x"}, {"S": "x", "N": "1"}, {"SS": ["p"]}):
        _same_as_generic(decoder, {"a": value, "b": {"S": "y"}})
    assert decoder.item({"a": {"S": "x", "N": "1"}, "b": {"S": "y"}}) == {"a": 1, "b": "y"}
    with pytest.raises(KeyError, match=re.escape("'*'")):
        decoder.item({"a": {"*": {"S": "x"}}, "b": {"S": "y"}})


def test_items_too_large_or_empty_are_never_compiled() -> None:
    # GIVEN an item of MAX_ATTRIBUTES + 1 attributes, and an empty one
    spy = Spy()
    large = {f"a{i}": {"N": str(i)} for i in range(MAX_ATTRIBUTES + 1)}
    # WHEN each is seen often
    for _ in range(PASSES):
        assert spy.shapes.item(large) == {f"a{i}": i for i in range(MAX_ATTRIBUTES + 1)}
        assert spy.shapes.item({}) == {}
    # THEN neither is compiled; one attribute fewer is
    assert spy.shapes.shapes()[0] == 0
    large.pop(f"a{MAX_ATTRIBUTES}")
    for _ in range(PASSES):
        spy.shapes.item(large)
    assert spy.shapes.shapes()[0] == 1


def test_learning_a_shape_two_threads_reached_at_once_compiles_it_once() -> None:
    # GIVEN two threads that counted the same names to COMPILE_AT (played in sequence)
    decoder = _decoder()
    key, tags = hash(("a",)), ("S",)
    decoder._learn(key, tags)
    decoder._learn(key, tags)
    # THEN one function is compiled and kept for those names
    assert decoder.shapes() == (1, 1, 0)
    assert decoder._shapes[key][0] == tags


def test_a_thread_that_learns_once_another_reached_max_compiled_learns_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN a limit of one function, reached by one thread while another was counting
    monkeypatch.setattr(_shapes, "MAX_COMPILED", 1)
    decoder = _decoder()
    decoder._learn(hash(("a",)), ("S",))
    # WHEN the other learns its names
    decoder._learn(hash(("b",)), ("N",))
    # THEN nothing is compiled nor kept for them
    assert decoder.shapes() == (1, 1, 0)


# Threads ---------------------------------------------------------------------------------


@pytest.fixture
def busy_switching() -> Iterator[None]:
    """Threads switch far more often than usual, to interleave decodes finely."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(interval)


def test_eight_threads_decoding_alternating_shapes_get_the_generic_results(
    busy_switching: None,
) -> None:
    # GIVEN one decoder, and shapes: two of one length that differ in tags, one longer
    decoder = _decoder()
    wires = [
        to_wire_item({"pk": "a", "v": "x", "l": ["s", "t"]}),
        to_wire_item({"pk": "b", "v": 2, "l": ["s", 1]}),
        to_wire_item({"pk": "c", "v": None, "l": [], "extra": {"m": {1, 2}}}),
        to_wire_item({"q": "d", "w": 2.5, "z": [True]}),
    ]
    expected = [_exact(decoder.map(wire)) for wire in wires]
    start = threading.Barrier(8)
    wrong: list[tuple[int, int]] = []

    def work(offset: int) -> None:
        start.wait()
        for n in range(400):
            index = (n + offset) % len(wires)
            if _exact(decoder.item(wires[index])) != expected[index]:
                wrong.append((offset, index))

    # WHEN eight threads decode them in turns, all at once
    threads = [threading.Thread(target=work, args=(offset,)) for offset in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # THEN every result is the generic one, and the shapes were compiled along the way
    assert wrong == []
    assert decoder.shapes()[0] >= 3
