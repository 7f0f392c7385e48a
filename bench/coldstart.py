"""Cold start: a fresh Python process that imports, constructs and makes one get_item."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from string import Template

from bench.peers import Contender
from bench.report import ColdSample

ROOT = Path(__file__).resolve().parent.parent

# The child times itself from before the library's import to after the get_item, so
# interpreter start-up (the same for everyone) does not dilute the comparison; the
# parent also records the whole process's wall time.
PROLOGUE = "import time\n_w0 = time.perf_counter()\n_c0 = time.process_time()\n"
EPILOGUE = """
_c1 = time.process_time()
_w1 = time.perf_counter()
import json, sys
if not found:
    sys.exit("cold start: the item was not found")
print(json.dumps({"wall_s": _w1 - _w0, "cpu_s": _c1 - _c0}))
"""


class ColdStartError(RuntimeError):
    """The cold-start child failed."""


def cold_start_script(
    contender: type[Contender], endpoint: str, table: str, pk: str, sk: str
) -> str:
    """The whole ``python -c`` program for one contender."""
    body = Template(textwrap.dedent(contender.cold_start_code())).substitute(
        endpoint=endpoint, table=table, pk=pk, sk=sk
    )
    return PROLOGUE + body + EPILOGUE


def run_cold_start(
    contender: type[Contender], endpoint: str, table: str, pk: str, sk: str
) -> ColdSample:
    """Run one fresh process for ``contender`` and return its timings."""
    script = cold_start_script(contender, endpoint, table, pk, sk)
    start = time.perf_counter()
    # A cold start as users see it reads bytecode caches: a PYTHONDONTWRITEBYTECODE in the
    # bench's own environment would make every child compile every module from source.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    child = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    process_wall = time.perf_counter() - start
    if child.returncode != 0:
        tail = "\n".join(child.stderr.strip().splitlines()[-5:])
        raise ColdStartError(f"{contender.key} cold start exited {child.returncode}: {tail}")
    figures = json.loads(child.stdout.strip().splitlines()[-1])
    return ColdSample(
        wall_s=float(figures["wall_s"]), cpu_s=float(figures["cpu_s"]), process_wall_s=process_wall
    )
