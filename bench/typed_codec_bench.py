"""``python -m bench.typed_codec_bench``: CPU per item of the model codec's candidate ways.

Prints microseconds per item (best of several repeats) for a typical entity: a dozen fields
with a nested model, a set, a ``datetime`` and a ``UUID``. Writing compares ``to_item``
with one python-mode dump alone and with a python plus a JSON dump merged; reading
compares the wire decoder alone (dict results) with decoding plus each way of validating.
"""

from __future__ import annotations

import timeit
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from pydantic import BaseModel, Field

from src.services.dynamodb._typed import reader, to_item
from src.services.dynamodb._values import encode_item, item_decoder

PAGE = 100


class Address(BaseModel):
    street: str
    city: str
    zip_code: str


class User(BaseModel):
    pk: str = Field(alias="PK")
    sk: str = Field(alias="SK")
    id: UUID
    name: str
    email: str
    age: int
    score: float
    active: bool
    tags: set[str]
    created: datetime
    address: Address
    nickname: str | None = None


def _user(n: int) -> User:
    return User(
        PK=f"USER#{n}",
        SK="PROFILE",
        id=uuid4(),
        name=f"user {n}",
        email=f"u{n}@example.com",
        age=20 + n % 50,
        score=n / 7,
        active=n % 2 == 0,
        tags={"a", "b"},
        created=datetime(2026, 1, 1, 12, n % 60, tzinfo=UTC),
        address=Address(street="1 Main St", city="Springfield", zip_code="12345"),
    )


def _merged(model: BaseModel) -> dict[str, Any]:
    python = model.model_dump(by_alias=True, exclude_none=True)
    json = model.model_dump(by_alias=True, exclude_none=True, mode="json")
    return {
        name: value if type(value) in (str, int, float, bool, set, dict) else json[name]
        for name, value in python.items()
    }


def _per_item(seconds: float, count: int) -> str:
    return f"{seconds / count * 1e6:7.2f} us/item"


def _best(run: Callable[[], object], count: int) -> str:
    return _per_item(min(timeit.repeat(run, number=20, repeat=7)) / 20, count)


def main() -> None:
    """Print the figures."""
    users = [_user(n) for n in range(PAGE)]
    wires = [encode_item(to_item(u)) for u in users]
    decode = item_decoder("native")
    page = reader(User).page
    items = [decode(w) for w in wires]
    validator = User.__pydantic_validator__
    rows: list[tuple[str, Callable[[], object]]] = [
        ("write: model_dump, python mode", lambda: [u.model_dump(by_alias=True) for u in users]),
        ("write: model_dump, JSON mode", lambda: [u.model_dump(mode="json") for u in users]),
        ("write: python + JSON dumps merged", lambda: [_merged(u) for u in users]),
        ("write: to_item", lambda: [to_item(u) for u in users]),
        ("write: to_item + encode_item", lambda: [encode_item(to_item(u)) for u in users]),
        ("read: decode only (dict results)", lambda: [decode(w) for w in wires]),
        (
            "read: decode + TypeAdapter(list[M])",
            lambda: page.validate_python([decode(w) for w in wires], strict=False),
        ),
        (
            "read: decode + model_validate each",
            lambda: [User.model_validate(decode(w), strict=False) for w in wires],
        ),
        (
            "read: decode + core validator each",
            lambda: [validator.validate_python(decode(w), strict=False) for w in wires],
        ),
        ("read: validation alone, one list", lambda: page.validate_python(items, strict=False)),
        ("read: validation alone, strict=None", lambda: page.validate_python(items)),
    ]
    print(f"{PAGE} items of a 12-field entity, best of 7:")
    for label, run in rows:
        print(f"  {label:40} {_best(run, PAGE)}")


if __name__ == "__main__":
    main()
