"""Fixtures of the portal tests."""

from __future__ import annotations

import pytest

from tests.portal.sample import Catalogue, build_catalogue


@pytest.fixture
def catalogue(db) -> Catalogue:
    return build_catalogue()
