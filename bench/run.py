"""``python -m bench.run``: every contender, every workload, interleaved rounds, one table.

Starts DynamoDB Local once (unless ``DYNAMODB_ENDPOINT_URL`` is set), gives every
contender its own table with the same data, runs a warm-up and checks each contender reads
the data back right, then runs the rounds and the cold starts. The Markdown table goes to
stdout, progress to stderr, everything measured to ``bench/results.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import platform
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from botocore.exceptions import ClientError

from bench.coldstart import ColdStartError, run_cold_start
from bench.data import HASH_KEY, QUERY_PARTITION, RANGE_KEY, Dataset, Keys, Sizes
from bench.pairing import paired, paired_table
from bench.peers import (
    CONCURRENCY,
    CONTENDERS,
    Contender,
    RawClient,
    make_client,
    row_to_av,
    write_all,
)
from bench.report import BASELINE, ColdSample, Results, Sample, markdown, write_json
from devtools.dynamodb_local import ENDPOINT_ENV, DynamoDBLocal

RESULTS_PATH = Path(__file__).resolve().parent / "results.json"
SCALE_ENV = "BENCH_SCALE"
TABLE_PREFIX = "bench_"
WARMUP_OPS = 50


class BenchError(RuntimeError):
    """A contender returned the wrong thing, or the run cannot go on."""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Workload:
    """One workload: what it runs, how many operations that is, how many results it expects."""

    name: str
    title: str
    ops: int
    expected: int | None
    run: Callable[[Contender], int | None]


def workloads(data: Dataset, sizes: Sizes) -> list[Workload]:
    """The issue's five workloads over ``data``; for the query an operation is one item."""
    repeats, partition = sizes.query_repeats, sizes.query_partition

    def query(contender: Contender) -> int:
        return sum(contender.query_partition(QUERY_PARTITION) for _ in range(repeats))

    return [
        Workload(
            "put_item", f"put_item x{sizes.put:,}", sizes.put, None,
            lambda c: c.put_items(data.put_items),
        ),
        Workload(
            "get_item", f"get_item x{sizes.get:,}", sizes.get, sizes.get,
            lambda c: c.get_items(data.get_keys),
        ),
        Workload(
            "query", f"query {partition:,}-item partition x{repeats} (op = item)",
            partition * repeats, partition * repeats, query,
        ),
        Workload(
            "batch_write", f"batch write {sizes.batch_write:,} items", sizes.batch_write, None,
            lambda c: c.batch_write(data.batch_items),
        ),
        Workload(
            "batch_get", f"batch get {sizes.batch_get:,} keys", sizes.batch_get,
            sizes.batch_get, lambda c: c.batch_get(data.batch_get_keys),
        ),
    ]  # fmt: skip


def warmup_workloads(data: Dataset, sizes: Sizes) -> list[Workload]:
    """The same workloads, small: connections, JIT and lazy imports warmed on both sides."""
    n = WARMUP_OPS
    put, keys = data.put_items.head(n), data.get_keys.head(min(n, sizes.put))
    batch = data.batch_items.head(2 * n)
    batch_keys = Keys.of([(row.pk, row.sk) for row in batch.rows])
    partition = sizes.query_partition
    return [
        Workload("put_item", "", len(put), None, lambda c: c.put_items(put)),
        Workload("get_item", "", len(keys), len(keys), lambda c: c.get_items(keys)),
        Workload("query", "", partition, partition, lambda c: c.query_partition(QUERY_PARTITION)),
        Workload("batch_write", "", len(batch), None, lambda c: c.batch_write(batch)),
        Workload(
            "batch_get", "", len(batch_keys), len(batch_keys), lambda c: c.batch_get(batch_keys)
        ),
    ]


def measure(contender: Contender, workload: Workload) -> Sample:
    """Run one workload once: wall time, this process's CPU time, requests sent."""
    before = Counter(contender.requests)
    gc.collect()
    wall_start, cpu_start = time.perf_counter(), time.process_time()
    got = workload.run(contender)
    cpu_end, wall_end = time.process_time(), time.perf_counter()
    if workload.expected is not None and got != workload.expected:
        raise BenchError(f"{workload.name}: got {got} results, expected {workload.expected}")
    return Sample(
        wall_s=wall_end - wall_start,
        cpu_s=cpu_end - cpu_start,
        ops=workload.ops,
        requests=dict(contender.requests - before) if contender.counts_requests else None,
    )


def concurrent_workload(data: Dataset, sizes: Sizes) -> Workload:
    """The get_item keys again, ``CONCURRENCY`` in flight at once (asyncio contenders only)."""
    title = f"get_item x{sizes.get:,}, {CONCURRENCY} concurrent tasks on one event loop"
    return Workload(
        "concurrent_get",
        title,
        sizes.get,
        sizes.get,
        lambda c: c.concurrent_gets(data.get_keys, CONCURRENCY),
    )


