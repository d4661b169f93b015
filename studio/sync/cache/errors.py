"""Errors raised by the offline cache."""

from __future__ import annotations


class CacheError(Exception):
    """Base class of every error the cache raises on purpose."""


class CacheDataError(CacheError, ValueError):
    """A row, value or operation was refused; the cache was left unchanged."""


class UnknownTableError(CacheError, KeyError):
    """A table name that the cache does not hold."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else "unknown table"


class CacheVersionError(CacheError):
    """The cache file was written by a newer studio; it was left untouched."""


class OutboxStateError(CacheError):
    """An outbox operation is not in a state that allows the requested transition."""
