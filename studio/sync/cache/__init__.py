"""The studio's offline cache: SQLite (WAL) per backend and user, outbox, sync cursors, search.

Open a cache with `CacheDatabase.open(cache_path(data_dir, backend_id, user_id))`, write through
one `CacheWriter` (its thread owns the only write connection) and read with `CacheReader`.
"""

from studio.sync.cache.codec import cents_to_decimal, money_cents
from studio.sync.cache.conflicts import Conflict, FieldChange
from studio.sync.cache.database import CacheDatabase, cache_path
from studio.sync.cache.errors import (
    CacheDataError,
    CacheError,
    CacheVersionError,
    OutboxStateError,
    UnknownTableError,
)
from studio.sync.cache.migrations import LATEST_VERSION, MIGRATIONS
from studio.sync.cache.outbox import Operation, OutboxEntry
from studio.sync.cache.reads import CacheReader, decode_row
from studio.sync.cache.search import SORTS, fts_query
from studio.sync.cache.store import CacheStore, SyncCursor
from studio.sync.cache.tables import FTS_TABLES, TABLES, TableSpec, table_spec
from studio.sync.cache.writer import CacheWriter

__all__ = [
    "FTS_TABLES",
    "LATEST_VERSION",
    "MIGRATIONS",
    "SORTS",
    "TABLES",
    "CacheDataError",
    "CacheDatabase",
    "CacheError",
    "CacheReader",
    "CacheStore",
    "CacheVersionError",
    "CacheWriter",
    "Conflict",
    "FieldChange",
    "Operation",
    "OutboxEntry",
    "OutboxStateError",
    "SyncCursor",
    "TableSpec",
    "UnknownTableError",
    "cache_path",
    "cents_to_decimal",
    "decode_row",
    "fts_query",
    "money_cents",
    "table_spec",
]
