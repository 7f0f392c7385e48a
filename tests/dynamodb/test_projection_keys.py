"""``project_keys``: the key attributes a projection leaves out are added once, by placeholder."""

from __future__ import annotations

from typing import Any

import pytest

from src.services.dynamodb._requests import project_keys


@pytest.mark.parametrize(
    ("projection", "names", "added", "sent"),
    [
        ("#n", {"#n": "name"}, ["pk", "sk"], "#n, #key0_, #key1_"),
        ("#p, #n", {"#p": "pk", "#n": "name"}, ["sk"], "#p, #n, #key0_"),
        ("pk,sk , #n", {"#n": "name"}, [], "pk,sk , #n"),
        ("pk.inner, sk", {}, ["pk"], "pk.inner, sk, #key0_"),
    ],
    ids=["none-named", "hash-by-placeholder", "both-directly", "nested-path-is-not-the-key"],
)
def test_only_the_keys_a_projection_leaves_out_are_added(
    projection: str, names: dict[str, str], added: list[str], sent: str
) -> None:
    # GIVEN a request with a projection
    request: dict[str, Any] = {"ProjectionExpression": projection}
    if names:
        request["ExpressionAttributeNames"] = dict(names)
    # WHEN the keys pk and sk are projected for a cursor
    result = project_keys(request, ["pk", "sk"])
    # THEN only the missing ones are added, each once, and they are reported
    assert result == added
    assert request["ProjectionExpression"] == sent
    placeholders = request.get("ExpressionAttributeNames", {})
    assert [placeholders[f"#key{n}_"] for n in range(len(added))] == added
    # AND nothing empty is sent: DynamoDB refuses empty ExpressionAttributeNames
    assert placeholders or "ExpressionAttributeNames" not in request


def test_without_a_projection_nothing_is_added() -> None:
    request: dict[str, Any] = {"TableName": "t"}
    assert project_keys(request, ["pk"]) == []
    assert request == {"TableName": "t"}
