"""``_encode.vouched``: the C bound on item sizes never vouches for an item over the limit.

``check_sizes`` skips the leading items the C bound vouches for, so the bound must be at
least each item's size by DynamoDB's rules (``size_over``) and must stop at any form it
does not know. Without the built module, ``check_sizes`` checks every item itself.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from src.services.dynamodb import _native, _values
from src.services.dynamodb._values import MAX_ITEM_BYTES, check_sizes, size_over, to_wire_item

from .test_native import needs_native

Vouch = Callable[[Sequence[Any], int], int]


def vouched() -> Vouch:
    """The C bound (the module must be built)."""
    from src.services.dynamodb._native._encode import vouched

    return vouched


STORABLE = st.recursive(
    st.one_of(
        st.text(max_size=40),
        st.booleans(),
        st.none(),
        st.integers(-(10**30), 10**30),
        st.integers(-9, 99),
        st.integers(-(10**9), 10**9).map(lambda n: n / 1000),
        st.binary(min_size=1, max_size=30),
        st.sets(st.text(min_size=1, max_size=8), min_size=1, max_size=4),
        st.sets(st.integers(-999, 999), min_size=1, max_size=4),
        st.sets(st.binary(min_size=1, max_size=8), min_size=1, max_size=3),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text(max_size=6), inner, max_size=4),
    ),
    max_leaves=16,
)
ITEMS = st.lists(st.dictionaries(st.text(max_size=8), STORABLE, min_size=1, max_size=6))


@needs_native
@settings(max_examples=300, deadline=None)
@given(ITEMS, st.integers(0, 600))
def test_every_item_the_bound_vouches_for_is_within_the_limit(
    items: list[dict[str, Any]], limit: int
) -> None:
    # GIVEN any storable items as the service writes them, and any limit
    wires = [to_wire_item(item) for item in items]
    # WHEN the C bound vouches for the leading ones
    count = vouched()(wires, limit)
    # THEN each of those is within the limit by DynamoDB's rules
    assert 0 <= count <= len(wires)
    assert all(size_over(wire, limit) is None for wire in wires[:count])
    # AND with room enough, it knows every form the encoder writes
    assert vouched()(wires, 10**9) == len(wires)
    # AND it never bounds an item below its size: one byte short, it does not vouch
    for wire in wires:
        size = size_over(wire, 0)
        if size:
            assert vouched()([wire], size - 1) == 0, (wire, size)


@needs_native
@pytest.mark.parametrize(
    "wire",
    [
        {"n": {"N": "0"}},
        {"n": {"N": "7"}},
        {"n": {"N": "-12"}},
        {"b": {"B": b"xy"}},
        {"b": {"B": "eHk="}},
        {"f": {"BOOL": True}},
        {"z": {"NULL": True}},
        {"s": {"SS": ["a", "bc"]}},
        {"s": {"NS": ["1", "2"]}},
        {"s": {"BS": [b"z"]}},
        {"m": {"M": {"k": {"S": "v"}, "n": {"N": "5"}}}},
        {"l": {"L": [{"N": "1"}, {"S": "x"}]}},
    ],
    ids=repr,
)
def test_the_bound_of_every_tag_is_at_least_its_size(wire: dict[str, Any]) -> None:
    # GIVEN a wire item of one tag, and its size by DynamoDB's rules
    size = size_over(wire, 0)
    assert size is not None
    # THEN the bound vouches for it at a generous limit, and not one byte under its size
    assert vouched()([wire], 10**6) == 1
    assert vouched()([wire], size - 1) == 0


@needs_native
@pytest.mark.parametrize(
    ("text", "size"),
    [("x", 1), ("é", 2), ("€", 3), ("😀", 4)],
)
def test_the_bound_meets_the_limit_exactly_for_a_string(text: str, size: int) -> None:
    # GIVEN an item of one attribute, named "a", whose string is bounded by size bytes a char
    def item(chars: int) -> dict[str, Any]:
        return {"a": {"S": text * chars}}

    # THEN it is vouched for when 1 + size * chars is the limit, and not one char later
    limit = 1 + size * 10
    assert vouched()([item(10)], limit) == 1
    assert vouched()([item(11)], limit) == 0


@needs_native
@pytest.mark.parametrize(
    "wire",
    [
        "not a dict",
        {1: {"S": "a"}},
        {"a": {"S": "x", "N": "1"}},
        {"a": {}},
        {"a": {"X": "y"}},
        {"a": {"S": 1}},
        {"a": {"N": 1}},
        {"a": {"B": bytearray(b"x")}},
        {"a": {"BOOL": "yes"}},
        {"a": {"NULL": None}},
        {"a": {"SS": {"x"}}},
        {"a": {"NS": [1]}},
        {"a": {"L": ({"S": "x"},)}},
        {"a": {"L": ["x"]}},
        {"a": {"M": {1: {"S": "x"}}}},
        {"a": {"M": [{"S": "x"}]}},
        {"a": {"M": {"b": {"S": "x" * 100}}}},
        {"a": {"L": [{"S": "x" * 100}]}},
        {"a": {"SS": ["x" * 100]}},
        {"a": {"S": "x" * 50}, "b": {"S": "x" * 50}},
    ],
    ids=repr,
)
def test_the_bound_stops_at_a_form_it_does_not_know_or_an_item_over_the_limit(
    wire: Any,
) -> None:
    # GIVEN a good wire, then an odd or too big one, then a good one (limit: 64 bytes)
    good = {"a": {"S": "x"}}
    # WHEN the bound vouches THEN it stops at the second
    assert vouched()([good, wire, good], 64) == 1


@needs_native
def test_the_bound_vouches_for_no_wires_but_a_list_and_survives_deep_nesting() -> None:
    deep: dict[str, Any] = {"S": "x"}
    for _ in range(sys.getrecursionlimit() + 10):
        deep = {"L": [deep]}
    assert vouched()(({"a": {"S": "x"}},), 64) == 0
    assert vouched()([{"a": deep}], 10**9) == 0
    with pytest.raises(TypeError):
        vouched()([], "64")  # type: ignore[arg-type]


@pytest.mark.parametrize("in_c", [True, False], ids=["C bound", "Python only"])
def test_check_sizes_refuses_an_item_over_400_kb_with_or_without_the_bound(
    in_c: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the size check with the C bound (where built), or with none
    if not in_c:
        monkeypatch.setattr(_values, "_vouched", _values._vouch_for_none)
    small = to_wire_item({"pk": "a", "body": "x" * 1000})
    big = to_wire_item({"pk": "b", "blob": "é" * (MAX_ITEM_BYTES // 2 + 1)})
    # WHEN items under the limit are checked THEN they pass
    check_sizes([small, small])
    # WHEN one over it is among them THEN it is refused by its position
    with pytest.raises(ValueError, match=r"^items\[2\] is about 409609 bytes"):
        check_sizes([small, small, big, small])


def test_the_switch_turns_the_c_bound_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(_native.SWITCH, "0")
    assert _native.native_vouched() is None


def test_without_the_built_module_there_is_no_c_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(_native.SWITCH, raising=False)
    monkeypatch.setitem(sys.modules, "src.services.dynamodb._native._encode", None)
    assert _native.native_vouched() is None


@needs_native
def test_the_c_bound_is_given_when_built_and_not_switched_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(_native.SWITCH, "1")
    bound = _native.native_vouched()
    assert bound is not None
    assert bound([{"a": {"S": "x"}}], 2) == 1
