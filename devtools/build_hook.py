"""The wheel's build hook: the C speedups compiled in, or a pure-Python wheel.

Hatch runs it for every wheel (``pip install .``, ``uv build``). It compiles
``src/services/dynamodb/_native/*.c`` with ``devtools/native.py``, the code ``make`` runs,
into a temporary folder, and puts the modules in a wheel tagged for this Python and
platform. Without a working compiler (or with ``DYNAMODB_SERVICE_NATIVE=0``) it says so
and the wheel is pure Python, which runs the same code paths without the speedups.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

SWITCH = "DYNAMODB_SERVICE_NATIVE"
"""``_native.SWITCH``, which the build cannot import (the package needs its dependencies)."""
PACKAGE_FOLDER = "src/services/dynamodb/_native"


def load_native(root: Path) -> ModuleType:
    """Load ``devtools/native.py`` by its path: the build runs with no checkout on sys.path."""
    spec = importlib.util.spec_from_file_location("_native_build", root / "devtools" / "native.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class NativeBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    """Compile the speedups into the wheel when this machine can."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        """Add the compiled modules and a platform tag, or leave the wheel pure."""
        if self.target_name != "wheel" or version == "editable":
            return
        if os.environ.get(SWITCH) == "0":
            self.app.display_info(f"{SWITCH}=0: a pure-Python wheel, without the C speedups")
            return
        self._folder = Path(tempfile.mkdtemp(prefix="dynamodb-service-native-"))
        try:
            modules = load_native(Path(self.root)).build_all(self._folder)
        except (OSError, subprocess.CalledProcessError) as error:
            self.app.display_warning(f"C speedups not built ({error}): a pure-Python wheel")
            return
        for module in modules:
            build_data["force_include"][str(module)] = f"{PACKAGE_FOLDER}/{module.name}"
        build_data["pure_python"] = False
        build_data["infer_tag"] = True

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        """Remove the temporary folder once the wheel is written."""
        folder = getattr(self, "_folder", None)
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
