"""Real methods on both twins: what mocks, ``help()``, editors and autodoc see on the class."""

from __future__ import annotations

import inspect
import pydoc
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any
from unittest import mock

import jedi
import pytest

from devtools import twins
from src.services.dynamodb import Item
from src.services.dynamodb.dynamodb_service import DynamoDBService

REPO = Path(__file__).resolve().parents[2]
OPERATIONS = (
    "ping table_exists list_tables create_table delete_table put_item get_item update_item "
    "delete_item iter_query query_page query iter_scan scan_page scan execute_statement "
    "batch_write_items batch_delete_items batch_get_items transact_write_items "
    "transact_get_items"
).split()
STREAMS = {"iter_query", "iter_scan"}


def _twin() -> type[Any]:
    from src.services.dynamodb.async_dynamodb_service import AsyncDynamoDBService

    return AsyncDynamoDBService


def _shape(function: Any) -> list[tuple[str, Any, Any]]:
    parameters = inspect.signature(function).parameters.values()
    return [(p.name, p.kind, p.default) for p in parameters]


@pytest.mark.parametrize("name", OPERATIONS)
def test_every_operation_is_a_function_on_the_class_with_self_and_its_own_docstring(
    name: str,
) -> None:
    # GIVEN the class, not an instance
    method = getattr(DynamoDBService, name)
    # THEN the operation is a plain function written in the class's own module
    assert inspect.isfunction(method) and callable(method)
    assert method.__module__ == "src.services.dynamodb.dynamodb_service"
    assert method.__qualname__ == f"DynamoDBService.{name}"
    # AND its signature starts with self, and its docstring is the operation's
    assert next(iter(inspect.signature(method).parameters)) == "self"
    assert method.__doc__ and not method.__doc__.startswith("An operation")


@pytest.mark.async_twin
@pytest.mark.parametrize("name", OPERATIONS)
def test_the_twins_take_the_same_parameters_and_the_async_ones_are_coroutine_functions(
    name: str,
) -> None:
    # GIVEN an operation on both classes
    blocking, awaiting = getattr(DynamoDBService, name), getattr(_twin(), name)
    # THEN names, kinds and defaults are the same, and so is the docstring
    assert _shape(blocking) == _shape(awaiting)
    assert blocking.__doc__ == awaiting.__doc__
    # AND the twin's is a coroutine function, but a stream returns an async iterator
    assert inspect.iscoroutinefunction(awaiting) is (name not in STREAMS)
    if name in STREAMS:
        assert inspect.signature(awaiting).return_annotation.startswith("AsyncIterator[Item]")


@pytest.mark.parametrize("twin", ["blocking", pytest.param("async", marks=pytest.mark.async_twin)])
def test_help_lists_every_operation_with_its_docstrings_first_line(twin: str) -> None:
    # GIVEN a class WHEN pydoc renders it, as help() does
    cls = DynamoDBService if twin == "blocking" else _twin()
    text = pydoc.render_doc(cls, renderer=pydoc.plaintext)  # type: ignore[attr-defined]
    # THEN every operation is there with the first line of its own docstring
    for name in OPERATIONS:
        first_line = inspect.getdoc(getattr(cls, name)).splitlines()[0]  # type: ignore[union-attr]
        assert f"{name}(self" in text
        assert first_line in text


class UserDirectory:
    """A user's class, with the service injected, as the specification asks."""

    def __init__(self, service: DynamoDBService) -> None:
        self.service = service

    def name_of(self, user_id: str) -> str | None:
        found = self.service.get_item({"pk": user_id, "sk": 0})
        return None if found is None else str(found["name"])


def test_a_users_class_is_unit_tested_with_an_autospec_of_the_service() -> None:
    # GIVEN an autospec'd service, as a team's own unit test would make it
    service = mock.create_autospec(DynamoDBService, instance=True)
    service.get_item.return_value = {"pk": "u1", "sk": 0, "name": "Ada"}
    # WHEN the user's class calls it
    name = UserDirectory(service).name_of("u1")
    # THEN the mock answered, and saw the call
    assert name == "Ada"
    service.get_item.assert_called_once_with({"pk": "u1", "sk": 0})
    # AND a wrong keyword is refused as the real method would refuse it
    with pytest.raises(TypeError, match="consistant_read"):
        service.get_item({"pk": "u1"}, consistant_read=True)


