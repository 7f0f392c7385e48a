"""The lean path is used only with botocore's current retry behaviour (``lean_supported``).

A newer botocore may turn its "new retries" on by default; the differential tests compare
with botocore as the lean path is meant to match it, so they pin that flag off.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session", autouse=True)
def botocore_standard_retries() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("botocore.retries.standard.NEW_RETRIES_ENABLED", False, raising=False)
        yield
