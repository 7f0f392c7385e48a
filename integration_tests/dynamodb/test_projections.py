"""Projections that name key attributes, and page reads that must equal their lists.

Both on DynamoDB Local, on both twins (the ``service`` fixture runs each test twice).
"""

from __future__ import annotations

from typing import Any

import pytest

from src.services.dynamodb.dynamodb_models import Item, Page
from src.services.dynamodb.dynamodb_service import DynamoDBService

from .conftest import GSI_NAME

OWNER = "ada"
ITEMS = 9


def _fill(service: DynamoDBService, table: str) -> None:
    service.batch_write_items(
        [
            {"pk": f"p{n % 3}", "sk": n, "owner": OWNER, "rank": n, "name": f"n{n}", "kind": k}
            for n in range(ITEMS)
            for k in ["odd" if n % 2 else "even"]
        ],
        table,
    )


@pytest.mark.parametrize(
    ("projection", "names"),
    [
        ("#p, #n", {"#p": "pk", "#n": "name"}),
        ("pk, sk, #n", {"#n": "name"}),
        ("#n, #s", {"#n": "name", "#s": "sk"}),
    ],
    ids=["key-by-placeholder", "keys-named-directly", "range-key-by-placeholder"],
)
def test_a_batch_get_projection_may_name_key_attributes_itself(
    service: DynamoDBService, table: str, projection: str, names: dict[str, str]
) -> None:
    # GIVEN items, and a projection that names a key attribute (directly or by placeholder)
    _fill(service, table)
    keys = [{"pk": "p1", "sk": 4}, {"pk": "p0", "sk": 0}]
    # WHEN they are read in a batch with it
    found = service.batch_get_items(
        keys, table, projection_expression=projection, expression_attribute_names=names
    )
    # THEN DynamoDB takes it (no overlapping paths), and the items come in key order
    assert found == [{"pk": "p1", "sk": 4, "name": "n4"}, {"pk": "p0", "sk": 0, "name": "n0"}]


def _walk(read: Any) -> list[Item]:
    items: list[Item] = []
    cursor: str | None = None
    for _ in range(ITEMS + 2):
        page: Page = read(cursor)
        items.extend(page.items)
        if page.cursor is None:
            return items
        cursor = page.cursor
    raise AssertionError("no last page")


@pytest.mark.parametrize("page_size", [1, 2, 4])
@pytest.mark.parametrize("projection", ["#n", "#n, #o"])
def test_filtered_pages_on_an_index_hold_exactly_what_query_returns(
    service: DynamoDBService, gsi_table: str, page_size: int, projection: str
) -> None:
    # GIVEN a filter and a projection that leaves out the table's and the index's keys
    _fill(service, gsi_table)
    arguments: dict[str, Any] = {
        "table_name": gsi_table,
        "index_name": GSI_NAME,
        "filter_expression": "kind = :k",
        "projection_expression": projection,
        "expression_attribute_names": {"#n": "name", "#o": "owner"},
    }
    whole = service.query("#o = :o", {":o": OWNER, ":k": "odd"}, **arguments)

    # WHEN the same query is walked page by page
    def read(cursor: str | None) -> Page:
        return service.query_page(
            "#o = :o", {":o": OWNER, ":k": "odd"}, page_size=page_size, cursor=cursor, **arguments
        )

    pages = _walk(read)
    # THEN the pages hold exactly the query's items: no key projected only for the cursor
    assert pages == whole
    assert [item["name"] for item in whole] == ["n1", "n3", "n5", "n7"]
    assert all(set(item) == {"name", *(["owner"] if "#o" in projection else [])} for item in whole)


def test_filtered_scan_pages_with_a_projection_hold_exactly_what_scan_returns(
    service: DynamoDBService, table: str
) -> None:
    # GIVEN a filter, and a projection naming the hash key by placeholder but not the range key
    _fill(service, table)
    arguments: dict[str, Any] = {
        "filter_expression": "kind = :k",
        "expression_attribute_values": {":k": "even"},
        "projection_expression": "#p, #n",
        "expression_attribute_names": {"#p": "pk", "#n": "name"},
        "table_name": table,
    }
    whole = service.scan(**arguments)
    # WHEN it is scanned a page of 2 at a time
    pages = _walk(lambda cursor: service.scan_page(page_size=2, cursor=cursor, **arguments))
    # THEN the pages equal the scan, and hold what was projected, no more
    assert pages == whole
    assert len(whole) == 5 and all(set(item) == {"pk", "name"} for item in whole)
