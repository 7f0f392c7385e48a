"""``python -m bench.load``: the orders API example and the same routes on aioboto3, under load.

Starts a DynamoDB Local, gives each app its own table with the same seeded data, runs
each app on uvicorn (one worker, its own process) on loopback, checks both answer every
route of the issue with the right status, warms both up, then drives each with 64
connections for a fixed time over the same seeded mix, in alternating rounds (AB, BA) so
that a change in the machine's other load falls on both. Prints requests/s, p50/p95/p99
and errors side by side and as ratios, with the CPU each process used (from
``/proc/<pid>/stat``), so a CPU-bound DynamoDB Local shows in the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import httpx

from bench.load_http import conformance, drive, requests, user_id
from bench.load_report import Measured, by_kind, machine, merge, summary, table, verdict
from devtools.dynamodb_local import DynamoDBLocal, free_port

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = "examples.orders_api.app:create_app"
APPS: dict[str, tuple[str, dict[str, str]]] = {
    "service, botocore": (EXAMPLE, {"DYNAMODB_TRANSPORT": "botocore"}),
    "service, lean": (EXAMPLE, {"DYNAMODB_TRANSPORT": "lean"}),
    "aioboto3 Table": ("bench.orders_api_aioboto3:create_app", {}),
}
"""The apps, by name: the example on each transport, then the baseline of every ratio."""
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}
TICKS = os.sysconf("SC_CLK_TCK")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cpu_seconds(pid: int) -> float:
    """The CPU time (user + system, all threads) process ``pid`` has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, from ``/proc/stat``."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values[:8]) - idle) / TICKS, sum(values[:8]) / TICKS


def jvm_pid(port: int) -> int:
    """The pid of the DynamoDB Local listening on ``port`` (found by its command line)."""
    for entry in Path("/proc").iterdir():
        with contextlib.suppress(OSError):
            args = (entry / "cmdline").read_bytes().split(b"\0")
            if b"DynamoDBLocal.jar" in b" ".join(args) and str(port).encode() in args:
                return int(entry.name)
    raise RuntimeError(f"no DynamoDB Local process on port {port}")


def seed_table(endpoint: str, table: str, users: int, orders: int) -> None:
    """Create ``table`` (pk/sk, on demand) with ``users`` users of ``orders`` orders each."""
    resource = boto3.resource(
        "dynamodb",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )
    created = resource.create_table(
        TableName=table,
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    while created.table_status != "ACTIVE":
        time.sleep(0.1)
        created.reload()
    with created.batch_writer() as writer:
        for n in range(users):
            uid = user_id(n)
            writer.put_item(
                Item={
                    "pk": f"USER#{uid}",
                    "sk": "PROFILE",
                    "id": uid,
                    "name": f"User {n}",
                    "email": f"{uid}@example.com",
                    "version": 1 + orders,
                    "order_count": orders,
                }
            )
            for o in range(orders):
                oid = f"{o:012x}{n:012x}"
                writer.put_item(
                    Item={
                        "pk": f"USER#{uid}",
                        "sk": f"ORDER#{oid}",
                        "id": oid,
                        "user_id": uid,
                        "item": f"item-{o}",
                        "quantity": 1 + o,
                    }
                )


@contextlib.contextmanager
def app_process(target: str, port: int, env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``target`` on uvicorn (one worker, no access log) until the block ends."""
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        target,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--loop",
        "asyncio",  # as the published figures ran; uvloop is in this environment too
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        wait_ready(f"http://127.0.0.1:{port}", process)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the app at {url} exited with code {process.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/healthz", timeout=2.0).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"the app at {url} did not answer /healthz within {timeout:.0f} s")


def measure(
    url: str, app_pid: int, jvm: int, seconds: float, args: argparse.Namespace, seed: int
) -> Measured:
    """Drive the app at ``url`` for ``seconds``; measure the CPU each process used."""
    pids = {"the app": app_pid, "DynamoDB Local": jvm, "the load driver": os.getpid()}
    before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    busy_before, total_before = machine_busy()
    result = asyncio.run(drive(url, seconds, args.connections, requests(seed, args.users)))
    busy_after, total_after = machine_busy()
    cpu = {name: (cpu_seconds(pid) - before[name]) / result.seconds for name, pid in pids.items()}
    everything = (busy_after - busy_before) / result.seconds
    cpu["everything else"] = max(0.0, everything - sum(cpu.values()))
    return Measured(result, cpu, (busy_after - busy_before) / (total_after - total_before))


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__)
    parser.add_argument("--seconds", type=float, default=20.0, help="measured time per app")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds (AB, BA...)")
    parser.add_argument("--warmup", type=float, default=5.0, help="unmeasured time per app")
    parser.add_argument("--connections", type=int, default=64, help="concurrent connections")
    parser.add_argument("--users", type=int, default=1000, help="users seeded per table")
    parser.add_argument("--orders", type=int, default=5, help="orders seeded per user")
    parser.add_argument("--seed", type=int, default=20, help="seed of the request mix")
    return parser.parse_args(argv)


def start_apps(
    endpoint: str, stack: contextlib.ExitStack, args: argparse.Namespace
) -> dict[str, tuple[str, int]]:
    """Seed a table per app, start each on uvicorn, check its routes; return (url, pid)s."""
    started: dict[str, tuple[str, int]] = {}
    for n, (name, (target, settings)) in enumerate(APPS.items()):
        table = f"load_{n}"
        log(f"{name}: seeding {table} ({args.users} users x {args.orders} orders)")
        seed_table(endpoint, table, args.users, args.orders)
        env = {**os.environ, **CREDENTIALS, "AWS_REGION": "us-east-1"}
        env |= {"ORDERS_TABLE": table, "DYNAMODB_ENDPOINT_URL": endpoint, **settings}
        port = free_port()
        process = stack.enter_context(app_process(target, port, env))
        url = f"http://127.0.0.1:{port}"
        asyncio.run(conformance(url))
        started[name] = (url, process.pid)
    return started


def run(args: argparse.Namespace) -> dict[str, Measured]:
    """Start everything, check, warm up and measure the apps in alternating rounds."""
    with DynamoDBLocal() as local, contextlib.ExitStack() as stack:
        jvm = jvm_pid(local.port)
        started = start_apps(local.endpoint_url, stack, args)
        for name, (url, _) in started.items():
            log(f"{name}: warming up for {args.warmup:.0f} s")
            stream = requests(args.seed - 1, args.users)
            asyncio.run(drive(url, args.warmup, args.connections, stream))
        parts: dict[str, list[Measured]] = {name: [] for name in started}
        seconds = args.seconds / args.rounds
        for round_ in range(args.rounds):
            order = list(started.items())
            for name, (url, pid) in order if round_ % 2 == 0 else reversed(order):
                part = measure(url, pid, jvm, seconds, args, args.seed + round_)
                parts[name].append(part)
                log(f"round {round_ + 1}: {name}: {summary(part)}")
        return {name: merge(measured) for name, measured in parts.items()}


def main(argv: list[str]) -> int:
    args = parse(argv[1:])
    results = run(args)
    print(f"machine: {machine()}")
    print(
        f"load: {args.connections} connections, {args.seconds:.0f} s per app in"
        f" {args.rounds} alternating rounds, seeded mix"
        " 70% GET user / 20% GET orders page / 10% POST order, one uvicorn worker per app\n"
    )
    print(table(results))
    print()
    print(by_kind(results))
    print()
    print(verdict(results))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
