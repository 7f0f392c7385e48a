"""The package's lazy export of the async twin."""

from __future__ import annotations

import pytest

import src.services.dynamodb as package


@pytest.mark.async_twin
def test_the_async_twin_is_exported_on_first_access() -> None:
    # GIVEN the package, imported
    # WHEN AsyncDynamoDBService is asked of it
    twin = package.AsyncDynamoDBService
    # THEN it is the async module's class
    assert twin.__module__ == "src.services.dynamodb.async_dynamodb_service"


def test_an_unknown_name_is_an_attribute_error() -> None:
    # GIVEN the package
    # WHEN a name it does not have is asked of it
    # THEN it is an AttributeError naming it
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = package.no_such_name
