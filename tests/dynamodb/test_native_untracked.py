"""What the C encoder makes is left untracked by the cyclic collector, and stays sound.

A batch's wire items are plain data with no cycle; left tracked, 10,000 items made
50,000 containers that the next young collection walked. ``DYNAMODB_SERVICE_NATIVE=0``
(the sync-only run) turns the C module off, and then only the pure-Python checks run.
"""

from __future__ import annotations

import gc
import logging
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from src.services.dynamodb import _native
from src.services.dynamodb._driver import Core
from src.services.dynamodb._protocol import Call, Fanout, Steps
from src.services.dynamodb._values import (
    _to_wire_item,
    _wrapped,
    plain_wire,
    to_wire_item,
    wrapped,
)
from src.services.dynamodb.dynamodb_models import DynamoDBConfig

from .conftest import ATTRIBUTES, KEY_SCHEMA, TABLE
from .test_native import encoded, needs_native, nested

C_SCALARS = st.one_of(
    st.text(max_size=6),
    st.booleans(),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(min_value=-1e120, max_value=1e120).filter(lambda f: f == 0 or abs(f) > 1e-120),
    st.none(),
)
C_ITEMS = st.dictionaries(st.text(max_size=4), nested(C_SCALARS), min_size=1, max_size=6)
"""Items of only the values the C encoder writes itself."""


def containers(value: Any) -> Iterator[Any]:
    """``value`` and every dict and list inside it."""
    if isinstance(value, dict | list):
        yield value
        for inner in value.values() if isinstance(value, dict) else value:
            yield from containers(inner)


def tracked(value: Any) -> list[Any]:
    """The containers in ``value`` that the cyclic collector tracks."""
    return [found for found in containers(value) if gc.is_tracked(found)]


@needs_native
@settings(max_examples=300, deadline=None)
@given(C_ITEMS)
def test_what_the_c_encoder_writes_holds_no_tracked_container(item: dict[str, Any]) -> None:
    # GIVEN any item the C encoder writes itself WHEN it writes it
    wire = encoded()(item, "item")
    # THEN no dict or list in the result costs the collector a pass
    assert tracked(wire) == []


@needs_native
def test_a_wire_item_that_is_changed_is_tracked_again() -> None:
    # GIVEN an untracked wire item
    wire = encoded()({"a": [1, {"b": "c"}]}, "item")
    assert not gc.is_tracked(wire)
    # WHEN a container goes into it THEN CPython tracks it again, as for any dict
    wire["cycle"] = [wire]
    assert gc.is_tracked(wire)
    del wire["cycle"]


@needs_native
def test_an_item_the_python_encoder_writes_is_tracked_as_python_makes_it() -> None:
    # GIVEN an item with a set: the C encoder hands it to the Python one
    wire = encoded()({"a": {1, 2}, "b": [1]}, "item")
    # THEN its containers are as Python made them: tracked
    assert tracked(wire) != []


WIRES = st.lists(st.one_of(C_ITEMS.map(lambda item: encoded()(item, "item")), C_ITEMS), max_size=5)


@needs_native
@settings(max_examples=200, deadline=None)
@given(WIRES, st.sampled_from([("PutRequest", "Item"), ("DeleteRequest", "Key")]))
def test_wrapped_makes_the_python_requests_untracked_exactly_where_the_wire_is(
    wires: list[Any], names: tuple[str, str]
) -> None:
    # GIVEN wires, some untracked (the C encoder's), some tracked (a caller's plain dicts)
    from src.services.dynamodb._native._encode import wrapped as native

    # WHEN the C function wraps them THEN the same requests as Python's
    requests = native(wires, *names)
    assert requests == _wrapped(wires, *names)
    # AND a request is untracked, inside and out, exactly when its wire is
    for request, wire in zip(requests, wires, strict=True):
        inner = request[names[0]]
        assert inner[names[1]] is wire
        assert gc.is_tracked(request) == gc.is_tracked(inner) == gc.is_tracked(wire)


