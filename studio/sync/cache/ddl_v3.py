"""Cache schema version 3, frozen as shipped: the commit-order sync protocol.

Rows of the tables the studio writes keep the server's `row_version` (the base an edit is made
against). Cursors become the server's commit-order horizon (an integer); cursors saved as
timestamps are dropped, so the next pull of every scope reads it whole (a scope that finished
its first pull keeps that stamp: no first-sync progress again). The outbox learns which user
action (batch) an operation belongs to, the row version it was made against, and two outcomes:
"conflict" (another device changed the row first) and "gone" (the row was deleted elsewhere).
Conflicts are kept, durably, until the user re-applies or discards them.
"""

from __future__ import annotations

V3_SCHEMA = """
ALTER TABLE products ADD COLUMN row_version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE live_stream_sessions ADD COLUMN row_version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE live_products ADD COLUMN row_version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE live_stream_chat ADD COLUMN row_version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE influencer_goals ADD COLUMN row_version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE influencer_notifications ADD COLUMN row_version INTEGER NOT NULL DEFAULT 1;

CREATE TABLE sync_cursors_v3 (
  table_name TEXT NOT NULL,
  scope TEXT NOT NULL DEFAULT '',
  cursor_xid INTEGER CHECK (cursor_xid >= 0),
  last_full_sync_at TEXT,
  PRIMARY KEY (table_name, scope)
) STRICT;
INSERT INTO sync_cursors_v3 (table_name, scope, cursor_xid, last_full_sync_at)
SELECT table_name, scope, NULL, last_full_sync_at FROM sync_cursors;
DROP TABLE sync_cursors;
ALTER TABLE sync_cursors_v3 RENAME TO sync_cursors;

CREATE TABLE outbox_v3 (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  op_id TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('upsert', 'delete', 'rpc')),
  target TEXT NOT NULL,
  row_id TEXT,
  payload TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'in_flight', 'failed', 'done', 'conflict', 'gone')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT,
  last_error TEXT,
  sqlstate TEXT,
  undo TEXT,
  undone_at TEXT,
  updated_at TEXT NOT NULL,
  batch_id TEXT,
  base_version INTEGER
) STRICT;
INSERT INTO outbox_v3 (
  id, op_id, created_at, kind, target, row_id, payload, status, attempts, next_attempt_at,
  last_error, sqlstate, undo, undone_at, updated_at)
SELECT
  id, op_id, created_at, kind, target, row_id, payload, status, attempts, next_attempt_at,
  last_error, sqlstate, undo, undone_at, updated_at
FROM outbox ORDER BY id;
DROP TABLE outbox;
ALTER TABLE outbox_v3 RENAME TO outbox;
CREATE INDEX outbox_status_id_idx ON outbox (status, id);
CREATE INDEX outbox_target_row_idx ON outbox (target, row_id);
CREATE INDEX outbox_batch_idx ON outbox (batch_id) WHERE batch_id IS NOT NULL;

-- An edit that lost to another device's change: what the user wanted (`mine`, the fields sent)
-- and the row the server had (`theirs`), until re-applied or discarded.
CREATE TABLE sync_conflicts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  op_id TEXT NOT NULL UNIQUE,
  batch_id TEXT,
  table_name TEXT NOT NULL,
  row_id TEXT NOT NULL,
  base_version INTEGER,
  mine TEXT NOT NULL,
  theirs TEXT,
  created_at TEXT NOT NULL,
  resolved_at TEXT,
  resolution TEXT CHECK (resolution IN ('reapplied', 'discarded'))
) STRICT;
CREATE INDEX sync_conflicts_open_idx ON sync_conflicts (resolved_at, id);
"""
