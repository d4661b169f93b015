"""Fixtures of the session tests: a local server (embedded PostgreSQL) with a host, a show and
its lineup, and the host's ShowServer over a LocalBackend."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

_TESTS = Path(__file__).resolve().parents[1]
for _folder in ("sync", "schema"):
    if str(_TESTS / _folder) not in sys.path:
        sys.path.insert(0, str(_TESTS / _folder))

pytest.register_assert_rewrite("session_support")

from test_local_support import backends, ws  # noqa: E402  (fixtures shared with the sync tests)

__all__ = ["backends", "io_mode", "ws"]


@pytest.fixture
def io_mode() -> str:
    """The session layer runs on the app's asyncio loop: drive connections with asyncio only
    (the thread mode is covered by the backend's own tests)."""
    return "async"