def rotated(items: list[Contender], by: int) -> list[Contender]:
    """``items`` starting at position ``by``: nobody always runs first or last."""
    shift = by % len(items) if items else 0
    return items[shift:] + items[:shift]


class Bench:
    """One run: the contenders, their tables, and everything measured."""

    def __init__(self, endpoint: str, sizes: Sizes, data: Dataset, results: Results) -> None:
        self.endpoint = endpoint
        self.sizes = sizes
        self.data = data
        self.results = results
        self.contenders: list[Contender] = []

    def table_for(self, key: str) -> str:
        return f"{TABLE_PREFIX}{key}"

    def construct(self, only: set[str] | None) -> None:
        for cls in CONTENDERS:
            if only is not None and cls.key not in only and cls.key != BASELINE:
                continue
            self.results.labels[cls.key] = cls.label
            if cls.typed:
                self.results.typed[cls.key] = cls.dict_twin
            unavailable = cls.unavailable()
            if unavailable is not None:
                self.results.skipped[cls.key] = unavailable
                log(f"note: skipping {cls.label}: {unavailable}")
                continue
            try:
                contender = cls(self.endpoint, self.table_for(cls.key))
            except Exception as error:
                if cls is RawClient:
                    raise
                reason = f"{type(error).__name__}: {error}"
                self.results.skipped[cls.key] = reason
                log(f"note: skipping {cls.label}: {reason}")
                continue
            self.contenders.append(contender)

    def create_tables(self) -> None:
        """Every contender's table, fresh, with the query partition already in it."""
        client = make_client(self.endpoint)
        try:
            for contender in self.contenders:
                with contextlib.suppress(client.exceptions.ResourceNotFoundException):
                    client.delete_table(TableName=contender.table)
                    client.get_waiter("table_not_exists").wait(
                        TableName=contender.table, WaiterConfig={"Delay": 1}
                    )
                client.create_table(
                    TableName=contender.table,
                    KeySchema=[
                        {"AttributeName": HASH_KEY, "KeyType": "HASH"},
                        {"AttributeName": RANGE_KEY, "KeyType": "RANGE"},
                    ],
                    AttributeDefinitions=[
                        {"AttributeName": HASH_KEY, "AttributeType": "S"},
                        {"AttributeName": RANGE_KEY, "AttributeType": "S"},
                    ],
                    BillingMode="PAY_PER_REQUEST",
                )
                client.get_waiter("table_exists").wait(
                    TableName=contender.table, WaiterConfig={"Delay": 1}
                )
                write_all(
                    client,
                    contender.table,
                    [
                        {"PutRequest": {"Item": row_to_av(row)}}
                        for row in self.data.query_items.rows
                    ],
                )
        finally:
            client.close()

    def drop_tables(self) -> None:
        client = make_client(self.endpoint)
        try:
            for contender in self.contenders:
                with contextlib.suppress(ClientError):
                    client.delete_table(TableName=contender.table)
        finally:
            client.close()

    def fail(self, contender: Contender, error: Exception) -> None:
        """Take a contender out of the run (the baseline cannot be taken out)."""
        if contender.key == BASELINE:
            raise error
        reason = f"{type(error).__name__}: {error}"
        self.results.failed[contender.key] = reason
        self.contenders.remove(contender)
        log(f"note: {contender.label} failed and is dropped from the run: {reason}")

    def warm_up(self) -> None:
        """Small workloads for everyone, then check each reads the same item back."""
        expected = self.data.query_items.dicts[0]
        for contender in list(self.contenders):
            try:
                for workload in warmup_workloads(self.data, self.sizes):
                    measure(contender, workload)
                if contender.is_async:
                    keys = self.data.get_keys.head(WARMUP_OPS)
                    found = contender.concurrent_gets(keys, CONCURRENCY)
                    if found != len(keys):
                        raise BenchError(f"concurrent get found {found} of {len(keys)}")
                got = contender.read_one(expected[HASH_KEY], expected[RANGE_KEY])
                if got != expected:
                    raise BenchError(f"read back {got!r}, expected {expected!r}")
            except Exception as error:  # noqa: BLE001 - reported, and the run goes on
                self.fail(contender, error)

    def run_rounds(self, rounds: int) -> None:
        for r in range(rounds):
            log(f"round {r + 1}/{rounds}")
            for workload in workloads(self.data, self.sizes):
                per_round = self.results.rounds.setdefault(workload.name, [])
                samples: dict[str, Sample] = {}
                for contender in rotated(self.contenders, r):
                    try:
                        samples[contender.key] = measure(contender, workload)
                    except Exception as error:  # noqa: BLE001 - reported, and the run goes on
                        self.fail(contender, error)
                        continue
                    sample = samples[contender.key]
                    log(f"  {workload.name:<12} {contender.label:<32} {sample.wall_s:7.3f} s")
                per_round.append(samples)
            self.run_concurrent(r)

    def run_concurrent(self, r: int) -> None:
        """The concurrent workload, for the contenders that can run it, order rotated."""
        workload = concurrent_workload(self.data, self.sizes)
        samples: dict[str, Sample] = {}
        for contender in rotated([c for c in self.contenders if c.is_async], r):
            try:
                samples[contender.key] = measure(contender, workload)
            except Exception as error:  # noqa: BLE001 - reported, and the run goes on
                self.fail(contender, error)
                continue
            log(
                f"  {'concurrent':<12} {contender.label:<32} {samples[contender.key].wall_s:7.3f} s"
            )
        self.results.concurrent.append(samples)

    def run_cold_starts(self, runs: int) -> None:
        pk, sk = self.data.cold_start_key
        classes = [type(c) for c in self.contenders if c.cold_starts] if runs > 0 else []
        for cls in list(classes):  # untimed first run each: bytecode written, files cached
            try:
                run_cold_start(cls, self.endpoint, self.table_for(cls.key), pk, sk)
            except ColdStartError as error:
                if cls is RawClient:
                    raise
                self.results.failed[cls.key] = str(error)
                classes.remove(cls)
                log(f"note: {cls.label} has no cold-start figures: {error}")
        for r in range(runs):
            log(f"cold start {r + 1}/{runs}")
            samples: dict[str, ColdSample] = {}
            for cls in classes[r % len(classes) :] + classes[: r % len(classes)]:
                table = self.table_for(cls.key)
                samples[cls.key] = run_cold_start(cls, self.endpoint, table, pk, sk)
            self.results.cold.append(samples)

    def close(self) -> None:
        for contender in self.contenders:
            with contextlib.suppress(Exception):
                contender.close()