@needs_native
@pytest.mark.parametrize(
    "args",
    [(), ([],), ((), "PutRequest", "Item"), ([], b"PutRequest", "Item"), ([], "a", 1)],
    ids=repr,
)
def test_wrapped_refuses_what_it_is_not_made_for(args: tuple[Any, ...]) -> None:
    from src.services.dynamodb._native._encode import wrapped as native

    with pytest.raises(TypeError, match="wrapped"):
        native(*args)


@needs_native
def test_wrapping_keeps_no_reference_to_what_it_wrapped() -> None:
    from src.services.dynamodb._native._encode import wrapped as native

    wire = encoded()({"a": 1}, "item")
    before = sys.getrefcount(wire)
    for _ in range(1000):
        native([wire], "PutRequest", "Item")
    assert sys.getrefcount(wire) == before


@needs_native
def test_the_service_wraps_in_c_when_it_is_built() -> None:
    assert type(wrapped).__name__ == "builtin_function_or_method"
    assert type(to_wire_item).__name__ == "Encoder"


def fanned(steps: Steps[None]) -> list[Call]:
    """The calls of a batch write's first fan-out, the table described as pk/sk."""
    instruction = next(steps)
    while not isinstance(instruction, Fanout):
        described = {"Table": {"KeySchema": KEY_SCHEMA, "AttributeDefinitions": ATTRIBUTES}}
        instruction = steps.send(described)
    steps.close()
    return list(instruction.calls)


@needs_native
@pytest.mark.parametrize("verb", ["batch_write_items", "batch_delete_items"])
def test_a_batchs_write_requests_are_never_walked_by_the_collector(
    logger: logging.Logger, config: DynamoDBConfig, verb: str
) -> None:
    # GIVEN a thousand items with a list and a map in each (keys are items too)
    items = [{"pk": f"p{i}", "sk": i, "tags": ["a", "b"], "m": {"x": 1.5}} for i in range(1000)]
    if verb == "batch_delete_items":
        items = [{"pk": item["pk"], "sk": item["sk"]} for item in items]
    # WHEN the core makes the batch's requests
    calls = fanned(getattr(Core(logger, config), verb)(items))
    # THEN every write request in them is untracked, to its leaves
    requests = [r for call in calls for r in call.params["RequestItems"][TABLE]]
    assert len(requests) == 1000
    assert [r for r in requests if tracked(r)] == []


def test_the_python_requests_are_the_plain_shape() -> None:
    assert _wrapped([{"a": {"S": "x"}}], "DeleteRequest", "Key") == [
        {"DeleteRequest": {"Key": {"a": {"S": "x"}}}}
    ]


def test_the_switch_turns_c_wrapping_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(_native.SWITCH, "0")
    assert _native.native_wrapped() is None


@needs_native
def test_c_wrapping_is_there_when_built_and_not_switched_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(_native.SWITCH, "1")
    made = _native.native_wrapped()
    assert made is not None
    assert made([{"a": {"S": "x"}}], "PutRequest", "Item") == [
        {"PutRequest": {"Item": {"a": {"S": "x"}}}}
    ]


class Order(BaseModel):
    """A model of plain values: its dump is written by the C encoder."""

    pk: str
    sk: int
    tags: list[str]
    lines: dict[str, float]
    note: str | None = None


@needs_native
def test_a_models_plain_dump_is_written_in_c_and_left_untracked() -> None:
    # GIVEN a model of plain values
    order = Order(pk="o1", sk=2, tags=["a", "b"], lines={"x": 1.5})
    # WHEN the service writes it THEN as the Python encoder writes its dump, untracked
    wire = to_wire_item(order)
    assert wire == _to_wire_item(order.model_dump(exclude_none=True))
    assert tracked(wire) == []
    assert type(plain_wire).__name__ == "Encoder"


def test_a_dump_the_encoder_refuses_is_left_to_the_models_conversion() -> None:
    # GIVEN a dump with a value DynamoDB cannot hold as it is, and an empty one
    # THEN there is no plain wire form of either but the empty one (converted later)
    assert plain_wire({"when": object()}) is None
    assert plain_wire({}) == {}
