"""Opens psycopg connections with the settings every part of the app uses."""

from __future__ import annotations

import psycopg

APPLICATION_NAME = "shopstream-studio"
CONNECT_TIMEOUT_S = 10


def connect(conninfo: str, *, autocommit: bool = False) -> psycopg.Connection:
    """Connect to ``conninfo`` (URL or key=value string) with a timeout and app name."""
    return psycopg.connect(
        conninfo,
        autocommit=autocommit,
        connect_timeout=CONNECT_TIMEOUT_S,
        application_name=APPLICATION_NAME,
    )
