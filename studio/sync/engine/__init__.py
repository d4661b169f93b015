"""Sync engine: the background task that pushes the outbox and pulls the user's scopes."""

from studio.sync.engine.events import OpRejected, SyncProgress, SyncStatus
from studio.sync.engine.sync_engine import SyncEngine

__all__ = ["OpRejected", "SyncEngine", "SyncProgress", "SyncStatus"]
