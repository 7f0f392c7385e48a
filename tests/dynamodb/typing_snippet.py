"""A user's code, as ``mypy --strict`` must type it: every read with and without ``model=``.

``make test`` runs ``mypy --strict tests``, so each ``assert_type`` here is checked: a read
whose overloads give another type fails the type check. The functions are also run (on
moto, by ``test_typed_api``), so the types asserted are those the values have.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, assert_type

from pydantic import BaseModel

from src.services.dynamodb import DynamoDBService, Item, Page

if TYPE_CHECKING:  # the async twin needs the async extra
    from src.services.dynamodb.async_dynamodb_service import AsyncDynamoDBService


class User(BaseModel):
    pk: str
    sk: int
    name: str


KEY = {"pk": "u", "sk": 1}
VALUES = {":p": "u"}


def blocking_reads(service: DynamoDBService) -> list[object]:
    """Every blocking read, with and without ``model``; return what each gave."""
    got: list[object] = []
    # with model=User
    one = service.get_item(KEY, model=User)
    assert_type(one, User | None)
    queried = service.query("pk = :p", VALUES, model=User)
    assert_type(queried, list[User])
    streamed = service.iter_query("pk = :p", VALUES, model=User)
    assert_type(streamed, Iterator[User])
    page = service.query_page("pk = :p", VALUES, page_size=1, model=User)
    assert_type(page, Page[User])
    assert_type(page.items, list[User])
    scanned = service.scan(model=User)
    assert_type(scanned, list[User])
    scan_streamed = service.iter_scan(model=User)
    assert_type(scan_streamed, Iterator[User])
    scan_page = service.scan_page(page_size=1, model=User)
    assert_type(scan_page, Page[User])
    batch = service.batch_get_items([KEY], model=User)
    assert_type(batch, list[User])
    got += [one, queried, list(streamed), page, scanned, list(scan_streamed), scan_page, batch]
    # without model: as before
    plain_one = service.get_item(KEY)
    assert_type(plain_one, Item | None)
    plain_queried = service.query("pk = :p", VALUES)
    assert_type(plain_queried, list[Item])
    plain_streamed = service.iter_query("pk = :p", VALUES)
    assert_type(plain_streamed, Iterator[Item])
    plain_page = service.query_page("pk = :p", VALUES, page_size=1)
    assert_type(plain_page, Page[Item])
    assert_type(plain_page, Page)
    plain_scanned = service.scan()
    assert_type(plain_scanned, list[Item])
    plain_scan_streamed = service.iter_scan()
    assert_type(plain_scan_streamed, Iterator[Item])
    plain_scan_page = service.scan_page(page_size=1)
    assert_type(plain_scan_page, Page[Item])
    plain_batch = service.batch_get_items([KEY])
    assert_type(plain_batch, list[Item])
    got += [
        plain_one,
        plain_queried,
        list(plain_streamed),
        plain_page,
        plain_scanned,
        list(plain_scan_streamed),
        plain_scan_page,
        plain_batch,
    ]
    return got


async def async_reads(service: AsyncDynamoDBService) -> list[object]:
    """Every read of the async twin, with and without ``model``; return what each gave."""
    got: list[object] = []
    # with model=User
    one = await service.get_item(KEY, model=User)
    assert_type(one, User | None)
    queried = await service.query("pk = :p", VALUES, model=User)
    assert_type(queried, list[User])
    streamed = service.iter_query("pk = :p", VALUES, model=User)
    assert_type(streamed, AsyncIterator[User])
    page = await service.query_page("pk = :p", VALUES, page_size=1, model=User)
    assert_type(page, Page[User])
    scanned = await service.scan(model=User)
    assert_type(scanned, list[User])
    scan_streamed = service.iter_scan(model=User)
    assert_type(scan_streamed, AsyncIterator[User])
    scan_page = await service.scan_page(page_size=1, model=User)
    assert_type(scan_page, Page[User])
    batch = await service.batch_get_items([KEY], model=User)
    assert_type(batch, list[User])
    got += [one, queried, [u async for u in streamed], page, scanned]
    got += [[u async for u in scan_streamed], scan_page, batch]
    # without model: as before
    plain_one = await service.get_item(KEY)
    assert_type(plain_one, Item | None)
    plain_queried = await service.query("pk = :p", VALUES)
    assert_type(plain_queried, list[Item])
    plain_streamed = service.iter_query("pk = :p", VALUES)
    assert_type(plain_streamed, AsyncIterator[Item])
    plain_page = await service.query_page("pk = :p", VALUES, page_size=1)
    assert_type(plain_page, Page[Item])
    plain_scanned = await service.scan()
    assert_type(plain_scanned, list[Item])
    plain_scan_streamed = service.iter_scan()
    assert_type(plain_scan_streamed, AsyncIterator[Item])
    plain_scan_page = await service.scan_page(page_size=1)
    assert_type(plain_scan_page, Page[Item])
    plain_batch = await service.batch_get_items([KEY])
    assert_type(plain_batch, list[Item])
    got += [plain_one, plain_queried, [i async for i in plain_streamed], plain_page]
    got += [plain_scanned, [i async for i in plain_scan_streamed], plain_scan_page, plain_batch]
    return got
