"""Tests that need the lean wire path: it steps aside on botocore 1.44 and later.

botocore 1.44 made its new retry behaviour the only one (base scales, ``x-amz-retry-after``);
the lean path follows the standard rules before it, so on a newer botocore (the sync-only
run installs the newest) it hands every call to botocore, and these tests do not apply.
"""

from __future__ import annotations

import pytest

from src.services.dynamodb._wire.source import new_retries

NEEDS_LEAN = pytest.mark.skipif(
    new_retries(),
    reason="this botocore's retry rules are the new ones; the lean path steps aside",
)