@pytest.mark.async_twin
def test_the_async_twins_autospec_gives_async_mocks() -> None:
    import asyncio

    # GIVEN an autospec'd async service
    service = mock.create_autospec(_twin(), instance=True)
    service.get_item.return_value = {"pk": "u1", "sk": 0}
    # THEN its coroutine operations are AsyncMocks, awaited like the real thing
    assert isinstance(service.get_item, mock.AsyncMock)
    found: Item | None = asyncio.run(service.get_item({"pk": "u1", "sk": 0}))
    assert found == {"pk": "u1", "sk": 0}
    service.get_item.assert_awaited_once()
    # AND a wrong keyword is a TypeError, a stream a plain callable
    with pytest.raises(TypeError):
        service.put_item({"pk": "u1"}, return_oldd=True)
    assert not isinstance(service.iter_query, mock.AsyncMock)


@pytest.mark.parametrize(
    ("module", "cls"),
    [
        ("dynamodb_service", "DynamoDBService"),
        pytest.param(
            "async_dynamodb_service", "AsyncDynamoDBService", marks=pytest.mark.async_twin
        ),
    ],
)
def test_an_editor_finds_the_function_and_its_docstring(module: str, cls: str) -> None:
    # GIVEN a user's file, as an editor sees it
    source = (
        f"from src.services.dynamodb.{module} import {cls}\n"
        f"def use(service: {cls}) -> None:\n"
        "    service.get_item\n"
    )
    script = jedi.Script(source, path=REPO / "user_code.py", project=jedi.Project(REPO))
    # WHEN it asks what service.get_item is
    (name,) = script.infer(3, len("    service.get_"))
    # THEN a function, with the operation's docstring
    assert name.type == "function"
    assert "Return the item at ``key``" in name.docstring()


def test_the_generated_classes_are_current() -> None:
    # GIVEN the checked-in files WHEN the generator checks them THEN none is stale
    assert twins.main(["--check"]) == 0


def test_the_generators_check_fails_on_a_stale_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN current copies of both files, one of them then edited by hand
    package = twins.PACKAGE
    for name in ("dynamodb_service.py", "async_dynamodb_service.py"):
        shutil.copy(package / name, tmp_path / name)
    edited = tmp_path / "dynamodb_service.py"
    edited.write_text(edited.read_text().replace("def get_item(", "def get_itm(", 1))
    # WHEN the check runs on them THEN it fails, naming the stale file
    assert twins.main(["--check", "--into", str(tmp_path)]) == 1
    assert "dynamodb_service.py is stale" in capsys.readouterr().err
    # AND writing makes them current again
    assert twins.main(["--into", str(tmp_path)]) == 0
    assert twins.main(["--check", "--into", str(tmp_path)]) == 0


def test_the_generated_file_says_so_in_its_first_line() -> None:
    for name in ("dynamodb_service.py", "async_dynamodb_service.py"):
        first = (twins.PACKAGE / name).read_text().splitlines()[0]
        assert first.startswith("# Generated by `python -m devtools.twins`")
        assert "do not edit" in first


def test_without_the_async_extra_the_twin_names_the_extra_to_install() -> None:
    # GIVEN an interpreter where aiobotocore cannot be imported
    code = (
        "import sys; sys.modules['aiobotocore'] = None\n"
        "import src.services.dynamodb as package\n"
        "service = package.DynamoDBService\n"
        "try:\n"
        "    package.AsyncDynamoDBService\n"
        "except ImportError as error:\n"
        "    print(error)\n"
    )
    # WHEN the async twin is asked for
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    # THEN the sync service imported, and the error names the extra
    assert "pip install 'dynamodb-service[async]'" in result.stdout