def package_versions() -> dict[str, str]:
    found: dict[str, str] = {}
    for name in (
        "boto3",
        "botocore",
        "orjson",
        "pynamodb",
        "aiodynamo",
        "httpx",
        "aioboto3",
        "aiobotocore",
        "pydynox",
        "dyntastic",
        "pydantic",
    ):
        with contextlib.suppress(PackageNotFoundError):
            found[name] = version(name)
    return found


@contextlib.contextmanager
def dynamodb_endpoint() -> Iterator[tuple[str, str]]:
    """``DYNAMODB_ENDPOINT_URL`` if set, else a DynamoDB Local started for this run."""
    external = os.environ.get(ENDPOINT_ENV)
    if external:
        yield external, f"DynamoDB at {ENDPOINT_ENV}"
        return
    log("starting DynamoDB Local")
    with DynamoDBLocal() as server:
        yield server.endpoint_url, "DynamoDB Local (in memory, started by the run)"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument(
        "--scale",
        type=float,
        default=float(os.environ.get(SCALE_ENV, "1")),
        help=f"multiply every workload's size (default 1, or ${SCALE_ENV}); 0.1 for a quick run",
    )
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    parser.add_argument("--cold-runs", type=int, default=5, help="cold-start runs (default 5)")
    parser.add_argument(
        "--only",
        default=None,
        help="comma-separated contender keys to run (the raw client always runs): "
        + ", ".join(cls.key for cls in CONTENDERS),
    )
    parser.add_argument("--output", type=Path, default=RESULTS_PATH, help="the JSON file")
    args = parser.parse_args(argv)
    if args.scale <= 0 or args.rounds < 1 or args.cold_runs < 0:
        parser.error("--scale must be > 0, --rounds >= 1 and --cold-runs >= 0")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    sizes = Sizes.scaled(args.scale)
    data = Dataset.build(sizes)
    only = None if args.only is None else {key.strip() for key in args.only.split(",")}
    with dynamodb_endpoint() as (endpoint, endpoint_kind):
        results = Results(
            meta={
                "scale": args.scale,
                "rounds": args.rounds,
                "cold_runs": args.cold_runs,
                "sizes": asdict(sizes),
                "endpoint_kind": endpoint_kind,
                "machine": f"{platform.machine()}, {os.cpu_count()} cores",
                "python": platform.python_version(),
                "versions": package_versions(),
                "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
            },
            labels={},
            titles={w.name: w.title for w in workloads(data, sizes)},
            concurrent_title=concurrent_workload(data, sizes).title,
            expected_batch_write_requests=sizes.expected_batch_write_requests,
        )
        bench = Bench(endpoint, sizes, data, results)
        try:
            bench.construct(only)
            log("creating tables and loading the query partition")
            bench.create_tables()
            log("warming up")
            bench.warm_up()
            bench.run_rounds(args.rounds)
            bench.run_cold_starts(args.cold_runs)
        finally:
            bench.close()
            if os.environ.get(ENDPOINT_ENV):
                bench.drop_tables()
    results.meta["elapsed_s"] = round(time.perf_counter() - started, 1)
    write_json(results, args.output, {"paired": paired(results)})
    sys.stdout.write(markdown(results))
    sys.stdout.write("\n".join(paired_table(results)) + "\n")
    log(f"wrote {args.output} ({results.meta['elapsed_s']} s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
