"""The collector is paused while the core takes a step and while a large body is parsed,
only then, and always put back; the caller's own code runs with it on."""

from __future__ import annotations

import gc
from collections.abc import Generator, Iterator
from typing import Any

import orjson
import pytest
from pydantic import BaseModel, field_validator

from src.services.dynamodb._gcpause import LARGE_BODY, advance, loads
from src.services.dynamodb.dynamodb_service import DynamoDBService


@pytest.fixture
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def _steps(seen: list[bool]) -> Generator[str, Any, str]:
    """A core operation in miniature: notes whether the collector runs at each step."""
    seen.append(gc.isenabled())
    try:
        outcome = yield "call"
    except ValueError:
        seen.append(gc.isenabled())
        raise
    seen.append(gc.isenabled())
    return f"done with {outcome}"


@pytest.mark.usefixtures("collector_on")
def test_each_step_runs_paused_and_the_collector_comes_back() -> None:
    # GIVEN an operation's steps
    seen: list[bool] = []
    steps = _steps(seen)
    # WHEN it is started, and handed its call's outcome
    assert advance(steps) == "call"
    assert gc.isenabled()
    with pytest.raises(StopIteration) as finished:
        advance(steps, "the response")
    # THEN both steps ran paused, and the collector is on between and after them
    assert finished.value.value == "done with the response"
    assert seen == [False, False]
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_on")
def test_the_collector_comes_back_when_a_step_fails() -> None:
    seen: list[bool] = []
    steps = _steps(seen)
    advance(steps)
    with pytest.raises(ValueError, match="refused"):
        advance(steps, None, ValueError("refused"))
    assert seen == [False, False]
    assert gc.isenabled()


def test_a_collector_the_application_turned_off_stays_off() -> None:
    seen: list[bool] = []
    was = gc.isenabled()
    gc.disable()
    try:
        steps = _steps(seen)
        advance(steps)
        with pytest.raises(StopIteration):
            advance(steps, 1)
        loads(b"[" + b"1," * LARGE_BODY + b"1]")
        assert not gc.isenabled()
    finally:
        if was:
            gc.enable()
    assert seen == [False, False]


@pytest.mark.usefixtures("collector_on")
def test_a_large_body_is_parsed_paused(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN orjson's parser, watched
    seen: list[bool] = []
    real = orjson.loads

    def watched(body: Any) -> Any:
        seen.append(gc.isenabled())
        return real(body)

    monkeypatch.setattr(orjson, "loads", watched)  # the module _gcpause calls it on
    large = orjson.dumps({"Items": ["x" * LARGE_BODY]})
    # WHEN a large body and a small one are parsed THEN both parse as orjson parses them
    assert loads(large) == real(large)
    assert loads(b'{"Item": {}}') == {"Item": {}}
    # AND only the large one was parsed paused
    assert seen == [False, True]
    assert gc.isenabled()


VALIDATED: list[bool] = []


class Watched(BaseModel):
    pk: str
    sk: int

    @field_validator("pk")
    @classmethod
    def _note(cls, value: str) -> str:
        VALIDATED.append(gc.isenabled())
        return value


@pytest.mark.usefixtures("collector_on")
def test_a_service_reads_paused_and_hands_items_over_with_the_collector_on(
    service: DynamoDBService, table: str
) -> None:
    # GIVEN stored items
    service.batch_write_items([{"pk": "a", "sk": n} for n in range(3)], table)
    VALIDATED.clear()
    # WHEN they are streamed into models, the caller checking the collector per item
    stream = service.iter_query("pk = :p", {":p": "a"}, table, model=Watched)
    between = [gc.isenabled() for _ in stream]
    # THEN validation ran in the core's step, paused, and the caller's loop ran with it on
    assert VALIDATED == [False, False, False]
    assert between == [True, True, True]
    assert gc.isenabled()
