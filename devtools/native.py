"""``python -m devtools.native``: build the package's C speedups in place, for this Python.

Compiles each ``src/services/dynamodb/_native/*.c`` into the extension module beside it
(``decode.c`` into ``_decode``), with ``$CC`` or else the compiler this interpreter was
built with. ``make`` runs it, and the wheel's build hook (``devtools/build_hook.py``)
builds the same modules into a platform wheel; the package works without them.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import sysconfig
from pathlib import Path

NATIVE = Path(__file__).resolve().parent.parent / "src" / "services" / "dynamodb" / "_native"


def built(source: Path, into: Path) -> Path:
    """The extension module file ``source`` compiles to, in the folder ``into``."""
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    return into / f"_{source.stem}{suffix}"


def command(source: Path, target: Path) -> list[str]:
    """The compiler's command line: shared, position-independent, optimised, warnings shown."""
    compiler = shlex.split(os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc")
    include = sysconfig.get_paths()["include"]
    flags = ["-O2", "-fPIC", "-shared", "-Wall", f"-I{include}"]
    return [*compiler, *flags, str(source), "-o", str(target)]


def build_all(into: Path) -> list[Path]:
    """Compile every module into the folder ``into``; a compiler's failure raises."""
    targets = []
    for source in sorted(NATIVE.glob("*.c")):
        target = built(source, into)
        subprocess.run(command(source, target), check=True)
        targets.append(target)
    return targets


def main() -> int:
    """Build every module beside its source; a compiler's failure raises (``make`` stops)."""
    for target in build_all(NATIVE):
        print(f"built {target.name}", file=sys.stderr)  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
