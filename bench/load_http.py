"""The HTTP side of ``bench.load``: a conformance check, the seeded mix, the timed drive.

Both apps must answer the issue's routes with the same statuses before they are
measured; then 64 tasks, each with its own ``httpx.AsyncClient`` and connection, send
requests from one seeded stream until the time is up.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import ssl
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

PAGE_LIMIT = 10
MIX: dict[str, float] = {"get user": 0.70, "orders page": 0.20, "create order": 0.10}
"""The seeded mix: 70% GET a user, 20% GET a page of their orders, 10% POST an order."""

Request = tuple[str, str, str, dict[str, Any] | None, int]
"""(kind, method, path, JSON body, expected status)."""


class ConformanceError(RuntimeError):
    """An app answered one of the issue's routes with the wrong status."""


@dataclass
class Drive:
    """What one timed drive measured."""

    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    by_kind: dict[str, list[float]] = field(default_factory=dict)
    errors: Counter[str] = field(default_factory=Counter)

    @property
    def requests_per_second(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


def user_id(n: int) -> str:
    return f"u{n:06d}"


def requests(seed: int, users: int) -> Iterator[Request]:
    """Yield the seeded mix forever: the same sequence for every app."""
    rng = random.Random(seed)
    kinds, weights = list(MIX), list(MIX.values())
    while True:
        kind = rng.choices(kinds, weights)[0]
        user = user_id(rng.randrange(users))
        if kind == "get user":
            yield kind, "GET", f"/users/{user}", None, 200
        elif kind == "orders page":
            yield kind, "GET", f"/users/{user}/orders?limit={PAGE_LIMIT}", None, 200
        else:
            body = {"item": f"item-{rng.randrange(100)}", "quantity": rng.randint(1, 9)}
            yield kind, "POST", f"/users/{user}/orders", body, 201


async def drive(
    base_url: str, seconds: float, connections: int, stream: Iterator[Request]
) -> Drive:
    """Send requests from ``stream`` on ``connections`` connections for ``seconds``.

    Each connection is a task with an ``httpx.AsyncClient`` of its own (one kept-alive
    connection), made before the clock starts, all sharing one SSL context (httpx builds
    one per client otherwise). One client with a 64-connection pool spends several times
    the CPU per request (12 ms against 2 ms on this machine), and the driver shares the
    machine's cores with the apps and DynamoDB Local.
    """
    result = Drive()
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    context = ssl.create_default_context()
    async with contextlib.AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(
                httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30.0, verify=context)
            )
            for _ in range(connections)
        ]
        started = time.perf_counter()
        deadline = started + seconds

        async def worker(client: httpx.AsyncClient) -> None:
            while time.perf_counter() < deadline:
                kind, method, path, body, expected = next(stream)
                outcome, elapsed = await _one(client, method, path, body, expected)
                result.latencies.append(elapsed)
                result.by_kind.setdefault(kind, []).append(elapsed)
                if outcome is not None:
                    result.errors[f"{kind}: {outcome}"] += 1

        await asyncio.gather(*(worker(client) for client in clients))
        result.seconds = time.perf_counter() - started
    return result


async def _one(
    client: httpx.AsyncClient, method: str, path: str, body: dict[str, Any] | None, expected: int
) -> tuple[str | None, float]:
    """Send one request; return (what went wrong or None, seconds it took)."""
    sent = time.perf_counter()
    try:
        response = await client.request(method, path, json=body)
        got = response.status_code
        outcome = None if got == expected else str(got)
    except httpx.HTTPError as error:
        outcome = type(error).__name__
    return outcome, time.perf_counter() - sent


async def _expect(client: httpx.AsyncClient, status: int, method: str, path: str, **kw: Any) -> Any:
    response = await client.request(method, path, **kw)
    if response.status_code != status:
        raise ConformanceError(
            f"{client.base_url}: {method} {path} answered {response.status_code}, not {status}:"
            f" {response.text[:200]}"
        )
    return response.json() if response.content else None


async def conformance(base_url: str) -> None:
    """Walk every route and status of the issue once; raise ``ConformanceError`` on a miss."""
    user = {"id": "conformance", "name": "C", "email": "c@example.com"}
    async with httpx.AsyncClient(base_url=base_url, timeout=10.0) as client:
        await _expect(client, 200, "GET", "/healthz")
        await _expect(client, 201, "POST", "/users", json=user)
        await _expect(client, 409, "POST", "/users", json=user)
        await _expect(client, 200, "GET", "/users/conformance")
        await _expect(client, 404, "GET", "/users/nobody")
        patch: dict[str, Any] = {"json": {"name": "D"}, "headers": {"If-Match": "1"}}
        await _expect(client, 200, "PATCH", "/users/conformance", **patch)
        await _expect(client, 412, "PATCH", "/users/conformance", **patch)
        for n in (1, 2):
            order = {"json": {"item": f"i{n}", "quantity": n}}
            await _expect(client, 201, "POST", "/users/conformance/orders", **order)
        await _expect(
            client, 404, "POST", "/users/nobody/orders", json={"item": "i", "quantity": 1}
        )
        page = await _expect(client, 200, "GET", "/users/conformance/orders?limit=1")
        rest = await _expect(client, 200, "GET", f"/users/conformance/orders?cursor={page['next']}")
        if [o["quantity"] for o in page["items"] + rest["items"]] != [1, 2]:
            raise ConformanceError(f"{base_url}: the page walk lost or repeated an order")
        await _expect(client, 400, "GET", "/users/conformance/orders?cursor=garbage")
        await _expect(client, 204, "DELETE", "/users/conformance")
        await _expect(client, 404, "DELETE", "/users/conformance")
