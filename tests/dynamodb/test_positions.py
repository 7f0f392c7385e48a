"""``positions``: its one-step read of string keys equals the checked read, on any wire."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from src.services.dynamodb._batching import positions
from src.services.dynamodb._keys import KeySchema, KeySchemaError
from src.services.dynamodb._values import key_fingerprint

SCHEMAS = [
    KeySchema(("pk",), ("S",)),
    KeySchema(("pk", "sk"), ("S", "S")),
    KeySchema(("sk", "pk"), ("S", "S")),  # hash key sorting after the range key
    KeySchema(("pk", "sk"), ("S", "N")),
]


def _reference(
    wires: Sequence[Mapping[str, Any]], schema: KeySchema, *, key_only: bool, what: str
) -> dict[Hashable, int]:
    """The checked read, one wire at a time: ``schema.check``, then ``key_fingerprint``."""
    found: dict[Hashable, int] = {}
    names = sorted(schema.names)
    for index, wire in enumerate(wires):
        schema.check(wire, f"{what}[{index}]", key_only=key_only)
        first = found.setdefault(key_fingerprint(wire, names), index)
        if first != index and not key_only:
            raise KeySchemaError(f"{what}[{index}] has the same primary key as {what}[{first}]")
    return found


_values = st.one_of(
    st.builds(lambda text: {"S": text}, st.sampled_from(["", "a", "b", "é"])),
    st.builds(lambda text: {"N": text}, st.sampled_from(["1", "1.0", "2"])),
    st.just({"S": "a", "N": "1"}),
    st.just({}),
    st.just("a"),
)
_wires = st.lists(
    st.dictionaries(st.sampled_from(["pk", "sk", "data"]), _values, max_size=3),
    max_size=6,
)


def _outcome(call: Any) -> Any:
    try:
        return call()
    except KeySchemaError as error:
        return ("KeySchemaError", str(error))


@settings(max_examples=400, deadline=None)
@given(
    wires=_wires,
    schema=st.sampled_from(SCHEMAS),
    key_only=st.booleans(),
)
# Every way out of the one-step read, for certain: not a dict, two tags, no S, an empty S.
@example(wires=[{"pk": "a"}, {"pk": {"S": "a", "N": "1"}}], schema=SCHEMAS[0], key_only=False)
@example(wires=[{"pk": {"N": "1"}}], schema=SCHEMAS[0], key_only=False)
@example(wires=[{"pk": {"S": ""}}], schema=SCHEMAS[0], key_only=False)
@example(wires=[{"pk": {"S": "a"}}, {"pk": {"S": "a"}}], schema=SCHEMAS[0], key_only=False)
@example(wires=[{"pk": {"S": "a"}, "sk": "b"}], schema=SCHEMAS[1], key_only=False)
@example(wires=[{"pk": {"S": "a"}, "sk": {"S": "b", "N": "1"}}], schema=SCHEMAS[1], key_only=False)
def test_positions_equal_the_checked_read_result_for_result_and_error_for_error(
    wires: list[dict[str, Any]], schema: KeySchema, key_only: bool
) -> None:
    # GIVEN any wires, well-formed or not, against string and mixed key schemas
    # WHEN positions reads them, and the checked read reads them
    found = _outcome(lambda: positions(wires, schema, key_only=key_only, what="items"))
    expected = _outcome(lambda: _reference(wires, schema, key_only=key_only, what="items"))

    # THEN both give the same positions, or the same refusal
    assert found == expected


@pytest.mark.parametrize(
    ("wire", "message"),
    [
        ({"pk": {"S": "a"}}, "items[1] lacks the key attribute(s) ['sk']"),
        ({"pk": {"S": ""}, "sk": {"S": "b"}}, "items[1]: key attribute 'pk' is empty"),
        ({"pk": {"S": "a"}, "sk": {"N": "1"}}, "items[1]: key attribute 'sk' must be S, not N"),
        ({"pk": {"S": "x"}, "sk": {"S": "y"}}, "items[1] has the same primary key as items[0]"),
    ],
)
def test_a_refused_string_key_is_named_by_its_position(wire: dict[str, Any], message: str) -> None:
    # GIVEN a good item, then a bad one, against a key of two strings
    wires = [{"pk": {"S": "x"}, "sk": {"S": "y"}}, wire]

    # WHEN their positions are read THEN the bad one is refused by its position
    with pytest.raises(KeySchemaError) as refused:
        positions(wires, SCHEMAS[1], key_only=False, what="items")
    assert str(refused.value) == message
