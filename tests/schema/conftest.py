"""Fixtures shared by the schema tests: a fresh database per module, a connection per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import psycopg
import pytest
from test_fn_support import connect


@pytest.fixture(scope="module")
def conninfo(fresh_db_module: Callable[..., str]) -> str:
    return fresh_db_module()


@pytest.fixture
def conn(conninfo: str) -> Iterator[psycopg.Connection]:
    c = connect(conninfo)
    yield c
    c.close()
