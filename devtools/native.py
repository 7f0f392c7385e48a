"""``python -m devtools.native``: build the package's C speedups in place, for this Python.

Compiles each ``src/services/dynamodb/_native/*.c`` into the extension module beside it
(``decode.c`` into ``_decode``), with the compiler this interpreter was built with.
``make`` runs it; the package works without them (pure Python).
"""

from __future__ import annotations

import shlex
import subprocess
import sys
import sysconfig
from pathlib import Path

NATIVE = Path(__file__).resolve().parent.parent / "src" / "services" / "dynamodb" / "_native"


def built(source: Path) -> Path:
    """The extension module file ``source`` compiles to."""
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    return source.with_name(f"_{source.stem}{suffix}")


def command(source: Path, target: Path) -> list[str]:
    """The compiler's command line: shared, position-independent, optimised, warnings shown."""
    compiler = shlex.split(sysconfig.get_config_var("CC") or "cc")
    include = sysconfig.get_paths()["include"]
    flags = ["-O2", "-fPIC", "-shared", "-Wall", f"-I{include}"]
    return [*compiler, *flags, str(source), "-o", str(target)]


def main() -> int:
    """Build every module; a compiler's failure raises (``make`` stops)."""
    for source in sorted(NATIVE.glob("*.c")):
        target = built(source)
        subprocess.run(command(source, target), check=True)
        print(f"built {target.name}", file=sys.stderr)  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
