"""Relative times for lists: "just now", "3 min ago", "3 h ago", "yesterday", "in 2 days"."""

from __future__ import annotations

from datetime import datetime


def relative_time(moment: datetime, now: datetime) -> str:
    """How long ago (or until) `moment` is, seen at `now` (both time-zone aware)."""
    if moment.tzinfo is None or now.tzinfo is None:
        raise ValueError("relative_time needs time-zone aware datetimes")
    seconds = int((now - moment).total_seconds())
    future = seconds < 0
    seconds = abs(seconds)
    if seconds < 60:
        return "just now" if not future else "in under a minute"
    if seconds < 3600:
        amount = f"{seconds // 60} min"
    elif seconds < 86400:
        amount = f"{seconds // 3600} h"
    else:
        days = seconds // 86400
        if days == 1:
            return "tomorrow" if future else "yesterday"
        if days < 60:
            amount = f"{days} days"
        else:
            months = days // 30
            amount = f"{months} months" if months < 24 else f"{days // 365} years"
    return f"in {amount}" if future else f"{amount} ago"
