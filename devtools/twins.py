"""Write the two public service classes from the core's operations, or check they are current.

Every public operation is written once, as a generator method of the core (the
``*Steps`` classes of ``src/services/dynamodb/_op_*.py``), with its signature and
docstring. This script reads those methods (``ast``, nothing imported) and writes
``dynamodb_service.py`` and ``async_dynamodb_service.py``: one real method per
operation, with the same parameters, annotations and docstring, whose body hands the
arguments to the core and has the class's driver run it. ``--check`` (run by
``make test``) fails when a written file differs from what this script would write.

    python -m devtools.twins           # write both files
    python -m devtools.twins --check   # exit 1, naming the stale file, if one is stale
"""

from __future__ import annotations

import argparse
import ast
import builtins
import inspect
import subprocess
import sys
from pathlib import Path

from devtools.twin_templates import TWINS, Import, Operation, Twin

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "services" / "dynamodb"
SOURCES = ("_op_tables.py", "_op_items.py", "_op_reads.py", "_op_bulk.py")
"""In the order of ``Core``'s bases, which is the order of the methods written."""
RUFF = Path(sys.executable).parent / "ruff"


def _imports(tree: ast.Module) -> dict[str, Import]:
    found: dict[str, Import] = {}
    for node in tree.body:
        typing_only = isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
        for statement in node.body if isinstance(node, ast.If) else [node]:
            if isinstance(statement, ast.ImportFrom) and statement.module != "__future__":
                module = "." * statement.level + (statement.module or "")
                for alias in statement.names:
                    found[alias.asname or alias.name] = Import(module, typing_only)
    return found


def _operations(tree: ast.Module) -> list[Operation]:
    steps = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name.endswith("Steps")]
    defined: dict[str, ast.FunctionDef] = {}
    found: list[Operation] = []
    for node in steps[0].body if steps else []:
        if isinstance(node, ast.FunctionDef):
            defined[node.name] = node
            if not node.name.startswith("_"):
                found.append(Operation(node.name, node, ast.get_docstring(node) or ""))
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            found.append(_listing(node, node.value, defined))
    return found


def _listing(node: ast.Assign, call: ast.Call, defined: dict[str, ast.FunctionDef]) -> Operation:
    """``query = collected(iter_query, doc=...)``: the list form of a stream."""
    target, (source,) = node.targets[0], call.args
    assert isinstance(target, ast.Name) and isinstance(source, ast.Name), ast.unparse(node)
    (doc,) = (ast.literal_eval(k.value) for k in call.keywords if k.arg == "doc")
    return Operation(target.id, defined[source.id], inspect.cleandoc(doc), listing=True)


def read_core() -> tuple[list[Operation], dict[str, Import]]:
    """Every public operation of the core, and where the names of their signatures live."""
    operations: list[Operation] = []
    imports: dict[str, Import] = {}
    for source in SOURCES:
        tree = ast.parse((PACKAGE / source).read_text(), source)
        imports.update(_imports(tree))
        operations.extend(_operations(tree))
    return operations, imports


def render(twin: Twin, operations: list[Operation], imports: dict[str, Import]) -> str:
    """The source of one twin's module, formatted as the project formats code."""
    methods = [twin.method(operation) for operation in operations]
    names = set().union(*(method.names for method in methods)) | twin.names
    header = [twin.header, "from __future__ import annotations", ""]
    header += _import_lines(names, imports | twin.imports)
    body = [twin.class_line, *(method.text for method in methods)]
    return _formatted("\n".join([*header, "", *body]) + "\n", twin.path)


def _import_lines(names: set[str], imports: dict[str, Import]) -> list[str]:
    by_module: dict[tuple[bool, str], list[str]] = {}
    for name in sorted(names):
        if hasattr(builtins, name):
            continue
        where = imports[name]
        by_module.setdefault((where.typing_only, where.module), []).append(name)
    lines = [f"from {m} import {', '.join(n)}" for (t, m), n in by_module.items() if not t]
    guarded = [f"    from {m} import {', '.join(n)}" for (t, m), n in by_module.items() if t]
    if guarded:
        lines.append("from typing import TYPE_CHECKING")
        lines += ["", "if TYPE_CHECKING:", *guarded]
    return lines


def _formatted(source: str, path: Path) -> str:
    for command in (["check", "--select", "I", "--fix", "--quiet"], ["format", "--quiet"]):
        source = subprocess.run(
            [str(RUFF), *command, "--stdin-filename", str(path), "-"],
            input=source,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    return source


def main(argv: list[str] | None = None) -> int:
    """Write both twins, or with ``--check`` report the stale ones (exit 1)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if a file is stale")
    parser.add_argument("--into", type=Path, default=PACKAGE, help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    operations, imports = read_core()
    stale = []
    for twin in TWINS:
        path = arguments.into / twin.path
        text = render(twin, operations, imports)
        if arguments.check:
            if not path.exists() or path.read_text() != text:
                stale.append(twin.path)
        else:
            path.write_text(text)
    for name in stale:
        print(f"{name} is stale: run `python -m devtools.twins`", file=sys.stderr)  # noqa: T201
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
