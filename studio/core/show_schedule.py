"""A show's schedule rules: no new show starts in the past, and the end follows the start.

These are the rules the server applies when a show is created (a start before the server's
clock is refused); the studio checks them first so the reason shows next to the field.
An existing show keeps the start it has, even once that is in the past (a show that was
planned for this morning and never went live is still editable); only a *changed* start is
checked.
"""

from __future__ import annotations

from datetime import datetime, timedelta

#: The length a show gets when it has no usable end to follow (one hour, as a new show).
DEFAULT_LENGTH = timedelta(hours=1)
PAST_START = "A new show cannot start in the past: pick a later time"
PAST_MOVE = "A show cannot be moved to a time in the past: pick a later time"
END_BEFORE_START = "The end must be after the start"


def _aware(value: datetime, label: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{label} needs a time zone")


def past_start_error(
    start: datetime, now: datetime, *, previous_start: datetime | None = None
) -> str | None:
    """Why `start` is refused as being in the past at `now`, or None.

    `previous_start` is the saved start of an existing show (None for a new show): an unchanged
    start is never refused, a changed one must not be in the past either.
    """
    _aware(start, "The start")
    _aware(now, "The current time")
    if previous_start is not None and start == previous_start:
        return None
    if start >= now:
        return None
    return PAST_START if previous_start is None else PAST_MOVE


def end_error(start: datetime, end: datetime | None) -> str | None:
    """Why the planned end is refused (it must be after the start), or None."""
    if end is None:
        return None
    if end <= start:
        return END_BEFORE_START
    return None


def end_following_start(
    old_start: datetime, old_end: datetime | None, new_start: datetime
) -> datetime | None:
    """The end after the start moved from `old_start` to `new_start`: the show keeps its length.

    No end stays no end; an end that was not after the start (nothing to keep) becomes
    `new_start` + DEFAULT_LENGTH.
    """
    if old_end is None:
        return None
    length = old_end - old_start
    if length <= timedelta(0):
        length = DEFAULT_LENGTH
    return new_start + length
