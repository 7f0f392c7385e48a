"""The async pool's slots: a bound on calls in use, first come first served, cancel-safe."""

from __future__ import annotations

import asyncio

import pytest

from src.services.dynamodb._wire.async_pool import Slots

pytestmark = [pytest.mark.async_twin, pytest.mark.anyio]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def _turns(count: int = 3) -> None:
    """Let every task that can run, run."""
    for _ in range(count):
        await asyncio.sleep(0)


async def test_free_slots_are_taken_without_waiting_and_given_back() -> None:
    # GIVEN two slots
    slots = Slots(2, asyncio.get_running_loop())
    # WHEN three calls try to take one
    taken = [slots.take(), slots.take(), slots.take()]
    # THEN two get one at once, the third must wait, and a slot given back is free again
    assert taken == [True, True, False]
    slots.give()
    assert slots.free == 1


async def test_waiters_get_slots_in_the_order_they_came() -> None:
    # GIVEN one slot, taken, and three calls waiting for it
    slots = Slots(1, asyncio.get_running_loop())
    assert slots.take()
    served: list[int] = []

    async def call(number: int) -> None:
        await slots.wait()
        served.append(number)

    tasks = [asyncio.create_task(call(number)) for number in range(3)]
    await _turns()
    # WHEN the slot is given back three times
    for _ in range(3):
        slots.give()
        await _turns()
    # THEN each waiter had it in turn, handed straight over: never free in between
    assert served == [0, 1, 2]
    assert slots.free == 0
    await asyncio.gather(*tasks)


async def test_a_waiter_cancelled_while_waiting_is_skipped() -> None:
    # GIVEN one slot, taken, a waiter that is cancelled, and one that still waits
    slots = Slots(1, asyncio.get_running_loop())
    assert slots.take()
    gone = asyncio.create_task(slots.wait())
    waiting = asyncio.create_task(slots.wait())
    await _turns()
    gone.cancel()
    await _turns()
    # WHEN the slot is given back
    slots.give()
    await _turns()
    # THEN the waiter still waiting has it
    assert gone.cancelled()
    assert waiting.done() and not waiting.cancelled()
    assert slots.free == 0


async def test_a_slot_handed_to_a_call_cancelled_at_that_moment_is_passed_on() -> None:
    # GIVEN one slot, taken, and two calls waiting for it
    slots = Slots(1, asyncio.get_running_loop())
    assert slots.take()
    first = asyncio.create_task(slots.wait())
    second = asyncio.create_task(slots.wait())
    await _turns()
    # WHEN the slot is handed to the first, which is cancelled before it runs again
    slots.give()
    first.cancel()
    await _turns()
    # THEN the first is cancelled, and the slot went on to the second
    assert first.cancelled()
    assert second.done() and not second.cancelled()
    # AND with nobody left waiting, a slot given back is free again
    slots.give()
    assert slots.free == 1
