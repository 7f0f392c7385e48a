"""``python -m bench.wake``: what one piece of work costs just after the process slept.

A client that waits on the network sleeps between calls: about 10 ms for each of a batch
write's requests to DynamoDB Local here. This script times the same work three ways: in a
loop with no sleep, as the first call after sleeping, and as the second call after that
sleep. On this machine (2 cores, AMD EPYC under a hypervisor) the first call after 5 ms or
more of sleep costs two to three times the warm loop's figure; hashing is warm again by
the second call, while parsing and decoding, which allocate, stay slower for it too. Busy
waiting between the wake-up and the work (``--spin-us``) does not remove it. Work in a
real run therefore costs several times its warm microbenchmark, the more so the more
memory (data, and the interpreter's own code and objects) a call touches after each
wake-up.

The work: SHA-256 of a 27 KB body (a batch write's signing hashes one), orjson parsing a
100-item page of 1 KB DynamoDB JSON items, and the service's decoder on those items.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import time
from collections.abc import Callable
from typing import Any

import orjson

from src.services.dynamodb._values import item_decoder

ITEM = {
    "pk": {"S": "p"},
    "sk": {"S": "000001"},
    "seq": {"N": "1"},
    "active": {"BOOL": True},
    "tags": {"L": [{"S": "tag1"}, {"S": "group1"}, {"S": "bench"}]},
    "body": {"S": "x" * 930},
}


def works() -> dict[str, Callable[[], Any]]:
    """The pieces of work, each a call with no argument."""
    body = bytes(range(256)) * 105  # 26,880 bytes
    page = orjson.dumps({"Items": [ITEM] * 100, "Count": 100})
    items = orjson.loads(page)["Items"]
    decode = item_decoder("native")
    for item in items[:5]:
        decode(item)  # the decoder compiles the items' shape on an early sighting
    return {
        "sha256 of 27 KB": lambda: hashlib.sha256(body).digest(),
        "orjson: 100-item page": lambda: orjson.loads(page),
        "decode 100 items": lambda: [decode(item) for item in items],
    }


def timed(work: Callable[[], Any]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def spin(seconds: float) -> None:
    """Busy-wait: keep the core running without touching the work's memory."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def after_sleep(
    work: Callable[[], Any], seconds: float, repeats: int, spun: float
) -> tuple[float, float]:
    """Median µs of the first and second call after sleeping ``seconds`` (then spinning)."""
    firsts, seconds_ = [], []
    for _ in range(repeats):
        time.sleep(seconds)
        spin(spun)
        firsts.append(timed(work))
        seconds_.append(timed(work))
    return statistics.median(firsts) * 1e6, statistics.median(seconds_) * 1e6


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.wake", description=__doc__)
    parser.add_argument("--sleep-ms", type=float, nargs="+", default=[0.1, 1.0, 5.0, 20.0])
    parser.add_argument("--repeats", type=int, default=60, help="sleeps per figure (60)")
    parser.add_argument("--spin-us", type=float, default=0.0, help="busy-wait after each sleep")
    args = parser.parse_args(argv)
    print(
        "| work | warm loop µs | "
        + " | ".join(f"after {ms:g} ms: 1st, 2nd" for ms in args.sleep_ms)
        + " |"
    )
    print("| --- | ---: |" + " ---: |" * len(args.sleep_ms))
    for name, work in works().items():
        warm = statistics.median(timed(work) for _ in range(args.repeats)) * 1e6
        cells = []
        for ms in args.sleep_ms:
            first, second = after_sleep(work, ms / 1e3, args.repeats, args.spin_us / 1e6)
            cells.append(f"{first:.0f}, {second:.0f}")
        print(f"| {name} | {warm:.0f} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
