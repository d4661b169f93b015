"""Counted nouns in messages: singular for one, plural otherwise, thousands grouped."""

from __future__ import annotations

import pytest

from studio.core.wording import counted, them


@pytest.mark.parametrize(
    ("count", "noun", "plural", "text"),
    [
        (0, "item", None, "0 items"),
        (1, "item", None, "1 item"),
        (2, "show", None, "2 shows"),
        (1, "show", None, "1 show"),
        (1200, "unit", None, "1,200 units"),
        (1, "box", "boxes", "1 box"),
        (3, "box", "boxes", "3 boxes"),
    ],
)
def test_counted(count: int, noun: str, plural: str | None, text: str) -> None:
    assert counted(count, noun, plural) == text


@pytest.mark.parametrize("bad", [1.0, "1", True, None])
def test_counted_refuses_what_is_not_a_count(bad: object) -> None:
    with pytest.raises(TypeError, match="A count is a whole number"):
        counted(bad, "item")  # type: ignore[arg-type]


def test_them() -> None:
    assert (them(1), them(0), them(2)) == ("it", "them", "them")
