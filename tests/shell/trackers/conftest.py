"""Fixtures of the adapter tests: a strict ``responses`` mock in front of every request."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import responses


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    """Every registered answer must be asked for, and nothing unregistered may be asked."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock
