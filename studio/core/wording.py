"""Counted nouns for messages: "1 item", "3 items", "1,200 units" (one rule for every screen)."""

from __future__ import annotations


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """`count` with its noun in the right number, thousands grouped: ``counted(1, "show")`` is
    "1 show", ``counted(1200, "unit")`` is "1,200 units"; `plural` for irregular nouns."""
    if isinstance(count, bool) or not isinstance(count, int):
        raise TypeError(f"A count is a whole number, not {count!r}")
    noun = singular if count == 1 else (plural or f"{singular}s")
    return f"{count:,} {noun}"


def them(count: int) -> str:
    """The pronoun for `count` things: "it" for one, "them" otherwise."""
    return "it" if count == 1 else "them"
