"""Fixtures shared by the data tests."""

from __future__ import annotations

import pytest

from data.db import Db
from data.lake import Lake
from tests.conftest import TZ


@pytest.fixture(scope="module", params=["rollups", "raw"])
def db(request, ctx, demo_dir) -> Db:
    """The test lake read through its rollups, and through their defining SQL over raw messages: every figure a
    module checks is checked both ways."""
    if request.param == "rollups":
        assert ctx.db.rollup_status().fresh
        return ctx.db
    return Db(Lake(demo_dir / "lake"), tz=TZ, use_rollups=False)
