"""The collector is paused around large parses and decodes, and only then, and put back."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from src.services.dynamodb._gcpause import LARGE_BODY, LARGE_PAGE, each, loads, whole


@pytest.fixture
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def _watching() -> tuple[list[bool], Any]:
    seen: list[bool] = []

    def decode(value: Any) -> Any:
        seen.append(gc.isenabled())
        return value

    return seen, decode


@pytest.mark.usefixtures("collector_on")
def test_a_large_page_is_decoded_with_the_collector_paused_then_resumed() -> None:
    # GIVEN a decoder that notes whether the collector runs
    seen, decode = _watching()
    # WHEN a large page and a small one are decoded
    assert each(decode, list(range(LARGE_PAGE))) == list(range(LARGE_PAGE))
    assert each(decode, [1, 2]) == [1, 2]
    # THEN only the large one was decoded paused, and the collector is back on
    assert seen == [False] * LARGE_PAGE + [True, True]
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_on")
def test_the_collector_comes_back_when_decoding_fails() -> None:
    def fail(value: Any) -> Any:
        raise ValueError("bad item")

    with pytest.raises(ValueError, match="bad item"):
        each(fail, list(range(LARGE_PAGE)))
    with pytest.raises(ValueError, match="bad item"):
        whole(fail, None, LARGE_PAGE)
    assert gc.isenabled()


def test_a_collector_the_application_turned_off_stays_off() -> None:
    seen, decode = _watching()
    was = gc.isenabled()
    gc.disable()
    try:
        each(decode, list(range(LARGE_PAGE)))
        whole(decode, None, LARGE_PAGE)
        loads(b"[" + b"1," * LARGE_BODY + b"1]")
        assert not gc.isenabled()
    finally:
        if was:
            gc.enable()
    assert seen == [False] * (LARGE_PAGE + 1)


@pytest.mark.usefixtures("collector_on")
def test_a_whole_page_is_validated_paused_when_it_is_large() -> None:
    seen, decode = _watching()
    assert whole(decode, "page", LARGE_PAGE) == "page"
    assert whole(decode, "page", LARGE_PAGE - 1) == "page"
    assert seen == [False, True]


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
