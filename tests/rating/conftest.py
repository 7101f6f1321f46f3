"""Fixtures of the rating tests."""

from __future__ import annotations

import pytest

from tests.rating.world import World, worked_example


@pytest.fixture(scope="module")
def world() -> tuple[World, str]:
    """RATING.md section 5's world, built once per module and only read."""
    return worked_example()
