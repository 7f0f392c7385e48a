"""The sync-only install, proven: ``make test`` runs this after the suite on the lock.

In a fresh virtualenv it installs the newest boto3 first, as an app would have it, then
the checkout (``pip install .``, no extras). It fails if that moved boto3 or botocore or
brought in aiobotocore or aiohttp, then runs the blocking service's unit tests there,
with the newest releases of what they need.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UV = ROOT / ".tools" / "venv" / "bin" / "uv"
VENV = ROOT / ".cache" / "sync-venv"
PYTHON = VENV / "bin" / "python"
TEST_TOOLS = (
    "pytest",
    "anyio",
    "moto[dynamodb,server]",
    "boto3-stubs[dynamodb]",
    "hypothesis",
    "jedi",
    "ruff",
    "trustme",
)
ASYNC_ONLY = ("aiobotocore", "aiohttp")


def _run(*command: str) -> str:
    print("+", " ".join(command), flush=True)  # noqa: T201 - a make step shows its work
    return subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True).stdout


def _install(*requirements: str) -> None:
    _run(str(UV), "pip", "install", "--quiet", "--python", str(PYTHON), *requirements)


def _versions() -> dict[str, str]:
    listing = _run(str(UV), "pip", "list", "--format", "json", "--python", str(PYTHON))
    return {entry["name"].lower(): entry["version"] for entry in json.loads(listing)}


def main() -> int:
    """Install boto3, then the checkout; check nothing moved; run the sync unit tests."""
    _run(str(UV), "venv", "--quiet", "--clear", "--python", sys.executable, str(VENV))
    _install("--upgrade", "boto3")
    before = _versions()
    _install(".")
    after = _versions()
    for name in ("boto3", "botocore"):
        if before[name] != after[name]:
            sys.exit(f"pip install . moved {name}: {before[name]} -> {after[name]}")
    if present := [name for name in ASYNC_ONLY if name in after]:
        sys.exit(f"pip install . installed {', '.join(present)}")
    versions = f"boto3 {after['boto3']}, botocore {after['botocore']}"
    print(f"sync-only install: {versions}, no aiobotocore")  # noqa: T201
    _install(*TEST_TOOLS)
    tests = [
        str(PYTHON),
        "-m",
        "pytest",
        "tests",
        "-m",
        "not async_twin",
        "--ignore",
        "tests/dynamodb/test_async_service.py",
        "-p",
        "no:cacheprovider",
    ]
    return subprocess.run([*tests, "-q"], cwd=ROOT, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
